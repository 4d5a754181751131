// Simulation of new responses from a fitted model, as lme4's simulate(): new random effects are
// drawn from their fitted distribution N(0, Σ) (or, with `conditional`, the fitted conditional modes
// are kept — lme4's use.u = TRUE), the linear predictor is formed on the model's rows, and a response
// is drawn from the family: normal with σ, binomial with the row's trials, Poisson, negative
// binomial with the fitted size, Gamma with the fitted dispersion; zero-inflated, hurdle and
// dispersion-formula models as glmmTMB's simulate (simulate-zi.ts).
import { UserError } from "../errors.js";
import { makeFamily } from "../families/family.js";
import type { FittedGLMM } from "../glmm/glmm.js";
import type { ModelFit } from "./model.js";
import { Rng } from "./rng.js";
import { isExtendedFit, sideModelSampler } from "./simulate-zi.js";
import { type SysTerm, formulaOrder } from "../lmm/reterms.js";

/** Options of {@link simulateResponses} (lme4's simulate.merMod): number of responses, seed or generator, and whether to keep the fitted random effects (conditional). */
export interface SimulateOptions {
  /** number of simulated response vectors (default 1) */
  readonly nsim?: number;
  /** seed of the generator (default 1); ignored when `rng` is given */
  readonly seed?: number;
  readonly rng?: Rng;
  /** keep the fitted conditional modes instead of drawing new random effects */
  readonly conditional?: boolean;
}

/** λ of one term at θ (s×s column-major lower triangle) */
export function lambdaAt(t: SysTerm, theta: ArrayLike<number>): Float64Array {
  const s = t.s;
  const lam = new Float64Array(s * s);
  let k = t.thetaOffset;
  for (let c = 0; c < s; c++) for (let r = c; r < s; r++) lam[r + c * s] = theta[k++];
  return lam;
}

/** Xβ + offset on the model's rows */
export function fixedPredictor(m: ModelFit): Float64Array {
  const { ms } = m;
  const n = ms.n, p = ms.p;
  const eta = ms.offset ? Float64Array.from(ms.offset) : new Float64Array(n);
  const beta = m.fit.beta;
  for (let j = 0; j < p; j++) {
    const bj = beta[j];
    for (let i = 0; i < n; i++) eta[i] += ms.X[i + j * n] * bj;
  }
  return eta;
}

/** add Z b to eta, where b per system term is level-major (level l, column c at l·s + c) */
export function addRandomPart(eta: Float64Array, terms: readonly SysTerm[], b: readonly Float64Array[]): void {
  const n = eta.length;
  terms.forEach((t, ti) => {
    const { s, term } = t;
    const bt = b[ti];
    for (let i = 0; i < n; i++) {
      const o = term.refs[i] * s;
      let acc = 0;
      for (let c = 0; c < s; c++) acc += term.z[i * s + c] * bt[o + c];
      eta[i] += acc;
    }
  });
}

/**
 * One draw of the random effects per system term: b_l = scale·λ u_l, u_l ~ N(0, I); with a known
 * covariance b = scale·λ L_K u, and for a tree the Brownian motion itself (each node = its parent +
 * N(0, branch length)), whose tips have covariance K.
 */
export function drawRandomEffects(terms: readonly SysTerm[], theta: ArrayLike<number>, scale: number, rng: Rng): Float64Array[] {
  return terms.map((t) => {
    const { s, nl } = t;
    const lam = lambdaAt(t, theta);
    if (t.tree) {
      const { parent, precision } = t.tree;
      const a = new Float64Array(t.tree.size);
      for (let k = a.length - 1; k >= 0; k--) a[k] = (parent[k] < 0 ? 0 : a[parent[k]]) + rng.normal() / Math.sqrt(precision[k]);
      return Float64Array.from(t.tree.levelNode, (k) => scale * lam[0] * a[k]);
    }
    const LK = t.kfac ?? t.kprec?.L ?? null;
    if (LK) {
      const u = Float64Array.from({ length: nl }, () => rng.normal());
      const b = new Float64Array(nl);
      for (let l = 0; l < nl; l++) {
        let acc = 0;
        for (let k = 0; k <= l; k++) acc += LK[l + k * nl] * u[k];
        b[l] = scale * lam[0] * acc;
      }
      return b;
    }
    const b = new Float64Array(s * nl);
    const u = new Float64Array(s);
    for (let l = 0; l < nl; l++) drawLowerNormal(lam, s, scale, rng, u, b, l * s);
    return b;
  });
}

/** out[off + r] = scale·(L u)_r with u ~ N(0, I_s) drawn into `u` (L lower triangular s×s, column-major) */
export function drawLowerNormal(L: Float64Array, s: number, scale: number, rng: Rng, u: Float64Array, out: Float64Array, off: number): void {
  for (let c = 0; c < s; c++) u[c] = rng.normal();
  for (let r = 0; r < s; r++) {
    let acc = 0;
    for (let c = 0; c <= r; c++) acc += L[r + c * s] * u[c];
    out[off + r] = scale * acc;
  }
}

/** the fitted conditional modes per system term, level-major */
export function fittedRandomEffects(m: ModelFit): Float64Array[] {
  const terms = m.fit.terms;
  const order = formulaOrder(terms);
  const out: Float64Array[] = new Array(terms.length);
  order.forEach((ti, k) => {
    const t = terms[ti];
    const r = m.fit.ranef[k];
    const b = new Float64Array(t.s * t.nl);
    for (let l = 0; l < t.nl; l++) for (let c = 0; c < t.s; c++) b[l * t.s + c] = r.values[c][l];
    out[ti] = b;
  });
  return out;
}

