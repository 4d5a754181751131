// The front door: data + formula + family → fitted model, choosing the LMM (gaussian, identity
// link) or the GLMM engine — lme4's lmer/glmer split behind one call.
import type { Frame } from "./data/frame.js";
import { UserError } from "./errors.js";
import { buildModel } from "./formula/index.js";
import type { ModelStructure } from "./formula/types.js";
import { fitLMM, type FittedLMM } from "./lmm/lmm.js";
import { fitGLMM, type FittedGLMM } from "./glmm/glmm.js";
import { fitToJSON, type FitJSON } from "./report/json.js";

export interface FitOptions {
  /** gaussian (default), binomial, poisson, negative_binomial, Gamma */
  readonly family?: string;
  readonly link?: string;
  /** REML for gaussian identity-link models (default true) */
  readonly reml?: boolean;
  /** adaptive Gauss–Hermite points (GLMM, one scalar term) */
  readonly nAGQ?: number;
  /** reference levels: { column: level } */
  readonly refLevels?: Readonly<Record<string, string>>;
  /** prior weights column */
  readonly weights?: string;
}

export interface FitResult {
  readonly model: ModelStructure;
  readonly fit: FittedLMM | FittedGLMM;
  /** the CONTRACT.md JSON */
  readonly json: FitJSON;
}

export function fit(data: Frame, formula: string, options: FitOptions = {}): FitResult {
  const family = options.family ?? "gaussian";
  const ms = buildModel(data, formula, { refLevels: options.refLevels });
  let weights: Float64Array | undefined;
  if (options.weights) {
    const col = data.column(options.weights);
    if (col.kind !== "numeric") throw new UserError(`weights column '${options.weights}' is not numeric`);
    weights = new Float64Array(ms.n);
    for (let i = 0; i < ms.n; i++) {
      const w = col.values[ms.rows[i]];
      if (!(w >= 0) || !Number.isFinite(w)) throw new UserError(`weights column '${options.weights}': data row ${ms.rows[i] + 1} has ${w} (weights must be finite and ≥ 0)`);
      weights[i] = w;
    }
  }
  const isLMM = family === "gaussian" && (options.link === undefined || options.link === "identity");
  if (isLMM && weights) throw new UserError("prior weights for linear mixed models are not supported yet");
  const fitted = isLMM
    ? fitLMM(ms, { reml: options.reml ?? true })
    : fitGLMM(ms, { family, link: options.link, nAGQ: options.nAGQ ?? 1, weights });
  const json = fitToJSON(fitted, { formula, dropped: ms.dropped, warnings: ms.warnings });
  return { model: ms, fit: fitted, json };
}
