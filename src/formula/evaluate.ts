import { factorFromNumbers, factorOfColumn, formatRNumber, interactionFactor, relevel, type Factor } from "../data/factor.js";
import type { Frame } from "../data/frame.js";
import { UserError } from "../errors.js";
import { columnsOf, deparse, unparen, type Expr } from "./ast.js";
import { formulaError } from "./tokenize.js";

// Evaluation of formula variables against a Frame. Numeric expressions are computed on every row
// of the frame (NaN where an input is missing) so that scale() uses all non-missing values, as R's
// model.frame() does before dropping incomplete rows; factors and within()/between() are built on
// the rows the model uses. Rows are reported 1-based as "data row N" (the header does not count).

export type Value =
  | { readonly kind: "numeric"; readonly values: Float64Array }
  | { readonly kind: "factor"; readonly factor: Factor };

export interface EvalContext {
  readonly frame: Frame;
  /** formula text, for error messages with a caret */
  readonly text: string;
  /** frame row index of each row used */
  readonly rows: Int32Array;
  readonly refLevels: Readonly<Record<string, string>>;
}

function column(ctx: EvalContext, name: string) {
  return ctx.frame.column(name);
}

/** Apply `--ref` for a factor made from column `col`. */
function withRef(ctx: EvalContext, f: Factor, col: string | null): Factor {
  if (col !== null && Object.prototype.hasOwnProperty.call(ctx.refLevels, col)) {
    return relevel(f, ctx.refLevels[col], `column '${col}'`);
  }
  return f;
}

/** A factor on the used rows: a text column, a numeric column (grouping), or factor(expr). */
export function evalFactor(e: Expr, ctx: EvalContext): Factor {
  const u = unparen(e);
  if (u.type === "name") {
    const c = column(ctx, u.name);
    const f = c.kind === "text" ? factorOfColumn(c, ctx.rows) : factorFromNumbers(c.values, ctx.rows);
    return withRef(ctx, f, u.name);
  }
  if (u.type === "call" && (u.fn === "factor" || u.fn === "as.factor")) {
    const arg = unparen(u.args[0]);
    if (arg.type === "name") return evalFactor(arg, ctx);
    if (arg.type === "call" && (arg.fn === "factor" || arg.fn === "as.factor")) return evalFactor(arg, ctx);
    return factorFromNumbers(evalNumeric(arg, ctx), ctx.rows);
  }
  if (u.type === "binary" && u.op === ":") {
    return interactionFactor([evalFactor(u.left, ctx), evalFactor(u.right, ctx)]);
  }
  throw formulaError(ctx.text, u.pos, `'${deparse(u)}' is not a factor`);
}

/** A model variable: text columns and factor() are factors, everything else is numeric. */
export function evalVariable(e: Expr, ctx: EvalContext): Value {
  const u = unparen(e);
  if (u.type === "name") {
    const c = column(ctx, u.name);
    if (c.kind === "text") {
      // numbers but for a stray token: a factor with a level per number would fit "successfully"
      if (c.numericExcept) throw new UserError(`${ctx.frame.source}: ${c.numericExcept.message}`);
      return { kind: "factor", factor: evalFactor(u, ctx) };
    }
    return { kind: "numeric", values: c.values };
  }
  if (u.type === "call" && (u.fn === "factor" || u.fn === "as.factor")) return { kind: "factor", factor: evalFactor(u, ctx) };
  return { kind: "numeric", values: evalNumeric(u, ctx) };
}

/** A numeric expression on every frame row (NaN where an input is missing). */
export function evalNumeric(e: Expr, ctx: EvalContext): Float64Array {
  const n = ctx.frame.nrow;
  switch (e.type) {
    case "number": return new Float64Array(n).fill(e.value);
    case "paren": return evalNumeric(e.expr, ctx);
    case "name": {
      const c = column(ctx, e.name);
      if (c.kind === "text") {
        if (c.numericExcept) throw new UserError(`${ctx.frame.source}: ${c.numericExcept.message}`);
        throw formulaError(ctx.text, e.pos, `column '${e.name}' is text; it cannot be used in arithmetic`);
      }
      return c.values;
    }
    case "unary": {
      const a = evalNumeric(e.arg, ctx);
      if (e.op === "+") return a;
      return a.map((x) => -x);
    }
    case "binary": {
      if (e.op === ":" || e.op === "|" || e.op === "||") {
        throw formulaError(ctx.text, e.pos, `'${e.op}' cannot be used in arithmetic (use I(a * b) for a product)`);
      }
      const a = evalNumeric(e.left, ctx), b = evalNumeric(e.right, ctx);
      const out = new Float64Array(n);
      switch (e.op) {
        case "+": for (let i = 0; i < n; i++) out[i] = a[i] + b[i]; break;
        case "-": for (let i = 0; i < n; i++) out[i] = a[i] - b[i]; break;
        case "*": for (let i = 0; i < n; i++) out[i] = a[i] * b[i]; break;
        case "/": for (let i = 0; i < n; i++) out[i] = a[i] / b[i]; break;
        case "^": for (let i = 0; i < n; i++) out[i] = rpow(a[i], b[i]); break;
      }
      return out;
    }
    case "call": return evalCall(e, ctx);
  }
}

