// Families with parameters of their own (glmmTMB's beta, betabinomial and tweedie; the cumulative
// link model of R's `ordinal`): the beta precision φ, the betabinomial overdispersion φ, tweedie's
// (φ, power) and the ordinal thresholds are outer parameters of the Laplace objective, as NB2's
// size is. Each family gives the conditional log density of a row from η and its first two
// η-derivatives; the "deviance" of these families is −2 log p (no saturated constant), which is all
// PIRLS (a minimization) and the Laplace objective need.
import { UserError } from "../errors.js";
import type { Family } from "./family.js";
import { type Link, type LinkName, links, log1mexp, softplus } from "./link.js";
import { digamma, lgamma, lchoose, logPhi, qnorm, trigamma } from "./special.js";

export type ExtendedFamilyName = "beta" | "betabinomial" | "tweedie" | "ordinal";

/** A family's own parameters, as unconstrained outer coordinates of the optimization. */
export interface FamilyExtra {
  /** the current unconstrained values */
  readonly values: Float64Array;
  /** the same family at other unconstrained values */
  with(v: ArrayLike<number>): Family;
  /** starting unconstrained values from the response (y as the GLMM state holds it) and prior weights */
  start(y: Float64Array, prior: Float64Array): Float64Array;
  /** out = [∂ℓ/∂η, ∂²ℓ/∂η², a positive curvature for when −∂²ℓ/∂η² is not] for one row (ℓ includes the weight) */
  derivs(y: number, eta: number, wt: number, out: Float64Array): void;
  /** the parameters as reported (natural scale), each with its gradient in the unconstrained values (delta method) */
  report(): { name: string; estimate: number; grad: Float64Array }[];
}

export const EXTENDED_FAMILIES: readonly ExtendedFamilyName[] = ["beta", "betabinomial", "tweedie", "ordinal"];
const allowed: Record<ExtendedFamilyName, LinkName[]> = {
  beta: ["logit"], betabinomial: ["logit"], tweedie: ["log"], ordinal: ["logit", "probit"],
};

export function isExtendedFamily(name: string): name is ExtendedFamilyName {
  return (EXTENDED_FAMILIES as readonly string[]).includes(name);
}

/** the family by name at its default parameters (ordinal: thresholds set from the data by `start`) */
export function makeExtendedFamily(name: ExtendedFamilyName, linkName?: string, levels?: readonly string[]): Family {
  const ln = (linkName ?? allowed[name][0]) as LinkName;
  if (!allowed[name].includes(ln)) throw new UserError(`link '${linkName}' is not available for family ${name} (use ${allowed[name].join(", ")})`);
  switch (name) {
    case "beta": return betaFamily(Float64Array.of(0));
    case "betabinomial": return betaBinomialFamily(Float64Array.of(0));
    case "tweedie": return tweedieFamily(Float64Array.of(0, 0));
    case "ordinal": return ordinalFamily(ln as "logit" | "probit", new Float64Array(0), levels ?? null);
  }
}

const orMinusInf = (v: number) => (Number.isNaN(v) ? -Infinity : v);
const plogis = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** the members every extended family shares, from its log density in η */
function common(link: Link, logDensityEta: (y: number, eta: number, wt: number) => number): Pick<Family, "logDensity" | "logDensityEta" | "devResidEta" | "devResid" | "logLikDeviance" | "estimatesDispersion"> {
  return {
    estimatesDispersion: false,
    logLikDeviance: true,
    logDensityEta: (y, eta, wt) => orMinusInf(logDensityEta(y, eta, wt)),
    logDensity: (y, mu, wt) => orMinusInf(logDensityEta(y, link.linkfun(mu), wt)),
    devResidEta: (y, eta, wt) => -2 * orMinusInf(logDensityEta(y, eta, wt)),
    devResid: (y, mu, wt) => -2 * orMinusInf(logDensityEta(y, link.linkfun(mu), wt)),
  };
}

/** mean and variance of y under the prior weights */
function moments(y: Float64Array, prior: Float64Array): [number, number] {
  let sw = 0, m = 0;
  for (let i = 0; i < y.length; i++) { sw += prior[i]; m += prior[i] * y[i]; }
  m /= sw;
  let v = 0;
  for (let i = 0; i < y.length; i++) v += prior[i] * (y[i] - m) * (y[i] - m);
  return [m, v / Math.max(sw - 1, 1)];
}

