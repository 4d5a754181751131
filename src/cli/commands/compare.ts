// `glmm compare`: likelihood-ratio tests between nested models with an AIC/BIC table (lme4's anova).
import type { Command } from "commander";
import { basename } from "node:path";
import { UserError } from "../../errors.js";
import { compareModels } from "../../inference/compare.js";
import { fitModel } from "../../inference/model.js";
import { fmt, formatTable } from "../../report/table.js";
import { readFrameFile } from "../io.js";
import { addModelFlags, checkFormat, fitOptionsOf, modelWarnings, printWarnings, toJSON, type ModelFlags } from "./model-flags.js";

interface CompareFlags extends ModelFlags {
  refit: boolean;
}

export async function compareCommand(o: CompareFlags): Promise<void> {
  checkFormat(o.format, ["text", "json"]);
  const formulas = Array.isArray(o.formula) ? o.formula : [o.formula];
  if (formulas.length < 2) throw new UserError("glmm compare needs two or more models: repeat --formula");
  const frame = readFrameFile(o.data);
  const options = fitOptionsOf(o);
  const models = formulas.map((f) => fitModel(frame, f, options));
  const res = compareModels(models, { refit: o.refit });
  const warnings = [...new Set([...models.flatMap(modelWarnings), ...res.warnings])];
  printWarnings(warnings);
  if (o.format === "json") {
    process.stdout.write(toJSON({ refitted_ml: res.refitted, models: res.rows, warnings }) + "\n");
    return;
  }
  const lines = [`Data: ${basename(o.data)}`, "Models:", ...res.rows.map((r) => `${r.name}: ${r.formula}`)];
  const table = [["", "npar", "AIC", "BIC", "logLik", "deviance", "Chisq", "Df", "Pr(>Chisq)"]];
  for (const r of res.rows) {
    table.push([r.name, String(r.npar), r.AIC.toFixed(1), r.BIC.toFixed(1), r.logLik.toFixed(2), r.deviance.toFixed(1),
      r.chisq === null ? "" : fmt(r.chisq, 4), r.df === null ? "" : String(r.df), r.p === null ? "" : fmt(r.p, 4)]);
  }
  lines.push(formatTable(table, { firstLeft: true }));
  if (res.refitted) lines.push("(REML fits were refitted with ML to compare likelihoods, as lme4's anova() does)");
  process.stdout.write(lines.join("\n") + "\n");
}

export function registerCompare(p: Command): void {
  const cmd = p.command("compare").description("likelihood-ratio tests between nested mixed models, with AIC and BIC");
  addModelFlags(cmd, { repeatFormula: true })
    .option("--no-refit", "compare REML fits as they are (only valid when the fixed effects are the same)")
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await compareCommand(o); });
}
