// Issue 18's four kinds of numerical failure, on data simulated by test/fixtures/reference/robustness.R
// with references from glmmTMB 1.1.5 / lme4 1.1-31 (robustness.json):
//  1. a cloglog link whose clamped μ gave an optimum 250 log-likelihood units too high;
//  2. one diverging coefficient (separation, an all-zero level) must not remove every SE;
//  3. a random-slope correlation at −1 must be reached in a bounded number of evaluations;
//  4. predictors on scales 1e-3…1e4 must not cost the SEs their accuracy.
// Plus Gamma's default inverse link and the Poisson sqrt link fitted against glmmTMB.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFrameFile } from "../../src/cli/io.js";
import { fit, type FitResult } from "../../src/fit.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures");
const cases: any[] = JSON.parse(readFileSync(join(fixtures, "reference", "robustness.json"), "utf8")).cases;
const byId = (id: string) => cases.find((c) => c.id === id)!;

function run(id: string, information?: "expected" | "observed", vcov?: "lme4" | "laplace"): FitResult {
  const c = byId(id);
  return fit(readFrameFile(join(fixtures, "data", c.data)), c.formula, { family: c.family, link: c.link, information, vcov });
}
const row = (r: FitResult, term: string) => r.json.fixef.find((f) => f.term === term)!;
const rel = (got: number, want: number) => Math.abs(got - want) / Math.abs(want);

/** logLik to tolLL; every estimate within 1% of its SE; every SE within seTol (relative) */
function agrees(r: FitResult, ref: any, tolLL: number, seTol: number, skip: string[] = []): void {
  assert.ok(Math.abs(r.json.logLik - ref.logLik) <= tolLL, `logLik ${r.json.logLik} want ${ref.logLik}`);
  for (const [term, est] of Object.entries(ref.fixef as Record<string, number>)) {
    if (skip.includes(term)) continue;
    const f = row(r, term);
    assert.ok(Math.abs(f.estimate - est) <= 0.01 * ref.se[term], `${term}: ${f.estimate} want ${est}`);
    assert.ok(rel(f.se, ref.se[term]) <= seTol, `se ${term}: ${f.se} want ${ref.se[term]}`);
  }
}

test("cloglog with resistant survivors at high doses: glmmTMB's optimum (the clamped link gave −542)", () => {
  const c = byId("cloglog_doses");
  const r = run("cloglog_doses");
  agrees(r, c.reference, 1e-3, 0.005);
  assert.equal(r.json.converged, true);
  // lme4's Laplace (Fisher information) is another approximation; it fails on these data (PIRLS step-halving)
  const e = run("cloglog_doses", "expected");
  assert.ok(e.json.logLik < r.json.logLik + 5 && e.json.logLik > c.reference.logLik - 5, `expected-information logLik ${e.json.logLik}`);
});

