// One fitted-model object for every kind of fit — LMM, GLMM, GLM (no random effects) and GEE — with
// the accessors lme4 and MixedModels.jl users know. It wraps the engines' results and delegates to
// the inference functions; nothing is estimated here.
import { Frame, type Column } from "../data/frame.js";
import { columnsOf } from "../formula/ast.js";
import { parseFormula } from "../formula/index.js";
import { splitBars } from "../formula/terms.js";
import { UserError } from "../errors.js";
import { makeFamily } from "../families/index.js";
import type { FitOptions as EngineFitOptions, FitResult } from "../fit.js";
import type { ModelStructure } from "../formula/types.js";
import { formatGeeSummary } from "../gee/summary.js";
import { geeToJSON, type GeeJSON } from "../gee/formula.js";
import type { GeeResult } from "../gee/types.js";
import { anova as anovaTable, type AnovaResult, type AnovaType } from "../inference/anova.js";
import { compareModels, type CompareResult } from "../inference/compare.js";
import { emmeans as emmeansFn, type EmmeansOptions, type EmmeansResult } from "../inference/emmeans.js";
import { confint as confintFn, waldConfint, type ConfintOptions as EngineConfintOptions } from "../inference/confint.js";
import type { ConfintResult } from "../inference/profile.js";
import { iccR2, type ICCResult } from "../inference/icc.js";
import { fixedEffectsFit, fromFitResult, type ModelFit } from "../inference/model.js";
import { predict as predictFn, type PredictLevel } from "../inference/predict.js";
import { ranefRows, type RanefRow } from "../inference/ranef.js";
import { simulateResponses } from "../inference/simulate.js";
import { waldContrast, waldJoint, type WaldContrast, type WaldJoint } from "../inference/wald.js";
import { qnorm } from "../families/index.js";
import { fitResultSummary } from "../report/fit-summary.js";
import type { FitJSON } from "../report/json.js";
import { plotResiduals } from "../report/plots/fitdata.js";
import { toFrame, type DataInput } from "./data.js";
import { checkChoice, checkOptions } from "./options.js";

/** What kind of model a {@link Model} holds. */
export type ModelKind = "lmm" | "glmm" | "glm" | "gee";

/** One row of the fixed-effects table. */
export interface CoefRow {
  readonly term: string;
  readonly estimate: number;
  readonly se: number;
  /** t (LMM, gaussian/Gamma GLM) or z (otherwise), Wald for a GEE */
  readonly statistic: number;
  /** denominator degrees of freedom of a t test (Satterthwaite for LMMs), null for z tests */
  readonly df: number | null;
  /** null when the model gives no p-value (an LMM fitted with ddf "none") */
  readonly p: number | null;
}

/** One row of the variance components, as lme4's as.data.frame(VarCorr(m)): variances, then covariances, the residual row last. */
export interface VarCorrRow {
  /** grouping factor, or "Residual" */
  readonly grp: string;
  /** the term (null on the residual row) */
  readonly var1: string | null;
  /** the second term of a covariance row, null on a variance row */
  readonly var2: string | null;
  /** variance, or the covariance on a covariance row */
  readonly vcov: number;
  /** standard deviation, or the correlation on a covariance row */
  readonly sdcor: number;
}

/** A named covariance matrix (column and row names are the fixed-effect terms). */
export interface NamedMatrix {
  readonly names: string[];
  readonly values: number[][];
}

/** What {@link Model.summary} returns: the CLI's text and the same content as data. */
export interface ModelSummary {
  /** exactly what `glmm fit` (or `glmm gee`) prints */
  readonly text: string;
  readonly kind: ModelKind;
  readonly formula: string;
  readonly family: string;
  readonly link: string;
  /** REML, ML, Laplace, AGQ(n), IRLS or GEE */
  readonly method: string;
  readonly nobs: number;
  /** levels per grouping factor (clusters for a GEE) */
  readonly groups: Record<string, number>;
  readonly coefficients: CoefRow[];
  readonly varCorr: VarCorrRow[];
  /** null for a GEE (no likelihood) */
  readonly logLik: number | null;
  readonly AIC: number | null;
  readonly BIC: number | null;
  readonly converged: boolean;
  readonly warnings: string[];
  /** the text */
  toString(): string;
}

