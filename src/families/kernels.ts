// Whole-vector kernels for the PIRLS inner loops: μ and the deviance from η, and the working
// weights and response. The deviance is computed from η in the log domain (families' devResidEta),
// never from a clamped μ. Binomial–logit and Poisson/NB–log get fused loops; binomial with the
// other links steps with the observed information (its Fisher weight underflows where the
// likelihood is still steep: cloglog at η = 13.6); every other family/link uses the scalar methods.
import type { Family } from "./family.js";
import { nbHalfDevianceLog } from "./special.js";

export interface VectorKernels {
  /** μ = g⁻¹(η); returns Σ prior·d(y, μ) (the weighted deviance) */
  meanAndDeviance(eta: Float64Array, mu: Float64Array, y: Float64Array, prior: Float64Array): number;
  /**
   * Working weights w and response z = η − zOffset + score/w. "expected": the Fisher weights
   * prior·μ'²/(V φ) (lme4's Laplace determinant); "observed": −∂²ℓ/∂η² (glmmTMB's); "step": any
   * positive curvature for a PIRLS step (the mode, where the score vanishes, is the same).
   * Canonical links have one curvature; the NB/Gamma log-link observed weights are PIRLS's own.
   */
  working(eta: Float64Array, mu: Float64Array, y: Float64Array, prior: Float64Array, phi: number, zOffset: Float64Array, w: Float64Array, z: Float64Array, mode?: WeightMode): void;
}

export type WeightMode = "step" | "expected" | "observed";

/** working quantities only: keeps μ away from 0 where it would divide (the likelihood is unaffected) */
const TINY = 1e-300;
const EPS = 2.220446049250313e-16;

function binomialLogit(): VectorKernels {
  return {
    meanAndDeviance(eta, mu, y, prior) {
      let dev = 0;
      for (let i = 0, n = eta.length; i < n; i++) {
        const e = eta[i];
        // log μ = −softplus(−η), log(1 − μ) = −softplus(η): one exp and one log1p per row
        const t = Math.exp(-Math.abs(e)), l1p = Math.log1p(t);
        const logMu = e > 0 ? -l1p : e - l1p, log1m = e > 0 ? -e - l1p : -l1p;
        mu[i] = e > 0 ? 1 / (1 + t) : t / (1 + t);
        const wt = prior[i];
        if (wt === 0) continue;
        const yi = y[i];
        let d = 0;
        if (yi > 0) d += yi * (Math.log(yi) - logMu);
        if (yi < 1) d += (1 - yi) * (Math.log1p(-yi) - log1m);
        dev += 2 * wt * d;
      }
      return dev;
    },
    working(eta, mu, y, prior, phi, zOffset, w, z) {
      for (let i = 0, n = eta.length; i < n; i++) {
        const e = eta[i];
        const t = Math.exp(-Math.abs(e)), s = 1 + t;
        // μ and 1 − μ each without cancellation; V = μ(1 − μ) = t/(1 + t)²
        const m = e > 0 ? 1 / s : t / s, m1 = e > 0 ? t / s : 1 / s;
        // weights no smaller than R's (μ′ ≥ ε): damps steps into the tails, likelihood unchanged
        const v = Math.max(t / (s * s), EPS);
        w[i] = prior[i] === 0 ? 0 : (prior[i] * v) / phi;
        z[i] = e - zOffset[i] + (y[i] * m1 - (1 - y[i]) * m) / v;
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
        const e = eta[i];
        const m = Math.exp(e);
        mu[i] = m;
        const wt = prior[i];
        if (wt === 0) continue;
        const yi = y[i];
        let d;
        if (pois) d = (yi > 0 ? yi * (Math.log(yi) - e) : 0) - (yi - m);
        else d = nbHalfDevianceLog(yi, e, k);
        dev += 2 * wt * d;
      }
      return dev;
    },
    working(eta, mu, y, prior, phi, zOffset, w, z) {
      for (let i = 0, n = eta.length; i < n; i++) {
        const m = Math.max(mu[i], TINY);
        const v = pois ? m : m + (m * m) / k;
        w[i] = prior[i] === 0 ? 0 : (prior[i] * m * m) / (v * phi);
        z[i] = eta[i] - zOffset[i] + (y[i] - mu[i]) / m;
      }
    },
  };
}

