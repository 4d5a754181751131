// The GLMM is optimized, and its Hessian taken, in an internally standardized fixed-effects
// parametrization: every column but the intercept scaled to unit root mean square, and centred
// first when its mean is far from zero and the model has an intercept. η = X̃β̃ = Xβ, so the likelihood is unchanged; β = Tβ̃ and Var(β) = T Var(β̃) Tᵀ.
// Predictors on scales 1e-3…1e4 (or a covariate near 2000 beside the intercept) otherwise leave a
// Hessian whose finite differences lose digits and an optimizer that crawls along a ridge.
import type { ModelStructure } from "../formula/types.js";
import { pnormUpper } from "../families/special.js";
import type { FittedGLMM, FixefRow } from "./glmm.js";

export interface FixedScaling {
  readonly ms: ModelStructure;
  /** p × p column-major: β = T β̃ */
  readonly T: Float64Array;
}

/** The standardized model structure, or null when X is already standard (nothing to gain). */
export function standardizeFixed(ms: ModelStructure): FixedScaling | null {
  const { n, p, X } = ms;
  if (p === 0 || n < 2) return null;
  let icpt = -1;
  for (let j = 0; j < p && icpt < 0; j++) {
    let ones = true;
    for (let i = 0; i < n && ones; i++) ones = X[i + j * n] === 1;
    if (ones) icpt = j;
  }
  const T = new Float64Array(p * p);
  const Xt = new Float64Array(n * p);
  let changed = false;
  for (let j = 0; j < p; j++) {
    T[j + j * p] = 1;
    const col = X.subarray(j * n, (j + 1) * n);
    if (j === icpt) { Xt.set(col, j * n); continue; }
    let m = 0;
    for (let i = 0; i < n; i++) m += col[i];
    m /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (col[i] - m) * (col[i] - m);
    const sd = Math.sqrt(ss / (n - 1));
    // centre only a column far from centred (a covariate near 2000 beside the intercept): centring
    // a rare dummy would mix it into the intercept, and under separation the Fisher information of
    // that mixture is a difference of nearly equal numbers
    const c = icpt >= 0 && Math.abs(m) > 3 * sd ? m : 0;
    const s = c === 0 ? Math.sqrt((ss + n * m * m) / (n - 1)) : sd;
    if (!(s > 0) || !Number.isFinite(s)) { Xt.set(col, j * n); continue; }
    for (let i = 0; i < n; i++) Xt[i + j * n] = (col[i] - c) / s;
    // β_j = β̃_j / s, β_icpt = β̃_icpt − Σ_j β̃_j c_j / s_j
    T[j + j * p] = 1 / s;
    if (icpt >= 0) T[icpt + j * p] = -c / s;
    if (Math.abs(c) > 1e-12 * s || Math.abs(s - 1) > 1e-12) changed = true;
  }
  return changed ? { ms: { ...ms, X: Xt }, T } : null;
}

/** The fit in the original parametrization: β = Tβ̃, V = T Ṽ Tᵀ (diverging terms stay NA). */
export function unstandardizeFit(f: FittedGLMM, T: Float64Array): FittedGLMM {
  const p = f.beta.length;
  const beta = new Float64Array(p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) beta[a] += T[a + b * p] * f.beta[b];
  const div = f.diverging.map((name) => f.xnames.indexOf(name));
  const vcov = transformed(f.vcov, T, p, div);
  // the joint covariance with the zi / dispersion coefficients: T on its β block, identity beyond
  const vcovJoint = f.vcovJoint ? transformed(f.vcovJoint, T, p, div) : undefined;
  const fixef: FixefRow[] = f.fixef.map((r, j) => {
    const se = Math.sqrt(vcov[j + j * p]);
    const z = beta[j] / se;
    return { ...r, estimate: beta[j], se, statistic: z, p: 2 * pnormUpper(Math.abs(z)) };
  });
  return { ...f, beta, vcov, fixef, ...(vcovJoint ? { vcovJoint } : {}) };
}

/**
 * U V Uᵀ for the K × K covariance V with U = diag(T, I) (T: p × p on the first p coordinates);
 * a diverging coordinate is held fixed (no variance to the others) and stays NA, as does one
 * without a variance.
 */
function transformed(V: Float64Array, T: Float64Array, p: number, div: readonly number[]): Float64Array {
  const K = Math.round(Math.sqrt(V.length));
  const U = (a: number, c: number) => (a < p && c < p ? T[a + c * p] : a === c ? 1 : 0);
  const Vt = V.map((v, k) => (div.includes(k % K) || div.includes(Math.floor(k / K)) || !Number.isFinite(v) ? 0 : v));
  const UV = new Float64Array(K * K);
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) {
    let acc = 0;
    for (let c = 0; c < K; c++) acc += U(a, c) * Vt[c + b * K];
    UV[a + b * K] = acc;
  }
  const out = new Float64Array(K * K);
  for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) {
    let acc = 0;
    for (let c = 0; c < K; c++) acc += UV[a + c * K] * U(b, c);
    out[a + b * K] = div.includes(a) || div.includes(b) || !Number.isFinite(V[a + a * K]) || !Number.isFinite(V[b + b * K]) ? NaN : acc;
  }
  return out;
}
