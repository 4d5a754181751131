// Dense kernels on column-major Float64Array matrices (element (i, j) at a[i + j*ld]).
// Only the lower triangle of symmetric matrices is read or written.

/**
 * In-place lower Cholesky factor of the n×n symmetric matrix in a (leading dimension ld).
 * Blocked left-looking: panels of NB columns are updated by earlier panels with a rank-NB kernel
 * whose inner loop runs down contiguous columns. Returns -1 on success, or the index of the first
 * non-positive pivot (the factor is then incomplete).
 */
export function cholLower(a: Float64Array, n: number, ld = n, off = 0): number {
  const NB = 64;
  for (let k0 = 0; k0 < n; k0 += NB) {
    const k1 = Math.min(k0 + NB, n);
    // 1. update panel columns k0..k1-1 (rows k0..n-1) by the already factored columns 0..k0-1
    if (k0 > 0) syrkPanel(a, n, ld, off, k0, k1);
    // 2. factor the panel itself, unblocked, right-looking inside the panel
    for (let j = k0; j < k1; j++) {
      const cj = off + j * ld;
      let d = a[cj + j];
      if (!(d > 0)) return j;
      d = Math.sqrt(d);
      a[cj + j] = d;
      const inv = 1 / d;
      for (let i = j + 1; i < n; i++) a[cj + i] *= inv;
      // rank-1 update of the remaining panel columns
      for (let k = j + 1; k < k1; k++) {
        const ck = off + k * ld;
        const f = a[cj + k];
        if (f !== 0) for (let i = k; i < n; i++) a[ck + i] -= f * a[cj + i];
      }
    }
  }
  return -1;
}

/** a[k0:n, k0:k1] -= L[k0:n, 0:k0] · L[k0:k1, 0:k0]ᵀ (lower part of the panel only) */
const RB = 128;
function syrkPanel(a: Float64Array, n: number, ld: number, off: number, k0: number, k1: number): void {
  // 4 target columns × 4 source columns per pass: 32 flops per 4 loads + 4 load/stores
  let j = k0;
  for (; j + 3 < k1; j += 4) {
    const t0 = off + j * ld, t1 = t0 + ld, t2 = t1 + ld, t3 = t2 + ld;
    for (let p = 0; p + 3 < k0; p += 4) {
      const c0 = off + p * ld, c1 = c0 + ld, c2 = c1 + ld, c3 = c2 + ld;
      const f00 = a[c0 + j], f01 = a[c1 + j], f02 = a[c2 + j], f03 = a[c3 + j];
      const f10 = a[c0 + j + 1], f11 = a[c1 + j + 1], f12 = a[c2 + j + 1], f13 = a[c3 + j + 1];
      const f20 = a[c0 + j + 2], f21 = a[c1 + j + 2], f22 = a[c2 + j + 2], f23 = a[c3 + j + 2];
      const f30 = a[c0 + j + 3], f31 = a[c1 + j + 3], f32 = a[c2 + j + 3], f33 = a[c3 + j + 3];
      // the 4×4 diagonal corner (lower part only)
      for (let i = j; i < j + 4; i++) {
        const x0 = a[c0 + i], x1 = a[c1 + i], x2 = a[c2 + i], x3 = a[c3 + i];
        a[t0 + i] -= f00 * x0 + f01 * x1 + f02 * x2 + f03 * x3;
        if (i >= j + 1) a[t1 + i] -= f10 * x0 + f11 * x1 + f12 * x2 + f13 * x3;
        if (i >= j + 2) a[t2 + i] -= f20 * x0 + f21 * x1 + f22 * x2 + f23 * x3;
        if (i >= j + 3) a[t3 + i] -= f30 * x0 + f31 * x1 + f32 * x2 + f33 * x3;
      }
    }
    // the rest of the rows, in row blocks so that the source rows stay in cache across p
    for (let ib = j + 4; ib < n; ib += RB) {
      const ie = Math.min(ib + RB, n);
      for (let p = 0; p + 3 < k0; p += 4) {
        const c0 = off + p * ld, c1 = c0 + ld, c2 = c1 + ld, c3 = c2 + ld;
        const f00 = a[c0 + j], f01 = a[c1 + j], f02 = a[c2 + j], f03 = a[c3 + j];
        const f10 = a[c0 + j + 1], f11 = a[c1 + j + 1], f12 = a[c2 + j + 1], f13 = a[c3 + j + 1];
        const f20 = a[c0 + j + 2], f21 = a[c1 + j + 2], f22 = a[c2 + j + 2], f23 = a[c3 + j + 2];
        const f30 = a[c0 + j + 3], f31 = a[c1 + j + 3], f32 = a[c2 + j + 3], f33 = a[c3 + j + 3];
        for (let i = ib; i < ie; i++) {
          const x0 = a[c0 + i], x1 = a[c1 + i], x2 = a[c2 + i], x3 = a[c3 + i];
          a[t0 + i] -= f00 * x0 + f01 * x1 + f02 * x2 + f03 * x3;
          a[t1 + i] -= f10 * x0 + f11 * x1 + f12 * x2 + f13 * x3;
          a[t2 + i] -= f20 * x0 + f21 * x1 + f22 * x2 + f23 * x3;
          a[t3 + i] -= f30 * x0 + f31 * x1 + f32 * x2 + f33 * x3;
        }
      }
    }
    let p = k0 - (k0 % 4);
    for (; p < k0; p++) {
      const c0 = off + p * ld;
      const f0 = a[c0 + j], f1 = a[c0 + j + 1], f2 = a[c0 + j + 2], f3 = a[c0 + j + 3];
      for (let i = j; i < n; i++) {
        const x = a[c0 + i];
        a[t0 + i] -= f0 * x;
        if (i >= j + 1) a[t1 + i] -= f1 * x;
        if (i >= j + 2) a[t2 + i] -= f2 * x;
        if (i >= j + 3) a[t3 + i] -= f3 * x;
      }
    }
  }
  // remaining panel columns one at a time
  for (; j < k1; j++) {
    const t0 = off + j * ld;
    for (let p = 0; p < k0; p++) {
      const c0 = off + p * ld;
      const f0 = a[c0 + j];
      if (f0 !== 0) for (let i = j; i < n; i++) a[t0 + i] -= f0 * a[c0 + i];
    }
  }
}

