// Models without random effects — R's lm() and glm() — for the fits the diagnostics recommend
// ("model the 3 batches as a fixed effect") and as the baseline of likelihood-ratio tests.
// IRLS with step-halving on the deviance (exact in one step for gaussian with identity link);
// the negative binomial size by maximum likelihood as MASS::glm.nb.
import { UserError } from "../errors.js";
import { type Family, makeFamily } from "../families/family.js";
import { pnormUpper } from "../families/special.js";
import type { ModelStructure } from "../formula/types.js";
import { cholInverse, cholLower } from "../linalg/dense.js";
import { pt2 } from "../inference/distributions.js";
import { bobyqa } from "../optim/index.js";
import type { FixefRow } from "../glmm/glmm.js";

/** Options of the GLM engine (R's glm): family, link, prior weights and the iteration limit. */
export interface GLMOptions {
  readonly family?: string | Family;
  readonly link?: string;
  /** prior weights per row (model rows) */
  readonly weights?: Float64Array;
  readonly maxit?: number;
}

/** A fitted GLM (no random effects), R's glm/lm: coefficients, vcov, dispersion, deviance and log-likelihood. */
export interface FittedGLM {
  readonly kind: "glm";
  readonly family: string;
  readonly link: string;
  readonly method: string;
  readonly nobs: number;
  readonly p: number;
  readonly xnames: readonly string[];
  readonly beta: Float64Array;
  readonly vcov: Float64Array;
  readonly fixef: FixefRow[];
  /** residual degrees of freedom n − p (t tests for gaussian and Gamma) */
  readonly dfResidual: number;
  /** dispersion used for the standard errors (R's summary.glm) */
  readonly dispersion: number;
  readonly sigma: number;
  readonly nbSize: number | null;
  readonly logLik: number;
  readonly df: number;
  readonly AIC: number;
  readonly BIC: number;
  readonly deviance: number;
  readonly fitted: Float64Array;
  readonly eta: Float64Array;
  readonly residuals: Float64Array;
  readonly converged: boolean;
  readonly warnings: string[];
  readonly evaluations: number;
  readonly singular: false;
}

interface IrlsResult {
  beta: Float64Array;
  eta: Float64Array;
  mu: Float64Array;
  w: Float64Array;
  dev: number;
  iterations: number;
  converged: boolean;
  XtWXinv: Float64Array | null;
}

function irls(ms: ModelStructure, fam: Family, y: Float64Array, prior: Float64Array, maxit: number, start?: Float64Array): IrlsResult {
  const { n, p, X } = ms;
  const off = ms.offset ?? new Float64Array(n);
  const eta = new Float64Array(n), mu = new Float64Array(n), w = new Float64Array(n), z = new Float64Array(n);
  const link = fam.link;
  const devOf = (m: Float64Array) => {
    let d = 0;
    for (let i = 0; i < n; i++) if (prior[i] !== 0) d += fam.devResid(y[i], m[i], prior[i]);
    return d;
  };
  let beta = new Float64Array(p);
  if (start) {
    beta = Float64Array.from(start);
    for (let i = 0; i < n; i++) {
      let e = off[i];
      for (let j = 0; j < p; j++) e += X[i + j * n] * beta[j];
      eta[i] = e;
      mu[i] = link.linkinv(e);
    }
  } else {
    for (let i = 0; i < n; i++) {
      mu[i] = fam.muStart(y[i], prior[i] || 1);
      eta[i] = link.linkfun(mu[i]);
    }
  }
  let dev = start ? devOf(mu) : Infinity;
  let converged = false;
  let it = 0;
  const A = new Float64Array(p * p), b = new Float64Array(p);
  let XtWXinv: Float64Array | null = null;
  for (; it < maxit; it++) {
    for (let i = 0; i < n; i++) {
      const me = link.muEta(eta[i]);
      w[i] = prior[i] === 0 ? 0 : (prior[i] * me * me) / fam.variance(mu[i]);
      z[i] = eta[i] - off[i] + (y[i] - mu[i]) / me;
    }
    A.fill(0);
    b.fill(0);
    for (let j = 0; j < p; j++) {
      const cj = j * n;
      for (let k = 0; k <= j; k++) {
        const ck = k * n;
        let s = 0;
        for (let i = 0; i < n; i++) s += X[cj + i] * w[i] * X[ck + i];
        A[j + k * p] = s;
      }
      let s = 0;
      for (let i = 0; i < n; i++) s += X[cj + i] * w[i] * z[i];
      b[j] = s;
    }
    const L = Float64Array.from(A);
    if (cholLower(L, p) >= 0) throw new UserError("the fixed-effect model matrix is rank deficient at the current weights (separation or an empty factor level?)");
    const inv = cholInverse(L, p);
    const nb = new Float64Array(p);
    for (let a = 0; a < p; a++) for (let c = 0; c < p; c++) nb[a] += inv[a + c * p] * b[c];
    // step-halving on the deviance
    let f = 1;
    let newDev = Infinity;
    const etaTry = new Float64Array(n), muTry = new Float64Array(n);
    const bt = new Float64Array(p);
    for (let h = 0; h < 20; h++) {
      for (let j = 0; j < p; j++) bt[j] = beta[j] + f * (nb[j] - beta[j]);
      let ok = true;
      for (let i = 0; i < n; i++) {
        let e = off[i];
        for (let j = 0; j < p; j++) e += X[i + j * n] * bt[j];
        etaTry[i] = e;
        muTry[i] = link.linkinv(e);
        if (!fam.validMu(muTry[i])) ok = false;
      }
      newDev = ok ? devOf(muTry) : Infinity;
      if (Number.isFinite(newDev) && newDev <= dev + 1e-12 * Math.abs(dev)) break;
      if (!Number.isFinite(dev) && Number.isFinite(newDev)) break;
      f /= 2;
    }
    const change = Math.abs(dev - newDev);
    beta = Float64Array.from(bt);
    eta.set(etaTry);
    mu.set(muTry);
    const prev = dev;
    dev = newDev;
    XtWXinv = inv;
    if (Number.isFinite(prev) && change <= 1e-10 * (Math.abs(dev) + 0.1)) { converged = true; it++; break; }
  }
  // the covariance at the final weights
  for (let i = 0; i < n; i++) {
    const me = link.muEta(eta[i]);
    w[i] = prior[i] === 0 ? 0 : (prior[i] * me * me) / fam.variance(mu[i]);
  }
  const A2 = new Float64Array(p * p);
  for (let j = 0; j < p; j++)
    for (let k = 0; k <= j; k++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += X[j * n + i] * w[i] * X[k * n + i];
      A2[j + k * p] = s;
    }
  XtWXinv = cholLower(A2, p) < 0 ? cholInverse(A2, p) : XtWXinv;
  return { beta, eta, mu, w, dev, iterations: it, converged, XtWXinv };
}

