// `glmm plot`: diagnostic and result plots as SVG files. Each input flag adds its plots to --out:
//   --data + --formula  fit the model; caterpillar.svg, residuals.svg, qq.svg
//   --de FILE           differential-expression results; volcano.svg, pvalues.svg
//   --forest FILE       per-study estimates (+ pooled rows); forest.svg
//   --network FILE      treatment comparisons (one row per comparison); network.svg
//   --profile FILE      likelihood profiles (parameter, value, zeta); profile.svg
//   --emmeans FILE      `glmm emmeans --format json` output; emmeans.svg, contrasts.svg
import type { Command } from "commander";
import type { Frame } from "../../data/frame.js";
import { UserError } from "../../errors.js";
import { fit } from "../../fit.js";
import { fitPlotSpecs } from "../../report/plots/fitdata.js";
import { forestSpec, type ForestPooled, type ForestStudy } from "../../report/plots/forest.js";
import { networkSpec, type NetworkEdge } from "../../report/plots/network.js";
import { profileSpec, type ProfileRow } from "../../report/plots/profile.js";
import { emmeansSpecs, type EmmeansPlotInput } from "../../report/plots/emmeans.js";
import type { PlotSpec } from "../../report/plots/spec.js";
import { pvalueHistogramSpec, volcanoSpec, type DERow } from "../../report/plots/volcano.js";
import { readFrameFile, readTextFile } from "../io.js";
import { collect, parseRefs } from "../options.js";
import { writePlots } from "../render.js";

export interface PlotCommandOptions {
  out: string;
  data?: string;
  formula?: string;
  family: string;
  link?: string;
  ml?: boolean;
  nagq: string;
  ref: string[];
  weights?: string;
  zi?: string;
  disp?: string;
  de?: string;
  term?: string;
  alpha: string;
  forest?: string;
  exp?: boolean;
  xtitle?: string;
  network?: string;
  profile?: string;
  emmeans?: string;
  level: string;
  specs?: boolean;
}

/** Text of a column cell (numbers as written back by JS), or null when missing. */
function textAt(frame: Frame, name: string, i: number): string | null {
  const c = frame.column(name);
  if (c.kind === "text") return c.values[i];
  const v = c.values[i];
  return Number.isNaN(v) ? null : String(v);
}

function numericColumn(frame: Frame, name: string): Float64Array {
  const c = frame.column(name);
  if (c.kind !== "numeric") {
    const bad = c.values.findIndex((v) => v !== null);
    throw new UserError(`${frame.source}: column '${name}' must be numeric (row ${bad + 1} has '${c.values[bad]}')`);
  }
  return c.values;
}

const optionalNumeric = (frame: Frame, name: string): Float64Array | null => (frame.has(name) ? numericColumn(frame, name) : null);

function parseProbability(flag: string, s: string): number {
  const v = Number(s);
  if (!(v > 0 && v < 1)) throw new UserError(`${flag} must be a number between 0 and 1, not '${s}'`);
  return v;
}

export function deRows(frame: Frame): DERow[] {
  const est = numericColumn(frame, "estimate"), p = numericColumn(frame, "p");
  const se = optionalNumeric(frame, "se"), padj = optionalNumeric(frame, "padj");
  const rows: DERow[] = [];
  for (let i = 0; i < frame.nrow; i++)
    rows.push({ gene: textAt(frame, "gene", i) ?? `row ${i + 1}`, term: frame.has("term") ? textAt(frame, "term", i) ?? "" : undefined, estimate: est[i], se: se?.[i], p: p[i], padj: padj?.[i] });
  return rows;
}

