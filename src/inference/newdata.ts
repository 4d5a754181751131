// The model's design on new rows, coded exactly as on the fitted data: the new rows are appended to
// the fitted data and the formula is built on the union, so factor levels, contrasts and column
// names come out the same way. The fitted rows' model matrix is then checked to be unchanged —
// which catches everything that would make the new rows coded differently (a new level of a
// fixed-effect factor that sorts first, scale() or within() recomputed over the union) — and the new
// rows' random-effect levels are matched by label to the fitted levels (−1 for a level the model
// has not seen).
import { formatRNumber } from "../data/factor.js";
import { Frame, type Column, oneLine } from "../data/frame.js";
import { UserError } from "../errors.js";
import { buildModel, parseFormula } from "../formula/index.js";
import { columnsOf, type Expr } from "../formula/ast.js";
import { splitBars } from "../formula/terms.js";
import type { ModelFit } from "./model.js";

/** What coding new rows needs: the fitted data, formula, options and model structure (any fit kind). */
export type DesignSource = Pick<ModelFit, "frame" | "formula" | "options" | "ms">;

/** Model-matrix rows (fixed and random effects) and offset of new data, coded as in the fit. */
export interface NewDesign {
  /** rows of the new data used (others had missing predictors) */
  readonly rows: Int32Array;
  readonly n: number;
  /** n × p column-major, the fitted model's columns */
  readonly X: Float64Array;
  readonly offset: Float64Array | null;
  /** per random-effect term in formula order: fitted level index per new row (−1 = new level) and z (row-major n × s) */
  readonly re: { readonly group: string; readonly refs: Int32Array; readonly z: Float64Array; readonly s: number; readonly newLevels: string[] }[];
}

function asText(c: Column, rows: number): (string | null)[] {
  const out: (string | null)[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    if (c.kind === "text") out[i] = c.values[i];
    else out[i] = Number.isNaN(c.values[i]) ? null : formatRNumber(c.values[i]);
  }
  return out;
}

/** Columns read inside factor()/as.factor() calls. */
function factorColumns(e: Expr, out: Set<string>): Set<string> {
  switch (e.type) {
    case "paren": factorColumns(e.expr, out); break;
    case "unary": factorColumns(e.arg, out); break;
    case "binary": factorColumns(e.left, out); factorColumns(e.right, out); break;
    case "call":
      if (e.fn === "factor" || e.fn === "as.factor") for (const a of e.args) columnsOf(a).forEach((c) => out.add(c));
      else for (const a of e.args) factorColumns(a, out);
      break;
    default: break;
  }
  return out;
}

/**
 * New data are coded with the fitted levels: a value of a factor column that the fixed effects (or a
 * random slope) use, and that the fitted rows do not have, has no coefficient. Refused by name, with
 * its row in the new data, before anything is built (otherwise a level sorting before the fitted
 * ones would silently become the reference level).
 */
function checkFittedLevels(m: DesignSource, newdata: Frame, rhs: Expr): void {
  const { fixed, bars } = splitBars(rhs, m.formula);
  const parts = [...(fixed ? [fixed] : []), ...bars.map((b) => b.lhs)];
  const asFactor = new Set<string>();
  for (const e of parts) factorColumns(e, asFactor);
  const used = new Set(parts.flatMap((e) => columnsOf(e)));
  for (const name of used) {
    const a = m.frame.column(name), b = newdata.column(name);
    if (a.kind === "numeric" && b.kind === "numeric" && !asFactor.has(name)) continue;
    if (a.kind === "numeric" && b.kind === "text" && !asFactor.has(name)) {
      const r = b.values.findIndex((v) => v !== null && Number.isNaN(Number(v)));
      throw new UserError(`predicting on ${newdata.source}: column '${name}' is numeric in the fitted data but has '${b.values[r]}' at data row ${r + 1}`);
    }
    const fitted = new Set<string>();
    const ta = asText(a, m.frame.nrow), tb = asText(b, newdata.nrow);
    for (const r of m.ms.rows) { const v = ta[r]; if (v !== null) fitted.add(v); }
    for (let r = 0; r < newdata.nrow; r++) {
      const v = tb[r];
      if (v !== null && !fitted.has(v)) {
        const shown = [...fitted].slice(0, 10);
        throw new UserError(`predicting on ${newdata.source}: column '${oneLine(name)}' has the level '${oneLine(v)}' at data row ${r + 1}, which the model was not fitted with (fitted levels: ${shown.map(oneLine).join(", ")}${fitted.size > 10 ? ", ..." : ""})`);
      }
    }
  }
}

