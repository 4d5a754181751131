import { factorFromNumbers, factorOfColumn } from "../data/factor.js";
import type { Frame } from "../data/frame.js";
import { UserError } from "../errors.js";
import { columnsOf, deparse, unparen, type Expr } from "./ast.js";
import { evalGroup, evalNumeric, evalVariable, usedFinite, type EvalContext } from "./evaluate.js";
import { designMatrix, dropDependentColumns, toColumnMajor, type UsedValue } from "./modelmatrix.js";
import { parseExpression, parseFormula } from "./parse.js";
import { buildReTerms, prepareBar } from "./remat.js";
import { colonParts, containsBar, expandTerms, splitBars, type Variable } from "./terms.js";
import { formulaError } from "./tokenize.js";
import type { BuildOptions, ModelStructure, Response } from "./types.js";

// Formula text + Frame → ModelStructure: parse, expand terms, drop incomplete rows, evaluate the
// variables, build the response, the fixed-effects matrix (rank-deficient columns removed) and
// the random-effect terms.

function isMissing(frame: Frame, col: string, row: number): boolean {
  const c = frame.column(col);
  if (c.kind === "numeric") return Number.isNaN(c.values[row]);
  return c.codes ? c.codes[row] < 0 : c.values[row] === null;
}

/** Check `--ref` columns and levels against the whole column. */
function checkRefLevels(frame: Frame, refLevels: Readonly<Record<string, string>>): void {
  for (const col of Object.keys(refLevels)) {
    if (!frame.has(col)) {
      throw new UserError(`--ref ${col}=${refLevels[col]}: column '${col}' not found in ${frame.source} (columns: ${frame.names.join(", ")})`);
    }
    const c = frame.column(col);
    const all = new Int32Array(frame.nrow);
    let m = 0;
    for (let i = 0; i < frame.nrow; i++) if (!isMissing(frame, col, i)) all[m++] = i;
    const rows = all.subarray(0, m);
    const levels = c.kind === "text" ? factorOfColumn(c, rows).levels : factorFromNumbers(c.values, rows).levels;
    if (!levels.includes(refLevels[col])) {
      throw new UserError(`--ref ${col}=${refLevels[col]}: level '${refLevels[col]}' not found in column '${col}' (levels: ${levels.join(", ")})`);
    }
  }
}

/** Rows where none of `cols` is missing; the warning names the columns that had missing values. */
function completeRows(frame: Frame, cols: readonly string[]): { rows: Int32Array; culprits: string[] } {
  const n = frame.nrow;
  const used = new Uint8Array(n).fill(1);
  const culprits: string[] = [];
  for (const name of cols) {
    const c = frame.column(name);
    let any = false;
    if (c.kind === "numeric" && c.nanRows?.length) {
      throw new UserError(`column '${name}' has NaN at data row ${c.nanRows[0] + 1} of ${frame.source}${c.nanRows.length > 1 ? ` (and ${c.nanRows.length - 1} more rows)` : ""}: NaN is not a value a model can use; write NA (or leave the field empty) for a missing value`);
    }
    if (c.kind === "numeric") {
      const v = c.values;
      for (let i = 0; i < n; i++) if (Number.isNaN(v[i])) { used[i] = 0; any = true; }
    } else if (c.codes) {
      const k = c.codes;
      for (let i = 0; i < n; i++) if (k[i] < 0) { used[i] = 0; any = true; }
    } else {
      const v = c.values;
      for (let i = 0; i < n; i++) if (v[i] === null) { used[i] = 0; any = true; }
    }
    if (any) culprits.push(name);
  }
  let m = 0;
  for (let i = 0; i < n; i++) m += used[i];
  const rows = new Int32Array(m);
  for (let i = 0, k = 0; i < n; i++) if (used[i]) rows[k++] = i;
  return { rows, culprits };
}

function buildResponse(lhs: Expr, ctx: EvalContext): Response {
  const name = deparse(lhs);
  const u = unparen(lhs);
  if (u.type === "call" && u.fn === "cbind") {
    const a = usedFinite(evalNumeric(u.args[0], ctx), u.args[0], ctx);
    const b = usedFinite(evalNumeric(u.args[1], ctx), u.args[1], ctx);
    const n = a.length;
    const y = new Float64Array(n), trials = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      if (a[i] < 0 || b[i] < 0) {
        throw new UserError(`${name}: negative count (${a[i] < 0 ? a[i] : b[i]}) at data row ${ctx.rows[i] + 1} of ${ctx.frame.source}`);
      }
      trials[i] = a[i] + b[i];
      y[i] = trials[i] > 0 ? a[i] / trials[i] : 0;
    }
    return { kind: "cbind", name, y, trials };
  }
  const v = evalVariable(lhs, ctx);
  if (v.kind === "factor") {
    const f = v.factor;
    if (f.levels.length !== 2) {
      throw new UserError(
        `response '${name}' is text with ${f.levels.length} level${f.levels.length === 1 ? "" : "s"} (${f.levels.slice(0, 10).join(", ")}${f.levels.length > 10 ? ", ..." : ""}); ` +
          "a text response must have exactly two levels (the second counts as success)",
      );
    }
    const y = new Float64Array(f.codes.length);
    for (let i = 0; i < y.length; i++) y[i] = f.codes[i];
    return { kind: "binary-text", name, y, trials: null, levels: [f.levels[0], f.levels[1]] };
  }
  return { kind: "numeric", name, y: usedFinite(v.values, lhs, ctx), trials: null };
}

