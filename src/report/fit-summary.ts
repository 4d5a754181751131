// The lme4-style summary of a `fit()` result: what `glmm fit` prints, the playground shows and
// Model.summary() returns — one code path, so the three agree.
import type { FitResult } from "../fit.js";
import { plotResiduals } from "./plots/fitdata.js";
import { fitSummary } from "./summary.js";

/** p×p correlation of the fixed effects (column-major) from their covariance, or null when there is none. */
export function fixefCorrelation(V: Float64Array, p: number): Float64Array | null {
  if (p === 0 || V.length !== p * p) return null;
  const corr = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) corr[a + b * p] = V[a + b * p] / Math.sqrt(V[a + a * p] * V[b + b * p]);
  return corr;
}

/** lme4's "scaled residuals": residuals/σ for an LMM, Pearson residuals otherwise. */
export function scaledResiduals(res: FitResult): Float64Array {
  const f = res.fit;
  if (f.kind === "lmm") return f.residuals.map((r) => r / f.sigma);
  return plotResiduals(res).residuals;
}

/** The summary text of a fit (print(summary(fit)) in lme4's layout). */
export function fitResultSummary(res: FitResult, formula: string, dataName: string, options: { warnings?: boolean } = {}): string {
  return fitSummary({ json: res.json, formula, dataName, scaledResiduals: scaledResiduals(res), corrFixef: fixefCorrelation(res.fit.vcov, res.model.p), warnings: options.warnings });
}
