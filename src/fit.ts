// The front door: data + formula + family → fitted model, choosing the LMM (gaussian, identity
// link) or the GLMM engine — lme4's lmer/glmer split behind one call.
import type { Frame } from "./data/frame.js";
import { UserError } from "./errors.js";
import { buildModel } from "./formula/index.js";
import type { ModelStructure } from "./formula/types.js";
import { fitLMM, type FittedLMM, type ProgressInfo } from "./lmm/lmm.js";
import { fitGLMM, type FittedGLMM } from "./glmm/glmm.js";
import { fitGLM, type FittedGLM } from "./glm/glm.js";
import { fitToJSON, type FitJSON } from "./report/json.js";
import { scaleWarnings } from "./formula/scale-check.js";
import { separationWarning } from "./glmm/separation.js";
import { fitDiagnostics, unidentifiedVariances } from "./inference/diagnostics.js";
import { satterthwaiteTable } from "./inference/satterthwaite.js";
import { levelTree, type TreePrecision } from "./covariance/precision.js";

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
  /** Laplace curvature for non-canonical links: "expected" (lme4) or "observed" (glmmTMB); see GLMMOptions */
  readonly information?: "expected" | "observed";
  /** prior weights column */
  readonly weights?: string;
  /**
   * Known covariances between the levels of grouping factors (phylogeny, relatedness): the random
   * effects of `group` are b = σ L u with K = L Lᵀ. Levels are matched by name.
   */
  readonly covariances?: readonly KnownCovariance[];
  /** called after every objective evaluation */
  readonly onProgress?: (info: ProgressInfo) => void;
  /**
   * Denominator degrees of freedom for the t tests of a linear mixed model: "satterthwaite"
   * (lmerTest's method, the default) or "none" (t values only, as lme4 prints them).
   */
  readonly ddf?: "satterthwaite" | "none";
  /**
   * How the penalized system is solved: "direct" (Cholesky), "iterative" (PCG + stochastic
   * Lanczos quadrature, crossed random intercepts of an LMM), or "auto" (default: direct unless
   * its factor would be too large).
   */
  readonly solver?: "auto" | "direct" | "iterative";
  /** iterative route: seed of the probe vectors (default 1; the same seed gives the same fit) */
  readonly solverSeed?: number;
}

/** A labelled covariance matrix for the levels of one grouping factor. */
export interface KnownCovariance {
  readonly group: string;
  readonly labels: readonly string[];
  /** labels.length² entries, column-major (symmetric) */
  readonly K: Float64Array;
  /**
   * A tree's covariance as its sparse precision (labels in the tree's tip order, the same as
   * `labels`): the engine then never forms K, and thousands of tips stay cheap. K, when also
   * given, must be the same covariance (it may be a lazy getter).
   */
  readonly tree?: TreePrecision;
  /** where it came from, for messages ("tree.nwk") */
  readonly source?: string;
}

export interface FitResult {
  readonly model: ModelStructure;
  readonly fit: FittedLMM | FittedGLMM | FittedGLM;
  /** the CONTRACT.md JSON */
  readonly json: FitJSON;
}

export function fit(data: Frame, formula: string, options: FitOptions = {}): FitResult {
  const family = options.family ?? "gaussian";
  let ms = buildModel(data, formula, { refLevels: options.refLevels });
  if (options.covariances?.length) ms = attachCovariances(ms, options.covariances);
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
  // no random-effect terms: R's lm()/glm()
  const fitted = ms.reTerms.length === 0
    ? fitGLM(ms, { family, link: options.link, weights })
    : isLMM
      ? fitLMM(ms, { reml: options.reml ?? true, onProgress: options.onProgress, weights, solver: options.solver, seed: options.solverSeed })
      : options.solver === "iterative"
        ? unsupportedIterative()
        : fitGLMM(ms, { family, link: options.link, nAGQ: options.nAGQ ?? 1, weights, onProgress: options.onProgress, information: options.information });
  // a variance the data cannot identify comes back at its start value "converged": say so (the
  // fit's own warnings, so that every command that reports the fit reports it)
  // (the iterative route: refits on the Cholesky route would not fit either)
  const iterative = fitted.kind === "lmm" && fitted.solver.route === "iterative";
  if (fitted.kind === "lmm" && !iterative) fitted.warnings.push(...unidentifiedVariances(ms, fitted, weights));
  const warnings = [...ms.warnings, ...scaleWarnings(ms), ...(fitted.kind === "glm" ? [] : fitDiagnostics(ms, fitted, formula).map((d) => d.message))];
  if (fitted.kind !== "lmm") {
    // a plain glm separates as silently as a GLMM (R's glm.fit warns "fitted probabilities numerically 0 or 1")
    const sep = separationWarning(fitted, ms);
    if (sep) warnings.push(sep);
  }
  const json = fitToJSON(fitted, { formula, dropped: ms.dropped, warnings });
  if (fitted.kind === "lmm" && (options.ddf ?? "satterthwaite") === "satterthwaite" && !iterative) {
    const sat = satterthwaiteTable(ms, fitted);
    sat.rows.forEach((r, j) => {
      json.fixef[j].df = Number.isFinite(r.df) ? r.df : null;
      json.fixef[j].p = Number.isFinite(r.p) ? r.p : null;
    });
    json.warnings.push(...sat.warnings);
  }
  return { model: ms, fit: fitted, json };
}

function unsupportedIterative(): never {
  throw new UserError("the iterative solver serves linear mixed models (gaussian, identity link) so far; fit this model with the direct solver");
}

/** Attach known covariances to the random-effect terms of their grouping factors (levels by name). */
export function attachCovariances(ms: ModelStructure, covs: readonly KnownCovariance[]): ModelStructure {
  const reTerms = ms.reTerms.map((t) => {
    const cov = covs.find((c) => c.group === t.group);
    if (!cov) return t;
    if (t.cnames.length !== 1) throw new UserError(`a known covariance needs a scalar term such as (1 | ${t.group}); this term has columns ${t.cnames.join(", ")}`);
    const pos = new Map(cov.labels.map((l, i) => [l, i]));
    const missing = t.levels.filter((l) => !pos.has(l));
    if (missing.length) throw new UserError(`${cov.source ?? "covariance"}: ${missing.length} level(s) of '${t.group}' not found: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", ..." : ""}`);
    const used = new Set(t.levels);
    const extra = cov.labels.filter((l) => !used.has(l));
    if (extra.length) throw new UserError(`${cov.source ?? "covariance"}: ${extra.length} name(s) not among the levels of '${t.group}' in the data (prune them first): ${extra.slice(0, 10).join(", ")}${extra.length > 10 ? ", ..." : ""}`);
    const nl = t.levels.length;
    const idx = t.levels.map((l) => pos.get(l)!);
    // a tree: its sparse precision, renumbered for the levels (K is built only if an engine needs it)
    if (cov.tree) return { ...t, covariance: { ...(t.covariance ?? {}), tree: levelTree(cov.tree, idx), source: cov.source } };
    const nk = cov.labels.length;
    const K = new Float64Array(nl * nl);
    for (let j = 0; j < nl; j++) for (let i = 0; i < nl; i++) K[i + j * nl] = cov.K[idx[i] + idx[j] * nk];
    return { ...t, covariance: { ...(t.covariance ?? {}), K, source: cov.source } };
  });
  for (const c of covs) if (!ms.reTerms.some((t) => t.group === c.group)) throw new UserError(`--covariance names '${c.group}', but the formula has no random-effect term (1 | ${c.group})`);
  return { ...ms, reTerms };
}