/** Build the fitted model's design on `newdata`. */
export function newDesign(m: DesignSource, newdata: Frame): NewDesign {
  const train = m.frame;
  const ast = parseFormula(m.formula);
  const rhsCols = columnsOf(ast.rhs);
  const lhsCols = ast.lhs ? columnsOf(ast.lhs).filter((c) => !rhsCols.includes(c)) : [];
  const missing = rhsCols.filter((c) => !newdata.has(c));
  if (missing.length) throw new UserError(`the new data (${newdata.source}) lack column${missing.length > 1 ? "s" : ""} ${missing.map((c) => `'${c}'`).join(", ")} that the model uses`);
  const nt = train.nrow, nn = newdata.nrow;
  if (nn === 0) throw new UserError(`the new data (${newdata.source}) have no rows`);
  checkFittedLevels(m, newdata, ast.rhs);
  const dummyRow = m.ms.rows[0];
  const cols: Column[] = [];
  for (const name of [...lhsCols, ...rhsCols]) {
    const a = train.column(name);
    if (lhsCols.includes(name)) {
      // response-only columns: the new rows get a fitted row's value (never used)
      if (a.kind === "numeric") {
        const v = new Float64Array(nt + nn);
        v.set(a.values);
        v.fill(a.values[dummyRow], nt);
        cols.push({ kind: "numeric", name, values: v });
      } else {
        cols.push({ kind: "text", name, values: [...a.values, ...new Array(nn).fill(a.values[dummyRow])] });
      }
      continue;
    }
    const b = newdata.column(name);
    if (a.kind === "numeric" && b.kind === "numeric") {
      const v = new Float64Array(nt + nn);
      v.set(a.values);
      v.set(b.values, nt);
      cols.push({ kind: "numeric", name, values: v });
    } else {
      cols.push({ kind: "text", name, values: [...asText(a, nt), ...asText(b, nn)] });
    }
  }
  const union = new Frame(cols, nt + nn, newdata.source);
  const ms = m.ms;
  let u: ReturnType<typeof buildModel>;
  try {
    u = buildModel(union, m.formula, { refLevels: m.options.refLevels });
  } catch (e) {
    // the new rows follow the nt fitted rows in the union: report their row numbers in the new data
    if (e instanceof UserError) throw new UserError(e.message.replace(/data row (\d+)/g, (s, k) => (Number(k) > nt ? `data row ${Number(k) - nt}` : s)));
    throw e;
  }
  // positions of the fitted rows and the new rows in the union's model rows
  const posOf = new Int32Array(nt + nn).fill(-1);
  for (let i = 0; i < u.n; i++) posOf[u.rows[i]] = i;
  const newRows: number[] = [];
  for (let r = 0; r < nn; r++) if (posOf[nt + r] >= 0) newRows.push(r);
  const n = newRows.length;
  if (n === 0) throw new UserError(`every row of ${newdata.source} has a missing value in a variable the model uses`);
  // fixed effects: the fitted columns, unchanged on the fitted rows
  const p = ms.p;
  const X = new Float64Array(n * p);
  const colIndex = new Map(u.xnames.map((nm, j) => [nm, j]));
  for (let j = 0; j < p; j++) {
    const name = ms.xnames[j];
    const k = colIndex.get(name);
    if (k === undefined) throw new UserError(`predicting on ${newdata.source}: the fixed-effect column '${name}' cannot be formed (a factor level of the fitted data is missing or the coding changed)`);
    for (let i = 0; i < ms.n; i++) {
      const pos = posOf[ms.rows[i]];
      const a = ms.X[i + j * ms.n], b = pos >= 0 ? u.X[pos + k * u.n] : NaN;
      if (!(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a)))) {
        throw new UserError(`predicting on ${newdata.source}: the fixed-effect column '${name}' would be coded differently with the new rows (a new level of a fixed-effect factor, or scale()/within()/between() that depend on the data); compute such columns before fitting`);
      }
    }
    newRows.forEach((r, i) => (X[i + j * n] = u.X[posOf[nt + r] + k * u.n]));
  }
  const dropped = new Set(ms.droppedColumns);
  u.xnames.forEach((name, k) => {
    if (ms.xnames.includes(name) || dropped.has(name)) return;
    for (const r of newRows) {
      if (u.X[posOf[nt + r] + k * u.n] !== 0) {
        throw new UserError(`predicting on ${newdata.source}: row ${r + 1} needs the fixed-effect column '${name}', a factor level the model was not fitted with`);
      }
    }
  });
  let offset: Float64Array | null = null;
  if (u.offset) {
    offset = new Float64Array(n);
    newRows.forEach((r, i) => (offset![i] = u.offset![posOf[nt + r]]));
  }
  // random effects: match the levels by label
  if (u.reTerms.length !== ms.reTerms.length) throw new Error("newDesign: random-effect terms differ");
  const re = ms.reTerms.map((T, k) => {
    const C = u.reTerms[k];
    const s = T.cnames.length;
    if (C.cnames.join("\u0000") !== T.cnames.join("\u0000")) {
      throw new UserError(`predicting on ${newdata.source}: the random-effect term of '${T.group}' would have columns ${C.cnames.join(", ")} instead of ${T.cnames.join(", ")}`);
    }
    const lev = new Map(T.levels.map((l, i) => [l, i]));
    const refs = new Int32Array(n);
    const z = new Float64Array(n * s);
    const fresh = new Set<string>();
    newRows.forEach((r, i) => {
      const pos = posOf[nt + r];
      const label = C.levels[C.refs[pos]];
      const l = lev.get(label);
      refs[i] = l ?? -1;
      if (l === undefined) fresh.add(label);
      for (let c = 0; c < s; c++) z[i * s + c] = C.z[pos * s + c];
    });
    return { group: T.group, refs, z, s, newLevels: [...fresh] };
  });
  return { rows: Int32Array.from(newRows), n, X, offset, re };
}
