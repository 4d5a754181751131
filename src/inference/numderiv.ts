// Derivatives by central differences with Richardson extrapolation, the scheme of R's numDeriv
// (grad/jacobian: d = 1e-4; hessian via genD: d = 0.1; r = 4 halvings). lmerTest computes the
// Satterthwaite ingredients with exactly these, so using the same scheme keeps the degrees of
// freedom comparable to its values to many digits, and it is far more accurate than one step.

export interface RichardsonOptions {
  /** relative initial step (numDeriv's d) */
  readonly d?: number;
  /** absolute step used where |x| is ~0 (numDeriv's eps) */
  readonly eps?: number;
  /** number of extrapolation levels (numDeriv's r) */
  readonly r?: number;
}

const ZERO_TOL = Math.sqrt(2.220446049250313e-16 / 7e-7);

function initialSteps(x: ArrayLike<number>, d: number, eps: number): Float64Array {
  const h = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) h[i] = Math.abs(d * x[i]) + (Math.abs(x[i]) < ZERO_TOL ? eps : 0);
  return h;
}

/** extrapolate a[0..r) (steps halving) in place; returns the final estimate */
function richardson(a: Float64Array[], r: number): Float64Array {
  for (let m = 1; m < r; m++) {
    const f = Math.pow(4, m);
    for (let k = 0; k < r - m; k++) {
      const ak = a[k], ak1 = a[k + 1];
      for (let i = 0; i < ak.length; i++) ak[i] = (ak1[i] * f - ak[i]) / (f - 1);
    }
  }
  return a[0];
}

/** Jacobian of a vector function F: R^k → R^m, m×k column-major (column j = ∂F/∂x_j). */
export function jacobian(F: (x: Float64Array) => Float64Array, x0: ArrayLike<number>, options: RichardsonOptions = {}): Float64Array {
  const d = options.d ?? 1e-4, eps = options.eps ?? 1e-4, r = options.r ?? 4;
  const k = x0.length;
  const h0 = initialSteps(x0, d, eps);
  let m = -1;
  const cols: Float64Array[] = [];
  for (let j = 0; j < k; j++) {
    const a: Float64Array[] = [];
    let h = h0[j];
    for (let s = 0; s < r; s++) {
      const xp = Float64Array.from(x0), xm = Float64Array.from(x0);
      xp[j] += h;
      xm[j] -= h;
      const fp = F(xp), fm = F(xm);
      const g = new Float64Array(fp.length);
      for (let i = 0; i < g.length; i++) g[i] = (fp[i] - fm[i]) / (2 * h);
      a.push(g);
      h /= 2;
    }
    const col = richardson(a, r);
    m = col.length;
    cols.push(col);
  }
  const J = new Float64Array(Math.max(0, m) * k);
  cols.forEach((c, j) => J.set(c, j * m));
  return J;
}

/** Gradient of a scalar function. */
export function gradient(f: (x: Float64Array) => number, x0: ArrayLike<number>, options: RichardsonOptions = {}): Float64Array {
  return jacobian((x) => Float64Array.of(f(x)), x0, options);
}

/**
 * Hessian (k×k, column-major) of a scalar function by numDeriv's genD scheme: second differences
 * along each axis and along pairs of axes, each extrapolated over r halvings of the step.
 */
