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
function sideLinear(m: ModelFit, text: string, part: SideFit, rows: Int32Array, newdata: Frame | undefined): Float64Array {
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
  });
  return out;
}

/**
 * The component `type` from the count part's linear predictor η (at the chosen level) for the
 * prediction rows (`rows`: rows of the new data, or of the fitted data without it).
 */
export function componentPrediction(m: ModelFit, eta: Float64Array, rows: Int32Array, type: ComponentType, newdata: Frame | undefined): Float64Array {
  if (type === "link") return eta;
  const f = m.fit as FittedGLMM;
  const n = eta.length;
  const zi = f.zi ?? null;
  if (f.link !== "log") throw new Error("componentPrediction: count part without log link");
  if (zi?.terms?.length && (type === "zprob" || type === "response")) throw new UserError(`--type ${type} needs the zero-inflation model's random effects, which predict does not handle yet; --type link and conditional are available`);
  // π per row (a hurdle without --zi terms has none: refused when fitting)
  const pi = zi && m.options.zi !== undefined ? sideLinear(m, m.options.zi, zi, rows, newdata).map((e) => 1 / (1 + Math.exp(-e))) : new Float64Array(n);
  if (type === "zprob") return pi;
  const mu = eta.map(Math.exp);
  if (f.hurdle) {
    // log p₀ of the untruncated count at μ (NB2: size θ per row from the dispersion part)
    const disp = f.disp ?? null;
    const logSize = !disp ? null : m.options.disp !== undefined ? sideLinear(m, m.options.disp, disp, rows, newdata) : new Float64Array(n).fill(disp.estimate[0]);
    for (let i = 0; i < n; i++) {
      let lp0: number;
      if (f.family === "poisson") lp0 = -mu[i];
      else if (f.family === "negative_binomial" && logSize) { const k = Math.exp(logSize[i]); lp0 = -k * Math.log1p(mu[i] / k); }
      else throw new UserError(`predictions of a hurdle model with family ${f.family} are not available`);
      mu[i] /= -Math.expm1(lp0);
    }
  }
  if (type === "conditional") return mu;
  return mu.map((v, i) => (1 - pi[i]) * v);
}
