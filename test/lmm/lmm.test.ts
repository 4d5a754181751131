// Linear mixed models against lme4 1.1-31 (test/fixtures/reference/cases.json), with tolerances
// much tighter than the conformance runner's: the profiled objective at lme4's optimum must agree
// to 1e-6, and our optimum must not be worse than lme4's.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFrameFile } from "../../src/cli/io.js";
import { buildModel } from "../../src/formula/index.js";
import { LinearMixedModel, fitLMM } from "../../src/lmm/lmm.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures");
const cases = JSON.parse(readFileSync(join(fixtures, "reference", "cases.json"), "utf8")).cases as any[];
const ref = (id: string) => cases.find((c) => c.id === id);

for (const id of ["lmm_sleepstudy_reml", "lmm_sleepstudy_ml", "lmm_sleepstudy_uncorrelated", "lmm_penicillin_crossed", "lmm_pastes_nested", "lmm_batches_three_levels"]) {
  test(`${id}: optimum at least lme4's, estimates within 0.1% of their SE`, () => {
    const c = ref(id);
    const ms = buildModel(readFrameFile(join(fixtures, "data", c.data)), c.formula);
    const f = fitLMM(ms, { reml: c.options.REML });
    assert.ok(f.logLik >= c.reference.logLik - 1e-6, `logLik ${f.logLik} < ${c.reference.logLik}`);
    assert.ok(f.logLik <= c.reference.logLik + 1e-4, `logLik ${f.logLik} far above lme4's ${c.reference.logLik}`);
    f.xnames.forEach((nm, j) => {
      const se = c.reference.se[nm];
      assert.ok(Math.abs(f.beta[j] - c.reference.fixef[nm]) < 1e-3 * se, `${nm}: ${f.beta[j]} vs ${c.reference.fixef[nm]}`);
      assert.ok(Math.abs(Math.sqrt(f.vcov[j + j * f.p]) - se) < 1e-3 * se, `se ${nm}`);
    });
    const resid = c.reference.varcorr.find((v: any) => v.group === "Residual");
    assert.ok(Math.abs(f.sigma - resid.sdcor) < 1e-4 * resid.sdcor, `sigma ${f.sigma} vs ${resid.sdcor}`);
    assert.equal(f.singular, Boolean(c.reference.singular));
  });
}

test("REML criterion at lme4's θ equals lme4's to 1e-5 (sleepstudy, correlated slope)", () => {
  const c = ref("lmm_sleepstudy_reml");
  const ms = buildModel(readFrameFile(join(fixtures, "data", c.data)), c.formula);
  const m = new LinearMixedModel(ms, { reml: true });
  // θ from lme4's variance components: λ = chol(Σ)/σ
  const sig = 25.59179572, s1 = 24.74065799, s2 = 5.922137659, r = 0.06555123824;
  const th = [s1 / sig, (r * s2) / sig, (s2 * Math.sqrt(1 - r * r)) / sig];
  assert.ok(Math.abs(m.objective(th) - -2 * c.reference.logLik) < 1e-5);
});

test("conditional variances: sleepstudy condsd of (Intercept) for subject 308 (lme4: 12.07086)", () => {
  const c = ref("lmm_sleepstudy_reml");
  const ms = buildModel(readFrameFile(join(fixtures, "data", c.data)), c.formula);
  const f = fitLMM(ms, { reml: true });
  const re = f.ranef[0];
  const l = re.levels.indexOf("308");
  // lme4: ranef(fm1)$Subject["308", ] = (2.2585, 9.1990); attr(, "postVar")[1,1,1] = 145.7056, [2,2,1] = 5.312283
  assert.ok(Math.abs(re.values[0][l] - 2.258551) < 1e-3);
  assert.ok(Math.abs(re.values[1][l] - 9.198976) < 1e-3);
  assert.ok(Math.abs(re.condsd![0][l] - Math.sqrt(145.7056)) < 1e-3);
  assert.ok(Math.abs(re.condsd![1][l] - Math.sqrt(5.312283)) < 1e-4);
});