/** Options of {@link Model.predict}. */
export interface PredictOptions {
  /** "conditional" (with the fitted random effects, default), "population" (fixed effects only) or "marginal" (averaged over the random effects) */
  readonly level?: PredictLevel;
  /**
   * "response" (default) or "link"; zero-inflated and hurdle models (zi, truncated_ families) also
   * "conditional" (the count part's mean; a hurdle's zero-truncated mean) and "zprob" (the
   * zero-inflation probability; a hurdle's probability of a zero), as glmmTMB's predict(type =)
   */
  readonly type?: "link" | "response" | "conditional" | "zprob";
  /**
   * "confidence": the fixed effects' uncertainty, plus the random effects' at level "conditional";
   * "prediction" (mixed models): also the random effects' variance where the group is new or at
   * level "population"; an LMM's residual variance; a GLMM's response itself with `nsim`
   */
  readonly interval?: "none" | "confidence" | "prediction";
  /** coverage of the intervals (default 0.95) */
  readonly confLevel?: number;
  /** mixed models, response scale: "backtransform" (default) or "delta" (μ̂ ± z·|dμ/dη|·sd, emmeans' regrid()) */
  readonly intervalMethod?: "backtransform" | "delta";
  /** mixed models: limits as percentiles of this many simulations (predict-simulate.ts) */
  readonly nsim?: number;
  /** seed of the simulations (default 1) */
  readonly seed?: number;
}

/** Predictions: one value per row of the new data that has every predictor. */
export interface Prediction {
  /** rows (0-based) of the data that got a prediction */
  readonly rows: Int32Array;
  readonly fit: Float64Array;
  /** standard error of the fixed-effects linear predictor (link scale); for type "zprob", of the zero-inflation logit */
  readonly seLink: Float64Array;
  /** zero-inflated and hurdle models, types other than "link": the SE of the population-level prediction on its own scale (delta method, all parts' coefficients) */
  readonly seResponse?: Float64Array;
  /** interval limits (on the scale of `type`) when an interval was asked for */
  readonly lower?: Float64Array;
  readonly upper?: Float64Array;
  /** per grouping factor, levels of the new data the model has not seen (predicted at the population level) */
  readonly newLevels: Record<string, string[]>;
}

/** Options of {@link Model.confint}: method ("profile" by default for mixed models; "Wald" for GLMs and GEEs, with t quantiles on the residual df for a gaussian lm as R's confint.lm), level, parm, and nsim/seed for "boot". */
export interface ConfintOptions extends Pick<EngineConfintOptions, "method" | "level" | "parm" | "nsim" | "seed"> {}

/** Options of {@link Model.simulate}. */
export interface SimulateOptions {
  /** number of simulated response vectors (default 1) */
  readonly nsim?: number;
  /** seed (default 1) */
  readonly seed?: number;
  /** keep the fitted random effects instead of drawing new ones */
  readonly conditional?: boolean;
}

/** A contrast of the fixed effects: coefficients by term name ({ Days: 1 }) or one per fixed effect. */
export type Contrast = Readonly<Record<string, number>> | readonly number[];

type Inner =
  | { readonly kind: "lmm" | "glmm" | "glm"; readonly res: FitResult; readonly mf: ModelFit | null }
  | { readonly kind: "gee"; readonly gee: GeeResult; readonly ms: ModelStructure; readonly warnings: string[] };

