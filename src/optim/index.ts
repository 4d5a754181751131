// Derivative-free bound-constrained optimizers used to minimize profiled deviances over θ.
export { bobyqa } from "./bobyqa.js";
export type { BobyqaOptions } from "./bobyqa.js";
export { nelderMead } from "./nelder-mead.js";
export type { NelderMeadOptions } from "./nelder-mead.js";
export type { OptimResult, Objective } from "./types.js";
