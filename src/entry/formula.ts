/**
 * `glmm/formula`: lme4's formula language — parsing to an AST, printing it back, and building the
 * model structure (model matrix, random-effect terms, response) from a Frame.
 * @packageDocumentation
 */
export { buildModel, groupingFactor, parseFormula, formatFormula, deparse } from "../formula/index.js";
export type { FormulaAst, Expr } from "../formula/index.js";
export type { ModelStructure, ReTerm, Response, BuildOptions } from "../formula/types.js";
