// 9. Three batches: treated vs control expression measured in 3 processing batches. A random
// intercept per batch estimates a variance from 3 batch means — glmm warns that this is poorly
// determined. Beside it, the model with batch as a fixed effect (ordinary least squares).
import { confint, fit, fromFitResult } from "../../dist/src/entry/engine.js";
import { coef, fmt, isMain, printer, readData, sdOf } from "../lib.mjs";

export const mixedFormula = "expression ~ group + (1 | batch)";
export const fixedFormula = "expression ~ group + batch";

export async function main(options = {}) {
  const log = printer(options);
  const data = readData("batches.csv");

  const mixed = fit(data, mixedFormula); // REML
  const warnings = mixed.json.warnings;
  const ci = confint(fromFitResult(data, mixedFormula, {}, mixed), { method: "profile" }).rows;
  const sdCI = ci.find((r) => r.parameter === "sd_(Intercept)|batch");
  const trCI = ci.find((r) => r.parameter === "grouptreated");

  // batch as a fixed effect: without random-effect terms `fit` is R's lm()
  const ols = fit(data, fixedFormula, {}).json;
  const lmSE = (t) => coef(ols, t).se;
  const est = (t) => coef(ols, t).estimate;

  const t = coef(mixed.json, "grouptreated");
  const i0 = coef(mixed.json, "(Intercept)");
  const res = {
    warnings, fewLevelsWarning: warnings.some((w) => w.includes("only 3 levels")),
    mixed: { treated: t.estimate, treatedSE: t.se, treatedDF: t.df, intercept: i0.estimate, interceptSE: i0.se, interceptDF: i0.df, sdBatch: sdOf(mixed.json, "batch"), sigma: mixed.json.sigma, sdBatchCI: [sdCI.lower, sdCI.upper], treatedCI: [trCI.lower, trCI.upper] },
    fixed: { treated: est("grouptreated"), treatedSE: lmSE("grouptreated"), batchrun2: est("batchrun2"), batchrun3: est("batchrun3"), batchSE: lmSE("batchrun2"), sigma: ols.sigma, df: coef(ols, "grouptreated").df },
  };
  log(
    `Batches: ${mixed.json.nobs} samples in ${mixed.json.groups.batch} batches; ${mixedFormula} (REML)`,
    ...warnings.map((w) => `  warning: ${w}`),
    `  treated − control ${fmt(res.mixed.treated)} (SE ${fmt(res.mixed.treatedSE, 3)}, Satterthwaite df ${fmt(res.mixed.treatedDF, 4)}); profile 95% CI ${fmt(res.mixed.treatedCI[0])} to ${fmt(res.mixed.treatedCI[1])}`,
    `  control mean over batches ${fmt(res.mixed.intercept)} (SE ${fmt(res.mixed.interceptSE, 3)}, Satterthwaite df ${fmt(res.mixed.interceptDF, 3)}: three batch means are the replicates)`,
    `  batch SD ${fmt(res.mixed.sdBatch, 3)} (REML); profile 95% CI ${fmt(res.mixed.sdBatchCI[0], 3)} to ${fmt(res.mixed.sdBatchCI[1], 3)} (ML) — from 0 to ${fmt(res.mixed.sdBatchCI[1] / res.mixed.sdBatch, 2)} × its estimate; residual SD ${fmt(res.mixed.sigma, 3)}`,
    `Batch as a fixed effect: ${fixedFormula} (least squares)`,
    `  treated − control ${fmt(res.fixed.treated)} (SE ${fmt(res.fixed.treatedSE, 3)}, ${res.fixed.df} df)`,
    `  run2 − run1 ${fmt(res.fixed.batchrun2, 3)}, run3 − run1 ${fmt(res.fixed.batchrun3, 3)} (SE ${fmt(res.fixed.batchSE, 3)}); residual SD ${fmt(res.fixed.sigma, 3)}`,
  );
  return res;
}

if (isMain(import.meta.url)) await main();
