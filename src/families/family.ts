// Exponential-family distributions (and the negative binomial) with their links: what PIRLS, the
// Laplace objective and GEE need. Binomial responses are proportions y = s/n with weight n.
import { UserError } from "../errors.js";
import { type Link, type LinkName, links } from "./link.js";
import { lgamma, lgammaShift, lchoose, nbHalfDeviance, xlogxy } from "./special.js";

export type FamilyName = "gaussian" | "binomial" | "poisson" | "negative_binomial" | "Gamma";

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
  /** starting value of μ for y (as R's family$initialize) */
  muStart(y: number, wt: number): number;
  /** whether μ is inside the family's range */
  validMu(mu: number): boolean;
  /** NB2 size (θ) for negative_binomial, else undefined */
  readonly size?: number;
  /** the same family with another NB size (negative_binomial only) */
  withSize?(size: number): Family;
}

const canonical: Record<FamilyName, LinkName> = {
  gaussian: "identity", binomial: "logit", poisson: "log", negative_binomial: "log", Gamma: "inverse",
};

const allowedLinks: Record<FamilyName, LinkName[]> = {
  gaussian: ["identity", "log", "inverse"],
  binomial: ["logit", "probit", "cloglog", "log"],
  poisson: ["log", "identity", "sqrt"],
  negative_binomial: ["log", "identity", "sqrt"],
  Gamma: ["inverse", "identity", "log"],
};

const LOG_2PI = Math.log(2 * Math.PI);

function gaussian(link: Link): Family {
  return {
    name: "gaussian", link, estimatesDispersion: true,
    variance: () => 1,
    devResid: (y, mu, wt) => wt * (y - mu) * (y - mu),
    logDensity: (y, mu, wt, phi) => {
      const r = y - mu;
      return 0.5 * (Math.log(wt) - LOG_2PI - Math.log(phi)) - (wt * r * r) / (2 * phi);
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
    muStart: (y) => y,
    validMu: (mu) => mu > 0 && Number.isFinite(mu),
  };
}

/** Family by name (R's spelling; "nbinom2"/"negbin" accepted) with an optional link name. */
export function makeFamily(name: string, linkName?: string, nbSize = 1): Family {
  const aliases: Record<string, FamilyName> = {
    gaussian: "gaussian", normal: "gaussian", binomial: "binomial", poisson: "poisson",
    negative_binomial: "negative_binomial", negbin: "negative_binomial", nbinom2: "negative_binomial",
    Gamma: "Gamma", gamma: "Gamma",
  };
  const fam = Object.hasOwn(aliases, name) ? aliases[name] : undefined; // not `toString` from the prototype
  if (!fam) throw new UserError(`unknown family '${name}' (use gaussian, binomial, poisson, negative_binomial or Gamma)`);
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
  }
}

export function canonicalLink(name: FamilyName): LinkName {
  return canonical[name];
}
