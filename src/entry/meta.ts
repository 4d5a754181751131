/**
 * `glmm/meta`: one-stage meta-analysis (rma.glmm) and network meta-analysis, with their reports.
 * @packageDocumentation
 */
export * from "../meta/index.js";
