import type { Command } from "commander";
import { basename } from "node:path";
import { UserError } from "../../errors.js";
import { rmaGLMM, type MetaModel } from "../../meta/rma-glmm.js";
import { studiesFromFrame } from "../../meta/tables.js";
import { metaForestSVG, metaSummary, metaToJSON } from "../../meta/meta-report.js";
import { readFrameFile, writeFileAtomic } from "../io.js";
import { printWarnings } from "./model-flags.js";

export interface MetaCommandOptions {
  data: string;
  measure: string;
  model: string;
  ai?: string;
  bi?: string;
  ci?: string;
  di?: string;
  n1i?: string;
  n2i?: string;
  slab?: string;
  plot?: string;
  nagq?: string;
  level: string;
  format: string;
}

/** "95" or "0.95" → 0.95 */
export function parseLevel(s: string): number {
  const v = Number(s);
  const level = v > 1 ? v / 100 : v;
  if (!(level > 0 && level < 1)) throw new UserError(`--level must be a percentage such as 95 (or a fraction such as 0.95), not '${s}'`);
  return level;
}

export async function metaCommand(o: MetaCommandOptions): Promise<void> {
  if (o.format !== "json" && o.format !== "text") throw new UserError(`--format must be text or json, not '${o.format}'`);
  if (o.measure.toUpperCase() !== "OR") throw new UserError(`--measure ${o.measure} is not implemented: only OR (log odds ratio) is`);
  const model = o.model.toUpperCase();
  if (model !== "UM.FS" && model !== "UM.RS") throw new UserError(`--model must be UM.FS or UM.RS, not '${o.model}'`);
  let nAGQ: number | undefined;
  if (o.nagq !== undefined) {
    nAGQ = Number(o.nagq);
    if (!Number.isInteger(nAGQ) || nAGQ < 1 || nAGQ > 100) throw new UserError(`--nagq must be an integer from 1 to 100, not '${o.nagq}'`);
  }
  const level = parseLevel(o.level);
  if (!o.ai || !o.ci) throw new UserError("glmm meta needs --ai and --ci (events in the treated and control arms) and --bi/--di (non-events) or --n1i/--n2i (totals)");
  const frame = readFrameFile(o.data);
  const tables = studiesFromFrame(frame, { ai: o.ai, bi: o.bi, ci: o.ci, di: o.di, n1i: o.n1i, n2i: o.n2i, slab: o.slab });
  const res = rmaGLMM(tables.studies, { model: model as MetaModel, nAGQ, level });
  res.warnings.unshift(...tables.warnings);
  if (o.plot) writeFileAtomic(o.plot, metaForestSVG(res));
  printWarnings(res.warnings);
  if (o.format === "json") {
    process.stdout.write(JSON.stringify(metaToJSON(res)) + "\n");
    return;
  }
  process.stdout.write(metaSummary({ ...res, warnings: [] }, basename(o.data)) + (o.plot ? `\n\nForest plot written to ${o.plot}` : "") + "\n");
}

/** `glmm meta`: its flags (commander) */
export function registerMeta(p: Command): void {
  p.command("meta")
    .description("one-stage meta-analysis of 2x2 tables as a binomial GLMM (metafor's rma.glmm)")
    .requiredOption("--data <file>", "CSV file, one study per row")
    .option("--measure <measure>", "effect measure", "OR")
    .option("--model <model>", "UM.FS or UM.RS", "UM.FS")
    .option("--ai <col>", "events, treated").option("--bi <col>", "non-events, treated")
    .option("--ci <col>", "events, control").option("--di <col>", "non-events, control")
    .option("--n1i <col>", "total, treated").option("--n2i <col>", "total, control")
    .option("--slab <col>", "study labels")
    .option("--plot <file>", "write a forest plot (SVG)")
    .option("--nagq <n>", "quadrature points for UM.FS (default 7, as metafor; UM.RS is always Laplace)")
    .option("--level <pct>", "confidence level in percent", "95")
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await metaCommand(o); });
}
