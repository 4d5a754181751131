import { cholLower, cholInverse } from "../linalg/dense.js";
// Finite-difference gradient and Hessian of a scalar function, with the same central scheme as
// lme4's deriv12 (step δ = 1e-4 scaled by max(|x|, 1)): 1 + 2k + k(k−1) evaluations.

export interface HessianResult {
  readonly gradient: Float64Array;
  /** k×k column-major */
  readonly hessian: Float64Array;
  readonly evaluations: number;
}

/** `zero(i, j)`: pairs whose cross derivative is known to vanish (separable coordinates): not evaluated. */
export function hessianFD(f: (x: Float64Array) => number, x0: ArrayLike<number>, _lower?: ArrayLike<number>, delta = 1e-4, steps?: ArrayLike<number>, zero?: (i: number, j: number) => boolean): HessianResult {
  const k = x0.length;
  const x = Float64Array.from(x0);
  const h = new Float64Array(k);
  for (let i = 0; i < k; i++) h[i] = steps ? steps[i] : delta * Math.max(Math.abs(x[i]), 1);
  const f0 = f(Float64Array.from(x));
  const fp = new Float64Array(k), fm = new Float64Array(k);
  const g = new Float64Array(k);
  const H = new Float64Array(k * k);
  let evals = 1;
  const at = (d: Array<[number, number]>) => {
    const y = Float64Array.from(x);
    for (const [i, s] of d) y[i] += s * h[i];
    evals++;
    return f(y);
  };
  for (let i = 0; i < k; i++) {
    fp[i] = at([[i, 1]]);
    fm[i] = at([[i, -1]]);
    g[i] = (fp[i] - fm[i]) / (2 * h[i]);
    H[i + i * k] = (fp[i] - 2 * f0 + fm[i]) / (h[i] * h[i]);
  }
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      if (zero?.(i, j)) continue;
      const fpp = at([[i, 1], [j, 1]]);
      const fmm = at([[i, -1], [j, -1]]);
      const v = (fpp - fp[i] - fp[j] + 2 * f0 - fm[i] - fm[j] + fmm) / (2 * h[i] * h[j]);
      H[i + j * k] = v;
      H[j + i * k] = v;
    }
  return { gradient: g, hessian: H, evaluations: evals };
}

/**
 * Forward-difference Hessian and gradient: 1 + k + k(k+1)/2 evaluations instead of hessianFD's
 * 1 + 2k + k(k−1) (45 instead of 73 for k = 8). H_ij = (f(x+h_i+h_j) − f(x+h_i) − f(x+h_j) + f(x))/(h_i h_j)
 * has an O(h) error, ~1e-4 relative with h = 1e-4·max(|x|, 1) — far below what standard errors
 * need — and the gradient is corrected to second order with the diagonal: g_i = Δ_i/h_i − H_ii h_i/2.
 * Steps go up only, so parameters on a lower bound stay feasible.
 */
export function hessianForward(f: (x: Float64Array) => number, x0: ArrayLike<number>, delta = 1e-4, hooks: EvaluationHooks = {}): HessianResult {
  const k = x0.length;
  const x = Float64Array.from(x0);
  const h = new Float64Array(k);
  for (let i = 0; i < k; i++) h[i] = delta * Math.max(Math.abs(x[i]), 1);
  const at = (i: number, j: number) => {
    const y = Float64Array.from(x);
    if (i >= 0) y[i] += h[i];
    if (j >= 0) y[j] += h[j];
    hooks.before?.(i, j);
    const v = f(y);
    hooks.after?.(i, j);
    return v;
  };
  const f0 = at(-1, -1);
  const fi = new Float64Array(k);
  for (let i = 0; i < k; i++) fi[i] = at(i, -1);
  const H = new Float64Array(k * k);
  for (let i = 0; i < k; i++)
    for (let j = i; j < k; j++) {
      const given = hooks.known?.(i, j);
      const v = given ?? (at(i, j) - fi[i] - fi[j] + f0) / (h[i] * h[j]);
      H[i + j * k] = v;
      H[j + i * k] = v;
    }
  const g = new Float64Array(k);
  for (let i = 0; i < k; i++) g[i] = (fi[i] - f0) / h[i] - (H[i + i * k] * h[i]) / 2;
  return { gradient: g, hessian: H, evaluations: 1 + k + (k * (k + 1)) / 2 };
}

