// The library's entry calls at the formula/data level: fit (lmer/glmer/glm), gee (geeglm),
// meta (rma.glmm), nma and de. Data come in any form `toFrame` reads; options are checked by name.
import { UserError } from "../errors.js";
import type { FamilyName, LinkName } from "../families/index.js";
import { makeFamily } from "../families/index.js";
import { fit as engineFit, type FitOptions as EngineFitOptions, type KnownCovariance } from "../fit.js";
import { geeFromFrame } from "../gee/formula.js";
import type { CorStr, StdErrType } from "../gee/types.js";
import type { ProgressInfo } from "../lmm/lmm.js";
import { metaForestSVG, metaSummary, metaToJSON } from "../meta/meta-report.js";
import { nmaForestSVG, nmaNetworkSVG, nmaSummary, nmaToJSON } from "../meta/nma-report.js";
import { networkMetaAnalysis, type NMAResult } from "../meta/nma.js";
import { rmaGLMM, type MetaModel, type MetaResult } from "../meta/rma-glmm.js";
import { studiesFromFrame, type TableColumns } from "../meta/tables.js";
import { toFrame, type DataInput } from "./data.js";
import { modelFromFit, modelFromGEE, type Model } from "./model.js";
import { checkChoice, checkOptions, refLevelsOption } from "./options.js";

/** Options of {@link fit}. The CLI's names are accepted too: `nagq` for nAGQ, `ref` for refLevels, `REML` for reml. */
export interface FitOptions {
  /**
   * "gaussian" (default), "binomial", "poisson", "negative_binomial" (nbinom2), "nbinom1", "Gamma",
   * "beta", "betabinomial", "tweedie", "ordinal"; hurdles "truncated_poisson", "truncated_nbinom2" (with zi)
   */
  readonly family?: FamilyName | "truncated_poisson" | "truncated_nbinom2";
  /** the link (default: the family's canonical link) */
  readonly link?: LinkName;
  /** REML for gaussian identity-link models (default true) */
  readonly reml?: boolean;
  /** adaptive Gauss–Hermite points (GLMMs with one scalar random-effect term; default 1 = Laplace) */
  readonly nAGQ?: number;
  /** reference levels of factors: { column: level } or ["column=level", ...] as the CLI's --ref */
  readonly refLevels?: Readonly<Record<string, string>> | readonly string[];
  /** Laplace curvature for non-canonical links: "expected" (lme4) or "observed" (glmmTMB, default) */
  readonly information?: "expected" | "observed";
  /** prior weights column */
  readonly weights?: string;
  /** known covariances between the levels of grouping factors (phylogeny, relatedness) */
  readonly covariances?: readonly KnownCovariance[];
  /** called after every objective evaluation */
  readonly onProgress?: (info: ProgressInfo) => void;
  /** LMM t-test degrees of freedom: "satterthwaite" (lmerTest, default), "kenward-roger" (pbkrtest) or "none" */
  readonly ddf?: "satterthwaite" | "kenward-roger" | "none";
  /** zero-inflation formula, glmmTMB's ziformula ("~ 1", "~ x"; fixed effects) */
  readonly zi?: string;
  /** dispersion formula, glmmTMB's dispformula ("~ sex"; fixed effects, log link) */
  readonly disp?: string;
  /** family "ordinal": the response's levels from lowest to highest */
  readonly levels?: readonly string[];
  /** GLMM vcov(β): "lme4" (default, glmer's) or "laplace" (the exact Laplace Hessian) */
  readonly vcov?: "lme4" | "laplace";
  /** "auto" (default), "direct" (Cholesky) or "iterative" (PCG + stochastic Lanczos; crossed random intercepts of an LMM) */
  readonly solver?: "auto" | "direct" | "iterative";
  /** iterative solver: seed of its probe vectors (default 1; the same seed gives the same fit) */
  readonly solverSeed?: number;
  /** names the data in messages and in the summary's "Data:" line (default "data") */
  readonly dataName?: string;
}

const FIT_KEYS = ["family", "link", "reml", "nAGQ", "refLevels", "information", "weights", "covariances", "onProgress", "ddf", "dataName", "zi", "disp", "levels", "vcov", "solver", "solverSeed"] as const;
const FIT_ALIASES = { nagq: "nAGQ", ref: "refLevels", REML: "reml", data: "dataName" };

