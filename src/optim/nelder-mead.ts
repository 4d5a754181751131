import { UserError } from "../errors.js";
import { BoundedProblem, EvalBudgetSpent } from "./problem.js";
import type { Objective, OptimResult } from "./types.js";

/** Options of nelderMead: bounds, tolerances, evaluation budget. */
export interface NelderMeadOptions {
  lower?: Float64Array | number[];
  upper?: Float64Array | number[];
  /** Evaluation budget (lme4 default 10000). */
  maxfun?: number;
  /** Initial simplex steps, one per coordinate or one for all (lme4 xst, default 0.02). */
  xst?: number | ArrayLike<number>;
  /** Absolute tolerances on x (lme4 xt, default 5e-4·|xst|). */
  xt?: number | ArrayLike<number>;
  /** Relative tolerance on x (lme4 XtolRel, default 1e-7). */
  xtolRel?: number;
  /**
   * Optional stop when the simplex's f range is ≤ ftolAbs or ≤ ftolRel·|f_best|. Default 0 / 0:
   * off, because lme4's Nelder_Mead (NLopt's nldrmd) in fact stops on the x tolerances only.
   */
  ftolAbs?: number;
  ftolRel?: number;
  /**
   * Fresh simplexes built around the best point after convergence, kept going only while they
   * improve f (by more than ftolAbs). Default 0, as lme4; 1 guards against a simplex that collapsed
   * onto a bound face.
   */
  restarts?: number;
}

/**
 * Nelder–Mead simplex minimization in a box, following lme4's `Nelder_Mead` (a port of NLopt's
 * nldrmd): reflect the worst vertex through the centroid of the others (coefficient 1); a new best
 * point is tried expanded (2); a point better than the worst replaces it; otherwise contract (½,
 * outside or inside) and, failing that, shrink towards the best vertex (½). Trial points are moved
 * onto the box (Richardson & Kuester 1973). Converged when every vertex is within
 * max(xt_j, xtolRel·|c_j|) of the centroid c in every coordinate, or when a trial point coincides with
 * the centroid or the vertex it replaces. f = NaN/Inf counts as +Infinity.
 */
