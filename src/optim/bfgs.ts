// A bounded quasi-Newton method for smooth objectives with an analytic gradient (small n): BFGS on
// the free variables, variables on a bound with the gradient pushing outward held there, and a
// projected backtracking (Armijo) line search. Used for the LMM profiled deviance, where a gradient
// costs less than one more evaluation and BFGS needs several times fewer evaluations than BOBYQA.
import type { OptimResult } from "./types.js";

export interface BfgsOptions {
  readonly lower?: ArrayLike<number>;
  readonly upper?: ArrayLike<number>;
  /** stop when the predicted decrease gᵀHg/2 falls below ftol + ftolRel·|f| */
  readonly ftol?: number;
  readonly ftolRel?: number;
  readonly maxit?: number;
  /** the largest first step in any coordinate (default 0.2, as BOBYQA's usual rhobeg) */
  readonly maxStep0?: number;
  /**
   * no convergence stop while the inverse Hessian is still the initial multiple of I (its predicted
   * decrease is the step cap's, not the objective's): for starts already near an optimum
   */
  readonly stopOnceScaled?: boolean;
}

/**
 * fg(x, g) returns f and, when g is not null, writes the gradient into it; f = ∞ marks an
 * infeasible point. Trial points of the line search are evaluated with g = null and only the
 * accepted point gets a gradient (fg is then called again at the same x, so an implementation
 * may reuse the factorization of the previous call).
 */
export type ValueAndGradient = (x: Float64Array, g: Float64Array | null) => number;

export function bfgsBounded(fg: ValueAndGradient, x0: ArrayLike<number>, options: BfgsOptions = {}): OptimResult & { iterations: number } {
  const n = x0.length;
  const lo = Float64Array.from({ length: n }, (_, i) => options.lower?.[i] ?? -Infinity);
  const hi = Float64Array.from({ length: n }, (_, i) => options.upper?.[i] ?? Infinity);
  const ftolAbs = options.ftol ?? 1e-9;
  const ftolRel = options.ftolRel ?? 0;
  const maxit = options.maxit ?? 200;
  const proj = (v: Float64Array) => {
    for (let i = 0; i < n; i++) v[i] = Math.min(hi[i], Math.max(lo[i], v[i]));
    return v;
  };
  let x = proj(Float64Array.from(x0));
  let g = new Float64Array(n);
  let f = fg(x, g);
  let nfev = 1;
  if (!Number.isFinite(f)) return { x, fval: f, nfev, converged: false, message: "objective not finite at the start", iterations: 0 };
  // inverse Hessian approximation, full n×n (row-major): until the first update rescales it, a
  // multiple of I that makes the first step at most `maxStep0` long in every coordinate (a long
  // first step can land on a bound where the gradient of an even function vanishes)
  const maxStep0 = options.maxStep0 ?? 0.2;
  const gmax0 = () => Math.max(...Array.from(g, Math.abs), 1e-300);
  let H = identity(n, Math.min(1, maxStep0 / gmax0()));
  let scaled = false;
  let it = 0;
  let message = "maximum iterations reached";
  let converged = false;
  for (; it < maxit; it++) {
    // free set: not on a bound with the gradient pushing out of the box
    const free = new Array<boolean>(n);
    for (let i = 0; i < n; i++) free[i] = !((x[i] <= lo[i] && g[i] > 0) || (x[i] >= hi[i] && g[i] < 0));
    const d = new Float64Array(n);
    let pred = 0;
    for (let i = 0; i < n; i++) {
      if (!free[i]) continue;
      let acc = 0;
      for (let j = 0; j < n; j++) if (free[j]) acc += H[i * n + j] * g[j];
      d[i] = -acc;
      pred -= g[i] * d[i];
    }
    if (pred < 0) {
      // H lost positive definiteness on the free set: restart from a scaled steepest descent
      H = identity(n, Math.min(1, maxStep0 / gmax0()));
      scaled = false;
      pred = 0;
      for (let i = 0; i < n; i++) if (free[i]) { d[i] = -g[i]; pred += g[i] * g[i]; }
    }
    const ftol = ftolAbs + ftolRel * Math.abs(f);
    if (pred / 2 < ftol && (scaled || !options.stopOnceScaled)) { converged = true; message = "predicted decrease below ftol"; break; }
    // projected backtracking line search, steps from a safeguarded quadratic interpolation
    let step = 1;
    let xn = x, fnew = f;
    const gn = new Float64Array(n);
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      xn = proj(Float64Array.from(x, (v, i) => v + step * d[i]));
      let dec = 0;
      for (let i = 0; i < n; i++) dec += g[i] * (xn[i] - x[i]);
      fnew = fg(xn, null);
      nfev++;
      if (Number.isFinite(fnew) && fnew <= f + 1e-4 * dec) { accepted = true; break; }
      // minimize the quadratic through f(0), f'(0) = dec/step and f(step), within [0.1, 0.5]·step
      let next = 0.5 * step;
      if (Number.isFinite(fnew) && dec < 0) {
        const slope = dec / step;
        const q = (-slope * step * step) / (2 * (fnew - f - slope * step));
        if (Number.isFinite(q)) next = Math.min(0.5 * step, Math.max(0.1 * step, q));
      }
      step = next;
    }
    if (accepted) fnew = fg(xn, gn);
    const s = new Float64Array(n), y = new Float64Array(n);
    let sy = 0, yy = 0;
    for (let i = 0; i < n; i++) {
      s[i] = xn[i] - x[i];
      y[i] = gn[i] - g[i];
      sy += s[i] * y[i];
      yy += y[i] * y[i];
    }
    const df = f - fnew;
    x = xn;
    f = fnew;
    g = gn;
    if (sy > 1e-12 * Math.sqrt(yy) * Math.hypot(...s)) {
      if (!scaled) {
        H = identity(n, sy / yy);
        scaled = true;
      }
      bfgsUpdate(H, s, y, sy, n);
    }
    if (df >= 0 && df < (ftolAbs + ftolRel * Math.abs(f)) * 1e-3 && Math.hypot(...s) < 1e-12 * (1 + Math.hypot(...x))) { converged = true; message = "no progress"; break; }
  }
  return { x, fval: f, nfev, converged, message, iterations: it };
}

function identity(n: number, scale = 1): Float64Array {
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) H[i * n + i] = scale;
  return H;
}

/** H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ, ρ = 1/(sᵀy) */
function bfgsUpdate(H: Float64Array, s: Float64Array, y: Float64Array, sy: number, n: number): void {
  const rho = 1 / sy;
  const Hy = new Float64Array(n);
  let yHy = 0;
  for (let i = 0; i < n; i++) {
    let acc = 0;
    for (let j = 0; j < n; j++) acc += H[i * n + j] * y[j];
    Hy[i] = acc;
    yHy += y[i] * acc;
  }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) H[i * n + j] += -rho * (Hy[i] * s[j] + s[i] * Hy[j]) + (rho * rho * yHy + rho) * s[i] * s[j];
}
