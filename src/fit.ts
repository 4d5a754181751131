// The front door: data + formula + family → fitted model, choosing the LMM (gaussian, identity
// link) or the GLMM engine — lme4's lmer/glmer split behind one call.
import type { Frame } from "./data/frame.js";
import { TooLargeError, UserError } from "./errors.js";
import { ITERATIVE_FLOPS, iterativeReason } from "./lmm/system.js";
import { buildModel } from "./formula/index.js";
import type { ModelStructure } from "./formula/types.js";
import { fitLMM, type FittedLMM, type ProgressInfo } from "./lmm/lmm.js";
import { fitGLMM, type FittedGLMM } from "./glmm/glmm.js";
import { fitGLMMIterative } from "./glmm/iterative.js";
import { CrossedSchur } from "./lmm/crossed.js";
import { sortTerms } from "./lmm/reterms.js";
import { reTerm } from "./formula/remat.js";
import type { SideDesign } from "./glmm/extended.js";
import { fitGLM, type FittedGLM } from "./glm/glm.js";
import { fitToJSON, type FitJSON } from "./report/json.js";
import { scaleWarnings } from "./formula/scale-check.js";
import { separationWarning } from "./glmm/separation.js";
import { fitDiagnostics, unidentifiedVariances } from "./inference/diagnostics.js";
import { satterthwaiteTable } from "./inference/satterthwaite.js";
import { krTable } from "./inference/kenward-roger.js";
import { levelTree, type TreePrecision } from "./covariance/precision.js";
import { isExtendedFamily, makeExtendedFamily } from "./families/extended.js";
import { dropIntercept, ordinalFrame } from "./glmm/ordinal-data.js";

/** Options of {@link fit}: family, link, REML/ML, nAGQ and the CLI's other fit settings. */
export interface FitOptions {
  /** gaussian (default), binomial, poisson, negative_binomial, Gamma, beta, betabinomial, tweedie, ordinal */
  readonly family?: string;
  /** ordinal: the response's levels in order (default: ascending numbers, or sorted text) */
  readonly levels?: readonly string[];
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
  readonly ddf?: "satterthwaite" | "kenward-roger" | "none";
  /** GLMM vcov(β): "lme4" (default, glmer's) or "laplace" (the exact Laplace Hessian); see GLMMOptions */
  readonly vcov?: "lme4" | "laplace";
  /** zero-inflation formula (glmmTMB's ziformula, one-sided: "~ x"; "~ 0" none) */
  readonly zi?: string;
  /** dispersion formula (glmmTMB's dispformula, one-sided, log link) */
  readonly disp?: string;
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

/** What {@link fit} returns: the model structure, the engine's fit and its CONTRACT.md JSON. */
export interface FitResult {
  readonly model: ModelStructure;
  readonly fit: FittedLMM | FittedGLMM | FittedGLM;
  /** the CONTRACT.md JSON */
  readonly json: FitJSON;
}

/** Fit a formula to a frame with the engine the family and random effects call for (lm/glm, lmer, glmer, glmmTMB-style families), as `glmm fit` does. */
export function fit(data: Frame, formula: string, options: FitOptions = {}): FitResult {
  // glmmTMB's hurdle families: the count family, zero-truncated, with the zi part for the zeros
  const hurdle = options.family === "truncated_poisson" || options.family === "truncated_nbinom2";
  const family = hurdle ? (options.family === "truncated_poisson" ? "poisson" : "negative_binomial") : options.family ?? "gaussian";
  const ordinal = family === "ordinal" ? ordinalFrame(data, formula, options.levels) : null;
  if (ordinal) data = ordinal.frame;
  let ms = buildModel(data, formula, { refLevels: options.refLevels });
  if (ordinal) {
    ms = dropIntercept(ms);
    if (ordinal.note) ms.warnings.push(ordinal.note);
  }
  // (the extended families without random effects: the same engine, whose Laplace objective is then
  // the likelihood itself; checked against glmmTMB and ordinal::clm, test/fixtures/reference/nore_families.R)
  if (isExtendedFamily(family) && options.zi !== undefined) throw new UserError(`--zi is not available for family ${family} yet (poisson, negative_binomial and nbinom1 take it)`);
  if (isExtendedFamily(family) && family !== "beta" && options.disp !== undefined) throw new UserError(`--disp is not available for family ${family} yet (negative_binomial, nbinom1, gaussian, Gamma and beta take it)`);
  const zi = options.zi !== undefined ? sideDesign(data, options.zi, ms, options.refLevels, "--zi") : null;
  const disp = options.disp !== undefined ? sideDesign(data, options.disp, ms, options.refLevels, "--disp") : null;
  const extended = zi !== null || disp !== null || hurdle || family === "nbinom1";
  // the ordinal family carries its level labels (the threshold names)
  const glmmFamily = ordinal ? makeExtendedFamily("ordinal", options.link, ordinal.labels) : family;
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
  const isLMM = family === "gaussian" && (options.link === undefined || options.link === "identity") && !extended;
  // no random-effect terms: R's lm()/glm()
  const fitted = ms.reTerms.length === 0 && !extended && !isExtendedFamily(family)
    ? fitGLM(ms, { family, link: options.link, weights })
    : isLMM
      ? fitLMM(ms, { reml: options.reml ?? true, onProgress: options.onProgress, weights, solver: options.solver, seed: options.solverSeed })
      : fitGLMMRoute(ms, options, extended || ordinal !== null, (flopBudget) => fitGLMM(ms, { family: glmmFamily, link: options.link, nAGQ: options.nAGQ ?? 1, weights, onProgress: options.onProgress, information: options.information, zi, disp, hurdle, vcov: options.vcov, flopBudget }), weights);
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
  if (fitted.kind === "lmm" && options.ddf === "kenward-roger") {
    krTable(ms, fitted, weights ?? null).forEach((r, j) => {
      Object.assign(json.fixef[j], { se: r.se, statistic: r.t, df: r.df, p: r.p });
    });
  }
  return { model: ms, fit: fitted, json };
}

/**
 * The fixed-effects design of a one-sided side formula (--zi, --disp) on the rows of the main
 * model; null for "~ 0" (no such part).
 */
export function sideDesign(data: Frame, text: string, ms: ModelStructure, refLevels: Readonly<Record<string, string>> | undefined, flag: string): SideDesign | null {
  if (!/^\s*~/.test(text)) throw new UserError(`${flag} '${text}': expected a one-sided formula such as "~ 1" or "~ x"`);
  return sideDesignOf(buildModel(data, text, { refLevels }), text, ms, flag);
}

/** sideDesign from the side formula's model structure `side` (built on the same data as ms) */
export function sideDesignOf(side: ModelStructure, text: string, ms: ModelStructure, flag: string): SideDesign | null {
  if (side.reTerms.length > 0 && flag !== "--zi") throw new UserError(`${flag} '${text}': random effects in the dispersion model are not supported yet (fixed effects only)`);
  if (side.offset) throw new UserError(`${flag} '${text}': offset() is not supported in the ${flag === "--zi" ? "zero-inflation" : "dispersion"} model`);
  if (side.p === 0 && side.reTerms.length === 0) return null;
  const at = new Map<number, number>();
  side.rows.forEach((r, k) => at.set(r, k));
  const n = ms.n, p = side.p;
  const X = new Float64Array(n * p);
  const rowOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = at.get(ms.rows[i]);
    if (k === undefined) throw new UserError(`${flag} '${text}': data row ${ms.rows[i] + 1} has a missing value in its variables`);
    rowOf[i] = k;
    for (let j = 0; j < p; j++) X[i + j * n] = side.X[k + j * side.n];
  }
  if (side.reTerms.length === 0) return { X, p, names: side.xnames };
  // the random-effect terms on the main model's rows, levels renumbered to those used there
  const reTerms = side.reTerms.map((t) => {
    const s = t.cnames.length;
    const used = new Int32Array(t.levels.length).fill(-1);
    for (let i = 0; i < n; i++) used[t.refs[rowOf[i]]] = 0;
    const levels: string[] = [];
    used.forEach((u, l) => { if (u === 0) { used[l] = levels.length; levels.push(t.levels[l]); } });
    const refs = Int32Array.from(rowOf, (k) => used[t.refs[k]]);
    const z = new Float64Array(n * s);
    for (let i = 0; i < n; i++) for (let c = 0; c < s; c++) z[i * s + c] = t.z[rowOf[i] * s + c];
    return reTerm({ ...t, levels, refs, z });
  });
  return { X, p, names: side.xnames, reTerms };
}

