// lme4-style advice when predictors sit on very different scales: the optimizers (and the
// finite-difference Hessian) work best with covariates whose SD is near 1.
import type { ModelStructure } from "./types.js";

export function scaleWarnings(ms: ModelStructure): string[] {
  const { n, p, X, xnames } = ms;
  const out: string[] = [];
  for (let j = 0; j < p; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += X[i + j * n];
    mean /= n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (X[i + j * n] - mean) ** 2;
    const sd = Math.sqrt(ss / Math.max(1, n - 1));
    if (sd === 0) continue;
    // 0/1 indicator columns are fine whatever their mean
    if (sd > 1e3 || sd < 1e-3) out.push(`predictor '${xnames[j]}' has SD ${sd.toExponential(1)}: rescale it (e.g. scale() or a change of units) so the optimizer and the standard errors are reliable`);
  }
  return out;
}
