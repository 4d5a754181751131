// Dense kernels on column-major Float64Array matrices (element (i, j) at a[i + j*ld]).
// Only the lower triangle of symmetric matrices is read or written.

/**
 * In-place lower Cholesky factor of the n×n symmetric matrix in a (leading dimension ld).
 * Blocked left-looking: panels of NB columns are updated by earlier panels with a rank-NB kernel
 * whose inner loop runs down contiguous columns. Returns -1 on success, or the index of the first
 * non-positive pivot (the factor is then incomplete).
 * With ncols < n only the first ncols columns of the n × ncols trapezoid are factored (a supernode's
 * panel: its diagonal block and, in the same pass, the rows below it, L21 = A21 L11⁻ᵀ).
 */
export function cholLower(a: Float64Array, n: number, ld = n, off = 0, ncols = n): number {
  const NB = 64;
  for (let k0 = 0; k0 < ncols; k0 += NB) {
    const k1 = Math.min(k0 + NB, ncols);
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
    // the rest of the rows
    sub4Columns(a, t0, ld, j + 4, n, a, off, ld, k0 - (k0 % 4), a, off + j, ld, 1);
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

/**
 * C[offC + i + jj*ldc] −= Σ_{c<k4} A[offA + i + c*lda] · B[offB + c*bc + jj*bj] for the rows i in
 * [i0, i1) of exactly 4 columns jj, k4 a multiple of 4: 16 coefficients of B held in registers
 * while the rows stream by (32 flops per 4 loads and 4 load/stores), in row blocks of RB so that
 * A's rows stay in cache across c.
 */
function sub4Columns(
  C: Float64Array, offC: number, ldc: number, i0: number, i1: number,
  A: Float64Array, offA: number, lda: number, k4: number, B: Float64Array, offB: number, bc: number, bj: number,
): void {
  const t0 = offC, t1 = t0 + ldc, t2 = t1 + ldc, t3 = t2 + ldc;
  for (let ib = i0; ib < i1; ib += RB) {
    const ie = Math.min(ib + RB, i1);
    for (let p = 0; p < k4; p += 4) {
      const c0 = offA + p * lda, c1 = c0 + lda, c2 = c1 + lda, c3 = c2 + lda;
      const b0 = offB + p * bc, b1 = b0 + bc, b2 = b1 + bc, b3 = b2 + bc;
      const f00 = B[b0], f01 = B[b1], f02 = B[b2], f03 = B[b3];
      const f10 = B[b0 + bj], f11 = B[b1 + bj], f12 = B[b2 + bj], f13 = B[b3 + bj];
      const f20 = B[b0 + 2 * bj], f21 = B[b1 + 2 * bj], f22 = B[b2 + 2 * bj], f23 = B[b3 + 2 * bj];
      const f30 = B[b0 + 3 * bj], f31 = B[b1 + 3 * bj], f32 = B[b2 + 3 * bj], f33 = B[b3 + 3 * bj];
      for (let i = ib; i < ie; i++) {
        const x0 = A[c0 + i], x1 = A[c1 + i], x2 = A[c2 + i], x3 = A[c3 + i];
        C[t0 + i] -= f00 * x0 + f01 * x1 + f02 * x2 + f03 * x3;
        C[t1 + i] -= f10 * x0 + f11 * x1 + f12 * x2 + f13 * x3;
        C[t2 + i] -= f20 * x0 + f21 * x1 + f22 * x2 + f23 * x3;
        C[t3 + i] -= f30 * x0 + f31 * x1 + f32 * x2 + f33 * x3;
      }
    }
  }
}

/**
 * C −= A·B (A m×k at A[offA + i + c*lda], B k×n at B[offB + c + j*ldb], C at C[offC + i + j*ldc]):
 * the rank-4 column kernel of the dense Cholesky for the bulk, gemmAcc for the edges. Suits a
 * tall A (m large) times a narrow B.
 */
export function gemmSubNN(m: number, n: number, k: number, A: Float64Array, offA: number, lda: number, B: Float64Array, offB: number, ldb: number, C: Float64Array, offC: number, ldc: number): void {
  const n4 = n - (n % 4), k4 = k - (k % 4);
  for (let j = 0; j < n4; j += 4) sub4Columns(C, offC + j * ldc, ldc, 0, m, A, offA, lda, k4, B, offB + j * ldb, 1, ldb);
  if (k4 < k && n4 > 0) gemmAcc(false, false, m, n4, k - k4, -1, A, offA + k4 * lda, lda, B, offB + k4, ldb, C, offC, ldc);
  if (n4 < n) gemmAcc(false, false, m, n - n4, k, -1, A, offA, lda, B, offB + n4 * ldb, ldb, C, offC + n4 * ldc, ldc);
}

/**
 * C[i, j] −= Σ_c A[i, c] A[j, c] for j < m1 and j ≤ i < m2 (A at A[offA + i + c*lda], k columns;
 * C at C[offC + i + j*ldc]), C's upper part untouched: the supernodal update of a descendant's rows
 * (the first m1 of them in the target's columns). The rows below each 4-column corner go through
 * the rank-4 column kernel, the corners and edges through gemmAcc.
 */
export function syrkSubNT(m2: number, m1: number, k: number, A: Float64Array, offA: number, lda: number, C: Float64Array, offC: number, ldc: number): void {
  const k4 = k - (k % 4), m14 = m1 - (m1 % 4);
  for (let j = 0; j < m14; j += 4) {
    gemmAcc(false, true, 4, 4, k, -1, A, offA + j, lda, A, offA + j, lda, C, offC + j + j * ldc, ldc, LOWER_ONLY);
    const below = m2 - j - 4;
    if (below <= 0) continue;
    sub4Columns(C, offC + j * ldc, ldc, j + 4, m2, A, offA, lda, k4, A, offA + j, lda, 1);
    if (k4 < k) gemmAcc(false, true, below, 4, k - k4, -1, A, offA + j + 4 + k4 * lda, lda, A, offA + j + k4 * lda, lda, C, offC + j + 4 + j * ldc, ldc);
  }
  if (m14 < m1) gemmAcc(false, true, m2 - m14, m1 - m14, k, -1, A, offA + m14, lda, A, offA + m14, lda, C, offC + m14 + m14 * ldc, ldc, LOWER_ONLY);
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
 * k×k column-major lower-triangular matrix X (k³/6 flops). Blocked forward substitution L X = I by
 * block columns of width 64: the off-diagonal updates X[I,J] −= L[I,K]·X[K,J] run through a
 * register-blocked (4×4) matrix-product kernel, the small diagonal solves unblocked.
 */
export function lowerInverse(L: Float64Array, ld: number, k: number): Float64Array {
  const NB = 64;
  const X = new Float64Array(k * k);
  for (let j0 = 0; j0 < k; j0 += NB) {
    const j1 = Math.min(j0 + NB, k);
    // block rows I = [i0, i1) from the diagonal block down
    for (let i0 = j0; i0 < k; i0 += NB) {
      const i1 = Math.min(i0 + NB, k);
      // R = δ − Σ_{c ∈ [j0, i0)} L[I, c] X[c, J]  (written straight into X[I, J])
      if (i0 === j0) for (let j = j0; j < j1; j++) X[j + j * k] = 1;
      else gemmSub(X, k, i0, i1, j0, j1, L, ld, j0, i0);
      // solve L[I, I] X[I, J] = R, column by column of J
      for (let j = j0; j < j1; j++) {
        const xj = j * k;
        for (let c = Math.max(i0, j); c < i1; c++) {
          const v = (X[xj + c] /= L[c + c * ld]);
          if (v === 0) continue;
          const lc = c * ld;
          for (let i = c + 1; i < i1; i++) X[xj + i] -= L[lc + i] * v;
        }
      }
    }
  }
  return X;
}

/** X[i0:i1, j0:j1] −= L[i0:i1, c0:c1] · X[c0:c1, j0:j1] (X column-major with leading dimension k) */
function gemmSub(X: Float64Array, k: number, i0: number, i1: number, j0: number, j1: number, L: Float64Array, ld: number, c0: number, c1: number): void {
  let j = j0;
  for (; j + 3 < j1; j += 4) {
    const x0 = j * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k;
    let i = i0;
    for (; i + 3 < i1; i += 4) {
      let a00 = 0, a01 = 0, a02 = 0, a03 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0;
      let a20 = 0, a21 = 0, a22 = 0, a23 = 0, a30 = 0, a31 = 0, a32 = 0, a33 = 0;
      // X[c, J] is zero above the diagonal of its block column: start at max(c0, j)
      for (let c = Math.max(c0, j); c < c1; c++) {
        const lc = c * ld + i;
        const l0 = L[lc], l1 = L[lc + 1], l2 = L[lc + 2], l3 = L[lc + 3];
        const b0 = X[x0 + c], b1 = X[x1 + c], b2 = X[x2 + c], b3 = X[x3 + c];
        a00 += l0 * b0; a01 += l0 * b1; a02 += l0 * b2; a03 += l0 * b3;
        a10 += l1 * b0; a11 += l1 * b1; a12 += l1 * b2; a13 += l1 * b3;
        a20 += l2 * b0; a21 += l2 * b1; a22 += l2 * b2; a23 += l2 * b3;
        a30 += l3 * b0; a31 += l3 * b1; a32 += l3 * b2; a33 += l3 * b3;
      }
      X[x0 + i] -= a00; X[x1 + i] -= a01; X[x2 + i] -= a02; X[x3 + i] -= a03;
      X[x0 + i + 1] -= a10; X[x1 + i + 1] -= a11; X[x2 + i + 1] -= a12; X[x3 + i + 1] -= a13;
      X[x0 + i + 2] -= a20; X[x1 + i + 2] -= a21; X[x2 + i + 2] -= a22; X[x3 + i + 2] -= a23;
      X[x0 + i + 3] -= a30; X[x1 + i + 3] -= a31; X[x2 + i + 3] -= a32; X[x3 + i + 3] -= a33;
    }
    for (; i < i1; i++)
      for (let jj = j; jj < j + 4; jj++) {
        let a = 0;
        for (let c = Math.max(c0, jj); c < c1; c++) a += L[c * ld + i] * X[jj * k + c];
        X[jj * k + i] -= a;
      }
  }
  for (; j < j1; j++)
    for (let i = i0; i < i1; i++) {
      let a = 0;
      for (let c = Math.max(c0, j); c < c1; c++) a += L[c * ld + i] * X[j * k + c];
      X[j * k + i] -= a;
    }
}

/**
 * M (lower, m×m) −= A Aᵀ for A dense m × k column-major; 4×4 blocks accumulate over k in registers.
 * With `upper`, A is known to be upper triangular (A[i, c] = 0 for c < i) and the sums start at
 * c = i, a third of the work.
 */
export function syrkLowerSub(M: Float64Array, m: number, A: Float64Array, k: number, upper = false): void {
  let j = 0;
  for (; j + 3 < m; j += 4) {
    for (let i = j; i < m; i += 4) {
      if (i + 3 >= m) break;
      let c00 = 0, c10 = 0, c20 = 0, c30 = 0, c01 = 0, c11 = 0, c21 = 0, c31 = 0;
      let c02 = 0, c12 = 0, c22 = 0, c32 = 0, c03 = 0, c13 = 0, c23 = 0, c33 = 0;
      for (let c = upper ? i : 0; c < k; c++) {
        const o = c * m;
        const a0 = A[o + i], a1 = A[o + i + 1], a2 = A[o + i + 2], a3 = A[o + i + 3];
        const b0 = A[o + j], b1 = A[o + j + 1], b2 = A[o + j + 2], b3 = A[o + j + 3];
        c00 += a0 * b0; c10 += a1 * b0; c20 += a2 * b0; c30 += a3 * b0;
        c01 += a0 * b1; c11 += a1 * b1; c21 += a2 * b1; c31 += a3 * b1;
        c02 += a0 * b2; c12 += a1 * b2; c22 += a2 * b2; c32 += a3 * b2;
        c03 += a0 * b3; c13 += a1 * b3; c23 += a2 * b3; c33 += a3 * b3;
      }
      const cs = [c00, c10, c20, c30, c01, c11, c21, c31, c02, c12, c22, c32, c03, c13, c23, c33];
      for (let jj = 0; jj < 4; jj++)
        for (let ii = 0; ii < 4; ii++) if (i + ii >= j + jj) M[i + ii + (j + jj) * m] -= cs[ii + 4 * jj];
    }
    // rows left over at the bottom of this column block
    for (let i = m - ((m - j) % 4 === 0 ? 0 : (m - j) % 4); i < m; i++)
      for (let jj = j; jj < j + 4 && jj <= i; jj++) {
        let acc = 0;
        for (let c = upper ? i : 0; c < k; c++) acc += A[c * m + i] * A[c * m + jj];
        M[i + jj * m] -= acc;
      }
  }
  for (; j < m; j++)
    for (let i = j; i < m; i++) {
      let acc = 0;
      for (let c = upper ? i : 0; c < k; c++) acc += A[c * m + i] * A[c * m + j];
      M[i + j * m] -= acc;
    }
}


const LOWER_ONLY: GemmShape = { lowerOnly: true };

/** Where a tile's sum over c may start / what part of C to compute, for triangular operands. */
export interface GemmShape {
  /** B is lower triangular (B[c, j] = 0 for c < j) */
  bLower?: boolean;
  /** op(A) is upper triangular (op(A)[i, c] = 0 for c < i) */
  aUpper?: boolean;
  /** compute only C's lower triangle (diagonal included): C symmetric, its upper part not touched */
  lowerOnly?: boolean;
}

/**
 * C[offC + i + j*ldc] += alpha · Σ_c op(A)[i, c] · op(B)[c, j] for i < m, j < n, c < k; op(A) is
 * A (A[offA + i + c*lda]) or, with transA, Aᵀ (A[offA + c + i*lda]); op(B) is B (B[offB + c + j*ldb])
 * or, with transB, Bᵀ (B[offB + j + c*ldb]). 3×3 register tiles (9 accumulators and 6 operands
 * fit the 16 SIMD registers of x86-64, where 4×4 tiles spill); `shape` skips the zero parts of
 * triangular operands.
 */
export function gemmAcc(
  transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
  A: Float64Array, offA: number, lda: number, B: Float64Array, offB: number, ldb: number,
  C: Float64Array, offC: number, ldc: number, shape: GemmShape = {},
): void {
  const bLower = !!shape.bLower, aUpper = !!shape.aUpper, lowerOnly = !!shape.lowerOnly;
  // op(A)[i, c] at offA + i*ai + c*ac, op(B)[c, j] at offB + c*bc + j*bj
  const ai = transA ? lda : 1, ac = transA ? 1 : lda, bc = transB ? ldb : 1, bj = transB ? 1 : ldb;
  // i outer: op(A)'s three rows stay in cache while they meet every column of op(B)
  for (let i = 0; i < m; i += 3) {
    const mi = Math.min(3, m - i);
    for (let j = 0; j < n && (!lowerOnly || j <= i); j += 3) {
      const nj = Math.min(3, n - j);
      const c0 = Math.max(bLower ? j : 0, aUpper ? i : 0);
      if (mi === 3 && nj === 3) {
        let c00 = 0, c10 = 0, c20 = 0, c01 = 0, c11 = 0, c21 = 0, c02 = 0, c12 = 0, c22 = 0;
        const a0 = offA + i * ai, a1 = a0 + ai, a2 = a1 + ai;
        const b0 = offB + j * bj, b1 = b0 + bj, b2 = b1 + bj;
        for (let c = c0; c < k; c++) {
          const oa = c * ac, ob = c * bc;
          const x0 = A[a0 + oa], x1 = A[a1 + oa], x2 = A[a2 + oa];
          const y0 = B[b0 + ob], y1 = B[b1 + ob], y2 = B[b2 + ob];
          c00 += x0 * y0; c10 += x1 * y0; c20 += x2 * y0;
          c01 += x0 * y1; c11 += x1 * y1; c21 += x2 * y1;
          c02 += x0 * y2; c12 += x1 * y2; c22 += x2 * y2;
        }
        const o0 = offC + i + j * ldc, o1 = o0 + ldc, o2 = o1 + ldc;
        const diag = lowerOnly && i === j; // a diagonal tile: leave C's upper part alone
        C[o0] += alpha * c00; C[o0 + 1] += alpha * c10; C[o0 + 2] += alpha * c20;
        if (!diag) C[o1] += alpha * c01;
        C[o1 + 1] += alpha * c11; C[o1 + 2] += alpha * c21;
        if (!diag) { C[o2] += alpha * c02; C[o2 + 1] += alpha * c12; }
        C[o2 + 2] += alpha * c22;
      } else {
        for (let jj = j; jj < j + nj; jj++)
          for (let ii = lowerOnly ? Math.max(i, jj) : i; ii < i + mi; ii++) {
            let s = 0;
            for (let c = c0; c < k; c++) s += A[offA + ii * ai + c * ac] * B[offB + c * bc + jj * bj];
            C[offC + ii + jj * ldc] += alpha * s;
          }
      }
    }
  }
}
