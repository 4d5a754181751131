// The Krylov pieces of the iterative route on a CrossedSchur operator, shared by the LMM
// (iterative.ts) and the Laplace GLMM (glmm/iterative.ts): deflation of the few outlying
// eigenvalues of Ŝ, solves with Ω by the Schur complement on term 0, and log|Ŝ| by stochastic
// Lanczos quadrature with control variates.
import { UserError } from "../errors.js";
import { Rng } from "../inference/rng.js";
import { cholLower } from "../linalg/dense.js";
import { blockCG, blockLanczos, lanczosQuadrature, ritzPairs, type BlockOperator } from "../linalg/iterative/krylov.js";
import type { CrossedSchur } from "./crossed.js";

// Ŝ's spectrum is a cluster at 1 plus a few outliers (the overall mean's direction): Gauss
// quadrature of log is converged to ~1e-6 in 10 steps on the bench designs, and the outliers' Ritz
// pairs in fewer than 25
const LANCZOS_STEPS = 12;
const RITZ_STEPS = 25;
/** the most probe vectors the route takes (a bound on the cost of the log-determinant) */
export const MAX_PROBES = 256;
/** probe vectors of the conditional variances' diagonal estimate */
export const CONDVAR_PROBES = 32;

/** Ritz pairs of Ŝ that deflate the CG preconditioner and serve as control variates. */
export interface Deflation {
  /** column-major qR × nd unit vectors */
  readonly V: Float64Array;
  readonly lam: Float64Array;
  readonly nd: number;
  /** M⁻¹ = I + V(Λ⁻¹ − I)Vᵀ, or null (nothing to deflate) */
  readonly precond: BlockOperator | null;
}

/** log λ − λ + 1: what log λ leaves after its first-order (trace-zero) part */
export function gfun(lam: number): number {
  return Math.log(lam) - lam + 1;
}

/** Ritz pairs of Ŝ at the operator's current θ and weights, from one Lanczos run from `start`. */
export function deflation(op: CrossedSchur, start: Float64Array): Deflation {
  const qR = op.qR;
  const rz = ritzPairs(op.applyHat, start, qR, Math.min(RITZ_STEPS, qR));
  const sel: number[] = [];
  for (let i = 0; i < rz.m; i++) {
    const lam = rz.values[i];
    if (lam > 0 && rz.residuals[i] <= 1e-3 * Math.max(1, lam) && Math.abs(gfun(lam)) > 1e-3) sel.push(i);
  }
  const nd = sel.length;
  const V = new Float64Array(qR * nd), lamd = new Float64Array(nd);
  sel.forEach((i, a) => { V.set(rz.vectors.subarray(i * qR, (i + 1) * qR), a * qR); lamd[a] = rz.values[i]; });
  const precond: BlockOperator = (X, Y, kk) => {
    Y.set(X);
    const d = new Float64Array(kk);
    for (let a = 0; a < nd; a++) {
      d.fill(0);
      const v = V.subarray(a * qR, (a + 1) * qR);
      for (let j = 0; j < qR; j++) for (let c = 0; c < kk; c++) d[c] += v[j] * X[j * kk + c];
      const f = 1 / lamd[a] - 1;
      for (let j = 0; j < qR; j++) for (let c = 0; c < kk; c++) Y[j * kk + c] += f * d[c] * v[j];
    }
  };
  return { V, lam: lamd, nd, precond: nd > 0 ? precond : null };
}

/** Λ G for cross-products G = ZᵀW F ((q0 + qR) × k, from crossZ): the right-hand sides of Ω u = ΛᵀZᵀW F */
export function lambdaRhs(op: CrossedSchur, G: Float64Array, k: number): { b0: Float64Array; bR: Float64Array } {
  const q0 = op.q0, qR = op.qR;
  const b0 = new Float64Array(q0 * k), bR = new Float64Array(qR * k);
  for (let i = 0; i < q0 * k; i++) b0[i] = op.lam0 * G[i];
  for (let j = 0; j < qR; j++) for (let c = 0; c < k; c++) bR[j * k + c] = op.lamR[j] * G[(q0 + j) * k + c];
  return { b0, bR };
}

/**
 * Ω [u0; uR] = [b0; bR] for k interleaved columns by the Schur complement on term 0: CG on Ŝ for
 * uR, then u0 = Ω₀₀⁻¹ (b0 − Ω_0R uR). `x0` (qR × k, the uR of a nearby solve) warm-starts CG.
 */