// ---- beta (glmmTMB's beta_family): y ~ Beta(μφ, (1 − μ)φ), logit link, φ = exp(v₀)
/**
 * log p(y | η, φ) of the beta family (logit link) from ly = log y, l1y = log(1 − y) and lgPhi =
 * lgamma(φ); also the dispersion formula's per-row φ (glmm/extended.ts, which keeps the logs per row)
 */
export function betaLogDensity(ly: number, l1y: number, eta: number, phi: number, lgPhi: number): number {
  const a = plogis(eta) * phi, b = plogis(-eta) * phi;
  return lgPhi - lgamma(a) - lgamma(b) + (a - 1) * ly + (b - 1) * l1y;
}

/** out = [∂ℓ/∂η, ∂²ℓ/∂η², the expected information −E ∂²ℓ/∂η² (positive)] of one beta row (ly, l1y as betaLogDensity's) */
export function betaDerivs(ly: number, l1y: number, eta: number, phi: number, out: Float64Array): void {
  const mu = plogis(eta), m1 = plogis(-eta), a = mu * phi, b = m1 * phi;
  const me = mu * m1; // dμ/dη
  const d1 = phi * (digamma(b) - digamma(a) + ly - l1y);
  const info = phi * phi * (trigamma(a) + trigamma(b));
  out[0] = d1 * me;
  out[1] = -info * me * me + d1 * me * (m1 - mu);
  out[2] = info * me * me;
}

function betaFamily(v: Float64Array): Family {
  const link = links.logit;
  const phi = Math.exp(v[0]);
  const lgPhi = lgamma(phi);
  const ld = (y: number, eta: number, wt: number) => wt * betaLogDensity(Math.log(y), Math.log1p(-y), eta, phi, lgPhi);
  return {
    name: "beta", link, ...common(link, ld),
    variance: (mu) => (mu * (1 - mu)) / (1 + phi),
    muStart: (y) => y,
    validMu: (mu) => mu > 0 && mu < 1,
    extra: {
      values: v,
      with: (w) => betaFamily(Float64Array.from(w)),
      start(y, prior) {
        const [m, s2] = moments(y, prior);
        return Float64Array.of(Math.log(Math.min(Math.max((m * (1 - m)) / s2 - 1, 0.1), 1e4)));
      },
      derivs(y, eta, wt, out) {
        betaDerivs(Math.log(y), Math.log1p(-y), eta, phi, out);
        out[0] *= wt; out[1] *= wt; out[2] *= wt;
      },
      report: () => [{ name: "phi", estimate: phi, grad: Float64Array.of(phi) }],
    },
  };
}

// ---- betabinomial (glmmTMB's): s successes of n ~ BetaBin(n, μφ, (1 − μ)φ), logit link, φ = exp(v₀).
// The state holds y = s/n with the trials n as the prior weight.
function betaBinomialFamily(v: Float64Array): Family {
  const link = links.logit;
  const phi = Math.exp(v[0]);
  const lgPhi = lgamma(phi);
  const ld = (y: number, eta: number, n: number) => {
    if (n === 0) return 0;
    const s = Math.round(y * n), a = plogis(eta) * phi, b = plogis(-eta) * phi;
    return lchoose(n, s) + lgamma(s + a) + lgamma(n - s + b) - lgamma(n + phi) - lgamma(a) - lgamma(b) + lgPhi;
  };
  return {
    name: "betabinomial", link, ...common(link, ld),
    variance: (mu) => mu * (1 - mu),
    muStart: (y, wt) => (wt * y + 0.5) / (wt + 1),
    validMu: (mu) => mu > 0 && mu < 1,
    extra: {
      values: v,
      with: (w) => betaBinomialFamily(Float64Array.from(w)),
      start: () => Float64Array.of(Math.log(10)),
      derivs(y, eta, n, out) {
        if (n === 0) { out[0] = 0; out[1] = 0; out[2] = 0; return; }
        const s = Math.round(y * n), mu = plogis(eta), m1 = plogis(-eta), a = mu * phi, b = m1 * phi;
        const me = mu * m1;
        const d1 = phi * (digamma(s + a) - digamma(a) - digamma(n - s + b) + digamma(b));
        const d2 = phi * phi * (trigamma(s + a) - trigamma(a) + trigamma(n - s + b) - trigamma(b));
        out[0] = d1 * me;
        out[1] = d2 * me * me + d1 * me * (m1 - mu);
        // the binomial information deflated by the overdispersion factor
        out[2] = (n * me) / (1 + (n - 1) / (phi + 1));
      },
      report: () => [{ name: "phi", estimate: phi, grad: Float64Array.of(phi) }],
    },
  };
}

