// The extended families through the command line, against R: ordinal::clmm on `wine` (logit and
// probit), glmmTMB 1.1.5's beta, betabinomial and tweedie on seeded simulated sets
// (test/fixtures/reference/extended_families.R writes the data and the reference JSON).
// Criteria: logLik within 1e-3 and not below the reference (beyond 1e-6), fixed effects and
// thresholds within 2% of their SE, SEs within 2%, the family's own parameters within 1%.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareCoefs, compareLogLik, data, fitJSON, glmm, reference, type Coef } from "./cli.js";

const ref = reference("extended_families.json");

for (const link of ["logit", "probit"]) {
  test(`ordinal (${link}) on wine matches clmm(rating ~ temp + contact + (1 | judge))`, () => {
    const R = ref[`wine_${link}`];
    const j = fitJSON("wine.csv", "rating ~ temp + contact + (1 | judge)", "ordinal", "--link", link);
    // against clmm with its inner Newton run to the mode (its default stops at |gradient| < 1e-4)
    compareLogLik(j.logLik, R.logLik_tight, "wine");
    assert.ok(Math.abs(j.logLik - R.logLik) < 1e-5);
    assert.equal(j.df, R.df);
    compareCoefs(j.fixef, R.fixef, "fixef");
    compareCoefs(j.family_params, R.thresholds, "thresholds");
    assert.ok(Math.abs(j.varcorr[0].sd / R.sd - 1) < 0.01, `sd ${j.varcorr[0].sd} vs ${R.sd}`);
  });
}

test("ordinal with --nagq 10 matches clmm(..., nAGQ = 10)", () => {
  const R = ref.wine_logit_agq10;
  const j = fitJSON("wine.csv", "rating ~ temp + contact + (1 | judge)", "ordinal", "--nagq", "10");
  compareLogLik(j.logLik, R.logLik, "wine AGQ");
  compareCoefs(j.fixef, R.fixef, "fixef");
  compareCoefs(j.family_params, R.thresholds, "thresholds");
});

test("ordinal: --levels in reverse order flips the signs of β and the thresholds; the text summary has clmm's threshold table", () => {
  const j = fitJSON("wine.csv", "rating ~ temp + contact + (1 | judge)", "ordinal", "--levels", "5,4,3,2,1");
  const R = ref.wine_logit;
  R.fixef.forEach((w: Coef, k: number) => assert.ok(Math.abs(j.fixef[k].estimate + w.estimate) < 0.02 * w.se));
  assert.deepEqual(j.family_params.map((f: Coef) => f.name), ["5|4", "4|3", "3|2", "2|1"]);
  assert.ok(Math.abs(j.family_params[0].estimate + R.thresholds[3].estimate) < 0.02 * R.thresholds[3].se);
  const t = glmm("fit", "--data", data("wine.csv"), "--formula", "rating ~ temp + contact + (1 | judge)", "--family", "ordinal");
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /Threshold coefficients:\n\s+Estimate Std. Error z value\n1\|2\s+-1\.62\d+\s+0\.68\d+/);
});

const tmb: [string, string, string, string][] = [
  ["beta", "beta_sim.csv", "y ~ x + (1 | g)", "beta"],
  ["betabinomial", "betabinomial_sim.csv", "cbind(k, n - k) ~ x + (1 | g)", "betabinomial"],
  ["tweedie", "tweedie_sim.csv", "y ~ x + (1 | g)", "tweedie"],
];
for (const [key, file, formula, family] of tmb) {
  test(`${family} matches glmmTMB (${formula})`, () => {
    const R = ref[key];
    const j = fitJSON(file, formula, family);
    compareLogLik(j.logLik, R.logLik, key);
    assert.equal(j.df, R.df);
    compareCoefs(j.fixef, R.fixef, key);
    const phi = j.family_params.find((f: Coef) => f.name === "phi").estimate;
    assert.ok(Math.abs(phi / R.phi - 1) < 0.01, `phi ${phi} vs ${R.phi}`);
    if (R.power !== undefined) assert.ok(Math.abs(j.family_params.find((f: Coef) => f.name === "power").estimate - R.power) < 0.01);
    assert.ok(Math.abs(j.varcorr[0].sd / R.sd - 1) < 0.02, `sd ${j.varcorr[0].sd} vs ${R.sd}`);
    assert.deepEqual(j.warnings, []);
  });
}

test("extended families: bad input is one line naming the problem", () => {
  const cases: [string[], RegExp][] = [
    [["--data", data("wine.csv"), "--formula", "response ~ temp + (1 | judge)", "--family", "beta"], /family beta needs a response strictly between 0 and 1; data row 1 of 'response' is 36/],
    [["--data", data("wine.csv"), "--formula", "rating ~ temp + (1 | judge)", "--family", "ordinal", "--levels", "1,2,3"], /data row \d+ of 'rating' is '[45]', not one of the levels 1, 2, 3/],
    [["--data", data("wine.csv"), "--formula", "rating ~ temp + (1 | judge)", "--family", "ordinal", "--link", "cloglog"], /link 'cloglog' is not available for family ordinal \(use logit, probit\)/],
    [["--data", data("beta_sim.csv"), "--formula", "y ~ x + (1 | g)", "--family", "betabinomial"], /family betabinomial needs a cbind\(successes, failures\) response/],
  ];
  for (const [args, re] of cases) {
    const r = glmm("fit", ...args);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});

test("simulate: ordinal draws are categories 1..5 whose frequencies follow the fit; tweedie draws have zeros", () => {
  const r = glmm("simulate", "--data", data("wine.csv"), "--formula", "rating ~ temp + contact + (1 | judge)", "--family", "ordinal", "--nsim", "50", "--seed", "7");
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.trim().split("\n").slice(1).map((l) => l.split(",").slice(1).map(Number));
  const all = rows.flat();
  assert.ok(all.every((v) => Number.isInteger(v) && v >= 1 && v <= 5));
  // wine's observed mean rating is 2.92; 3600 draws from the fit average close to it
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  assert.ok(Math.abs(mean - 2.92) < 0.15, `mean simulated rating ${mean}`);
  const t = glmm("simulate", "--data", data("tweedie_sim.csv"), "--formula", "y ~ x + (1 | g)", "--family", "tweedie", "--seed", "7");
  assert.equal(t.status, 0, t.stderr);
  const ys = t.stdout.trim().split("\n").slice(1).map((l) => Number(l.split(",")[1]));
  const zeros = ys.filter((v) => v === 0).length;
  assert.ok(zeros > 10 && zeros < ys.length / 2, `${zeros} zeros`);
});

test("icc: an ordinal model's latent-scale ICC and R² (residual π²/3) from clmm's estimates", () => {
  const r = glmm("icc", "--data", data("wine.csv"), "--formula", "rating ~ temp + contact + (1 | judge)", "--family", "ordinal", "--format", "json");
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  const R = ref.wine_logit, s2 = R.sd * R.sd, e2 = (Math.PI * Math.PI) / 3;
  // temp and contact are balanced 0/1 columns crossed with each other: var(Xβ) = (β₁² + β₂²)/4 · 72/71
  const f2 = ((R.fixef[0].estimate ** 2 + R.fixef[1].estimate ** 2) / 4) * (72 / 71);
  assert.ok(Math.abs(j.icc_adjusted - s2 / (s2 + e2)) < 1e-4, `ICC ${j.icc_adjusted}`);
  assert.ok(Math.abs(j.r2_marginal - f2 / (f2 + s2 + e2)) < 1e-4, `R² ${j.r2_marginal}`);
});