/** R's x^y: 1^y and x^0 are 1 even for NaN/Inf partners. */
function rpow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  return Math.pow(x, y);
}

const MATH: Readonly<Record<string, (x: number) => number>> = {
  log: Math.log, log2: Math.log2, log10: Math.log10, log1p: Math.log1p, exp: Math.exp, sqrt: Math.sqrt, abs: Math.abs,
};

function evalCall(e: Expr & { type: "call" }, ctx: EvalContext): Float64Array {
  const fn = e.fn;
  if (Object.prototype.hasOwnProperty.call(MATH, fn)) return evalNumeric(e.args[0], ctx).map(MATH[fn]);
  switch (fn) {
    case "I": return evalNumeric(e.args[0], ctx);
    case "scale": return scale(evalNumeric(e.args[0], ctx), e, ctx);
    case "within":
    case "between": return groupCentre(e, ctx);
    case "factor":
    case "as.factor":
      throw formulaError(ctx.text, e.pos, `${fn}() gives a factor; it cannot be used in arithmetic`);
    case "offset":
      throw formulaError(ctx.text, e.pos, "offset() may only be added to the formula, not used inside an expression");
    case "cbind":
      throw formulaError(ctx.text, e.pos, "cbind() may only be the response");
  }
  throw formulaError(ctx.text, e.pos, `unknown function '${fn}'`);
}

/** (x - mean) / sd over the non-missing values, sd with n - 1 (R's scale()). */
function scale(x: Float64Array, e: Expr, ctx: EvalContext): Float64Array {
  let s = 0, m = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) { s += x[i]; m++; }
  if (m < 2) throw formulaError(ctx.text, e.pos, `${deparse(e)} needs at least two non-missing values`);
  const mean = s / m;
  let ss = 0;
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i])) ss += (x[i] - mean) ** 2;
  const sd = Math.sqrt(ss / (m - 1));
  if (!(sd > 0) || !Number.isFinite(sd)) {
    throw formulaError(ctx.text, e.pos, `${deparse(e)}: the values are constant (or not finite), so they cannot be scaled`);
  }
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - mean) / sd;
  return out;
}

/** within(x, g) = x minus its mean in group g; between(x, g) = that mean. Means over the rows used. */
function groupCentre(e: Expr & { type: "call" }, ctx: EvalContext): Float64Array {
  const x = evalNumeric(e.args[0], ctx);
  const g = evalFactor(e.args[1], ctx);
  const k = g.levels.length;
  const sum = new Float64Array(k), cnt = new Float64Array(k);
  const rows = ctx.rows;
  for (let i = 0; i < rows.length; i++) {
    const v = x[rows[i]];
    if (!Number.isFinite(v)) throw nonFinite(ctx, e.args[0], rows[i], v);
    sum[g.codes[i]] += v;
    cnt[g.codes[i]]++;
  }
  const out = new Float64Array(ctx.frame.nrow).fill(NaN);
  const within = e.fn === "within";
  for (let i = 0; i < rows.length; i++) {
    const mean = sum[g.codes[i]] / cnt[g.codes[i]];
    out[rows[i]] = within ? x[rows[i]] - mean : mean;
  }
  return out;
}

/** The non-finite-value error for expression `e` at frame row `row`. */
export function nonFinite(ctx: EvalContext, e: Expr, row: number, v: number): UserError {
  const what = Number.isNaN(v) ? "NaN" : formatRNumber(v);
  const u = unparen(e);
  if (u.type === "name") {
    return new UserError(`column '${u.name}' has a non-finite value (${what}) at data row ${row + 1} of ${ctx.frame.source}`);
  }
  const inputs = columnsOf(u).map((c) => {
    const col = ctx.frame.columns.get(c);
    const val = col ? (col.kind === "numeric" ? formatRNumber(col.values[row]) : String(col.values[row])) : "?";
    return `${c} = ${val}`;
  });
  return new UserError(
    `${deparse(u)} is not finite (${what}) at data row ${row + 1} of ${ctx.frame.source}` +
      (inputs.length ? ` (column ${inputs.join(", ")})` : ""),
  );
}

/** Values of a numeric expression on the used rows, rejecting non-finite values. */
export function usedFinite(values: Float64Array, e: Expr, ctx: EvalContext): Float64Array {
  const rows = ctx.rows;
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const v = values[rows[i]];
    if (!Number.isFinite(v)) throw nonFinite(ctx, e, rows[i], v);
    out[i] = v;
  }
  return out;
}

/** The grouping factor `a`, `a:b`, `factor(a)` on the used rows. */
export function evalGroup(parts: readonly Expr[], ctx: EvalContext): Factor {
  return interactionFactor(parts.map((p) => evalFactor(p, ctx)));
}
