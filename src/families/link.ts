// Link functions: η = g(μ), μ = g⁻¹(η), dμ/dη — and the log-domain quantities the likelihood needs
// (log μ, log(1 − μ), log|dμ/dη| and the η-derivatives of log μ and log(1 − μ)), computed from η
// without rounding μ first: a cloglog survivor at η = 13.6 must cost e^13.6, not the −36 that a μ
// clamped at 1 − ε gives. linkinv and muEta keep R's clamps (μ for reports, GLM/GEE weights);
// the likelihood (PIRLS, Laplace, AGQ) goes through the log-domain functions.
import { pnorm, qnorm, dnorm, logPhi, millsFraction } from "./special.js";

/** The link names fit() accepts. */
export type LinkName = "logit" | "probit" | "cloglog" | "log" | "identity" | "inverse" | "sqrt";

/** A link function with its inverse and derivative. */
export interface Link {
  readonly name: LinkName;
  linkfun(mu: number): number;
  linkinv(eta: number): number;
  /** dμ/dη at η */
  muEta(eta: number): number;
  /** log μ from η, exactly (NaN outside the link's range) */
  logMu(eta: number): number;
  /** log(1 − μ) from η, exactly (links for probabilities; NaN where μ ≥ 1, and for the others) */
  log1mMu(eta: number): number;
  /** log |dμ/dη| */
  logMuEta(eta: number): number;
  /**
   * Links for probabilities: out = [a′, a″, b′, b″] with a = log μ, b = log(1 − μ) as functions of η
   * (the binomial score is s·a′ + f·b′ and the observed information −s·a″ − f·b″).
   */
  logDerivs?(eta: number, out: Float64Array): void;
}

const EPS = 2.220446049250313e-16;
const THRESH = 30; // logit/log clamps, as R's binomial()$linkinv and poisson()
const MAXLOG = 709.78; // log(DBL_MAX)
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/** log(1 + eˣ) without overflow or loss for x ≪ 0 */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}
/** log(1 − e⁻ᵃ) for a ≥ 0 (Mächler's log1mexp) */
export function log1mexp(a: number): number {
  return a <= Math.LN2 ? Math.log(-Math.expm1(-a)) : Math.log1p(-Math.exp(-a));
}
/** the logistic function 1/(1 + e⁻ˣ), exact in both tails */
function plogis(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}
/** φ(x)/Φ(x) (the inverse Mills ratio of −x) */
function millsInv(x: number): number {
  return Math.exp(-0.5 * x * x - LOG_SQRT_2PI - logPhi(x));
}
/** [λ, λ − t] for λ = φ(t)/Φ(−t), t ≥ 5, from the continued fraction (no cancellation) */
function millsTail(t: number): [number, number] {
  const inv = 1 / millsFraction(t, 2);
  return [t + inv, inv];
}
/** −expm1(−x) − x = −x²/2 + x³/6 − …, accurate for small x */
function oneMinusExpMinusX(x: number): number {
  if (Math.abs(x) < 0.01) return x * x * (-0.5 + x * (1 / 6 + x * (-1 / 24 + x * (1 / 120 - x / 720))));
  return -Math.expm1(-x) - x;
}

