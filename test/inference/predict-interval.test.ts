// `glmm predict --interval` against intervals built in R from lme4's pieces
// (test/fixtures/reference/predict_intervals.R → predict_intervals.json): x'V x, postVar, VarCorr,
// σ². Measured: LMM limits within 2e-6 relative; GLMM (cbpp, response scale) within 5e-4, the
// difference between glmm's and lme4's optimum.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fixtures, reference, relClose, tempCsv } from "./helpers.js";

const ref = reference("predict_intervals.json");
const root = join(fixtures, "..", "..");
const BIN = join(root, "bin", "glmm.js");
const csv = tempCsv;
const sleepNew = csv("sleep.csv", ref.lmm.newdata);
const cbppNew = csv("cbpp.csv", ref.glmm.newdata);
const run = (args: string[]) => JSON.parse(execFileSync(process.execPath, [BIN, "predict", ...args, "--format", "json"], { encoding: "utf8", cwd: root, stdio: ["ignore", "pipe", "pipe"] }));
const SLEEP = ["--data", "test/fixtures/data/sleepstudy.csv", "--formula", "Reaction ~ Days + (Days | Subject)", "--newdata", sleepNew];
const CBPP = ["--data", "test/fixtures/data/cbpp.csv", "--formula", "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", "--family", "binomial", "--newdata", cbppNew];

function check(out: { prediction: number[]; lower: number[]; upper: number[] }, want: { fit: number[]; lower: number[]; upper: number[] }, tol: number, at: string) {
  for (let i = 0; i < want.fit.length; i++) {
    assert.ok(relClose(out.prediction[i], want.fit[i], tol), `${at} row ${i} fit ${out.prediction[i]} vs ${want.fit[i]}`);
    assert.ok(relClose(out.lower[i], want.lower[i], tol), `${at} row ${i} lower ${out.lower[i]} vs ${want.lower[i]}`);
    assert.ok(relClose(out.upper[i], want.upper[i], tol), `${at} row ${i} upper ${out.upper[i]} vs ${want.upper[i]}`);
  }
}

for (const level of ["conditional", "population"])
  for (const kind of ["confidence", "prediction"])
    test(`glmm predict --level ${level} --interval ${kind} (CLI), sleepstudy, a seen and a new Subject: within 1e-5 of the R construction`, () => {
      check(run([...SLEEP, "--level", level, "--interval", kind]), ref.lmm[`${level}_${kind}`], 1e-5, `${level} ${kind}`);
    });

test("glmm predict --interval confidence (CLI), cbpp GLMM on the response scale: within 2e-3 (the fits' difference)", () => {
  check(run([...CBPP, "--level", "population", "--interval", "confidence"]), ref.glmm.population_confidence, 2e-3, "population");
  check(run([...CBPP, "--level", "conditional", "--interval", "confidence"]), ref.glmm.conditional_confidence, 2e-3, "conditional");
});

test("glmm predict --interval: one-line errors for a bad kind and a bad level", () => {
  for (const [args, re] of [
    [[...SLEEP, "--interval", "tolerance"], /--interval must be confidence or prediction/],
    [[...SLEEP, "--interval", "confidence", "--interval-level", "95"], /--interval-level must be a number between 0 and 1/],
    [[...SLEEP, "--interval", "confidence", "--level", "marginal"], /not marginal ones/],
  ] as const) {
    const r = spawnSync(process.execPath, [BIN, "predict", ...args], { encoding: "utf8", cwd: root });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});
