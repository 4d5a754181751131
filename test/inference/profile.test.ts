// Profile-likelihood intervals against lme4 1.1-31's confint(method = "profile"), and Wald intervals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { confint } from "../../src/inference/confint.js";
import { fitModel } from "../../src/inference/model.js";
import { profileConfint } from "../../src/inference/profile.js";
import { data, reference } from "./helpers.js";

const ref = reference();

/** every limit within 2% of the reference interval's width */
function compare(rows: { parameter: string; lower: number; upper: number }[], expected: { parameter: string; lower: number; upper: number }[]): void {
  assert.equal(rows.length, expected.length);
  for (const e of expected) {
    const r = rows.find((x) => x.parameter === e.parameter);
    assert.ok(r, `missing ${e.parameter} in ${rows.map((x) => x.parameter).join(", ")}`);
    const w = e.upper - e.lower;
    assert.ok(Math.abs(r.lower - e.lower) <= 0.02 * w, `${e.parameter} lower ${r.lower} vs ${e.lower}`);
    assert.ok(Math.abs(r.upper - e.upper) <= 0.02 * w, `${e.parameter} upper ${r.upper} vs ${e.upper}`);
  }
}

test("profile intervals on sleepstudy (REML fit, profiled by ML as lme4) match lme4", () => {
  const c = ref.profile_ci_sleepstudy;
  const m = fitModel(data("sleepstudy.csv"), c.formula, { reml: true });
  const res = profileConfint(m, { level: c.level });
  compare(res.rows, c.rows);
  assert.ok(res.warnings.some((w) => /ML/.test(w)));
});

test("profile intervals on cbpp (binomial GLMM, Laplace) match lme4", () => {
  const c = ref.profile_ci_cbpp;
  const m = fitModel(data("cbpp.csv"), c.formula, { family: "binomial" });
  const res = profileConfint(m, { level: c.level });
  compare(res.rows, c.rows);
});

test("parm selects parameters; unknown names are user errors; a lower level narrows", () => {
  const m = fitModel(data("sleepstudy.csv"), "Reaction ~ Days + (Days | Subject)", {});
  const a = confint(m, { method: "profile", parm: ["Days"], level: 0.95 });
  const b = confint(m, { method: "profile", parm: ["Days"], level: 0.8 });
  assert.equal(a.rows.length, 1);
  assert.ok(b.rows[0].lower > a.rows[0].lower && b.rows[0].upper < a.rows[0].upper);
  assert.throws(() => confint(m, { method: "profile", parm: ["nope"] }), /unknown parameter 'nope'/);
});

test("Wald intervals are estimate ± 1.96 SE for the fixed effects", () => {
  const m = fitModel(data("sleepstudy.csv"), "Reaction ~ Days + (Days | Subject)", {});
  const w = confint(m, { method: "Wald" });
  assert.deepEqual(w.rows.map((r) => r.parameter), ["(Intercept)", "Days"]);
  const se = Math.sqrt(m.fit.vcov[3]);
  assert.ok(Math.abs(w.rows[1].upper - (m.fit.beta[1] + 1.959963984540054 * se)) < 1e-9);
  // lme4: confint(fm1, method = "Wald")["Days", ] = 7.43759393, 13.49697799
  assert.ok(Math.abs(w.rows[1].lower - 7.43759393) < 1e-4 && Math.abs(w.rows[1].upper - 13.49697799) < 1e-4);
});