/** Solve L x = b in place (L lower triangular n×n, column-major). */
export function solveLower(l: Float64Array, n: number, b: Float64Array, ld = n, off = 0): void {
  for (let j = 0; j < n; j++) {
    const cj = off + j * ld;
    const x = (b[j] /= l[cj + j]);
    if (x !== 0) for (let i = j + 1; i < n; i++) b[i] -= l[cj + i] * x;
  }
}

/** Solve Lᵀ x = b in place. */
export function solveLowerT(l: Float64Array, n: number, b: Float64Array, ld = n, off = 0): void {
  for (let j = n - 1; j >= 0; j--) {
    const cj = off + j * ld;
    let s = b[j];
    for (let i = j + 1; i < n; i++) s -= l[cj + i] * b[i];
    b[j] = s / l[cj + j];
  }
}

/** Inverse of a symmetric positive definite matrix from its lower Cholesky factor: (L Lᵀ)⁻¹, full n×n. */
export function cholInverse(l: Float64Array, n: number, ld = n, off = 0): Float64Array {
  const out = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    solveLower(l, n, e, ld, off);
    solveLowerT(l, n, e, ld, off);
    for (let i = 0; i < n; i++) out[i + j * n] = e[i];
  }
  return out;
}

/** Copy the lower triangle of a symmetric matrix into the upper one. */
export function symmetrize(a: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) for (let i = j + 1; i < n; i++) a[j + i * n] = a[i + j * n];
}

/** Invert a small symmetric positive definite matrix (returns null if not positive definite). */
export function invSPD(a: Float64Array, n: number): Float64Array | null {
  const l = Float64Array.from(a);
  if (cholLower(l, n) >= 0) return null;
  return cholInverse(l, n);
}

/**
 * Inverse of the leading k×k block of a lower-triangular matrix L (leading dimension ld), as a
 * k×k column-major lower-triangular matrix: column by column forward substitution (k³/6 flops).
 */
export function lowerInverse(L: Float64Array, ld: number, k: number): Float64Array {
  const inv = new Float64Array(k * k);
  for (let j = 0; j < k; j++) {
    const cj = j * k;
    inv[cj + j] = 1;
    for (let c = j; c < k; c++) {
      const x = (inv[cj + c] /= L[c + c * ld]);
      if (x === 0) continue;
      const lc = c * ld;
      for (let i = c + 1; i < k; i++) inv[cj + i] -= L[lc + i] * x;
    }
  }
  return inv;
}
