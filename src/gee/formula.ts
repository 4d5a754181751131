// A GEE from a data frame and a formula: the model matrix, clusters, wave order and weights that
// fitGEE takes, built as `glmm gee` and the library's gee() both need them. `names` says how the
// caller calls its options in messages (the CLI's flags, the library's option names).
import type { Frame } from "../data/frame.js";
import { UserError } from "../errors.js";
import { makeFamily } from "../families/index.js";
import { buildModel, groupingFactor } from "../formula/index.js";
import type { ModelStructure } from "../formula/types.js";
import { fitGEE } from "./fit.js";
import { CORSTRS, STDERR_TYPES, type CorStr, type GeeResult, type StdErrType } from "./types.js";

export const GEE_FAMILIES = ["gaussian", "binomial", "poisson", "Gamma"];

/** Options of {@link geeFromFrame}, in geepack's names (family, link, id, corstr, std.err). */
export interface GeeFrameOptions {
  readonly family?: string;
  readonly link?: string;
  /** cluster column (or a:b for a combination of columns) */
  readonly id: string;
  readonly corstr?: string;
  readonly mdep?: string | number;
  readonly time?: string;
  readonly weights?: string;
  readonly stdErr?: string;
  readonly refLevels?: Readonly<Record<string, string>>;
}

/** A GEE fitted from a formula: the result, the model structure and the warnings. */
export interface GeeFrameFit {
  readonly result: GeeResult;
  readonly model: ModelStructure;
  /** the model's notes and the engine's warnings */
  readonly warnings: string[];
}

/** how the options are named in messages: "--corstr" (CLI), "corstr" (library) */
export type OptionLabel = (option: string) => string;

/** Fit a GEE from a formula and a frame (geepack::geeglm's interface): builds the model matrix, clusters and family, then calls {@link fitGEE}. */
export function geeFromFrame(frame: Frame, formula: string, opts: GeeFrameOptions, label: OptionLabel = (o) => o, who = "gee"): GeeFrameFit {
  const corstr = (opts.corstr ?? "independence") as CorStr;
  if (!CORSTRS.includes(corstr)) throw new UserError(`unknown ${label("corstr")} '${opts.corstr}' (use ${CORSTRS.join(", ")})`);
  const stdErr = (opts.stdErr ?? "san.se") as StdErrType;
  if (!STDERR_TYPES.includes(stdErr)) throw new UserError(`unknown ${label("std-err")} '${opts.stdErr}' (use ${STDERR_TYPES.join(", ")})`);
  const mdepText = String(opts.mdep ?? "1");
  const mdep = Number(mdepText);
  if (!/^\s*\d+\s*$/.test(mdepText) || mdep < 1) throw new UserError(`${label("mdep")} must be a positive integer, got '${mdepText}'`);
  const family = makeFamily(opts.family ?? "gaussian", opts.link);
  if (!GEE_FAMILIES.includes(family.name)) throw new UserError(`${who} supports the families ${GEE_FAMILIES.join(", ")}, not ${family.name}`);

  const model = buildModel(frame, formula, { refLevels: opts.refLevels });
  if (model.reTerms.length) {
    const groups = Array.from(new Set(model.reTerms.map((t) => t.group))).join(", ");
    throw new UserError(`${who}: the formula has random-effect terms (grouped by ${groups}); GEE takes the clusters from ${label("id")} and their correlation from ${label("corstr")}`);
  }
  if (!model.response) throw new UserError(`${who}: the formula needs a response on the left of '~'`);
  if (model.n === 0) throw new UserError(`${who}: no rows of ${frame.source} are complete for the formula`);

  const group = groupingFactor(frame, opts.id, model.rows);
  if (group.refs.length !== model.n) throw new Error(`grouping factor has ${group.refs.length} codes for ${model.n} rows`);
  if (corstr === "mdep") {
    // lags beyond the largest cluster have no pairs to estimate them from
    const size = new Map<number, number>();
    for (const r of group.refs) size.set(r, (size.get(r) ?? 0) + 1);
    const maxSize = Math.max(...size.values());
    if (mdep >= maxSize) throw new UserError(`${label("mdep")} ${mdepText.trim()} needs clusters of more than ${mdepText.trim()} rows; the largest cluster of '${opts.id}' has ${maxSize} (use ${label("mdep")} ${Math.max(1, maxSize - 1)} or less)`);
  }

  let time: Float64Array | null = null;
  if (opts.time) {
    const col = frame.column(opts.time);
    if (col.kind !== "numeric") throw new UserError(`${label("time")} column '${opts.time}' must be numeric`);
    time = Float64Array.from(model.rows, (i) => {
      const v = col.values[i];
      if (!Number.isFinite(v)) throw new UserError(`${label("time")} column '${opts.time}' is missing at data row ${i + 1} of ${frame.source}`);
      return v;
    });
  }

  const resp = model.response;
  let weights = resp.trials;
  if (opts.weights) {
    const col = frame.column(opts.weights);
    if (col.kind !== "numeric") throw new UserError(`${label("weights")} column '${opts.weights}' must be numeric`);
    weights = Float64Array.from(model.rows, (i, k) => {
      const v = col.values[i];
      if (!Number.isFinite(v) || v < 0) throw new UserError(`${label("weights")} column '${opts.weights}' is missing or negative at data row ${i + 1} of ${frame.source}`);
      return v * (resp.trials ? resp.trials[k] : 1);
    });
  }
  const result = fitGEE(
    { X: model.X, xnames: model.xnames, y: resp.y, weights, offset: model.offset, cluster: group.refs, time },
    { family, corstr, mdep, stdErr },
  );
  return { result, model, warnings: [...model.warnings, ...result.warnings] };
}

/** The JSON of a GEE fit (`glmm gee --format json`). */
export function geeToJSON(r: GeeResult, warnings: readonly string[]) {
  return {
    fixef: r.fixef.map((f) => ({ term: f.term, estimate: f.estimate, se: f.se, se_model: f.seModel, statistic: f.statistic, p: f.p })),
    std_err: r.stdErr,
    alpha: r.alpha,
    alpha_names: r.alphaNames,
    alpha_se: r.alphaSe,
    scale: r.scale,
    scale_se: r.scaleSe,
    nobs: r.nobs,
    nclusters: r.nclusters,
    max_cluster_size: r.maxClusterSize,
    corstr: r.corstr,
    family: r.family,
    link: r.link,
    iterations: r.iterations,
    converged: r.converged,
    warnings: [...warnings],
    qic: r.qic && { QIC: r.qic.QIC, QICu: r.qic.QICu, quasi_lik: r.qic.quasiLik, CIC: r.qic.CIC, params: r.qic.params, QICC: r.qic.QICC },
  };
}

/** The shape of geeToJSON's result. */
export type GeeJSON = ReturnType<typeof geeToJSON>;
