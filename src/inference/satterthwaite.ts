// Satterthwaite degrees of freedom for t and F tests of LMM fixed effects, lmerTest's method
// (Kuznetsova, Brockhoff & Christensen 2017). The covariance of β̂ is a function V(ψ) of the variance
// parameters ψ = (θ, σ); for a contrast L the variance Lᵀ V L has gradient g in ψ, and ψ̂ has the
// asymptotic covariance A = 2 H⁻¹, H the Hessian of the (REML or ML) deviance in ψ. Then
// df = 2 (Lᵀ V L)² / (gᵀ A g). The derivatives are taken numerically with Richardson extrapolation,
// the scheme lmerTest uses (numDeriv), which is what makes the df agree with it closely; σ is
// handled in closed form, so only θ is differentiated numerically.
import { UserError } from "../errors.js";
import type { ModelStructure } from "../formula/types.js";
import { cholInverse, cholLower } from "../linalg/dense.js";
import { LinearMixedModel, fittedModel, type FittedLMM } from "../lmm/lmm.js";
import { pfUpper, pt2 } from "./distributions.js";
import { bilinearForm } from "./kenward-roger.js";
import { vectorDerivatives, type VectorDerivatives } from "./numderiv.js";
import { gradientPartsSmooth, hasAnalyticGradient } from "../lmm/gradient.js";
import type { PLSSystem } from "../lmm/system.js";

/** A t test of one linear combination of the fixed effects: estimate, SE, denominator df and p. */
export interface ContrastTest {
  readonly estimate: number;
  readonly se: number;
  readonly df: number;
  readonly t: number;
  readonly p: number;
}

/** The t test of one fixed effect (lmerTest's summary row). */
export interface FixefTestRow extends ContrastTest {
  readonly term: string;
}

/** An F test of several linear combinations of the fixed effects (lmerTest's anova row). */
export interface FTest {
  readonly F: number;
  readonly numDf: number;
  readonly denDf: number;
  readonly p: number;
}

/** The ingredients of every Satterthwaite test of one fitted LMM. */
export class Satterthwaite {
  /** number of fixed effects */
  readonly p: number;
  /** the fixed-effect estimates β̂ */
  readonly beta: Float64Array;
  /** vcov(β̂), p×p */
  readonly vcov: Float64Array;
  /** per variance parameter k: ∂vcov(β)/∂ψ_k, p×p */
  readonly jac: Float64Array[];
  /** asymptotic covariance of ψ̂ = (θ̂, σ̂): 2 H⁻¹ (k×k); null when H is not positive definite */
  readonly vcovVarpar: Float64Array | null;
  /** why degrees of freedom are unavailable, when they are */
  readonly warnings: string[] = [];
  /** fixed-effect names, in β's order */
  readonly xnames: readonly string[];

  constructor(ms: ModelStructure, fit: FittedLMM) {
    // the fit's own system when there is one (no second symbolic analysis), else a new one
    const sys = (fittedModel(fit) ?? new LinearMixedModel(ms, { reml: fit.reml })).system;
    const n = ms.n, p = ms.p;
    this.p = p;
    this.beta = fit.beta;
    this.xnames = fit.xnames;
    const nth = fit.theta.length;
    const k = nth + 1;
    const sigma = fit.sigma;
    const s2 = sigma * sigma;
    // σ enters the deviance and vcov(β) in closed form:
    //   D(θ, σ) = ld(θ) + r²(θ)/σ² + N log(2πσ²)   (ld = log|L_Z|² [+ log|L_X|² for REML]; N = n [− p])
    //   V(θ, σ) = σ² M(θ),  M = (L_X L_Xᵀ)⁻¹
    // so one set of evaluations of (ld, r², M) over θ gives every derivative lmerTest takes numerically.
    const N = fit.reml ? n - p : n;
    const F = (th: Float64Array): Float64Array => {
      const out = new Float64Array(2 + p * p).fill(NaN);
      if (!sys.updateL(th)) return out;
      out[0] = sys.logdetZ() + (fit.reml ? sys.logdetX() : 0);
      out[1] = sys.pwrss();
      const LX = sys.xFactor();
      out.set(cholInverse(LX, p), 2);
      return out;
    };
    // (a scalar term on the boundary keeps numDeriv; a vector term's singular λ is handled below)
    const der = hasAnalyticGradient(sys) && fit.terms.every((t) => t.s > 1 || fit.theta[t.thetaOffset] > 1e-6)
      ? analyticDerivatives(sys, fit.theta, fit.reml, F)
      : vectorDerivatives(F, fit.theta);
    const m = 2 + p * p;
    const r2 = der.value[1];
    const M = der.value.subarray(2);
    this.vcov = Float64Array.from(M, (v) => v * s2);
    // ∂V/∂θ_i = σ² ∂M/∂θ_i, ∂V/∂σ = 2σ M
    this.jac = [];
    for (let i = 0; i < nth; i++) this.jac.push(Float64Array.from({ length: p * p }, (_, e) => s2 * der.gradient[2 + e + i * m]));
    this.jac.push(Float64Array.from(M, (v) => 2 * sigma * v));
    // Hessian of D in (θ, σ)
    const H = new Float64Array(k * k);
    for (let i = 0; i < nth; i++) {
      for (let j = 0; j < nth; j++) H[i + j * k] = der.hessian[0][i + j * nth] + der.hessian[1][i + j * nth] / s2;
      const cross = (-2 * der.gradient[1 + i * m]) / (s2 * sigma);
      H[i + nth * k] = cross;
      H[nth + i * k] = cross;
    }
    H[nth + nth * k] = (6 * r2) / (s2 * s2) - (2 * N) / s2;
    const L = Float64Array.from(H);
    let ok = true;
    for (const v of H) if (!Number.isFinite(v)) ok = false;
    if (ok && cholLower(L, k) < 0) {
      const inv = cholInverse(L, k);
      for (let i = 0; i < inv.length; i++) inv[i] *= 2;
      this.vcovVarpar = inv;
    } else {
      this.vcovVarpar = null;
      this.warnings.push("the Hessian of the deviance in the variance parameters is not positive definite (a variance at zero?): Satterthwaite degrees of freedom are unavailable");
    }
  }

