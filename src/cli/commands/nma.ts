import type { Command } from "commander";
import { basename } from "node:path";
import { UserError } from "../../errors.js";
import { networkMetaAnalysis } from "../../meta/nma.js";
import { nmaForestSVG, nmaNetworkSVG, nmaSummary, nmaToJSON } from "../../meta/nma-report.js";
import { readFrameFile, writeFilesAtomic } from "../io.js";
import { parseLevel } from "./meta.js";
import { printWarnings } from "./model-flags.js";

export interface NmaCommandOptions {
  data: string;
  study: string;
  treatment: string;
  events: string;
  n: string;
  reference?: string;
  smallValues: string;
  level: string;
  plot?: string;
  forest?: string;
  format: string;
}

export async function nmaCommand(o: NmaCommandOptions): Promise<void> {
  if (o.format !== "json" && o.format !== "text") throw new UserError(`--format must be text or json, not '${o.format}'`);
  if (o.smallValues !== "good" && o.smallValues !== "bad") throw new UserError(`--small-values must be good or bad, not '${o.smallValues}'`);
  const level = parseLevel(o.level);
  const frame = readFrameFile(o.data);
  const res = networkMetaAnalysis(frame, { study: o.study, treatment: o.treatment, events: o.events, n: o.n }, { reference: o.reference, level, smallValues: o.smallValues });
  // both plots or neither: a failure writing the second must not leave the first behind
  const files = [];
  if (o.plot) files.push({ path: o.plot, content: nmaNetworkSVG(res) });
  if (o.forest) files.push({ path: o.forest, content: nmaForestSVG(res) });
  writeFilesAtomic(files);
  printWarnings(res.warnings);
  if (o.format === "json") {
    process.stdout.write(JSON.stringify(nmaToJSON(res)) + "\n");
    return;
  }
  const written = [o.plot ? `Network graph written to ${o.plot}` : "", o.forest ? `Forest plot written to ${o.forest}` : ""].filter(Boolean);
  process.stdout.write(nmaSummary({ ...res, warnings: [] }, basename(o.data)) + (written.length ? "\n\n" + written.join("\n") : "") + "\n");
}

/** `glmm nma`: its flags (commander) */
export function registerNma(p: Command): void {
  p.command("nma")
    .description("network meta-analysis of arm-level binary data: the two-way binomial GLMM (Piepho et al. 2012)")
    .requiredOption("--data <file>", "CSV file, one arm per row")
    .requiredOption("--study <col>", "study identifier")
    .requiredOption("--treatment <col>", "treatment of the arm")
    .requiredOption("--events <col>", "events in the arm")
    .requiredOption("--n <col>", "participants in the arm")
    .option("--reference <treatment>", "reference treatment (default: the first in sorted order)")
    .option("--small-values <good|bad>", "for the ranking: whether small log odds ratios are good (as netmeta's default) or bad", "good")
    .option("--level <pct>", "confidence level in percent", "95")
    .option("--plot <file>", "write the network graph (SVG)")
    .option("--forest <file>", "write a forest plot of every treatment against the reference (SVG)")
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await nmaCommand(o); });
}
