// The terms of log NB2(y | μ, k) that depend on the count and the size only, written in φ = 1/k
// so that they stay accurate up to the Poisson limit (φ → 0): a short sum for small counts or
// large sizes, lgamma/digamma/trigamma differences otherwise. And the small dense solves of the
// per-gene problems.
import { digamma, lgamma, trigamma } from "../families/special.js";
import { cholLower, invSPD, solveLower, solveLowerT } from "../linalg/dense.js";

/** Upper bound of the patient variance s = σ² (σ ≤ 10 on the log scale is already absurd). */
export const S_MAX = 100;

/** Σ_{i<y} log(1 + iφ) = lgamma(y+k) − lgamma(k) − y log k, k = 1/φ: stable as k → ∞ */
export function lgammaRatio(y: number, phi: number): number {
  if (y <= 16 || phi < 1e-4) {
    let s = 0;
    for (let i = 1; i < y; i++) s += Math.log1p(i * phi);
    return s;
  }
  const k = 1 / phi;
  return lgamma(y + k) - lgamma(k) + y * Math.log(phi);
}

/** Σ_{i<y} i/(1 + iφ) = −k²(ψ(y+k) − ψ(k)) + y k: the y-and-k part of ∂ log NB/∂φ */
export function digammaRatio(y: number, phi: number): number {
  if (y <= 16 || phi < 1e-4) {
    let s = 0;
    for (let i = 1; i < y; i++) s += i / (1 + i * phi);
    return s;
  }
  const k = 1 / phi;
  return y * k - k * k * (digamma(y + k) - digamma(k));
}

/** −Σ_{i<y} i²/(1 + iφ)²: the y-and-k part of ∂² log NB/∂φ² */
export function trigammaRatio(y: number, phi: number): number {
  if (y <= 16 || phi < 1e-4) {
    let s = 0;
    for (let i = 1; i < y; i++) { const v = i / (1 + i * phi); s -= v * v; }
    return s;
  }
  const k = 1 / phi;
  const dpsi = digamma(y + k) - digamma(k), dtri = trigamma(y + k) - trigamma(k);
  return -k * k * (y - 2 * k * dpsi - k * k * dtri);
}

/** Solve A x = b in place (b ← x) for SPD A (n×n column-major, overwritten by its Cholesky factor). */
export function cholSolve(A: Float64Array, n: number, b: Float64Array): boolean {
  if (cholLower(A, n) >= 0) return false;
  for (let i = 0; i < n; i++) if (!Number.isFinite(A[i + i * n])) return false;
  solveLower(A, n, b);
  solveLowerT(A, n, b);
  return true;
}

/** Diagonal of the inverse of an SPD matrix (n×n column-major, not modified), or null if not PD. */
export function choleskyInverseDiag(A: Float64Array, n: number): Float64Array | null {
  if (n === 0) return new Float64Array(0);
  const inv = invSPD(Float64Array.from(A.subarray(0, n * n)), n);
  if (!inv) return null;
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = inv[i + i * n];
  return d;
}
