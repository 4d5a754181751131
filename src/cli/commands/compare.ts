// `glmm compare`: likelihood-ratio tests between nested models with an AIC/BIC table (lme4's anova);
// zero-inflation and dispersion parts per model (glmmTMB's anova between zi models).
import type { Command } from "commander";
import { basename } from "node:path";
import { UserError } from "../../errors.js";
import { compareModels } from "../../inference/compare.js";
import { fitModel } from "../../inference/model.js";
import { fmt, formatTable } from "../../report/table.js";
import { readFrameFile } from "../io.js";
import { addModelFlags, checkFormat, fitOptionsOf, modelWarnings, printWarnings, toJSON, type ModelFlags } from "./model-flags.js";

interface CompareFlags extends Omit<ModelFlags, "zi" | "disp"> {
  /** repeatable here: once for every model or once per --formula */
  zi?: string[];
  disp?: string[];
  refit: boolean;
}

export async function compareCommand(o: CompareFlags): Promise<void> {
  checkFormat(o.format, ["text", "json"]);
  const formulas = Array.isArray(o.formula) ? o.formula : [o.formula];
  if (formulas.length < 2) throw new UserError("glmm compare needs two or more models: repeat --formula");
  const frame = readFrameFile(o.data);
  const zi = sideFormulas("--zi", o.zi, formulas.length), disp = sideFormulas("--disp", o.disp, formulas.length);
  // the zero-inflation and dispersion parts enter the likelihood: nested zi/disp models compare as any others
  const models = formulas.map((f, k) => fitModel(frame, f, fitOptionsOf({ ...o, zi: zi[k], disp: disp[k] }, true)));
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

/** --zi/--disp given once (every model) or once per --formula; "~ 0" (or none) is no part */
function sideFormulas(flag: string, v: string[] | undefined, k: number): (string | undefined)[] {
  const list = v ?? [];
  if (list.length > 1 && list.length !== k) throw new UserError(`${flag} is given ${list.length} times for ${k} models: give it once (for every model) or once per --formula`);
  return Array.from({ length: k }, (_, i) => {
    const text = list.length === 1 ? list[0] : list[i];
    // (a zero-inflation part of "~ 0" is none; a dispersion part of "~ 0" is refused when fitting)
    return text !== undefined && flag === "--zi" && /^\s*~\s*0\s*$/.test(text) ? undefined : text;
  });
}

export function registerCompare(p: Command): void {
  const cmd = p.command("compare").description("likelihood-ratio tests between nested mixed models, with AIC and BIC");
  addModelFlags(cmd, { repeatFormula: true })
    .option("--no-refit", "compare REML fits as they are (only valid when the fixed effects are the same)")
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await compareCommand(o); });
}
