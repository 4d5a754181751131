// Per-component predictions of zero-inflated and hurdle GLMMs, as glmmTMB's predict(type =):
// "link" (the count part's η), "conditional" (the count part's mean: μ, or for a hurdle the
// zero-truncated mean μ/(1 − p₀), glmmTMB 1.1.5's definition), "zprob" (π: the structural-zero
// probability, a hurdle's probability of a zero) and "response" ((1 − π) times "conditional").
// Random effects in the zero-inflation part enter at their conditional modes at the conditional
// level (a level the model has not seen at 0) and at 0 at population level, as glmmTMB's re.form.
import { UserError } from "../errors.js";
import { buildModel, parseFormula } from "../formula/index.js";
import { columnsOf } from "../formula/ast.js";
import type { FittedGLMM, SideFit } from "../glmm/glmm.js";
import type { ModelFit } from "./model.js";
import { newDesign } from "./newdata.js";
import { normalMean, termCovariances } from "./marginal.js";
import type { Frame } from "../data/frame.js";
import { formulaOrder } from "../lmm/reterms.js";

export type ComponentType = "link" | "response" | "conditional" | "zprob";

/** whether the model has a zero-inflation or hurdle part */
export function hasZeroPart(m: ModelFit): boolean {
  return m.fit.kind === "glmm" && (m.fit.hurdle === true || (m.fit.zi ?? null) !== null);
}

/** A side formula's design on the prediction rows: X (rows × p, NaN where a side variable is missing) and its random-effect terms (formula order) */
interface SideRows {
  readonly X: Float64Array;
  readonly re: readonly { readonly refs: Int32Array; readonly z: Float64Array; readonly s: number }[];
}

/**
 * The design of a side formula (--zi, --disp) on the prediction rows `rows` (rows of the new data,
 * or of the fitted data): fixed-effect rows, and for the zi part's random effects each row's
 * fitted level (−1 for a level the model has not seen, or a missing value).
 */
export function sideRows(m: ModelFit, text: string, part: SideFit, rows: Int32Array, newdata: Frame | undefined): SideRows {
  const side = buildModel(m.frame, text, { refLevels: m.options.refLevels });
  let X: Float64Array, n: number, at: Map<number, number>;
  let re: SideRows["re"];
  if (newdata) {
    // coded as the fitted data (newDesign checks the coding), with the reference levels of the side
    // formula's own columns (the union frame has no others)
    const cols = new Set(columnsOf(parseFormula(text).rhs));
    const refLevels = Object.fromEntries(Object.entries(m.options.refLevels ?? {}).filter(([c]) => cols.has(c)));
    const d = newDesign({ frame: m.frame, formula: text, options: { ...m.options, refLevels }, ms: side }, newdata);
    X = d.X; n = d.n; re = d.re;
    at = new Map(Array.from(d.rows, (r, k) => [r, k]));
  } else {
    X = side.X; n = side.n;
    re = side.reTerms.map((t) => ({ refs: t.refs, z: t.z, s: t.cnames.length }));
    at = new Map(Array.from(side.rows, (r, k) => [r, k]));
  }
  if (side.xnames.join("\u0000") !== part.names.join("\u0000")) throw new Error("sideRows: columns differ from the fit's");
  const p = part.estimate.length, N = rows.length;
  const out = new Float64Array(N * p).fill(NaN);
  const refs = re.map((t) => new Int32Array(N).fill(-1));
  const zs = re.map((t) => new Float64Array(N * t.s));
  rows.forEach((r, i) => {
    const k = at.get(r);
    if (k === undefined) return;
    for (let j = 0; j < p; j++) out[i + j * N] = X[k + j * n];
    re.forEach((t, q) => {
      refs[q][i] = t.refs[k];
      for (let c = 0; c < t.s; c++) zs[q][i * t.s + c] = t.z[k * t.s + c];
    });
  });
  return { X: out, re: re.map((t, q) => ({ refs: refs[q], z: zs[q], s: t.s })) };
}

