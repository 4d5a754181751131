// Whole-vector kernels for the PIRLS inner loops: μ and the deviance from η, and the working
// weights and response. Binomial–logit and Poisson/NB–log get fused loops (one exp or log per row,
// μ reused for dμ/dη and V(μ)); every other family/link goes through the scalar methods.
import type { Family } from "./family.js";
import { nbHalfDeviance } from "./special.js";

export interface VectorKernels {
  /** μ = g⁻¹(η); returns Σ prior·d(y, μ) (the weighted deviance) */
  meanAndDeviance(eta: Float64Array, mu: Float64Array, y: Float64Array, prior: Float64Array): number;
  /** Fisher working weights w = prior·μ'²/(V φ) and response z = η − zOffset + (y − μ)/μ' */
  working(eta: Float64Array, mu: Float64Array, y: Float64Array, prior: Float64Array, phi: number, zOffset: Float64Array, w: Float64Array, z: Float64Array): void;
}

const EPS = 2.220446049250313e-16;

function binomialLogit(): VectorKernels {
  return {
    meanAndDeviance(eta, mu, y, prior) {
      let dev = 0;
      for (let i = 0, n = eta.length; i < n; i++) {
        const e = eta[i];
        const m = e < -30 ? EPS / (1 + EPS) : e > 30 ? 1 / (1 + EPS) : 1 / (1 + Math.exp(-e));
        mu[i] = m;
        const wt = prior[i];
        if (wt === 0) continue;
        const yi = y[i];
        let d = 0;
        if (yi > 0) d += yi * Math.log(yi / m);
        if (yi < 1) d += (1 - yi) * Math.log((1 - yi) / (1 - m));
        dev += 2 * wt * d;
      }
      return dev;
    },
    working(eta, mu, y, prior, phi, zOffset, w, z) {
      for (let i = 0, n = eta.length; i < n; i++) {
        const m = mu[i];
        const e = eta[i];
        const v = m * (1 - m);
        const me = e > 30 || e < -30 ? EPS : v;
        w[i] = prior[i] === 0 ? 0 : (prior[i] * me * me) / (v * phi);
        z[i] = e - zOffset[i] + (y[i] - m) / me;
      }
    },
  };
}

function logLink(family: Family): VectorKernels {
  const k = family.name === "negative_binomial" ? family.size! : Infinity;
  const pois = !(k < 1e12);
  return {
    meanAndDeviance(eta, mu, y, prior) {
      let dev = 0;
      for (let i = 0, n = eta.length; i < n; i++) {
        const m = Math.max(Math.exp(Math.min(eta[i], 709.78)), EPS);
        mu[i] = m;
        const wt = prior[i];
        if (wt === 0) continue;
        const yi = y[i];
        let d;
        if (pois) d = (yi > 0 ? yi * Math.log(yi / m) : 0) - (yi - m);
        else d = nbHalfDeviance(yi, m, k);
        dev += 2 * wt * d;
      }
      return dev;
    },
    working(eta, mu, y, prior, phi, zOffset, w, z) {
      for (let i = 0, n = eta.length; i < n; i++) {
        const m = mu[i];
        const v = pois ? m : m + (m * m) / k;
        w[i] = prior[i] === 0 ? 0 : (prior[i] * m * m) / (v * phi);
        z[i] = eta[i] - zOffset[i] + (y[i] - m) / m;
      }
    },
  };
}

function generic(family: Family): VectorKernels {
  const link = family.link;
  return {
    meanAndDeviance(eta, mu, y, prior) {
      let dev = 0;
      for (let i = 0, n = eta.length; i < n; i++) {
        const m = link.linkinv(eta[i]);
        mu[i] = m;
        if (prior[i] !== 0) dev += family.devResid(y[i], m, prior[i]);
      }
      return dev;
    },
    working(eta, mu, y, prior, phi, zOffset, w, z) {
      for (let i = 0, n = eta.length; i < n; i++) {
        const me = link.muEta(eta[i]);
        const v = family.variance(mu[i]);
        w[i] = prior[i] === 0 ? 0 : (prior[i] * me * me) / (v * phi);
        z[i] = eta[i] - zOffset[i] + (y[i] - mu[i]) / me;
      }
    },
  };
}

export function vectorKernels(family: Family): VectorKernels {
  if (family.name === "binomial" && family.link.name === "logit") return binomialLogit();
  if ((family.name === "poisson" || family.name === "negative_binomial") && family.link.name === "log") return logLink(family);
  return generic(family);
}
