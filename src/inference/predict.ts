// Predictions from a fitted model, on its own rows or on new data: conditional (with the fitted
// random effects; a level the model has not seen gets zero, i.e. its population-level prediction,
// as lme4's predict(allow.new.levels = TRUE)), population-level (random effects at zero, lme4's
// re.form = NA) or population-averaged (marginal: the mean response over the random-effect
// distribution, by Gauss–Hermite quadrature), on the link or the response scale.
import type { Frame } from "../data/frame.js";
import { UserError } from "../errors.js";
import { makeFamily } from "../families/family.js";
import type { Link } from "../families/link.js";
import type { FittedGLMM } from "../glmm/glmm.js";
import { marginalMean, termCovariances } from "./marginal.js";
import type { ModelFit } from "./model.js";
import { newDesign, type NewDesign } from "./newdata.js";
import { fittedRandomEffects } from "./simulate.js";
import { predictionIntervals, type IntervalKind, type IntervalMethod } from "./predict-interval.js";
import { simulatedIntervals } from "./predict-simulate.js";
import { addFittedModes, randomPartVariances, componentPrediction, componentSE, hasZeroPart, marginalComponent, quadForm, zeroLogit, type ComponentType } from "./predict-zi.js";
import { qnorm } from "../families/special.js";

/** Prediction level: with the fitted random effects, fixed effects only, or averaged over the random effects. */
export type PredictLevel = "conditional" | "population" | "marginal";

/** Options of {@link predict}: new data, level (conditional / population / marginal), type (link / response) and intervals. */
export interface PredictOptions {
  /** rows to predict for (default: the fitted rows) */
  readonly newdata?: Frame;
  /** default "conditional" */
  readonly level?: PredictLevel;
  /**
   * default "response"; "conditional" (the count part's mean) and "zprob" (the zero probability)
   * are the components of zero-inflated and hurdle models, as glmmTMB's (predict-zi.ts)
   */
  readonly type?: ComponentType;
  /** add interval limits (predict-interval.ts says what each includes); not for level "marginal" */
  readonly interval?: IntervalKind;
  /** the intervals' coverage (default 0.95) */
  readonly intervalLevel?: number;
  /**
   * response-scale limits of a GLMM: "backtransform" (default; the link-scale limits through g⁻¹)
   * or "delta" (μ̂ ± z·|dμ/dη|·sd, emmeans' regrid())
   */
  readonly intervalMethod?: IntervalMethod;
  /** limits from this many simulations instead (predict-simulate.ts) */
  readonly nsim?: number;
  /** seed of the simulations (default 1) */
  readonly seed?: number;
}

/** Predictions with optional SEs and confidence or prediction intervals, for the rows that got one. */
export interface PredictResult {
  /** rows of the new data (or of the fitted data) that got a prediction */
  readonly rows: Int32Array;
  readonly fit: Float64Array;
  /** standard error of the population-level linear predictor (fixed-effect uncertainty) on the link scale; for type "zprob", of the zero-inflation logit */
  readonly seLink: Float64Array;
  /**
   * zero-inflated and hurdle models, types other than "link": the standard error of the
   * population-level prediction on its own scale (delta method with the joint covariance of all
   * parts' coefficients, glmmTMB's predict(re.form = NA, se.fit = TRUE))
   */
  readonly seResponse?: Float64Array;
  /** per grouping factor: levels in the new data that the model has not seen */
  readonly newLevels: Record<string, string[]>;
  readonly level: PredictLevel;
  readonly type: ComponentType;
  /** with options.interval: the limits (on the prediction's scale) and the link-scale SD they use */
  readonly lower?: Float64Array;
  readonly upper?: Float64Array;
  readonly intervalSd?: Float64Array;
  /** with intervalMethod "delta" on the response scale: the response-scale SD of the interval, |dμ/dη|·sd */
  readonly intervalSdResponse?: Float64Array;
}

export function modelLink(m: ModelFit): Link {
  const f = m.fit;
  if (f.kind === "lmm") return makeFamily("gaussian").link;
  const g = f as FittedGLMM;
  return makeFamily(g.family, g.link).link;
}

