// Intervals for predictions by simulation (`glmm predict --interval ... --nsim N --seed S`), as lme4
// users build them with merTools' predictInterval: per simulation, β* ~ N(β̂, V(β̂)); per row and
// random-effect term, the group's effect from the distribution predict-interval.ts gives it
// (b̂ + N(0, CondVar) for a level the model has seen, N(0, Σ) for a new level or a population-level
// prediction interval, none for a population-level confidence interval); for "prediction" also the
// new observation: N(0, σ²/w) for an LMM, a draw from the family at μ* = g⁻¹(η*) for a GLMM. The
// limits are the α/2 and 1 − α/2 percentiles (R's quantile type 7) of the N simulated values, on
// the prediction's scale. Differences from merTools: a new level draws its effect from N(0, Σ)
// (merTools sets it to 0), and a GLMM's observation is drawn from its family (merTools adds
// N(0, 1) on the link scale for binomial models).
//
// Rows are independent draws: the limits are per-row percentiles, which depend only on each row's
// own distribution, so the cost is O(N·(p + Σ s²) + N log N) per row — linear in N × rows, memory
// O(N·p) — and nothing of size n × n or n × N is formed. The stream depends only on the seed: β*
// for all N first, then the rows in order.
import { UserError } from "../errors.js";
import { makeFamily } from "../families/family.js";
import type { Link } from "../families/link.js";
import type { FittedGLMM } from "../glmm/glmm.js";
import { cholLower } from "../linalg/dense.js";
import type { ModelFit } from "./model.js";
import type { NewDesign } from "./newdata.js";
import { checkIntervalInput, intervalBlocks, residualVariances, type IntervalInput, type IntervalResult } from "./predict-interval.js";
import { Rng } from "./rng.js";
import { drawLowerNormal } from "./simulate.js";
import { quantile7 } from "./distributions.js";

/** Simulation settings of {@link simulatedIntervals}. */
export interface SimulationInput {
  /** number of simulations (≥ 2) */
  readonly nsim: number;
  /** seed of the generator (default 1) */
  readonly seed?: number;
  /** binomial trials per row for simulated responses (the fitted rows' trials), or null (one trial) */
  readonly trials?: Float64Array | null;
}

/** Lower Cholesky factor of a small PSD block; a zero (or rounding-negative) pivot gives a zero column. */
function psdFactor(block: Float64Array, s: number): Float64Array {
  const L = new Float64Array(s * s);
  for (let j = 0; j < s; j++) {
    let d = block[j + j * s];
    for (let k = 0; k < j; k++) d -= L[j + k * s] ** 2;
    if (!(d > 1e-14 * Math.abs(block[j + j * s]))) continue;
    const r = Math.sqrt(d);
    L[j + j * s] = r;
    for (let i = j + 1; i < s; i++) {
      let a = block[i + j * s];
      for (let k = 0; k < j; k++) a -= L[i + k * s] * L[j + k * s];
      L[i + j * s] = a / r;
    }
  }
  return L;
}

/** a new observation's draw given its link-scale value, or null for a confidence interval */
function observationSampler(m: ModelFit, d: NewDesign, opts: IntervalInput, sim: SimulationInput): ((i: number, eta: number, rng: Rng) => number) | null {
  if (opts.kind !== "prediction") return null;
  const f = m.fit;
  if (f.kind === "lmm") {
    const res = residualVariances(m, d.n, opts.weights)!;
    const sd = Float64Array.from(res, Math.sqrt);
    return (i, eta, rng) => eta + sd[i] * rng.normal();
  }
  const g = f as FittedGLMM;
  if (opts.type !== "response") throw new UserError("a GLMM's simulated prediction interval is for a new observation of the response: use --type response");
  if (g.familyExtra || g.zi || g.hurdle || g.disp || !["binomial", "poisson", "negative_binomial", "Gamma", "gaussian"].includes(g.family))
    throw new UserError(`simulated prediction intervals draw the response from the family: available for binomial, poisson, negative_binomial, Gamma and gaussian GLMMs, not ${g.family}${g.zi || g.hurdle ? " with a zero part" : ""}${g.disp ? " with a dispersion formula" : ""} (use --interval confidence)`);
  const linkinv = makeFamily(g.family, g.link, g.nbSize ?? 1).link.linkinv;
  const trials = sim.trials ?? null;
  const w = opts.weights ?? null;
  return (i, eta, rng) => {
    const mu = linkinv(eta);
    switch (g.family) {
      case "binomial": {
        const ni = Math.round(trials ? trials[i] : 1);
        return ni > 0 ? rng.binomial(ni, Math.min(1, Math.max(0, mu))) / ni : NaN;
      }
      case "poisson": return rng.poisson(mu);
      case "negative_binomial": return rng.negativeBinomial(mu, g.nbSize!);
      case "Gamma": {
        const shape = (w ? w[i] : 1) / g.dispersion;
        return (rng.gamma(shape) * mu) / shape;
      }
      default: return mu + Math.sqrt(g.dispersion / (w ? w[i] : 1)) * rng.normal();
    }
  };
}

