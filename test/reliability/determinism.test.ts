// Determinism: the same input gives byte-identical output, run after run, for every command that
// prints JSON; what is random takes a seed (same seed, same bytes; another seed, other numbers);
// and nothing in the numeric core reads a clock or Math.random.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { data, glmm, root } from "./helpers.js";

const SLEEP = ["--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (Days | Subject)"];
const CBPP = ["--data", data("cbpp.csv"), "--formula", "cbind(incidence, size - incidence) ~ period + (1 | herd)", "--family", "binomial"];

const commands: [string, string[]][] = [
  ["fit (LMM)", ["fit", ...SLEEP, "--format", "json"]],
  ["fit (negative binomial)", ["fit", "--data", data("grouseticks.csv"), "--formula", "TICKS ~ YEAR + (1 | BROOD)", "--family", "negative_binomial", "--format", "json"]],
  ["gee", ["gee", "--data", data("respiratory.csv"), "--formula", "outcome ~ treat + sex + age + baseline", "--id", "center:id", "--family", "binomial", "--corstr", "exchangeable", "--format", "json"]],
  ["meta", ["meta", "--data", data("bcg.csv"), "--ai", "tpos", "--bi", "tneg", "--ci", "cpos", "--di", "cneg", "--format", "json"]],
  ["nma", ["nma", "--data", data("hasselblad1998.csv"), "--study", "study", "--treatment", "trt", "--events", "xi", "--n", "ni", "--format", "json"]],
  ["compare", ["compare", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (1 | Subject)", "--formula", "Reaction ~ Days + (Days | Subject)", "--format", "json"]],
  ["icc", ["icc", ...CBPP, "--format", "json"]],
  ["ranef", ["ranef", ...CBPP, "--format", "json"]],
  ["predict --level marginal", ["predict", ...CBPP, "--level", "marginal", "--format", "json"]],
  ["confint --method boot", ["confint", ...SLEEP, "--method", "boot", "--nsim", "30", "--seed", "5", "--no-progress", "--format", "json"]],
  ["simulate --seed", ["simulate", ...CBPP, "--nsim", "3", "--seed", "5", "--format", "json"]],
];

describe("byte-identical output, run twice", { concurrency: 4 }, () => {
  for (const [name, args] of commands) {
    it(name, async () => {
      const [a, b] = await Promise.all([glmm(args), glmm(args)]);
      assert.equal(a.status, 0, a.stderr);
      assert.ok(a.stdout.length > 100);
      JSON.parse(a.stdout);
      assert.equal(a.stdout, b.stdout, `${name}: two runs differ`);
    });
  }
});

describe("randomness follows the seed", { concurrency: 2 }, () => {
  it("confint --method boot: another seed, other intervals", async () => {
    const base = ["confint", ...SLEEP, "--method", "boot", "--nsim", "30", "--no-progress", "--format", "json"];
    const [a, b] = await Promise.all([glmm([...base, "--seed", "5"]), glmm([...base, "--seed", "6"])]);
    assert.equal(a.status, 0, a.stderr);
    assert.notEqual(a.stdout, b.stdout);
  });
  it("simulate: another seed, other responses", async () => {
    const base = ["simulate", ...CBPP, "--nsim", "3", "--format", "json"];
    const [a, b] = await Promise.all([glmm([...base, "--seed", "5"]), glmm([...base, "--seed", "6"])]);
    assert.equal(a.status, 0, a.stderr);
    assert.notEqual(a.stdout, b.stdout);
  });
});

it("the numeric core reads no clock and no Math.random (only the CLI's progress and timing do)", () => {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) { if (f !== "cli") walk(p); } else if (f.endsWith(".ts")) files.push(p);
    }
  };
  walk(join(root, "src"));
  assert.ok(files.length > 50);
  const offenders = files.filter((f) => /Math\.random\(|Date\.now\(|new Date\(|performance\.now\(|crypto\.getRandomValues/.test(readFileSync(f, "utf8")));
  assert.deepEqual(offenders.map((f) => f.slice(root.length + 1)), []);
});