export function forestRows(frame: Frame): { studies: ForestStudy[]; pooled: ForestPooled[] } {
  frame.column("study");
  const est = numericColumn(frame, "estimate");
  const se = optionalNumeric(frame, "se"), lo = optionalNumeric(frame, "lower"), hi = optionalNumeric(frame, "upper");
  const w = optionalNumeric(frame, "weight"), plo = optionalNumeric(frame, "pred_lower"), phi = optionalNumeric(frame, "pred_upper");
  if (!se && !(lo && hi)) throw new UserError(`${frame.source}: needs a 'se' column or 'lower' and 'upper' columns`);
  const studies: ForestStudy[] = [], pooled: ForestPooled[] = [];
  for (let i = 0; i < frame.nrow; i++) {
    const label = textAt(frame, "study", i) ?? `row ${i + 1}`;
    const kind = frame.has("kind") ? (textAt(frame, "kind", i) ?? "study").toLowerCase() : "study";
    if (kind === "pooled") {
      if (!lo || !hi || !Number.isFinite(lo[i]) || !Number.isFinite(hi[i])) throw new UserError(`${frame.source}: pooled row ${i + 1} ('${label}') needs 'lower' and 'upper'`);
      pooled.push({ label, estimate: est[i], lower: lo[i], upper: hi[i], predLower: plo?.[i], predUpper: phi?.[i] });
    } else if (kind === "study") {
      studies.push({ study: label, estimate: est[i], se: se?.[i], lower: lo?.[i], upper: hi?.[i], weight: w?.[i] });
    } else throw new UserError(`${frame.source}: row ${i + 1} has kind '${kind}' (expected 'study' or 'pooled')`);
  }
  return { studies, pooled };
}

export function networkEdges(frame: Frame): NetworkEdge[] {
  frame.column("from"); frame.column("to");
  const w = optionalNumeric(frame, "weight");
  const edges: NetworkEdge[] = [];
  for (let i = 0; i < frame.nrow; i++) {
    const from = textAt(frame, "from", i), to = textAt(frame, "to", i);
    if (from === null || to === null) throw new UserError(`${frame.source}: row ${i + 1} has a missing 'from' or 'to'`);
    edges.push({ from, to, weight: w ? w[i] : 1 });
  }
  return edges;
}

export function profileRows(frame: Frame): ProfileRow[] {
  frame.column("parameter");
  const v = numericColumn(frame, "value"), z = numericColumn(frame, "zeta");
  const rows: ProfileRow[] = [];
  for (let i = 0; i < frame.nrow; i++) rows.push({ parameter: textAt(frame, "parameter", i) ?? "", value: v[i], zeta: z[i] });
  return rows;
}

/** The JSON of `glmm emmeans --format json`, checked for what the plots draw. */
export function emmeansInput(path: string): EmmeansPlotInput {
  let j: Record<string, unknown>;
  try { j = JSON.parse(readTextFile(path, "emmeans JSON")); } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`--emmeans ${path}: not valid JSON (${(e as Error).message})`);
  }
  const rows = (k: string) => Array.isArray(j?.[k]) && (j[k] as Record<string, unknown>[]).every((r) => typeof r?.estimate === "number");
  if (!j || typeof j !== "object" || !rows("means") || !rows("contrasts") || !Array.isArray(j.specs) || !Array.isArray(j.by))
    throw new UserError(`--emmeans ${path}: expected the output of glmm emmeans --format json (specs, by, means, contrasts)`);
  // limits written as null (not finite) are drawn without an interval
  const num = (x: unknown) => (typeof x === "number" ? x : NaN);
  const fix = <T extends { lower: number; upper: number }>(r: T) => ({ ...r, lower: num(r.lower), upper: num(r.upper) });
  const e = j as unknown as EmmeansPlotInput;
  return { ...e, level: typeof e.level === "number" ? e.level : 0.95, means: e.means.map(fix), contrasts: e.contrasts.map(fix) };
}

