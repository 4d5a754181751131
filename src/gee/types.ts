// Inputs and results of the GEE engine (geepack::geeglm's model: marginal mean g(μ) = Xβ, working
// covariance V_i = φ A_i^½ R(α) A_i^½, sandwich standard errors).
import type { Family } from "../families/index.js";

/** GEE working correlation structures. */
export type CorStr = "independence" | "exchangeable" | "ar1" | "unstructured" | "mdep";
/** The working correlation structures geepack's corstr accepts (and this engine fits). */
export const CORSTRS: readonly CorStr[] = ["independence", "exchangeable", "ar1", "unstructured", "mdep"];

/** "san.se": robust sandwich (geepack's default); "md": Mancl–DeRouen bias-reduced sandwich;
 *  "model": model-based (naive) variance. */
export type StdErrType = "san.se" | "md" | "model";
/** The standard-error types (geepack's std.err values). */
export const STDERR_TYPES: readonly StdErrType[] = ["san.se", "md", "model"];

/** What {@link fitGEE} takes: model matrix, response, cluster codes and optional weights, offset and time. */
export interface GeeInput {
  /** column-major n × p model matrix */
  readonly X: Float64Array;
  readonly xnames: readonly string[];
  /** response; binomial: proportion of successes (with `weights` = trials) */
  readonly y: Float64Array;
  /** prior weights (binomial trials), default 1 */
  readonly weights?: Float64Array | null;
  readonly offset?: Float64Array | null;
  /** cluster code per row; rows of a cluster need not be contiguous or sorted */
  readonly cluster: Int32Array;
  /** within-cluster order; its distinct values, sorted, numbered 1, 2, ... are geepack's `waves`
   *  (ar1 lags, unstructured pairs and m-dependent lags follow these numbers). Default: data order. */
  readonly time?: Float64Array | null;
}

/** Settings of {@link fitGEE}: family, working correlation (corstr, mdep), standard-error type, iteration limits, fixed scale and QIC. */
export interface GeeOptions {
  readonly family: Family;
  readonly corstr: CorStr;
  /** m of the m-dependent structure (default 1) */
  readonly mdep?: number;
  /** which variance `se`/`vcov` report (default "san.se"); all three are returned anyway */
  readonly stdErr?: StdErrType;
  /** iteration limit (geepack: 25) */
  readonly maxit?: number;
  /** convergence: largest absolute change in β, φ and α (geepack: 1e-4) */
  readonly tol?: number;
  /** fix the scale φ at this value instead of estimating it (geepack's scale.fix/scale.value) */
  readonly scaleFix?: number;
  /** compute QIC (needs an extra independence fit when corstr is not independence); default true */
  readonly qic?: boolean;
}

/** One coefficient row of a GEE fit: estimate, SE of the chosen type (with the robust, model-based and Mancl–DeRouen ones), Wald statistic and p. */
export interface GeeCoef {
  readonly term: string;
  readonly estimate: number;
  /** standard error of the chosen type (default robust) */
  readonly se: number;
  readonly seRobust: number;
  readonly seModel: number;
  readonly seMD: number;
  /** Wald z = estimate / se */
  readonly statistic: number;
  /** two-sided normal p-value (= geepack's Pr(>|W|) with W = z²) */
  readonly p: number;
}

/** QIC, QICu and the quasi-likelihood of a GEE fit (Pan 2001, as geepack::QIC). */
export interface GeeQIC {
  readonly QIC: number;
  readonly QICu: number;
  readonly quasiLik: number;
  /** trace(Ω_I V_R): the penalty of QIC */
  readonly CIC: number;
  readonly params: number;
  readonly QICC: number;
}

/** The result of {@link fitGEE}: coefficients, their covariance of every SE type, working correlation parameters, scale and convergence. */
export interface GeeResult {
  readonly fixef: GeeCoef[];
  readonly coefficients: Float64Array;
  readonly xnames: readonly string[];
  readonly stdErr: StdErrType;
  /** p × p column-major: the chosen type, robust, model-based, Mancl–DeRouen */
  readonly vcov: Float64Array;
  readonly vcovRobust: Float64Array;
  readonly vcovModel: Float64Array;
  readonly vcovMD: Float64Array;
  /** number for exchangeable/ar1, array for unstructured/mdep, null for independence */
  readonly alpha: number | number[] | null;
  readonly alphaNames: string[];
  /** geepack's sandwich standard errors of α (null when not computed) */
  readonly alphaSe: number[] | null;
  readonly scale: number;
  readonly scaleSe: number | null;
  readonly scaleFixed: boolean;
  /** working correlation among waves 1..T (T = number of waves), null when T is large */
  readonly workingCorrelation: number[][] | null;
  readonly nobs: number;
  readonly nclusters: number;
  readonly maxClusterSize: number;
  readonly corstr: CorStr;
  readonly mdep: number | null;
  readonly family: string;
  readonly link: string;
  readonly iterations: number;
  readonly converged: boolean;
  readonly warnings: string[];
  readonly qic: GeeQIC | null;
  /** fitted means, in input row order */
  readonly fitted: Float64Array;
}
