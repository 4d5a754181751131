// Further R references (test/fixtures/reference/inference_extra.json, made by inference_extra.R):
// Satterthwaite df for other models, an F test, Wald intervals, ranef with condsd, profile
// intervals with crossed terms, ICC/R² for LMMs (with random slopes), a GLMM LRT and GLMM predictions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Frame } from "../../src/data/frame.js";
import { compareModels } from "../../src/inference/compare.js";
import { confint } from "../../src/inference/confint.js";
import { iccR2 } from "../../src/inference/icc.js";
import { fitModel } from "../../src/inference/model.js";
import { predict } from "../../src/inference/predict.js";
import { ranefRows } from "../../src/inference/ranef.js";
import { Satterthwaite } from "../../src/inference/satterthwaite.js";
import type { FittedLMM } from "../../src/lmm/lmm.js";
import { data, reference, relClose, DF_TOL, T_TOL, logClose } from "./helpers.js";

const ref = reference("inference_extra.json");

for (const [key, file] of [["satterthwaite_sleep_intercept", "sleepstudy.csv"], ["satterthwaite_sleep_ml", "sleepstudy.csv"], ["satterthwaite_batches", "batches.csv"]]) {
  test(`Satterthwaite: ${key} matches lmerTest at its precision`, () => {
    const r = ref[key];
    const m = fitModel(data(file), r.formula, { reml: r.REML });
    for (const row of new Satterthwaite(m.ms, m.fit as FittedLMM).coefficients()) {
      assert.ok(relClose(row.df, r.df[row.term], DF_TOL), `${row.term} df ${row.df} vs ${r.df[row.term]}`);
      assert.ok(relClose(row.t, r.t[row.term], T_TOL), `${row.term} t ${row.t} vs ${r.t[row.term]}`);
      assert.ok(logClose(row.p, r.p[row.term]), `${row.term} p ${row.p} vs ${r.p[row.term]}`);
    }
  });
}

test("Satterthwaite F test of a 2-df factor matches lmerTest's anova", () => {
  const r = ref.ftest_dietox;
  const m = fitModel(data("dietox.csv"), r.formula, { reml: true });
  const s = new Satterthwaite(m.ms, m.fit as FittedLMM);
  const L = r.coefficients.map((c: string) => m.ms.xnames.map((x) => (x === c ? 1 : 0)));
  const f = s.ftest(L);
  assert.equal(f.numDf, r.NumDF);
  assert.ok(relClose(f.F, r.F, 1e-5), `F ${f.F} vs ${r.F}`);
  assert.ok(relClose(f.denDf, r.DenDF, 1e-5), `denDf ${f.denDf} vs ${r.DenDF}`);
  assert.ok(relClose(f.p, r.p, 1e-5), `p ${f.p} vs ${r.p}`);
});

test("Wald intervals and ranef with conditional SDs match lme4", () => {
  const m = fitModel(data("sleepstudy.csv"), ref.wald_sleepstudy.formula, {});
  const w = confint(m, { method: "Wald" });
  w.rows.forEach((row, i) => {
    assert.ok(relClose(row.lower, ref.wald_sleepstudy.lower[i], 1e-5));
    assert.ok(relClose(row.upper, ref.wald_sleepstudy.upper[i], 1e-5));
  });
  const re = ref.ranef_sleepstudy;
  const rows = ranefRows(m.fit);
  assert.equal(rows.length, re.condval.length);
  rows.forEach((r, i) => {
    assert.equal(r.grp, re.grp[i]);
    assert.equal(r.term, re.term[i]);
    assert.ok(Math.abs(r.condval - re.condval[i]) < 1e-3 * Math.max(1, Math.abs(re.condval[i])), `${r.grp} ${r.term} ${r.condval} vs ${re.condval[i]}`);
    assert.ok(relClose(r.condsd, re.condsd[i], 1e-3), `${r.grp} ${r.term} condsd ${r.condsd} vs ${re.condsd[i]}`);
  });
});

test("profile intervals with two crossed terms (penicillin) match lme4", () => {
  const c = ref.profile_ci_penicillin;
  const m = fitModel(data("penicillin.csv"), c.formula, { reml: true });
  const res = confint(m, { method: "profile" });
  for (const e of c.rows) {
    const r = res.rows.find((x) => x.parameter === e.parameter)!;
    assert.ok(r, e.parameter);
    const w = e.upper - e.lower;
    assert.ok(Math.abs(r.lower - e.lower) <= 0.02 * w && Math.abs(r.upper - e.upper) <= 0.02 * w, `${e.parameter}: ${r.lower} ${r.upper} vs ${e.lower} ${e.upper}`);
  }
});

for (const key of ["icc_sleep_intercept", "icc_sleep_slopes"]) {
  test(`ICC and R² for ${key} match performance within 1%`, () => {
    const r = ref[key];
    const res = iccR2(fitModel(data("sleepstudy.csv"), r.formula, {}));
    assert.ok(relClose(res.iccAdjusted, r.icc_adjusted, 0.01), `${res.iccAdjusted} vs ${r.icc_adjusted}`);
    assert.ok(relClose(res.iccConditional, r.icc_conditional, 0.01));
    assert.ok(relClose(res.r2Marginal, r.r2_marginal, 0.01));
    assert.ok(relClose(res.r2Conditional, r.r2_conditional, 0.01));
  });
}

test("GLMM LRT (cbpp with and without period) and GLMM predictions match lme4", () => {
  const L = ref.lrt_cbpp;
  const cbpp = data("cbpp.csv");
  const res = compareModels(L.models.map((f: string) => fitModel(cbpp, f, { family: "binomial" })));
  assert.equal(res.refitted, false);
  res.rows.forEach((r, i) => assert.ok(Math.abs(r.logLik - L.logLik[i]) < 1e-3));
  assert.equal(res.rows[1].df, L.df);
  assert.ok(relClose(res.rows[1].chisq!, L.chisq, 0.01) && relClose(res.rows[1].p!, L.p, 0.01));
  const P = ref.predict_cbpp;
  const m = fitModel(cbpp, P.formula, { family: "binomial" });
  const nd = Frame.fromRecords(P.newdata);
  const resp = predict(m, { newdata: nd });
  const link = predict(m, { newdata: nd, type: "link" });
  resp.fit.forEach((v, i) => assert.ok(relClose(v, P.response[i], 0.01), `${v} vs ${P.response[i]}`));
  link.fit.forEach((v, i) => assert.ok(Math.abs(v - P.link[i]) < 0.01 * Math.abs(P.link[i]), `${v} vs ${P.link[i]}`));
});
