/**
 * `glmm/inference`: the inference functions on a fitted mixed model in the engine's form
 * (`fitModel()`'s ModelFit) — what Model's methods call.
 * @packageDocumentation
 */
export * from "../inference/index.js";
