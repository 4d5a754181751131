// Small dense-matrix helpers (LU, solves, products) for matrices of a cluster's size (m × m) or
// p × p, used by the GEE engine: plain column-major loops are enough. LU with partial pivoting is used even for
// symmetric matrices because a working correlation R(α) need not be positive definite (geepack solves
// with LU as well).

/** In-place LU factorisation of a column-major n × n matrix; returns pivots, or null when singular. */
export function luFactor(a: Float64Array, n: number, piv: Int32Array = new Int32Array(n)): Int32Array | null {
  for (let k = 0; k < n; k++) {
    let p = k;
    let big = Math.abs(a[k + k * n]);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i + k * n]);
      if (v > big) { big = v; p = i; }
    }
    piv[k] = p;
    if (big === 0 || !Number.isFinite(big)) return null;
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k + j * n]; a[k + j * n] = a[p + j * n]; a[p + j * n] = t;
      }
    }
    const d = a[k + k * n];
    for (let i = k + 1; i < n; i++) a[i + k * n] /= d;
    for (let j = k + 1; j < n; j++) {
      const f = a[k + j * n];
      if (f === 0) continue;
      for (let i = k + 1; i < n; i++) a[i + j * n] -= a[i + k * n] * f;
    }
  }
  return piv;
}

/** Solve with a factor from luFactor: b (n × k column-major, leading dimension n) is overwritten. */
export function luSolve(lu: Float64Array, piv: Int32Array, n: number, b: Float64Array, k = 1): void {
  for (let c = 0; c < k; c++) {
    const o = c * n;
    for (let i = 0; i < n; i++) {
      const p = piv[i];
      if (p !== i) { const t = b[o + i]; b[o + i] = b[o + p]; b[o + p] = t; }
    }
    for (let i = 1; i < n; i++) {
      let s = b[o + i];
      for (let j = 0; j < i; j++) s -= lu[i + j * n] * b[o + j];
      b[o + i] = s;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = b[o + i];
      for (let j = i + 1; j < n; j++) s -= lu[i + j * n] * b[o + j];
      b[o + i] = s / lu[i + i * n];
    }
  }
}

/** Solve A x = b for a square A (not modified); null when A is singular. */
export function solve(a: Float64Array, n: number, b: Float64Array, k = 1): Float64Array | null {
  const lu = a.slice(0, n * n);
  const piv = luFactor(lu, n);
  if (!piv) return null;
  const x = b.slice(0, n * k);
  luSolve(lu, piv, n, x, k);
  return x;
}

/** Inverse of a square matrix, or null when singular. */
export function inverse(a: Float64Array, n: number): Float64Array | null {
  const id = new Float64Array(n * n);
  for (let i = 0; i < n; i++) id[i + i * n] = 1;
  return solve(a, n, id, n);
}

/** C = A B for column-major A (r × k) and B (k × c). */
export function matmul(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let j = 0; j < c; j++) {
    for (let l = 0; l < k; l++) {
      const f = b[l + j * k];
      if (f === 0) continue;
      for (let i = 0; i < r; i++) out[i + j * r] += a[i + l * r] * f;
    }
  }
  return out;
}

/** Aᵀ (r × c column-major) transposed to c × r. */
export function transpose(a: Float64Array, r: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let j = 0; j < c; j++) for (let i = 0; i < r; i++) out[j + i * c] = a[i + j * r];
  return out;
}

/**
 * Least squares min ‖y − X b‖ by Householder QR (as R's lm.fit / glm.fit do). X is column-major n × p;
 * returns b, or null when X has a (numerically) zero column after the earlier ones are projected out.
 */
export function lstsq(x: Float64Array, y: Float64Array, n: number, p: number): Float64Array | null {
  const a = x.slice(0, n * p);
  const r = y.slice(0, n);
  const diag = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    let norm = 0;
    for (let i = k; i < n; i++) norm += a[i + k * n] * a[i + k * n];
    norm = Math.sqrt(norm);
    let colNorm0 = 0;
    for (let i = 0; i < n; i++) colNorm0 += x[i + k * n] * x[i + k * n];
    if (norm <= 1e-7 * Math.sqrt(colNorm0) || norm === 0) return null;
    const alpha = a[k + k * n] > 0 ? -norm : norm;
    // v = a_k − alpha e_k, stored in place; H = I − 2 v vᵀ / vᵀv
    a[k + k * n] -= alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += a[i + k * n] * a[i + k * n];
    for (let j = k + 1; j < p; j++) {
      let s = 0;
      for (let i = k; i < n; i++) s += a[i + k * n] * a[i + j * n];
      const f = (2 * s) / vv;
      for (let i = k; i < n; i++) a[i + j * n] -= f * a[i + k * n];
    }
    let s = 0;
    for (let i = k; i < n; i++) s += a[i + k * n] * r[i];
    const f = (2 * s) / vv;
    for (let i = k; i < n; i++) r[i] -= f * a[i + k * n];
    diag[k] = alpha;
  }
  const b = new Float64Array(p);
  for (let k = p - 1; k >= 0; k--) {
    let s = r[k];
    for (let j = k + 1; j < p; j++) s -= a[k + j * n] * b[j];
    b[k] = s / diag[k];
  }
  return b;
}
