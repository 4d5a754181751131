import type { Command } from "commander";
import { collect } from "../options.js";
// `glmm gee`: generalized estimating equations (geepack::geeglm) from a CSV and a formula without
// random-effect terms; clusters from --id, within-cluster order (and ar1/unstructured/mdep waves) from --time.
import { UserError } from "../../errors.js";
import { makeFamily } from "../../families/index.js";
import { buildModel, groupingFactor } from "../../formula/index.js";
import { CORSTRS, type CorStr, STDERR_TYPES, type StdErrType, fitGEE, formatGeeSummary } from "../../gee/index.js";
import type { GeeResult } from "../../gee/index.js";
import { readFrameFile } from "../io.js";
import { parseRefs } from "../options.js";
import { printWarnings } from "./model-flags.js";

export interface GeeCommandOptions {
  data: string;
  formula: string;
  family?: string;
  link?: string;
  id: string;
  corstr?: string;
  mdep?: string | number;
  time?: string;
  /** prior-weights column (multiplies binomial trials); main.ts does not offer --weights for gee yet */
  weights?: string;
  stdErr?: string;
  ref?: string[];
  format?: string;
}

const GEE_FAMILIES = ["gaussian", "binomial", "poisson", "Gamma"];

export async function geeCommand(opts: GeeCommandOptions): Promise<void> {
  const format = opts.format ?? "text";
  if (format !== "text" && format !== "json") throw new UserError(`--format must be text or json, got '${format}'`);
  const corstr = (opts.corstr ?? "independence") as CorStr;
  if (!CORSTRS.includes(corstr)) throw new UserError(`unknown --corstr '${opts.corstr}' (use ${CORSTRS.join(", ")})`);
  const stdErr = (opts.stdErr ?? "san.se") as StdErrType;
  if (!STDERR_TYPES.includes(stdErr)) throw new UserError(`unknown --std-err '${opts.stdErr}' (use ${STDERR_TYPES.join(", ")})`);
  const mdepText = String(opts.mdep ?? "1");
  const mdep = Number(mdepText);
  if (!/^\s*\d+\s*$/.test(mdepText) || mdep < 1) throw new UserError(`--mdep must be a positive integer, got '${mdepText}'`);
  const family = makeFamily(opts.family ?? "gaussian", opts.link);
  if (!GEE_FAMILIES.includes(family.name)) throw new UserError(`glmm gee supports the families ${GEE_FAMILIES.join(", ")}, not ${family.name}`);

  const frame = readFrameFile(opts.data);
  const model = buildModel(frame, opts.formula, { refLevels: parseRefs(opts.ref ?? []) });
  if (model.reTerms.length) {
    const groups = Array.from(new Set(model.reTerms.map((t) => t.group))).join(", ");
    throw new UserError(`glmm gee: the formula has random-effect terms (grouped by ${groups}); GEE takes the clusters from --id and their correlation from --corstr`);
  }
  if (!model.response) throw new UserError("glmm gee: the formula needs a response on the left of '~'");
  if (model.n === 0) throw new UserError(`glmm gee: no rows of ${frame.source} are complete for the formula`);

  const group = groupingFactor(frame, opts.id, model.rows);
  if (group.refs.length !== model.n) throw new Error(`grouping factor has ${group.refs.length} codes for ${model.n} rows`);
  if (corstr === "mdep") {
    // lags beyond the largest cluster have no pairs to estimate them from
    const size = new Map<number, number>();
    for (const r of group.refs) size.set(r, (size.get(r) ?? 0) + 1);
    const maxSize = Math.max(...size.values());
    if (mdep >= maxSize) throw new UserError(`--mdep ${mdepText.trim()} needs clusters of more than ${mdepText.trim()} rows; the largest cluster of '${opts.id}' has ${maxSize} (use --mdep ${Math.max(1, maxSize - 1)} or less)`);
  }

  let time: Float64Array | null = null;
  if (opts.time) {
    const col = frame.column(opts.time);
    if (col.kind !== "numeric") throw new UserError(`--time column '${opts.time}' must be numeric`);
    time = Float64Array.from(model.rows, (i) => {
      const v = col.values[i];
      if (!Number.isFinite(v)) throw new UserError(`--time column '${opts.time}' is missing at data row ${i + 1} of ${frame.source}`);
      return v;
    });
  }

  const resp = model.response;
  let weights = resp.trials;
  if (opts.weights) {
    const col = frame.column(opts.weights);
    if (col.kind !== "numeric") throw new UserError(`--weights column '${opts.weights}' must be numeric`);
    weights = Float64Array.from(model.rows, (i, k) => {
      const v = col.values[i];
      if (!Number.isFinite(v) || v < 0) throw new UserError(`--weights column '${opts.weights}' is missing or negative at data row ${i + 1} of ${frame.source}`);
      return v * (resp.trials ? resp.trials[k] : 1);
    });
  }
  const result = fitGEE(
    { X: model.X, xnames: model.xnames, y: resp.y, weights, offset: model.offset, cluster: group.refs, time },
    { family, corstr, mdep, stdErr },
  );
  const warnings = [...model.warnings, ...result.warnings];
  printWarnings(warnings);
  if (format === "json") {
    process.stdout.write(JSON.stringify(toJson(result, warnings)) + "\n");
  } else {
    process.stdout.write(formatGeeSummary({ ...result, warnings: [] }));
  }
}

function toJson(r: GeeResult, warnings: string[]) {
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
    warnings,
    qic: r.qic && { QIC: r.qic.QIC, QICu: r.qic.QICu, quasi_lik: r.qic.quasiLik, CIC: r.qic.CIC, params: r.qic.params, QICC: r.qic.QICC },
  };
}

/** `glmm gee`: its flags (commander) */
export function registerGee(p: Command): void {
  p.command("gee")
    .description("generalized estimating equations with sandwich standard errors")
    .requiredOption("--data <file>", "CSV/TSV file")
    .requiredOption("--formula <formula>", "model formula without random effects")
    .option("--family <family>", "gaussian, binomial, poisson, Gamma", "gaussian")
    .option("--link <link>", "link function (default: canonical)")
    .requiredOption("--id <cluster>", "cluster column, or a:b for a combination of columns")
    .option("--corstr <structure>", "independence, exchangeable, ar1, unstructured, mdep", "independence")
    .option("--mdep <m>", "m for the m-dependent structure", "1")
    .option("--time <column>", "within-cluster order (and gaps for ar1)")
    .option("--std-err <type>", "san.se (robust), md (Mancl-DeRouen), model", "san.se")
    .option("--weights <column>", "prior weights column")
    .option("--ref <col=level>", "reference level of a factor (repeatable)", collect, [])
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await geeCommand(o); });
}
