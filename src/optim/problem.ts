import { UserError } from "../errors.js";
import type { Objective, OptimResult } from "./types.js";

/** Thrown inside an optimizer when the evaluation budget is spent; caught by its driver. */
export class EvalBudgetSpent extends Error {
  constructor() {
    super("maximum number of function evaluations reached");
    this.name = "EvalBudgetSpent";
  }
}

/**
 * A box-constrained objective as the optimizers see it: bounds checked, coordinates with
 * lower == upper removed (both methods need a non-degenerate box), evaluations counted against
 * maxfun, and the best point ever evaluated remembered, so that every exit path (budget spent,
 * numerical failure) can still return the best point.
 */
export class BoundedProblem {
  /** Number of free coordinates (those with lower < upper). */
  readonly n: number;
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Start point of the free coordinates, moved inside the bounds. */
  readonly x0: Float64Array;
  nf = 0;
  fminFinite = Infinity;
  fmaxFinite = -Infinity;
  /** Best point (free coordinates) by the value the optimizer saw, and the objective's own value there. */
  bestX: Float64Array;
  bestSeen = Infinity;
  bestRaw = NaN;
  private readonly freeIdx: Int32Array;
  private readonly full: Float64Array;

  constructor(
    private readonly f: Objective,
    x0: ArrayLike<number>,
    lower: ArrayLike<number> | undefined,
    upper: ArrayLike<number> | undefined,
    readonly maxfun: number,
    who: string,
  ) {
    const nAll = x0.length;
    const lo = expandBound(lower, nAll, -Infinity, `${who}: lower`);
    const up = expandBound(upper, nAll, Infinity, `${who}: upper`);
    const free: number[] = [];
    this.full = new Float64Array(nAll);
    for (let i = 0; i < nAll; i++) {
      const xi = x0[i];
      if (!Number.isFinite(xi)) throw new UserError(`${who}: start value at position ${i + 1} is not finite`);
      if (Number.isNaN(lo[i]) || Number.isNaN(up[i])) throw new UserError(`${who}: bound at position ${i + 1} is NaN`);
      if (lo[i] > up[i]) throw new UserError(`${who}: lower bound exceeds upper bound at position ${i + 1}`);
      if (lo[i] === Infinity || up[i] === -Infinity) throw new UserError(`${who}: infeasible infinite bound at position ${i + 1}`);
      this.full[i] = Math.min(Math.max(xi, lo[i]), up[i]);
      if (lo[i] < up[i]) free.push(i);
    }
    if (!(maxfun >= 1)) throw new UserError(`${who}: maxfun must be at least 1`);
    this.n = free.length;
    this.freeIdx = Int32Array.from(free);
    this.lower = new Float64Array(this.n);
    this.upper = new Float64Array(this.n);
    this.x0 = new Float64Array(this.n);
    for (let j = 0; j < this.n; j++) {
      const i = free[j];
      this.lower[j] = lo[i];
      this.upper[j] = up[i];
      this.x0[j] = this.full[i];
    }
    this.bestX = Float64Array.from(this.x0);
  }

  /** The full-length point for free coordinates x. */
  expand(x: ArrayLike<number>): Float64Array {
    const out = Float64Array.from(this.full);
    for (let j = 0; j < this.n; j++) out[this.freeIdx[j]] = x[j];
    return out;
  }

  /**
   * f at free coordinates x (clipped to the box). Non-finite values come back as `nonFinite(raw)`
   * so each optimizer decides how to treat them. Throws EvalBudgetSpent when maxfun is used up.
   */
  evaluate(x: Float64Array, nonFinite: () => number): number {
    if (this.nf >= this.maxfun) throw new EvalBudgetSpent();
    for (let j = 0; j < this.n; j++) x[j] = Math.min(Math.max(x[j], this.lower[j]), this.upper[j]);
    const raw = this.f(this.expand(x));
    this.nf++;
    let seen = raw;
    if (Number.isFinite(raw)) {
      if (raw < this.fminFinite) this.fminFinite = raw;
      if (raw > this.fmaxFinite) this.fmaxFinite = raw;
    } else {
      seen = nonFinite();
    }
    // Strict improvement only (ties keep the earlier point); the first point always counts.
    if (this.nf === 1 || seen < this.bestSeen || (!Number.isFinite(this.bestRaw) && Number.isFinite(raw))) {
      this.bestSeen = seen;
      this.bestRaw = raw;
      this.bestX = Float64Array.from(x);
    }
    return seen;
  }

  result(converged: boolean, message: string): OptimResult {
    const ok = Number.isFinite(this.bestRaw);
    return {
      x: this.expand(this.bestX),
      fval: this.bestRaw,
      nfev: this.nf,
      converged: converged && ok,
      message: ok ? message : "objective was not finite at any evaluated point",
    };
  }
}

function expandBound(b: ArrayLike<number> | undefined, n: number, dflt: number, what: string): Float64Array {
  const out = new Float64Array(n).fill(dflt);
  if (b === undefined) return out;
  if (b.length === 1 && n !== 1) return out.fill(b[0]);
  if (b.length !== n) throw new UserError(`${what} has length ${b.length}, expected ${n}`);
  for (let i = 0; i < n; i++) out[i] = b[i];
  return out;
}
