// The variance parameters on the scale people report them — standard deviations and correlations
// per random-effect term, then σ — and their map to and from lme4's θ (the lower-triangular
// relative covariance factors, column-wise per term, over the system's sorted terms). Names follow
// lme4's confint(oldNames = FALSE): "sd_(Intercept)|Subject", "cor_Days.(Intercept)|Subject", "sigma".
import { cholLower } from "../linalg/dense.js";
import { type SysTerm, lambdaInto, relCovariance, formulaOrder } from "../lmm/reterms.js";
import { groupDisplayNames } from "../report/names.js";

/** One variance parameter (an SD, a correlation or σ) and where it sits in θ. */
export interface VarParInfo {
  readonly name: string;
  readonly kind: "sd" | "cor" | "sigma";
  /** system term index (−1 for σ) */
  readonly term: number;
  /** position in the term's lower triangle (row r, column c; r = c for an sd) */
  readonly r: number;
  readonly c: number;
  /** index of this parameter's θ entry (−1 for σ) */
  readonly thetaIndex: number;
}

/**
 * The variance parameters in reporting order: terms in formula order, within a term the lower
 * triangle column-wise (sd of column 1, its correlations with the later columns, sd of column 2, ...),
 * then σ when the model has one.
 */
export function varParInfo(terms: readonly SysTerm[], withSigma: boolean): VarParInfo[] {
  const names = groupDisplayNames(terms);
  const order = formulaOrder(terms);
  const out: VarParInfo[] = [];
  for (const ti of order) {
    const t = terms[ti];
    const g = names.get(ti)!;
    const cn = t.term.cnames;
    let k = t.thetaOffset;
    for (let c = 0; c < t.s; c++)
      for (let r = c; r < t.s; r++) {
        const name = r === c ? `sd_${cn[c]}|${g}` : `cor_${cn[r]}.${cn[c]}|${g}`;
        out.push({ name, kind: r === c ? "sd" : "cor", term: ti, r, c, thetaIndex: k++ });
      }
  }
  if (withSigma) out.push({ name: "sigma", kind: "sigma", term: -1, r: 0, c: 0, thetaIndex: -1 });
  return out;
}

/** θ (system order) and σ → the reported parameters (in `info` order). */
export function thetaToVarPar(terms: readonly SysTerm[], info: readonly VarParInfo[], theta: ArrayLike<number>, sigma: number): Float64Array {
  const out = new Float64Array(info.length);
  // per term: Σ/σ² = λλᵀ
  const cov = terms.map((t) => {
    const lam = new Float64Array(t.s * t.s);
    lambdaInto(t, theta, lam);
    return relCovariance(t, lam);
  });
  info.forEach((p, i) => {
    if (p.kind === "sigma") { out[i] = sigma; return; }
    const s = terms[p.term].s;
    const C = cov[p.term];
    if (p.kind === "sd") out[i] = sigma * Math.sqrt(C[p.r + p.r * s]);
    else {
      const den = Math.sqrt(C[p.r + p.r * s] * C[p.c + p.c * s]);
      out[i] = den > 0 ? C[p.r + p.c * s] / den : 0;
    }
  });
  return out;
}

/**
 * The reported parameters → θ (system order) for a given σ, or null when the implied covariance
 * matrix of some term is not positive semi-definite (a correlation matrix outside the valid set).
 */
export function varParToTheta(terms: readonly SysTerm[], info: readonly VarParInfo[], v: ArrayLike<number>, sigma: number): Float64Array | null {
  const nth = terms.reduce((a, t) => a + t.diagMask.length, 0);
  const theta = new Float64Array(nth);
  const sd: Float64Array[] = terms.map((t) => new Float64Array(t.s));
  const cor: Float64Array[] = terms.map((t) => {
    const R = new Float64Array(t.s * t.s);
    for (let i = 0; i < t.s; i++) R[i + i * t.s] = 1;
    return R;
  });
  info.forEach((p, i) => {
    if (p.kind === "sd") sd[p.term][p.r] = v[i];
    else if (p.kind === "cor") {
      const s = terms[p.term].s;
      cor[p.term][p.r + p.c * s] = v[i];
      cor[p.term][p.c + p.r * s] = v[i];
    }
  });
  for (let ti = 0; ti < terms.length; ti++) {
    const t = terms[ti];
    const s = t.s;
    if (s === 1) {
      theta[t.thetaOffset] = Math.abs(sd[ti][0]) / sigma;
      continue;
    }
    // λ = chol(D R D)/σ, with zero SDs handled by factoring R first: chol(DRD) = D chol(R)
    const R = cor[ti];
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) if (Math.abs(R[i + j * s]) > 1) return null;
    const L = Float64Array.from(R);
    if (cholLower(L, s) >= 0) {
      // semi-definite (|ρ| = 1): a pivoted-free fallback that tolerates zero pivots
      if (!cholSemidefinite(R, L, s)) return null;
    }
    let k = t.thetaOffset;
    for (let c = 0; c < s; c++)
      for (let r = c; r < s; r++) theta[k++] = (Math.abs(sd[ti][r]) * L[r + c * s]) / sigma;
  }
  return theta;
}

/** Cholesky of a positive semi-definite correlation matrix, zero pivots allowed (columns set to 0). */
function cholSemidefinite(R: Float64Array, L: Float64Array, s: number): boolean {
  L.fill(0);
  for (let j = 0; j < s; j++) {
    let d = R[j + j * s];
    for (let k = 0; k < j; k++) d -= L[j + k * s] * L[j + k * s];
    if (d < -1e-10) return false;
    const piv = d > 1e-14 ? Math.sqrt(d) : 0;
    L[j + j * s] = piv;
    for (let i = j + 1; i < s; i++) {
      let v = R[i + j * s];
      for (let k = 0; k < j; k++) v -= L[i + k * s] * L[j + k * s];
      if (piv === 0) {
        if (Math.abs(v) > 1e-8) return false;
        L[i + j * s] = 0;
      } else L[i + j * s] = v / piv;
    }
  }
  return true;
}
