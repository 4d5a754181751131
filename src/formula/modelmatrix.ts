import type { Factor } from "../data/factor.js";
import { UserError } from "../errors.js";
import { rankRevealingQR } from "../linalg/qr.js";
import type { TermSet } from "./terms.js";
import { termLabel } from "./terms.js";

// The fixed-effects model matrix as R's model.matrix() builds it with treatment contrasts.
// Which factors of a term get contrasts follows R's rule (model.c, TermCode): a factor is coded by
// contrasts when the term without it is contained in an earlier term (the empty term always
// counts); otherwise by an indicator for every level. Without an intercept, the first factor of
// the first term that has one is coded by indicators. Columns of an interaction vary the first
// variable fastest; names join the parts with ':'.

/** A variable's values on the rows used: numbers, or a factor. */
export type UsedValue =
  | { readonly kind: "numeric"; readonly values: Float64Array }
  | { readonly kind: "factor"; readonly factor: Factor };

export interface Design {
  readonly names: string[];
  /** one array of length n per column */
  readonly columns: Float64Array[];
  /** per column: 0 for the intercept, k for the k-th term (1-based), as R's "assign" attribute */
  readonly assign: number[];
  /** term labels, in term order */
  readonly termLabels: string[];
}

/** 1 = contrasts, 2 = indicators, per term and variable (R's "factors" attribute pattern). */
function codingPattern(ts: TermSet, isFactor: (v: number) => boolean): Map<number, number>[] {
  const pattern: Map<number, number>[] = [];
  ts.terms.forEach((term, j) => {
    const codes = new Map<number, number>();
    for (const v of term) {
      const rest = term.filter((x) => x !== v);
      let code = 2;
      if (rest.length === 0) code = 1;
      else {
        for (let k = 0; k < j; k++) {
          const earlier = ts.terms[k];
          if (rest.every((x) => earlier.includes(x))) { code = 1; break; }
        }
      }
      codes.set(v, code);
    }
    pattern.push(codes);
  });
  if (!ts.intercept) {
    outer: for (let j = 0; j < ts.terms.length; j++) {
      for (const v of ts.terms[j]) {
        if (isFactor(v)) { pattern[j].set(v, 2); break outer; }
      }
    }
  }
  return pattern;
}

/** The design matrix of a term set on n rows; `values[k]` belongs to `ts.variables[k]`. */
/** Most fixed-effect columns built (and n × p doubles): beyond them the size is refused, with the estimate. */
const MAX_COLUMNS = 20000;
const MAX_DOUBLES = 2.5e8; // 2 GB

/**
 * Count the columns of every term before building any: an interaction of many factors multiplies
 * their levels (20 two-level factors in one term are 2^20 columns) and would hang or exhaust memory.
 */
function checkDesignSize(ts: TermSet, pattern: Map<number, number>[], valueOf: (v: number) => UsedValue, n: number, base: number): void {
  let total = base;
  let worst = 0, worstTerm = -1;
  ts.terms.forEach((term, j) => {
    let cols = 1;
    for (const v of term) {
      const val = valueOf(v);
      if (val.kind === "factor") cols *= val.factor.levels.length - (pattern[j].get(v) === 1 ? 1 : 0);
    }
    total += cols;
    if (cols > worst) { worst = cols; worstTerm = j; }
  });
  if (total > MAX_COLUMNS || total * n > MAX_DOUBLES) {
    const term = termLabel(ts, ts.terms[worstTerm]);
    const shown = term.length > 80 ? `${term.slice(0, 60)}…` : term;
    throw new UserError(`the fixed effects would have ${total.toExponential(2).replace("e+", "e")} columns (the term '${shown}' alone ${worst.toExponential(2).replace("e+", "e")}), ${((total * n * 8) / 2 ** 30).toPrecision(3)} GiB for ${n} rows; refusing (at most ${MAX_COLUMNS} columns): drop or split the interaction`);
  }
}