export const links: Record<LinkName, Link> = {
  logit: {
    name: "logit",
    linkfun: (mu) => Math.log(mu / (1 - mu)),
    linkinv: (eta) => {
      const t = eta < -THRESH ? EPS : eta > THRESH ? 1 / EPS : Math.exp(eta);
      return t / (1 + t);
    },
    muEta: (eta) => {
      const opexp = 1 + Math.exp(eta);
      return eta > THRESH || eta < -THRESH ? EPS : Math.exp(eta) / (opexp * opexp);
    },
    logMu: (eta) => -softplus(-eta),
    log1mMu: (eta) => -softplus(eta),
    logMuEta: (eta) => -Math.abs(eta) - 2 * Math.log1p(Math.exp(-Math.abs(eta))),
    logDerivs: (eta, out) => {
      const m = plogis(eta), m1 = plogis(-eta);
      out[0] = m1; out[1] = -m * m1; out[2] = -m; out[3] = -m * m1;
    },
  },
  probit: {
    name: "probit",
    linkfun: (mu) => qnorm(mu),
    linkinv: (eta) => {
      const t = -qnorm(EPS);
      return pnorm(Math.min(Math.max(eta, -t), t));
    },
    muEta: (eta) => Math.max(dnorm(eta), EPS),
    logMu: (eta) => logPhi(eta),
    log1mMu: (eta) => logPhi(-eta),
    logMuEta: (eta) => -0.5 * eta * eta - LOG_SQRT_2PI,
    logDerivs: (eta, out) => {
      // a′ = λ = φ/Φ, a″ = −λ(η + λ); in a tail (|η| > 5) λ ≈ |η| and η + λ cancels: there
      // λ = t + 1/F and η + λ = 1/F with F the Mills ratio's continued fraction (t = |η|)
      const [l, tailL] = eta < -5 ? millsTail(-eta) : [millsInv(eta), eta + millsInv(eta)];
      const [r, tailR] = eta > 5 ? millsTail(eta) : [millsInv(-eta), millsInv(-eta) - eta];
      out[0] = l; out[1] = -l * tailL; out[2] = -r; out[3] = -r * tailR;
    },
  },
  cloglog: {
    name: "cloglog",
    linkfun: (mu) => Math.log(-Math.log(1 - mu)),
    linkinv: (eta) => Math.max(Math.min(-Math.expm1(-Math.exp(eta)), 1 - EPS), EPS),
    muEta: (eta) => {
      const e = Math.min(eta, 700);
      return Math.max(Math.exp(e) * Math.exp(-Math.exp(e)), EPS);
    },
    logMu: (eta) => log1mexp(Math.exp(eta)),
    log1mMu: (eta) => -Math.exp(eta),
    logMuEta: (eta) => eta - Math.exp(eta),
    logDerivs: (eta, out) => {
      // a = log(1 − e^(−x)), x = eᶯ: a′ = x t/(1 − t), a″ = x t (1 − t − x)/(1 − t)², t = e^(−x)
      const x = Math.exp(eta), t = Math.exp(-x), omt = -Math.expm1(-x);
      out[0] = x === 0 ? 1 : (x * t) / omt;
      out[1] = x === 0 ? 0 : (x * t * oneMinusExpMinusX(x)) / (omt * omt);
      out[2] = -x; out[3] = -x;
    },
  },
  log: {
    name: "log",
    linkfun: (mu) => Math.log(mu),
    linkinv: (eta) => Math.max(Math.exp(Math.min(eta, MAXLOG)), EPS),
    muEta: (eta) => Math.max(Math.exp(Math.min(eta, MAXLOG)), EPS),
    logMu: (eta) => eta,
    log1mMu: (eta) => (eta < 0 ? log1mexp(-eta) : eta === 0 ? -Infinity : NaN),
    logMuEta: (eta) => eta,
    logDerivs: (eta, out) => {
      // b = log(1 − eᶯ): b′ = −1/expm1(−η), b″ = −e^(−η)/expm1(−η)²
      const d = Math.expm1(-eta);
      out[0] = 1; out[1] = 0; out[2] = -1 / d; out[3] = -Math.exp(-eta) / (d * d);
    },
  },
  identity: {
    name: "identity", linkfun: (mu) => mu, linkinv: (eta) => eta, muEta: () => 1,
    logMu: (eta) => Math.log(eta), log1mMu: () => NaN, logMuEta: () => 0,
  },
  inverse: {
    name: "inverse", linkfun: (mu) => 1 / mu, linkinv: (eta) => 1 / eta, muEta: (eta) => -1 / (eta * eta),
    logMu: (eta) => -Math.log(eta), log1mMu: () => NaN, logMuEta: (eta) => -2 * Math.log(Math.abs(eta)),
  },
  sqrt: {
    name: "sqrt", linkfun: (mu) => Math.sqrt(mu), linkinv: (eta) => eta * eta, muEta: (eta) => 2 * eta,
    // R's sqrt link needs η > 0 (μ = η² would otherwise fold negative η onto positive)
    logMu: (eta) => (eta > 0 ? 2 * Math.log(eta) : eta === 0 ? -Infinity : NaN), log1mMu: () => NaN, logMuEta: (eta) => Math.log(2 * Math.abs(eta)),
  },
};