/**
 * Called around each evaluation of hessianForward at x + h_i + h_j (i = −1: the base point;
 * j = −1: a single step) — for callers that warm-start an inner solve.
 */
export interface EvaluationHooks {
  before?(i: number, j: number): void;
  after?(i: number, j: number): void;
  /** an entry H_ij already known (e.g. approximated analytically): returned instead of differenced */
  known?(i: number, j: number): number | null;
}

/**
 * Hessian and gradient when the partial derivatives in a block of coordinates [b0, b0 + nb) are
 * known analytically (`grad`, read right after each f): at x and x + h_i (1 + k evaluations) the
 * block's gradient differences give every row and column of H that touches the block (the block
 * itself symmetrized by averaging), and only the pairs outside the block are differenced from f as
 * hessianForward does (r(r+1)/2 more for r such coordinates). Same steps and O(h) error as
 * hessianForward; the block's gradient is exact, the others corrected with the diagonal.
 * Options: `known`, the block's own nb×nb Hessian (e.g. approximated analytically): the steps inside
 * the block are skipped (1 + r + r(r+1)/2 evaluations); `f0`, f(x0) when the caller's last
 * evaluation was at x0 (its state current): not evaluated again.
 */
export function hessianGradient(f: (x: Float64Array) => number, grad: (out: Float64Array) => void, x0: ArrayLike<number>, b0: number, nb: number, opts: GradientHessianOptions = {}): HessianResult {
  const { delta = 1e-4, hooks = {}, known = null } = opts;
  const k = x0.length;
  const x = Float64Array.from(x0);
  const h = new Float64Array(k);
  for (let i = 0; i < k; i++) h[i] = delta * Math.max(Math.abs(x[i]), 1);
  const y = new Float64Array(k);
  let evals = 0;
  const at = (i: number, j: number, g: Float64Array | null) => {
    y.set(x);
    if (i >= 0) y[i] += h[i];
    if (j >= 0) y[j] += h[j];
    hooks.before?.(i, j);
    const v = i < 0 && opts.f0 !== undefined ? opts.f0 : (evals++, f(y));
    if (g) grad(g);
    hooks.after?.(i, j);
    return v;
  };
  const g0 = new Float64Array(nb);
  const f0 = at(-1, -1, g0);
  const fi = new Float64Array(k);
  const gi = new Float64Array(k * nb); // gradient of the block after a step in coordinate i
  const inBlock = (i: number) => i >= b0 && i < b0 + nb;
  for (let i = 0; i < k; i++) if (!(known && inBlock(i))) fi[i] = at(i, -1, gi.subarray(i * nb, (i + 1) * nb));
  const H = new Float64Array(k * k);
  // rows of the block: ∂g_a/∂x_i by forward differences
  for (let i = 0; i < k; i++)
    for (let a = 0; a < nb; a++) {
      if (known && inBlock(i)) {
        H[b0 + a + i * k] = known[a + (i - b0) * nb];
        continue;
      }
      const v = (gi[i * nb + a] - g0[a]) / h[i];
      H[b0 + a + i * k] = v;
      if (!inBlock(i)) H[i + (b0 + a) * k] = v;
    }
  for (let a = 0; a < nb && !known; a++)
    for (let b = a + 1; b < nb; b++) {
      const v = (H[b0 + a + (b0 + b) * k] + H[b0 + b + (b0 + a) * k]) / 2;
      H[b0 + a + (b0 + b) * k] = v;
      H[b0 + b + (b0 + a) * k] = v;
    }
  // pairs outside the block from f
  for (let i = 0; i < k; i++) {
    if (inBlock(i)) continue;
    for (let j = i; j < k; j++) {
      if (inBlock(j)) continue;
      const v = (at(i, j, null) - fi[i] - fi[j] + f0) / (h[i] * h[j]);
      H[i + j * k] = v;
      H[j + i * k] = v;
    }
  }
  const g = new Float64Array(k);
  for (let i = 0; i < k; i++) g[i] = inBlock(i) ? g0[i - b0] : (fi[i] - f0) / h[i] - (H[i + i * k] * h[i]) / 2;
  return { gradient: g, hessian: H, evaluations: evals };
}

