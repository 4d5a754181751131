// The contract between the formula layer (formula text + Frame → model structure) and the model
// layers (lmm, glmm, gee, ...). Everything numeric is a typed array; matrices are column-major.

/** The response as the families need it. */
export interface Response {
  /** "numeric": a number per row; "binary-text": a two-level text column, second level = 1;
   *  "cbind": cbind(successes, failures), y = successes / trials */
  readonly kind: "numeric" | "binary-text" | "cbind";
  /** the response's text as written in the formula, e.g. "Reaction", "cbind(incidence, size - incidence)" */
  readonly name: string;
  readonly y: Float64Array;
  /** binomial trials per row for "cbind" (successes + failures); null otherwise */
  readonly trials: Float64Array | null;
  /** for "binary-text": [failureLevel, successLevel] */
  readonly levels?: readonly [string, string];
}

/** Covariance structure of a random-effect term's columns (glmmTMB's names; "us" = lme4's default). */
export type CovarianceKind = "us" | "diag" | "cs" | "homcs" | "ar1";

/** One random-effect term `(expr | group)`, in MixedModels.jl's ReMat form. */
export interface ReTerm {
  /** grouping factor name as lme4 prints it: "Subject", "cask:batch" */
  readonly group: string;
  /** level labels in factor order (sorted as R sorts factor levels) */
  readonly levels: readonly string[];
  /** per row: 0-based level index into `levels` */
  readonly refs: Int32Array;
  /** column names of the term's model matrix: "(Intercept)", "Days", ... */
  readonly cnames: readonly string[];
  /** row-major n × cnames.length: the term's per-row model matrix */
  readonly z: Float64Array;
  /**
   * Structure of the covariance: `kind` from `diag(x | g)`, `cs(...)`, `ar1(...)` (default "us"), and
   * an optional known covariance K between the levels (levels order, nl×nl column-major, e.g. a
   * phylogeny's vcv): the term's effects are then b = L_K ⊗ λ u with K = L_K L_Kᵀ. A tree's
   * covariance may come as its sparse precision instead (`tree`), and K is then built only if the
   * engine needs it dense.
   */
  readonly covariance?: { readonly kind?: CovarianceKind; readonly K?: Float64Array; readonly tree?: LevelTree; readonly source?: string };
}

/**
 * A tree's Brownian-motion covariance in sparse-precision form (Hadfield & Nakagawa 2010), for a
 * term whose levels are the tree's tips: one effect per node (tips and internal nodes, not the
 * root), every node numbered before its parent. The levels' block of Q⁻¹ is K, where
 *   Q = Σ_v precision_v (e_v − e_parent(v))(e_v − e_parent(v))ᵀ   (e_{−1} = 0: the root is fixed at 0)
 * and log|Q⁻¹| = logDetA. A tip on a zero-length branch shares its parent's node.
 */
export interface LevelTree {
  readonly size: number;
  readonly parent: Int32Array;
  readonly precision: Float64Array;
  readonly logDetA: number;
  /** per level: its node */
  readonly levelNode: Int32Array;
}

/** A model built from data and a formula: response, fixed-effects model matrix, random-effect terms, rows used. */
export interface ModelStructure {
  readonly formula: string;
  /** rows in the data before dropping missing values */
  readonly nobsTotal: number;
  /** frame row index of each row used */
  readonly rows: Int32Array;
  /** rows removed because a variable the model uses is missing */
  readonly dropped: number;
  readonly n: number;
  /** null when the formula has no left-hand side (e.g. "~ disease + (1 | patient)") */
  readonly response: Response | null;
  /** column-major n × p fixed-effects model matrix, rank-deficient columns already removed */
  readonly X: Float64Array;
  readonly p: number;
  readonly xnames: readonly string[];
  /** columns removed as linearly dependent on earlier ones (pivoted QR), with a warning */
  readonly droppedColumns: readonly string[];
  /** sum of offset() terms, or null */
  readonly offset: Float64Array | null;
  /** random-effect terms in formula order, expanded as lme4 expands them: `(x || g)` into `(1 | g)` and
   *  one `(0 + term | g)` per term of the left side (one per column for numeric variables);
   *  `(1 | a/b)` into `(1 | b:a)` then `(1 | a)` */
  readonly reTerms: readonly ReTerm[];
  /** notes for the user: rows dropped, columns dropped, ... */
  readonly warnings: string[];
  /** per column of X: 0 for the intercept, k for the k-th entry of `termLabels` (R's "assign") */
  readonly assign?: Int32Array;
  /** fixed-effect term labels in R's order ("Days", "FoodTreatment:SexParent") */
  readonly termLabels?: readonly string[];
}

/** Options of buildModel. */
export interface BuildOptions {
  /** reference level per factor column (`--ref COL=LEVEL`) */
  readonly refLevels?: Readonly<Record<string, string>>;
  /** further columns whose missing values drop rows, e.g. the GEE cluster id or a weights column */
  readonly extraVariables?: readonly string[];
}
