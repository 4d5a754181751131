// The beta family with a dispersion formula (issue 21: glmmTMB's beta_family() with dispformula,
// per-row precision φ_i = exp(X_d δ)) through the CLI, against glmmTMB 1.1.5
// (test/fixtures/reference/beta_disp.R → beta_disp.json, data sim_beta_disp.csv): logLik within
// 1e-3 and never below (1e-6 slack for rounding), coefficients within 2% of their SE, SEs within
// 2%; then predict, simulate and icc on the same model.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const run = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });
const ref = JSON.parse(readFileSync(join(root, "test/fixtures/reference/beta_disp.json"), "utf8")).models[0];
const model = ["--data", "test/fixtures/data/sim_beta_disp.csv", "--formula", ref.args.formula, "--family", "beta"];
const json = (...args: string[]) => {
  const r = run(...args, "--format", "json");
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
};

test("beta with --disp '~ s': logLik, conditional and dispersion coefficients and SEs as glmmTMB", () => {
  const d = json("fit", ...model, "--disp", ref.args.disp);
  assert.ok(d.logLik >= ref.logLik - 1e-6 && d.logLik - ref.logLik < 1e-3, `logLik ${d.logLik} vs ${ref.logLik}`);
  assert.equal(d.df, ref.df);
  for (const [rows, b] of [[d.fixef, ref.cond], [d.disp, ref.disp]] as const) {
    assert.deepEqual(rows.map((r: { term: string }) => r.term), b.names);
    b.names.forEach((name: string, j: number) => {
      assert.ok(Math.abs(rows[j].estimate - b.estimate[j]) <= 0.02 * b.se[j], `${name}: ${rows[j].estimate} vs ${b.estimate[j]}`);
      assert.ok(Math.abs(rows[j].se / b.se[j] - 1) <= 0.02, `${name} SE: ${rows[j].se} vs ${b.se[j]}`);
    });
  }
  assert.ok(Math.abs(d.varcorr[0].sd / ref.re_sd[0] - 1) < 0.02, `random-effect sd ${d.varcorr[0].sd} vs ${ref.re_sd[0]}`);
  assert.deepEqual(d.warnings, []);
});

test("beta with --disp '~ 1' is the beta fit with its one precision (same logLik, φ = exp(intercept))", () => {
  const a = json("fit", ...model, "--disp", "~ 1"), b = json("fit", ...model);
  assert.ok(Math.abs(a.logLik - b.logLik) < 1e-6, `${a.logLik} vs ${b.logLik}`);
  const phi = b.family_params.find((p: { name: string }) => p.name === "phi");
  assert.ok(Math.abs(Math.exp(a.disp[0].estimate) / phi.estimate - 1) < 1e-4, `${Math.exp(a.disp[0].estimate)} vs ${phi.estimate}`);
});

test("beta --disp: predict on the response and link scales as glmmTMB's predict()", () => {
  for (const [type, want] of [["response", ref.predict_response], ["link", ref.predict_link]] as const) {
    const p = json("predict", ...model, "--disp", ref.args.disp, "--type", type).prediction;
    want.forEach((v: number, i: number) => assert.ok(Math.abs(p[i] - v) < 1e-5, `${type} row ${i + 1}: ${p[i]} vs ${v}`));
  }
});

test("beta --disp: simulate draws each row with its own precision; icc refuses in one line", () => {
  // conditional on the fitted modes: E[(y − μ)²(1 + φ_i)/(μ(1 − μ))] = 1 in each level of s, with φ_i
  // the level's precision (33.4 and 7.3: with one φ for all rows the two means would be ≈ 0.4 and 2.2)
  const nsim = 20;
  const sim = json("simulate", ...model, "--disp", ref.args.disp, "--nsim", String(nsim), "--seed", "7", "--conditional");
  const mu = json("predict", ...model, "--disp", ref.args.disp, "--type", "response").prediction as number[];
  const [phiLo, phiHi] = [Math.exp(ref.disp.estimate[0] + ref.disp.estimate[1]), Math.exp(ref.disp.estimate[0])];
  const s = readFileSync(join(root, "test/fixtures/data/sim_beta_disp.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",")[1].replace(/"/g, ""));
  const acc = { lo: [0, 0], hi: [0, 0] };
  for (let k = 0; k < nsim; k++) {
    const y = sim.simulations[k] as number[];
    y.forEach((v, i) => {
      const lvl = s[i] as "lo" | "hi", phi = lvl === "lo" ? phiLo : phiHi;
      acc[lvl][0] += ((v - mu[i]) ** 2 * (1 + phi)) / (mu[i] * (1 - mu[i]));
      acc[lvl][1]++;
    });
  }
  for (const lvl of ["lo", "hi"] as const) {
    const m = acc[lvl][0] / acc[lvl][1];
    assert.ok(Math.abs(m - 1) < 0.1, `level ${lvl}: standardized squared residual mean ${m}`);
  }
  const r = run("icc", ...model, "--disp", ref.args.disp);
  assert.notEqual(r.status, 0);
  assert.equal(r.stderr.trim(), "glmm: ICC and R² need one dispersion parameter: not available with a --disp formula");
});

test("--disp with betabinomial and tweedie is refused with the families that take it", () => {
  const r = run("fit", "--data", "test/fixtures/data/sim_beta_disp.csv", "--formula", "y ~ x + (1 | g)", "--family", "tweedie", "--disp", "~ s");
  assert.notEqual(r.status, 0);
  assert.equal(r.stderr.trim(), "glmm: --disp is not available for family tweedie yet (negative_binomial, nbinom1, gaussian, Gamma and beta take it)");
});
