/**
 * `glmm/engine`: the engines and building blocks as the CLI uses them, in one flat module — the
 * engine-level `fit()` (returning `{ model, fit, json }`), `fitModel()` and the inference functions
 * on its ModelFit, the GEE, meta-analysis and single-cell engines, reports. Browser-safe. Prefer the
 * package root's Model for new code.
 * @packageDocumentation
 */

// data
export { Frame } from "../data/frame.js";
export type { Column, NumericColumn, TextColumn } from "../data/frame.js";
export { parseDelimited } from "../data/csv.js";
export type { ParseOptions } from "../data/csv.js";
export { UserError } from "../errors.js";

// formulas → model structure
export { buildModel, groupingFactor, parseFormula, formatFormula, deparse } from "../formula/index.js";
export type { FormulaAst, Expr } from "../formula/index.js";
export type { ModelStructure, ReTerm, Response, BuildOptions } from "../formula/types.js";

// families
export { makeFamily, pnorm, qnorm, dnorm, lgamma, digamma, lchoose } from "../families/index.js";
export type { Family, FamilyName, Link, LinkName } from "../families/index.js";

// models
export { fit } from "../fit.js";
export type { FitOptions, FitResult } from "../fit.js";
export { fitLMM, LinearMixedModel } from "../lmm/lmm.js";
export type { FittedLMM, LMMOptions, VarCorrEntry, RanefTable } from "../lmm/lmm.js";
export { fitGLMM, GeneralizedLinearMixedModel } from "../glmm/glmm.js";
export { fitGLM } from "../glm/glm.js";
export type { FittedGLM, GLMOptions } from "../glm/glm.js";
export type { FittedGLMM, GLMMOptions, FixefRow } from "../glmm/glmm.js";
export * from "../gee/index.js";
export * from "../meta/index.js";
export * from "../inference/index.js";
export * from "../covariance/index.js";
export * from "../singlecell/index.js";
// plots: vega-lite specs (the svg module above has dependency-free forest/network SVGs of its own)
export {
  caterpillarSpec, residualSpec, qqSpec, qqPoints, ppoints, profileSpec, forestSpec, emmeansSpecs, networkSpec, mergeEdges,
  volcanoSpec, pvalueHistogramSpec, pvalueBins, fitPlotSpecs, plotResiduals, ranefSeries,
} from "../report/plots/index.js";
export type { PlotSpec, CaterpillarRow, ProfileRow, ForestStudy, ForestPooled, DERow, FitPlotSpecs } from "../report/plots/index.js";
/** The vega-lite plot specs as one namespace (its members are also exported one by one). */
export * as plots from "../report/plots/index.js";
export * from "../report/svg/index.js";

// reports
export { fitToJSON } from "../report/json.js";
export type { FitJSON, FittedModel } from "../report/json.js";
export { fitSummary } from "../report/summary.js";
export { fitResultSummary } from "../report/fit-summary.js";
export { renderSVG } from "../report/plots/render.js";
export { attachCovariances } from "../fit.js";
export type { KnownCovariance } from "../fit.js";

// optimizers
export { bobyqa, nelderMead } from "../optim/index.js";
