// The inference commands through the CLI entry point (in-process; stdout and stderr captured).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";
import { duration, estimateRemaining, progressBar } from "../../src/cli/progress.js";
import { fixtures, reference, relClose } from "./helpers.js";

const D = (f: string) => join(fixtures, "data", f);
const SLEEP = ["--data", D("sleepstudy.csv"), "--formula", "Reaction ~ Days + (Days | Subject)"];

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const ow = process.stdout.write, ew = process.stderr.write;
  let out = "", err = "";
  process.stdout.write = ((c: string) => { out += c; return true; }) as typeof process.stdout.write;
  process.stderr.write = ((c: string) => { err += c; return true; }) as typeof process.stderr.write;
  try {
    const code = await main(args);
    return { code, out, err };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

test("glmm compare --format json reproduces lme4's anova table", async () => {
  const ref = reference().lrt_sleepstudy;
  const r = await run(["compare", "--data", D("sleepstudy.csv"), "--formula", ref.models[0], "--formula", ref.models[1], "--format", "json"]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.refitted_ml, true);
  assert.ok(relClose(j.models[1].p, ref.p, 0.01));
  assert.ok(relClose(j.models[0].AIC, ref.AIC[0], 1e-6));
  const t = await run(["compare", "--data", D("sleepstudy.csv"), "--formula", ref.models[0], "--formula", ref.models[1]]);
  assert.match(t.out, /npar +AIC +BIC +logLik +deviance +Chisq +Df +Pr\(>Chisq\)/);
});

test("glmm fixef: Satterthwaite df and p in text and JSON", async () => {
  const ref = reference().satterthwaite_sleepstudy;
  const r = await run(["fixef", ...SLEEP, "--format", "json"]);
  const j = JSON.parse(r.out);
  assert.equal(j.method, "Satterthwaite");
  for (const f of j.fixef) assert.ok(relClose(f.df, ref.df[f.term], 0.01) && relClose(f.p, ref.p[f.term], 0.01));
  const c = await run(["fixef", ...SLEEP, "--contrast", "1,2", "--contrast", "0,1", "--format", "json"]);
  assert.equal(JSON.parse(c.out).contrast.numDf, 2);
  const bad = await run(["fixef", ...SLEEP, "--contrast", "1,2,3"]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /has 3 numbers; the model has 2 coefficients/);
});

test("glmm bootstrap: reproducible with --seed, progress on stderr, replicates to --out", async () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-boot-"));
  const a = await run(["bootstrap", ...SLEEP, "--nsim", "20", "--seed", "9", "--format", "json", "--out", join(dir, "a.csv")]);
  const b = await run(["bootstrap", ...SLEEP, "--nsim", "20", "--seed", "9", "--format", "json", "--no-progress"]);
  assert.equal(a.code, 0, a.err);
  assert.deepEqual(JSON.parse(a.out).parameters, JSON.parse(b.out).parameters);
  assert.match(a.err, /bootstrap \[#+\] 100% 20\/20 refits/);
  // no progress bar; the warnings still go to stderr (one singular refit)
  assert.doesNotMatch(b.err, /bootstrap \[/);
  assert.match(b.err, /^glmm: warning: 1 of 20 refits were singular/m);
  const csv = readFileSync(join(dir, "a.csv"), "utf8").trim().split("\n");
  assert.equal(csv.length, 21);
  assert.equal(csv[0], "replicate,sd_(Intercept)|Subject,cor_Days.(Intercept)|Subject,sd_Days|Subject,sigma,(Intercept),Days");
});

test("glmm predict on new data with a new level; glmm simulate reproducible", async () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-pred-"));
  const nd = join(dir, "new.csv");
  writeFileSync(nd, "Days,Subject\n0,308\n9,new\nNA,308\n");
  const r = await run(["predict", ...SLEEP, "--newdata", nd]);
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split("\n");
  assert.equal(lines[0], "Days,Subject,prediction");
  const ref = reference().predict_sleepstudy.prediction;
  assert.ok(relClose(Number(lines[1].split(",")[2]), ref[0], 1e-6));
  assert.ok(relClose(Number(lines[2].split(",")[2]), ref[5], 1e-6));
  assert.equal(lines[3], "NA,308,NA");
  assert.match(r.err, /not in the fitted data get the population-level prediction: new/);
  const s1 = await run(["simulate", ...SLEEP, "--nsim", "2", "--seed", "4"]);
  const s2 = await run(["simulate", ...SLEEP, "--nsim", "2", "--seed", "4"]);
  assert.equal(s1.out, s2.out);
  assert.equal(s1.out.split("\n")[0], "data_row,sim_1,sim_2");
});

test("glmm ranef, icc, confint and marginal", async () => {
  const rf = await run(["ranef", ...SLEEP]);
  assert.equal(rf.out.split("\n")[0], "grpvar,term,grp,condval,condsd");
  assert.equal(rf.out.trim().split("\n").length, 37);
  const ref = reference().icc_counselling_poisson;
  const ic = await run(["icc", "--data", D("counselling.csv"), "--formula", ref.formula, "--family", "poisson", "--format", "json"]);
  assert.ok(relClose(JSON.parse(ic.out).icc_adjusted, ref.icc_adjusted, 0.01));
  const ci = await run(["confint", ...SLEEP, "--parm", "Days", "--format", "json"]);
  const row = JSON.parse(ci.out).intervals[0];
  assert.ok(Math.abs(row.lower - 7.358653275) < 0.02 * 6.2 && Math.abs(row.upper - 13.57591875) < 0.02 * 6.2);
  const mg = await run(["marginal", "--data", D("ohio.csv"), "--formula", "resp ~ age + smoke + (1 | id)", "--family", "binomial", "--format", "json"]);
  const smoke = JSON.parse(mg.out).coefficients.find((x: { term: string }) => x.term === "smoke");
  assert.ok(Math.abs(smoke.marginal - 0.265075783) < 0.02);
});

test("user errors are one line and exit 1", async () => {
  const one = await run(["compare", ...SLEEP]);
  assert.equal(one.code, 1);
  assert.match(one.err, /needs two or more models/);
  const lvl = await run(["confint", ...SLEEP, "--level", "95"]);
  assert.equal(lvl.code, 1);
  assert.match(lvl.err, /--level must be between 0 and 1/);
  const m = await run(["confint", ...SLEEP, "--method", "magic"]);
  assert.match(m.err, /--method must be profile, Wald or boot/);
  for (const r of [one, lvl, m]) assert.equal(r.err.trim().split("\n").length, 1);
});

test("the progress bar redraws one line on a terminal and writes deciles otherwise", () => {
  const chunks: string[] = [];
  const fake = (isTTY: boolean) => ({ isTTY, write: (s: string) => { chunks.push(s); return true; } }) as unknown as NodeJS.WriteStream;
  const p = progressBar("boot", { stream: fake(false) });
  for (let i = 1; i <= 100; i++) p.update(i, 100);
  p.finish();
  assert.equal(chunks.length, 11); // the start, then every 10%
  assert.match(chunks[10], /^boot \[#{30}\] 100% 100\/100/);
  chunks.length = 0;
  const t = progressBar("boot", { stream: fake(true) });
  for (let i = 1; i <= 100; i++) t.update(i, 100);
  t.finish();
  assert.ok(chunks.every((c) => c.startsWith("\r")));
  assert.ok(chunks[chunks.length - 1].endsWith("\n"));
  chunks.length = 0;
  const off = progressBar("boot", { stream: fake(true), enabled: false });
  off.update(1, 2);
  off.finish();
  assert.equal(chunks.length, 0);
});

test("the ETA comes from the rate since the first item finished: start-up does not inflate it", () => {
  // 20,000 genes; 30 s of start-up before the first gene, then 100 genes/s (de's first ETA said 5 h)
  const first = { at: 30_000, done: 1 };
  assert.equal(estimateRemaining(first, 30_010, 2, 20_000), null); // too early to say
  const eta = estimateRemaining(first, 32_000, 201, 20_000)!;
  assert.ok(Math.abs(eta - 197_990) < 1e-6, `${eta} ms`); // 19,799 genes at 100/s
  assert.equal(duration(eta), "3:18");
  assert.equal(duration(3_723_000), "1:02:03");
  assert.equal(duration(4_200), "4.2s");
});
