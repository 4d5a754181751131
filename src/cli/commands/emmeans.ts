// `glmm emmeans`: estimated marginal means on a reference grid and their pairwise contrasts (R's
// emmeans): Satterthwaite df for LMMs, asymptotic for GLMMs; link or response scale; Tukey, Holm,
// Bonferroni, BH or no adjustment.
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { ADJUSTMENTS, CONTRASTS, EMM_WEIGHTS, emmeans, type Adjust, type EmmComponent, type ContrastKind, type CustomContrasts, type EmmeansResult, type EmmWeights } from "../../inference/emmeans.js";
import { parseDdfMethod } from "../../inference/kenward-roger.js";
import { fmt, formatColumn, formatP, formatTable } from "../../report/table.js";
import { geeFromFrame } from "../../gee/formula.js";
import { fixedEffectsFit, type ModelFit } from "../../inference/model.js";
import { readFrameFile, readTextFile } from "../io.js";
import { addGeeFlags } from "./gee.js";
import { collect, parseRefs } from "../options.js";
import { addModelFlags, checkFormat, loadAndFit, modelWarnings, printWarnings, toJSON, type ModelFlags } from "./model-flags.js";

interface EmmeansFlags extends ModelFlags {
  specs: string;
  by?: string;
  at: string[];
  type: string;
  adjust?: string;
  level: string;
  ddf: string;
  contrast: string;
  meanWeights: string;
  biasAdjust?: boolean;
  sigma?: string;
  /** a GEE (geepack's geeglm) clustered by this column instead of a mixed model */
  id?: string;
  corstr: string;
  mdep: string;
  time?: string;
  stdErr: string;
  component: string;
}

/** the model: a mixed model from the formula, or with --id a GEE (sandwich covariance, asymptotic df) */
function loadModel(o: EmmeansFlags): { model: ModelFit; warnings: string[] } {
  if (o.id === undefined) {
    for (const [flag, v, dflt] of [["--corstr", o.corstr, "independence"], ["--mdep", o.mdep, "1"], ["--time", o.time, undefined], ["--std-err", o.stdErr, "san.se"]] as const)
      if (v !== dflt) throw new UserError(`${flag} is a GEE option: give the cluster column with --id`);
    // a formula without random-effect terms is R's lm/glm (emmeans on a glm() fit)
    const { model } = loadAndFit(o, true, true);
    if (model.fit.kind !== "glmm" && model.fit.kind !== "lmm") {
      if (o.ddf !== "satterthwaite") throw new UserError("--ddf is for mixed models: a model without random effects has the residual df (gaussian, Gamma) or asymptotic df");
      return { model, warnings: [...model.ms.warnings, ...(model.fit as { warnings: string[] }).warnings] };
    }
    return { model, warnings: modelWarnings(model) };
  }
  if (o.ddf !== "satterthwaite") throw new UserError("--ddf is for mixed models: a GEE's means have asymptotic df");
  const formula = Array.isArray(o.formula) ? o.formula[0] : o.formula;
  const frame = readFrameFile(o.data);
  const g = geeFromFrame(frame, formula, { ...o, id: o.id, refLevels: parseRefs(o.ref) }, (k) => `--${k}`, "glmm emmeans --id");
  return { model: fixedEffectsFit(frame, formula, { weights: o.weights }, g.model, { ...g.result, beta: g.result.coefficients }), warnings: g.warnings };
}

const list = (s: string | undefined) => (s ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");

function parseAt(args: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of args) {
    const eq = a.indexOf("=");
    if (eq <= 0) throw new UserError(`--at '${a}' must look like NAME=VALUE[,VALUE...]`);
    const name = a.slice(0, eq).trim(), vals = list(a.slice(eq + 1));
    if (vals.length === 0) throw new UserError(`--at '${a}' gives no values`);
    if (Object.prototype.hasOwnProperty.call(out, name)) throw new UserError(`--at is given twice for '${name}'`);
    out[name] = vals;
  }
  return out;
}

