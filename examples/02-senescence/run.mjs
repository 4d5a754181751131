// 2. Senescence: does reproductive success decline as an individual ages, or do the poor breeders
// simply die young (selective disappearance)? A binomial GLMM with a random intercept per individual
// and age split into the individual's mean age and its deviation from it (van de Pol & Verhulst 2006).
import { fit } from "../../dist/src/entry/engine.js";
import { coef, fmt, fmtP, isMain, printer, readData, readTruth, sdOf, waldContrast } from "../lib.mjs";

export const formula = "success ~ within(age, id) + between(age, id) + (1 | id)";
export const pooledFormula = "success ~ age + (1 | id)";

export async function main(options = {}) {
  const log = printer(options);
  const data = readData("senescence.csv");
  const truth = readTruth("senescence");

  const split = fit(data, formula, { family: "binomial" });
  const pooled = fit(data, pooledFormula, { family: "binomial" });
  const w = coef(split.json, "within(age, id)");
  const b = coef(split.json, "between(age, id)");
  const p = coef(pooled.json, "age");
  // selective disappearance: how much more the mean age predicts than ageing alone (between − within)
  const sel = waldContrast(split.fit, [0, -1, 1]);

  const res = {
    ageing: w.estimate, ageingSE: w.se, between: b.estimate, betweenSE: b.se,
    selection: sel.estimate, selectionSE: sel.se, selectionP: sel.p,
    pooled: p.estimate, pooledSE: p.se, pooledP: p.p,
    sdId: sdOf(split.json, "id"), logLik: split.json.logLik,
    nobs: split.json.nobs, individuals: split.json.groups.id,
  };
  log(
    `Senescence: ${res.nobs} breeding attempts of ${res.individuals} individuals; ${formula} (binomial, Laplace)`,
    `  ageing (within-individual age slope)      ${fmt(res.ageing)} (SE ${fmt(res.ageingSE, 3)})  odds ×${fmt(Math.exp(res.ageing), 3)} per year   [truth ${truth.within_age}]`,
    `  between-individual slope of mean age      ${fmt(res.between)} (SE ${fmt(res.betweenSE, 3)})`,
    `  selective disappearance (between − within) ${fmt(res.selection)} (SE ${fmt(res.selectionSE, 3)}), p = ${fmtP(res.selectionP)}`,
    `  individual SD (logit) ${fmt(res.sdId)}   [truth ${truth.sd_id}]   logLik ${res.logLik.toFixed(2)}`,
    `  one pooled age slope (${pooledFormula}): ${fmt(res.pooled)} (SE ${fmt(res.pooledSE, 3)}, p = ${fmtP(res.pooledP)}) — the two processes cancel`,
  );
  return res;
}

if (isMain(import.meta.url)) await main();
