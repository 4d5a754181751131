// Householder QR with R's limited column pivoting (LINPACK dqrdc2, what R's qr() uses by default):
// columns are processed left to right; a column whose remaining norm has fallen below tol times
// its original norm is moved to the right edge. The first `rank` pivoted columns are therefore
// the leading linearly independent columns in their original order, and the moved ones are the
// columns lme4 drops from a rank-deficient fixed-effects matrix.

/** A column-pivoted QR factorization with its numerical rank. */
export interface PivotedQR {
  /** column-major n × p: R in the upper triangle, Householder vectors below (LINPACK layout) */
  readonly qr: Float64Array;
  /** per column: the first element of the Householder vector (LINPACK's qraux) */
  readonly qraux: Float64Array;
  /** 0-based original column index of each pivoted column */
  readonly pivot: Int32Array;
  readonly rank: number;
}

function norm(a: Float64Array, from: number, to: number): number {
  // scaled to avoid overflow, like dnrm2
  let scale = 0, ssq = 1;
  for (let i = from; i < to; i++) {
    const v = a[i];
    if (v !== 0) {
      const av = Math.abs(v);
      // (r * r, not r ** 2: the same bits — pow's exponent-2 case is x * x — without a call per element
      // while this runs interpreted, as it does in every model build's rank check)
      if (scale < av) { const r = scale / av; ssq = 1 + ssq * (r * r); scale = av; } else { const r = av / scale; ssq += r * r; }
    }
  }
  return scale * Math.sqrt(ssq);
}

/**
 * Rank-revealing QR of the column-major n × p matrix `x` (not modified), tolerance as R's
 * qr(x, tol = 1e-7).
 */
export function rankRevealingQR(x: Float64Array, n: number, p: number, tol = 1e-7): PivotedQR {
  if (x.length !== n * p) throw new Error(`rankRevealingQR: expected ${n * p} values, got ${x.length}`);
  const a = Float64Array.from(x);
  const pivot = new Int32Array(p);
  const qraux = new Float64Array(p);
  const orig = new Float64Array(p); // original column norms (1 for zero columns, as dqrdc2)
  for (let j = 0; j < p; j++) {
    pivot[j] = j;
    const nj = norm(a, j * n, (j + 1) * n);
    qraux[j] = nj;
    orig[j] = nj === 0 ? 1 : nj;
  }
  const col = new Float64Array(n);
  const lup = Math.min(n, p);
  let k = p; // columns l..k-1 are still candidates; k..p-1 were moved as negligible
  for (let l = 0; l < lup; l++) {
    // cycle negligible columns to the right edge
    while (l < k && qraux[l] < orig[l] * tol) {
      col.set(a.subarray(l * n, (l + 1) * n));
      a.copyWithin(l * n, (l + 1) * n, p * n);
      a.set(col, (p - 1) * n);
      const pv = pivot[l], qa = qraux[l], on = orig[l];
      for (let j = l + 1; j < p; j++) { pivot[j - 1] = pivot[j]; qraux[j - 1] = qraux[j]; orig[j - 1] = orig[j]; }
      pivot[p - 1] = pv; qraux[p - 1] = qa; orig[p - 1] = on;
      k--;
    }
    if (l === n - 1) break;
    const cl = l * n;
    let nrmxl = norm(a, cl + l, cl + n);
    if (nrmxl === 0) continue;
    if (a[cl + l] !== 0) nrmxl = Math.sign(a[cl + l]) * Math.abs(nrmxl);
    for (let i = l; i < n; i++) a[cl + i] /= nrmxl;
    a[cl + l] += 1;
    for (let j = l + 1; j < p; j++) {
      const cj = j * n;
      let dot = 0;
      for (let i = l; i < n; i++) dot += a[cl + i] * a[cj + i];
      const t = -dot / a[cl + l];
      for (let i = l; i < n; i++) a[cj + i] += t * a[cl + i];
      // remaining norm of column j below row l (recomputed exactly rather than downdated)
      if (qraux[j] !== 0) qraux[j] = norm(a, cj + l + 1, cj + n);
    }
    qraux[l] = a[cl + l];
    a[cl + l] = -nrmxl;
  }
  const rank = Math.min(k, n);
  return { qr: a, qraux, pivot, rank };
}