export function hessian(f: (x: Float64Array) => number, x0: ArrayLike<number>, options: RichardsonOptions = {}): Float64Array {
  const d = options.d ?? 0.1, eps = options.eps ?? 1e-4, r = options.r ?? 4;
  const k = x0.length;
  const f0 = f(Float64Array.from(x0));
  const h0 = initialSteps(x0, d, eps);
  const at = (steps: Array<[number, number]>) => {
    const x = Float64Array.from(x0);
    for (const [i, s] of steps) x[i] += s;
    return f(x);
  };
  // diagonal second derivatives (and the per-level values the off-diagonals need)
  const diagLevels: Float64Array[] = []; // per level s: D_ii at step h0/2^s
  const H = new Float64Array(k * k);
  {
    const a: Float64Array[] = [];
    const h = Float64Array.from(h0);
    for (let s = 0; s < r; s++) {
      const v = new Float64Array(k);
      for (let i = 0; i < k; i++) v[i] = (at([[i, h[i]]]) - 2 * f0 + at([[i, -h[i]]])) / (h[i] * h[i]);
      a.push(v);
      diagLevels.push(Float64Array.from(v));
      for (let i = 0; i < k; i++) h[i] /= 2;
    }
    const dd = richardson(a, r);
    for (let i = 0; i < k; i++) H[i + i * k] = dd[i];
  }
  for (let i = 0; i < k; i++)
    for (let j = 0; j < i; j++) {
      const a: Float64Array[] = [];
      let hi = h0[i], hj = h0[j];
      for (let s = 0; s < r; s++) {
        const fpp = at([[i, hi], [j, hj]]);
        const fmm = at([[i, -hi], [j, -hj]]);
        const dii = diagLevels[s][i], djj = diagLevels[s][j];
        const v = (fpp - 2 * f0 + fmm - dii * hi * hi - djj * hj * hj) / (2 * hi * hj);
        a.push(Float64Array.of(v));
        hi /= 2;
        hj /= 2;
      }
      const v = richardson(a, r)[0];
      H[i + j * k] = v;
      H[j + i * k] = v;
    }
  return H;
}

export interface VectorDerivatives {
  /** F(x0) */
  readonly value: Float64Array;
  /** m×k column-major: ∂F/∂x_j in column j */
  readonly gradient: Float64Array;
  /** per output i, its k×k Hessian (column-major) */
  readonly hessian: Float64Array[];
}

/**
 * First and second derivatives of a vector function F: R^k → R^m from one set of evaluations
 * (numDeriv's genD scheme applied to every output: central first and second differences along each
 * axis and each pair of axes, Richardson-extrapolated over r halvings; d = 0.1 by default). Costs
 * 1 + 2rk + 2r·k(k−1)/2 evaluations of F.
 */
export function vectorDerivatives(F: (x: Float64Array) => Float64Array, x0: ArrayLike<number>, options: RichardsonOptions = {}): VectorDerivatives {
  const d = options.d ?? 0.1, eps = options.eps ?? 1e-4, r = options.r ?? 4;
  const k = x0.length;
  const f0 = F(Float64Array.from(x0));
  const m = f0.length;
  const h0 = initialSteps(x0, d, eps);
  const at = (steps: Array<[number, number]>) => {
    const x = Float64Array.from(x0);
    for (const [i, s] of steps) x[i] += s;
    return F(x);
  };
  const G = new Float64Array(m * k);
  const H = Array.from({ length: m }, () => new Float64Array(k * k));
  const diagLevels: Float64Array[][] = []; // [axis][level] → second differences per output
  for (let i = 0; i < k; i++) {
    const g: Float64Array[] = [], dd: Float64Array[] = [];
    let h = h0[i];
    for (let s = 0; s < r; s++) {
      const fp = at([[i, h]]), fm = at([[i, -h]]);
      const gv = new Float64Array(m), dv = new Float64Array(m);
      for (let o = 0; o < m; o++) {
        gv[o] = (fp[o] - fm[o]) / (2 * h);
        dv[o] = (fp[o] - 2 * f0[o] + fm[o]) / (h * h);
      }
      g.push(gv);
      dd.push(dv);
      h /= 2;
    }
    diagLevels.push(dd.map((v) => Float64Array.from(v)));
    const gi = richardson(g, r), di = richardson(dd, r);
    for (let o = 0; o < m; o++) {
      G[o + i * m] = gi[o];
      H[o][i + i * k] = di[o];
    }
  }
  for (let i = 0; i < k; i++)
    for (let j = 0; j < i; j++) {
      const a: Float64Array[] = [];
      let hi = h0[i], hj = h0[j];
      for (let s = 0; s < r; s++) {
        const fpp = at([[i, hi], [j, hj]]), fmm = at([[i, -hi], [j, -hj]]);
        const v = new Float64Array(m);
        for (let o = 0; o < m; o++) v[o] = (fpp[o] - 2 * f0[o] + fmm[o] - diagLevels[i][s][o] * hi * hi - diagLevels[j][s][o] * hj * hj) / (2 * hi * hj);
        a.push(v);
        hi /= 2;
        hj /= 2;
      }
      const v = richardson(a, r);
      for (let o = 0; o < m; o++) {
        H[o][i + j * k] = v[o];
        H[o][j + i * k] = v[o];
      }
    }
  return { value: f0, gradient: G, hessian: H };
}
