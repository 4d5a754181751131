// Single-cell differential expression: the per-gene NB GLMM with a patient random intercept (fast
// Laplace path, the general engine as fallback), count-matrix readers, result tables, simulation.
export { NBGeneFitter, NB_SIZE_MAX } from "./nbgene.js";
export type { GeneFit, SmallSampleTest, FitOptions } from "./nbgene.js";
export { buildCellDesign, matchBarcodes } from "./design.js";
export type { CellDesign, DesignOptions } from "./design.js";
export { fitGeneGLMM } from "./fallback.js";
export { fitGenes, fitOneGene, failedFit } from "./run.js";
export type { GeneCounts, RunOptions } from "./run.js";
export { countNonzeroCells, planBlocks, readGeneBlock, parseFeatures, parseBarcodes } from "./counts.js";
export type { CountSource, EntryBatch, GeneBlock } from "./counts.js";
export { MtxStreamParser } from "./mtx.js";
export type { MtxHeader, MtxBatch } from "./mtx.js";
export { h5adSource } from "./h5ad.js";
export type { H5Group, H5Dataset, H5Attr, H5adOptions } from "./h5ad.js";
export { DE_COLUMNS, geneRows, failedRow, bhAdjust, adjustByTerm, formatDeCsv, parseDeCsv, mergeDeTables, parseShard, shardRange } from "./results.js";
export type { DeRow } from "./results.js";
export { simulateCells, simulateGenes, simulateGeneCounts, SimRng } from "./simulate.js";
export type { SimOptions, SimCells, SimGene } from "./simulate.js";
