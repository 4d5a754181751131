// QIC (Pan 2001) as geepack::QIC / MESS::QIC compute it:
//   QIC = −2 Q(μ̂; I) + 2 tr(Ω_I V_R),  Ω_I = inverse of the model-based variance of the independence fit,
//   V_R = robust variance of the fitted model; QICu = −2 Q + 2p; QICC = QIC + 2k(k+1)/(K − k − 1), k = p + q.
// Q is the quasi-likelihood summed over rows without prior weights or scale, as geepack does.
// For Gamma geepack sums −y/(μ − log μ), a misplaced parenthesis; this uses the quasi-likelihood −y/μ − log μ.
import type { Family } from "../families/index.js";
import type { GeeQIC } from "./types.js";

/** Σ Q(μ; y), the family's quasi-likelihood of the fitted means: the Q in QIC and QICu. */
export function quasiLikelihood(family: Family, y: Float64Array, mu: Float64Array): number {
  let q = 0;
  const n = y.length;
  for (let i = 0; i < n; i++) {
    const yi = y[i], m = mu[i];
    switch (family.name) {
      case "gaussian": q += -((yi - m) * (yi - m)) / 2; break;
      case "binomial": q += yi * Math.log(m / (1 - m)) + Math.log(1 - m); break;
      case "poisson": q += yi * Math.log(m) - m; break;
      case "Gamma": q += -yi / m - Math.log(m); break;
      case "negative_binomial": {
        const k = family.size ?? Infinity;
        q += Number.isFinite(k) ? yi * Math.log(m / (m + k)) + k * Math.log(k / (m + k)) : yi * Math.log(m) - m;
        break;
      }
    }
  }
  return q;
}

/** omegaI: p × p inverse model-based variance of the independence fit; vr: robust variance of the model. */
export function computeQIC(
  quasiLik: number, omegaI: Float64Array, vr: Float64Array, p: number, q: number, nclusters: number,
): GeeQIC {
  let trace = 0;
  for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) trace += omegaI[a + b * p] * vr[b + a * p];
  const QIC = -2 * (quasiLik - trace);
  const QICu = -2 * (quasiLik - p);
  const k = p + q;
  const QICC = QIC + (2 * k * (k + 1)) / (nclusters - k - 1);
  return { QIC, QICu, quasiLik, CIC: trace, params: p, QICC };
}
