// `glmm confint`: confidence intervals — profile likelihood (default), Wald, or parametric bootstrap.
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { confint, type ConfintMethod } from "../../inference/confint.js";
import { displayName, fmt, formatTable } from "../../report/table.js";
import { collect } from "../options.js";
import { writeFileAtomic } from "../io.js";
import { duration, progressBar } from "../progress.js";
import { addModelFlags, checkFormat, loadAndFit, csvField, modelWarnings, printWarnings, toJSON, type ModelFlags } from "./model-flags.js";

interface ConfintFlags extends ModelFlags {
  method: string;
  level: string;
  parm: string[];
  nsim: string;
  seed: string;
  progress: boolean;
  out?: string;
}

/** A positive integer flag; above `max` it is refused before anything is built for it. */
export function parseCount(flag: string, text: string, max = 1e6): number {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !(v >= 1)) throw new UserError(`${flag} must be a positive integer, not '${text}'`);
  if (v > max) throw new UserError(`${flag} ${text} is beyond reason: at most ${max} (each one is a model refit or a simulated data set)`);
  return v;
}

export function parseSeed(text: string): number {
  const v = Number(text);
  if (!/^\s*-?\d+\s*$/.test(text) || !Number.isSafeInteger(v)) throw new UserError(`--seed must be an integer, not '${text}'`);
  return v;
}

export function parseLevel(text: string): number {
  const v = Number(text);
  if (!(v > 0 && v < 1)) throw new UserError(`--level must be between 0 and 1 (e.g. 0.95), not '${text}'`);
  return v;
}

export async function confintCommand(o: ConfintFlags): Promise<void> {
  checkFormat(o.format, ["text", "json"]);
  const methods: Record<string, ConfintMethod> = { profile: "profile", wald: "Wald", boot: "boot", bootstrap: "boot" };
  const method = Object.hasOwn(methods, o.method.toLowerCase()) ? methods[o.method.toLowerCase()] : undefined;
  if (!method) throw new UserError(`--method must be profile, Wald or boot, not '${o.method}'`);
  const level = parseLevel(o.level);
  const { model: m } = loadAndFit(o, true);
  const nsim = parseCount("--nsim", o.nsim);
  const seed = parseSeed(o.seed);
  if (o.out !== undefined && method !== "profile") throw new UserError("--out writes the profile (parameter, value, zeta): it goes with --method profile");
  const bar = method === "boot" ? progressBar("bootstrap", { enabled: o.progress, unit: "refits" })
    : method === "profile" ? progressBar("profile", { enabled: o.progress, unit: "limits" }) : null;
  const started = Date.now();
  const onProgress = (done: number, total: number) => {
    // a profile re-optimizes the model at every point: after the first limit, say when it will take long
    if (method === "profile" && done === 1 && o.progress) {
      const ms = (Date.now() - started) * total;
      if (ms > 30000) process.stderr.write(`glmm: note: profiling ${total / 2} parameters will take about ${duration(ms)}; --parm NAME profiles one, --method Wald is immediate\n`);
    }
    bar?.update(done, total);
  };
  const res = confint(m, { method, level, parm: o.parm.length ? o.parm : undefined, nsim, seed, onProgress, curve: o.out !== undefined });
  bar?.finish();
  if (o.out !== undefined) {
    const csv = ["parameter,value,zeta", ...(res.points ?? []).map((p) => [csvField(p.parameter), csvField(p.value), csvField(p.zeta)].join(","))];
    writeFileAtomic(o.out, csv.join("\n") + "\n");
    process.stderr.write(`wrote ${o.out} (plot it with: glmm plot --profile ${o.out} --out DIR)\n`);
  }
  const warnings = [...modelWarnings(m), ...res.warnings];
  printWarnings(warnings);
  if (o.format === "json") {
    process.stdout.write(toJSON({ method: res.method, level, ...(method === "boot" ? { nsim, seed } : {}), intervals: res.rows, warnings }) + "\n");
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(1).replace(/\.0$/, "")} %`;
  const table = [["", "estimate", pct((1 - level) / 2), pct((1 + level) / 2)]];
  for (const r of res.rows) table.push([displayName(r.parameter), fmt(r.estimate), fmt(r.lower), fmt(r.upper)]);
  const title = method === "profile" ? "Profile-likelihood" : method === "Wald" ? "Wald" : `Parametric bootstrap (${nsim} refits, seed ${seed}, percentile)`;
  process.stdout.write(`${title} confidence intervals:\n${formatTable(table, { firstLeft: true })}\n`);
}

export function registerConfint(p: Command): void {
  const cmd = p.command("confint").description("confidence intervals: profile likelihood, Wald, or parametric bootstrap");
  addModelFlags(cmd)
    .option("--method <method>", "profile, Wald or boot", "profile")
    .option("--level <level>", "confidence level", "0.95")
    .option("--parm <name>", "only this parameter, e.g. Days or sd_(Intercept)|Subject (repeatable)", collect, [])
    .option("--nsim <n>", "bootstrap refits", "1000")
    .option("--seed <n>", "bootstrap seed", "1")
    .option("--out <file>", "with --method profile: also write the profile points (parameter, value, zeta) as CSV, for glmm plot --profile")
    .option("--no-progress", "no progress bar")
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await confintCommand(o); });
}
