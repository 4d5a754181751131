// Exponential-family distributions (and the negative binomial) with their links: what PIRLS, the
// Laplace objective and GEE need. Binomial responses are proportions y = s/n with weight n.
import { UserError } from "../errors.js";
import { type Link, type LinkName, links, softplus } from "./link.js";
import { lgamma, lgammaShift, lchoose, nbHalfDeviance, nbHalfDevianceLog, xlogxy } from "./special.js";
import { type ExtendedFamilyName, type FamilyExtra, isExtendedFamily, makeExtendedFamily } from "./extended.js";

type BaseFamilyName = "gaussian" | "binomial" | "poisson" | "negative_binomial" | "Gamma" | "nbinom1";
/** The family names fit() accepts. */
export type FamilyName = BaseFamilyName | ExtendedFamilyName;

/** A distribution with its link: variance, deviance residuals, log-density and PIRLS weights. */
export interface Family {
  readonly name: FamilyName;
  readonly link: Link;
  /** true when the family has a free dispersion parameter (gaussian σ², Gamma) */
  readonly estimatesDispersion: boolean;
  /** V(μ) */
  variance(mu: number): number;
  /** weighted unit deviance wt·d(y, μ) */
  devResid(y: number, mu: number, wt: number): number;
  /** log p(y | μ) with every normalizing constant; wt = prior weight (binomial: trials) */
  logDensity(y: number, mu: number, wt: number, dispersion: number): number;
  /** log p(y | η) computed from η in the log domain (no clamped μ); −Infinity outside the link's range */
  logDensityEta(y: number, eta: number, wt: number, dispersion: number): number;
  /** weighted unit deviance from η, as logDensityEta (Infinity outside the link's range) */
  devResidEta(y: number, eta: number, wt: number): number;
  /** starting value of μ for y (as R's family$initialize) */
  muStart(y: number, wt: number): number;
  /** whether μ is inside the family's range */
  validMu(mu: number): boolean;
  /** NB2 size (θ) for negative_binomial, else undefined */
  readonly size?: number;
  /** the same family with another NB size (negative_binomial only) */
  withSize?(size: number): Family;
  /** devResid is −2 log p itself (no saturated constant): the extended families */
  readonly logLikDeviance?: boolean;
  /** parameters of the family's own, estimated as outer parameters (extended.ts) */
  readonly extra?: FamilyExtra;
}

const canonical: Record<BaseFamilyName, LinkName> = {
  gaussian: "identity", binomial: "logit", poisson: "log", negative_binomial: "log", Gamma: "inverse",
  nbinom1: "log",
};

const allowedLinks: Record<BaseFamilyName, LinkName[]> = {
  gaussian: ["identity", "log", "inverse"],
  binomial: ["logit", "probit", "cloglog", "log"],
  poisson: ["log", "identity", "sqrt"],
  negative_binomial: ["log", "identity", "sqrt"],
  Gamma: ["inverse", "identity", "log"],
  nbinom1: ["log"],
};

const LOG_2PI = Math.log(2 * Math.PI);

/** μ from η without R's clamps (only the logit/probit/cloglog/log inverse links clamp) */
function exactMu(link: Link, eta: number): number {
  return link.name === "log" ? Math.exp(eta) : link.name === "identity" || link.name === "inverse" || link.name === "sqrt" ? link.linkinv(eta) : Math.exp(link.logMu(eta));
}
/** a log density that is NaN (η outside the link's range) is −∞ */
const orMinusInf = (v: number) => (Number.isNaN(v) ? -Infinity : v);
const orInf = (v: number) => (Number.isNaN(v) ? Infinity : v);

function gaussian(link: Link): Family {
  const logDensity = (y: number, mu: number, wt: number, phi: number) => {
    const r = y - mu;
    return 0.5 * (Math.log(wt) - LOG_2PI - Math.log(phi)) - (wt * r * r) / (2 * phi);
  };
  return {
    name: "gaussian", link, estimatesDispersion: true,
    variance: () => 1,
    devResid: (y, mu, wt) => wt * (y - mu) * (y - mu),
    logDensity,
    logDensityEta: (y, eta, wt, phi) => orMinusInf(logDensity(y, exactMu(link, eta), wt, phi)),
    devResidEta(y, eta, wt) {
      const r = y - exactMu(link, eta);
      return orInf(wt * r * r);
    },
    muStart: (y) => y,
    validMu: () => true,
  };
}

