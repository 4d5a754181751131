// 3. Counselling sessions: does training clinicians raise the number of sessions their clients attend?
// Monthly session counts of clinicians nested in clinics: a Poisson GLMM with random intercepts per
// clinic and per clinician within clinic, (1 | clinic/clinician) = (1 | clinic) + (1 | clinic:clinician).
import { fit, fromFitResult, waldConfint } from "../../dist/src/entry/engine.js";
import { coef, fmt, isMain, printer, readData, readTruth, sdOf } from "../lib.mjs";

export const formula = "sessions ~ trained + (1 | clinic/clinician)";

export async function main(options = {}) {
  const log = printer(options);
  const data = readData("counselling.csv");
  const truth = readTruth("counselling");

  const res0 = fit(data, formula, { family: "poisson" });
  const t = coef(res0.json, "trained");
  const ci = waldConfint(fromFitResult(data, formula, { family: "poisson" }, res0)).rows.find((r) => r.parameter === "trained");

  const res = {
    trained: t.estimate, trainedSE: t.se, rateRatio: Math.exp(t.estimate),
    rateRatioCI: [Math.exp(ci.lower), Math.exp(ci.upper)],
    intercept: coef(res0.json, "(Intercept)").estimate,
    sdClinic: sdOf(res0.json, "clinic"), sdClinician: sdOf(res0.json, "clinician:clinic"),
    logLik: res0.json.logLik, nobs: res0.json.nobs, groups: res0.json.groups,
  };
  log(
    `Counselling: ${res.nobs} clinician-months, ${res.groups.clinic} clinics, ${res.groups["clinician:clinic"]} clinicians; ${formula} (Poisson, Laplace)`,
    `  trained        ${fmt(res.trained)} (SE ${fmt(res.trainedSE, 3)})   [truth ${truth.trained}]`,
    `  rate ratio     ${fmt(res.rateRatio)} (95% CI ${fmt(res.rateRatioCI[0])} to ${fmt(res.rateRatioCI[1])}): ${fmt(100 * (res.rateRatio - 1), 3)}% more sessions after training`,
    `  untrained mean ${fmt(Math.exp(res.intercept), 3)} sessions per month for a typical clinician (random effects 0)`,
    `  SD clinic      ${fmt(res.sdClinic)}   [truth ${truth.sd_clinic}]`,
    `  SD clinician   ${fmt(res.sdClinician)}   [truth ${truth.sd_clinician}]   logLik ${res.logLik.toFixed(2)}`,
  );
  return res;
}

if (isMain(import.meta.url)) await main();
