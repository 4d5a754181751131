// `glmm bootstrap`: a parametric bootstrap of a fitted model (lme4's bootMer): simulate, refit,
// and summarize the refitted parameters (percentile intervals, bootstrap SEs, bias), with a
// progress bar; --out keeps every replicate as CSV. --seed makes it reproducible.
import type { Command } from "commander";
import { bootstrapConfint, parametricBootstrap } from "../../inference/bootstrap.js";
import { displayName, fmt, formatTable } from "../../report/table.js";
import { checkOutputFile, writeFileAtomic } from "../io.js";
import { progressBar } from "../progress.js";
import { parseCount, parseLevel, parseSeed } from "./confint.js";
import { addModelFlags, checkFormat, csvField, loadAndFit, modelWarnings, printWarnings, toJSON, type ModelFlags } from "./model-flags.js";

interface BootstrapFlags extends ModelFlags {
  nsim: string;
  seed: string;
  level: string;
  out?: string;
  progress: boolean;
}

export async function bootstrapCommand(o: BootstrapFlags): Promise<void> {
  checkFormat(o.format, ["text", "json"]);
  const nsim = parseCount("--nsim", o.nsim);
  const seed = parseSeed(o.seed);
  const level = parseLevel(o.level);
  if (o.out) checkOutputFile(o.out, "--out", [o.data]);
  const { model: m } = loadAndFit(o, true);
  const bar = progressBar("bootstrap", { enabled: o.progress, unit: "refits" });
  const b = parametricBootstrap(m, { nsim, seed, onProgress: (d, t) => bar.update(d, t) });
  bar.finish();
  const ci = bootstrapConfint(b, level);
  if (o.out) {
    const K = b.names.length;
    const lines = [["replicate", ...b.names].map(csvField).join(",")];
    for (let r = 0; r < b.nsim; r++) lines.push([String(r + 1), ...Array.from(b.replicates.subarray(r * K, (r + 1) * K), (v) => csvField(v))].join(","));
    writeFileAtomic(o.out, lines.join("\n") + "\n");
  }
  const warnings = [...modelWarnings(m), ...ci.warnings];
  printWarnings(warnings);
  if (o.format === "json") {
    process.stdout.write(toJSON({ nsim, seed, level, failures: b.failures, singular: b.singular, parameters: ci.rows, warnings }) + "\n");
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(1).replace(/\.0$/, "")} %`;
  const table = [["", "estimate", "bias", "boot SE", pct((1 - level) / 2), pct((1 + level) / 2)]];
  for (const r of ci.rows) table.push([displayName(r.parameter), fmt(r.estimate), fmt(r.bias), fmt(r.se), fmt(r.lower), fmt(r.upper)]);
  process.stdout.write(`Parametric bootstrap: ${b.nsim} refits, seed ${seed}; percentile intervals\n${formatTable(table, { firstLeft: true })}\n${o.out ? `(replicates written to ${o.out})\n` : ""}`);
}

export function registerBootstrap(p: Command): void {
  const cmd = p.command("bootstrap").description("parametric bootstrap: simulate from the fit, refit, percentile intervals (reproducible with --seed)");
  addModelFlags(cmd)
    .option("--nsim <n>", "number of refits", "1000")
    .option("--seed <n>", "generator seed", "1")
    .option("--level <level>", "confidence level", "0.95")
    .option("--out <file>", "write every replicate's parameters as CSV")
    .option("--no-progress", "no progress bar")
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await bootstrapCommand(o); });
}