function binomial(link: Link): Family {
  return {
    name: "binomial", link, estimatesDispersion: false,
    variance: (mu) => mu * (1 - mu),
    devResid: (y, mu, wt) => 2 * wt * (xlogxy(y, mu) + xlogxy(1 - y, 1 - mu)),
    logDensity: (y, mu, wt) => {
      if (wt === 0) return 0;
      const s = y * wt;
      const f = wt - s;
      // s·log μ + f·log(1-μ), with 0·log 0 = 0
      const a = s === 0 ? 0 : s * Math.log(mu);
      const b = f === 0 ? 0 : f * Math.log1p(-mu);
      return lchoose(wt, s) + a + b;
    },
    logDensityEta: (y, eta, wt) => {
      if (wt === 0) return 0;
      const s = y * wt;
      const f = wt - s;
      const a = s === 0 ? 0 : s * link.logMu(eta);
      const b = f === 0 ? 0 : f * link.log1mMu(eta);
      return orMinusInf(lchoose(wt, s) + a + b);
    },
    devResidEta: (y, eta, wt) => {
      const a = y > 0 ? y * (Math.log(y) - link.logMu(eta)) : 0;
      const b = y < 1 ? (1 - y) * (Math.log1p(-y) - link.log1mMu(eta)) : 0;
      return orInf(2 * wt * (a + b));
    },
    muStart: (y, wt) => (wt * y + 0.5) / (wt + 1),
    validMu: (mu) => mu > 0 && mu < 1,
  };
}

function poisson(link: Link): Family {
  return {
    name: "poisson", link, estimatesDispersion: false,
    variance: (mu) => mu,
    devResid: (y, mu, wt) => 2 * wt * (xlogxy(y, mu) - (y - mu)),
    logDensity: (y, mu, wt) => wt * ((y === 0 ? 0 : y * Math.log(mu)) - mu - lgamma(y + 1)),
    logDensityEta: (y, eta, wt) => {
      const lm = link.logMu(eta);
      return orMinusInf(wt * ((y === 0 ? 0 : y * lm) - Math.exp(lm) - lgamma(y + 1)));
    },
    devResidEta: (y, eta, wt) => {
      const lm = link.logMu(eta);
      return orInf(2 * wt * ((y > 0 ? y * (Math.log(y) - lm) : 0) - y + Math.exp(lm)));
    },
    muStart: (y) => y + 0.1,
    validMu: (mu) => mu > 0 && Number.isFinite(mu),
  };
}

/** sizes beyond this are treated as the Poisson limit in the density (NB → Poisson) */
export const NB_POISSON_LIMIT = 1e12;

function negativeBinomial(link: Link, size: number): Family {
  const pois = poisson(link);
  return {
    name: "negative_binomial", link, estimatesDispersion: false, size,
    variance: (mu) => mu + (mu * mu) / size,
    devResid: (y, mu, wt) => {
      if (size >= NB_POISSON_LIMIT) return pois.devResid(y, mu, wt);
      return 2 * wt * nbHalfDeviance(y, mu, size);
    },
    logDensity: (y, mu, wt) => {
      if (size >= NB_POISSON_LIMIT) return pois.logDensity(y, mu, wt, 1);
      // log Γ(y+k) − log Γ(k) − log y! + k log(k/(k+μ)) + y log(μ/(k+μ)), written to stay accurate for large k
      const lg = y === 0 ? 0 : lgammaShift(y, size) - lgamma(size);
      const lk = -size * Math.log1p(mu / size);
      const ly = y === 0 ? 0 : -y * Math.log1p(size / mu);
      return wt * (lg + lk + ly);
    },
    logDensityEta: (y, eta, wt) => {
      if (size >= NB_POISSON_LIMIT) return pois.logDensityEta(y, eta, wt, 1);
      // k log(k/(k+μ)) = −k log1p(e^(log μ − log k)), y log(μ/(k+μ)) = −y log1p(e^(log k − log μ))
      const lm = link.logMu(eta), lk = Math.log(size);
      const lg = y === 0 ? 0 : lgammaShift(y, size) - lgamma(size);
      return orMinusInf(wt * (lg - size * softplus(lm - lk) - (y === 0 ? 0 : y * softplus(lk - lm))));
    },
    devResidEta: (y, eta, wt) => {
      if (size >= NB_POISSON_LIMIT) return pois.devResidEta(y, eta, wt);
      return orInf(2 * wt * nbHalfDevianceLog(y, link.logMu(eta), size));
    },
    muStart: (y) => y + 0.1,
    validMu: (mu) => mu > 0 && Number.isFinite(mu),
    withSize: (k) => negativeBinomial(link, k),
  };
}

