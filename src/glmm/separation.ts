// Fitted probabilities of 0 or 1 in binomial GLMMs (and GLMs), worded from what produced them: diverging
// fixed effects (complete or quasi-complete separation), or finite estimates whose extreme
// probabilities come from the random effects (a group with all-0 or all-1 responses) or from
// the fixed part itself.
import type { FittedGLMM } from "./glmm.js";
import type { ModelStructure } from "../formula/types.js";

const extreme = (mu: number) => mu < 1e-8 || mu > 1 - 1e-8;

/** a GLMM, or a plain GLM (no diverging list, no random effects: its extreme rows are the fixed part's) */
type SeparationInput = Pick<FittedGLMM, "family" | "fitted"> & Partial<Pick<FittedGLMM, "diverging" | "beta" | "eta">>;

export function separationWarning(fit: SeparationInput, ms?: ModelStructure): string | null {
  if (fit.family !== "binomial") return null;
  const n = fit.fitted.length;
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (extreme(fit.fitted[i])) rows.push(i);
  if (rows.length === 0) return null;
  const head = `fitted probabilities numerically 0 or 1 in ${rows.length} of ${n} rows`;
  const diverging = fit.diverging ?? [];
  const advice = "consider removing or merging the separating variable's levels, or a penalized (Firth/Bayesian) fit";
  if (diverging.length > 0)
    return `${head}: (quasi-)complete separation by ${diverging.join(", ")}, whose estimate${diverging.length > 1 ? "s diverge" : " diverges"}; ${advice}`;
  if (!ms || !fit.beta || !fit.eta) return `${head}: (quasi-)complete separation — the estimates of the separating terms are not finite; ${advice}`;
  // the fixed part alone at those rows: moderate → the random effects made them extreme
  const { X, p } = ms;
  let fromRandom = 0, maxFixed = 0;
  for (const i of rows) {
    let ef = ms.offset ? ms.offset[i] : 0;
    for (let j = 0; j < p; j++) ef += X[i + j * n] * fit.beta[j];
    if (Math.abs(ef) < Math.abs(fit.eta[i]) - 5) fromRandom++;
    else maxFixed = Math.max(maxFixed, Math.abs(ef));
  }
  if (fromRandom === rows.length)
    return `${head}; the fixed-effect estimates are finite — the extreme probabilities come from the predicted random effects (groups whose responses are all 0 or all 1, with a large random-effect variance)`;
  return `${head}: (quasi-)complete separation — the fixed effects alone put the linear predictor at up to ±${maxFixed.toPrecision(3)} in ${rows.length - fromRandom} of them, so the separating terms' estimates are not finite (they stop where the optimizer does); ${advice}`;
}