/**
 * X_side β_side of a side formula for the prediction rows (NaN where a side variable is missing);
 * at the conditional level plus the zi part's random effects at their modes (0 for a new level),
 * as glmmTMB's predict(re.form = NULL, allow.new.levels = TRUE).
 */
function sideLinear(m: ModelFit, text: string, part: SideFit, rows: Int32Array, newdata: Frame | undefined, conditional: boolean, se?: Float64Array): Float64Array {
  const { X, re } = sideRows(m, text, part, rows, newdata);
  const N = rows.length, p = part.estimate.length;
  const out = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let j = 0; j < p; j++) s += X[i + j * N] * part.estimate[j];
    out[i] = s;
    // (the fixed coefficients' covariance: the population-level SE, as for the count part)
    if (se) se[i] = Math.sqrt(quadForm(X, N, i, part.vcov, p));
  }
  if (conditional && part.terms?.length && part.modes) addFittedModes(out, re, part.terms, part.modes);
  return out;
}

/**
 * η += z_iᵀ b_level per random-effect term for the rows of a fitted level (a new level's effect is
 * 0): `re` in formula order, `terms` and their `modes` in the fit's order.
 */
export function addFittedModes(eta: Float64Array, re: SideRows["re"], terms: readonly { readonly formulaIndex: number }[], modes: readonly Float64Array[]): void {
  const order = formulaOrder(terms);
  re.forEach((t, k) => {
    const b = modes[order[k]];
    for (let i = 0; i < eta.length; i++) {
      const l = t.refs[i];
      if (l < 0) continue;
      let acc = 0;
      for (let c = 0; c < t.s; c++) acc += t.z[i * t.s + c] * b[l * t.s + c];
      eta[i] += acc;
    }
  });
}

/**
 * Per row, the variance of its random part: z_iᵀ Σ z_i summed over the terms (`re` in formula
 * order, `terms` and their covariances `cov` in the fit's order).
 */
export function randomPartVariances(re: SideRows["re"], terms: readonly { readonly formulaIndex: number }[], cov: readonly Float64Array[], n: number): Float64Array {
  const order = formulaOrder(terms);
  const v = new Float64Array(n);
  re.forEach((r, k) => {
    const S = cov[order[k]], s = r.s;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) acc += r.z[i * s + a] * S[a + b * s] * r.z[i * s + b];
      v[i] += acc;
    }
  });
  return v;
}

/** x_iᵀ V x_i for row i of the column-major rows × p matrix X (rows N) */
export function quadForm(X: Float64Array, N: number, i: number, V: Float64Array, p: number): number {
  let v = 0;
  for (let a = 0; a < p; a++) {
    const xa = X[i + a * N];
    if (xa === 0) continue;
    for (let b = 0; b < p; b++) v += xa * V[a + b * p] * X[i + b * N];
  }
  return v;
}

/**
 * The zero-inflation logit and its standard error (from the zi coefficients' covariance) for the
 * prediction rows: the confidence interval of `zprob` is plogis(logit ± z·SE); the SE is the fixed
 * coefficients' (population level), the logit that of the prediction level.
 */
export function zeroLogit(m: ModelFit, rows: Int32Array, newdata: Frame | undefined, conditional: boolean): { logit: Float64Array; se: Float64Array } {
  const f = m.fit as FittedGLMM;
  if (!f.zi || m.options.zi === undefined) throw new UserError("--type zprob needs a zero-inflation (--zi) or hurdle model");
  const se = new Float64Array(rows.length).fill(NaN);
  return { logit: sideLinear(m, m.options.zi, f.zi, rows, newdata, conditional, se), se };
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
 * default dispformula ~1) is its one coefficient on every row. `conditional`: with the zi part's
 * random effects at their modes (else at 0: population level).
 */
