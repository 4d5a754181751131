// One-stage meta-analysis (metafor's rma.glmm for 2×2 tables) and network meta-analysis (the
// two-way binomial GLMM): browser-safe library entry points.
export { rmaGLMM, observedLogOR, zeroKind } from "./rma-glmm.js";
export type { MetaModel, MetaOptions, MetaResult, StudyRow as MetaStudyRow, TestResult as MetaTestResult, ZeroKind } from "./rma-glmm.js";
export { studiesFromFrame } from "./tables.js";
export type { TableColumns, StudyTables } from "./tables.js";
export type { Study2x2 } from "./design.js";
export { fitBinomialGLM } from "./glm.js";
export { networkMetaAnalysis, pScores } from "./nma.js";
export type { NMAColumns, NMAOptions, NMAResult, Comparison as NMAComparison, PScore, DirectEvidence } from "./nma.js";
export { metaSummary, metaToJSON, metaForestSVG } from "./meta-report.js";
export { nmaSummary, nmaToJSON, nmaNetworkSVG, nmaForestSVG } from "./nma-report.js";