export async function plotCommand(o: PlotCommandOptions): Promise<string[]> {
  const specs: Record<string, PlotSpec> = {};
  const level = parseProbability("--level", o.level);
  if (o.data !== undefined || o.formula !== undefined) {
    if (o.data === undefined || o.formula === undefined) throw new UserError("--data and --formula go together");
    const nAGQ = Number(o.nagq);
    if (!Number.isInteger(nAGQ) || nAGQ < 1) throw new UserError(`--nagq must be a positive integer, not '${o.nagq}'`);
    const res = fit(readFrameFile(o.data), o.formula, { family: o.family, link: o.link, reml: !o.ml, nAGQ, refLevels: parseRefs(o.ref), weights: o.weights, zi: o.zi, disp: o.disp });
    Object.assign(specs, fitPlotSpecs(res, { level }));
  }
  if (o.de !== undefined) {
    let rows = deRows(readFrameFile(o.de));
    if (o.term !== undefined) {
      const all = [...new Set(rows.map((r) => r.term ?? ""))];
      rows = rows.filter((r) => r.term === o.term);
      if (!rows.length) throw new UserError(`--term '${o.term}' not in ${o.de} (terms: ${all.join(", ")})`);
    }
    specs.volcano = volcanoSpec(rows, { alpha: parseProbability("--alpha", o.alpha) });
    specs.pvalues = pvalueHistogramSpec(rows.map((r) => r.p), { title: o.term ? `P-value histogram: ${o.term}` : undefined });
  }
  if (o.forest !== undefined) {
    const { studies, pooled } = forestRows(readFrameFile(o.forest));
    specs.forest = forestSpec(studies, pooled, { exp: o.exp, level, xTitle: o.xtitle });
  }
  if (o.network !== undefined) specs.network = networkSpec([], networkEdges(readFrameFile(o.network)));
  if (o.profile !== undefined) specs.profile = profileSpec(profileRows(readFrameFile(o.profile)));
  if (o.emmeans !== undefined) Object.assign(specs, emmeansSpecs(emmeansInput(o.emmeans)));
  if (!Object.keys(specs).length) throw new UserError("nothing to plot: give --data and --formula, --de, --forest, --network, --profile or --emmeans");
  const written = await writePlots(specs, o.out, { specs: o.specs });
  for (const f of written) process.stdout.write(f + "\n");
  return written;
}

/** `glmm plot`: its flags (commander) */
export function registerPlot(p: Command): void {
  p.command("plot")
    .description("write plots as SVG: model diagnostics, volcano/p-values, forest, network, profiles, marginal means")
    .requiredOption("--out <dir>", "directory for the SVG files (created if missing)")
    .option("--data <file>", "CSV/TSV file to fit (with --formula): caterpillar, residuals, qq")
    .option("--formula <formula>", "lme4 formula, e.g. \"y ~ x + (1 | g)\"")
    .option("--family <family>", "gaussian, binomial, poisson, negative_binomial, Gamma (and glmm fit's other families)", "gaussian")
    .option("--zi <formula>", "zero-inflation model, as glmm fit's (residuals: Pearson's with the zero-inflated mean and variance)")
    .option("--disp <formula>", "dispersion model, as glmm fit's")
    .option("--link <link>", "link function (default: the family's canonical link)")
    .option("--ml", "maximum likelihood instead of REML")
    .option("--nagq <n>", "adaptive Gauss-Hermite quadrature points", "1")
    .option("--ref <col=level>", "reference level of a factor (repeatable)", collect, [])
    .option("--weights <column>", "prior weights column")
    .option("--de <file>", "DE results CSV (gene, term, estimate, se, p, padj): volcano, pvalues")
    .option("--term <term>", "with --de: only this term")
    .option("--alpha <a>", "with --de: significance threshold on padj", "0.05")
    .option("--forest <file>", "CSV (study, estimate, se or lower/upper, [weight], [kind=study|pooled]): forest")
    .option("--exp", "with --forest: exponentiate (log odds ratios → odds ratios)")
    .option("--xtitle <text>", "with --forest: x-axis title, e.g. \"Risk ratio\"")
    .option("--network <file>", "CSV (from, to, [weight]), one row per direct comparison: network")
    .option("--profile <file>", "CSV (parameter, value, zeta): profile")
    .option("--emmeans <file>", "JSON from glmm emmeans --format json: emmeans (means with intervals), contrasts")
    .option("--level <p>", "confidence level of intervals", "0.95")
    .option("--specs", "also write each vega-lite spec as NAME.vl.json")
    .action(async (o) => { await plotCommand(o); });
}
