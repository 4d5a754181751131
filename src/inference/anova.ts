// ANOVA tables per fixed-effect term: F tests with Satterthwaite denominator df for LMMs (lmerTest's
// anova(), Kuznetsova et al. 2017) and Wald χ² tests for GLMMs, of Type III (default) or Type I
// (sequential) hypotheses.
//
// Type I: the rows of the term's columns in the unit upper-triangular factor of XᵀX (Doolittle),
// so each term is tested adjusted for the terms before it.
// Type III (lmerTest's construction for treatment coding, SAS's type III): each coefficient β_j is
// written as a linear function of the over-parameterized model (an indicator per cell of every
// term, γ; X β = X_full γ gives the functions as the rows of X⁺ X_full); a term's functions are made
// orthogonal to those of the terms that contain it (higher-order terms first); then they are read
// back as contrasts in β at the treatment-coded solution (γ at the columns named as X's, zero
// elsewhere). The hypotheses do not depend on the coding and hold for unbalanced data.
import { UserError } from "../errors.js";
import { sideDesignOf } from "../fit.js";
import { buildModel } from "../formula/index.js";
import { cholInverse, cholLower } from "../linalg/dense.js";
import { pchisqUpper } from "./distributions.js";
import type { ModelFit } from "./model.js";
import { kenwardRoger, krTest, type DdfMethod } from "./kenward-roger.js";
import { contrastCovariance, jacobiEigen, Satterthwaite } from "./satterthwaite.js";
import { fixedTerms, type FixedTerms } from "./terms.js";

/** ANOVA type: 1 (sequential) or 3 (marginal). */
export type AnovaType = 1 | 3;

/** One term's test in an ANOVA table. */
export interface AnovaRow {
  readonly term: string;
  /** LMM: sum of squares and mean square as lmerTest reports them (F·σ²·NumDF, F·σ²); null for a GLMM */
  readonly sumSq: number | null;
  readonly meanSq: number | null;
  /** numerator df (rank of the hypothesis) */
  readonly numDf: number;
  /** Satterthwaite denominator df (LMM); null for a GLMM */
  readonly denDf: number | null;
  /** F (LMM) or Wald χ² (GLMM) */
  readonly statistic: number;
  readonly p: number;
}

/** An ANOVA table of the fixed-effect terms. */
export interface AnovaResult {
  readonly type: AnovaType;
  /** "Satterthwaite" or "Kenward-Roger" (LMM F tests), or "Wald chi-square" (GLMM) */
  readonly method: string;
  readonly rows: AnovaRow[];
  readonly warnings: string[];
}

type Contrasts = Map<string, Float64Array[]>;

/** The hypothesis matrix (rows of length p) of every fixed-effect term. */
export function termContrasts(m: ModelFit, type: AnovaType, ft: FixedTerms = fixedTerms(m), warnings: string[] = []): Contrasts {
  if (type === 3 && m.ms.p > 1 && ft.terms.length > 1) return type3(m, ft, warnings);
  return type1(m, ft);
}

function crossprodX(m: ModelFit): Float64Array {
  const { X, n, p } = m.ms;
  const A = new Float64Array(p * p);
  for (let a = 0; a < p; a++)
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += X[i + a * n] * X[i + b * n];
      A[a + b * p] = A[b + a * p] = s;
    }
  return A;
}

/** Doolittle LU of a symmetric matrix; returns the unit lower factor L (p×p, column-major), lmerTest's eps */
function doolittleL(x: Float64Array, p: number, eps = 1e-6): Float64Array {
  const L = new Float64Array(p * p), U = new Float64Array(p * p);
  for (let i = 0; i < p; i++) L[i + i * p] = 1;
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let u = x[i + j * p];
      for (let k = 0; k < i; k++) u -= L[i + k * p] * U[k + j * p];
      U[i + j * p] = u;
    }
    for (let j = i + 1; j < p; j++) {
      let l = x[j + i * p];
      for (let k = 0; k < i; k++) l -= L[j + k * p] * U[k + i * p];
      L[j + i * p] = Math.abs(U[i + i * p]) < eps ? 0 : l / U[i + i * p];
    }
  }
  for (let i = 0; i < L.length; i++) if (Math.abs(L[i]) < eps) L[i] = 0;
  return L;
}