test("a model without random effects is a clear error", () => {
  const c = ref("lmm_sleepstudy_reml");
  const ms = buildModel(readFrameFile(join(fixtures, "data", c.data)), "Reaction ~ Days");
  assert.throws(() => fitLMM(ms), /no random-effect terms/);
});

test("prior weights: lmer(Reaction ~ Days + (Days | Subject), weights = 1 + Days %% 3), REML and ML", () => {
  // lme4 1.1-31: REML logLik −866.771773233, β = (249.9507015059, 10.6773686366),
  // SE = (7.06841648238, 1.67061607849), σ = 31.8060474351; ML logLik −871.020485942
  const frame = readFrameFile(join(fixtures, "data", "sleepstudy_weights.csv"));
  const ms = buildModel(frame, "Reaction ~ Days + (Days | Subject)");
  const w = Float64Array.from(ms.rows, (r) => (frame.column("w").values as Float64Array)[r]);
  const f = fitLMM(ms, { reml: true, weights: w });
  assert.ok(Math.abs(f.logLik - -866.771773233) < 1e-6, `logLik ${f.logLik}`);
  assert.ok(Math.abs(f.beta[0] - 249.9507015059) < 1e-4 && Math.abs(f.beta[1] - 10.6773686366) < 1e-5);
  assert.ok(Math.abs(Math.sqrt(f.vcov[0]) - 7.06841648238) < 1e-4 && Math.abs(Math.sqrt(f.vcov[3]) - 1.67061607849) < 1e-5);
  assert.ok(Math.abs(f.sigma - 31.8060474351) < 1e-4);
  const g = fitLMM(ms, { reml: false, weights: w });
  assert.ok(Math.abs(g.logLik - -871.020485942) < 1e-6, `ML logLik ${g.logLik}`);
});

test("a known covariance K = c·I beside a larger crossed term (the dense rest of the system): lme4's penicillin fit, σ scaled by 1/√c", async () => {
  const { fit } = await import("../../src/fit.js");
  const c = ref("lmm_penicillin_crossed");
  const frame = readFrameFile(join(fixtures, "data", c.data));
  const labels = ["A", "B", "C", "D", "E", "F"];
  const plain = fit(frame, c.formula, {});
  for (const scale of [1, 4]) {
    const K = new Float64Array(36);
    for (let i = 0; i < 6; i++) K[i * 7] = scale;
    const r = fit(frame, c.formula, { covariances: [{ group: "sample", labels, K }] });
    assert.ok(Math.abs(r.json.logLik - c.reference.logLik) < 1e-6, `K = ${scale}I: logLik ${r.json.logLik} want ${c.reference.logLik}`);
    const sd = (x: typeof r) => x.json.varcorr.find((v) => v.group === "sample")!.sd!;
    assert.ok(Math.abs(sd(r) * Math.sqrt(scale) - sd(plain)) < 1e-5 * sd(plain), `K = ${scale}I: sd ${sd(r)} (plain ${sd(plain)})`);
  }
  // asked for the sparse route, a term with a known covariance (here K_ij = 0.6^|i−j|) still stays
  // in the dense rest: the same fit as the default route's
  const { PLSSystem } = await import("../../src/lmm/system.js");
  const Kar = new Float64Array(36);
  for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) Kar[i + 6 * j] = 0.6 ** Math.abs(i - j);
  const dense = fit(frame, c.formula, { covariances: [{ group: "sample", labels, K: Kar }] });
  assert.ok(Math.abs(dense.json.logLik - plain.json.logLik) > 0.1, "K matters");
  const saved = PLSSystem.defaultRoute;
  PLSSystem.defaultRoute = "sparse";
  try {
    const r = fit(frame, c.formula, { covariances: [{ group: "sample", labels, K: Kar }] });
    assert.ok(Math.abs(r.json.logLik - dense.json.logLik) < 1e-8, `sparse route asked: logLik ${r.json.logLik} want ${dense.json.logLik}`);
  } finally {
    PLSSystem.defaultRoute = saved;
  }
});