export interface GradientHessianOptions {
  delta?: number;
  hooks?: EvaluationHooks;
  known?: Float64Array | null;
  f0?: number;
}

/**
 * gradientForward with the block [b0, b0 + nb) known analytically: 1 + (k − nb) evaluations (k − nb
 * with f0 = f(x0) given, the caller's last evaluation having been at x0).
 */
export function gradientMixed(f: (x: Float64Array) => number, grad: (out: Float64Array) => void, x0: ArrayLike<number>, H: Float64Array, b0: number, nb: number, f0: number | null = null, delta = 1e-4): Float64Array {
  const k = x0.length;
  f0 ??= f(Float64Array.from(x0));
  const gb = new Float64Array(nb);
  grad(gb);
  const g = new Float64Array(k);
  g.set(gb, b0);
  for (let i = 0; i < k; i++) {
    if (i >= b0 && i < b0 + nb) continue;
    const h = delta * Math.max(Math.abs(x0[i]), 1);
    const y = Float64Array.from(x0);
    y[i] += h;
    g[i] = (f(y) - f0) / h - (H[i + i * k] * h) / 2;
  }
  return g;
}

/** Forward-difference gradient corrected to second order with a known Hessian diagonal (k evaluations). */
export function gradientForward(f: (x: Float64Array) => number, x0: ArrayLike<number>, H: Float64Array, delta = 1e-4): Float64Array {
  const k = x0.length;
  const f0 = f(Float64Array.from(x0));
  const g = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const h = delta * Math.max(Math.abs(x0[i]), 1);
    const y = Float64Array.from(x0);
    y[i] += h;
    g[i] = (f(y) - f0) / h - (H[i + i * k] * h) / 2;
  }
  return g;
}

