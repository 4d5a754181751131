// Predictions for a known and a new Subject against lme4's predict(allow.new.levels = TRUE), plus
// population-level, link/response scale and the new-data checks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Frame } from "../../src/data/frame.js";
import { fitModel } from "../../src/inference/model.js";
import { predict } from "../../src/inference/predict.js";
import { data, reference, relClose } from "./helpers.js";

const ref = reference().predict_sleepstudy;

test("conditional predictions for Subject 308 and a new Subject match lme4 within 1%", () => {
  const m = fitModel(data("sleepstudy.csv"), ref.formula, { reml: true });
  const nd = Frame.fromRecords(ref.newdata);
  const p = predict(m, { newdata: nd });
  assert.equal(p.fit.length, ref.prediction.length);
  p.fit.forEach((v, i) => assert.ok(relClose(v, ref.prediction[i], 1e-6), `${i}: ${v} vs ${ref.prediction[i]}`));
  assert.deepEqual({ ...p.newLevels }, { Subject: ["new"] }); // a null-prototype table (user-keyed)
  // the new subject's prediction is the population-level one
  const pop = predict(m, { newdata: nd, level: "population" });
  for (let i = 3; i < 6; i++) assert.ok(Math.abs(pop.fit[i] - p.fit[i]) < 1e-9);
  // a numeric Subject in the new data finds the fitted level "308"
  const q = predict(m, { newdata: Frame.fromRecords([{ Days: 5, Subject: 308 }]) });
  assert.ok(relClose(q.fit[0], ref.prediction[1], 1e-6));
});

test("predictions on the fitted rows equal the fitted values", () => {
  const m = fitModel(data("cbpp.csv"), "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", { family: "binomial" });
  const p = predict(m);
  const f = m.fit.kind === "glmm" ? m.fit.fitted : new Float64Array(0);
  p.fit.forEach((v, i) => assert.ok(Math.abs(v - f[i]) < 1e-6, `${v} vs ${f[i]}`));
  const link = predict(m, { type: "link", level: "population" });
  assert.ok(Math.abs(link.fit[0] - m.fit.beta[0]) < 1e-12); // herd 1, period 1
  // population-averaged probabilities are pulled toward 1/2 relative to the b = 0 ones (logit, p < 1/2)
  const marg = predict(m, { level: "marginal" });
  const pop = predict(m, { level: "population" });
  for (let i = 0; i < marg.fit.length; i++) assert.ok(marg.fit[i] > pop.fit[i]);
});

test("new data: missing columns, unseen fixed-effect levels and missing values", () => {
  const m = fitModel(data("cbpp.csv"), "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", { family: "binomial" });
  assert.throws(() => predict(m, { newdata: Frame.fromRecords([{ herd: 1 }]) }), /lack column 'period'/);
  assert.throws(() => predict(m, { newdata: Frame.fromRecords([{ herd: 1, period: 7 }]) }), /column 'period' has the level '7' at data row 1, which the model was not fitted with \(fitted levels: 1, 2, 3, 4\)/);
  const p = predict(m, { newdata: Frame.fromRecords([{ herd: 1, period: 2 }, { herd: null, period: 2 }, { herd: 99, period: 3 }]) });
  assert.deepEqual(Array.from(p.rows), [0, 2]);
  assert.deepEqual({ ...p.newLevels }, { herd: ["99"] });
  // data-dependent columns (within(), scale()) cannot be recomputed for new rows
  const w = fitModel(data("songbirds.csv"), "aggressive ~ within(testosterone, bird) + (1 | bird)", { family: "binomial" });
  assert.throws(() => predict(w, { newdata: Frame.fromRecords([{ testosterone: 9, bird: "b01" }]) }), /would be coded differently/);
});