function type1(m: ModelFit, ft: FixedTerms): Contrasts {
  const p = m.ms.p;
  const L = p === 1 ? Float64Array.of(1) : doolittleL(crossprodX(m), p);
  const out: Contrasts = new Map();
  for (const t of ft.terms) {
    // row c of Lᵀ is column c of L
    out.set(t.label, t.cols.map((c) => Float64Array.from({ length: p }, (_, j) => L[j + c * p])));
  }
  return out;
}

/** The over-parameterized design: an indicator (times the numeric variables) per cell of every term. */
function fullDesign(m: ModelFit, ft: FixedTerms): { names: string[]; columns: Float64Array[] } {
  const n = m.ms.n;
  const names: string[] = [], columns: Float64Array[] = [];
  if (ft.intercept) { names.push("(Intercept)"); columns.push(new Float64Array(n).fill(1)); }
  for (const t of ft.terms) {
    let cols: { name: string; values: Float64Array }[] = [{ name: "", values: new Float64Array(n).fill(1) }];
    for (const v of t.vars) {
      const tv = ft.variables[v];
      const next: typeof cols = [];
      if (tv.factor) {
        const { levels, codes } = tv.factor;
        for (let l = 0; l < levels.length; l++)
          for (const c of cols) {
            const out = new Float64Array(n);
            for (let i = 0; i < n; i++) if (codes[i] === l) out[i] = c.values[i];
            next.push({ name: c.name === "" ? tv.label + levels[l] : `${c.name}:${tv.label}${levels[l]}`, values: out });
          }
      } else {
        for (const c of cols) next.push({ name: c.name === "" ? tv.label : `${c.name}:${tv.label}`, values: c.values.map((x, i) => x * tv.values![i]) });
      }
      cols = next;
    }
    for (const c of cols) { names.push(c.name); columns.push(c.values); }
  }
  return { names, columns };
}

