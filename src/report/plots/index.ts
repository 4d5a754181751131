// Plot specifications (vega-lite, plain objects): browser-safe, rendered by src/cli/render.ts in
// Node and by the playground in the page.
export type { PlotSpec } from "./spec.js";
export { caterpillarSpec } from "./caterpillar.js";
export type { CaterpillarRow, CaterpillarOptions } from "./caterpillar.js";
export { residualSpec } from "./residuals.js";
export type { ResidualOptions } from "./residuals.js";
export { qqSpec, qqPoints, ppoints } from "./qq.js";
export type { QQSeries, QQOptions, QQPoint } from "./qq.js";
export { profileSpec } from "./profile.js";
export type { ProfileRow, ProfileOptions } from "./profile.js";
export { forestSpec } from "./forest.js";
export { emmeansSpecs } from "./emmeans.js";
export type { EmmeansPlotSpecs, EmmeansPlotInput } from "./emmeans.js";
export type { ForestStudy, ForestPooled, ForestOptions } from "./forest.js";
export { networkSpec, mergeEdges } from "./network.js";
export type { NetworkNode, NetworkEdge, NetworkOptions } from "./network.js";
export { volcanoSpec, pvalueHistogramSpec, pvalueBins } from "./volcano.js";
export type { DERow, VolcanoOptions, PValueHistogramOptions } from "./volcano.js";
export { fitPlotSpecs, plotResiduals, ranefRows, ranefSeries } from "./fitdata.js";
export type { FitPlotSpecs } from "./fitdata.js";
