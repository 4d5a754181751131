// 1. Songbirds: does a bird become more aggressive when its testosterone is high (within-bird), or are
// high-testosterone birds the aggressive ones (between-bird)? A binomial GLMM with a random
// intercept per bird and testosterone split into the bird's mean and the deviation from it.
import { confint, fit, fromFitResult } from "../../dist/src/entry/engine.js";
import { coef, fmt, fmtP, isMain, printer, readData, readTruth, sdOf, waldContrast } from "../lib.mjs";

export const formula = "aggressive ~ within(testosterone, bird) + between(testosterone, bird) + (1 | bird)";
export const pooledFormula = "aggressive ~ testosterone + (1 | bird)";

export async function main(options = {}) {
  const log = printer(options);
  const data = readData("songbirds.csv");
  const truth = readTruth("songbirds");

  const split = fit(data, formula, { family: "binomial" });
  const pooled = fit(data, pooledFormula, { family: "binomial" });
  const w = coef(split.json, "within(testosterone, bird)");
  const b = coef(split.json, "between(testosterone, bird)");
  const p = coef(pooled.json, "testosterone");
  // do the two slopes differ? (L·β with L = within − between)
  const diff = waldContrast(split.fit, [0, 1, -1]);
  // how well is the bird SD determined? (profile likelihood, as lme4's confint)
  const sdCI = confint(fromFitResult(data, formula, { family: "binomial" }, split), { method: "profile", parm: ["sd_(Intercept)|bird"] }).rows[0];

  const res = {
    within: w.estimate, withinSE: w.se, between: b.estimate, betweenSE: b.se,
    sdBird: sdOf(split.json, "bird"), sdBirdCI: [sdCI.lower, sdCI.upper], logLik: split.json.logLik,
    pooled: p.estimate, pooledSE: p.se,
    difference: diff.estimate, differenceSE: diff.se, differenceP: diff.p,
    nobs: split.json.nobs, birds: split.json.groups.bird,
  };
  log(
    `Songbirds: ${res.nobs} trials of ${res.birds} birds; ${formula} (binomial, Laplace)`,
    `  within-bird slope   ${fmt(res.within)} (SE ${fmt(res.withinSE, 3)})   odds ratio ${fmt(Math.exp(res.within), 3)} per unit above the bird's own mean   [truth ${truth.within}]`,
    `  between-bird slope  ${fmt(res.between)} (SE ${fmt(res.betweenSE, 3)})   odds ratio ${fmt(Math.exp(res.between), 3)} per unit of the bird's mean        [truth ${truth.between}]`,
    `  within − between    ${fmt(res.difference)} (SE ${fmt(res.differenceSE, 3)}), Wald p = ${fmtP(res.differenceP)}`,
    `  bird SD (logit)     ${fmt(res.sdBird)}, 95% profile CI ${fmt(res.sdBirdCI[0], 3)} to ${fmt(res.sdBirdCI[1], 3)}   [truth ${truth.sd_bird}]   logLik ${res.logLik.toFixed(2)}`,
    `  one pooled slope (${pooledFormula}): ${fmt(res.pooled)} (SE ${fmt(res.pooledSE, 3)}) — a blend of the two`,
  );
  return res;
}

if (isMain(import.meta.url)) await main();