/**
 * The GLMM's route: the direct one, or the iterative one (glmm/iterative.ts) on request or when the
 * direct one is too large and the model is a binomial/Poisson Laplace fit with crossed intercepts.
 */
function fitGLMMRoute(ms: ModelStructure, options: FitOptions, extended: boolean, direct: (flopBudget: number) => FittedGLMM, weights: Float64Array | undefined): FittedGLMM {
  const family = options.family ?? "gaussian";
  const iterative = (reason?: string) => {
    if (extended || (family !== "binomial" && family !== "poisson"))
      throw new UserError(`the iterative solver serves gaussian, binomial and poisson models (without --zi, --disp or hurdle parts) so far, not this ${family} model; fit it with the direct solver`);
    if ((options.nAGQ ?? 1) !== 1) throw new UserError("the iterative solver fits the Laplace approximation only: use --nagq 1");
    return fitGLMMIterative(ms, { family, link: options.link, weights, seed: options.solverSeed, onProgress: options.onProgress, information: options.information, reason });
  };
  if (options.solver === "iterative") return iterative();
  // auto: a factor too large or too slow sends a model the iterative route serves there
  // (nAGQ > 1: only a factor too large to build goes on, to the iterative route's one-line refusal)
  const eligible = options.solver !== "direct" && !extended && (family === "binomial" || family === "poisson") && CrossedSchur.eligible(sortTerms(ms.reTerms));
  try {
    return direct(eligible && (options.nAGQ ?? 1) === 1 ? ITERATIVE_FLOPS : Infinity);
  } catch (e) {
    if (eligible && e instanceof TooLargeError) return iterative(iterativeReason(e));
    throw e;
  }
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
    if (cov.tree) return reTerm({ ...t, covariance: { ...(t.covariance ?? {}), tree: levelTree(cov.tree, idx), source: cov.source } });
    const nk = cov.labels.length;
    const K = new Float64Array(nl * nl);
    for (let j = 0; j < nl; j++) for (let i = 0; i < nl; i++) K[i + j * nl] = cov.K[idx[i] + idx[j] * nk];
    return reTerm({ ...t, covariance: { ...(t.covariance ?? {}), K, source: cov.source } });
  });
  for (const c of covs) if (!ms.reTerms.some((t) => t.group === c.group)) throw new UserError(`--covariance names '${c.group}', but the formula has no random-effect term (1 | ${c.group})`);
  return { ...ms, reTerms };
}