const PREDICT_KEYS = ["level", "type", "interval", "confLevel", "intervalMethod", "nsim", "seed"] as const;
const CONFINT_KEYS = ["method", "level", "parm", "nsim", "seed"] as const;
const SIMULATE_KEYS = ["nsim", "seed", "conditional"] as const;
const EMMEANS_KEYS = ["specs", "by", "at", "type", "adjust", "level", "contrast", "ddf", "weights", "biasAdjust", "sigma", "component"] as const;

/**
 * A fitted model. Made by {@link fit} (LMM, GLMM, or a GLM when the formula has no random-effect
 * terms) and {@link gee}; methods that a kind of model does not have (a GEE's likelihood, a GLM's
 * random effects) throw a message saying so.
 */
export class Model {
  /** "lmm", "glmm", "glm" or "gee" */
  readonly kind: ModelKind;
  /** the model formula as given */
  readonly formula: string;
  /** the data the model was fitted to (converted to a Frame) */
  readonly data: Frame;
  readonly #inner: Inner;
  readonly #options: EngineFitOptions;

  /** @internal use {@link fit} or {@link gee} */
  constructor(data: Frame, formula: string, options: EngineFitOptions, inner: Inner) {
    this.data = data;
    this.formula = formula;
    this.#options = options;
    this.#inner = inner;
    this.kind = inner.kind;
  }

  /** The model structure (model matrix, random-effect terms, response) the engine fitted. */
  get structure(): ModelStructure {
    const i = this.#inner;
    return i.kind === "gee" ? i.ms : i.res.model;
  }

  /** The family's name ("gaussian", "binomial", ...). */
  get family(): string {
    const i = this.#inner;
    return i.kind === "gee" ? i.gee.family : i.res.json.family;
  }

  /** The link's name ("identity", "logit", ...). */
  get link(): string {
    const i = this.#inner;
    return i.kind === "gee" ? i.gee.link : i.res.json.link;
  }

  /** Number of observations used (rows with missing values left out). */
  nobs(): number {
    return this.structure.n;
  }

  /** Notes and warnings of the fit (rows dropped, singular fit, convergence, ...). */
  get warnings(): string[] {
    const i = this.#inner;
    return i.kind === "gee" ? [...i.warnings] : [...i.res.json.warnings];
  }

  /** Fixed-effect estimates by term. */
  fixef(): Record<string, number> {
    const out: Record<string, number> = {};
    this.#names().forEach((n, j) => { out[n] = this.#beta()[j]; });
    return out;
  }

  /** The fixed-effects table: estimate, standard error, statistic, df and p per term. */
  coef(): CoefRow[] {
    const i = this.#inner;
    if (i.kind === "gee") return i.gee.fixef.map((f) => ({ term: f.term, estimate: f.estimate, se: f.se, statistic: f.statistic, df: null, p: f.p }));
    return i.res.json.fixef.map((f) => ({ term: f.term, estimate: f.estimate, se: f.se, statistic: f.statistic, df: f.df ?? null, p: f.p }));
  }

