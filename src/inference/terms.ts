// The fixed-effect terms of a fitted model with their variables re-evaluated on the fitted rows:
// what the per-term tests (anova) and the reference grid (emmeans) need beyond the model matrix —
// which columns of X belong to which term, which variables are factors and their levels.
import type { Factor } from "../data/factor.js";
import { UserError } from "../errors.js";
import { parseFormula } from "../formula/index.js";
import { evalVariable } from "../formula/evaluate.js";
import { expandTerms, splitBars } from "../formula/terms.js";
import { unparen, type Expr } from "../formula/ast.js";
import type { ModelFit } from "./model.js";

/** A variable of the fixed-effects formula: its label, expression and, for a factor, its levels. */
export interface TermVariable {
  readonly label: string;
  readonly expr: Expr;
  /** a factor on the fitted rows, or null for a numeric variable */
  readonly factor: Factor | null;
  /** numeric values on the fitted rows (null for a factor) */
  readonly values: Float64Array | null;
}

/** A fixed-effects term (main effect or interaction) and its model-matrix columns. */
export interface FixedTerm {
  readonly label: string;
  /** indices into `variables` */
  readonly vars: readonly number[];
  /** columns of X (after dropping dependent ones) that belong to the term */
  readonly cols: readonly number[];
}

/** The fixed-effects terms of a fit, with the variables they are built from (for anova, emmeans and term tests). */
export interface FixedTerms {
  readonly intercept: boolean;
  readonly variables: readonly TermVariable[];
  readonly terms: readonly FixedTerm[];
}

/** Parse a fit's fixed-effects formula into terms, variables and their columns. */
export function fixedTerms(m: ModelFit): FixedTerms {
  const ast = parseFormula(m.formula);
  const { fixed } = splitBars(ast.rhs, ast.text);
  const ts = expandTerms(fixed, ast.text);
  const ms = m.ms;
  if (!ms.assign || !ms.termLabels) throw new Error("fixedTerms: the model structure has no term assignment");
  const ctx = { frame: m.frame, text: ast.text, rows: ms.rows, refLevels: m.options.refLevels ?? {} };
  const inTerm = new Set(ts.terms.flat());
  const variables: TermVariable[] = ts.variables.map((v, k) => {
    if (!inTerm.has(k)) return { label: v.label, expr: v.expr, factor: null, values: null };
    const val = evalVariable(v.expr, ctx);
    if (val.kind === "factor") return { label: v.label, expr: v.expr, factor: val.factor, values: null };
    // numeric expressions are evaluated on every frame row: keep the fitted rows
    return { label: v.label, expr: v.expr, factor: null, values: Float64Array.from(ms.rows, (r) => val.values[r]) };
  });
  const terms = ts.terms.map((t, j) => {
    const cols: number[] = [];
    ms.assign!.forEach((a, c) => { if (a === j + 1) cols.push(c); });
    return { label: ms.termLabels![j], vars: t, cols };
  });
  return { intercept: ts.intercept, variables, terms };
}

/** The data column a factor variable is made from (`g` or `factor(g)`), or null for anything else. */
export function factorColumn(e: Expr): string | null {
  const u = unparen(e);
  if (u.type === "name") return u.name;
  if (u.type === "call" && (u.fn === "factor" || u.fn === "as.factor") && u.args.length === 1) return factorColumn(u.args[0]);
  return null;
}

export function termByLabel(ft: FixedTerms, label: string): FixedTerm {
  const t = ft.terms.find((x) => x.label === label);
  if (!t) throw new UserError(`'${label}' is not a fixed-effect term of the model (terms: ${ft.terms.map((x) => x.label).join(", ") || "none"})`);
  return t;
}
