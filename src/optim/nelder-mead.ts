import { UserError } from "../errors.js";
import { BoundedProblem, EvalBudgetSpent } from "./problem.js";
import type { Objective, OptimResult } from "./types.js";

export interface NelderMeadOptions {
  lower?: Float64Array | number[];
  upper?: Float64Array | number[];
  /** Evaluation budget (lme4 default 10000). */
  maxfun?: number;
  /** Stop when the simplex's f range is ≤ ftolAbs (lme4 FtolAbs, default 1e-5)… */
  ftolAbs?: number;
  /** …or ≤ ftolRel·|f_best| (lme4 FtolRel, default 1e-15). */
  ftolRel?: number;
  /** Or when every vertex is within max(xt_j, xtolRel·|x_best,j|) of the best (lme4 XtolRel 1e-7). */
  xtolRel?: number;
  /** Initial simplex steps, one per coordinate or one for all (lme4 xst, default 0.02). */
  xst?: number | ArrayLike<number>;
  /** Absolute tolerances on x (lme4 xt, default 5e-4·xst). */
  xt?: number | ArrayLike<number>;
  /**
   * Fresh simplexes built around the best point after convergence, kept only while they improve f
   * by more than ftolAbs (default 1). Guards against a simplex that collapsed onto a bound face.
   */
  restarts?: number;
}

/**
 * Nelder–Mead simplex minimization in a box, the counterpart of lme4's `Nelder_Mead` (itself
 * NLopt's nldrmd): reflection 1, expansion 2, contraction ½, shrink ½; trial points outside the box
 * are moved onto it. f = NaN/Inf counts as +Infinity (the vertex is simply the worst).
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
  for (let j = 0; j < n; j++) if (!(xst[j] !== 0 && Number.isFinite(xst[j]))) throw new UserError("nelderMead: xst must be non-zero");
  const xt = options.xt === undefined ? xst.map((v) => Math.abs(v) * 5e-4) : perCoord(options.xt, n, "xt");
  const ftolAbs = options.ftolAbs ?? 1e-5;
  const ftolRel = options.ftolRel ?? 1e-15;
  const xtolRel = options.xtolRel ?? 1e-7;
  const restarts = options.restarts ?? 1;
  const { lower, upper } = prob;
  const clamp = (x: Float64Array): Float64Array => {
    for (let j = 0; j < n; j++) x[j] = Math.min(Math.max(x[j], lower[j]), upper[j]);
    return x;
  };
  const evalAt = (x: Float64Array): number => prob.evaluate(x, inf);

  try {
    const start = Float64Array.from(prob.x0);
    let { x, fx } = simplexSearch(start, evalAt(Float64Array.from(start)));
    for (let r = 0; r < restarts; r++) {
      const again = simplexSearch(x, fx);
      const improved = fx - again.fx > ftolAbs;
      if (again.fx < fx) ({ x, fx } = again);
      if (!improved) break;
    }
    return prob.result(true, "converged: simplex within tolerances");
  } catch (e) {
    if (e instanceof EvalBudgetSpent) return prob.result(false, `maximum number of function evaluations (${maxfun}) reached`);
    throw e;
  }

  function simplexSearch(xs: Float64Array, fs: number): { x: Float64Array; fx: number } {
    const v: Float64Array[] = [Float64Array.from(xs)];
    const fv: number[] = [fs];
    for (let j = 0; j < n; j++) {
      const p = Float64Array.from(xs);
      const step = Math.abs(xst[j]);
      const sgn = Math.sign(xst[j]);
      if (xs[j] + sgn * step <= upper[j] && xs[j] + sgn * step >= lower[j]) p[j] = xs[j] + sgn * step;
      else if (xs[j] - sgn * step <= upper[j] && xs[j] - sgn * step >= lower[j]) p[j] = xs[j] - sgn * step;
      else p[j] = upper[j] - xs[j] >= xs[j] - lower[j] ? upper[j] : lower[j];
      v.push(p);
      fv.push(evalAt(Float64Array.from(p)));
    }
    const c = new Float64Array(n);
    const order = Array.from({ length: n + 1 }, (_, i) => i);
    for (;;) {
      order.sort((a, b) => cmp(fv[a], fv[b]));
      const il = order[0];
      const ih = order[n];
      const is = order[n - 1];
      const fl = fv[il];
      const fh = fv[ih];
      const frange = fh - fl;
      if (frange <= ftolAbs || frange <= ftolRel * Math.abs(fl)) break;
      let xconv = true;
      for (let i = 0; i <= n && xconv; i++) {
        for (let j = 0; j < n; j++) {
          if (Math.abs(v[i][j] - v[il][j]) > Math.max(xt[j], xtolRel * Math.abs(v[il][j]))) {
            xconv = false;
            break;
          }
        }
      }
      if (xconv) break;
      c.fill(0);
      for (let i = 0; i <= n; i++) if (i !== ih) for (let j = 0; j < n; j++) c[j] += v[i][j] / n;
      const along = (t: number, from: Float64Array): Float64Array => {
        const p = new Float64Array(n);
        for (let j = 0; j < n; j++) p[j] = c[j] + t * (c[j] - from[j]);
        return clamp(p);
      };
      const xr = along(1, v[ih]);
      const fr = evalAt(Float64Array.from(xr));
      if (fr < fl) {
        const xe = along(2, v[ih]);
        const fe = evalAt(Float64Array.from(xe));
        if (fe < fr) replace(ih, xe, fe);
        else replace(ih, xr, fr);
      } else if (fr < fv[is]) {
        replace(ih, xr, fr);
      } else {
        const outside = fr < fh;
        const xc = along(outside ? 0.5 : -0.5, v[ih]);
        const fc = evalAt(Float64Array.from(xc));
        if (outside ? fc <= fr : fc < fh) {
          replace(ih, xc, fc);
        } else {
          for (let i = 0; i <= n; i++) {
            if (i === il) continue;
            for (let j = 0; j < n; j++) v[i][j] = v[il][j] + 0.5 * (v[i][j] - v[il][j]);
            fv[i] = evalAt(Float64Array.from(v[i]));
          }
        }
      }
    }
    let best = 0;
    for (let i = 1; i <= n; i++) if (cmp(fv[i], fv[best]) < 0) best = i;
    return { x: v[best], fx: fv[best] };

    function replace(i: number, x: Float64Array, fx: number): void {
      v[i] = x;
      fv[i] = fx;
    }
  }
}

/** Total order with NaN last (f values are already ±Infinity-safe). */
function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function perCoord(v: number | ArrayLike<number>, n: number, what: string): Float64Array {
  if (typeof v === "number") return new Float64Array(n).fill(v);
  if (v.length === 1) return new Float64Array(n).fill(v[0]);
  if (v.length !== n) throw new UserError(`nelderMead: ${what} has length ${v.length}, expected ${n}`);
  return Float64Array.from(v);
}