export function solveOmega(op: CrossedSchur, defl: Deflation, b0: Float64Array, bR: Float64Array, k: number, x0?: Float64Array): { u0: Float64Array; uR: Float64Array; iterations: number } {
  const q0 = op.q0, qR = op.qR;
  const t0 = new Float64Array(q0 * k);
  for (let l = 0; l < q0; l++) for (let c = 0; c < k; c++) t0[l * k + c] = b0[l * k + c] / op.om0[l];
  const rR = new Float64Array(qR * k);
  op.omegaR0(t0, rR, k);
  for (let j = 0; j < qR; j++) {
    const s = 1 / Math.sqrt(op.D[j]);
    for (let c = 0; c < k; c++) rR[j * k + c] = (bR[j * k + c] - rR[j * k + c]) * s;
  }
  // the warm start in Ŝ's coordinates (√D uR)
  const start = x0 ? Float64Array.from(x0, (v, o) => v * Math.sqrt(op.D[Math.floor(o / k)])) : undefined;
  const cg = blockCG(op.applyHat, rR, qR, k, { tol: 1e-10, maxit: 2000, precond: defl.precond, x0: start });
  const uR = cg.x;
  for (let j = 0; j < qR; j++) {
    const s = 1 / Math.sqrt(op.D[j]);
    for (let c = 0; c < k; c++) uR[j * k + c] *= s;
  }
  const u0 = new Float64Array(q0 * k);
  op.omega0R(uR, u0, k);
  for (let l = 0; l < q0; l++) for (let c = 0; c < k; c++) u0[l * k + c] = (b0[l * k + c] - u0[l * k + c]) / op.om0[l];
  return { u0, uR, iterations: cg.iterations };
}

/**
 * The solves of a profiled weighted least-squares problem with F = [X y] (p + 1 columns):
 * Ω U = ΛG (G = ZᵀW F), the (p+1)² Schur complement M = FᵀWF − (ΛG)ᵀU and its Cholesky factor L,
 * β from L_X β = (y row of L), r² = L_yy², log|L_X|², and u = u_y − U_X β.
 */
export function jointSolve(op: CrossedSchur, defl: Deflation, G: Float64Array, FtF: Float64Array, p: number): { beta: Float64Array; u0: Float64Array; uR: Float64Array; L: Float64Array; r2: number; ldX: number; iterations: number } {
  const q0 = op.q0, qR = op.qR, k = p + 1;
  const { b0, bR } = lambdaRhs(op, G, k);
  const { u0, uR, iterations } = solveOmega(op, defl, b0, bR, k);
  const L = new Float64Array(k * k);
  for (let a = 0; a < k; a++)
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let l = 0; l < q0; l++) s += b0[l * k + a] * u0[l * k + b];
      for (let j = 0; j < qR; j++) s += bR[j * k + a] * uR[j * k + b];
      L[a + b * k] = FtF[a + b * k] - s;
    }
  const bad = cholLower(L, k);
  if (bad >= 0 && bad < k - 1) throw new UserError("the fixed-effect columns are linearly dependent given the random effects");
  if (bad === k - 1) L[k * k - 1] = 0;
  const r2 = L[k * k - 1] ** 2;
  let ldX = 0;
  for (let j = 0; j < p; j++) ldX += 2 * Math.log(L[j + j * k]);
  const beta = new Float64Array(p);
  for (let j = p - 1; j >= 0; j--) {
    let s = L[p + j * k];
    for (let i = j + 1; i < p; i++) s -= L[i + j * k] * beta[i];
    beta[j] = s / L[j + j * k];
  }
  // u = u_y − U_X β (the y column minus the X columns' solutions)
  const u0y = new Float64Array(q0), uRy = new Float64Array(qR);
  for (let l = 0; l < q0; l++) {
    let s = u0[l * k + p];
    for (let j = 0; j < p; j++) s -= u0[l * k + j] * beta[j];
    u0y[l] = s;
  }
  for (let i = 0; i < qR; i++) {
    let s = uR[i * k + p];
    for (let j = 0; j < p; j++) s -= uR[i * k + j] * beta[j];
    uRy[i] = s;
  }
  return { beta, u0: u0y, uR: uRy, L, r2, ldX, iterations };
}

/**
 * log|Ŝ| = tr log Ŝ by Hutchinson with the probes Z (qR × kp interleaved) and Lanczos quadrature,
 * with two control variates of known expectation: zᵀ(Ŝ − I)z (tr = 0, since diag Ŝ = 1) and
 * Σ g(λᵢ)(vᵢᵀz)² over the Ritz pairs. Returns the per-probe estimates, their mean and its SE.
 */