export function designMatrix(ts: TermSet, values: readonly (UsedValue | null)[], n: number): Design {
  const names: string[] = [];
  const columns: Float64Array[] = [];
  const assign: number[] = [];
  if (ts.intercept) {
    names.push("(Intercept)");
    columns.push(new Float64Array(n).fill(1));
    assign.push(0);
  }
  const valueOf = (v: number): UsedValue => {
    const x = values[v];
    if (!x) throw new Error(`variable ${ts.variables[v].label} was not evaluated`);
    return x;
  };
  const pattern = codingPattern(ts, (v) => valueOf(v).kind === "factor");
  checkDesignSize(ts, pattern, valueOf, n, ts.intercept ? 1 : 0);
  const termLabels: string[] = [];
  ts.terms.forEach((term, j) => {
    termLabels.push(termLabel(ts, term));
    // columns of the term: product over its variables, the first varying fastest
    let cols: { name: string; values: Float64Array | null }[] = [{ name: "", values: null }];
    for (const v of term) {
      const val = valueOf(v);
      const label = ts.variables[v].label;
      const parts: { name: string; code: number; values: Float64Array | null }[] = [];
      if (val.kind === "numeric") {
        parts.push({ name: label, code: -1, values: val.values });
      } else {
        const f = val.factor;
        const contrasts = pattern[j].get(v) === 1;
        if (contrasts && f.levels.length < 2) {
          throw new UserError(
            `factor '${label}' has only one level (${f.levels[0] ?? "none"}) in the rows used; a fixed effect needs at least two`,
          );
        }
        const from = contrasts ? 1 : 0;
        for (let l = from; l < f.levels.length; l++) parts.push({ name: label + f.levels[l], code: l, values: null });
      }
      const next: typeof cols = [];
      for (const p of parts) {
        for (const c of cols) {
          const name = c.name === "" ? p.name : `${c.name}:${p.name}`;
          let out: Float64Array;
          if (p.code < 0) {
            out = c.values ? mul(c.values, p.values!) : p.values!;
          } else {
            const codes = (val as { factor: Factor }).factor.codes;
            out = new Float64Array(n);
            if (c.values) { for (let i = 0; i < n; i++) if (codes[i] === p.code) out[i] = c.values[i]; }
            else { for (let i = 0; i < n; i++) if (codes[i] === p.code) out[i] = 1; }
          }
          next.push({ name, values: out });
        }
      }
      cols = next;
    }
    for (const c of cols) {
      names.push(c.name);
      // a bare numeric column is shared with the frame: copy so X owns its memory
      columns.push(c.values ? Float64Array.from(c.values) : new Float64Array(n).fill(1));
      assign.push(j + 1);
    }
  });
  return { names, columns, assign, termLabels };
}

function mul(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] * b[i];
  return out;
}

/** Column-major n × p matrix from column arrays. */
export function toColumnMajor(columns: readonly Float64Array[], n: number): Float64Array {
  const X = new Float64Array(n * columns.length);
  columns.forEach((c, j) => X.set(c, j * n));
  return X;
}

/**
 * Drop linearly dependent columns as lme4 does (chkRank.drop.cols): R's qr() with tolerance 1e-7
 * moves columns that become negligible to the end; the first `rank` pivoted columns are kept, in
 * their original order.
 */
export function dropDependentColumns(design: Design, n: number, tol = 1e-7): { keep: number[]; dropped: number[] } {
  const p = design.columns.length;
  if (p === 0) return { keep: [], dropped: [] };
  const { pivot, rank } = rankRevealingQR(toColumnMajor(design.columns, n), n, p, tol);
  const keep = Array.from(pivot.subarray(0, rank)).sort((a, b) => a - b);
  const kept = new Set(keep);
  const dropped: number[] = [];
  for (let j = 0; j < p; j++) if (!kept.has(j)) dropped.push(j);
  return { keep, dropped };
}
