/**
 * `glmm/gee`: the GEE engine (geepack's geeglm) on typed arrays, and its formula/data front end.
 * @packageDocumentation
 */
export * from "../gee/index.js";
export { geeFromFrame, geeToJSON, type GeeFrameOptions, type GeeFrameFit, type GeeJSON } from "../gee/formula.js";
