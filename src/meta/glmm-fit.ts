// The GLMM engine's fit, with the standard errors recomputed from a finite-difference Hessian that
// tolerates the engine's noise. PIRLS stops on the change in the penalized deviance, which is
// quadratic in the error of the modes u, while the Laplace log-determinant is linear in it: the
// deviance carries ~1e-9..1e-8 of noise, which central differences with steps of 1e-4 (the engine's,
// lme4's) turn into errors of several percent in the Hessian of models with two random-effect
// terms or many fixed effects (BCG, UM.RS: 3% in the SE of the pooled log OR, 3% in the Wald
// heterogeneity statistic). Steps of 1e-3 (with PIRLS run twice per point) give values that agree
// with steps of 3e-4 to five digits; the truncation error, O(step²), is far below that.
import type { ModelStructure } from "../formula/types.js";
import { GeneralizedLinearMixedModel, type FittedGLMM } from "../glmm/glmm.js";
import { activeInverse, hessianFD } from "../glmm/hessian.js";

export interface MetaGLMMFit {
  readonly fit: FittedGLMM;
  /** p × p column-major covariance of β (NaN when the Hessian is not positive definite) */
  readonly vcov: Float64Array;
  readonly se: Float64Array;
}

export function fitBinomialGLMM(ms: ModelStructure, nAGQ: number): MetaGLMMFit {
  const model = new GeneralizedLinearMixedModel(ms, { family: "binomial", nAGQ });
  const fit = model.fit({ family: "binomial", nAGQ });
  const nth = fit.theta.length;
  const p = ms.p;
  const x = Float64Array.from([...fit.theta, ...fit.beta]);
  const f = (v: Float64Array) => {
    const th = v.subarray(0, nth), b = v.subarray(nth);
    model.deviance(th, b);
    return model.deviance(th, b);
  };
  const lower = new Float64Array(x.length).fill(-Infinity);
  for (let k = 0; k < nth; k++) lower[k] = 0;
  const inv = activeInverse(hessianFD(f, x, undefined, 1e-3).hessian, x, lower, nth);
  const vcov = new Float64Array(p * p).fill(NaN);
  if (inv) for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) vcov[a + b * p] = 2 * inv.get(nth + a, nth + b);
  const se = new Float64Array(p);
  for (let j = 0; j < p; j++) se[j] = Math.sqrt(vcov[j + j * p]);
  return { fit, vcov, se };
}