/** lmerTest's containment: U contains T when T's variables are a proper subset of U's with the same numeric ones. */
function containing(ft: FixedTerms, ti: number): number[] {
  const T = ft.terms[ti];
  const numerics = (vars: readonly number[]) => vars.filter((v) => !ft.variables[v].factor).sort().join(",");
  const out: number[] = [];
  ft.terms.forEach((U, ui) => {
    if (ui === ti) return;
    if (T.vars.every((v) => U.vars.includes(v)) && U.vars.length > T.vars.length && numerics(T.vars) === numerics(U.vars)) out.push(ui);
  });
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** v minus its projection on the span of `basis` (orthonormal), twice for stability */
function residual(v: Float64Array, basis: Float64Array[]): Float64Array {
  const r = Float64Array.from(v);
  for (let pass = 0; pass < 2; pass++)
    for (const q of basis) {
      const c = dot(q, r);
      for (let i = 0; i < r.length; i++) r[i] -= c * q[i];
    }
  return r;
}

function orthonormalBasis(vectors: Float64Array[]): Float64Array[] {
  const basis: Float64Array[] = [];
  for (const v of vectors) {
    const norm0 = Math.sqrt(dot(v, v));
    if (norm0 === 0) continue;
    const r = residual(v, basis);
    const norm = Math.sqrt(dot(r, r));
    if (norm > 1e-9 * norm0) basis.push(r.map((x) => x / norm));
  }
  return basis;
}

function type3(m: ModelFit, ft: FixedTerms, warnings: string[]): Contrasts {
  const { X, n, p, xnames } = m.ms;
  const full = fullDesign(m, ft);
  const empty = full.names.filter((_, k) => full.columns[k].every((x) => x === 0));
  if (empty.length) warnings.push(`missing cells for: ${empty.join(", ")}; interpret the Type III hypotheses with care (as lmerTest says)`);
  const P = full.names.length;
  // C below is p×P and costs n·p·P: refuse what would take minutes rather than hang
  if (p * P > 2e7 || n * p * P > 2e10) throw new UserError(`Type III hypotheses for ${p} coefficients and ${P} cells are too large to form; use --type 1`);
  // C = (XᵀX)⁻¹ Xᵀ X_full (p×P); lcol[j] = row j of C: β_j as a function of γ
  const XtX = crossprodX(m);
  if (cholLower(XtX, p) >= 0) throw new UserError("the fixed-effect model matrix is singular: the Type III hypotheses cannot be formed");
  const XtXinv = cholInverse(XtX, p);
  const XtF = new Float64Array(p * P);
  for (let k = 0; k < P; k++) {
    const f = full.columns[k];
    for (let a = 0; a < p; a++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += X[i + a * n] * f[i];
      XtF[a + k * p] = s;
    }
  }
  const lcol: Float64Array[] = [];
  for (let j = 0; j < p; j++) {
    const v = new Float64Array(P);
    for (let k = 0; k < P; k++) {
      let s = 0;
      for (let a = 0; a < p; a++) s += XtXinv[j + a * p] * XtF[a + k * p];
      v[k] = s;
    }
    lcol.push(zap(v));
  }
  // orthogonalize each term's functions against those of the terms containing it, highest order first
  const order = ft.terms.map((t, i) => ({ i, k: t.vars.length })).sort((a, b) => b.k - a.k || a.i - b.i).map((x) => x.i);
  for (const ti of order) {
    const cont = containing(ft, ti);
    if (cont.length === 0) continue;
    const basis = orthonormalBasis(cont.flatMap((ui) => ft.terms[ui].cols.map((c) => lcol[c])));
    for (const c of ft.terms[ti].cols) lcol[c] = zap(residual(lcol[c], basis));
  }
  // read back at the treatment-coded solution: γ at X's column names
  const at = new Map(full.names.map((nm, k) => [nm, k]));
  const sel = xnames.map((nm) => {
    const k = at.get(nm);
    if (k === undefined) throw new UserError(`Type III hypotheses: the column '${nm}' is not a cell of the model's terms (unsupported coding); use --type 1`);
    return k;
  });
  const out: Contrasts = new Map();
  for (const t of ft.terms) {
    const rows = t.cols.map((c) => Float64Array.from(sel, (k) => lcol[c][k])).filter((r) => r.reduce((s, x) => s + Math.abs(x), 0) > 1e-8);
    out.set(t.label, rows);
  }
  return out;
}

/** set entries that are rounding noise relative to the largest to zero (lmerTest zaps them) */
function zap(v: Float64Array): Float64Array {
  let mx = 0;
  for (const x of v) mx = Math.max(mx, Math.abs(x));
  for (let i = 0; i < v.length; i++) if (Math.abs(v[i]) < 1e-10 * mx) v[i] = 0;
  return v;
}

/** Wald χ² of Lβ = 0 on the estimable directions of L (eigen-decomposition of L V Lᵀ, as contestMD) */
export function waldChisq(beta: ArrayLike<number>, vcov: Float64Array, rows: readonly ArrayLike<number>[]): { chisq: number; df: number; p: number } {
  const p = beta.length, q = rows.length;
  const { values, vectors } = jacobiEigen(contrastCovariance(rows, vcov), q);
  const tol = 1e-8 * Math.max(...values.map(Math.abs));
  let chisq = 0, df = 0;
  values.forEach((lam, i) => {
    if (!(lam > tol)) return;
    let est = 0;
    for (let a = 0; a < q; a++) {
      const w = vectors[a + i * q];
      for (let j = 0; j < p; j++) est += w * rows[a][j] * beta[j];
    }
    chisq += (est * est) / lam;
    df++;
  });
  return { chisq, df, p: df > 0 ? pchisqUpper(chisq, df) : NaN };
}

/**
 * The zero-inflation (hurdle: zero) or dispersion part of a fit as a model of its own for the per-term
 * tests: the side formula's design on the fitted rows with that part's coefficients and covariance
 * (glmmTMB's car::Anova(m, component = "zi" / "disp")); null when the fit has no such formula.
 */
export function sideModelFit(m: ModelFit, part: "zi" | "disp"): ModelFit | null {
  const f = m.fit;
  const text = part === "zi" ? m.options.zi : m.options.disp;
  const side = f.kind === "glmm" ? (part === "zi" ? f.zi : f.disp) : null;
  if (!side || text === undefined) return null;
  // (the term structure from the side formula itself, its design on the model's rows as fit() built it)
  const sm = buildModel(m.frame, text, { refLevels: m.options.refLevels });
  const X = sideDesignOf(sm, text, m.ms, `--${part}`)!.X;
  const { n, rows } = m.ms;
  if (sm.xnames.join("\u0000") !== side.names.join("\u0000")) throw new Error(`sideModelFit: ${part} columns differ from the fit's`);
  const fit = { kind: "glmm", xnames: side.names, beta: side.estimate, vcov: side.vcov, terms: [] };
  return { ...m, formula: text, ms: { ...sm, X, n, rows, response: m.ms.response }, fit } as unknown as ModelFit;
}

/** The ANOVA table of a fitted mixed model. */
export function anova(m: ModelFit, options: { type?: AnovaType; ddf?: DdfMethod } = {}): AnovaResult {
  const type = options.type ?? 3;
  if (type !== 1 && type !== 3) throw new UserError(`the ANOVA type must be 1 or 3, not '${String(type)}'`);
  const ft = fixedTerms(m);
  if (ft.terms.length === 0) throw new UserError("the model has no fixed-effect terms besides the intercept: there is nothing to test");
  const warnings: string[] = [];
  const L = termContrasts(m, type, ft, warnings);
  const f = m.fit;
  const rows: AnovaRow[] = [];
  if (f.kind === "lmm" && options.ddf === "kenward-roger") {
    // lmerTest's anova(ddf = "Kenward-Roger"): pbkrtest's KRmodcomp per term; Sum/Mean Sq from the unscaled F
    const kr = kenwardRoger(m.ms, f, m.weights);
    const s2 = f.sigma * f.sigma;
    for (const t of ft.terms) {
      const Lt = L.get(t.label)!;
      if (Lt.length === 0) { warnings.push(`term '${t.label}' has no estimable hypothesis (its columns are aliased)`); continue; }
      const r = krTest(kr, f.beta, Lt);
      rows.push({ term: t.label, sumSq: r.Funscaled * s2 * r.numDf, meanSq: r.Funscaled * s2, numDf: r.numDf, denDf: r.denDf, statistic: r.F, p: r.p });
    }
    return { type, method: "Kenward-Roger", rows, warnings };
  }
  if (f.kind === "lmm") {
    const s = new Satterthwaite(m.ms, f);
    warnings.push(...s.warnings);
    const s2 = f.sigma * f.sigma;
    for (const t of ft.terms) {
      const Lt = L.get(t.label)!;
      if (Lt.length === 0) { warnings.push(`term '${t.label}' has no estimable hypothesis (its columns are aliased)`); continue; }
      const r = s.ftest(Lt);
      rows.push({ term: t.label, sumSq: r.F * s2 * r.numDf, meanSq: r.F * s2, numDf: r.numDf, denDf: r.denDf, statistic: r.F, p: r.p });
    }
    return { type, method: "Satterthwaite", rows, warnings };
  }
  for (const t of ft.terms) {
    const Lt = L.get(t.label)!;
    if (Lt.length === 0) { warnings.push(`term '${t.label}' has no estimable hypothesis (its columns are aliased)`); continue; }
    const w = waldChisq(f.beta, f.vcov, Lt);
    rows.push({ term: t.label, sumSq: null, meanSq: null, numDf: w.df, denDf: null, statistic: w.chisq, p: w.p });
  }
  return { type, method: "Wald chi-square", rows, warnings };
}
