// The formula layer: lme4 formula text + Frame → ModelStructure (see types.ts).
export { parseFormula, parseExpression, FUNCTIONS } from "./parse.js";
export { buildModel, groupingFactor } from "./build.js";
export { deparse, formatFormula } from "./ast.js";
export type { Expr, FormulaAst, BinaryOp } from "./ast.js";
export type { ModelStructure, ReTerm, Response, BuildOptions } from "./types.js";
