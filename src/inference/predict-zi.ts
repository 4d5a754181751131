// Per-component predictions of zero-inflated and hurdle GLMMs, as glmmTMB's predict(type =):
// "link" (the count part's η), "conditional" (the count part's mean: μ, or for a hurdle the
// zero-truncated mean μ/(1 − p₀), glmmTMB 1.1.5's definition), "zprob" (π: the structural-zero
// probability, a hurdle's probability of a zero) and "response" ((1 − π) times "conditional").
// The zero-inflation and dispersion parts have fixed effects only, so they are the same at every
// prediction level.
import { UserError } from "../errors.js";
import { buildModel, parseFormula } from "../formula/index.js";
import { columnsOf } from "../formula/ast.js";
import type { FittedGLMM, SideFit } from "../glmm/glmm.js";
import type { ModelFit } from "./model.js";
import { newDesign } from "./newdata.js";
import type { Frame } from "../data/frame.js";

export type ComponentType = "link" | "response" | "conditional" | "zprob";

/** whether the model has a zero-inflation or hurdle part */
export function hasZeroPart(m: ModelFit): boolean {
  return m.fit.kind === "glmm" && (m.fit.hurdle === true || (m.fit.zi ?? null) !== null);
}

/**
 * X_side β_side of a side formula (--zi, --disp) for the prediction rows `rows` (rows of the new
 * data, or of the fitted data): NaN where a side variable is missing.
 */
function sideLinear(m: ModelFit, text: string, part: SideFit, rows: Int32Array, newdata: Frame | undefined, se?: Float64Array): Float64Array {
  const side = buildModel(m.frame, text, { refLevels: m.options.refLevels });
  const out = new Float64Array(rows.length).fill(NaN);
  let X: Float64Array, n: number, at: Map<number, number>;
  if (newdata) {
    // coded as the fitted data (newDesign checks the coding), a one-sided formula without random effects
    // (the reference levels of the side formula's own columns: the union frame has no others)
    const cols = new Set(columnsOf(parseFormula(text).rhs));
    const refLevels = Object.fromEntries(Object.entries(m.options.refLevels ?? {}).filter(([c]) => cols.has(c)));
    const d = newDesign({ frame: m.frame, formula: text, options: { ...m.options, refLevels }, ms: side }, newdata);
    X = d.X; n = d.n;
    at = new Map(Array.from(d.rows, (r, k) => [r, k]));
  } else {
    X = side.X; n = side.n;
    at = new Map(Array.from(side.rows, (r, k) => [r, k]));
  }
  if (side.xnames.join("\u0000") !== part.names.join("\u0000")) throw new Error("sideLinear: columns differ from the fit's");
  const p = part.estimate.length;
  rows.forEach((r, i) => {
    const k = at.get(r);
    if (k === undefined) return;
    let s = 0;
    for (let j = 0; j < p; j++) s += X[k + j * n] * part.estimate[j];
    out[i] = s;
    // (the side part's own covariance: its coefficients are fixed effects only)
    if (se) {
      let v = 0;
      for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) v += X[k + a * n] * part.vcov[a + b * p] * X[k + b * n];
      se[i] = Math.sqrt(v);
    }
  });
  return out;
}

/**
 * The zero-inflation logit and its standard error (from the zi coefficients' covariance) for the
 * prediction rows: the confidence interval of `zprob` is plogis(logit ± z·SE), the same at every
 * prediction level.
 */
export function zeroLogit(m: ModelFit, rows: Int32Array, newdata: Frame | undefined): { logit: Float64Array; se: Float64Array } {
  const f = m.fit as FittedGLMM;
  if (!f.zi || m.options.zi === undefined) throw new UserError("--type zprob needs a zero-inflation (--zi) or hurdle model");
  refuseZiRandom(m, "--type zprob");
  const se = new Float64Array(rows.length).fill(NaN);
  return { logit: sideLinear(m, m.options.zi, f.zi, rows, newdata, se), se };
}

/** refuse what needs the zero-inflation part's conditional modes (random effects in --zi): `what` names the command */
export function refuseZiRandom(m: ModelFit, what: string, hint = ""): void {
  const f = m.fit as FittedGLMM;
  if (f.kind === "glmm" && f.zi?.terms?.length) throw new UserError(`${what} is not available with random effects in --zi yet (it needs the zero-inflation part's conditional modes)${hint}`);
}

/** the per-row parameters of the zero-inflation and dispersion parts (null where the model has none) */
export interface SideParameters {
  /** logit of the structural-zero probability (a hurdle's zero probability) */
  readonly logitZi: Float64Array | null;
  /** log of the dispersion parameter (glmmTMB's betad: NB2 size, NB1 φ, gaussian σ², Gamma shape) */
  readonly logDisp: Float64Array | null;
}

/**
 * The zero-inflation and dispersion linear predictors for the prediction rows `rows` (rows of the
 * new data, or of the fitted data without it); an intercept-only part without its formula (the
 * default dispformula ~1) is its one coefficient on every row.
 */
export function sideParameters(m: ModelFit, rows: Int32Array, newdata: Frame | undefined): SideParameters {
  const f = m.fit as FittedGLMM;
  const n = rows.length;
  const one = (part: SideFit | null | undefined, text: string | undefined): Float64Array | null =>
    !part ? null : text !== undefined ? sideLinear(m, text, part, rows, newdata) : new Float64Array(n).fill(part.estimate[0]);
  return { logitZi: one(f.zi, m.options.zi), logDisp: one(f.disp, m.options.disp) };
}

/** log P(count = 0 | μ) of the (untruncated) count part: Poisson, NB2 (size k), NB1 (φ) */
export function logZeroProb(family: string, mu: number, logDisp: number): number {
  if (family === "poisson") return -mu;
  const a = Math.exp(logDisp);
  if (family === "negative_binomial") return -a * Math.log1p(mu / a);
  if (family === "nbinom1") return -(mu / a) * Math.log1p(a);
  throw new UserError(`the zero probability of family ${family} is not available`);
}

/**
 * The component `type` from the count part's linear predictor η (at the chosen level) for the
 * prediction rows (`rows`: rows of the new data, or of the fitted data without it).
 */
export function componentPrediction(m: ModelFit, eta: Float64Array, rows: Int32Array, type: ComponentType, newdata: Frame | undefined): Float64Array {
  if (type === "link") return eta;
  const f = m.fit as FittedGLMM;
  const n = eta.length;
  if (f.link !== "log") throw new Error("componentPrediction: count part without log link");
  if (type === "zprob" || type === "response") refuseZiRandom(m, `--type ${type}`, "; --type link and conditional are available");
  const side = sideParameters(m, rows, newdata);
  // π per row (a hurdle without --zi terms has none: refused when fitting)
  const pi = side.logitZi ? side.logitZi.map((e) => 1 / (1 + Math.exp(-e))) : new Float64Array(n);
  if (type === "zprob") return pi;
  const mu = eta.map(Math.exp);
  if (f.hurdle) {
    if (f.family !== "poisson" && !(f.family === "negative_binomial" && side.logDisp)) throw new UserError(`predictions of a hurdle model with family ${f.family} are not available`);
    for (let i = 0; i < n; i++) mu[i] /= -Math.expm1(logZeroProb(f.family, mu[i], side.logDisp ? side.logDisp[i] : 0));
  }
  if (type === "conditional") return mu;
  return mu.map((v, i) => (1 - pi[i]) * v);
}