/** Fit a linear or generalized linear model (no random effects). */
export function fitGLM(ms: ModelStructure, options: GLMOptions = {}): FittedGLM {
  const famIn = options.family ?? "gaussian";
  let fam = typeof famIn === "string" ? makeFamily(famIn, options.link) : famIn;
  if (!ms.response) throw new UserError("a model needs a response (left-hand side of the formula)");
  const { n, p } = ms;
  if (n <= p) throw new UserError(`${n} rows for ${p} coefficients: the model is not estimable`);
  const y = Float64Array.from(ms.response.y);
  const prior = new Float64Array(n).fill(1);
  if (options.weights) prior.set(options.weights);
  if (fam.name === "binomial" && ms.response.trials) for (let i = 0; i < n; i++) prior[i] *= ms.response.trials[i];
  const maxit = options.maxit ?? 100;
  const warnings: string[] = [];
  let res = irls(ms, fam, y, prior, maxit);
  let evaluations = res.iterations;
  let nbSize: number | null = null;
  const logLikAt = (f: Family, mu: Float64Array, phi: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) if (prior[i] !== 0) s += f.logDensity(y[i], mu[i], prior[i], phi);
    return s;
  };
  if (fam.name === "negative_binomial") {
    // log(size) by maximum likelihood, IRLS for β at each size (MASS::glm.nb alternates the two)
    let best = res;
    const nll = (x: Float64Array) => {
      const f = makeFamily("negative_binomial", fam.link.name, Math.exp(x[0]));
      const r = irls(ms, f, y, prior, maxit, best.beta);
      evaluations += r.iterations;
      const v = -logLikAt(f, r.mu, 1);
      if (Number.isFinite(v)) best = r;
      return v;
    };
    const opt = bobyqa(nll, [0], { rhobeg: 1, rhoend: 1e-7, maxfun: 500 });
    nbSize = Math.exp(opt.x[0]);
    fam = makeFamily("negative_binomial", fam.link.name, nbSize);
    res = irls(ms, fam, y, prior, maxit, best.beta);
    if (nbSize > 1e8) warnings.push("the negative binomial size runs off to the Poisson limit: no overdispersion; a Poisson model fits as well");
  }
  if (!res.converged) warnings.push(`IRLS did not converge in ${maxit} iterations`);
  const dfResidual = n - p;
  // R's summary.glm: dispersion from the Pearson χ² for families that estimate it
  let dispersion = 1;
  if (fam.estimatesDispersion) {
    let chi2 = 0;
    for (let i = 0; i < n; i++) if (prior[i] !== 0) chi2 += (prior[i] * (y[i] - res.mu[i]) ** 2) / fam.variance(res.mu[i]);
    dispersion = chi2 / dfResidual;
  }
  const V = new Float64Array(p * p);
  const inv = res.XtWXinv ?? new Float64Array(p * p).fill(NaN);
  for (let i = 0; i < p * p; i++) V[i] = inv[i] * dispersion;
  const useT = fam.estimatesDispersion;
  const fixef: FixefRow[] = ms.xnames.map((term, j) => {
    const se = Math.sqrt(V[j + j * p]);
    const stat = res.beta[j] / se;
    return { term, estimate: res.beta[j], se, statistic: stat, p: useT ? pt2(stat, dfResidual) : 2 * pnormUpper(Math.abs(stat)) };
  });
  // log-likelihood with the ML dispersion (R's logLik for lm/glm: deviance/n for gaussian and Gamma)
  const phiML = fam.estimatesDispersion ? (fam.name === "gaussian" ? res.dev / prior.reduce((a, b) => a + b, 0) : res.dev / n) : 1;
  const logLik = logLikAt(fam, res.mu, phiML);
  const df = p + (fam.estimatesDispersion ? 1 : 0) + (nbSize !== null ? 1 : 0);
  const residuals = new Float64Array(n);
  for (let i = 0; i < n; i++) residuals[i] = y[i] - res.mu[i];
  const isLM = fam.name === "gaussian" && fam.link.name === "identity";
  return {
    kind: "glm", family: fam.name, link: fam.link.name, method: isLM ? "least squares" : "IRLS (maximum likelihood)",
    nobs: n, p, xnames: ms.xnames, beta: res.beta, vcov: V, fixef, dfResidual, dispersion,
    sigma: fam.name === "gaussian" ? Math.sqrt(dispersion) : 1, nbSize,
    logLik, df, AIC: -2 * logLik + 2 * df, BIC: -2 * logLik + Math.log(n) * df, deviance: res.dev,
    fitted: res.mu, eta: res.eta, residuals, converged: res.converged, warnings, evaluations, singular: false,
  };
}
