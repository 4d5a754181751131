/** Result shared by the derivative-free optimizers (BOBYQA, bounded Nelder–Mead). */
export interface OptimResult {
  /** Best point found (always inside the bounds). */
  x: Float64Array;
  /** f(x) as returned by the objective (NaN only if no finite value was ever seen). */
  fval: number;
  /** Number of objective evaluations used. */
  nfev: number;
  /** True when the method's own stopping rule was met (not maxfun, not a numerical failure). */
  converged: boolean;
  message: string;
}

/** Objective: receives a fresh copy of the point, so it may keep or modify it. */
export type Objective = (x: Float64Array) => number;
