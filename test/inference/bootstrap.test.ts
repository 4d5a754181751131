// Parametric bootstrap and simulation: reproducible with a seed, moments of simulated data, and
// boot.ci's percentile rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Bootstrap, bootstrapConfint, parametricBootstrap, percentile } from "../../src/inference/bootstrap.js";
import { fitModel } from "../../src/inference/model.js";
import { simulateResponses } from "../../src/inference/simulate.js";
import { data } from "./helpers.js";

const SLEEP = "Reaction ~ Days + (Days | Subject)";

test("the bootstrap is reproducible with its seed and reports progress", () => {
  const m = fitModel(data("sleepstudy.csv"), SLEEP, {});
  const seen: number[] = [];
  const a = parametricBootstrap(m, { nsim: 25, seed: 7, onProgress: (d) => seen.push(d) });
  const b = parametricBootstrap(m, { nsim: 25, seed: 7 });
  const c = parametricBootstrap(m, { nsim: 25, seed: 8 });
  assert.deepEqual(seen, Array.from({ length: 25 }, (_, i) => i + 1));
  assert.deepEqual(Array.from(a.replicates), Array.from(b.replicates));
  assert.notDeepEqual(Array.from(a.replicates), Array.from(c.replicates));
  assert.deepEqual(a.names, ["sd_(Intercept)|Subject", "cor_Days.(Intercept)|Subject", "sd_Days|Subject", "sigma", "(Intercept)", "Days"]);
  const ci = bootstrapConfint(a);
  // the intervals cover the estimates and the bootstrap SE of Days is near its model SE (1.546)
  for (const r of ci.rows) assert.ok(r.lower < r.estimate && r.estimate < r.upper, `${r.parameter}: ${r.lower} ${r.estimate} ${r.upper}`);
  const days = ci.rows.find((r) => r.parameter === "Days")!;
  assert.ok(days.se > 1.546 * 0.7 && days.se < 1.546 * 1.3, `SE ${days.se}`);
  // stepping by hand gives the same replicates
  const s = new Bootstrap(m, { nsim: 25, seed: 7 });
  while (!s.finished) s.step();
  assert.deepEqual(Array.from(s.result().replicates), Array.from(a.replicates));
});

test("GLMM bootstrap refits binomial responses", () => {
  const m = fitModel(data("cbpp.csv"), "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", { family: "binomial" });
  const b = parametricBootstrap(m, { nsim: 8, seed: 3 });
  assert.equal(b.replicates.length, 8 * 5);
  for (const v of b.replicates) assert.ok(Number.isFinite(v));
});

test("percentile follows boot.ci's interpolation on the normal scale", () => {
  const x = Float64Array.from({ length: 999 }, (_, i) => i + 1);
  assert.equal(percentile(x, 0.025), 25); // (R + 1)·α = 25 exactly
  const y = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  const v = percentile(y, 0.025); // (R + 1)·α = 2.525: between the 2nd and 3rd order statistics
  assert.ok(v > 2 && v < 3);
});

test("simulated LMM responses have the model's mean and variance", () => {
  const m = fitModel(data("sleepstudy.csv"), SLEEP, {});
  const sims = simulateResponses(m, { nsim: 400, seed: 11 });
  assert.equal(sims.length, 400);
  const f = m.fit.kind === "lmm" ? m.fit : null!;
  // row 0: Days = 0 → mean β0, variance sd_int² + σ²
  let s = 0, ss = 0;
  for (const y of sims) { s += y[0]; ss += y[0] * y[0]; }
  const mean = s / 400, variance = ss / 400 - mean * mean;
  const expectVar = f.varcorr[0].variance! + f.sigma ** 2;
  assert.ok(Math.abs(mean - f.beta[0]) < 4 * Math.sqrt(expectVar / 400), `mean ${mean}`);
  assert.ok(Math.abs(variance / expectVar - 1) < 0.25, `variance ${variance} vs ${expectVar}`);
  const again = simulateResponses(m, { nsim: 2, seed: 11 });
  assert.deepEqual(Array.from(again[1]), Array.from(sims[1]));
  // conditional simulation keeps the fitted random effects: its mean is the fitted value
  const cond = simulateResponses(m, { nsim: 300, seed: 5, conditional: true });
  let c0 = 0;
  for (const y of cond) c0 += y[0];
  assert.ok(Math.abs(c0 / 300 - f.fitted[0]) < 4 * f.sigma / Math.sqrt(300));
});

test("simulated counts and proportions are valid for their family", () => {
  const nb = fitModel(data("mating.csv"), "matings ~ tail + (1 | male)", { family: "negative_binomial" });
  for (const v of simulateResponses(nb, { seed: 2 })[0]) assert.ok(Number.isInteger(v) && v >= 0);
  const bin = fitModel(data("cbpp.csv"), "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", { family: "binomial" });
  const size = bin.ms.response!.trials!;
  simulateResponses(bin, { seed: 2 })[0].forEach((v, i) => {
    const k = v * size[i];
    assert.ok(v >= 0 && v <= 1 && Math.abs(k - Math.round(k)) < 1e-9);
  });
});