/** Simulated responses on the model's rows (binomial: proportions, as the model's response). */
export function simulateResponses(m: ModelFit, options: SimulateOptions = {}): Float64Array[] {
  const nsim = options.nsim ?? 1;
  if (!(Number.isInteger(nsim) && nsim >= 1)) throw new UserError(`the number of simulations must be a positive integer, not ${nsim}`);
  const rng = options.rng ?? new Rng(options.seed ?? 1);
  const draw = responseSampler(m, options.conditional ?? false);
  const fixed = fixedPredictor(m);
  const out: Float64Array[] = [];
  const cond = options.conditional ? fittedRandomEffects(m) : null;
  const f = m.fit;
  const reScale = f.kind === "lmm" ? f.sigma : 1;
  for (let k = 0; k < nsim; k++) {
    const eta = Float64Array.from(fixed);
    const b = cond ?? drawRandomEffects(f.terms, f.theta, reScale, rng);
    addRandomPart(eta, f.terms, b);
    out.push(draw(eta, rng));
  }
  return out;
}

/** η → a simulated response vector, per the fitted family (`conditional`: a zi part's random effects at their modes, else drawn) */
export function responseSampler(m: ModelFit, conditional = false): (eta: Float64Array, rng: Rng) => Float64Array {
  const f = m.fit;
  const n = m.ms.n;
  if (f.kind === "lmm") {
    const sigma = f.sigma;
    return (eta, rng) => {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) y[i] = eta[i] + sigma * rng.normal();
      return y;
    };
  }
  const g = f as FittedGLMM;
  // zero-inflation, hurdles, dispersion formulas and NB1 (simulate-zi.ts)
  if (isExtendedFit(m)) return sideModelSampler(m, conditional);
  if (g.familyExtra) return extendedSampler(g, n, m.ms.response?.trials ?? null);
  const fam = makeFamily(g.family, g.link, g.nbSize ?? 1);
  const linkinv = fam.link.linkinv;
  const trials = m.ms.response?.trials ?? null;
  const w = m.weights;
  const prior = new Float64Array(n);
  for (let i = 0; i < n; i++) prior[i] = (trials ? trials[i] : 1) * (w ? w[i] : 1);
  return (eta, rng) => {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const mu = linkinv(eta[i]);
      switch (g.family) {
        case "binomial": {
          const ni = Math.round(prior[i]);
          y[i] = ni > 0 ? rng.binomial(ni, Math.min(1, Math.max(0, mu))) / ni : 0;
          break;
        }
        case "poisson": y[i] = rng.poisson(mu); break;
        case "negative_binomial": y[i] = rng.negativeBinomial(mu, g.nbSize!); break;
        case "Gamma": {
          const shape = prior[i] / g.dispersion;
          y[i] = (rng.gamma(shape) * mu) / shape;
          break;
        }
        case "gaussian": y[i] = mu + Math.sqrt(g.dispersion / prior[i]) * rng.normal(); break;
        default: throw new UserError(`simulation is not available for family ${g.family}`);
      }
    }
    return y;
  };
}

/**
 * Samplers of the extended families at the fitted parameters: beta from two gammas; betabinomial a
 * beta probability then a binomial (y = successes/trials); tweedie a Poisson number of gamma
 * summands; ordinal the category of the latent η + ε (ε logistic or normal) among the thresholds.
 */
function extendedSampler(g: FittedGLMM, n: number, trials: Float64Array | null): (eta: Float64Array, rng: Rng) => Float64Array {
  const par = new Map((g.familyParams ?? []).map((p) => [p.name, p.estimate]));
  const phi = par.get("phi") ?? NaN, power = par.get("power") ?? NaN;
  const thresholds = (g.familyParams ?? []).map((p) => p.estimate);
  const logistic = (x: number) => 1 / (1 + Math.exp(-x));
  return (eta, rng) => {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const e = eta[i];
      switch (g.family) {
        case "beta": { const mu = logistic(e); y[i] = rng.beta(mu * phi, (1 - mu) * phi); break; }
        case "betabinomial": {
          const mu = logistic(e), ni = Math.round(trials ? trials[i] : 1);
          y[i] = ni > 0 ? rng.binomial(ni, rng.beta(mu * phi, (1 - mu) * phi)) / ni : 0;
          break;
        }
        case "tweedie": {
          // N ~ Poisson(μ^(2−p)/(φ(2−p))), each summand Gamma(shape (2−p)/(p−1), scale φ(p−1)μ^(p−1))
          const mu = Math.exp(e), N = rng.poisson(Math.pow(mu, 2 - power) / (phi * (2 - power)));
          y[i] = N === 0 ? 0 : rng.gamma((N * (2 - power)) / (power - 1)) * phi * (power - 1) * Math.pow(mu, power - 1);
          break;
        }
        case "ordinal": {
          const u = rng.random();
          const latent = e + (g.link === "probit" ? rng.normal() : Math.log(u / (1 - u)));
          let k = 1;
          while (k <= thresholds.length && latent > thresholds[k - 1]) k++;
          y[i] = k;
          break;
        }
        default: throw new UserError(`simulation is not available for family ${g.family}`);
      }
    }
    return y;
  };
}
