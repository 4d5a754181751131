// A fitted model together with what inference needs to go back to it: the data, the formula, the
// fit options (to refit with ML, with simulated responses, or with a parameter held fixed) and the
// model structure. `fitModel` goes through the project's front door `fit()`, so the estimates are
// exactly those `glmm fit` reports.
import type { Frame } from "../data/frame.js";
import { UserError } from "../errors.js";
import { fit, sideDesign, type FitOptions, type FitResult } from "../fit.js";
import type { ModelStructure } from "../formula/types.js";
import { GeneralizedLinearMixedModel, type FittedGLMM } from "../glmm/glmm.js";
import { LinearMixedModel, type FittedLMM } from "../lmm/lmm.js";

/** A fitted model with what inference needs to refit or predict: the data, formula, options, model structure and fit. */
export interface ModelFit {
  readonly frame: Frame;
  readonly formula: string;
  readonly options: FitOptions;
  readonly ms: ModelStructure;
  readonly fit: FittedLMM | FittedGLMM;
  /** prior weights per model row (GLMM only), null when none */
  readonly weights: Float64Array | null;
}

export function isLMMOptions(options: FitOptions): boolean {
  const family = options.family ?? "gaussian";
  return family === "gaussian" && (options.link === undefined || options.link === "identity");
}

/** Fit through `fit()` and keep what refitting needs. */
export function fitModel(frame: Frame, formula: string, options: FitOptions = {}): ModelFit {
  return fromFitResult(frame, formula, options, fit(frame, formula, options));
}

/** Wrap an existing `fit()` result (no refit). */
export function fromFitResult(frame: Frame, formula: string, options: FitOptions, res: FitResult): ModelFit {
  if (res.fit.kind === "glm") throw new UserError(`'${formula}' has no random-effect terms: this command works on mixed models (use glmm fit for a model without random effects)`);
  return { frame, formula, options, ms: res.model, fit: res.fit, weights: priorWeights(frame, res.model, options) };
}

/**
 * A `fit()` result of any kind, a model without random effects (lm/glm) included, for the
 * population-level functions (emmeans, predictions, Wald intervals): they read only the design,
 * β, its covariance, the link and (for emmeans' df) the GLM's residual df; the fit has no terms.
 */
export function anyFitResult(frame: Frame, formula: string, options: FitOptions, res: FitResult): ModelFit {
  if (res.fit.kind !== "glm") return fromFitResult(frame, formula, options, res);
  const fit = { ...res.fit, terms: [] };
  return { frame, formula, options, ms: res.model, fit, weights: priorWeights(frame, res.model, options) } as unknown as ModelFit;
}

function priorWeights(frame: Frame, ms: ModelStructure, options: FitOptions): Float64Array | null {
  if (!options.weights) return null;
  const col = frame.column(options.weights);
  if (col.kind !== "numeric") throw new UserError(`weights column '${options.weights}' is not numeric`);
  const w = new Float64Array(ms.n);
  for (let i = 0; i < ms.n; i++) w[i] = col.values[ms.rows[i]];
  return w;
}

/** The fixed-effects part of a model without random effects (GLM or GEE) for the population-level functions. */
export interface FixedEffectsPart {
  readonly family: string;
  readonly link: string;
  readonly xnames: readonly string[];
  readonly beta: Float64Array;
  /** the covariance of β (a GEE's sandwich) */
  readonly vcov: Float64Array;
}

/**
 * What the population-level inference functions (predictions, Wald intervals, emmeans) take for a
 * model without random effects: they read only the design, β, its covariance and the link, so the
 * fit is a "glm" with no random-effect terms.
 */
export function fixedEffectsFit(frame: Frame, formula: string, options: FitOptions, ms: ModelStructure, part: FixedEffectsPart): ModelFit {
  const fit = { kind: "glm", family: part.family, link: part.link, xnames: part.xnames, beta: part.beta, vcov: part.vcov, terms: [] };
  return { frame, formula, options, ms, fit, weights: priorWeights(frame, ms, options) } as unknown as ModelFit;
}

/** The same model fitted by maximum likelihood (a no-op for ML fits and GLMMs), as lme4's refitML. */
export function refitML(m: ModelFit): ModelFit {
  if (m.fit.kind !== "lmm" || !m.fit.reml) return m;
  const lmm = new LinearMixedModel(m.ms, { reml: false });
  const f = lmm.fit({ reml: false, thetaStart: m.fit.theta });
  return { ...m, options: { ...m.options, reml: false }, fit: f };
}

/** A model structure with another response vector (same rows), for simulation-based refits. */
export function withResponse(ms: ModelStructure, y: Float64Array): ModelStructure {
  if (!ms.response) throw new UserError("the model has no response");
  return { ...ms, response: { ...ms.response, y } };
}

/** The GLMM engine object for a fitted GLMM (same family, link, quadrature and weights). */
export function glmmEngine(m: ModelFit, ms: ModelStructure = m.ms): GeneralizedLinearMixedModel {
  if (m.fit.kind !== "glmm") throw new Error("glmmEngine: not a GLMM");
  return new GeneralizedLinearMixedModel(ms, glmmOptions(m));
}

/** The GLMM engine's options that reproduce a fitted GLMM, with its zero-inflation, dispersion and hurdle parts. */
export function glmmOptions(m: ModelFit) {
  const f = m.fit as FittedGLMM;
  const base = { family: f.family, link: f.link, nAGQ: f.nAGQ, weights: m.weights ?? undefined, information: f.information };
  if (m.options.zi === undefined && m.options.disp === undefined && !f.hurdle) return base;
  // (the side formulas' designs on the model's rows, as fit() built them)
  const side = (text: string | undefined, flag: string) => (text === undefined ? null : sideDesign(m.frame, text, m.ms, m.options.refLevels, flag));
  return { ...base, zi: side(m.options.zi, "--zi"), disp: side(m.options.disp, "--disp"), hurdle: f.hurdle ?? false };
}

/**
 * Put a GLMM engine's state at the fitted extra parameters (NB size, dispersion, zero-inflation and
 * dispersion coefficients) so that
 * `deviance(theta, beta)` evaluates the fitted model's likelihood.
 */
export function setFittedExtra(engine: GeneralizedLinearMixedModel, f: FittedGLMM): void {
  // the zero-inflation and dispersion formulas' coefficients (with NB1 and NB2, the size's as well)
  if (engine.state.ext) engine.state.ext.setParams([...(f.zi?.estimate ?? []), ...(f.disp?.estimate ?? [])]);
  else if (f.familyExtra && engine.family.extra) engine.state.family = engine.family.extra.with(f.familyExtra);
  else if (f.nbSize !== null && engine.family.withSize) engine.state.family = engine.family.withSize(f.nbSize);
  else if (engine.family.estimatesDispersion) engine.state.phi = f.dispersion;
}
