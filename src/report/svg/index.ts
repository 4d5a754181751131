// Dependency-free SVG plots (strings): the forest plot and the network graph.
export { forestPlotSVG, type ForestRow, type ForestSummary, type ForestOptions } from "./forest.js";
export { networkGraphSVG, type NetworkNode, type NetworkEdge, type NetworkOptions } from "./network.js";
export { esc, niceTicks, ratioLabel, ratioTicks, shortNumber, svgDocument } from "./svg.js";