function checkFormula(formula: unknown, where: string): string {
  if (typeof formula !== "string" || formula.trim() === "") throw new UserError(`${where}: the formula must be a string such as "y ~ x + (1 | g)", not ${JSON.stringify(formula) ?? typeof formula}`);
  return formula;
}

function checkFamily(family: string | undefined, link: string | undefined): void {
  if (family !== undefined && typeof family !== "string") throw new UserError(`family must be a string such as "binomial", not ${typeof family}`);
  // unknown names fail here, with the valid ones listed; a hurdle is its count family, truncated
  const hurdle = family === "truncated_poisson" ? "poisson" : family === "truncated_nbinom2" ? "negative_binomial" : null;
  makeFamily(hurdle ?? family ?? "gaussian", link);
}

/**
 * Fit a mixed model — lme4's lmer (gaussian, identity link) or glmer (other families) — or, when the
 * formula has no random-effect terms, R's lm/glm.
 *
 * @example
 * const m = fit(rows, "Reaction ~ Days + (Days | Subject)");
 * console.log(m.summary().text);
 */
export function fit(data: DataInput, formula: string, options: FitOptions = {}): Model {
  checkFormula(formula, "fit()");
  const o = checkOptions(options, FIT_KEYS, "fit()", FIT_ALIASES);
  checkFamily(o.family, o.link);
  if (o.nAGQ !== undefined && !(Number.isInteger(o.nAGQ) && o.nAGQ >= 1)) throw new UserError(`fit(): nAGQ must be a positive integer, not ${JSON.stringify(o.nAGQ)}`);
  if (o.ddf !== undefined) checkChoice(o.ddf, ["satterthwaite", "kenward-roger", "none"] as const, "fit(): ddf");
  if (o.vcov !== undefined) checkChoice(o.vcov, ["lme4", "laplace"] as const, "fit(): vcov");
  if (o.solver !== undefined) checkChoice(o.solver, ["auto", "direct", "iterative"] as const, "fit(): solver");
  if (o.information !== undefined) checkChoice(o.information, ["expected", "observed"] as const, "fit(): information");
  const frame = toFrame(data, o.dataName ?? "data");
  const { dataName: _unused, refLevels, ...rest } = o;
  const engine: EngineFitOptions = { ...rest, refLevels: refLevelsOption(refLevels, "fit()") };
  return modelFromFit(frame, formula, engine, engineFit(frame, formula, engine));
}

/** Options of {@link gee}. */
export interface GeeOptions {
  /** cluster column (or "a:b" for a combination of columns) — required */
  readonly id: string;
  /** "gaussian" (default), "binomial", "poisson" or "Gamma" */
  readonly family?: "gaussian" | "binomial" | "poisson" | "Gamma";
  readonly link?: LinkName;
  /** working correlation (default "independence") */
  readonly corstr?: CorStr;
  /** m of the "mdep" structure (default 1) */
  readonly mdep?: number;
  /** within-cluster order (and gaps for ar1) */
  readonly time?: string;
  /** prior weights column */
  readonly weights?: string;
  /** standard errors: "san.se" (robust, default), "md" (Mancl–DeRouen) or "model" */
  readonly stdErr?: StdErrType;
  /** reference levels of factors */
  readonly refLevels?: Readonly<Record<string, string>> | readonly string[];
  /** names the data in messages */
  readonly dataName?: string;
}

const GEE_KEYS = ["id", "family", "link", "corstr", "mdep", "time", "weights", "stdErr", "refLevels", "dataName"] as const;
const GEE_LABELS: Record<string, string> = { "std-err": "stdErr" };