/** Central-difference gradient (2k evaluations), same steps as hessianFD. */
export function gradientFD(f: (x: Float64Array) => number, x0: ArrayLike<number>, delta = 1e-4): Float64Array {
  const k = x0.length;
  const g = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const h = delta * Math.max(Math.abs(x0[i]), 1);
    const y = Float64Array.from(x0);
    y[i] += h;
    const fp = f(y);
    y[i] -= 2 * h;
    const fm = f(y);
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** The inverse of a Hessian restricted to the parameters not held on their lower bound. */
export interface ActiveInverse {
  /** indices held fixed (on the boundary) */
  readonly fixed: number[];
  /** element (i, j) of the inverse in full indexing (0 for fixed parameters) */
  get(i: number, j: number): number;
  /** −H⁻¹g on the active set, 0 on the fixed */
  newtonStep(g: Float64Array): Float64Array;
  /** max |H⁻¹g| over the active set */
  maxScaledGradient(g: Float64Array): number;
}

export function activeInverse(H: Float64Array, x: ArrayLike<number>, lower: ArrayLike<number>, nth: number, drop: readonly number[] = []): ActiveInverse | null {
  const k = x.length;
  const fixed: number[] = [];
  const idx: number[] = [];
  // drop: coordinates held at their value (diverging estimates), like the θ on their bounds
  for (let i = 0; i < k; i++) ((i < nth && x[i] <= lower[i]) || drop.includes(i) ? fixed : idx).push(i);
  const na = idx.length;
  const L = new Float64Array(na * na);
  for (let a = 0; a < na; a++) for (let b = 0; b < na; b++) L[a + b * na] = H[idx[a] + idx[b] * k];
  if (cholLower(L, na) >= 0) return null;
  const inv = cholInverse(L, na);
  const pos = new Int32Array(k).fill(-1);
  idx.forEach((i, a) => (pos[i] = a));
  const mul = (g: Float64Array) => {
    const out = new Float64Array(k);
    for (let a = 0; a < na; a++) {
      let acc = 0;
      for (let b = 0; b < na; b++) acc += inv[a + b * na] * g[idx[b]];
      out[idx[a]] = acc;
    }
    return out;
  };
  return {
    fixed,
    get: (i, j) => (pos[i] < 0 || pos[j] < 0 ? 0 : inv[pos[i] + pos[j] * na]),
    newtonStep: (g) => mul(g).map((v) => -v),
    maxScaledGradient: (g) => mul(g).reduce((m, v) => Math.max(m, Math.abs(v)), 0),
  };
}


/**
 * hessianFD's central differences with given steps when the partial derivatives in the block
 * [b0, b0 + nb) are known analytically (`grad`, read right after each f): f and the block's
 * gradient at x ± h_i give every row and column of H that touches the block (the block itself
 * symmetrized), and only the pairs outside the block are differenced from f (two evaluations per
 * pair): 1 + 2k + (k − nb)(k − nb − 1) evaluations instead of 1 + 2k + k(k − 1). The gradient
 * returned is the central one (block: at x0 itself).
 */
export function hessianCentralGradient(f: (x: Float64Array) => number, grad: (out: Float64Array) => void, x0: ArrayLike<number>, b0: number, nb: number, steps: ArrayLike<number>): HessianResult {
  const k = x0.length;
  const x = Float64Array.from(x0);
  const inBlock = (i: number) => i >= b0 && i < b0 + nb;
  let evals = 0;
  const at = (d: Array<[number, number]>, g: Float64Array | null) => {
    const y = Float64Array.from(x);
    for (const [i, s] of d) y[i] += s * steps[i];
    evals++;
    const v = f(y);
    if (g) grad(g);
    return v;
  };
  const g0 = new Float64Array(nb);
  const f0 = at([], g0);
  const fp = new Float64Array(k), fm = new Float64Array(k);
  const gp = new Float64Array(nb), gm = new Float64Array(nb);
  const H = new Float64Array(k * k);
  const g = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    const h = steps[i];
    fp[i] = at([[i, 1]], gp);
    fm[i] = at([[i, -1]], gm);
    for (let a = 0; a < nb; a++) {
      const v = (gp[a] - gm[a]) / (2 * h);
      H[b0 + a + i * k] = v;
      if (!inBlock(i)) H[i + (b0 + a) * k] = v;
    }
    g[i] = inBlock(i) ? g0[i - b0] : (fp[i] - fm[i]) / (2 * h);
    if (!inBlock(i)) H[i + i * k] = (fp[i] - 2 * f0 + fm[i]) / (h * h);
  }
  for (let a = 0; a < nb; a++)
    for (let b = a + 1; b < nb; b++) {
      const v = (H[b0 + a + (b0 + b) * k] + H[b0 + b + (b0 + a) * k]) / 2;
      H[b0 + a + (b0 + b) * k] = v;
      H[b0 + b + (b0 + a) * k] = v;
    }
  for (let i = 0; i < k; i++)
    for (let j = i + 1; j < k; j++) {
      if (inBlock(i) || inBlock(j)) continue;
      const fpp = at([[i, 1], [j, 1]], null);
      const fmm = at([[i, -1], [j, -1]], null);
      const v = (fpp - fp[i] - fp[j] + 2 * f0 - fm[i] - fm[j] + fmm) / (2 * steps[i] * steps[j]);
      H[i + j * k] = v;
      H[j + i * k] = v;
    }
  return { gradient: g, hessian: H, evaluations: evals };
}