for (const link of ["logit", "probit"]) {
  test(`quasi-complete separation (${link}): lme4's fit, SEs of the identified terms as glmmTMB's, the separating term NA and named`, () => {
    const c = byId(`separation_${link}`);
    const r = run(`separation_${link}`, "expected");
    agrees(r, c.reference, 1e-3, Infinity, ["x2"]);
    assert.ok(row(r, "x2").estimate < -20, "x2 diverges");
    assert.equal(row(r, "x2").se, null);
    assert.ok(r.json.warnings.some((w) => /^estimate of x2 diverges: every row it touches is fitted at the boundary of the response's range \(separation\); standard error NA/.test(w)), r.json.warnings.join("\n"));
    assert.ok(r.json.warnings.some((w) => /separation by x2/.test(w)), r.json.warnings.join("\n"));
    const o = run(`separation_${link}`, "observed");
    for (const term of ["(Intercept)", "x"]) assert.ok(rel(row(o, term).se, c.reference.se_glmmTMB[term]) < 0.005, `se ${term}: ${row(o, term).se} want ${c.reference.se_glmmTMB[term]}`);
  });
}

test("Poisson, crossed effects, a level with only zero counts: finite SEs for the identified terms (glmmTMB)", () => {
  const c = byId("poisson_zero_level");
  const r = run("poisson_zero_level");
  agrees(r, c.reference, 1e-4, 1e-3, ["trtd"]);
  assert.equal(row(r, "trtd").se, null);
  assert.ok(row(r, "trtd").estimate < -20);
  assert.ok(r.json.warnings.some((w) => /^estimate of trtd diverges/.test(w)), r.json.warnings.join("\n"));
  assert.ok(!r.json.warnings.some((w) => /not positive definite/.test(w)));
});

test("random-slope correlation at −1: lme4's logLik, converged, in a bounded number of evaluations", () => {
  const c = byId("boundary_slope");
  const r = run("boundary_slope");
  assert.ok(r.json.logLik >= c.reference.logLik - 1e-3, `logLik ${r.json.logLik} below lme4's ${c.reference.logLik}`);
  assert.ok(r.json.logLik <= c.reference.logLik + 1e-2);
  assert.equal(r.json.converged, true);
  assert.ok(r.fit.kind === "glmm" && r.fit.evaluations < 1000, `evaluations ${r.fit.kind === "glmm" ? r.fit.evaluations : ""}`);
  const corr = r.json.varcorr.find((v) => v.term2 === "xs");
  assert.ok(corr && Math.abs(corr.corr! + 1) < 1e-3, `correlation ${corr?.corr}`);
  for (const term of ["xs"]) assert.ok(rel(row(r, term).estimate, c.reference.fixef[term]) < 1e-3);
  // lme4's own SEs are off 4× here (xl ≈ 2000 beside the intercept); lme4 with xl centred agrees with ours
  for (const term of ["xs", "xl"]) assert.ok(rel(row(r, term).se!, c.se_centred[term]) < 0.01, `se ${term}: ${row(r, term).se} want ${c.se_centred[term]}`);
});

for (const id of ["bad_scales_binomial", "bad_scales_poisson"]) {
  test(`${id}: predictors on scales 1e-3…1e4 — SEs as glmmTMB's exact Hessian to 0.05%, and the rescale warning`, () => {
    const c = byId(id);
    // glmmTMB's reference: the exact Laplace Hessian, not lme4's (the default)
    const r = run(id, undefined, "laplace");
    agrees(r, c.reference, 1e-4, 5e-4);
    assert.ok(r.json.warnings.some((w) => /rescale/.test(w)), r.json.warnings.join("\n"));
  });
}

test("rescaling a predictor changes nothing but its coefficient's units", () => {
  const c = byId("bad_scales_binomial");
  const frame = readFrameFile(join(fixtures, "data", c.data));
  const a = fit(frame, "y ~ a + b + c + (1 | g)", { family: "binomial" });
  const b = fit(frame, "y ~ I(a * 1000) + I(b / 10000) + c + (1 | g)", { family: "binomial" });
  assert.ok(Math.abs(a.json.logLik - b.json.logLik) < 1e-6);
  const scale = [1, 1e3, 1e-4, 1];
  a.json.fixef.forEach((f, j) => {
    assert.ok(rel(b.json.fixef[j].se! * scale[j], f.se!) < 2e-4, `${f.term}: ${b.json.fixef[j].se! * scale[j]} vs ${f.se}`);
    assert.ok(Math.abs(b.json.fixef[j].estimate * scale[j] - f.estimate) < 1e-4 * f.se!, `${f.term} estimate`);
  });
});

for (const id of ["gamma_inverse", "poisson_sqrt"]) {
  test(`${id}: fitted against glmmTMB`, () => {
    const c = byId(id);
    const r = run(id);
    agrees(r, c.reference, 1e-4, 2e-3);
    for (const v of c.reference.varcorr) {
      const got = r.json.varcorr.find((w) => w.group === v.group)!;
      assert.ok(rel(got.sd!, v.sdcor) < 5e-3, `sd ${got.sd} want ${v.sdcor}`);
    }
    if (c.family === "Gamma") assert.ok(rel(r.json.sigma!, c.reference.sigma) < 5e-3, `sigma ${r.json.sigma} want ${c.reference.sigma}`);
  });
}

test("non-integer binomial proportions without weights warn (R: non-integer #successes); with trials as weights they do not", () => {
  const frame = readFrameFile(join(fixtures, "data", "cbpp.csv"));
  const noW = fit(frame, "I(incidence / size) ~ period + (1 | herd)", { family: "binomial" });
  assert.ok(noW.json.warnings.some((w) => /^non-integer number of successes in a binomial model \(data row 1: 0\.142857.*--weights/.test(w)), noW.json.warnings.join("\n"));
  const withW = fit(frame, "I(incidence / size) ~ period + (1 | herd)", { family: "binomial", weights: "size" });
  assert.ok(!withW.json.warnings.some((w) => /non-integer/.test(w)), withW.json.warnings.join("\n"));
  const cb = fit(frame, "cbind(incidence, size - incidence) ~ period + (1 | herd)", { family: "binomial" });
  assert.ok(Math.abs(cb.json.logLik - withW.json.logLik) < 1e-6);
});

test("the separation warning is worded from what produced the extreme probabilities", async () => {
  const { separationWarning } = await import("../../src/glmm/separation.js");
  const X = Float64Array.from([1, 1, 1, 1, 0, 1, 2, 3]); // intercept, x
  const ms = { X, p: 2, n: 4, offset: null } as any;
  const base = { family: "binomial", beta: Float64Array.from([0.5, 0.2]), diverging: [] as string[] };
  // η from the random effects (fixed part ≤ 1.1): finite estimates, said so
  const re = separationWarning({ ...base, eta: Float64Array.from([0.5, 25, 0.9, 1.1]), fitted: Float64Array.from([0.62, 1 - 1e-11, 0.71, 0.75]) } as any, ms)!;
  assert.match(re, /in 1 of 4 rows; the fixed-effect estimates are finite — the extreme probabilities come from the predicted random effects/);
  // η from the fixed part: separation by the fixed effects
  const fx = separationWarning({ ...base, beta: Float64Array.from([0, 12]), eta: Float64Array.from([0, 12, 24, 36]), fitted: Float64Array.from([0.5, 0.99999, 1 - 1e-11, 1 - 1e-16]) } as any, ms)!;
  assert.match(fx, /in 2 of 4 rows: \(quasi-\)complete separation — the fixed effects alone put the linear predictor at up to ±36\.0 in 2 of them/);
  // a named diverging term
  const dv = separationWarning({ ...base, diverging: ["x2"], eta: Float64Array.from([0, -400, 0, 0]), fitted: Float64Array.from([0.5, 0, 0.5, 0.5]) } as any, ms)!;
  assert.match(dv, /separation by x2, whose estimate diverges/);
  assert.equal(separationWarning({ ...base, eta: new Float64Array(4), fitted: new Float64Array(4).fill(0.5) } as any, ms), null);
});