/** Generalized estimating equations with sandwich standard errors (geepack's geeglm). */
export function gee(data: DataInput, formula: string, options: GeeOptions): Model {
  checkFormula(formula, "gee()");
  const o = checkOptions(options, GEE_KEYS, "gee()", { ref: "refLevels", "std.err": "stdErr", std_err: "stdErr", cluster: "id" });
  if (typeof o.id !== "string") throw new UserError("gee(): the cluster column is required: gee(data, formula, { id: \"subject\" })");
  const frame = toFrame(data, o.dataName ?? "data");
  const fitted = geeFromFrame(frame, formula, { ...o, refLevels: refLevelsOption(o.refLevels, "gee()") }, (k) => GEE_LABELS[k] ?? k, "gee()");
  return modelFromGEE(frame, formula, fitted.result, fitted.model, fitted.warnings);
}

/** Methods shared by the results of {@link meta} and {@link nma}. */
export interface ReportMethods {
  /** the CLI's text */
  summary(): string;
  /** the CLI's --format json object */
  toJSON(): unknown;
  /** a forest plot (SVG document) */
  forestSVG(): string;
}

/** Options of {@link meta}: the columns of the 2×2 tables (ai, bi, ci, di or n1i/n2i, slab) and the model. */
export interface MetaOptions extends TableColumns {
  /** "UM.FS" (default) or "UM.RS" */
  readonly model?: MetaModel;
  /** quadrature points for UM.FS (default 7, metafor's) */
  readonly nAGQ?: number;
  /** confidence level (default 0.95) */
  readonly level?: number;
  /** names the data in messages */
  readonly dataName?: string;
}

const META_KEYS = ["ai", "bi", "ci", "di", "n1i", "n2i", "slab", "model", "nAGQ", "level", "dataName"] as const;

/** One-stage meta-analysis of 2×2 tables (log odds ratio) as a binomial GLMM (metafor's rma.glmm). */
export function meta(data: DataInput, options: MetaOptions): MetaResult & ReportMethods {
  const o = checkOptions(options, META_KEYS, "meta()", { nagq: "nAGQ" });
  if (!o.ai || !o.ci) throw new UserError("meta(): needs ai and ci (events in the treated and control arms) and bi/di (non-events) or n1i/n2i (totals)");
  if (o.model !== undefined) checkChoice(o.model, ["UM.FS", "UM.RS"] as const, "meta(): model");
  const frame = toFrame(data, o.dataName ?? "data");
  const tables = studiesFromFrame(frame, o);
  const res = rmaGLMM(tables.studies, { model: o.model, nAGQ: o.nAGQ, level: o.level });
  res.warnings.unshift(...tables.warnings);
  return Object.assign(res, {
    summary: () => metaSummary({ ...res, warnings: [] }, frame.source),
    toJSON: () => metaToJSON(res),
    forestSVG: () => metaForestSVG(res),
  });
}

/** Options of {@link nma}: arm-level columns and the analysis. */
export interface NmaOptions {
  readonly study: string;
  readonly treatment: string;
  /** events per arm */
  readonly events: string;
  /** participants per arm */
  readonly n: string;
  /** reference treatment (default: the first in sorted order) */
  readonly reference?: string;
  /** confidence level (default 0.95) */
  readonly level?: number;
  /** for the ranking: small log odds ratios are "good" (default) or "bad" */
  readonly smallValues?: "good" | "bad";
  readonly dataName?: string;
}

const NMA_KEYS = ["study", "treatment", "events", "n", "reference", "level", "smallValues", "dataName"] as const;

/** Network meta-analysis of arm-level binary data: the two-way binomial GLMM (Piepho et al. 2012). */
export function nma(data: DataInput, options: NmaOptions): NMAResult & ReportMethods & { networkSVG(): string } {
  const o = checkOptions(options, NMA_KEYS, "nma()", { small_values: "smallValues" });
  if (o.smallValues !== undefined) checkChoice(o.smallValues, ["good", "bad"] as const, "nma(): smallValues");
  const frame = toFrame(data, o.dataName ?? "data");
  const res = networkMetaAnalysis(frame, { study: o.study, treatment: o.treatment, events: o.events, n: o.n }, { reference: o.reference, level: o.level, smallValues: o.smallValues });
  return Object.assign(res, {
    summary: () => nmaSummary({ ...res, warnings: [] }, frame.source),
    toJSON: () => nmaToJSON(res),
    forestSVG: () => nmaForestSVG(res),
    networkSVG: () => nmaNetworkSVG(res),
  });
}