export function sideParameters(m: ModelFit, rows: Int32Array, newdata: Frame | undefined, conditional: boolean): SideParameters {
  const f = m.fit as FittedGLMM;
  const n = rows.length;
  const one = (part: SideFit | null | undefined, text: string | undefined): Float64Array | null =>
    !part ? null : text !== undefined ? sideLinear(m, text, part, rows, newdata, conditional) : new Float64Array(n).fill(part.estimate[0]);
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
 * One row's component `type` (not "link") from the count part's η, the zi logit ζ (null: no zi
 * part) and the log dispersion δ (for NB2 / NB1 zero probabilities).
 */
function rowComponent(family: string, hurdle: boolean, type: ComponentType, eta: number, zeta: number | null, logDisp: number): number {
  const pi = zeta === null ? 0 : 1 / (1 + Math.exp(-zeta));
  if (type === "zprob") return pi;
  let mu = Math.exp(eta);
  if (hurdle) mu /= -Math.expm1(logZeroProb(family, mu, logDisp));
  return type === "conditional" ? mu : (1 - pi) * mu;
}

function checkHurdle(f: FittedGLMM, side: SideParameters): void {
  if (f.hurdle && f.family !== "poisson" && !(f.family === "negative_binomial" && side.logDisp)) throw new UserError(`predictions of a hurdle model with family ${f.family} are not available`);
}

/**
 * The component `type` from the count part's linear predictor η (at the chosen level) for the
 * prediction rows (`rows`: rows of the new data, or of the fitted data without it); `conditional`:
 * the zi part's random effects at their modes (new levels at 0), else at 0.
 */
export function componentPrediction(m: ModelFit, eta: Float64Array, rows: Int32Array, type: ComponentType, newdata: Frame | undefined, conditional: boolean): Float64Array {
  if (type === "link") return eta;
  const f = m.fit as FittedGLMM;
  if (f.link !== "log") throw new Error("componentPrediction: count part without log link");
  const side = sideParameters(m, rows, newdata, conditional);
  checkHurdle(f, side);
  // (a hurdle without --zi terms has none: refused when fitting)
  const { logitZi, logDisp } = side;
  return eta.map((e, i) => rowComponent(f.family, f.hurdle === true, type, e, logitZi ? logitZi[i] : null, logDisp ? logDisp[i] : 0));
}

/**
 * A row's component `type` and its partial derivatives in η, ζ and δ (central differences; 0 for
 * a part the model does not have): [value, ∂/∂η, ∂/∂ζ, ∂/∂δ].
 */
export function componentGradient(f: FittedGLMM, type: ComponentType, eta: number, zeta: number | null, logDisp: number | null): [number, number, number, number] {
  const h = 1e-5, d = logDisp ?? 0;
  const r = (de: number, dz: number, dd: number) => rowComponent(f.family, f.hurdle === true, type, eta + de, zeta === null ? null : zeta + dz, d + dd);
  return [
    r(0, 0, 0),
    (r(h, 0, 0) - r(-h, 0, 0)) / (2 * h),
    zeta === null ? 0 : (r(0, h, 0) - r(0, -h, 0)) / (2 * h),
    logDisp === null ? 0 : (r(0, 0, h) - r(0, 0, -h)) / (2 * h),
  ];
}

/**
 * The population-level component `type` on its own scale and its Jacobian in all the fixed
 * coefficients (count β, zi, dispersion: the order of FittedGLMM.vcovJoint), n × K column-major:
 * each row's gradient in (η, ζ, δ) times each part's design row. `X`: the count part's rows
 * (n × p), `eta` its population-level η; the zi and dispersion parts come from `newdata` (or the
 * fitted rows).
 */
export function componentJacobian(m: ModelFit, X: Float64Array, eta: Float64Array, rows: Int32Array, type: ComponentType, newdata: Frame | undefined): { value: Float64Array; J: Float64Array; K: number } {
  const f = m.fit as FittedGLMM;
  const n = eta.length, p = f.beta.length;
  const side = sideParameters(m, rows, newdata, false);
  checkHurdle(f, side);
  // each part's design on the prediction rows (an intercept-only part without a formula: a column of 1)
  const design = (part: SideFit | null | undefined, text: string | undefined): Float64Array | null =>
    !part ? null : text !== undefined ? sideRows(m, text, part, rows, newdata).X : new Float64Array(n).fill(1);
  const Xz = design(f.zi, m.options.zi), Xd = design(f.disp, m.options.disp);
  const pz = f.zi?.estimate.length ?? 0, pd = f.disp?.estimate.length ?? 0, K = p + pz + pd;
  const { logitZi, logDisp } = side;
  const value = new Float64Array(n), J = new Float64Array(n * K);
  for (let i = 0; i < n; i++) {
    const [r, gE, gZ, gD] = componentGradient(f, type, eta[i], logitZi ? logitZi[i] : null, logDisp ? logDisp[i] : null);
    value[i] = r;
    for (let j = 0; j < p; j++) J[i + j * n] = gE * X[i + j * n];
    for (let j = 0; j < pz; j++) J[i + (p + j) * n] = gZ * Xz![i + j * n];
    for (let j = 0; j < pd; j++) J[i + (p + pz + j) * n] = gD * Xd![i + j * n];
  }
  return { value, J, K };
}

/**
 * The standard error of the population-level component `type` on its own scale, by the delta
 * method with the joint covariance of the count, zi and dispersion coefficients (glmmTMB's
 * predict(re.form = NA, se.fit = TRUE)).
 */
export function componentSE(m: ModelFit, X: Float64Array, eta: Float64Array, rows: Int32Array, type: ComponentType, newdata: Frame | undefined): Float64Array {
  const V = (m.fit as FittedGLMM).vcovJoint;
  if (!V) throw new Error("componentSE: the fit has no joint covariance");
  const { J, K } = componentJacobian(m, X, eta, rows, type, newdata);
  const n = eta.length;
  return Float64Array.from({ length: n }, (_, i) => Math.sqrt(quadForm(J, n, i, V, K)));
}

/**
 * The population-averaged (marginal) component `type`: each part's mean over its own random
 * effects (the count and zi parts' are independent, as in glmmTMB), from the fixed linear
 * predictors (`eta`: the count part's) and the per-row variances of the random parts (`vCond`:
 * the count part's): E π = E plogis(ζ + b_zi), E μ = exp(η + v/2) (a hurdle's truncated mean by
 * quadrature), response (1 − E π)·E μ; "link" is log E μ.
 */
export function marginalComponent(m: ModelFit, eta: Float64Array, vCond: Float64Array, rows: Int32Array, type: ComponentType, newdata: Frame | undefined): Float64Array {
  const f = m.fit as FittedGLMM;
  if (f.link !== "log") throw new Error("marginalComponent: count part without log link");
  const side = sideParameters(m, rows, newdata, false);
  checkHurdle(f, side);
  const n = eta.length;
  // per-row variance of the zi part's random effects
  const zi = f.zi;
  const vZi = zi?.terms?.length && m.options.zi !== undefined
    ? randomPartVariances(sideRows(m, m.options.zi, zi, rows, newdata).re, zi.terms, termCovariances({ ...f, terms: zi.terms }, Float64Array.from([...f.theta, ...zi.theta!])), n)
    : new Float64Array(n);
  const { logitZi, logDisp } = side;
  return eta.map((e, i) => {
    const pi = logitZi ? normalMean((x) => 1 / (1 + Math.exp(-x)), logitZi[i], vZi[i]) : 0;
    if (type === "zprob") return pi;
    const d = logDisp ? logDisp[i] : 0;
    const mu = f.hurdle ? normalMean((x) => rowComponent(f.family, true, "conditional", x, null, d), e, vCond[i]) : Math.exp(e + vCond[i] / 2);
    return type === "link" ? Math.log(mu) : type === "conditional" ? mu : (1 - pi) * mu;
  });
}
