// `glmm simulate`: new responses simulated from a fitted model (lme4's simulate), one column per
// simulation on the fitted rows; reproducible with --seed.
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { checkOutputFile } from "../io.js";
import { simulateResponses } from "../../inference/simulate.js";
import { parseCount, parseSeed } from "./confint.js";
import { addModelFlags, checkFormat, csvField, emit, loadAndFit, modelWarnings, printWarnings, toJSON, type ModelFlags } from "./model-flags.js";

interface SimulateFlags extends ModelFlags {
  nsim: string;
  seed: string;
  conditional?: boolean;
  out?: string;
}

export async function simulateCommand(o: SimulateFlags): Promise<void> {
  checkFormat(o.format, ["csv", "json"]);
  const nsim = parseCount("--nsim", o.nsim);
  const seed = parseSeed(o.seed);
  const { model: m } = loadAndFit(o, true);
  // nsim columns of n values, as numbers and then as text: refuse before building them
  const values = nsim * m.ms.n;
  if (values > 5e7) throw new UserError(`--nsim ${nsim} on ${m.ms.n} rows is ${values.toExponential(1)} simulated values (about ${Math.round((values * 20) / 2 ** 20)} MiB of output); at most 5e7`);
  if (o.out) checkOutputFile(o.out);
  printWarnings(modelWarnings(m));
  const sims = simulateResponses(m, { nsim, seed, conditional: o.conditional });
  // binomial responses as counts of successes when the response is cbind(successes, failures)
  const trials = m.ms.response?.trials ?? null;
  const out = trials ? sims.map((y) => y.map((v, i) => Math.round(v * trials[i]))) : sims;
  if (o.format === "json") {
    emit(toJSON({ nsim, seed, conditional: Boolean(o.conditional), data_rows: Array.from(m.ms.rows, (r) => r + 1), response: trials ? "successes" : m.ms.response?.name, simulations: out }) + "\n", o.out);
    return;
  }
  const lines = [["data_row", ...out.map((_, k) => `sim_${k + 1}`)].join(",")];
  for (let i = 0; i < m.ms.n; i++) lines.push([String(m.ms.rows[i] + 1), ...out.map((y) => csvField(y[i]))].join(","));
  emit(lines.join("\n") + "\n", o.out);
}

export function registerSimulate(p: Command): void {
  const cmd = p.command("simulate").description("simulate new responses from a fitted model (new random effects, or --conditional on the fitted ones)");
  addModelFlags(cmd)
    .option("--nsim <n>", "number of simulated responses", "1")
    .option("--seed <n>", "generator seed", "1")
    .option("--conditional", "keep the fitted random effects (lme4's use.u = TRUE)")
    .option("--out <file>", "write to a file instead of stdout")
    .option("--format <format>", "csv or json", "csv")
    .action(async (o) => { await simulateCommand(o); });
}
