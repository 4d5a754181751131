// Link functions: η = g(μ), μ = g⁻¹(η), dμ/dη. Inverse links clamp like R's so that μ stays valid.
import { pnorm, qnorm, dnorm } from "./special.js";

export type LinkName = "logit" | "probit" | "cloglog" | "log" | "identity" | "inverse" | "sqrt";

export interface Link {
  readonly name: LinkName;
  linkfun(mu: number): number;
  linkinv(eta: number): number;
  /** dμ/dη at η */
  muEta(eta: number): number;
}

const EPS = 2.220446049250313e-16;
const THRESH = 30; // logit/log clamps, as R's binomial()$linkinv and poisson()
const MAXLOG = 709.78; // log(DBL_MAX)

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
  },
  probit: {
    name: "probit",
    linkfun: (mu) => qnorm(mu),
    linkinv: (eta) => {
      const t = -qnorm(EPS);
      return pnorm(Math.min(Math.max(eta, -t), t));
    },
    muEta: (eta) => Math.max(dnorm(eta), EPS),
  },
  cloglog: {
    name: "cloglog",
    linkfun: (mu) => Math.log(-Math.log(1 - mu)),
    linkinv: (eta) => Math.max(Math.min(-Math.expm1(-Math.exp(eta)), 1 - EPS), EPS),
    muEta: (eta) => {
      const e = Math.min(eta, 700);
      return Math.max(Math.exp(e) * Math.exp(-Math.exp(e)), EPS);
    },
  },
  log: {
    name: "log",
    linkfun: (mu) => Math.log(mu),
    linkinv: (eta) => Math.max(Math.exp(Math.min(eta, MAXLOG)), EPS),
    muEta: (eta) => Math.max(Math.exp(Math.min(eta, MAXLOG)), EPS),
  },
  identity: { name: "identity", linkfun: (mu) => mu, linkinv: (eta) => eta, muEta: () => 1 },
  inverse: { name: "inverse", linkfun: (mu) => 1 / mu, linkinv: (eta) => 1 / eta, muEta: (eta) => -1 / (eta * eta) },
  sqrt: { name: "sqrt", linkfun: (mu) => Math.sqrt(mu), linkinv: (eta) => eta * eta, muEta: (eta) => 2 * eta },
};