/** the fitted rows' design in NewDesign form */
export function ownDesign(m: ModelFit): NewDesign {
  const ms = m.ms;
  return {
    rows: ms.rows, n: ms.n, X: ms.X, offset: ms.offset,
    re: ms.reTerms.map((t) => ({ group: t.group, refs: t.refs, z: t.z, s: t.cnames.length, newLevels: [] })),
  };
}

/** Predictions from a fit, as lme4's predict.merMod (re.form = NULL / NA) with optional intervals. */
export function predict(m: ModelFit, options: PredictOptions = {}): PredictResult {
  const level = options.level ?? "conditional";
  const type = options.type ?? "response";
  if (!["conditional", "population", "marginal"].includes(level)) throw new UserError(`unknown prediction level '${level}' (use conditional, population or marginal)`);
  if (!["link", "response", "conditional", "zprob"].includes(type)) throw new UserError(`unknown prediction type '${type}' (use link, response, conditional or zprob)`);
  const zero = hasZeroPart(m);
  if (type === "zprob" && !zero) throw new UserError("--type zprob needs a zero-inflation (--zi) or hurdle model");
  // intervals: zprob from the zi coefficients, link and the count mean from the count part; the
  // response (1 − π)μ and a hurdle's truncated mean from the joint covariance of both parts (the
  // fixed effects' uncertainty: population level only)
  const joint = zero && (type === "response" || (type === "conditional" && m.fit.kind === "glmm" && m.fit.hurdle === true));
  if (joint && options.interval && level !== "population")
    throw new UserError(`intervals of --type ${type} of ${m.fit.kind === "glmm" && m.fit.hurdle ? "a hurdle" : "a zero-inflated"} model are for population-level predictions (--level population): they carry the fixed effects' uncertainty only`);
  if (joint && options.interval === "prediction") throw new UserError(`prediction intervals of --type ${type} of a zero-inflated or hurdle model are not available; use --interval confidence`);
  if (m.fit.kind === "glmm" && m.fit.family === "ordinal" && type !== "link") throw new UserError("an ordinal model predicts on the link scale only (--type link: the linear predictor, without the thresholds)");
  const d = options.newdata ? newDesign(m, options.newdata) : ownDesign(m);
  const f = m.fit;
  const n = d.n, p = f.beta.length;
  const eta = d.offset ? Float64Array.from(d.offset) : new Float64Array(n);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) eta[i] += d.X[i + j * n] * f.beta[j];
  const seLink = Float64Array.from({ length: n }, (_, i) => Math.sqrt(quadForm(d.X, n, i, f.vcov, p)));
  const link = modelLink(m);
  const newLevels: Record<string, string[]> = Object.create(null);
  d.re.forEach((r) => { if (r.newLevels.length) newLevels[r.group] = r.newLevels; });
  let out: Float64Array;
  if (options.interval && level === "marginal") throw new UserError("intervals are for conditional or population-level predictions, not marginal ones");
  if (!options.interval && (options.nsim !== undefined || options.intervalMethod !== undefined)) throw new UserError(`${options.nsim !== undefined ? "--nsim" : "--interval-method"} goes with --interval confidence or prediction`);
  if (zero && options.interval && (options.interval === "prediction" || options.nsim !== undefined || options.intervalMethod === "delta")) throw new UserError("zero-inflated and hurdle models have analytic confidence intervals only (no prediction intervals, --nsim or --interval-method delta) so far");
  const etaFixed = options.interval || zero ? Float64Array.from(eta) : null;
  if (level === "conditional") {
    // fitted modes per term in formula order
    addFittedModes(eta, d.re, f.terms, fittedRandomEffects(m));
  }
  if (level !== "marginal") {
    // (without a zero part, "conditional" is the response)
    out = zero ? componentPrediction(m, eta, d.rows, type, options.newdata, level === "conditional") : type === "link" ? eta : eta.map(link.linkinv);
  } else if (zero) {
    out = marginalComponent(m, eta, rowVariances(m, d), d.rows, type, options.newdata);
  } else {
    const v = rowVariances(m, d);
    const mu = new Float64Array(n);
    for (let i = 0; i < n; i++) mu[i] = marginalMean(link, eta[i], v[i]);
    out = type !== "link" ? mu : mu.map((x) => link.linkfun(x));
  }
  const seResponse = zero && type !== "link" ? componentSE(m, d.X, etaFixed!, d.rows, type, options.newdata) : undefined;
  const zQuantile = () => {
    const lv = options.intervalLevel ?? 0.95;
    if (!(lv > 0 && lv < 1)) throw new UserError(`the interval level must be between 0 and 1, not ${lv}`);
    return qnorm((1 + lv) / 2);
  };
  // zprob: seLink is the SE of the zero-inflation logit, and the interval is that part's own
  const zl = zero && type === "zprob" ? zeroLogit(m, d.rows, options.newdata, level === "conditional") : null;
  if (zl && !options.interval) return { rows: d.rows, fit: out, seLink: zl.se, seResponse, newLevels, level, type };
  if (zl) {
    const { logit, se } = zl;
    const z = zQuantile();
    const plogis = (x: number) => 1 / (1 + Math.exp(-x));
    return { rows: d.rows, fit: out, seLink: se, seResponse, newLevels, level, type, lower: logit.map((e, i) => plogis(e - z * se[i])), upper: logit.map((e, i) => plogis(e + z * se[i])), intervalSd: se };
  }
  if (joint && options.interval) {
    // on the log scale (the prediction is positive): r·exp(±z·SE(r)/r)
    const z = zQuantile();
    const sdLog = out.map((r, i) => seResponse![i] / r);
    return { rows: d.rows, fit: out, seLink, seResponse, newLevels, level, type, lower: out.map((r, i) => r * Math.exp(-z * sdLog[i])), upper: out.map((r, i) => r * Math.exp(z * sdLog[i])), intervalSd: sdLog };
  }
  if (options.interval && etaFixed) {
    const linkEta = level === "conditional" ? eta : etaFixed;
    const input = { kind: options.interval, level: options.intervalLevel, predictionLevel: level as "conditional" | "population", type: type === "link" ? "link" as const : "response" as const, method: options.intervalMethod, weights: options.newdata ? null : m.weights };
    if (options.nsim !== undefined) {
      const iv = simulatedIntervals(m, d, linkEta, link, input, { nsim: options.nsim, seed: options.seed, trials: simulationTrials(m, options) });
      return { rows: d.rows, fit: out, seLink, seResponse, newLevels, level, type, lower: iv.lower, upper: iv.upper, intervalSd: iv.sd };
    }
    const iv = predictionIntervals(m, d, linkEta, seLink, link, input);
    return { rows: d.rows, fit: out, seLink, seResponse, newLevels, level, type, lower: iv.lower, upper: iv.upper, intervalSd: iv.sd, ...(iv.sdResponse ? { intervalSdResponse: iv.sdResponse } : {}) };
  }
  return { rows: d.rows, fit: out, seLink, seResponse, newLevels, level, type };
}

/**
 * Binomial trials of the rows a simulated prediction interval draws responses for: the fitted rows'
 * (times their prior weights); new data of a cbind() response do not carry them (refused), a binary
 * response has one.
 */
function simulationTrials(m: ModelFit, options: PredictOptions): Float64Array | null {
  const f = m.fit;
  if (options.interval !== "prediction" || f.kind !== "glmm" || f.family !== "binomial") return null;
  const t = m.ms.response?.trials ?? null;
  if (options.newdata) {
    if (t) throw new UserError("a simulated prediction interval of a binomial cbind() response needs each new row's number of trials: predict on the fitted rows, or use --interval confidence");
    return null;
  }
  const w = m.weights;
  return Float64Array.from({ length: m.ms.n }, (_, i) => (t ? t[i] : 1) * (w ? w[i] : 1));
}

/** per row, the variance of its random part z_iᵀ Σ z_i summed over terms */
export function rowVariances(m: ModelFit, d: NewDesign): Float64Array {
  return randomPartVariances(d.re, m.fit.terms, termCovariances(m.fit), d.n);
}
