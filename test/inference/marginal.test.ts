// Population-averaged effects: quadrature against closed forms, and the ohio GLMM's marginal
// coefficients against GEE (geepack 1.3.9, exchangeable; test/fixtures/reference/cases.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { makeFamily } from "../../src/families/family.js";
import { pnorm } from "../../src/families/special.js";
import { marginalCoefficients, marginalMean } from "../../src/inference/marginal.js";
import { fitModel } from "../../src/inference/model.js";
import { data, reference } from "./helpers.js";

test("the marginal mean by quadrature matches closed forms (probit, log)", () => {
  const probit = makeFamily("binomial", "probit").link;
  for (const [eta, v] of [[0.3, 1.5], [-1.2, 4], [2, 0.2]]) {
    assert.ok(Math.abs(marginalMean(probit, eta, v) - pnorm(eta / Math.sqrt(1 + v))) < 1e-8);
  }
  const log = makeFamily("poisson").link;
  assert.ok(Math.abs(marginalMean(log, 0.5, 0.8) - Math.exp(0.9)) < 1e-12);
  const logit = makeFamily("binomial").link;
  assert.ok(Math.abs(marginalMean(logit, 0, 3) - 0.5) < 1e-12);
});

test("ohio: the GLMM's marginalized smoke and age effects land near GEE's", () => {
  const gee = reference("cases.json").cases.find((c: { id: string }) => c.id === "gee_ohio_exchangeable").reference;
  const m = fitModel(data("ohio.csv"), "resp ~ age + smoke + (1 | id)", { family: "binomial" });
  const res = marginalCoefficients(m, makeFamily("binomial").link);
  for (const term of ["age", "smoke"]) {
    const r = res.rows.find((x) => x.term === term)!;
    const g = gee.coef[term], se = gee.se_robust[term];
    // the conditional effect is far from GEE's; the marginal one within a tenth of GEE's SE
    assert.ok(Math.abs(r.conditional - g) > 0.3 * se, `${term} conditional ${r.conditional}`);
    assert.ok(Math.abs(r.marginal - g) < 0.1 * se, `${term} marginal ${r.marginal} vs GEE ${g}`);
    // delta-method SE of the same size as GEE's robust SE
    assert.ok(r.marginalSE > 0.8 * se && r.marginalSE < 1.2 * se, `${term} SE ${r.marginalSE} vs ${se}`);
  }
  assert.ok(res.meanResponse > res.meanResponseAtZero);
});
