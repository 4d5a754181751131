// Eigen-decomposition of a symmetric tridiagonal matrix by the implicit QL method with Wilkinson
// shifts: the small (≤ a few hundred) Lanczos matrices of stochastic Lanczos quadrature.

/**
 * Eigenvalues of the symmetric tridiagonal T (diagonal `a`, off-diagonal `b`, b[i] = T[i+1, i])
 * and, per eigenvalue, the first component of its unit eigenvector (`first`), or the whole
 * eigenvectors (`vectors`, column-major m×m) when asked.
 */
export function tridiagEigen(a: ArrayLike<number>, b: ArrayLike<number>, m: number, wantVectors = false): { values: Float64Array; first: Float64Array; vectors: Float64Array | null } {
  const d = Float64Array.from({ length: m }, (_, i) => a[i]);
  const e = new Float64Array(m);
  for (let i = 0; i < m - 1; i++) e[i] = b[i];
  // Z holds the rows of the eigenvector matrix we need: only row 0 unless all are wanted
  const rows = wantVectors ? m : 1;
  const Z = new Float64Array(rows * m);
  if (wantVectors) for (let i = 0; i < m; i++) Z[i + i * m] = 1;
  else Z[0] = 1;
  for (let l = 0; l < m; l++) {
    let iter = 0;
    for (;;) {
      let mm = l;
      for (; mm < m - 1; mm++) {
        const dd = Math.abs(d[mm]) + Math.abs(d[mm + 1]);
        if (Math.abs(e[mm]) <= 1e-15 * dd) break;
      }
      if (mm === l) break;
      if (++iter > 60) throw new Error("tridiagEigen: no convergence");
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[mm] - d[l] + e[l] / (g + (g >= 0 ? Math.abs(r) : -Math.abs(r)));
      let s = 1, c = 1, p = 0;
      let i = mm - 1;
      for (; i >= l; i--) {
        let f = s * e[i];
        const bb = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[mm] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * bb;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - bb;
        // rotate columns i, i+1 of the eigenvector rows kept
        for (let k = 0; k < rows; k++) {
          f = Z[k + (i + 1) * rows];
          Z[k + (i + 1) * rows] = s * Z[k + i * rows] + c * f;
          Z[k + i * rows] = c * Z[k + i * rows] - s * f;
        }
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[mm] = 0;
    }
  }
  const first = new Float64Array(m);
  for (let j = 0; j < m; j++) first[j] = Z[j * rows];
  return { values: d, first, vectors: wantVectors ? Z : null };
}
