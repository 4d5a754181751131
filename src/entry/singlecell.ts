/**
 * `glmm/singlecell`: the per-gene negative binomial GLMM of `glmm de`, count readers and result tables.
 * @packageDocumentation
 */
export * from "../singlecell/index.js";