  /** Lᵀ M L for p-vector L and p×p M */
  private qform(l: ArrayLike<number>, M: Float64Array): number {
    return bilinearForm(l, M, l, this.p);
  }

  /** Satterthwaite df of the contrast Lᵀβ (NaN when unavailable) */
  df(l: ArrayLike<number>): number {
    const A = this.vcovVarpar;
    if (!A) return NaN;
    const v = this.qform(l, this.vcov);
    const k = this.jac.length;
    const g = new Float64Array(k);
    for (let j = 0; j < k; j++) g[j] = this.qform(l, this.jac[j]);
    let denom = 0;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) denom += g[a] * A[a + b * k] * g[b];
    return (2 * v * v) / denom;
  }

  /** t test of Lᵀβ = 0 */
  contrast(l: ArrayLike<number>): ContrastTest {
    if (l.length !== this.p) throw new UserError(`a contrast needs ${this.p} coefficients (one per fixed effect), got ${l.length}`);
    let est = 0;
    for (let j = 0; j < this.p; j++) est += l[j] * this.beta[j];
    const se = Math.sqrt(this.qform(l, this.vcov));
    const df = this.df(l);
    const t = est / se;
    return { estimate: est, se, df, t, p: Number.isFinite(df) ? pt2(t, df) : NaN };
  }

  /** one t test per coefficient (lmerTest's summary table) */
  coefficients(): FixefTestRow[] {
    const p = this.p;
    return this.xnames.map((term, j) => {
      const l = new Float64Array(p);
      l[j] = 1;
      return { term, ...this.contrast(l) };
    });
  }

  /**
   * F test of Lβ = 0 for a q×p contrast matrix (rows given as arrays), lmerTest's contestMD: the
   * contrasts are rotated to independent ones by the eigen-decomposition of L V Lᵀ, each gets its own
   * Satterthwaite df ν_i, and the denominator df is 2E/(E − q) with E = Σ ν_i/(ν_i − 2).
   */
  ftest(rows: readonly ArrayLike<number>[]): FTest {
    const q = rows.length, p = this.p;
    if (q === 0) throw new UserError("an F test needs at least one contrast row");
    for (const r of rows) if (r.length !== p) throw new UserError(`each contrast row needs ${p} coefficients, got ${r.length}`);
    const { values, vectors } = jacobiEigen(contrastCovariance(rows, this.vcov), q);
    // lmerTest's contestMD: directions with eigenvalue ≤ √ε × the largest are not estimable
    const tol = Math.sqrt(2.220446049250313e-16) * Math.max(...values.map(Math.abs));
    const keep = values.map((v, i) => (v > tol ? i : -1)).filter((i) => i >= 0);
    const r = keep.length;
    if (r === 0) throw new UserError("the contrast matrix has no estimable direction");
    let t2 = 0;
    const nus: number[] = [];
    for (const i of keep) {
      // new contrast: P_iᵀ L (p-vector)
      const l = new Float64Array(p);
      for (let a = 0; a < q; a++) {
        const w = vectors[a + i * q];
        for (let j = 0; j < p; j++) l[j] += w * rows[a][j];
      }
      let est = 0;
      for (let j = 0; j < p; j++) est += l[j] * this.beta[j];
      t2 += (est * est) / values[i];
      nus.push(this.df(l));
    }
    const F = t2 / r;
    const denDf = fStatDdf(nus);
    return { F, numDf: r, denDf, p: Number.isFinite(denDf) ? pfUpper(F, r, denDf) : NaN };
  }
}

/**
 * The F test's denominator df from the per-direction Satterthwaite df ν_i, as lmerTest's
 * get_Fstat_ddf: one direction → ν; all equal (to 1e-8) → their mean; any ν ≤ 2 → 2; else
 * 2E/(E − q) with E = Σ ν_i/(ν_i − 2).
 */
