// Zero-inflation and beta models without random effects (glmmTMB's glmmTMB(count ~ spp + mined, ziformula = ~ mined)):
// the numbers are checked against glmmTMB in zi-disp.test.ts (zi_fixed.json); here what the
// commands print for them — a summary without a random-effects section, icc refused in one line.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const run = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });
const model = ["--data", "test/fixtures/data/salamanders.csv", "--ref", "spp=GP", "--ref", "mined=yes", "--formula", "count ~ spp + mined", "--family", "poisson", "--zi", "~ mined"];

test("ZIP without random effects: the summary has no random-effects section, icc refuses", () => {
  const r = run("fit", ...model);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Generalized linear model fit by maximum likelihood\n Family: poisson {2}\( log \)\n/);
  assert.doesNotMatch(r.stdout, /Random effects:/);
  assert.match(r.stdout, /\nNumber of obs: 644\n/);
  // glmmTMB 1.1.5 (zi_fixed.json): logLik −901.7830903
  assert.match(r.stdout, /\n1823\.6 1868\.2 -901\.8 {3}1803\.6 {6}634\n/);
  assert.match(r.stdout, /Zero-inflation model:\n.*\n\(Intercept\) {3}1\.0670 {5}0\.1999/);
  const i = run("icc", ...model);
  assert.notEqual(i.status, 0);
  assert.equal(i.stderr.trim(), "glmm: 'count ~ spp + mined' has no random-effect terms: ICC and R² need a mixed model");
});

test("beta without random effects as glmmTMB (zi_fixed.json): logLik, coefficients and φ", () => {
  const ref = JSON.parse(readFileSync(join(root, "test/fixtures/reference/zi_fixed.json"), "utf8")).models.find((m: { id: string }) => m.id === "fx_beta");
  const r = run("fit", "--data", "test/fixtures/data/sim_beta_disp.csv", "--formula", "y ~ x", "--family", "beta", "--format", "json");
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.ok(d.logLik >= ref.logLik - 1e-6 && d.logLik - ref.logLik < 1e-3, `logLik ${d.logLik} vs ${ref.logLik}`);
  ref.cond.names.forEach((name: string, j: number) => {
    assert.ok(Math.abs(d.fixef[j].estimate - ref.cond.estimate[j]) <= 0.02 * ref.cond.se[j], `${name}: ${d.fixef[j].estimate} vs ${ref.cond.estimate[j]}`);
    assert.ok(Math.abs(d.fixef[j].se / ref.cond.se[j] - 1) <= 0.02, `${name} SE: ${d.fixef[j].se} vs ${ref.cond.se[j]}`);
  });
  // glmmTMB's sigma() of a beta fit is its precision φ
  assert.ok(Math.abs(d.family_params[0].estimate / ref.sigma - 1) < 1e-4, `phi ${d.family_params[0].estimate} vs ${ref.sigma}`);
});

test("ZINB2 without random effects at the zi boundary: the LRT's model without zero-inflation is the NB2 GLM", () => {
  // It used to exit with "the formula has no random-effect terms" (the reduced model went to the
  // mixed-model route). glmmTMB 1.1.5: glmmTMB(count ~ spp + mined, family = nbinom2) logLik
  // −837.65298661 (its zi fit itself has no PD Hessian: logLik NA).
  const r = run("fit", "--data", "test/fixtures/data/salamanders.csv", "--ref", "spp=GP", "--ref", "mined=yes", "--formula", "count ~ spp + mined", "--family", "nbinom2", "--zi", "~ spp", "--format", "json");
  assert.equal(r.status, 0, r.stderr);
  const b = JSON.parse(r.stdout).zi_boundary;
  assert.ok(Math.abs(b.logLik_without - -837.65298661) < 1e-6, `logLik without zi ${b.logLik_without}`);
  assert.equal(b.df, 7);
  assert.match(r.stderr, /likelihood-ratio test against the model without zero-inflation: chi-square = 12\.94, df = 7/);
});
