// `glmm confint`: confidence intervals — profile likelihood (default), Wald, or parametric bootstrap.
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { confint, type ConfintMethod } from "../../inference/confint.js";
import { fmt, formatTable } from "../../report/table.js";
import { collect } from "../options.js";
import { progressBar } from "../progress.js";
import { addModelFlags, checkFormat, loadAndFit, modelWarnings, toJSON, warningLines, type ModelFlags } from "./model-flags.js";

interface ConfintFlags extends ModelFlags {
  method: string;
  level: string;
  parm: string[];
  nsim: string;
  seed: string;
  progress: boolean;
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
  const { model: m } = loadAndFit(o);
  const nsim = parseCount("--nsim", o.nsim);
  const seed = parseSeed(o.seed);
  const bar = method === "boot" ? progressBar("bootstrap", { enabled: o.progress }) : null;
  const res = confint(m, { method, level, parm: o.parm.length ? o.parm : undefined, nsim, seed, onProgress: bar ? (d, t) => bar.update(d, t) : undefined });
  bar?.finish();
  const warnings = [...modelWarnings(m), ...res.warnings];
  if (o.format === "json") {
    process.stdout.write(toJSON({ method: res.method, level, ...(method === "boot" ? { nsim, seed } : {}), intervals: res.rows, warnings }) + "\n");
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(1).replace(/\.0$/, "")} %`;
  const table = [["", "estimate", pct((1 - level) / 2), pct((1 + level) / 2)]];
  for (const r of res.rows) table.push([r.parameter, fmt(r.estimate), fmt(r.lower), fmt(r.upper)]);
  const title = method === "profile" ? "Profile-likelihood" : method === "Wald" ? "Wald" : `Parametric bootstrap (${nsim} refits, seed ${seed}, percentile)`;
  process.stdout.write(`${title} confidence intervals:\n${formatTable(table, { firstLeft: true })}\n${warningLines(warnings)}`);
}

export function registerConfint(p: Command): void {
  const cmd = p.command("confint").description("confidence intervals: profile likelihood, Wald, or parametric bootstrap");
  addModelFlags(cmd)
    .option("--method <method>", "profile, Wald or boot", "profile")
    .option("--level <level>", "confidence level", "0.95")
    .option("--parm <name>", "only this parameter, e.g. Days or sd_(Intercept)|Subject (repeatable)", collect, [])
    .option("--nsim <n>", "bootstrap refits", "1000")
    .option("--seed <n>", "bootstrap seed", "1")
    .option("--no-progress", "no progress bar")
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await confintCommand(o); });
}