function gamma(link: Link): Family {
  return {
    name: "Gamma", link, estimatesDispersion: true,
    variance: (mu) => mu * mu,
    devResid: (y, mu, wt) => -2 * wt * (Math.log(y / mu) - (y - mu) / mu),
    logDensity: (y, mu, wt, phi) => {
      // dgamma(y, shape = wt/φ, scale = μφ/wt)
      const shape = wt / phi;
      const scale = mu / shape;
      return -lgamma(shape) - shape * Math.log(scale) + (shape - 1) * Math.log(y) - y / scale;
    },
    logDensityEta: (y, eta, wt, phi) => {
      const shape = wt / phi, lm = link.logMu(eta);
      return orMinusInf(-lgamma(shape) - shape * (lm - Math.log(shape)) + (shape - 1) * Math.log(y) - y * shape * Math.exp(-lm));
    },
    devResidEta: (y, eta, wt) => {
      const lm = link.logMu(eta);
      return orInf(-2 * wt * (Math.log(y) - lm - (y * Math.exp(-lm) - 1)));
    },
    muStart: (y) => y,
    validMu: (mu) => mu > 0 && Number.isFinite(mu),
  };
}

/**
 * NB1 (glmmTMB's nbinom1): Var = μ(1 + φ), a negative binomial with size μ/φ. Its φ is fitted by
 * the extended likelihood (glmm/extended.ts), which carries it per row; this object serves the
 * starting values and the per-row densities at a given φ.
 */
function nbinom1(link: Link, phi: number): Family {
  const logDensity = (y: number, mu: number, wt: number) => {
    const k = mu / phi;
    return wt * (lgamma(y + k) - lgamma(k) - lgamma(y + 1) - k * Math.log1p(phi) + (y === 0 ? 0 : y * (Math.log(phi) - Math.log1p(phi))));
  };
  const sat = (y: number, wt: number) => (y === 0 ? 0 : logDensity(y, y, wt));
  return {
    name: "nbinom1", link, estimatesDispersion: false,
    variance: (mu) => mu * (1 + phi),
    devResid: (y, mu, wt) => 2 * (sat(y, wt) - logDensity(y, mu, wt)),
    logDensity,
    logDensityEta: (y, eta, wt) => orMinusInf(logDensity(y, Math.exp(link.logMu(eta)), wt)),
    devResidEta: (y, eta, wt) => orInf(2 * (sat(y, wt) - logDensity(y, Math.exp(link.logMu(eta)), wt))),
    muStart: (y) => y + 0.1,
    validMu: (mu) => mu > 0 && Number.isFinite(mu),
  };
}

/** Family by name (R's spelling; "nbinom2"/"negbin" accepted) with an optional link name. */
export function makeFamily(name: string, linkName?: string, nbSize = 1): Family {
  if (isExtendedFamily(name)) return makeExtendedFamily(name, linkName);
  const aliases: Record<string, BaseFamilyName> = {
    gaussian: "gaussian", normal: "gaussian", binomial: "binomial", poisson: "poisson",
    negative_binomial: "negative_binomial", negbin: "negative_binomial", nbinom2: "negative_binomial",
    Gamma: "Gamma", gamma: "Gamma", nbinom1: "nbinom1",
  };
  const fam = Object.hasOwn(aliases, name) ? aliases[name] : undefined; // not `toString` from the prototype
  if (!fam) throw new UserError(`unknown family '${name}' (use gaussian, binomial, poisson, negative_binomial, nbinom1, Gamma, beta, betabinomial, tweedie or ordinal)`);
  const ln = (linkName ?? canonical[fam]) as LinkName;
  if (!Object.hasOwn(links, ln)) throw new UserError(`unknown link '${linkName}' (use ${Object.keys(links).join(", ")})`);
  if (!allowedLinks[fam].includes(ln)) throw new UserError(`link '${ln}' is not available for family ${fam} (use ${allowedLinks[fam].join(", ")})`);
  const link = links[ln];
  switch (fam) {
    case "gaussian": return gaussian(link);
    case "binomial": return binomial(link);
    case "poisson": return poisson(link);
    case "negative_binomial": return negativeBinomial(link, nbSize);
    case "Gamma": return gamma(link);
    case "nbinom1": return nbinom1(link, nbSize);
  }
}

export function canonicalLink(name: FamilyName): LinkName {
  return isExtendedFamily(name) ? makeExtendedFamily(name).link.name : canonical[name];
}
