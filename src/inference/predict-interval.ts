// Confidence and prediction intervals for predictions (`glmm predict --interval`). On the link
// scale, a prediction η̂ = xᵀβ̂ [+ zᵀb̂] gets the variance
//   xᵀ V(β̂) x                          the fixed effects' uncertainty (every interval)
//   + zᵀ CondVar(b | y) z                conditional predictions, levels the model has seen
//                                        (lme4's condVar blocks; β̂–b̂ covariance ignored)
//   + zᵀ Σ z                             a level the model has not seen (conditional), or every
//                                        level for population-level prediction intervals
//   + σ²/w                               prediction intervals of an LMM: a new observation
// and the interval η̂ ± z_{1−α/2}·√var (normal quantiles). Population-level confidence intervals
// use xᵀV(β̂)x only (lme4's predict(se.fit = TRUE)); conditional ones are the usual approximation
// (merTools' predictInterval without simulation).
//
// A GLMM has no observation-level term on the link scale, so its analytic prediction interval is
// the interval for the mean μ = g⁻¹(xᵀβ + zᵀb) of the row's group when that group's effect is
// uncertain: Σ for a new level or at the population level (the mean of a new group, as ggeffects'
// type = "random" adds the random-effect variance on the link scale and back-transforms), the
// conditional variance for a seen level (there it equals the confidence interval). The response of
// a new observation itself (a count, a proportion) is only in the simulated intervals (--nsim).
//
// On the response scale (type "response") the limits are, by default, the link-scale limits
// back-transformed, g⁻¹(η̂ ± z·sd) (emmeans' type = "response", ggeffects); with method "delta" they
// are μ̂ ± z·|dμ/dη|·sd, the delta method's symmetric interval (emmeans' regrid()), which can cross
// the response's bounds. With nsim (predict-simulate.ts) the limits are percentiles of simulated
// predictions instead.
import { UserError } from "../errors.js";
import { qnorm } from "../families/index.js";
import type { Link } from "../families/link.js";
import { conditionalVariances } from "../lmm/condvar.js";
import { LinearMixedModel } from "../lmm/lmm.js";
import { termCovariances } from "./marginal.js";
import type { ModelFit } from "./model.js";
import type { NewDesign } from "./newdata.js";
import { formulaOrder } from "../lmm/reterms.js";

/** "confidence" (the estimates' uncertainty) or "prediction" (also a new observation's own variance). */
export type IntervalKind = "confidence" | "prediction";

/** How response-scale limits are formed: back-transformed link limits, or the delta method's. */
export type IntervalMethod = "backtransform" | "delta";

/** What {@link predictionIntervals} needs besides the fit and the design. */
export interface IntervalInput {
  readonly kind: IntervalKind;
  /** coverage (default 0.95) */
  readonly level?: number;
  /** "conditional" (with the random effects) or "population" */
  readonly predictionLevel: "conditional" | "population";
  readonly type: "link" | "response";
  /** response scale: "backtransform" (default) or "delta" */
  readonly method?: IntervalMethod;
  /** prior weights of the rows (the fitted rows of a weighted LMM: residual variance σ²/w), or null */
  readonly weights?: Float64Array | null;
}

/** Interval limits per row, with the link-scale SD they were built from. */
export interface IntervalResult {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** the standard deviation the interval uses, on the link scale */
  readonly sd: Float64Array;
  /** method "delta": the response-scale SD |dμ/dη|·sd */
  readonly sdResponse?: Float64Array;
}

/**
 * Per random-effect term (formula order), the covariance of a row's effect given the interval
 * asked for: for a row of level l (−1 = new), the s×s block, or null (the effect is known, at the
 * population level of a confidence interval). Shared by the analytic and the simulated intervals.
 */
export type BlockOf = (k: number, level: number) => Float64Array | null;

/** Checks shared by the analytic and the simulated intervals; returns the coverage. */
export function checkIntervalInput(m: ModelFit, opts: Pick<IntervalInput, "kind" | "level">): number {
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new UserError(`the interval level must be between 0 and 1, not ${level}`);
  if (opts.kind !== "confidence" && opts.kind !== "prediction") throw new UserError(`--interval must be confidence or prediction, not '${String(opts.kind)}'`);
  for (const t of m.fit.terms) if (t.kfac || t.tree || t.kprec) throw new UserError("prediction intervals are not available for terms with a known covariance (--covariance)");
  return level;
}

