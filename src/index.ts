/**
 * `glmm`: generalized linear mixed models in TypeScript. The package root is the user API — fit a
 * model from data and a formula, then ask the model object for its estimates, tests, intervals,
 * predictions and plots. Everything here is browser-safe (no Node-only APIs). The building blocks
 * (formula parser, linear algebra, optimizers, plot specs, the engines) are on subpaths:
 * `glmm/formula`, `glmm/plots`, `glmm/linalg`, `glmm/optim`, `glmm/inference`, `glmm/engine`, ...
 * @packageDocumentation
 */

// model calls and the model object
export { fit, gee, meta, nma } from "./api/fit.js";
export type { FitOptions, GeeOptions, MetaOptions, NmaOptions, ReportMethods } from "./api/fit.js";
export { de } from "./api/de.js";
export type { DeOptions, CountsInput, SparseCounts } from "./api/de.js";
export { Model } from "./api/model.js";
export type { ModelKind, CoefRow, VarCorrRow, NamedMatrix, ModelSummary, PredictOptions, Prediction, ConfintOptions, SimulateOptions, Contrast } from "./api/model.js";
export { plotSpecs, plotSVG, renderSVG } from "./api/plots.js";
export type { PlotName } from "./api/plots.js";

// data in
export { toFrame } from "./api/data.js";
export type { DataInput, Cell, ColumnValues, ArrowTableLike } from "./api/data.js";
export { parseDelimited } from "./data/csv.js";
export type { ParseOptions } from "./data/csv.js";
export { Frame } from "./data/frame.js";
export { UserError } from "./errors.js";

// the types results are made of
export type { FamilyName, LinkName } from "./families/index.js";
export type { KnownCovariance } from "./fit.js";
export type { ProgressInfo } from "./lmm/lmm.js";
export type { FitJSON } from "./report/json.js";
export type { GeeJSON } from "./gee/formula.js";
export type { CorStr, StdErrType } from "./gee/types.js";
export type { RanefRow } from "./inference/ranef.js";
export type { ConfintResult, ConfintRow } from "./inference/profile.js";
export type { CompareResult, CompareRow } from "./inference/compare.js";
export type { AnovaResult, AnovaRow, AnovaType } from "./inference/anova.js";
export type { ICCResult, VarianceComponents } from "./inference/icc.js";
export type { PredictLevel } from "./inference/predict.js";
export type { WaldContrast, WaldJoint } from "./inference/wald.js";
export type { MetaResult, MetaModel } from "./meta/rma-glmm.js";
export type { NMAResult } from "./meta/nma.js";
export type { DeRow } from "./singlecell/results.js";
export type { PlotSpec } from "./report/plots/spec.js";
