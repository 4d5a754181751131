/**
 * `glmm/plots`: the plots as vega-lite specifications (plain JSON-serialisable objects, no
 * dependency), their SVG rendering through the optional packages vega and vega-lite, and the
 * dependency-free SVG forest and network plots.
 * @packageDocumentation
 */
export * from "../report/plots/index.js";
export { forestPlotSVG, networkGraphSVG, svgDocument } from "../report/svg/index.js";
export type { ForestRow, ForestSummary } from "../report/svg/index.js";
export { renderSVG } from "../report/plots/render.js";
export { plotSpecs, plotSVG, type PlotName } from "../api/plots.js";
