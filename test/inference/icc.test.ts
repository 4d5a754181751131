// ICC and Nakagawa R² against performance 0.10.2 (insight 0.19.0) for NB, Poisson and binomial GLMMs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { iccR2, nullFormula } from "../../src/inference/icc.js";
import { fitModel } from "../../src/inference/model.js";
import { data, reference, relClose } from "./helpers.js";

const ref = reference();

const cases: [string, string, string][] = [
  ["icc_mating_negbin", "mating.csv", "negative_binomial"],
  ["icc_counselling_poisson", "counselling.csv", "poisson"],
  ["icc_songbirds_binomial", "songbirds.csv", "binomial"],
];

for (const [key, file, family] of cases) {
  test(`ICC and R² of ${key} match performance within 1%`, () => {
    const r = ref[key];
    const res = iccR2(fitModel(data(file), r.formula, { family }));
    assert.ok(relClose(res.iccAdjusted, r.icc_adjusted, 0.01), `adjusted ${res.iccAdjusted} vs ${r.icc_adjusted}`);
    assert.ok(relClose(res.iccConditional, r.icc_conditional, 0.01), `conditional ${res.iccConditional} vs ${r.icc_conditional}`);
    assert.ok(relClose(res.r2Marginal, r.r2_marginal, 0.01), `R2m ${res.r2Marginal} vs ${r.r2_marginal}`);
    assert.ok(relClose(res.r2Conditional, r.r2_conditional, 0.01), `R2c ${res.r2Conditional} vs ${r.r2_conditional}`);
  });
}

test("the LMM ICC is σ²_u / (σ²_u + σ²) and the null formula keeps random terms and offsets", () => {
  const m = fitModel(data("sleepstudy.csv"), "Reaction ~ Days + (1 | Subject)", {});
  const res = iccR2(m);
  const vu = m.fit.varcorr[0].variance!;
  const s2 = m.fit.kind === "lmm" ? m.fit.sigma ** 2 : NaN;
  assert.ok(Math.abs(res.iccAdjusted - vu / (vu + s2)) < 1e-12);
  assert.equal(nullFormula("y ~ a * b + offset(log(n)) + (1 | g) + (x || h)"), "y ~ 1 + offset(log(n)) + (1 | g) + (x || h)");
});