/**
 * Interval limits by simulation for the link-scale predictions `eta` (with b̂ for conditional
 * predictions) of the design `d`: percentiles of N simulated values per row. `sd` is the SD of the
 * simulated link-scale values (β and the random effects; without the new observation's draw).
 */
export function simulatedIntervals(m: ModelFit, d: NewDesign, eta: Float64Array, link: Link, opts: IntervalInput, sim: SimulationInput): IntervalResult {
  const level = checkIntervalInput(m, opts);
  const nsim = sim.nsim;
  if (!(Number.isInteger(nsim) && nsim >= 2)) throw new UserError(`--nsim must be an integer of at least 2, not ${nsim}`);
  if ((opts.method ?? "backtransform") !== "backtransform") throw new UserError("--nsim gives percentile intervals; it does not combine with --interval-method delta");
  const f = m.fit;
  const p = f.beta.length, n = d.n;
  const rng = new Rng(sim.seed ?? 1);
  // β* − β̂ = L u for every simulation (N × p, simulation-major)
  const L = Float64Array.from(f.vcov);
  if (p > 0 && cholLower(L, p) >= 0) throw new UserError("the covariance of the fixed effects is not positive definite: simulated intervals are not available");
  const dbeta = new Float64Array(nsim * p);
  const u = new Float64Array(p);
  for (let k = 0; k < nsim; k++) drawLowerNormal(L, p, 1, rng, u, dbeta, k * p);
  // factors of the rows' random-effect blocks, cached per term and level (−1: Σ)
  const blockOf = intervalBlocks(m, opts.kind, opts.predictionLevel);
  const factors = d.re.map(() => new Map<number, Float64Array | null>());
  const factorOf = (k: number, l: number): Float64Array | null => {
    const cache = factors[k];
    if (!cache.has(l)) {
      const b = blockOf(k, l);
      if (b && b.some(Number.isNaN)) throw new UserError("the conditional variances of the random effects are not available for this model: simulated conditional intervals need them");
      cache.set(l, b ? psdFactor(b, d.re[k].s) : null);
    }
    return cache.get(l)!;
  };
  const observe = observationSampler(m, d, opts, sim);
  const response = opts.type === "response";
  const x = new Float64Array(p);
  const draws = new Float64Array(nsim);
  const lower = new Float64Array(n), upper = new Float64Array(n), sd = new Float64Array(n);
  const nt = d.re.length;
  const smax = Math.max(1, ...d.re.map((r) => r.s));
  const w = new Float64Array(smax);
  // per term, the row's zᵀF (the random part is then zᵀF u, u ~ N(0, I))
  const zf = d.re.map((r) => new Float64Array(r.s));
  const active = new Uint8Array(nt);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) x[j] = d.X[i + j * n];
    for (let t = 0; t < nt; t++) {
      const r = d.re[t], s = r.s, F = factorOf(t, r.refs[i]);
      active[t] = F ? 1 : 0;
      if (!F) continue;
      const g = zf[t];
      for (let c = 0; c < s; c++) {
        let acc = 0;
        for (let a = c; a < s; a++) acc += r.z[i * s + a] * F[a + c * s];
        g[c] = acc;
      }
    }
    let sum = 0, sum2 = 0;
    for (let k = 0; k < nsim; k++) {
      let e = eta[i];
      const o = k * p;
      for (let j = 0; j < p; j++) e += x[j] * dbeta[o + j];
      for (let t = 0; t < nt; t++) {
        if (!active[t]) continue;
        const g = zf[t], s = g.length;
        for (let c = 0; c < s; c++) w[c] = rng.normal();
        for (let c = 0; c < s; c++) e += g[c] * w[c];
      }
      // moments about η̂ (no cancellation when the spread is small against η̂)
      sum += e - eta[i];
      sum2 += (e - eta[i]) ** 2;
      draws[k] = observe ? observe(i, e, rng) : response ? link.linkinv(e) : e;
    }
    sd[i] = Math.sqrt(Math.max(0, (sum2 - (sum * sum) / nsim) / (nsim - 1)));
    draws.sort();
    // NaN sorts last: a row without a response distribution (a binomial row of 0 trials) gets NaN
    const none = Number.isNaN(draws[nsim - 1]);
    lower[i] = none ? NaN : quantile7(draws, (1 - level) / 2);
    upper[i] = none ? NaN : quantile7(draws, 1 - (1 - level) / 2);
  }
  return { lower, upper, sd };
}