export function slqLogdet(op: CrossedSchur, defl: Deflation, Z: Float64Array, kp: number): { perProbe: Float64Array; mean: number; se: number } {
  const qR = op.qR;
  const { V, nd } = defl;
  const lz = blockLanczos(op.applyHat, Z, qR, kp, Math.min(LANCZOS_STEPS, qR));
  const perProbe = new Float64Array(kp);
  const gd = Array.from(defl.lam, gfun);
  let gsum = 0;
  for (const g of gd) gsum += g;
  for (let c = 0; c < kp; c++) {
    const quad = qR * lanczosQuadrature(lz.alpha[c], lz.beta[c], lz.steps[c], Math.log);
    let est = quad - qR * (lz.alpha[c][0] - 1) + gsum;
    for (let a = 0; a < nd; a++) {
      const v = V.subarray(a * qR, (a + 1) * qR);
      let d = 0;
      for (let j = 0; j < qR; j++) d += v[j] * Z[j * kp + c];
      est -= gd[a] * d * d;
    }
    perProbe[c] = est;
  }
  let mean = 0;
  for (const v of perProbe) mean += v;
  mean /= kp;
  let ss = 0;
  for (const v of perProbe) ss += (v - mean) ** 2;
  const se = kp > 1 ? Math.sqrt(ss / (kp - 1) / kp) : NaN;
  return { perProbe, mean, se };
}

/** Probes for a deviance SE ≤ 2·target (logLik SE ≤ target) from a pilot's per-probe spread, in whole blocks of 8. */
export function probesFor(perProbe: Float64Array, target: number): number {
  const k = perProbe.length;
  let m = 0;
  for (const v of perProbe) m += v;
  m /= k;
  let ss = 0;
  for (const v of perProbe) ss += (v - m) ** 2;
  const sd = Math.sqrt(ss / Math.max(1, k - 1));
  // deviance SE ≤ 2·target·0.8 (a margin for the spread's own sampling error)
  const need = Math.ceil((sd / (1.6 * target)) ** 2);
  // whole blocks of 8: the matrix-vector kernel serves eight probes per pass
  return Math.min(MAX_PROBES, Math.max(8, 8 * Math.ceil(need / 8)));
}

/** Seeded Rademacher probes and the Ritz start vector: the same at every θ (common random numbers). */
export class ProbeSet {
  readonly start: Float64Array;
  private cache = new Float64Array(0);
  private cols = 0;

  constructor(readonly seed: number, readonly qR: number) {
    const r = new Rng(seed * 7919 + 17);
    this.start = Float64Array.from({ length: qR }, () => r.normal());
  }

  /** the first k probes (a prefix of one seeded stream: more probes keep the first ones), interleaved */
  block(k: number): Float64Array {
    const qR = this.qR;
    if (this.cols < k) {
      const cols = new Float64Array(qR * k);
      cols.set(this.cache);
      const r = new Rng(this.seed);
      for (let c = 0; c < k; c++) for (let j = 0; j < qR; j++) {
        const v = r.nextUint32() & 1 ? 1 : -1;
        if (c >= this.cols) cols[c * qR + j] = v;
      }
      this.cache = cols;
      this.cols = k;
    }
    const Z = new Float64Array(qR * k);
    for (let c = 0; c < k; c++) for (let j = 0; j < qR; j++) Z[j * k + c] = this.cache[c * qR + j];
    return Z;
  }
}

/** Conditional variances on the iterative route, with the relative Monte Carlo SE of the SDs. */
export interface IterativeCondVar {
  /** per system term, per level: σ² λ² [Ω⁻¹]_jj (ranefTables' layout for scalar terms) */
  readonly cv: Float64Array[];
  /** over levels: the largest and the median relative SE of the conditional SD */
  readonly maxRelSE: number;
  readonly medianRelSE: number;
  readonly probes: number;
  /** per level (term 0's, then the rest's): the relative SE of the conditional SD */
  readonly relSE: Float64Array;
}

/**
 * diag(Ω⁻¹) scaled to conditional variances σ²λ²[Ω⁻¹]_jj (lme4's condVar, β taken as known), with
 * Ŝ⁻¹ = I + V(Λ⁻¹ − I)Vᵀ + E: the first two parts exactly, the small remainder E (Ŝ's bulk clusters
 * at 1) by Hutchinson's diagonal estimator over the probes Z (qR × kp): diag E ≈ mean z ⊙ Ez. Term
 * 0's [Ω⁻¹]_ll = 1/Ω_ll + (1/Ω_ll²) b̃ₗᵀ Ŝ⁻¹ b̃ₗ, b̃ₗ = D^{-1/2} (row l of Ω_0R): the same split,
 * with (b̃ₗᵀz)(b̃ₗᵀEz) for the remainder. The SEs come from the per-probe spread.
 */