const coefficient = (s: string, name: string): number => {
  // a number or a simple fraction such as 1/3
  const m = /^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*(?:\/\s*(\d+\.?\d*|\.\d+)\s*)?$/i.exec(s);
  const x = m ? Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2])) : NaN;
  if (!Number.isFinite(x)) throw new UserError(`--contrast '${name}': '${s.trim()}' is not a number`);
  return x;
};

/** --contrast: a family name, "name=c1,c2,...;name2=..." or a JSON file {"name": [c1, c2, ...]} */
export function parseContrast(v: string): ContrastKind | CustomContrasts {
  if (CONTRASTS.includes(v as ContrastKind)) return v as ContrastKind;
  if (v.includes("=")) {
    const out: Record<string, number[]> = {};
    for (const part of v.split(";").filter((x) => x.trim() !== "")) {
      const eq = part.indexOf("=");
      const name = part.slice(0, eq).trim();
      if (eq < 0 || name === "") throw new UserError(`--contrast '${part.trim()}' must look like NAME=c1,c2,...`);
      if (Object.prototype.hasOwnProperty.call(out, name)) throw new UserError(`--contrast: '${name}' is given twice`);
      out[name] = part.slice(eq + 1).split(",").map((x) => coefficient(x, name));
    }
    return out;
  }
  if (/\.json$/i.test(v)) {
    let j: unknown;
    try { j = JSON.parse(readTextFile(v, "contrast file")); } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`--contrast ${v}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof j !== "object" || j === null || Array.isArray(j)) throw new UserError(`--contrast ${v}: expected an object {"name": [coefficients], ...}`);
    for (const [k, c] of Object.entries(j)) if (!Array.isArray(c) || !c.every((x) => typeof x === "number")) throw new UserError(`--contrast ${v}: '${k}' is not an array of numbers`);
    return j as CustomContrasts;
  }
  throw new UserError(`--contrast must be one of ${CONTRASTS.join(", ")}, NAME=c1,c2,...[;NAME=...] or a .json file, not '${v}'`);
}

/** emmeans' footnotes under the means table, in its order */
function meansNotes(r: EmmeansResult): string[] {
  const out = averagedAndDf(r);
  if (r.type === "link" && r.link !== "identity") out.push(`Results are given on the ${r.link} (not the response) scale.`);
  out.push(`Confidence level used: ${r.level}`);
  if (r.type === "response" && r.link !== "identity") out.push(`Intervals are back-transformed from the ${r.link} scale`);
  if (r.biasAdjustSigma !== null) out.push(`Bias adjustment applied based on sigma = ${fmt(r.biasAdjustSigma, 5)}`);
  return out;
}

/** "Results are averaged over the levels of", then the df method (lmer fits only, as emmeans) */
function averagedAndDf(r: EmmeansResult): string[] {
  const out: string[] = [];
  if (r.averagedOver.length) out.push(`Results are averaged over the levels of: ${r.averagedOver.join(", ")}`);
  if (r.dfMethod === "Satterthwaite" || r.dfMethod === "Kenward-Roger") out.push(`Degrees-of-freedom method: ${r.dfMethod.toLowerCase()}`);
  return out;
}

/** emmeans' footnotes under the contrasts table (summary(..., infer = TRUE)), in its order */
function contrastNotes(r: EmmeansResult, k: number, m: number): string[] {
  const out = averagedAndDf(r);
  const ct = r.contrastTransform, ratio = r.contrastScale !== "difference";
  if (r.link !== "identity" && ct === null) out.splice(r.averagedOver.length ? 1 : 0, 0, `Note: contrasts are still on the ${r.link} scale`);
  if (ct !== null && !ratio) out.push(`Results are given on the ${ct} (not the response) scale.`);
  out.push(`Confidence level used: ${r.level}`);
  const fam = (a: string, what: string) => (a === "tukey" ? `comparing a family of ${k} estimates` : `${m} ${what}`);
  if (r.ciAdjust !== "none") out.push(`Conf-level adjustment: ${r.ciAdjust} method for ${fam(r.ciAdjust, "estimates")}`);
  if (ratio) out.push(`Intervals are back-transformed from the ${ct} scale`);
  if (r.adjust !== "none") out.push(`P value adjustment: ${r.adjust} method for ${fam(r.adjust, "tests")}`);
  if (ratio) out.push(`Tests are performed on the ${ct} scale`);
  if (r.biasAdjustSigma !== null && ratio) out.push("Contrasts are not bias-adjusted (they compare the link-scale means)");
  return out;
}

function text(r: EmmeansResult): string {
  const est = r.component === "response" ? "response" : r.type === "response" && r.link !== "identity" ? (r.link === "logit" || r.link === "probit" || r.link === "cloglog" ? "prob" : r.link === "log" ? "rate" : "response") : "emmean";
  const lo = r.dfMethod === "asymptotic" ? "asymp.LCL" : "lower.CL", hi = r.dfMethod === "asymptotic" ? "asymp.UCL" : "upper.CL";
  const groupKey = (lv: Readonly<Record<string, string>>) => r.by.map((b) => `${b} = ${lv[b]}`).join(", ");
  let out = "";
  const groups = [...new Set(r.means.map((m) => groupKey(m.levels)))];
  for (const g of groups) {
    const rows = r.means.filter((m) => groupKey(m.levels) === g);
    if (g) out += `${g}:\n`;
    const table = [[...r.specs, est, "SE", "df", lo, hi]];
    const e = formatColumn(rows.map((m) => m.estimate), 5), se = formatColumn(rows.map((m) => m.se), 4);
    const l = formatColumn(rows.map((m) => m.lower), 5), u = formatColumn(rows.map((m) => m.upper), 5);
    rows.forEach((m, i) => table.push([...r.specs.map((s) => m.levels[s]), e[i], se[i], fmt(m.df, 4), l[i], u[i]]));
    out += `${formatTable(table, { firstLeft: true, indent: 1 })}\n\n`;
  }
  if (r.component !== "cond") out += `Component: ${r.component === "zi" ? "zero-inflation (zi)" : "response, (1 − π)μ averaged over the grid"}\n`;
  out += meansNotes(r).map((x) => `${x}\n`).join("");
  if (r.contrasts.length) {
    const cest = r.contrastScale === "difference" ? "estimate" : r.contrastScale;
    const stat = r.dfMethod === "asymptotic" ? "z.ratio" : "t.ratio";
    out += "\n";
    const cgroups = [...new Set(r.contrasts.map((c) => groupKey(c.by)))];
    for (const g of cgroups) {
      const rows = r.contrasts.filter((c) => groupKey(c.by) === g);
      if (g) out += `${g}:\n`;
      const table = [["contrast", cest, "SE", "df", lo, hi, stat, "p.value"]];
      const e = formatColumn(rows.map((c) => c.estimate), 5), se = formatColumn(rows.map((c) => c.se), 4);
      const cl = formatColumn(rows.map((c) => c.lower), 5), cu = formatColumn(rows.map((c) => c.upper), 5);
      rows.forEach((c, i) => table.push([c.contrast, e[i], se[i], fmt(c.df, 4), cl[i], cu[i], fmt(c.statistic, 4), formatP(c.p)]));
      out += `${formatTable(table, { firstLeft: true, indent: 1 })}\n\n`;
    }
    const k = r.means.length / Math.max(1, cgroups.length);
    const m = r.contrasts.length / Math.max(1, cgroups.length);
    out += contrastNotes(r, k, m).map((x) => `${x}\n`).join("");
  }
  return out;
}

export async function emmeansCommand(o: EmmeansFlags): Promise<void> {
  checkFormat(o.format, ["text", "json"]);
  if (o.type !== "link" && o.type !== "response") throw new UserError(`--type must be link or response, not '${o.type}'`);
  const contrast = parseContrast(o.contrast);
  if (o.adjust !== undefined && !ADJUSTMENTS.includes(o.adjust as Adjust)) throw new UserError(`--adjust must be one of ${ADJUSTMENTS.join(", ")}, not '${o.adjust}'`);
  if (!EMM_WEIGHTS.includes(o.meanWeights as EmmWeights)) throw new UserError(`--mean-weights must be one of ${EMM_WEIGHTS.join(", ")}, not '${o.meanWeights}'`);
  const sigma = o.sigma === undefined ? undefined : Number(o.sigma);
  if (sigma !== undefined && (o.sigma!.trim() === "" || !(sigma! >= 0) || !Number.isFinite(sigma))) throw new UserError(`--sigma must be a non-negative number, not '${o.sigma}'`);
  if (sigma !== undefined && !o.biasAdjust) throw new UserError("--sigma is the SD of the bias adjustment: give it with --bias-adjust");
  if (o.biasAdjust && o.type !== "response") throw new UserError("--bias-adjust applies to response-scale means: add --type response");
  const level = Number(o.level);
  if (!(level > 0 && level < 1)) throw new UserError(`--level must be a number between 0 and 1, not '${o.level}'`);
  const specs = list(o.specs);
  const at = parseAt(o.at);
  if (!["cond", "zi", "response"].includes(o.component)) throw new UserError(`--component must be cond, zi or response, not '${o.component}'`);
  const { model: m, warnings: fitWarnings } = loadModel(o);
  const r = emmeans(m, {
    specs, by: list(o.by), at, type: o.type, adjust: o.adjust as Adjust | undefined, level, ddf: parseDdfMethod(o.ddf), contrast,
    weights: o.meanWeights as EmmWeights, biasAdjust: o.biasAdjust === true, sigma, component: o.component as EmmComponent,
  });
  const warnings = [...fitWarnings, ...r.warnings];
  printWarnings(warnings);
  if (o.format === "json") process.stdout.write(toJSON({ ...r, warnings }) + "\n");
  else process.stdout.write(text(r));
}

export function registerEmmeans(p: Command): void {
  const cmd = p.command("emmeans").description("estimated marginal means over a reference grid and their contrasts with intervals (Satterthwaite or Kenward-Roger df for LMMs)");
  addModelFlags(cmd)
    .requiredOption("--specs <factors>", "factor(s) whose means are wanted, comma-separated (averaged with equal weights over the other factors)")
    .option("--by <factors>", "separate tables and contrast families per level of these factors, comma-separated")
    .option("--at <name=values>", "covariate values (default: the mean) or factor levels, e.g. Time=4,12 (repeatable)", collect, [])
    .option("--type <scale>", "link or response (back-transformed, delta-method SE)", "link")
    .option("--contrast <kind>", "pairwise, trt.vs.ctrl (each level against the first), consec (each against the one before), custom coefficients \"NAME=1,-1,0;NAME2=...\" (one per mean of a group) or a .json file {\"NAME\": [1, -1, 0]}", "pairwise")
    .option("--adjust <method>", "p-value adjustment of the contrasts: tukey (default; sidak for non-pairwise contrasts, as emmeans), sidak, holm, bonferroni, BH or none (default for custom contrasts); holm and BH intervals use bonferroni")
    // (--weights is the model's prior-weights column)
    .option("--mean-weights <kind>", "averaging over the other factors (emmeans' weights): equal, proportional (to the observed frequencies of their level combinations), outer, cells or flat", "equal")
    .option("--bias-adjust", "with --type response: emmeans' bias-adjusted back-transform for the mean over the random effects (sigma = sqrt of the sum of the random-effect variances)")
    .option("--sigma <sd>", "the SD of the bias adjustment instead of the random effects' total")
    .option("--id <column>", "fit a GEE (geepack's geeglm) with clusters from this column instead of a mixed model: sandwich covariance, asymptotic df (as emmeans on a geeglm fit)")
    .option("--component <part>", "zero-inflated and hurdle models (--zi): cond (the count part, log scale), zi (the zero-inflation part, logit scale) or response ((1 − π)μ averaged on the response scale, delta-method SE), as glmmTMB's emmeans component", "cond")
    .option("--level <p>", "confidence level", "0.95")
    .option("--ddf <method>", "LMM df: satterthwaite or kenward-roger (with the KR-adjusted covariance; REML fits)", "satterthwaite")
    .option("--format <format>", "text or json", "text");
  addGeeFlags(cmd, "with --id: ").action(async (o) => { await emmeansCommand(o); });
}
