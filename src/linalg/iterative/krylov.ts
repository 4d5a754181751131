// Krylov kernels on blocks of k vectors stored interleaved (entry j of vector c at j·k + c), so
// that one pass of an operator over its sparse structure serves all k vectors: conjugate
// gradients for k right-hand sides at once, and the Lanczos recurrences of stochastic Lanczos
// quadrature for k probe vectors at once.
import { tridiagEigen } from "./tridiag.js";

/** Y ← A X for k interleaved vectors of length n (A symmetric positive definite). */
export type BlockOperator = (X: Float64Array, Y: Float64Array, k: number) => void;

export interface CGResult {
  readonly x: Float64Array;
  /** iterations used (the slowest column) */
  readonly iterations: number;
  /** final relative residual per column */
  readonly relres: Float64Array;
}

/**
 * Preconditioned conjugate gradients for A X = B (k columns, interleaved, length n each), each
 * column with its own step lengths; stops when every column's ‖r‖ ≤ tol·‖b‖ or after maxit.
 * `precond` applies M⁻¹ (symmetric positive definite) to a block; null = identity.
 */
export function blockCG(A: BlockOperator, B: Float64Array, n: number, k: number, options: { tol?: number; maxit?: number; precond?: BlockOperator | null; x0?: Float64Array } = {}): CGResult {
  const tol = options.tol ?? 1e-10, maxit = options.maxit ?? 1000, M = options.precond ?? null;
  const N = n * k;
  const X = options.x0 ? Float64Array.from(options.x0) : new Float64Array(N);
  const R = Float64Array.from(B);
  const AP = new Float64Array(N);
  if (options.x0) {
    A(X, AP, k);
    for (let i = 0; i < N; i++) R[i] -= AP[i];
  }
  const Zb = M ? new Float64Array(N) : R;
  if (M) M(R, Zb, k);
  const P = Float64Array.from(Zb);
  const bnorm = colNorms(B, n, k);
  const rz = colDots(R, Zb, n, k);
  const rr = colDots(R, R, n, k);
  const relres = new Float64Array(k);
  const done = (): boolean => {
    let all = true;
    for (let c = 0; c < k; c++) {
      relres[c] = bnorm[c] > 0 ? Math.sqrt(rr[c]) / bnorm[c] : 0;
      if (relres[c] > tol) all = false;
    }
    return all;
  };
  let it = 0;
  const alpha = new Float64Array(k), beta = new Float64Array(k);
  while (!done() && it < maxit) {
    it++;
    A(P, AP, k);
    const pAp = colDots(P, AP, n, k);
    for (let c = 0; c < k; c++) alpha[c] = pAp[c] > 0 && relres[c] > tol ? rz[c] / pAp[c] : 0;
    for (let j = 0, o = 0; j < n; j++)
      for (let c = 0; c < k; c++, o++) {
        X[o] += alpha[c] * P[o];
        R[o] -= alpha[c] * AP[o];
      }
    if (M) M(R, Zb, k);
    const rzNew = colDots(R, Zb, n, k);
    const rrNew = colDots(R, R, n, k);
    for (let c = 0; c < k; c++) {
      beta[c] = rz[c] > 0 ? rzNew[c] / rz[c] : 0;
      rz[c] = rzNew[c];
      rr[c] = rrNew[c];
    }
    for (let j = 0, o = 0; j < n; j++) for (let c = 0; c < k; c++, o++) P[o] = Zb[o] + beta[c] * P[o];
  }
  done();
  return { x: X, iterations: it, relres };
}

/** per column c: Σ_j X[j·k + c] Y[j·k + c] */
export function colDots(X: Float64Array, Y: Float64Array, n: number, k: number): Float64Array {
  const s = new Float64Array(k);
  for (let j = 0, o = 0; j < n; j++) for (let c = 0; c < k; c++, o++) s[c] += X[o] * Y[o];
  return s;
}

function colNorms(X: Float64Array, n: number, k: number): Float64Array {
  return colDots(X, X, n, k).map(Math.sqrt);
}

export interface LanczosResult {
  /** per column: the Lanczos diagonal α and off-diagonal β (steps[c] entries used) */
  readonly alpha: Float64Array[];
  readonly beta: Float64Array[];
  readonly steps: Int32Array;
}

/**
 * `m` Lanczos steps on A from each of k starting vectors Z (interleaved; not normalized), without
 * reorthogonalization: enough for Gauss quadrature of zᵀf(A)z (ghost copies of converged Ritz
 * values do not harm the quadrature). A column stops early on an invariant subspace.
 */
