// GEE engine (geepack::geeglm): browser-safe, plain typed arrays in and out.
export { fitGEE } from "./fit.js";
export { formatGeeSummary } from "./summary.js";
export { clusterLayout } from "./clusters.js";
export { makeCorrelation, workingCorrelationMatrix } from "./correlation.js";
export { quasiLikelihood } from "./qic.js";
export { CORSTRS, STDERR_TYPES } from "./types.js";
export type { CorStr, StdErrType, GeeInput, GeeOptions, GeeResult, GeeCoef, GeeQIC } from "./types.js";
