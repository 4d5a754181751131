// Standard errors and confidence intervals of zero-inflated predictions (issue 21) through
// `glmm predict`, against glmmTMB 1.1.5's predict(se.fit = TRUE, re.form = NA) on Salamanders ZIP
// (test/fixtures/reference/zi_predict_se.R → zi_predict_se.json): the count part's η SE and the
// delta-method SEs of μ (μ·SE(η)) and π (π(1 − π)·SE(logit π)) within 1% (the fits' SEs agree to
// 0.4%). The intervals are the link-scale ones transformed: exp(η ± z·SE), plogis(logit ± z·SE).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });
type Part = { fit: number[]; se: number[] };
const ref: { args: Record<string, string>; link: Part; conditional: Part; zprob: Part } = JSON.parse(readFileSync(join(root, "test/fixtures/reference/zi_predict_se.json"), "utf8"));
const Z = 1.959963984540054;

function predictJSON(...extra: string[]) {
  const a = ref.args;
  const r = glmm("predict", "--data", "test/fixtures/data/salamanders.csv", "--ref", "spp=GP", "--ref", "mined=yes", "--formula", a.formula, "--family", a.family, "--zi", a.zi,
    "--level", "population", "--format", "json", ...extra);
  return r;
}
const close = (a: number, b: number, rel: number) => Math.abs(a - b) <= rel * Math.abs(b);

test("zero-inflated predict --type conditional --se --interval confidence: η's SE and μ's delta-method SE as glmmTMB's", () => {
  const r = predictJSON("--type", "conditional", "--se", "--interval", "confidence");
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  for (let i = 0; i < 10; i++) {
    const mu = d.prediction[i], se = d.se_link_population[i];
    assert.ok(close(mu, ref.conditional.fit[i], 1e-4), `row ${i + 1} μ ${mu} vs ${ref.conditional.fit[i]}`);
    assert.ok(close(se, ref.link.se[i], 0.01), `row ${i + 1} SE(η) ${se} vs ${ref.link.se[i]}`);
    assert.ok(close(mu * se, ref.conditional.se[i], 0.01), `row ${i + 1} SE(μ) ${mu * se} vs ${ref.conditional.se[i]}`);
    assert.ok(close(d.lower[i], mu * Math.exp(-Z * se), 1e-9) && close(d.upper[i], mu * Math.exp(Z * se), 1e-9), `row ${i + 1} interval`);
  }
});

test("zero-inflated predict --type zprob --se --interval confidence: the zero-inflation logit's SE, π's delta-method SE as glmmTMB's", () => {
  const r = predictJSON("--type", "zprob", "--se", "--interval", "confidence");
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  const logit = (p: number) => Math.log(p / (1 - p));
  for (let i = 0; i < 10; i++) {
    const p = d.prediction[i], se = d.se_link_population[i];
    assert.ok(close(p, ref.zprob.fit[i], 1e-4), `row ${i + 1} π ${p} vs ${ref.zprob.fit[i]}`);
    assert.ok(close(p * (1 - p) * se, ref.zprob.se[i], 0.01), `row ${i + 1} SE(π) ${p * (1 - p) * se} vs ${ref.zprob.se[i]}`);
    assert.ok(Math.abs(logit(d.upper[i]) - logit(p) - Z * se) < 1e-9 && Math.abs(logit(p) - logit(d.lower[i]) - Z * se) < 1e-9, `row ${i + 1} interval`);
  }
});

test("zero-inflated predict --type response --se: the delta-method SE of (1 − π)μ with the joint covariance of both parts, as glmmTMB's", () => {
  // (zi_downstream.R: the same model's predict(type = "response", se.fit = TRUE, re.form = NA); the
  // zi and count coefficients' cross-covariance moves these SEs by up to 5%)
  const zd: { id: string; se_population: Record<string, Part> }[] = JSON.parse(readFileSync(join(root, "test/fixtures/reference/zi_downstream.json"), "utf8")).models;
  const want = zd.find((m) => m.id === "sal_zip")!.se_population.response;
  const r = predictJSON("--type", "response", "--se", "--interval", "confidence");
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  for (let i = 0; i < 10; i++) {
    const y = d.prediction[i], se = d.se_population[i];
    assert.ok(close(y, want.fit[i], 1e-4), `row ${i + 1} response ${y} vs ${want.fit[i]}`);
    assert.ok(close(se, want.se[i], 0.005), `row ${i + 1} SE ${se} vs ${want.se[i]}`);
    assert.ok(close(d.lower[i], y * Math.exp((-Z * se) / y), 1e-9) && close(d.upper[i], y * Math.exp((Z * se) / y), 1e-9), `row ${i + 1} interval`);
  }
});

test("zero-inflated predict: a response interval at the conditional level is refused (it would carry the fixed effects' uncertainty only)", () => {
  const r = glmm("predict", "--data", "test/fixtures/data/salamanders.csv", "--formula", ref.args.formula, "--family", ref.args.family, "--zi", ref.args.zi, "--type", "response", "--interval", "confidence");
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /intervals of --type response of a zero-inflated model are for population-level predictions \(--level population\)/);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
});
