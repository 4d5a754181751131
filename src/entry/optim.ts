/**
 * `glmm/optim`: the derivative-free bound-constrained optimizers (BOBYQA, Nelder–Mead).
 * @packageDocumentation
 */
export * from "../optim/index.js";