export function nelderMead(f: Objective, x0: ArrayLike<number>, options: NelderMeadOptions = {}): OptimResult {
  const maxfun = options.maxfun ?? 10000;
  const prob = new BoundedProblem(f, x0, options.lower, options.upper, maxfun, "nelderMead");
  const n = prob.n;
  const inf = (): number => Infinity;
  if (n === 0) {
    try {
      prob.evaluate(new Float64Array(0), inf);
    } catch (e) {
      if (!(e instanceof EvalBudgetSpent)) throw e;
    }
    return prob.result(true, "no free parameters");
  }
  const xst = perCoord(options.xst ?? 0.02, n, "xst");
  for (let j = 0; j < n; j++) {
    if (!(xst[j] !== 0 && Number.isFinite(xst[j]))) throw new UserError(`nelderMead: xst at position ${j + 1} must be non-zero`);
  }
  const xt = options.xt === undefined ? xst.map((v) => Math.abs(v) * 5e-4) : perCoord(options.xt, n, "xt");
  const xtolRel = options.xtolRel ?? 1e-7;
  const ftolAbs = options.ftolAbs ?? 0;
  const ftolRel = options.ftolRel ?? 0;
  const restarts = options.restarts ?? 0;
  const { lower, upper } = prob;
  const evalAt = (x: Float64Array): number => prob.evaluate(Float64Array.from(x), inf);

  try {
    let { x, fx } = simplexSearch(prob.x0, evalAt(prob.x0));
    for (let r = 0; r < restarts; r++) {
      const again = simplexSearch(x, fx);
      const improved = fx - again.fx > ftolAbs;
      if (again.fx < fx) ({ x, fx } = again);
      if (!improved) break;
    }
    return prob.result(true, "converged: simplex within x tolerances");
  } catch (e) {
    if (e instanceof EvalBudgetSpent) return prob.result(false, `maximum number of function evaluations (${maxfun}) reached`);
    throw e;
  }

  function simplexSearch(xs: Float64Array, fs: number): { x: Float64Array; fx: number } {
    const v: Float64Array[] = [Float64Array.from(xs)];
    const fv: number[] = [fs];
    for (let j = 0; j < n; j++) {
      const p = Float64Array.from(xs);
      p[j] = firstStep(xs[j], xst[j], lower[j], upper[j]);
      if (close(p[j], xs[j])) throw new UserError(`nelderMead: cannot build a simplex inside the bounds at position ${j + 1}`);
      v.push(p);
      fv.push(evalAt(p));
    }
    const c = new Float64Array(n);
    // Trial point c + t(c − from), moved onto the box; null if it coincides with c or with `from`.
    const trial = (t: number, from: Float64Array): Float64Array | null => {
      const p = new Float64Array(n);
      let atC = true;
      let atFrom = true;
      for (let j = 0; j < n; j++) {
        p[j] = Math.min(Math.max(c[j] + t * (c[j] - from[j]), lower[j]), upper[j]);
        atC &&= close(p[j], c[j]);
        atFrom &&= close(p[j], from[j]);
      }
      return atC || atFrom ? null : p;
    };
    for (;;) {
      let il = 0;
      let ih = 0;
      for (let i = 1; i <= n; i++) {
        if (fv[i] < fv[il]) il = i;
        if (fv[i] > fv[ih] || Number.isNaN(fv[ih])) ih = i;
      }
      if (ih === il) ih = il === 0 ? 1 : 0; // all equal: still reflect some vertex
      const fl = fv[il];
      const fh = fv[ih];
      c.fill(0);
      for (let i = 0; i <= n; i++) if (i !== ih) for (let j = 0; j < n; j++) c[j] += v[i][j];
      for (let j = 0; j < n; j++) c[j] /= n;
      let small = true;
      for (let j = 0; j < n && small; j++) {
        let dev = 0;
        for (let i = 0; i <= n; i++) dev = Math.max(dev, Math.abs(v[i][j] - c[j]));
        if (!(dev < xt[j] || dev < xtolRel * Math.abs(c[j]))) small = false;
      }
      if (small) break;
      if (fh - fl <= ftolAbs || fh - fl <= ftolRel * Math.abs(fl)) break;
      const xr = trial(1, v[ih]);
      if (!xr) break;
      const fr = evalAt(xr);
      if (fr < fl) {
        const xe = trial(2, v[ih]);
        if (!xe) break;
        const fe = evalAt(xe);
        if (fe < fr) replace(ih, xe, fe);
        else replace(ih, xr, fr);
        continue;
      }
      if (fr < fh) {
        replace(ih, xr, fr);
        continue;
      }
      // Reflection is no better than the worst vertex: contract (inside if it was worse still).
      const xc = trial(fr >= fh ? -0.5 : 0.5, v[ih]);
      if (!xc) break;
      const fc = evalAt(xc);
      if (fc < fr && fc < fh) {
        replace(ih, xc, fc);
        continue;
      }
      for (let i = 0; i <= n; i++) {
        if (i === il) continue;
        for (let j = 0; j < n; j++) v[i][j] = v[il][j] + 0.5 * (v[i][j] - v[il][j]);
      }
      for (let i = 0; i <= n; i++) if (i !== il) fv[i] = evalAt(v[i]);
    }
    let best = 0;
    for (let i = 1; i <= n; i++) if (fv[i] < fv[best]) best = i;
    return { x: v[best], fx: fv[best] };

    function replace(i: number, x: Float64Array, fx: number): void {
      v[i] = x;
      fv[i] = fx;
    }
  }
}

/** Initial simplex step for one coordinate: x + xst, else towards the other side or a bound. */
function firstStep(x: number, step: number, lo: number, up: number): number {
  const a = Math.abs(step);
  let p = x + step;
  if (p > up) p = up - x > 0.1 * a ? up : x - a;
  if (p < lo) {
    if (x - lo > 0.1 * a) p = lo;
    else {
      p = x + a;
      if (p > up) p = 0.5 * ((up - x > x - lo ? up : lo) + x);
    }
  }
  return p;
}

/** Equal up to floating-point noise (relative 1e-13). */
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-13 * (Math.abs(a) + Math.abs(b));
}

function perCoord(v: number | ArrayLike<number>, n: number, what: string): Float64Array {
  if (typeof v === "number") return new Float64Array(n).fill(v);
  if (v.length === 1) return new Float64Array(n).fill(v[0]);
  if (v.length !== n) throw new UserError(`nelderMead: ${what} has length ${v.length}, expected ${n}`);
  return Float64Array.from(v);
}
