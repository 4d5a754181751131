// 5. Conditional vs marginal effects: children's wheeze (0/1) at ages 7–10 and maternal smoking (ohio).
// A logistic GLMM answers "for a given child, how do the odds change?"; GEE answers "in the population,
// how does the prevalence change?". The GLMM's effect averaged over the children (marginalized)
// estimates the same thing as GEE.
import { fit, fromFitResult, makeFamily, marginalCoefficients } from "../../dist/src/entry/engine.js";
import { fmt, gee, isMain, printer, readData } from "../lib.mjs";

export const glmmFormula = "resp ~ age + smoke + (1 | id)";
export const geeFormula = "resp ~ age + smoke";

export async function main(options = {}) {
  const log = printer(options);
  const data = readData("ohio.csv");

  const g = fit(data, glmmFormula, { family: "binomial" });
  const marg = marginalCoefficients(fromFitResult(data, glmmFormula, { family: "binomial" }, g), makeFamily("binomial").link);
  const ge = gee(data, geeFormula, { id: "id", family: "binomial", corstr: "exchangeable" });

  const terms = ["(Intercept)", "age", "smoke"];
  const table = Object.fromEntries(terms.map((t) => {
    const m = marg.rows.find((r) => r.term === t);
    const e = ge.fixef.find((r) => r.term === t);
    return [t, { conditional: m.conditional, conditionalSE: m.conditionalSE, marginal: m.marginal, marginalSE: m.marginalSE, gee: e.estimate, geeSE: e.se }];
  }));
  const res = {
    table, sdChild: g.json.varcorr[0].sd, logLik: g.json.logLik, geeAlpha: ge.alpha,
    meanResponse: marg.meanResponse, meanResponseAtZero: marg.meanResponseAtZero,
    nobs: g.json.nobs, children: g.json.groups.id,
  };
  const row = (t) => {
    const r = table[t];
    return `  ${t.padEnd(12)} ${fmt(r.conditional).padStart(8)} (${fmt(r.conditionalSE, 3)})   ${fmt(r.marginal).padStart(8)} (${fmt(r.marginalSE, 3)})   ${fmt(r.gee).padStart(8)} (${fmt(r.geeSE, 3)})`;
  };
  log(
    `Ohio wheeze: ${res.nobs} visits of ${res.children} children; GLMM ${glmmFormula} (binomial, Laplace) and GEE ${geeFormula} (exchangeable)`,
    `  log odds ratios (SE)    GLMM conditional    GLMM marginalized   GEE`,
    ...terms.map(row),
    `  child SD (logit) ${fmt(res.sdChild)}; GEE working correlation ${fmt(res.geeAlpha)}`,
    `  smoking: odds ×${fmt(Math.exp(table.smoke.conditional), 3)} for a given child, ×${fmt(Math.exp(table.smoke.marginal), 3)} for the population (GEE ×${fmt(Math.exp(table.smoke.gee), 3)})`,
    `  mean prevalence ${fmt(res.meanResponse, 3)} averaged over children; ${fmt(res.meanResponseAtZero, 3)} for a child with random effect 0`,
  );
  return res;
}

if (isMain(import.meta.url)) await main();