// ---- tweedie (glmmTMB's): compound Poisson–gamma, Var = φμᵖ, log link, φ = exp(v₀), p = 1 + plogis(v₁)
/**
 * log W(y, φ, p) of the series density (Dunn & Smyth 2005): f(y) = W/y · exp((yθ − κ)/φ), W = Σ_j W_j,
 * log W_j = j log z − log j! − log Γ(−jα), α = (2 − p)/(1 − p). The terms peak near
 * j = y^(2−p)/(φ(2 − p)); the sum runs outward from there until they are e⁻⁴⁰ of the largest.
 */
export function tweedieLogW(y: number, phi: number, p: number): number {
  const alpha = (2 - p) / (1 - p);
  const logz = -alpha * Math.log(y) + alpha * Math.log(p - 1) - (1 - alpha) * Math.log(phi) - Math.log(2 - p);
  const term = (j: number) => j * logz - lgamma(j + 1) - lgamma(-j * alpha);
  const jmax = Math.max(1, Math.round(Math.pow(y, 2 - p) / (phi * (2 - p))));
  const top = term(jmax);
  let s = 1;
  for (let j = jmax + 1; ; j++) {
    const d = term(j) - top;
    s += Math.exp(d);
    if (d < -40 || j > jmax + 1e6) break;
  }
  for (let j = jmax - 1; j >= 1; j--) {
    const d = term(j) - top;
    s += Math.exp(d);
    if (d < -40) break;
  }
  return top + Math.log(s);
}

function tweedieFamily(v: Float64Array): Family {
  const link = links.log;
  const phi = Math.exp(v[0]), p = 1 + plogis(v[1]);
  // log W per distinct y > 0 depends only on (y, φ, p): cached for this parameter value
  const wCache = new Map<number, number>();
  const logW = (y: number) => {
    let r = wCache.get(y);
    if (r === undefined) { r = tweedieLogW(y, phi, p) - Math.log(y); wCache.set(y, r); }
    return r;
  };
  const ld = (y: number, eta: number, wt: number) => {
    const k = Math.exp((2 - p) * eta) / (2 - p);
    if (y === 0) return (-wt * k) / phi;
    return wt * ((y * Math.exp((1 - p) * eta)) / (1 - p) - k) / phi + wt * logW(y);
  };
  return {
    name: "tweedie", link, ...common(link, ld),
    variance: (mu) => phi * Math.pow(mu, p),
    muStart: (y) => y + 0.1,
    validMu: (mu) => mu > 0 && Number.isFinite(mu),
    extra: {
      values: v,
      with: (w) => tweedieFamily(Float64Array.from(w)),
      start(y, prior) {
        const [m, s2] = moments(y, prior);
        return Float64Array.of(Math.log(Math.max(s2 / Math.pow(m, 1.5), 1e-3)), 0);
      },
      derivs(y, eta, wt, out) {
        const a = y * Math.exp((1 - p) * eta), b = Math.exp((2 - p) * eta);
        out[0] = (wt * (a - b)) / phi;
        out[1] = (wt * ((1 - p) * a - (2 - p) * b)) / phi;
        out[2] = (wt * b) / phi;
      },
      report: () => [
        { name: "phi", estimate: phi, grad: Float64Array.of(phi, 0) },
        { name: "power", estimate: p, grad: Float64Array.of(0, (p - 1) * (2 - p)) },
      ],
    },
  };
}