export function fStatDdf(nus: readonly number[]): number {
  if (nus.length === 1) return nus[0];
  if (nus.every((nu, i) => i === 0 || Math.abs(nu - nus[i - 1]) < 1e-8)) return nus.reduce((a, b) => a + b) / nus.length;
  if (nus.some((nu) => nu <= 2)) return 2;
  let E = 0;
  for (const nu of nus) E += nu / (nu - 2);
  return (2 * E) / (E - nus.length);
}

/** L V Lᵀ (q×q) for a q×p contrast matrix L given as rows and V p×p */
export function contrastCovariance(rows: readonly ArrayLike<number>[], vcov: Float64Array): Float64Array {
  const q = rows.length, p = q ? rows[0].length : 0;
  const M = new Float64Array(q * q);
  for (let a = 0; a < q; a++)
    for (let b = 0; b < q; b++) {
      let s = 0;
      for (let i = 0; i < p; i++) {
        if (rows[a][i] === 0) continue;
        for (let j = 0; j < p; j++) s += rows[a][i] * vcov[i + j * p] * rows[b][j];
      }
      M[a + b * q] = s;
    }
  return M;
}

/** Symmetric eigen-decomposition by cyclic Jacobi rotations (small matrices). */
export function jacobiEigen(A: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(A);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i + i * n] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) off += a[i + j * n] * a[i + j * n];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p + q * n];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q + q * n] - a[p + p * n]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k + p * n], akq = a[k + q * n];
          a[k + p * n] = c * akp - s * akq;
          a[k + q * n] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p + k * n], aqk = a[q + k * n];
          a[p + k * n] = c * apk - s * aqk;
          a[q + k * n] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k + p * n], vkq = v[k + q * n];
          v[k + p * n] = c * vkp - s * vkq;
          v[k + q * n] = s * vkp + c * vkq;
        }
      }
  }
  const values: number[] = [];
  for (let i = 0; i < n; i++) values.push(a[i + i * n]);
  return { values, vectors: v };
}

/**
 * lmerTest's summary table for an LMM: estimate, SE, Satterthwaite df, t and p per coefficient.
 * This is the hook for `glmm fit` (fill `df` and `p` of the JSON's fixef rows from it).
 */
export function satterthwaiteTable(ms: ModelStructure, fit: FittedLMM): { rows: FixefTestRow[]; warnings: string[] } {
  const s = new Satterthwaite(ms, fit);
  return { rows: s.coefficients(), warnings: s.warnings };
}

/**
 * The derivatives `vectorDerivatives` would give for F = (ld, r², M) when the analytic gradient
 * applies (scalar terms off the boundary, unstructured or diagonal vector terms):
 * first derivatives of ld and r² exactly (src/lmm/gradient.ts), their second derivatives and the
 * first derivatives of M by central differences of those — 2k + 1 factorizations instead of
 * numDeriv's ~4k² (InstEval: 7 instead of 49), with differences of exact gradients, so no
 * Richardson extrapolation is needed.
 */
function analyticDerivatives(sys: PLSSystem, theta: Float64Array, reml: boolean, F: (th: Float64Array) => Float64Array): VectorDerivatives {
  const k = theta.length;
  // (smoothed across a singular λ: see gradientPartsSmooth)
  const parts = (th: Float64Array) => {
    const value = F(th);
    return { value, g: gradientPartsSmooth(sys, th, reml, 1e-4, 1e-3, false) };
  };
  const base = parts(Float64Array.from(theta));
  const m = base.value.length;
  const gradient = new Float64Array(m * k);
  const hessian = Array.from({ length: m }, () => new Float64Array(k * k));
  for (let i = 0; i < k; i++) {
    gradient[0 + i * m] = base.g.dld[i];
    gradient[1 + i * m] = base.g.dr2[i];
  }
  for (let j = 0; j < k; j++) {
    const h = 1e-4 * Math.max(Math.abs(theta[j]), 0.1);
    const tp = Float64Array.from(theta), tm = Float64Array.from(theta);
    tp[j] += h;
    tm[j] -= h;
    const P = parts(tp), Mn = parts(tm);
    // ∂M/∂θ_j
    for (let o = 2; o < m; o++) gradient[o + j * m] = (P.value[o] - Mn.value[o]) / (2 * h);
    // row j of the Hessians of ld and r²
    for (let i = 0; i < k; i++) {
      hessian[0][i + j * k] = (P.g.dld[i] - Mn.g.dld[i]) / (2 * h);
      hessian[1][i + j * k] = (P.g.dr2[i] - Mn.g.dr2[i]) / (2 * h);
    }
  }
  for (const H of hessian.slice(0, 2))
    for (let i = 0; i < k; i++)
      for (let j = i + 1; j < k; j++) {
        const v = (H[i + j * k] + H[j + i * k]) / 2;
        H[i + j * k] = H[j + i * k] = v;
      }
  return { value: base.value, gradient, hessian } as VectorDerivatives;
}
