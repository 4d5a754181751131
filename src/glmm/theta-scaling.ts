// The GLMM optimizer works on the covariance factors of standardized random-effect columns.
// A random slope on a covariate far from zero (x ≈ 100 beside the intercept) or on a badly scaled
// one (SD 0.05 or 10) makes the intercept variance and the intercept–slope correlation nearly
// collinear: heading for a boundary (correlation ±1, a slope SD → 0) the optimizer crawls along
// that ridge (20,000 evaluations, several log-likelihood units short). With z̃ = A z, where A
// centres and scales the term's columns, z'b = z̃'b̃ for b = A'b̃, so Σ = A'Σ̃A: the likelihood is
// the same, and θ̃ (the Cholesky factor of Σ̃, lme4's layout) is what BOBYQA and Newton move.
// A rank-deficient Σ̃ maps to a rank-deficient Σ: the boundaries are the same sets.
import type { SysTerm } from "../lmm/reterms.js";

interface TermMap {
  readonly offset: number;
  readonly s: number;
  /** Σ = B Σ̃ Bᵀ with B = Aᵀ (s×s, column-major) */
  readonly toTheta: Float64Array;
  /** Σ̃ = C Σ Cᵀ with C = A⁻ᵀ */
  readonly fromTheta: Float64Array;
}

/** θ̃ ↔ θ for the terms that need it; the other entries pass through. */
export interface ThetaScaling {
  /** a copy of x whose first nth entries (θ̃) are replaced by θ */
  toTheta(x: Float64Array): Float64Array;
  /** a copy of x whose first nth entries (θ) are replaced by θ̃ */
  fromTheta(x: Float64Array): Float64Array;
}

/**
 * The standardized parametrization, or null when every unstructured vector term's columns are
 * already near centred and near unit scale (no gain; the optimizer's path is then unchanged).
 * A column is centred on its mean when the term has an intercept and |mean| > 3 SD (as the fixed
 * effects' standardization), and scaled to unit SD (centred) or root mean square; the term is
 * mapped when some column is centred or its scale lies outside [1/3, 3].
 */
export function standardizeRandom(terms: readonly SysTerm[]): ThetaScaling | null {
  const maps: TermMap[] = [];
  for (const t of terms) {
    const { s } = t;
    if (s < 2 || t.kind !== "us" || t.kfac || t.kprec || t.tree) continue;
    const z = t.term.z;
    const n = z.length / s;
    if (n < 2) continue;
    let icpt = -1;
    for (let j = 0; j < s && icpt < 0; j++) {
      let ones = true;
      for (let i = 0; i < n && ones; i++) ones = z[i * s + j] === 1;
      if (ones) icpt = j;
    }
    const c = new Float64Array(s), sc = new Float64Array(s).fill(1);
    let needed = false;
    for (let j = 0; j < s; j++) {
      if (j === icpt) continue;
      let m = 0;
      for (let i = 0; i < n; i++) m += z[i * s + j];
      m /= n;
      let ss = 0;
      for (let i = 0; i < n; i++) ss += (z[i * s + j] - m) ** 2;
      const sd = Math.sqrt(ss / (n - 1));
      const centre = icpt >= 0 && Math.abs(m) > 3 * sd;
      const scale = centre ? sd : Math.sqrt((ss + n * m * m) / (n - 1));
      if (!(scale > 0) || !Number.isFinite(scale)) continue;
      c[j] = centre ? m : 0;
      sc[j] = scale;
      if (centre || scale < 1 / 3 || scale > 3) needed = true;
    }
    if (!needed) continue;
    // A: z̃_j = (z_j − c_j z_icpt)/sc_j; A⁻¹: z_j = sc_j z̃_j + c_j z̃_icpt
    const B = new Float64Array(s * s), C = new Float64Array(s * s);
    const A = new Float64Array(s * s), Ainv = new Float64Array(s * s);
    for (let j = 0; j < s; j++) {
      A[j + j * s] = 1 / sc[j];
      Ainv[j + j * s] = sc[j];
      if (icpt >= 0 && j !== icpt) {
        A[j + icpt * s] = -c[j] / sc[j];
        Ainv[j + icpt * s] = c[j];
      }
    }
    // B = Aᵀ; C = (A⁻¹)ᵀ
    for (let r = 0; r < s; r++) for (let q = 0; q < s; q++) { B[r + q * s] = A[q + r * s]; C[r + q * s] = Ainv[q + r * s]; }
    maps.push({ offset: t.thetaOffset, s, toTheta: B, fromTheta: C });
  }
  if (maps.length === 0) return null;
  const apply = (x: Float64Array, pick: (m: TermMap) => Float64Array) => {
    const y = Float64Array.from(x);
    for (const m of maps) transformFactor(x, y, m.offset, m.s, pick(m));
    return y;
  };
  return { toTheta: (x) => apply(x, (m) => m.toTheta), fromTheta: (x) => apply(x, (m) => m.fromTheta) };
}

/**
 * y[offset…] = the lower Cholesky factor (lme4's θ layout, diagonal ≥ 0) of B L Lᵀ Bᵀ, where L is
 * the factor held in x[offset…]: from the QR decomposition of (BL)ᵀ = QR, B L Lᵀ Bᵀ = RᵀR. A
 * Householder QR keeps a rank-deficient factor rank-deficient (no Cholesky of a singular matrix).
 */
function transformFactor(x: Float64Array, y: Float64Array, offset: number, s: number, B: Float64Array): void {
  const L = new Float64Array(s * s);
  for (let c = 0, k = offset; c < s; c++) for (let r = c; r < s; r++) L[r + c * s] = x[k++];
  // W = (B L)ᵀ, s×s column-major: W[a, b] = (BL)[b, a]
  const W = new Float64Array(s * s);
  for (let a = 0; a < s; a++)
    for (let b = 0; b < s; b++) {
      let acc = 0;
      for (let q = a; q < s; q++) acc += B[b + q * s] * L[q + a * s];
      W[a + b * s] = acc;
    }
  // Householder QR of W in place: R in the upper triangle
  const v = new Float64Array(s);
  for (let k = 0; k < s - 1; k++) {
    let norm = 0;
    for (let i = k; i < s; i++) norm += W[i + k * s] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const alpha = W[k + k * s] > 0 ? -norm : norm;
    for (let i = k; i < s; i++) v[i] = W[i + k * s];
    v[k] -= alpha;
    let vv = 0;
    for (let i = k; i < s; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    for (let j = k; j < s; j++) {
      let d = 0;
      for (let i = k; i < s; i++) d += v[i] * W[i + j * s];
      const f = (2 * d) / vv;
      for (let i = k; i < s; i++) W[i + j * s] -= f * v[i];
    }
    for (let i = k + 1; i < s; i++) W[i + k * s] = 0;
  }
  // L' = Rᵀ with each column's sign making its diagonal non-negative
  for (let c = 0, k = offset; c < s; c++) {
    const sign = W[c + c * s] < 0 ? -1 : 1;
    for (let r = c; r < s; r++) y[k++] = sign * W[c + r * s];
  }
}