// ---- ordinal: cumulative link model (R's ordinal::clmm). y is the category 1..K; P(Y ≤ k) = F(t_k − η),
// thresholds t₁ < … < t_{K−1} parametrized as (t₁, log(t₂ − t₁), …); η has no intercept.
interface Cdf { logF(x: number): number; logf(x: number): number; /** f′(x)/f(x) */ dlogf(x: number): number }
const cdfs: Record<"logit" | "probit", Cdf> = {
  logit: { logF: (x) => -softplus(-x), logf: (x) => -softplus(-x) - softplus(x), dlogf: (x) => 1 - 2 * plogis(x) },
  probit: { logF: (x) => logPhi(x), logf: (x) => -0.5 * x * x - 0.5 * Math.log(2 * Math.PI), dlogf: (x) => -x },
};

/** log(F(a) − F(b)) for b < a, accurate in both tails */
function logDiff(F: Cdf, a: number, b: number): number {
  if (b === -Infinity) return F.logF(a);
  if (a === Infinity) return F.logF(-b);
  // both in the upper tail: work with the survivor S(x) = F(−x) (symmetric F)
  if (a + b > 0) { const sb = F.logF(-b), sa = F.logF(-a); return sb + log1mexp(sb - sa); }
  const fa = F.logF(a), fb = F.logF(b);
  return fa + log1mexp(fa - fb);
}

function ordinalFamily(ln: "logit" | "probit", v: Float64Array, levels: readonly string[] | null): Family {
  const F = cdfs[ln];
  const K = v.length + 1;
  const t = new Float64Array(K + 1);
  t[0] = -Infinity;
  t[K] = Infinity;
  if (v.length > 0) { t[1] = v[0]; for (let k = 2; k < K; k++) t[k] = t[k - 1] + Math.exp(v[k - 1]); }
  // η is not a mean: the "link" is the identity on η (fitted values are linear predictors), named as the CDF
  const base = links.identity;
  const link: Link = { ...base, name: ln };
  const ld = (y: number, eta: number, wt: number) => (wt === 0 ? 0 : wt * logDiff(F, t[y] - eta, t[y - 1] - eta));
  return {
    name: "ordinal", link, ...common(link, ld),
    variance: () => 1,
    muStart: () => 0,
    validMu: () => true,
    extra: {
      values: v,
      with: (w) => ordinalFamily(ln, Float64Array.from(w), levels),
      start(y, prior) {
        // thresholds at the marginal cumulative proportions (η = 0)
        let K2 = 0, tot = 0;
        for (let i = 0; i < y.length; i++) { K2 = Math.max(K2, y[i]); tot += prior[i]; }
        if (levels) K2 = Math.max(K2, levels.length);
        const cnt = new Float64Array(K2 + 1);
        for (let i = 0; i < y.length; i++) cnt[y[i]] += prior[i];
        const out = new Float64Array(K2 - 1);
        let cum = 0, prev = 0;
        for (let k = 1; k < K2; k++) {
          cum += cnt[k];
          const pr = Math.min(Math.max(cum / tot, 1e-4), 1 - 1e-4);
          const q = ln === "logit" ? Math.log(pr / (1 - pr)) : qnorm(pr);
          out[k - 1] = k === 1 ? q : Math.log(Math.max(q - prev, 1e-2));
          prev = k === 1 ? q : prev + Math.exp(out[k - 1]);
        }
        return out;
      },
      derivs(y, eta, wt, out) {
        const a = t[y] - eta, b = t[y - 1] - eta;
        const lp = logDiff(F, a, b);
        // f(x)/P and f′(x)/P through logs (P may be tiny in a tail)
        const ra = a === Infinity ? 0 : Math.exp(F.logf(a) - lp), rb = b === -Infinity ? 0 : Math.exp(F.logf(b) - lp);
        const pa = a === Infinity ? 0 : ra * F.dlogf(a), pb = b === -Infinity ? 0 : rb * F.dlogf(b);
        const d1 = -(ra - rb);
        const d2 = pa - pb - d1 * d1;
        out[0] = wt * d1;
        out[1] = wt * d2;
        out[2] = Math.max(-wt * d2, 1e-12);
      },
      report() {
        const names = levels ?? Array.from({ length: K }, (_, k) => String(k + 1));
        const rows = [];
        for (let k = 1; k < K; k++) {
          const g = new Float64Array(K - 1);
          g[0] = 1;
          for (let j = 1; j < k; j++) g[j] = Math.exp(v[j]);
          rows.push({ name: `${names[k - 1]}|${names[k]}`, estimate: t[k], grad: g });
        }
        return rows;
      },
    },
  };
}
