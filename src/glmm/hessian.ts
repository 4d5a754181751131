// Finite-difference gradient and Hessian of a scalar function, with the same central scheme as
// lme4's deriv12 (step δ = 1e-4 scaled by max(|x|, 1)): 1 + 2k + k(k−1) evaluations.

export interface HessianResult {
  readonly gradient: Float64Array;
  /** k×k column-major */
  readonly hessian: Float64Array;
  readonly evaluations: number;
}

export function hessianFD(f: (x: Float64Array) => number, x0: ArrayLike<number>, _lower?: ArrayLike<number>, delta = 1e-4): HessianResult {
  const k = x0.length;
  const x = Float64Array.from(x0);
  const h = new Float64Array(k);
  for (let i = 0; i < k; i++) h[i] = delta * Math.max(Math.abs(x[i]), 1);
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
      const fpp = at([[i, 1], [j, 1]]);
      const fmm = at([[i, -1], [j, -1]]);
      const v = (fpp - fp[i] - fp[j] + 2 * f0 - fm[i] - fm[j] + fmm) / (2 * h[i] * h[j]);
      H[i + j * k] = v;
      H[j + i * k] = v;
    }
  return { gradient: g, hessian: H, evaluations: evals };
}