/** Build the model structure of an lme4 formula on a data frame. */
export function buildModel(frame: Frame, formula: string, options: BuildOptions = {}): ModelStructure {
  const ast = parseFormula(formula);
  const text = ast.text;
  if (ast.lhs && containsBar(ast.lhs)) throw formulaError(text, ast.lhs.pos, "a random-effect term cannot be on the left of '~'");
  const { fixed, bars } = splitBars(ast.rhs, text);
  const fixedTs = expandTerms(fixed, text);
  const prepared = bars.map((b) => prepareBar(b, text));

  // every column the model reads, in formula order
  const cols: string[] = [];
  const add = (e: Expr) => columnsOf(e, cols);
  if (ast.lhs) add(ast.lhs);
  for (const v of fixedTs.variables) add(v.expr);
  for (const p of prepared) {
    for (const v of p.lhs.variables) add(v.expr);
    for (const g of p.groups) for (const part of g.parts) add(part);
  }
  for (const c of options.extraVariables ?? []) if (!cols.includes(c)) cols.push(c);
  for (const c of cols) frame.column(c); // unknown column: UserError listing the columns

  const refLevels = options.refLevels ?? {};
  checkRefLevels(frame, refLevels);

  const { rows, culprits } = completeRows(frame, cols);
  const n = rows.length;
  const dropped = frame.nrow - n;
  const warnings: string[] = [];
  if (n === 0) {
    throw new UserError(`no rows left: every row of ${frame.source} has a missing value in ${culprits.join(", ")}`);
  }
  if (dropped > 0) warnings.push(`${dropped} row${dropped === 1 ? "" : "s"} removed for missing values in: ${culprits.join(", ")}`);

  const ctx: EvalContext = { frame, text, rows, refLevels };
  const cache = new Map<string, UsedValue>();
  const valueOf = (v: Variable): UsedValue => {
    let x = cache.get(v.label);
    if (!x) {
      const val = evalVariable(v.expr, ctx);
      x = val.kind === "numeric" ? { kind: "numeric", values: usedFinite(val.values, v.expr, ctx) } : val;
      cache.set(v.label, x);
    }
    return x;
  };

  const response = ast.lhs ? buildResponse(ast.lhs, ctx) : null;

  // fixed effects: only variables that are in a term are evaluated (offsets and removed terms are not)
  const inTerm = new Set(fixedTs.terms.flat());
  const values = fixedTs.variables.map((v, k) => (inTerm.has(k) ? valueOf(v) : null));
  const design = designMatrix(fixedTs, values, n);
  const { keep, dropped: dep } = dropDependentColumns(design, n);
  const droppedColumns = dep.map((j) => design.names[j]);
  if (dep.length > 0) {
    warnings.push(
      `fixed-effect model matrix is rank deficient so dropping ${dep.length} column${dep.length === 1 ? "" : "s"}: ${droppedColumns.join(", ")}`,
    );
  }
  const X = toColumnMajor(keep.map((j) => design.columns[j]), n);

  let offset: Float64Array | null = null;
  for (const e of fixedTs.offsets) {
    const o = usedFinite(evalNumeric(e, ctx), e, ctx);
    if (!offset) offset = o;
    else for (let i = 0; i < n; i++) offset[i] += o[i];
  }

  const reTerms = buildReTerms(prepared, ctx, valueOf);

  return {
    formula,
    nobsTotal: frame.nrow,
    rows,
    dropped,
    n,
    response,
    X,
    p: keep.length,
    xnames: keep.map((j) => design.names[j]),
    droppedColumns,
    offset,
    reTerms,
    warnings,
    assign: Int32Array.from(keep.map((j) => design.assign[j])),
    termLabels: design.termLabels,
  };
}

/**
 * A grouping factor given as text (`id` or `center:id`), e.g. GEE clusters, on `rows` (default
 * all rows). A missing value on one of those rows is a UserError.
 */
export function groupingFactor(frame: Frame, spec: string, rows?: Int32Array): { name: string; levels: string[]; refs: Int32Array } {
  const e = parseExpression(spec);
  const parts = colonParts(e);
  for (const p of parts) {
    const ok = p.type === "name" || (p.type === "call" && (p.fn === "factor" || p.fn === "as.factor"));
    if (!ok) throw formulaError(spec, p.pos, `a grouping factor must be a column or a:b, not '${deparse(p)}'`);
  }
  const cols: string[] = [];
  for (const p of parts) columnsOf(p, cols);
  for (const c of cols) frame.column(c);
  const r = rows ?? Int32Array.from({ length: frame.nrow }, (_, i) => i);
  for (const i of r) {
    for (const c of cols) {
      if (isMissing(frame, c, i)) throw new UserError(`grouping column '${c}' is missing at data row ${i + 1} of ${frame.source}`);
    }
  }
  const ctx: EvalContext = { frame, text: spec, rows: r, refLevels: {} };
  const f = evalGroup(parts, ctx);
  return { name: parts.map(deparse).join(":"), levels: [...f.levels], refs: f.codes };
}