export function iterativeCondVar(op: CrossedSchur, defl: Deflation, Z: Float64Array, kp: number, sigma2: number): IterativeCondVar {
  const { q0, qR, D, om0, lam0, lamR, grpPtr, ridx, wt, R } = op;
  const { V, nd } = defl;
  const rs = Float64Array.from(D, (d) => 1 / Math.sqrt(d));
  // E z = Ŝ⁻¹z − z − V(Λ⁻¹ − I)Vᵀz
  const cg = blockCG(op.applyHat, Z, qR, kp, { tol: 1e-8, maxit: 2000, precond: defl.precond });
  const Ez = cg.x;
  for (let i = 0; i < Ez.length; i++) Ez[i] -= Z[i];
  const Vz = new Float64Array(nd * kp);
  for (let a = 0; a < nd; a++) for (let j = 0; j < qR; j++) for (let c = 0; c < kp; c++) Vz[a * kp + c] += V[a * qR + j] * Z[j * kp + c];
  for (let a = 0; a < nd; a++) {
    const f = 1 / defl.lam[a] - 1;
    for (let j = 0; j < qR; j++) for (let c = 0; c < kp; c++) Ez[j * kp + c] -= f * V[a * qR + j] * Vz[a * kp + c];
  }
  // term 0's b̃ₗᵀ·: Ω_0R D^{-1/2} applied to z, Ez and the Ritz vectors
  const scaled = (X: Float64Array, k: number) => {
    const Y = new Float64Array(qR * k), out = new Float64Array(q0 * k);
    for (let j = 0; j < qR; j++) for (let c = 0; c < k; c++) Y[j * k + c] = X[j * k + c] * rs[j];
    op.omega0R(Y, out, k);
    return out;
  };
  const Bz = scaled(Z, kp), BEz = scaled(Ez, kp);
  const Vi = new Float64Array(qR * nd);
  for (let a = 0; a < nd; a++) for (let j = 0; j < qR; j++) Vi[j * nd + a] = V[a * qR + j];
  const BV = scaled(Vi, nd);
  // exact parts: diag of I + V(Λ⁻¹ − I)Vᵀ, and b̃ₗᵀ(I + V(Λ⁻¹ − I)Vᵀ)b̃ₗ
  const exR = new Float64Array(qR).fill(1), ex0 = new Float64Array(q0);
  for (let a = 0; a < nd; a++) {
    const f = 1 / defl.lam[a] - 1;
    for (let j = 0; j < qR; j++) exR[j] += f * V[a * qR + j] ** 2;
    for (let l = 0; l < q0; l++) ex0[l] += f * BV[l * nd + a] ** 2;
  }
  // ‖b̃ₗ‖² = Σ_j (λ₀λ_j Σ_{rows of l at j} w)² / D_j (a pair may repeat)
  const acc = new Float64Array(qR), touched: number[] = [];
  for (let l = 0; l < q0; l++) {
    for (let s = grpPtr[l]; s < grpPtr[l + 1]; s++)
      for (let t = 0; t < R; t++) {
        const j = ridx[s * R + t];
        if (acc[j] === 0) touched.push(j);
        acc[j] += wt[s];
      }
    let sum = 0;
    for (const j of touched) { sum += (lam0 * lamR[j] * acc[j]) ** 2 / D[j]; acc[j] = 0; }
    touched.length = 0;
    ex0[l] += sum;
  }
  // per entry: the Hutchinson mean and its SE, then σ²λ² × (the entry of Ω⁻¹), SE of the SD = SE(var)/(2 var)
  const rel: number[] = [];
  const entry = (exact: number, prod: (c: number) => number, finish: (v: number) => number): number => {
    let m = 0, ss = 0;
    for (let c = 0; c < kp; c++) m += prod(c);
    m /= kp;
    for (let c = 0; c < kp; c++) ss += (prod(c) - m) ** 2;
    const se = Math.sqrt(ss / Math.max(1, kp - 1) / kp);
    const v = finish(exact + m), dv = Math.abs(finish(exact + m + se) - v);
    rel.push(v > 0 ? dv / (2 * v) : 0);
    return v;
  };
  const c0 = Float64Array.from({ length: q0 }, (_, l) => entry(ex0[l], (c) => Bz[l * kp + c] * BEz[l * kp + c], (x) => sigma2 * lam0 * lam0 * (1 / om0[l] + x / (om0[l] * om0[l]))));
  const cR = Float64Array.from({ length: qR }, (_, j) => entry(exR[j], (c) => Z[j * kp + c] * Ez[j * kp + c], (x) => (sigma2 * lamR[j] * lamR[j] * x) / D[j]));
  const cv: Float64Array[] = [c0];
  let off = 0;
  for (let t = 1; t < op.terms.length; t++) {
    const nl = op.terms[t].nl;
    cv.push(cR.slice(off, off + nl));
    off += nl;
  }
  const relSE = Float64Array.from(rel);
  rel.sort((a, b) => a - b);
  return { cv, maxRelSE: rel[rel.length - 1] ?? 0, medianRelSE: rel[Math.floor(rel.length / 2)] ?? 0, probes: kp, relSE };
}
