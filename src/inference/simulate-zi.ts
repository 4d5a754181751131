// Simulation from the extended likelihood's models (glmmTMB's ziformula, dispformula, hurdles and
// NB1), as glmmTMB's simulate(): per row, the dispersion from the dispersion part (NB2 size θ, NB1
// φ, gaussian σ², Gamma shape, beta precision φ), then a structural zero with the zero-inflation probability π, or
// else a draw from the count family; a hurdle's zero comes with probability π and its positives
// from the zero-truncated count.
import { UserError } from "../errors.js";
import type { FittedGLMM } from "../glmm/glmm.js";
import type { ModelFit } from "./model.js";
import { logZeroProb, sideParameters } from "./predict-zi.js";
import type { Rng } from "./rng.js";
import { addRandomPart, drawRandomEffects } from "./simulate.js";

/** whether the fit has a zero-inflation, hurdle or dispersion part (or is NB1): the extended likelihood's */
export function isExtendedFit(m: ModelFit): boolean {
  const f = m.fit;
  return f.kind === "glmm" && ((f.zi ?? null) !== null || (f.disp ?? null) !== null || f.hurdle === true || f.family === "nbinom1");
}

/**
 * η (the count or mean part's linear predictor on the model's rows) → a simulated response vector.
 * Random effects in the zi part: at their conditional modes (`conditional`, as the count part's
 * with --conditional) or drawn anew from N(0, Σ_zi) for each response, as glmmTMB's simulate().
 */
export function sideModelSampler(m: ModelFit, conditional = false): (eta: Float64Array, rng: Rng) => Float64Array {
  const f = m.fit as FittedGLMM;
  const n = m.ms.n;
  const side = sideParameters(m, m.ms.rows, undefined, conditional);
  const zi = f.zi && (f.zi.terms?.length ?? 0) > 0 && !conditional ? f.zi : null;
  // (the zi terms' θ follow the conditional terms')
  const ziTheta = zi ? Float64Array.from([...f.theta, ...zi.theta!]) : null;
  const fixedPi = side.logitZi ? side.logitZi.map((e) => 1 / (1 + Math.exp(-e))) : null;
  const piOf = (rng: Rng): Float64Array | null => {
    if (!zi || !side.logitZi) return fixedPi;
    const zeta = Float64Array.from(side.logitZi);
    addRandomPart(zeta, zi.terms!, drawRandomEffects(zi.terms!, ziTheta!, 1, rng));
    return zeta.map((e) => 1 / (1 + Math.exp(-e)));
  };
  const disp = side.logDisp ? side.logDisp.map(Math.exp) : null;
  const w = m.weights;
  const family = f.family;
  if (!["poisson", "negative_binomial", "nbinom1", "gaussian", "Gamma", "beta"].includes(family) || (family !== "poisson" && !disp)) throw new UserError(`simulation is not available for this model (family ${family})`);
  // one draw from the untruncated family at mean μ (η for gaussian) for row i
  const base = (i: number, e: number, rng: Rng): number => {
    switch (family) {
      case "poisson": return rng.poisson(Math.exp(e));
      case "negative_binomial": return rng.negativeBinomial(Math.exp(e), disp![i]);
      // NB1: size μ/φ, so that Var = μ(1 + φ)
      case "nbinom1": { const mu = Math.exp(e); return rng.negativeBinomial(mu, mu / disp![i]); }
      case "gaussian": return e + Math.sqrt(disp![i] / (w ? w[i] : 1)) * rng.normal();
      case "beta": { const mu = 1 / (1 + Math.exp(-e)); return rng.beta(mu * disp![i], (1 - mu) * disp![i]); }
      default: { const s = disp![i] * (w ? w[i] : 1); return (rng.gamma(s) * Math.exp(e)) / s; }
    }
  };
  return (eta, rng) => {
    const y = new Float64Array(n);
    const pi = piOf(rng);
    for (let i = 0; i < n; i++) {
      const structuralZero = pi !== null && rng.random() < pi[i];
      if (f.hurdle) y[i] = structuralZero ? 0 : truncatedCount(family, Math.exp(eta[i]), side.logDisp ? side.logDisp[i] : 0, rng);
      else y[i] = structuralZero ? 0 : base(i, eta[i], rng);
    }
    return y;
  };
}

/**
 * A draw from the zero-truncated Poisson or NB2 at mean μ: rejection while P(0) ≤ 0.9 (at most ten
 * draws expected), otherwise inversion of the truncated distribution from 1 upwards with the pmf's
 * recurrence (μ small, or a heavy NB2 tail whose mass near 1 is large).
 */
export function truncatedCount(family: string, mu: number, logDisp: number, rng: Rng): number {
  const lp0 = logZeroProb(family, mu, logDisp);
  const size = Math.exp(logDisp);
  if (lp0 < Math.log(0.9)) {
    for (;;) {
      const y = family === "poisson" ? rng.poisson(mu) : rng.negativeBinomial(mu, size);
      if (y > 0) return y;
    }
  }
  // P(j)/P(j − 1): Poisson μ/j; NB2 (j − 1 + k)/j · μ/(k + μ)
  const r = family === "poisson" ? mu : mu / (size + mu);
  let p = Math.exp(lp0);
  let u = rng.random() * -Math.expm1(lp0);
  for (let j = 1; ; j++) {
    p *= family === "poisson" ? r / j : ((j - 1 + size) / j) * r;
    if (u <= p || p === 0 || j > 1e7) return j;
    u -= p;
  }
}
