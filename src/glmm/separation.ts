// Complete or quasi-complete separation in binomial models: some fitted probabilities are 0 or 1
// to machine precision, so the estimates of the separating terms are not finite.
import type { FittedGLMM } from "./glmm.js";

export function separationWarning(fit: Pick<FittedGLMM, "family" | "fitted">): string | null {
  if (fit.family !== "binomial") return null;
  let count = 0;
  for (const mu of fit.fitted) if (mu < 1e-8 || mu > 1 - 1e-8) count++;
  if (count === 0) return null;
  return `fitted probabilities numerically 0 or 1 in ${count} of ${fit.fitted.length} rows: (quasi-)complete separation — the estimates of the separating terms are not finite; consider removing or merging the separating variable's levels, or a penalized (Firth/Bayesian) fit`;
}