  /** Conditional modes of the random effects with their conditional standard deviations (lme4's as.data.frame(ranef(m, condVar = TRUE))). */
  ranef(): RanefRow[] {
    return ranefRows(this.#mixed("ranef()").fit);
  }

  /** Variance components (lme4's as.data.frame(VarCorr(m))), with a "Residual" row where the family has a scale. */
  varCorr(): VarCorrRow[] {
    const i = this.#inner;
    if (i.kind === "gee") throw new UserError("varCorr(): a GEE has no random effects (its working correlation is summary().text's and toJSON().alpha)");
    const json = i.res.json;
    const sd = new Map<string, number>();
    for (const v of json.varcorr) if (v.term2 === null) sd.set(`${v.group}\u0000${v.term1}`, v.sd ?? NaN);
    const rows: VarCorrRow[] = json.varcorr.map((v) => v.term2 !== null && v.corr !== undefined
      ? { grp: v.group, var1: v.term1, var2: v.term2, vcov: v.corr * (sd.get(`${v.group}\u0000${v.term1}`) ?? NaN) * (sd.get(`${v.group}\u0000${v.term2}`) ?? NaN), sdcor: v.corr }
      : { grp: v.group, var1: v.term1, var2: null, vcov: v.variance ?? NaN, sdcor: v.sd ?? NaN });
    if (json.family === "gaussian" || json.family === "Gamma") rows.push({ grp: "Residual", var1: null, var2: null, vcov: json.sigma * json.sigma, sdcor: json.sigma });
    return rows;
  }

  /** The covariance matrix of the fixed effects (robust sandwich for a GEE unless stdErr said otherwise). */
  vcov(): NamedMatrix {
    const names = [...this.#names()];
    const V = this.#vcov(), p = names.length;
    return { names, values: names.map((_, a) => names.map((_, b) => V[a + b * p])) };
  }

  /** Log-likelihood (the REML criterion's for REML fits, as lme4's logLik). */
  logLik(): number {
    return this.#json("logLik()").logLik;
  }

  /** Akaike's information criterion. */
  AIC(): number {
    return this.#json("AIC()").AIC;
  }

  /** Bayesian information criterion. */
  BIC(): number {
    return this.#json("BIC()").BIC;
  }

  /** The summary: `text` is what the CLI prints; the other fields hold the same content as data. */
  summary(): ModelSummary {
    const i = this.#inner;
    const base = { kind: this.kind, formula: this.formula, family: this.family, link: this.link, nobs: this.nobs(), coefficients: this.coef(), warnings: this.warnings };
    let s: Omit<ModelSummary, "toString">;
    if (i.kind === "gee") {
      s = { ...base, text: formatGeeSummary(i.gee), method: "GEE", groups: { clusters: i.gee.nclusters }, varCorr: [], logLik: null, AIC: null, BIC: null, converged: i.gee.converged };
    } else {
      const json = i.res.json;
      s = {
        ...base, text: fitResultSummary(i.res, this.formula, this.data.source), method: json.method, groups: { ...json.groups },
        varCorr: this.varCorr(), logLik: json.logLik, AIC: json.AIC, BIC: json.BIC, converged: json.converged,
      };
    }
    return { ...s, toString: () => s.text };
  }

  /**
   * Predictions for new data (any form {@link fit} accepts) or, without it, for the fitted rows.
   * Confidence intervals come from the fixed effects' uncertainty: for the population level of a
   * mixed model, and for GLMs and GEEs.
   */
  predict(newdata?: DataInput | null, options: PredictOptions = {}): Prediction {
    const o = checkOptions(options, PREDICT_KEYS, "predict()");
    const interval = o.interval === undefined ? "none" : checkChoice(o.interval, ["none", "confidence", "prediction"] as const, "predict(): interval");
    const mixed = this.kind === "lmm" || this.kind === "glmm";
    const level: PredictLevel = mixed ? (o.level ?? "conditional") : "population";
    const type = o.type === undefined ? "response" : checkChoice(o.type, ["link", "response", "conditional", "zprob"] as const, "predict(): type");
    if (interval === "prediction" && !mixed) throw new UserError(`predict(): prediction intervals are for mixed models; a ${this.kind.toUpperCase()} has interval: "confidence"`);
    if (interval !== "none" && level === "marginal") throw new UserError(`predict(): intervals are for level "conditional" or "population", not "marginal"`);
    let nd = newdata === undefined || newdata === null ? undefined : toFrame(newdata, "newdata");
    if (nd && mixed && level !== "conditional") nd = withGroupingPlaceholders(nd, this.formula, this.data);
    const m = this.#modelFit();
    if (mixed && interval !== "none") {
      // the engine's intervals: what each includes is in inference/predict-interval.ts and docs/inference.md
      const intervalMethod = o.intervalMethod === undefined ? undefined : checkChoice(o.intervalMethod, ["backtransform", "delta"] as const, "predict(): intervalMethod");
      const r = predictFn(m, { newdata: nd, level, type, interval, intervalLevel: o.confLevel, intervalMethod, nsim: o.nsim, seed: o.seed });
      return { rows: r.rows, fit: r.fit, seLink: r.seLink, ...(r.seResponse ? { seResponse: r.seResponse } : {}), lower: r.lower, upper: r.upper, newLevels: r.newLevels };
    }
    if (o.nsim !== undefined || o.intervalMethod !== undefined) throw new UserError(`predict(): ${o.nsim !== undefined ? "nsim" : "intervalMethod"} is for the intervals of mixed models`);
    const r = predictFn(m, { newdata: nd, level, type: interval === "none" ? type : "link" });
    if (interval === "none") return { rows: r.rows, fit: r.fit, seLink: r.seLink, ...(r.seResponse ? { seResponse: r.seResponse } : {}), newLevels: r.newLevels };
    const cl = o.confLevel ?? 0.95;
    if (!(cl > 0 && cl < 1)) throw new UserError(`predict(): confLevel must be between 0 and 1, not ${cl}`);
    const z = qnorm((1 + cl) / 2);
    const inv = type !== "link" ? makeFamily(this.family, this.link).link.linkinv : (x: number) => x;
    const n = r.fit.length;
    const fit = new Float64Array(n), lower = new Float64Array(n), upper = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const eta = r.fit[k], d = z * r.seLink[k];
      fit[k] = inv(eta);
      const a = inv(eta - d), b = inv(eta + d);
      lower[k] = Math.min(a, b);
      upper[k] = Math.max(a, b);
    }
    return { rows: r.rows, fit, seLink: r.seLink, lower, upper, newLevels: r.newLevels };
  }

  /** Fitted values (response scale; conditional on the random effects for a mixed model). */
  fitted(): Float64Array {
    const i = this.#inner;
    if (i.kind === "gee") return this.predict().fit;
    return Float64Array.from(i.res.fit.fitted);
  }

  /** Residuals: "response" (y − fitted, default) or "pearson". */
  residuals(type: "response" | "pearson" = "response"): Float64Array {
    checkChoice(type, ["response", "pearson"] as const, "residuals(): type");
    const i = this.#inner;
    const y = this.structure.response?.y;
    if (!y) throw new UserError("residuals(): the model has no response");
    if (i.kind !== "gee" && type === "pearson") {
      if (i.res.fit.kind === "lmm") { const s = i.res.fit.sigma; return i.res.fit.residuals.map((r) => r / s); }
      return Float64Array.from(plotResiduals(i.res).residuals);
    }
    if (i.kind === "gee" && type === "pearson") throw new UserError("residuals(): Pearson residuals of a GEE are not available; use type \"response\"");
    const f = this.fitted();
    return Float64Array.from(f, (mu, k) => y[k] - mu);
  }

  /** Confidence intervals: profile likelihood (default for mixed models), Wald (t-based for a gaussian lm, as confint.lm), or parametric bootstrap. */
  confint(options: ConfintOptions = {}): ConfintResult {
    const o = checkOptions(options, CONFINT_KEYS, "confint()");
    if (this.kind === "lmm" || this.kind === "glmm") return confintFn(this.#modelFit(), o);
    if (o.method !== undefined && o.method !== "Wald") throw new UserError(`confint(): method "${o.method}" needs a mixed model; a ${this.kind.toUpperCase()} has Wald intervals`);
    const all = waldConfint(this.#modelFit(), o.level ?? 0.95);
    if (!o.parm) return all;
    for (const p of o.parm) if (!all.rows.some((r) => r.parameter === p)) throw new UserError(`confint(): no parameter '${p}' (parameters: ${all.rows.map((r) => r.parameter).join(", ")})`);
    return { ...all, rows: all.rows.filter((r) => o.parm!.includes(r.parameter)) };
  }

  /** Responses simulated from the fitted model (new random effects unless `conditional`). */
  simulate(options: SimulateOptions = {}): Float64Array[] {
    const o = checkOptions(options, SIMULATE_KEYS, "simulate()");
    return simulateResponses(this.#mixed("simulate()"), o);
  }

  /**
   * With other models: the likelihood-ratio comparison (lme4's anova(m1, m2); REML fits refitted by
   * ML). Alone: the fixed-effect terms' tests (Type III by default; Satterthwaite F for an LMM,
   * Wald χ² for a GLMM).
   */
  anova(): AnovaResult;
  anova(options: { type: AnovaType }): AnovaResult;
  anova(...others: Model[]): CompareResult;
  anova(...args: (Model | { type: AnovaType })[]): AnovaResult | CompareResult {
    const self = this.#mixed("anova()");
    if (args.length === 0 || (args.length === 1 && !(args[0] instanceof Model))) {
      const o = checkOptions(args[0] as { type?: AnovaType } | undefined, ["type"], "anova()");
      return anovaTable(self, o);
    }
    const others = args.map((a, k) => {
      if (!(a instanceof Model)) throw new UserError(`anova(): argument ${k + 1} is not a model`);
      return a.#mixed("anova()");
    });
    return compareModels([self, ...others]);
  }

  /**
   * Estimated marginal means on the reference grid and their contrasts (R's emmeans): Satterthwaite
   * or Kenward–Roger df for an LMM, the residual df for lm and a gaussian or Gamma GLM, asymptotic
   * for a GLMM, other GLMs or a GEE (whose covariance is the sandwich).
   */
  emmeans(options: EmmeansOptions): EmmeansResult {
    const o = checkOptions(options, EMMEANS_KEYS, "emmeans()");
    if (!o || !o.specs) throw new UserError("emmeans(): give the factors in `specs`, e.g. { specs: [\"treatment\"] }");
    // a single name is a one-element list (spreading a string would split it into letters)
    const names = (x: unknown) => (typeof x === "string" ? [x] : (x as readonly string[] | undefined));
    return emmeansFn(this.#modelFit(), { ...o, specs: names(o.specs)!, by: names(o.by) });
  }

  /** Intraclass correlation and marginal/conditional R² (Nakagawa; the performance package's icc and r2). */
  icc(): ICCResult {
    return iccR2(this.#mixed("icc()"));
  }

  /**
   * Wald test of linear combinations of the fixed effects: one contrast gives estimate, se, z and p;
   * several give their joint χ² test.
   */
  wald(contrast: Contrast): WaldContrast;
  wald(contrasts: readonly Contrast[]): WaldJoint;
  wald(c: Contrast | readonly Contrast[]): WaldContrast | WaldJoint {
    const beta = this.#beta(), V = this.#vcov();
    const many = Array.isArray(c) && c.length > 0 && typeof c[0] === "object";
    if (many) return waldJoint(beta, V, (c as readonly Contrast[]).map((x) => this.#contrast(x)));
    return waldContrast(beta, V, this.#contrast(c as Contrast));
  }

  /** The JSON the CLI writes with --format json (FitJSON; for a GEE, `glmm gee`'s JSON). */
  toJSON(): FitJSON | GeeJSON {
    const i = this.#inner;
    return i.kind === "gee" ? geeToJSON(i.gee, i.warnings) : i.res.json;
  }

  #contrast(c: Contrast): Float64Array {
    const names = this.#names();
    if (Array.isArray(c)) return Float64Array.from(c as readonly number[]);
    const l = new Float64Array(names.length);
    for (const [k, v] of Object.entries(c as Record<string, number>)) {
      const j = names.indexOf(k);
      if (j < 0) throw new UserError(`wald(): no fixed effect '${k}' (fixed effects: ${names.join(", ")})`);
      l[j] = v;
    }
    return l;
  }

  #names(): readonly string[] {
    const i = this.#inner;
    return i.kind === "gee" ? i.gee.xnames : i.res.fit.xnames;
  }

  #beta(): Float64Array {
    const i = this.#inner;
    return i.kind === "gee" ? i.gee.coefficients : i.res.fit.beta;
  }

  #vcov(): Float64Array {
    const i = this.#inner;
    return i.kind === "gee" ? i.gee.vcov : i.res.fit.vcov;
  }

  #json(what: string): FitJSON {
    const i = this.#inner;
    if (i.kind === "gee") throw new UserError(`${what}: a GEE has no likelihood (its summary has QIC instead)`);
    return i.res.json;
  }

  #mixed(what: string): ModelFit {
    const i = this.#inner;
    if (i.kind === "gee" || !i.mf) throw new UserError(`${what} needs a mixed model (random-effect terms in the formula); this is a ${i.kind.toUpperCase()}`);
    return i.mf;
  }

  /**
   * What the inference functions take. GLMs and GEEs go through them too for population-level
   * predictions and Wald intervals: those read only the design, β, their covariance and the link.
   */
  #modelFit(): ModelFit {
    const i = this.#inner;
    if (i.kind !== "gee" && i.mf) return i.mf;
    const ms = this.structure;
    if (i.kind === "gee") return fixedEffectsFit(this.data, this.formula, {}, ms, { ...i.gee, beta: i.gee.coefficients });
    return { frame: this.data, formula: this.formula, options: this.#options, ms, fit: i.res.fit, weights: null } as unknown as ModelFit;
  }
}

/**
 * Population-level and marginal predictions do not use the levels of the grouping factors (lme4's
 * re.form = NA needs no grouping column): a grouping-only column missing from the new data gets a
 * fitted level as a placeholder, so that the design can be built.
 */
function withGroupingPlaceholders(nd: Frame, formula: string, data: Frame): Frame {
  const f = parseFormula(formula);
  const { fixed, bars } = splitBars(f.rhs, formula);
  const elsewhere = new Set([...(f.lhs ? columnsOf(f.lhs) : []), ...(fixed ? columnsOf(fixed) : []), ...bars.flatMap((b) => columnsOf(b.lhs))]);
  const grouping = new Set(bars.flatMap((b) => columnsOf(b.group)).filter((c) => !elsewhere.has(c) && !nd.has(c) && data.has(c)));
  if (grouping.size === 0) return nd;
  const extra: Column[] = [...grouping].map((name) => {
    const c = data.column(name);
    if (c.kind === "numeric") {
      const v = c.values.find((x) => !Number.isNaN(x)) ?? 0;
      return { kind: "numeric", name, values: new Float64Array(nd.nrow).fill(v) };
    }
    const v = c.values.find((x) => x !== null) ?? null;
    return { kind: "text", name, values: new Array<string | null>(nd.nrow).fill(v) };
  });
  return new Frame([...nd.columns.values(), ...extra], nd.nrow, nd.source);
}

// the engine result behind a model, for the plot helpers (kept off the class's public surface)
const results = new WeakMap<Model, FitResult>();

/** @internal the `fit()` result (src/fit.ts) of a model from {@link fit}; null for a GEE */
export function fitResultOf(m: Model): FitResult | null {
  return results.get(m) ?? null;
}

/** @internal wrap a `fit()` result (src/fit.ts) */
export function modelFromFit(frame: Frame, formula: string, options: EngineFitOptions, res: FitResult): Model {
  const mf = res.fit.kind === "glm" ? null : fromFitResult(frame, formula, options, res);
  const m = new Model(frame, formula, options, { kind: res.fit.kind, res, mf });
  results.set(m, res);
  return m;
}

/** @internal wrap a GEE fit */
export function modelFromGEE(frame: Frame, formula: string, gee: GeeResult, ms: ModelStructure, warnings: string[]): Model {
  return new Model(frame, formula, {}, { kind: "gee", gee, ms, warnings });
}
