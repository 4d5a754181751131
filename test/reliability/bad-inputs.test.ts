// Bad input through every command that reads data, as a user meets it (the real CLI, spawned):
// each case must end in a one-line error naming the problem, a non-zero exit, no stack trace,
// nothing on stdout and no output file left behind (--out / --plot point into a temp dir that
// must stay empty).
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertUserError, bad, data, glmm, root } from "./helpers.js";

const tmp = mkdtempSync(join(tmpdir(), "glmm-bad-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
/** a fresh empty directory for one case's output files */
const outDir = () => mkdtempSync(join(tmp, "case-"));

const F = "y ~ x + (1 | g)";
/** The commands that read a data file, as a function of that file (and an output directory). */
const readers: Record<string, (file: string, out: string) => string[]> = {
  fit: (f) => ["fit", "--data", f, "--formula", F],
  describe: (f) => ["describe", "--data", f, "--formula", F],
  gee: (f) => ["gee", "--data", f, "--formula", "y ~ x", "--id", "g"],
  meta: (f, o) => ["meta", "--data", f, "--ai", "a", "--bi", "b", "--ci", "c", "--di", "d", "--plot", join(o, "forest.svg")],
  nma: (f, o) => ["nma", "--data", f, "--study", "s", "--treatment", "t", "--events", "e", "--n", "n", "--plot", join(o, "net.svg")],
  compare: (f) => ["compare", "--data", f, "--formula", F, "--formula", "y ~ 1 + (1 | g)"],
  fixef: (f) => ["fixef", "--data", f, "--formula", F],
  confint: (f) => ["confint", "--data", f, "--formula", F, "--method", "Wald"],
  bootstrap: (f, o) => ["bootstrap", "--data", f, "--formula", F, "--nsim", "5", "--out", join(o, "boot.csv"), "--no-progress"],
  predict: (f, o) => ["predict", "--data", f, "--formula", F, "--out", join(o, "pred.csv")],
  simulate: (f, o) => ["simulate", "--data", f, "--formula", F, "--out", join(o, "sim.csv")],
  ranef: (f, o) => ["ranef", "--data", f, "--formula", F, "--out", join(o, "ranef.csv")],
  icc: (f) => ["icc", "--data", f, "--formula", F],
  marginal: (f) => ["marginal", "--data", f, "--formula", F, "--family", "binomial"],
  "plot --data": (f, o) => ["plot", "--data", f, "--formula", F, "--out", join(o, "plots")],
  "plot --forest": (f, o) => ["plot", "--forest", f, "--out", join(o, "plots")],
  "predict --newdata": (f, o) => ["predict", "--data", bad("good.csv"), "--formula", F, "--newdata", f, "--out", join(o, "pred.csv")],
};

// file-level problems: the reader stops before any command-specific work
const fileProblems: [string, string, RegExp][] = [
  ["a missing file", join(tmp, "nope.csv"), /cannot read data file '.*nope\.csv': no such file/],
  ["an empty file", bad("empty.csv"), /empty\.csv is empty/],
  ["a header without rows", bad("header-only.csv"), /header-only\.csv has a header but no data rows/],
  ["ragged rows", bad("ragged.csv"), /ragged\.csv: row 3 has 2 fields, the header has 3/],
  ["binary junk", bad("junk.bin"), /junk\.bin does not look like a text CSV\/TSV file/],
  ["a directory", join(root, "test", "fixtures", "bad"), /cannot read data file '.*bad': it is a directory/],
];

interface Case { name: string; args: (out: string) => string[]; pattern: RegExp; sideEffect?: string }
const cases: Case[] = [];

// every reader meets two of the file problems (in rotation), so each problem reaches several commands
Object.entries(readers).forEach(([cmd, argsOf], i) => {
  for (const k of [i % fileProblems.length, (i + 3) % fileProblems.length]) {
    const [what, file, pattern] = fileProblems[k];
    cases.push({ name: `${cmd}: ${what}`, args: (o) => argsOf(file, o), pattern });
  }
});

const G = bad("good.csv");
const add = (name: string, pattern: RegExp, args: (out: string) => string[]) => cases.push({ name, args, pattern });

// columns
add("fit: a formula column that does not exist", /column 'z' not found in good\.csv \(columns: y, x, g, cl, t\)/, () => ["fit", "--data", G, "--formula", "y ~ z + (1 | g)"]);
add("icc: a grouping column that does not exist", /column 'h' not found in good\.csv/, () => ["icc", "--data", G, "--formula", "y ~ x + (1 | h)"]);
add("meta: a count column that does not exist", /column 'nope' not found in bcg\.csv/, (o) => ["meta", "--data", data("bcg.csv"), "--ai", "nope", "--bi", "tneg", "--ci", "cpos", "--di", "cneg", "--plot", join(o, "f.svg")]);
add("nma: a treatment column that does not exist", /column 'nope' not found in hasselblad1998\.csv/, () => ["nma", "--data", data("hasselblad1998.csv"), "--study", "study", "--treatment", "nope", "--events", "xi", "--n", "ni"]);
add("predict: new data without the model's columns", /the new data \(good\.csv\) lack columns 'Days', 'Subject'/, (o) => ["predict", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (1 | Subject)", "--newdata", G, "--out", join(o, "p.csv")]);
// formula syntax
add("fit: an unclosed parenthesis", /formula: expected '\)' but found end of formula at position 17/, () => ["fit", "--data", G, "--formula", "y ~ (x + (1 | g)"]);
add("compare: an unclosed parenthesis in the second model", /formula: expected '\)'/, () => ["compare", "--data", G, "--formula", F, "--formula", "y ~ 1 + (1 | g"]);
add("describe: no '~'", /formula: expected '~' but found name 'x' at position 3/, () => ["describe", "--data", G, "--formula", "y x + (1 | g)"]);
add("gee: no '~'", /formula: missing '~' \(a formula is 'response ~ terms' or '~ terms'\)/, () => ["gee", "--data", G, "--formula", "y + x", "--id", "g"]);
add("fixef: an unknown function", /formula: unknown function 'foo' at position 5; allowed: factor/, () => ["fixef", "--data", G, "--formula", "y ~ foo(x) + (1 | g)"]);
// families and links
add("fit: an unknown family", /unknown family 'weibull' \(use gaussian, binomial, poisson, negative_binomial, nbinom1, Gamma, beta, betabinomial, tweedie or ordinal\)/, () => ["fit", "--data", G, "--formula", F, "--family", "weibull"]);
add("gee: an unknown family", /unknown family 'weibull'/, () => ["gee", "--data", G, "--formula", "y ~ x", "--id", "g", "--family", "weibull"]);
add("gee: a family it does not support", /glmm gee supports the families gaussian, binomial, poisson, Gamma, not tweedie/, () => ["gee", "--data", G, "--formula", "y ~ x", "--id", "g", "--family", "tweedie"]);
add("compare: an unknown family", /unknown family 'weibull'/, () => ["compare", "--data", G, "--formula", F, "--formula", "y ~ 1 + (1 | g)", "--family", "weibull"]);
add("fit: an unknown link", /unknown link 'bogus'/, () => ["fit", "--data", G, "--formula", F, "--family", "binomial", "--link", "bogus"]);
// counts
add("fit poisson: a negative count", /family poisson needs non-negative integer counts; data row 3 of 'y' is -2/, () => ["fit", "--data", bad("negative-count.csv"), "--formula", F, "--family", "poisson"]);
add("fit negative_binomial: a non-integer count", /family negative_binomial needs non-negative integer counts; data row 3 of 'y' is 2\.5/, () => ["fit", "--data", bad("fractional-count.csv"), "--formula", F, "--family", "negative_binomial"]);
add("ranef poisson: a non-integer count", /non-negative integer counts; data row 3 of 'y' is 2\.5/, (o) => ["ranef", "--data", bad("fractional-count.csv"), "--formula", F, "--family", "poisson", "--out", join(o, "r.csv")]);
add("gee poisson: a negative count", /GEE: a poisson response must be non-negative/, () => ["gee", "--data", bad("negative-count.csv"), "--formula", "y ~ x", "--id", "g", "--family", "poisson"]);
add("meta: a negative count", /column 'ai' of meta-negative\.csv, row 2: -6 is not a count/, (o) => ["meta", "--data", bad("meta-negative.csv"), "--ai", "ai", "--bi", "bi", "--ci", "ci", "--di", "di", "--plot", join(o, "f.svg")]);
add("meta: a non-integer count", /row 2: 6\.5 is not a count/, () => ["meta", "--data", bad("meta-fractional.csv"), "--ai", "ai", "--bi", "bi", "--ci", "ci", "--di", "di"]);
add("nma: a non-integer count", /column 'r' of nma-fractional\.csv, row 3: 3\.5 is not a count/, (o) => ["nma", "--data", bad("nma-fractional.csv"), "--study", "study", "--treatment", "trt", "--events", "r", "--n", "n", "--forest", join(o, "f.svg")]);
add("nma: a negative count", /column 'r' of nma-negative\.csv, row 3: -3 is not a count/, () => ["nma", "--data", bad("nma-negative.csv"), "--study", "study", "--treatment", "trt", "--events", "r", "--n", "n"]);
add("nma: two arms of one treatment in a study", /study '1' has two arms of treatment 'A'/, () => ["nma", "--data", bad("nma-one-treatment.csv"), "--study", "study", "--treatment", "trt", "--events", "r", "--n", "n"]);
// binomial responses
add("fit binomial: a response outside [0, 1]", /binomial response must be in \[0, 1\].*row 5 has 1\.5/, () => ["fit", "--data", bad("binary-out-of-range.csv"), "--formula", F, "--family", "binomial"]);
add("gee binomial: a response outside [0, 1]", /GEE: a binomial response must lie in \[0, 1\]/, () => ["gee", "--data", bad("binary-out-of-range.csv"), "--formula", "y ~ x", "--id", "g", "--family", "binomial"]);
add("fit binomial: successes > trials", /cbind\(k, n - k\): negative count \(-2\) at data row 5 of successes-gt-trials\.csv/, () => ["fit", "--data", bad("successes-gt-trials.csv"), "--formula", "cbind(k, n - k) ~ x + (1 | g)", "--family", "binomial"]);
add("marginal binomial: a proportion above 1 with trials as weights", /binomial response must be in \[0, 1\].*row 6 has 1\.4/, () => ["marginal", "--data", bad("successes-gt-trials.csv"), "--formula", "k/n ~ x + (1 | g)", "--family", "binomial", "--weights", "n"]);
add("meta: events > total", /row 2 of meta-events-gt-n\.csv: 60 events in the treated arm exceed its total 30/, () => ["meta", "--data", bad("meta-events-gt-n.csv"), "--ai", "ai", "--n1i", "n1i", "--ci", "ci", "--n2i", "n2i"]);
add("nma: events > participants", /row 2 of nma-events-gt-n\.csv: 80 events exceed the 50 participants/, () => ["nma", "--data", bad("nma-events-gt-n.csv"), "--study", "study", "--treatment", "trt", "--events", "r", "--n", "n"]);
// grouping
add("fit: a grouping factor with one level", /grouping factor 'g' has only one level \('only'\) in the rows of one-level\.csv used/, () => ["fit", "--data", bad("one-level.csv"), "--formula", F]);
add("describe: a grouping factor with one level", /grouping factor 'g' has only one level/, () => ["describe", "--data", bad("one-level.csv"), "--formula", F]);
add("fit binomial: a grouping factor with one level", /grouping factor 'g' has only one level/, () => ["fit", "--data", bad("one-level.csv"), "--formula", "b ~ x + (1 | g)", "--family", "binomial"]);
add("gee: one cluster", /GEE needs at least two clusters; all 30 rows are in one cluster/, () => ["gee", "--data", bad("one-level.csv"), "--formula", "y ~ x", "--id", "g"]);
add("meta: one study", /needs at least 2 informative studies; there is 1/, () => ["meta", "--data", bad("meta-one-study.csv"), "--ai", "ai", "--bi", "bi", "--ci", "ci", "--di", "di"]);
add("nma: a disconnected network", /the network is disconnected: no study links \{A, B\} and \{C, D\}/, (o) => ["nma", "--data", bad("nma-disconnected.csv"), "--study", "study", "--treatment", "trt", "--events", "r", "--n", "n", "--plot", join(o, "n.svg")]);
add("fit: as many levels as observations (LMM)", /grouping factor 'x' has 30 levels for 30 observations/, () => ["fit", "--data", G, "--formula", "y ~ 1 + (1 | x)"]);
// missing and non-finite values
add("fit: every row dropped for missing values", /no rows left: every row of all-missing\.csv has a missing value in y, x/, () => ["fit", "--data", bad("all-missing.csv"), "--formula", F]);
add("gee: every row dropped for missing values", /no rows left/, () => ["gee", "--data", bad("all-missing.csv"), "--formula", "y ~ x", "--id", "g"]);
add("simulate: every row dropped for missing values", /no rows left/, (o) => ["simulate", "--data", bad("all-missing.csv"), "--formula", F, "--out", join(o, "s.csv")]);
add("fit: Inf in the response", /column 'y' has a non-finite value \(Inf\) at data row 3 of inf\.csv/, () => ["fit", "--data", bad("inf.csv"), "--formula", F]);
add("gee: -Inf in a predictor", /column 'x' has a non-finite value \(-Inf\) at data row 3 of inf-predictor\.csv/, () => ["gee", "--data", bad("inf-predictor.csv"), "--formula", "y ~ x", "--id", "cl"]);
add("meta: Inf in a count", /Infinity is not a count/, () => ["meta", "--data", bad("meta-inf.csv"), "--ai", "ai", "--bi", "bi", "--ci", "ci", "--di", "di"]);
add("predict: -Inf in the new data, named by its row in the new data", /column 'x' has a non-finite value \(-Inf\) at data row 3 of inf-predictor\.csv/, (o) => ["predict", "--data", G, "--formula", F, "--newdata", bad("inf-predictor.csv"), "--out", join(o, "p.csv")]);
// single-cell inputs (loose patterns: the messages belong to the single-cell commands)
add("de: counts that do not exist", /nope/, (o) => ["de", "--counts", join(tmp, "nope"), "--cells", G, "--formula", "~ x + (1 | g)", "--out", join(o, "de.csv")]);
add("de: a hostile formula", /unknown function 'require'/, (o) => ["de", "--counts", join(root, "test", "fixtures", "singlecell", "pbmc60"), "--cells", join(root, "test", "fixtures", "singlecell", "cells.csv"), "--formula", "~ require(x) + (1 | patient)", "--out", join(o, "de.csv")]);
add("de-merge: binary junk", /junk\.bin/, (o) => ["de-merge", bad("junk.bin"), "--out", join(o, "merged.csv")]);
// GEE options
add("gee: a cluster column that does not exist", /column 'nope' not found in good\.csv/, () => ["gee", "--data", G, "--formula", "y ~ x", "--id", "nope"]);
add("gee: a combined cluster with a missing part", /column 'nope' not found in good\.csv/, () => ["gee", "--data", G, "--formula", "y ~ x", "--id", "g:nope"]);
add("gee: an unknown working correlation", /unknown --corstr 'toeplitz' \(use independence, exchangeable, ar1, unstructured, mdep\)/, () => ["gee", "--data", G, "--formula", "y ~ x", "--id", "g", "--corstr", "toeplitz"]);
add("gee: a time column that does not exist", /column 'when' not found/, () => ["gee", "--data", G, "--formula", "y ~ x", "--id", "cl", "--corstr", "ar1", "--time", "when"]);
// output files: a failure while writing leaves nothing behind, not even the outputs written before it
add("nma: the second plot cannot be written", /cannot write '.*nodir.*forest\.svg': no such file/, (o) => ["nma", "--data", data("hasselblad1998.csv"), "--study", "study", "--treatment", "trt", "--events", "xi", "--n", "ni", "--plot", join(o, "net.svg"), "--forest", join(o, "nodir", "forest.svg")]);
add("predict: --out in a missing directory", /cannot write '.*nodir.*p\.csv': no such file/, (o) => ["predict", "--data", G, "--formula", F, "--out", join(o, "nodir", "p.csv")]);
add("bootstrap: --out is a directory", /cannot write '.*': it is a directory/, (o) => { mkdtempSync(join(o, "adir")); return ["bootstrap", "--data", G, "--formula", F, "--nsim", "3", "--no-progress", "--out", join(o, readdirSync(o)[0])]; });

// hostile formulas: rejected by the parser, nothing evaluated (a canary file must not appear)
const canary = join(tmp, "canary");
for (const [name, formula, pattern] of [
  ["require()", `y ~ require("child_process") + (1 | g)`, /unexpected character '"'/],
  ["require() without quotes", "y ~ require(child_process) + (1 | g)", /unknown function 'require'/],
  ["constructor.constructor()", `y ~ constructor.constructor(x)(1) + (1 | g)`, /unknown function 'constructor\.constructor'/],
  ["process.exit()", "y ~ process.exit() + (1 | g)", /unknown function 'process\.exit'/],
  ["a template literal", "y ~ x + `${require('fs').writeFileSync('" + canary + "', 'x')}`", /column '\$\{require\('fs'\)\.writeFileSync\(.*' not found in good\.csv/],
  ["a statement separator", `y ~ x; require("fs").writeFileSync("${canary}", "x")`, /unexpected character ';'/],
] as const) {
  add(`fit: hostile formula, ${name}`, pattern, () => ["fit", "--data", G, "--formula", formula]);
}

describe("bad input: one-line errors, non-zero exit, no stack trace, no output", { concurrency: 4 }, () => {
  for (const c of cases) {
    it(c.name, async () => {
      const o = outDir();
      const args = c.args(o);
      const before = readdirSync(o, { recursive: true }).sort();
      const r = await glmm(args);
      assertUserError(r, c.pattern, c.name);
      assert.deepEqual(readdirSync(o, { recursive: true }).sort(), before, `${c.name}: no file left in the output directory`);
    });
  }
});

it("hostile formulas ran no code", () => {
  assert.equal(existsSync(canary), false);
});

it("NaN in the data is refused (an undefined value is not a missing one): one line naming column and row", async () => {
  const r = await glmm(["fit", "--data", bad("nan.csv"), "--formula", F, "--format", "json"]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr.trim(), /^glmm: column 'y' has NaN at data row \d+ of nan\.csv: NaN is not a value a model can use; write NA/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
});

it("`glmm ... | head`: a reader that goes away early ends the run quietly (no EPIPE stack trace)", async () => {
  const file = join(tmp, "long.csv");
  const lines = ["y,x,g"];
  for (let i = 0; i < 20000; i++) lines.push(`${(i % 7) + Math.sin(i)},${(i % 13) / 13},g${i % 50}`);
  writeFileSync(file, lines.join("\n") + "\n");
  const { spawn } = await import("node:child_process");
  const p = spawn(process.execPath, [join(root, "bin", "glmm.js"), "predict", "--data", file, "--formula", F], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  p.stderr.setEncoding("utf8").on("data", (s: string) => { stderr += s; });
  p.stdout.once("data", () => p.stdout.destroy());
  const status = await new Promise<number | null>((resolve) => p.on("close", resolve));
  assert.doesNotMatch(stderr, /EPIPE|\n\s+at |internal error/, stderr);
  assert.equal(status, 0, stderr);
});
