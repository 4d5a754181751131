/**
 * `glmm/covariance`: known covariances between levels — Newick trees, relatedness matrices, and
 * their sparse precision.
 * @packageDocumentation
 */
export * from "../covariance/index.js";
