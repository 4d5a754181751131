// `glmm anova`: per-term tests — Type III (default) or Type I F tests with Satterthwaite's
// denominator df for LMMs (lmerTest's anova()), Wald χ² for GLMMs; the zero-inflation and
// dispersion formulas' terms in tables of their own (glmmTMB's car::Anova(component = "zi"/"disp")).
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { anova, sideModelFit, type AnovaResult } from "../../inference/anova.js";
import { parseDdfMethod } from "../../inference/kenward-roger.js";
import { displayName, fixed, fmt, formatP, formatTable, signifStars } from "../../report/table.js";
import { addModelFlags, checkFormat, loadAndFit, modelWarnings, printWarnings, toJSON, type ModelFlags } from "./model-flags.js";

interface AnovaFlags extends ModelFlags {
  type: string;
  ddf: string;
}

const STARS = "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n";

export async function anovaCommand(o: AnovaFlags): Promise<void> {
  checkFormat(o.format, ["text", "json"]);
  if (o.type !== "1" && o.type !== "3" && o.type !== "I" && o.type !== "III") throw new UserError(`--type must be 1 or 3 (or I / III), not '${o.type}'`);
  const type = o.type === "1" || o.type === "I" ? 1 : 3;
  const { model: m } = loadAndFit(o, true);
  const res = anova(m, { type, ddf: parseDdfMethod(o.ddf) });
  // the side formulas' terms (an intercept-only part has none to test)
  const sides: [string, AnovaResult][] = [];
  for (const part of ["zi", "disp"] as const) {
    const sm = sideModelFit(m, part);
    if (sm && sm.ms.termLabels && sm.ms.termLabels.length > 0) sides.push([part, anova(sm, { type })]);
  }
  const warnings = [...modelWarnings(m), ...res.warnings, ...sides.flatMap(([, r]) => r.warnings)];
  printWarnings(warnings);
  if (o.format === "json") {
    process.stdout.write(toJSON({ ...res, ...Object.fromEntries(sides.map(([k, r]) => [k, r.rows])), warnings }) + "\n");
    return;
  }
  const roman = type === 1 ? "I" : "III";
  if (m.fit.kind === "lmm") {
    const table = [["", "Sum Sq", "Mean Sq", "NumDF", "DenDF", "F value", "Pr(>F)", ""]];
    for (const r of res.rows) table.push([displayName(r.term), fmt(r.sumSq, 5), fmt(r.meanSq, 5), String(r.numDf), fmt(r.denDf, 5), fmt(r.statistic, 5), formatP(r.p), signifStars(r.p)]);
    process.stdout.write(`Type ${roman} Analysis of Variance Table with ${res.method === "Kenward-Roger" ? "Kenward-Roger's" : "Satterthwaite's"} method\n${formatTable(table, { firstLeft: true })}\n${STARS}`);
  } else {
    const chisqTable = (rows: AnovaResult["rows"]) => {
      const table = [["", "Chisq", "Df", "Pr(>Chisq)", ""]];
      for (const r of rows) table.push([displayName(r.term), fixed(r.statistic, 4), String(r.numDf), formatP(r.p), signifStars(r.p)]);
      return formatTable(table, { firstLeft: true });
    };
    const parts = sides.length === 0 ? [chisqTable(res.rows)] : [`Conditional model:\n${chisqTable(res.rows)}`, ...sides.map(([k, r]) => `${k === "zi" ? "Zero-inflation model" : "Dispersion model"}:\n${chisqTable(r.rows)}`)];
    process.stdout.write(`Analysis of Deviance Table (Type ${roman} Wald chi-square tests)\n${parts.join("\n\n")}\n${STARS}`);
  }
}

export function registerAnova(p: Command): void {
  const cmd = p.command("anova").description("ANOVA table per fixed-effect term: Type III or I F tests with Satterthwaite or Kenward-Roger df (LMM), Wald chi-square (GLMM)");
  addModelFlags(cmd)
    .option("--type <n>", "3 (marginal hypotheses, lmerTest's default) or 1 (sequential)", "3")
    .option("--ddf <method>", "LMM denominator df: satterthwaite or kenward-roger (REML fits; lmerTest's ddf = \"Kenward-Roger\")", "satterthwaite")
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await anovaCommand(o); });
}