/** binomial with probit, cloglog or log link: everything from the link's log-domain derivatives */
function binomialLog(family: Family): VectorKernels {
  const link = family.link;
  const d = new Float64Array(4);
  return {
    meanAndDeviance(eta, mu, y, prior) {
      let dev = 0;
      for (let i = 0, n = eta.length; i < n; i++) {
        mu[i] = Math.exp(link.logMu(eta[i]));
        if (prior[i] !== 0) dev += family.devResidEta(y[i], eta[i], prior[i]);
      }
      return dev;
    },
    working(eta, mu, y, prior, phi, zOffset, w, z, mode = "step") {
      for (let i = 0, n = eta.length; i < n; i++) {
        const e = eta[i], wt = prior[i], yi = y[i];
        link.logDerivs!(e, d);
        // score = prior·(y a′ + (1 − y) b′); observed information −prior·(y a″ + (1 − y) b″)
        const score = wt * (yi * d[0] + (1 - yi) * d[2]);
        let wi = -wt * (yi * d[1] + (1 - yi) * d[3]);
        if (mode === "expected" || !(wi > 0)) wi = wt * Math.exp(2 * link.logMuEta(e) - link.logMu(e) - link.log1mMu(e));
        wi /= phi;
        w[i] = wt === 0 || !(wi > 0) ? 0 : wi;
        z[i] = e - zOffset[i] + (w[i] > 0 ? score / phi / w[i] : 0);
      }
    },
  };
}

/** d²μ/dη² per link (the observed information's correction term) */
const muEta2: Partial<Record<string, (eta: number) => number>> = {
  identity: () => 0, log: (eta) => Math.exp(eta), inverse: (eta) => 2 / (eta * eta * eta), sqrt: () => 2,
};
/** dV/dμ per family */
function dVariance(family: Family): (mu: number) => number {
  if (family.name === "poisson") return () => 1;
  if (family.name === "Gamma") return (mu) => 2 * mu;
  if (family.name === "negative_binomial") return (mu) => 1 + (2 * mu) / family.size!;
  return () => 0;
}

function generic(family: Family): VectorKernels {
  const link = family.link;
  const m2 = muEta2[link.name] ?? (() => 0);
  const dV = dVariance(family);
  return {
    meanAndDeviance(eta, mu, y, prior) {
      let dev = 0;
      for (let i = 0, n = eta.length; i < n; i++) {
        mu[i] = link.name === "log" ? Math.exp(eta[i]) : link.linkinv(eta[i]);
        if (prior[i] !== 0) dev += family.devResidEta(y[i], eta[i], prior[i]);
      }
      return dev;
    },
    working(eta, mu, y, prior, phi, zOffset, w, z, mode = "step") {
      for (let i = 0, n = eta.length; i < n; i++) {
        const me = link.muEta(eta[i]);
        const v = family.variance(mu[i]);
        let wi = (prior[i] * me * me) / (v * phi);
        // −ℓ″ = prior·(μ′²/V − (y − μ)·d(μ′/V)/dη)/φ, d(μ′/V)/dη = μ″/V − μ′²V′/V²
        if (mode === "observed") {
          const wo = wi - (prior[i] * (y[i] - mu[i]) * (m2(eta[i]) / v - (me * me * dV(mu[i])) / (v * v))) / phi;
          if (wo > 0) wi = wo;
        }
        w[i] = prior[i] === 0 ? 0 : wi;
        z[i] = eta[i] - zOffset[i] + (y[i] - mu[i]) / me;
      }
    },
  };
}

/**
 * The extended families (extended.ts): everything from the family's η-derivatives of log p. PIRLS
 * steps with −∂²ℓ/∂η² where positive (Newton), else the family's positive curvature; "expected"
 * takes that curvature throughout, "observed" −∂²ℓ/∂η² whatever its sign.
 */
function fromDerivatives(family: Family): VectorKernels {
  const link = family.link, ex = family.extra!;
  const d = new Float64Array(3);
  return {
    meanAndDeviance(eta, mu, y, prior) {
      let dev = 0;
      for (let i = 0, n = eta.length; i < n; i++) {
        mu[i] = link.linkinv(eta[i]);
        if (prior[i] !== 0) dev += family.devResidEta(y[i], eta[i], prior[i]);
      }
      return dev;
    },
    working(eta, mu, y, prior, phi, zOffset, w, z, mode = "step") {
      for (let i = 0, n = eta.length; i < n; i++) {
        if (prior[i] === 0) { w[i] = 0; z[i] = eta[i] - zOffset[i]; continue; }
        ex.derivs(y[i], eta[i], prior[i], d);
        // the Laplace curvature is −ℓ″ as it is (glmmTMB's Hessian: a beta row far from its mean has
        // ℓ″ > 0); a PIRLS step needs a positive weight
        const wi = mode === "observed" ? -d[1] : mode !== "expected" && -d[1] > 0 ? -d[1] : d[2];
        w[i] = wi > 0 || mode === "observed" ? wi : 0;
        z[i] = eta[i] - zOffset[i] + (w[i] !== 0 ? d[0] / w[i] : 0);
      }
    },
  };
}

export function vectorKernels(family: Family): VectorKernels {
  if (family.extra) return fromDerivatives(family);
  if (family.name === "binomial") return family.link.name === "logit" ? binomialLogit() : binomialLog(family);
  if ((family.name === "poisson" || family.name === "negative_binomial") && family.link.name === "log") return logLink(family);
  return generic(family);
}
