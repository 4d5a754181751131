// `glmm icc`: ICC (adjusted and conditional; repeatability) and Nakagawa's marginal and conditional
// R², on the latent scale for binomial, Poisson and negative binomial models (performance::icc,
// performance::r2_nakagawa).
import type { Command } from "commander";
import { iccR2 } from "../../inference/icc.js";
import { fmt, formatTable } from "../../report/table.js";
import { addModelFlags, checkFormat, loadAndFit, modelWarnings, printWarnings, toJSON, type ModelFlags } from "./model-flags.js";

export async function iccCommand(o: ModelFlags): Promise<void> {
  checkFormat(o.format, ["text", "json"]);
  const { model: m } = loadAndFit(o, true);
  const r = iccR2(m);
  const warnings = [...modelWarnings(m), ...r.warnings];
  const c = r.components;
  printWarnings(warnings);
  if (o.format === "json") {
    process.stdout.write(toJSON({
      icc_adjusted: r.iccAdjusted, icc_conditional: r.iccConditional, r2_marginal: r.r2Marginal, r2_conditional: r.r2Conditional,
      variance: { fixed: c.fixed, random: c.random, by_group: c.byGroup, residual: c.residual, residual_method: c.residualMethod, null_model_mu: c.nullMu },
      warnings,
    }) + "\n");
    return;
  }
  const t1 = [["ICC (adjusted)", fmt(r.iccAdjusted, 3)], ["ICC (conditional)", fmt(r.iccConditional, 3)], ["R² marginal", fmt(r.r2Marginal, 3)], ["R² conditional", fmt(r.r2Conditional, 3)]];
  const t2 = [["fixed effects", fmt(c.fixed)], ...c.byGroup.map((g) => [`random: ${g.group}`, fmt(g.variance)]), [`residual (${c.residualMethod})`, fmt(c.residual)]];
  process.stdout.write(`Intraclass correlation and R² (Nakagawa, latent scale):\n${formatTable(t1, { firstLeft: true, indent: 2 })}\n\nVariance components:\n${formatTable(t2, { firstLeft: true, indent: 2 })}\n`);
}

export function registerIcc(p: Command): void {
  const cmd = p.command("icc").description("intraclass correlation (repeatability) and marginal / conditional R² (Nakagawa)");
  addModelFlags(cmd)
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await iccCommand(o); });
}
