// The extended families without random effects through the command line (issue 21): the Laplace
// objective is then the likelihood itself. References: ordinal::clm on `wine` (logit, probit),
// glmmTMB 1.1.5's betabinomial and tweedie (test/fixtures/reference/nore_families.R).
// Criteria: logLik within 1e-3 and not below the reference (beyond 1e-6), fixed effects and
// thresholds within 2% of their SE, SEs within 2%, φ and the tweedie power within 1%.
import { test } from "node:test";
import assert from "node:assert/strict";
import { compareCoefs, compareLogLik, data, fitJSON, glmm, reference, type Coef } from "./cli.js";

const ref = reference("nore_families.json");

function check(j: { logLik: number; df: number; fixef: Coef[]; varcorr: unknown[]; warnings: string[] }, R: { logLik: number; df: number; fixef: Coef[] }, what: string): void {
  compareLogLik(j.logLik, R.logLik, what);
  assert.equal(j.df, R.df, what);
  compareCoefs(j.fixef, R.fixef, what);
  assert.deepEqual(j.varcorr, [], what);
  assert.deepEqual(j.warnings, [], what);
}

const param = (j: { family_params: Coef[] }, name: string) => j.family_params.find((f) => f.name === name)!.estimate;

for (const link of ["logit", "probit"]) {
  test(`ordinal (${link}) without random effects matches clm(rating ~ temp + contact)`, () => {
    const R = ref[`wine_clm_${link}`];
    const j = fitJSON("wine.csv", "rating ~ temp + contact", "ordinal", "--link", link);
    check(j, R, `clm ${link}`);
    compareCoefs(j.family_params, R.thresholds, `clm ${link} thresholds`);
  });
}

test("betabinomial without random effects matches glmmTMB(cbind(k, n - k) ~ x)", () => {
  const R = ref.betabinomial;
  const j = fitJSON("betabinomial_sim.csv", "cbind(k, n - k) ~ x", "betabinomial");
  check(j, R, "betabinomial");
  assert.ok(Math.abs(param(j, "phi") / R.phi - 1) < 0.01, `phi ${param(j, "phi")} vs ${R.phi}`);
});

test("tweedie without random effects matches glmmTMB(y ~ x, family = tweedie())", () => {
  const R = ref.tweedie;
  const j = fitJSON("tweedie_sim.csv", "y ~ x", "tweedie");
  check(j, R, "tweedie");
  assert.ok(Math.abs(param(j, "phi") / R.phi - 1) < 0.01, `phi ${param(j, "phi")} vs ${R.phi}`);
  assert.ok(Math.abs(param(j, "power") / R.power - 1) < 0.01, `power ${param(j, "power")} vs ${R.power}`);
});

test("the text summary of a model without random effects: maximum likelihood, no random-effects section", () => {
  const cases: [string, string, string, RegExp][] = [
    ["wine.csv", "rating ~ temp + contact", "ordinal", /Threshold coefficients:\n\s+Estimate Std. Error z value\n1\|2\s+-1\.344\d\s+0\.517\d/],
    ["betabinomial_sim.csv", "cbind(k, n - k) ~ x", "betabinomial", /Dispersion parameter for betabinomial family \(phi\): 4\.066/],
    ["tweedie_sim.csv", "y ~ x", "tweedie", /Tweedie power: 1\.598/],
  ];
  for (const [file, formula, family, re] of cases) {
    const r = glmm("fit", "--data", data(file), "--formula", formula, "--family", family);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Generalized linear model fit by maximum likelihood\n/);
    assert.doesNotMatch(r.stdout, /Random effects/);
    assert.match(r.stdout, re);
  }
});

test("ordinal without random effects: profile intervals as clm's confint, and the LRT against (1 | judge) as anova(clm, clmm)", () => {
  const R = ref.wine_clm_logit;
  const c = glmm("confint", "--data", data("wine.csv"), "--formula", "rating ~ temp + contact", "--family", "ordinal", "--format", "json");
  assert.equal(c.status, 0, c.stderr);
  const iv = JSON.parse(c.stdout).intervals;
  R.confint.forEach((w: { term: string; lower: number; upper: number }, k: number) => {
    assert.equal(iv[k].parameter, w.term);
    // (profile limits found by root search on both sides: 1e-3 is under 0.2% of the SE)
    assert.ok(Math.abs(iv[k].lower - w.lower) < 1e-3 && Math.abs(iv[k].upper - w.upper) < 1e-3, `${w.term}: [${iv[k].lower}, ${iv[k].upper}] vs [${w.lower}, ${w.upper}]`);
  });
  const a = glmm("compare", "--data", data("wine.csv"), "--formula", "rating ~ temp + contact", "--formula", "rating ~ temp + contact + (1 | judge)", "--family", "ordinal");
  assert.equal(a.status, 0, a.stderr);
  const m = /^m2 .* (\d+\.\d+)\s+1\s+(\d\.\d+)$/m.exec(a.stdout);
  assert.ok(m, a.stdout);
  assert.ok(Math.abs(Number(m[1]) - R.lrt_judge.statistic) < 2e-3, `LRT ${m[1]} vs ${R.lrt_judge.statistic}`);
  assert.ok(Math.abs(Number(m[2]) / R.lrt_judge.p - 1) < 1e-3, `p ${m[2]} vs ${R.lrt_judge.p}`);
});