/** The covariance blocks of the rows' random effects for an interval (see {@link BlockOf}). */
export function intervalBlocks(m: ModelFit, kind: IntervalKind, predictionLevel: "conditional" | "population"): BlockOf {
  const f = m.fit;
  const order = formulaOrder(f.terms);
  const Sigma = termCovariances(f);
  if (predictionLevel === "population") return (k) => (kind === "prediction" ? Sigma[order[k]] : null);
  // conditional covariance blocks of the random effects, per system term and level (s×s at l·s·s)
  let cv: Float64Array[] | null = null;
  if (f.kind === "lmm") {
    const lmm = new LinearMixedModel(m.ms, { reml: f.reml, weights: m.weights ?? undefined });
    lmm.system.updateL(f.theta);
    cv = conditionalVariances(lmm.system, f.sigma * f.sigma);
  }
  // a GLMM: the conditional SDs (exact for scalar terms; slopes lose their covariance)
  cv ??= f.terms.map((t, ti) => {
    const k = order.indexOf(ti);
    const r = f.ranef[k];
    const out = new Float64Array(t.nl * t.s * t.s);
    if (!r.condsd) return out.fill(NaN);
    for (let l = 0; l < t.nl; l++) for (let c = 0; c < t.s; c++) out[l * t.s * t.s + c + c * t.s] = r.condsd[c][l] ** 2;
    return out;
  });
  const blocks = cv;
  // a seen level: its conditional covariance; a new one: Σ
  return (k, l) => {
    const ti = order[k], s = f.terms[ti].s;
    return l >= 0 ? blocks[ti].subarray(l * s * s, (l + 1) * s * s) : Sigma[ti];
  };
}

/** Residual variance of a new observation per row of an LMM (σ²/w), or null for a GLMM. */
export function residualVariances(m: ModelFit, n: number, weights: Float64Array | null | undefined): Float64Array | null {
  const f = m.fit;
  if (f.kind !== "lmm") return null;
  const s2 = f.sigma * f.sigma;
  return Float64Array.from({ length: n }, (_, i) => (weights ? s2 / weights[i] : s2));
}

/**
 * Interval limits for the link-scale predictions `eta` of the design `d` (rows of new or fitted
 * data), with `seFixed` = √(xᵀV x) per row.
 */
export function predictionIntervals(m: ModelFit, d: NewDesign, eta: Float64Array, seFixed: Float64Array, link: Link, opts: IntervalInput): IntervalResult {
  const level = checkIntervalInput(m, opts);
  const method = opts.method ?? "backtransform";
  if (method !== "backtransform" && method !== "delta") throw new UserError(`--interval-method must be backtransform or delta, not '${String(method)}'`);
  const n = d.n;
  const v = Float64Array.from(seFixed, (s) => s * s);
  const blockOf = intervalBlocks(m, opts.kind, opts.predictionLevel);
  d.re.forEach((r, k) => {
    const s = r.s;
    for (let i = 0; i < n; i++) {
      const block = blockOf(k, r.refs[i]);
      if (!block) continue;
      let acc = 0;
      for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) acc += r.z[i * s + a] * block[a + b * s] * r.z[i * s + b];
      v[i] += acc;
    }
  });
  const res = opts.kind === "prediction" ? residualVariances(m, n, opts.weights) : null;
  if (res) for (let i = 0; i < n; i++) v[i] += res[i];
  const q = qnorm(1 - (1 - level) / 2);
  const lower = new Float64Array(n), upper = new Float64Array(n), sd = new Float64Array(n);
  const delta = opts.type === "response" && method === "delta";
  const sdResponse = delta ? new Float64Array(n) : undefined;
  for (let i = 0; i < n; i++) {
    sd[i] = Math.sqrt(v[i]);
    let lo = eta[i] - q * sd[i], hi = eta[i] + q * sd[i];
    if (sdResponse) {
      // μ̂ ± z·|dμ/dη|·sd (emmeans' regrid(): symmetric on the response scale)
      const mu = link.linkinv(eta[i]);
      sdResponse[i] = Math.abs(link.muEta(eta[i])) * sd[i];
      lo = mu - q * sdResponse[i];
      hi = mu + q * sdResponse[i];
    } else if (opts.type === "response") {
      const a = link.linkinv(lo), b = link.linkinv(hi);
      lo = Math.min(a, b);
      hi = Math.max(a, b);
    }
    lower[i] = lo;
    upper[i] = hi;
  }
  return { lower, upper, sd, ...(sdResponse ? { sdResponse } : {}) };
}
