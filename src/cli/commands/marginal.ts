// `glmm marginal`: population-averaged (marginal) coefficients of a GLMM beside the conditional
// ones — what GEE estimates — by integrating the mean response over the random effects.
import type { Command } from "commander";
import { marginalCoefficients } from "../../inference/marginal.js";
import { modelLink } from "../../inference/predict.js";
import { displayName, fmt, formatTable } from "../../report/table.js";
import { addModelFlags, checkFormat, loadAndFit, modelWarnings, printWarnings, toJSON, type ModelFlags } from "./model-flags.js";

export async function marginalCommand(o: ModelFlags): Promise<void> {
  checkFormat(o.format, ["text", "json"]);
  const { model: m } = loadAndFit(o, true);
  const r = marginalCoefficients(m, modelLink(m));
  const warnings = [...modelWarnings(m), ...r.warnings];
  printWarnings(warnings);
  if (o.format === "json") {
    process.stdout.write(toJSON({ link: r.link, coefficients: r.rows, mean_response: r.meanResponse, mean_response_at_zero: r.meanResponseAtZero, warnings }) + "\n");
    return;
  }
  const table = [["", "conditional", "SE", "marginal", "SE"], ...r.rows.map((x) => [displayName(x.term), fmt(x.conditional), fmt(x.conditionalSE), fmt(x.marginal), fmt(x.marginalSE)])];
  const note = r.link === "identity" ? "(identity link: the marginal and conditional coefficients coincide)\n" : "";
  process.stdout.write(`Conditional (GLMM) and population-averaged coefficients (${r.link} link):\n${formatTable(table, { firstLeft: true })}\n${note}Mean response: ${fmt(r.meanResponse)} averaged over the random effects; ${fmt(r.meanResponseAtZero)} at random effects = 0\n`);
}

export function registerMarginal(p: Command): void {
  const cmd = p.command("marginal").description("population-averaged (marginal) effects of a GLMM beside the conditional ones");
  addModelFlags(cmd)
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await marginalCommand(o); });
}
