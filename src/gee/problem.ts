// The data of one GEE problem and the per-cluster pieces every step needs, in geepack's standardised
// form: D̃ = A^{-½} (dμ/dη) X and Pearson residuals r = A^{-½} (y − μ), with A = diag V(μ).
import type { Family } from "../families/index.js";
import type { ClusterLayout } from "./clusters.js";
import type { Correlation } from "./correlation.js";
import { luFactor, luSolve } from "../linalg/lu.js";

export interface Problem {
  readonly n: number;
  readonly p: number;
  readonly X: Float64Array;
  readonly y: Float64Array;
  readonly w: Float64Array;
  readonly offset: Float64Array;
  readonly family: Family;
  readonly layout: ClusterLayout;
  readonly cor: Correlation;
}

/** Row-wise mean-model quantities at β (input row order). */
export interface MeanState {
  readonly eta: Float64Array;
  readonly mu: Float64Array;
  /** V(μ) */
  readonly v: Float64Array;
  /** dμ/dη */
  readonly me: Float64Array;
  /** Pearson residual (y − μ)/√V, unweighted */
  readonly pr: Float64Array;
}

export function meanState(pb: Problem, beta: Float64Array): MeanState {
  const { n, p, X, y, offset, family } = pb;
  const eta = new Float64Array(n), mu = new Float64Array(n), v = new Float64Array(n);
  const me = new Float64Array(n), pr = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let e = offset[i];
    for (let j = 0; j < p; j++) e += X[i + j * n] * beta[j];
    eta[i] = e;
    mu[i] = family.link.linkinv(e);
    v[i] = family.variance(mu[i]);
    me[i] = family.link.muEta(e);
    pr[i] = (y[i] - mu[i]) / Math.sqrt(v[i]);
  }
  return { eta, mu, v, me, pr };
}

/** dV/dμ (geepack's v_mu), needed for the Jacobian of the scale and correlation equations. */
export function varianceDeriv(family: Family, mu: number): number {
  switch (family.name) {
    case "gaussian": return 0;
    case "binomial": return 1 - 2 * mu;
    case "poisson": return 1;
    case "Gamma": return 2 * mu;
    case "negative_binomial": return 1 + (2 * mu) / (family.size ?? Infinity);
    case "nbinom1": return family.variance(1); // V = μ(1 + φ) is linear
    default: return NaN; // gee.ts admits only the families above
  }
}

/**
 * Fill one cluster's weighted pieces into DR (m × (p + 1), column-major): columns 0..p−1 = √w D̃,
 * column p = √w r, rows in the layout's within-cluster order. Returns m.
 */
export function clusterPieces(pb: Problem, st: MeanState, k: number, DR: Float64Array): number {
  const { n, p, X, w, layout } = pb;
  const s = layout.start[k], m = layout.start[k + 1] - s;
  for (let j = 0; j < m; j++) {
    const i = layout.rows[s + j];
    const sw = Math.sqrt(w[i]);
    const f = (sw * st.me[i]) / Math.sqrt(st.v[i]);
    for (let c = 0; c < p; c++) DR[j + c * m] = f * X[i + c * n];
    DR[j + p * m] = sw * st.pr[i];
  }
  return m;
}

/**
 * B ← R(α)⁻¹ B for one cluster (B is m × kcols, column-major). Exchangeable uses the closed form
 * R⁻¹ = (I − c 11ᵀ)/(1 − α), c = α / (1 + (m − 1)α), and ar1 its bidiagonal whitening, so large clusters
 * stay cheap (O(m) instead of O(m³)); other structures use LU (in Rbuf, or a new array when Rbuf is too
 * small: see luBuffer). False when R is singular.
 */
export function solveR(
  pb: Problem, alpha: Float64Array, k: number, B: Float64Array, kcols: number, Rbuf: Float64Array, piv: Int32Array,
): boolean {
  const { cor, layout } = pb;
  const s = layout.start[k], m = layout.start[k + 1] - s;
  if (m === 1 || cor.corstr === "independence") return true;
  if (cor.corstr === "exchangeable") {
    const a = alpha[0];
    const d1 = 1 - a, d2 = 1 + (m - 1) * a;
    if (d1 === 0 || d2 === 0) return false;
    const c = a / d2;
    for (let col = 0; col < kcols; col++) {
      const o = col * m;
      let sum = 0;
      for (let j = 0; j < m; j++) sum += B[o + j];
      for (let j = 0; j < m; j++) B[o + j] = (B[o + j] - c * sum) / d1;
    }
    return true;
  }
  if (cor.corstr === "ar1" && ar1Solve(alpha[0], layout.waves, s, m, B, kcols)) return true;
  const R = Rbuf.length >= m * m ? Rbuf.subarray(0, m * m) : new Float64Array(m * m);
  for (let j = 0; j < m; j++) {
    R[j + j * m] = 1;
    for (let l = j + 1; l < m; l++) {
      const r = cor.rho(alpha, layout.waves[s + j], layout.waves[s + l]);
      R[j + l * m] = r;
      R[l + j * m] = r;
    }
  }
  if (!luFactor(R, m, piv)) return false;
  luSolve(R, piv, m, B, kcols);
  return true;
}

/**
 * ar1 with increasing waves: R_jk = ρ^|w_j − w_k| is the correlation of a Markov chain, so R = (WᵀW)⁻¹
 * with W lower bidiagonal: (W b)_1 = b_1, (W b)_j = (b_j − φ_j b_{j−1}) / s_j, φ_j = ρ^(w_j − w_{j−1}),
 * s_j = √(1 − φ_j²). R⁻¹ b = Wᵀ (W b). False (use LU) when some |φ_j| ≥ 1 or waves do not increase.
 */
function ar1Solve(rho: number, waves: Int32Array, s: number, m: number, B: Float64Array, kcols: number): boolean {
  const phi = new Float64Array(m), sd = new Float64Array(m);
  sd[0] = 1;
  for (let j = 1; j < m; j++) {
    const d = waves[s + j] - waves[s + j - 1];
    if (d <= 0) return false;
    phi[j] = Math.pow(rho, d);
    const v = 1 - phi[j] * phi[j];
    if (!(v > 0)) return false;
    sd[j] = Math.sqrt(v);
  }
  for (let c = 0; c < kcols; c++) {
    const o = c * m;
    // u = W b, computed from the end so b_{j−1} is still original
    for (let j = m - 1; j >= 1; j--) B[o + j] = (B[o + j] - phi[j] * B[o + j - 1]) / sd[j];
    // x = Wᵀ u
    for (let j = 0; j < m - 1; j++) B[o + j] = B[o + j] / sd[j] - (phi[j + 1] / sd[j + 1]) * B[o + j + 1];
    B[o + m - 1] /= sd[m - 1];
  }
  return true;
}

/** Scratch for solveR's LU: full size only for the structures that always need it. */
export function luBuffer(pb: Problem): Float64Array {
  const m0 = pb.layout.maxSize;
  const c = pb.cor.corstr;
  return new Float64Array(c === "unstructured" || c === "mdep" ? m0 * m0 : 0);
}
