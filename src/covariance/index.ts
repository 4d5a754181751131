// Known covariances between the levels of a grouping factor: phylogenies (Newick → Brownian-motion
// covariance) and labelled covariance / relatedness matrices; the phylogenetic signal.
export { parseNewick, tipLabels } from "./newick.js";
export type { PhyloTree, NewickOptions } from "./newick.js";
export { treeVcv, nodeDepths, rescale, isUltrametric } from "./vcv.js";
export type { CovarianceScale, LabelledMatrix } from "./vcv.js";
export { parseCovarianceMatrix, checkCovariance } from "./matrix.js";
export { parseCovarianceSpec, knownCovarianceFromText, specFileRole } from "./spec.js";
export type { CovarianceSpec, CovarianceSource } from "./spec.js";
export { latentResidualVariance, phylogeneticSignal } from "./signal.js";
export { treePrecision, treeCholesky, treeSolve, levelTree, levelTreeCovariance, levelTreeDepths } from "./precision.js";
export type { TreePrecision } from "./precision.js";
