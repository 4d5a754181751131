// Confidence and prediction intervals for predictions (`glmm predict --interval`). On the link
// scale, a prediction η̂ = xᵀβ̂ [+ zᵀb̂] gets the variance
//   xᵀ V(β̂) x                          the fixed effects' uncertainty (every interval)
//   + zᵀ CondVar(b | y) z                conditional predictions, levels the model has seen
//                                        (lme4's condVar blocks; β̂–b̂ covariance ignored)
//   + zᵀ Σ z                             a level the model has not seen (conditional), or every
//                                        level for population-level prediction intervals
//   + σ²                                 prediction intervals (LMM): a new observation
// and the interval η̂ ± z_{1−α/2}·√var (normal quantiles). GLMM intervals are confidence
// intervals on the link scale, back-transformed on the response scale (prediction intervals of a
// discrete response are not offered). Population-level confidence intervals are exact in the
// sense of xᵀV(β̂)x (lme4's predict(se.fit = TRUE)); conditional ones are the usual
// approximation (as merTools' predictInterval without simulation).
import { UserError } from "../errors.js";
import { qnorm } from "../families/index.js";
import type { Link } from "../families/link.js";
import { conditionalVariances } from "../lmm/condvar.js";
import { LinearMixedModel } from "../lmm/lmm.js";
import { termCovariances } from "./marginal.js";
import type { ModelFit } from "./model.js";
import type { NewDesign } from "./newdata.js";

/** "confidence" (the estimates' uncertainty) or "prediction" (also a new observation's own variance). */
export type IntervalKind = "confidence" | "prediction";

/** What {@link predictionIntervals} needs besides the fit and the design. */
export interface IntervalInput {
  readonly kind: IntervalKind;
  /** coverage (default 0.95) */
  readonly level?: number;
  /** "conditional" (with the random effects) or "population" */
  readonly predictionLevel: "conditional" | "population";
  readonly type: "link" | "response";
  /** prior weights of the rows (the fitted rows of a weighted LMM: residual variance σ²/w), or null */
  readonly weights?: Float64Array | null;
}

/** Interval limits per row, with the link-scale SD they were built from. */
export interface IntervalResult {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** the standard deviation the interval uses, on the link scale */
  readonly sd: Float64Array;
}

/**
 * Interval limits for the link-scale predictions `eta` of the design `d` (rows of new or fitted
 * data), with `seFixed` = √(xᵀV x) per row.
 */
export function predictionIntervals(m: ModelFit, d: NewDesign, eta: Float64Array, seFixed: Float64Array, link: Link, opts: IntervalInput): IntervalResult {
  const level = opts.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new UserError(`the interval level must be between 0 and 1, not ${level}`);
  const f = m.fit;
  if (opts.kind !== "confidence" && opts.kind !== "prediction") throw new UserError(`--interval must be confidence or prediction, not '${String(opts.kind)}'`);
  if (opts.kind === "prediction" && f.kind !== "lmm") throw new UserError("prediction intervals are for linear mixed models; for a GLMM use --interval confidence (on the link scale, back-transformed)");
  for (const t of f.terms) if (t.kfac || t.tree || t.kprec) throw new UserError("prediction intervals are not available for terms with a known covariance (--covariance)");
  const n = d.n;
  const v = Float64Array.from(seFixed, (s) => s * s);
  const order = f.terms.map((_, i) => i).sort((a, b) => f.terms[a].formulaIndex - f.terms[b].formulaIndex);
  const Sigma = termCovariances(f);
  // conditional covariance blocks of the random effects, per system term and level (s×s at l·s·s)
  let cv: Float64Array[] | null = null;
  if (opts.predictionLevel === "conditional") {
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
  }
  d.re.forEach((r, k) => {
    const ti = order[k];
    const s = r.s;
    const S = Sigma[ti];
    for (let i = 0; i < n; i++) {
      const l = r.refs[i];
      // population level: the group's effect is unknown (prediction intervals only); conditional:
      // its conditional covariance when the level was seen, Σ when it was not
      const block = opts.predictionLevel === "population" ? (opts.kind === "prediction" ? S : null) : l >= 0 ? cv!.at(ti)!.subarray(l * s * s, (l + 1) * s * s) : S;
      if (!block) continue;
      let acc = 0;
      for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) acc += r.z[i * s + a] * block[a + b * s] * r.z[i * s + b];
      v[i] += acc;
    }
  });
  if (opts.kind === "prediction" && f.kind === "lmm") {
    const s2 = f.sigma * f.sigma;
    const w = opts.weights;
    for (let i = 0; i < n; i++) v[i] += w ? s2 / w[i] : s2;
  }
  const q = qnorm(1 - (1 - level) / 2);
  const lower = new Float64Array(n), upper = new Float64Array(n), sd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    sd[i] = Math.sqrt(v[i]);
    let lo = eta[i] - q * sd[i], hi = eta[i] + q * sd[i];
    if (opts.type === "response") {
      const a = link.linkinv(lo), b = link.linkinv(hi);
      lo = Math.min(a, b);
      hi = Math.max(a, b);
    }
    lower[i] = lo;
    upper[i] = hi;
  }
  return { lower, upper, sd };
}
