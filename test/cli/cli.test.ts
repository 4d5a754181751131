// The command line as a user meets it: JSON that is byte-identical run to run, text summaries,
// and one-line errors with a non-zero exit (never a stack trace).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const data = (f: string) => join(root, "test", "fixtures", "data", f);
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { encoding: "utf8" });

test("fit --format json is deterministic (byte-identical twice)", () => {
  const args = ["fit", "--data", data("cbpp.csv"), "--family", "binomial", "--formula", "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", "--format", "json"];
  const a = glmm(...args), b = glmm(...args);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  const j = JSON.parse(a.stdout);
  assert.equal(j.nobs, 56);
  assert.deepEqual(j.groups, { herd: 15 });
  assert.ok(Math.abs(j.logLik - -92.02656639) < 1e-3);
});

test("fit prints an lme4-style summary", () => {
  const r = glmm("fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (Days | Subject)");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Linear mixed model fit by REML/);
  assert.match(r.stdout, /REML criterion at convergence: 1743\.6/);
  assert.match(r.stdout, /Number of obs: 180, groups:  Subject, 18/);
  assert.match(r.stdout, /Days\s+10\.467\s+1\.546\s+17\.000\s+6\.771\s+3\.26e-06/);
});

for (const [what, args, pattern] of [
  ["missing data file", ["fit", "--data", "nope.csv", "--formula", "y ~ x + (1|g)"], /cannot read data file 'nope\.csv'/],
  ["unknown column", ["fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Dayz + (1 | Subject)"], /Dayz/],
  ["syntax error", ["fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ (Days | Subject"], /position/],
  ["unknown family", ["fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (1 | Subject)", "--family", "weibull"], /unknown family 'weibull'/],
  ["non-integer Poisson counts", ["fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (1 | Subject)", "--family", "poisson"], /non-negative integer counts/],
  ["code in a formula", ["fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ require('fs') + (1 | Subject)"], /unknown function 'require'|not allowed|unexpected/],
] as const) {
  test(`one-line error: ${what}`, () => {
    const r = glmm(...args);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, pattern);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.equal(r.stdout, "");
  });
}

test("the inference commands take --covariance: icc of the strains tree is the phylogenetic signal", () => {
  const base = ["--data", data("strains.csv"), "--family", "binomial", "--formula", "severe ~ gene + (1 | strain)", "--covariance", `strain=phylo:${data("strains.nwk")}`, "--format", "json"];
  const r = glmm("icc", ...base);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  // σ²/(σ² + π²/3) with lme4's σ² = 0.8235² (cases.json): 0.1709
  assert.ok(Math.abs(j.icc_adjusted - 0.1709) < 1e-3, JSON.stringify(j));
  const without = JSON.parse(glmm("icc", ...base.slice(0, 6), "--format", "json").stdout);
  assert.notEqual(without.icc_adjusted.toFixed(3), j.icc_adjusted.toFixed(3));
  const ranef = glmm("ranef", ...base);
  assert.equal(ranef.status, 0, ranef.stderr);
  const text = glmm("fit", ...base.slice(0, 8));
  assert.match(text.stdout, /strain \(Intercept\) 0\.678\d\s+0\.823\d\n strain: levels correlated by the known covariance of strains\.nwk\n/);
  const bad = glmm("icc", ...base.slice(0, 6), "--covariance", "strain=phylo:nope.nwk");
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^glmm: cannot read tree file 'nope\.nwk': no such file\n$/);
});

test("a run registers only its command: each table entry registers the command of its name; help and --version still see them all", async () => {
  const { commands } = await import("../../src/cli/commands/index.js");
  const { Command } = await import("commander");
  for (const [name, register] of commands) {
    const p = new Command("glmm");
    register(p);
    assert.deepEqual(p.commands.map((c) => c.name()), [name]);
  }
  const help = glmm("--help");
  assert.equal(help.status, 0, help.stderr);
  for (const [name] of commands) assert.match(help.stdout, new RegExp(`^  ${name} `, "m"), name);
  assert.match(glmm("--version").stdout, /^glmm \d+\.\d+\.\d+ \(Node /);
  const wrong = glmm("fitt");
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /unknown command 'fitt'/);
});