export function blockLanczos(A: BlockOperator, Z: Float64Array, n: number, k: number, m: number): LanczosResult {
  const N = n * k;
  const Q = Float64Array.from(Z);
  const norms = colNorms(Z, n, k);
  for (let j = 0, o = 0; j < n; j++) for (let c = 0; c < k; c++, o++) Q[o] /= norms[c];
  const Qp = new Float64Array(N);
  const W = new Float64Array(N);
  const alpha = Array.from({ length: k }, () => new Float64Array(m));
  const beta = Array.from({ length: k }, () => new Float64Array(m));
  const steps = new Int32Array(k);
  const live = new Uint8Array(k).fill(1);
  const bprev = new Float64Array(k);
  for (let s = 0; s < m; s++) {
    A(Q, W, k);
    const a = colDots(Q, W, n, k);
    for (let j = 0, o = 0; j < n; j++) for (let c = 0; c < k; c++, o++) W[o] -= a[c] * Q[o] + bprev[c] * Qp[o];
    const bn = colNorms(W, n, k);
    for (let c = 0; c < k; c++) {
      if (!live[c]) continue;
      alpha[c][s] = a[c];
      steps[c] = s + 1;
      beta[c][s] = bn[c];
      // invariant subspace (or a numerically zero new direction): this column's quadrature is exact
      if (!(bn[c] > 1e-12 * Math.abs(a[c]))) live[c] = 0;
    }
    if (!live.some((v) => v === 1)) break;
    for (let j = 0, o = 0; j < n; j++)
      for (let c = 0; c < k; c++, o++) {
        const q = Q[o];
        Q[o] = live[c] ? W[o] / bn[c] : 0;
        Qp[o] = q;
      }
    for (let c = 0; c < k; c++) bprev[c] = live[c] ? bn[c] : 0;
  }
  return { alpha, beta, steps };
}

/** Gauss quadrature of e₁ᵀ f(T) e₁ for the Lanczos matrix of one column (multiply by ‖z‖²). */
export function lanczosQuadrature(alpha: Float64Array, beta: Float64Array, m: number, f: (x: number) => number): number {
  const { values, first } = tridiagEigen(alpha, beta, m);
  let s = 0;
  for (let i = 0; i < m; i++) s += first[i] * first[i] * f(values[i]);
  return s;
}

/**
 * Extreme eigenpairs of A: `m` Lanczos steps from `start` with full reorthogonalization, then the
 * Ritz pairs. Returns the Ritz values, their residual norms, and the Ritz vectors (column-major
 * n×m, unit length, orthogonal to each other).
 */
export function ritzPairs(A: BlockOperator, start: Float64Array, n: number, m: number): { values: Float64Array; residuals: Float64Array; vectors: Float64Array; m: number } {
  const Q = new Float64Array(n * m);
  const w = new Float64Array(n);
  const a = new Float64Array(m), b = new Float64Array(m);
  let nrm = 0;
  for (let i = 0; i < n; i++) nrm += start[i] * start[i];
  nrm = Math.sqrt(nrm);
  for (let i = 0; i < n; i++) Q[i] = start[i] / nrm;
  let steps = m;
  for (let s = 0; s < m; s++) {
    const q = Q.subarray(s * n, (s + 1) * n);
    A(q, w, 1);
    let al = 0;
    for (let i = 0; i < n; i++) al += q[i] * w[i];
    a[s] = al;
    // full reorthogonalization (twice is enough: Kahan–Parlett)
    for (let pass = 0; pass < 2; pass++)
      for (let t = 0; t <= s; t++) {
        const qt = Q.subarray(t * n, (t + 1) * n);
        let d = 0;
        for (let i = 0; i < n; i++) d += qt[i] * w[i];
        for (let i = 0; i < n; i++) w[i] -= d * qt[i];
      }
    let bn = 0;
    for (let i = 0; i < n; i++) bn += w[i] * w[i];
    bn = Math.sqrt(bn);
    b[s] = bn;
    if (s === m - 1 || !(bn > 1e-12 * Math.abs(al))) { steps = s + 1; break; }
    const qn = Q.subarray((s + 1) * n, (s + 2) * n);
    for (let i = 0; i < n; i++) qn[i] = w[i] / bn;
  }
  const { values, vectors } = tridiagEigen(a, b, steps, true);
  const Y = vectors!;
  const residuals = new Float64Array(steps);
  for (let j = 0; j < steps; j++) residuals[j] = Math.abs(b[steps - 1] * Y[steps - 1 + j * steps]);
  const V = new Float64Array(n * steps);
  for (let j = 0; j < steps; j++) {
    const v = V.subarray(j * n, (j + 1) * n);
    for (let s = 0; s < steps; s++) {
      const y = Y[s + j * steps];
      if (y === 0) continue;
      const qs = Q.subarray(s * n, (s + 1) * n);
      for (let i = 0; i < n; i++) v[i] += y * qs[i];
    }
  }
  return { values, residuals, vectors: V, m: steps };
}
