// `glmm emmeans` against emmeans 1.8 (test/fixtures/reference/emmeans.R → emmeans.json), and the
// studentized range distribution against R's ptukey.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { emmeans, type Adjust } from "../../src/inference/emmeans.js";
import { fitModel, type ModelFit } from "../../src/inference/model.js";
import { ptukeyUpper } from "../../src/inference/ptukey.js";
import { pt2 } from "../../src/inference/distributions.js";
import { data, fixtures, reference, relClose } from "./helpers.js";

const ref = reference("emmeans.json");
const root = join(fixtures, "..", "..");
const BIN = join(root, "bin", "glmm.js");
const glmm = (args: string[]) => execFileSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: root, stdio: ["ignore", "pipe", "pipe"] });

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
/** relative tolerance, with an absolute floor for p-values (R's ptukey is good to ~1e-10 absolute) */
const close = (a: number, b: number, rel: number, abs = 0) => (a === b) || relClose(a, b, rel) || Math.abs(a - b) <= abs;

function compare(got: Any, want: Any, rel: number, at: string): void {
  assert.equal(got.means.length, want.means.length, `${at}: number of means`);
  got.means.forEach((m: Any, i: number) => {
    const w = want.means[i];
    assert.deepEqual(m.levels, w.levels, `${at}: levels of mean ${i}`);
    for (const k of ["estimate", "se", "lower", "upper"]) assert.ok(close(m[k], w[k], rel), `${at} mean ${i} ${k}: ${m[k]} vs ${w[k]}`);
    if (w.df === "Inf" || w.df === null) assert.ok(m.df === null || m.df === Infinity, `${at}: df ${m.df}`);
    else assert.ok(close(m.df, w.df, rel), `${at} mean ${i} df: ${m.df} vs ${w.df}`);
  });
  assert.equal(got.contrasts.length, want.contrasts.length, `${at}: number of contrasts`);
  got.contrasts.forEach((c: Any, i: number) => {
    const w = want.contrasts[i];
    assert.equal(c.contrast, w.contrast);
    assert.deepEqual(c.by, w.by);
    for (const k of ["estimate", "se", "statistic"]) assert.ok(close(c[k], w[k], rel), `${at} ${c.contrast} ${k}: ${c[k]} vs ${w[k]}`);
    assert.ok(close(c.p, w.p, rel, 1e-9), `${at} ${c.contrast} p: ${c.p} vs ${w.p}`);
  });
}

for (const c of ref.lmm) {
  test(`glmm emmeans (CLI), dietox LMM, ${c.name}: means, SEs, Satterthwaite df, CIs and adjusted p within 1e-4 of emmeans`, () => {
    compare(JSON.parse(glmm(["emmeans", ...c.args, "--format", "json"])), c, 1e-4, c.name);
  });
}

const flag = (args: string[], name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };

for (const c of ref.glmm) {
  test(`emmeans, ${c.name}: with lme4's estimates and vcov equal to emmeans within 1e-6; glmm's own fit within 2e-3`, () => {
    const m = fitModel(data(flag(c.args, "--data")!.split("/").pop()!), flag(c.args, "--formula")!, { family: flag(c.args, "--family") });
    assert.deepEqual(m.ms.xnames, c.xnames);
    const withR: ModelFit = { ...m, fit: { ...m.fit, beta: Float64Array.from(c.beta), vcov: Float64Array.from(c.vcov.flat()) } as ModelFit["fit"] };
    const opts = { specs: [flag(c.args, "--specs")!], type: "response" as const, adjust: (flag(c.args, "--adjust") ?? "tukey") as Adjust };
    compare(JSON.parse(JSON.stringify(emmeans(withR, opts), (_k, v) => (v === Infinity ? null : v))), c, 1e-6, c.name);
    // glmm's GLMM vcov is lme4's (its Hessian of its own deviance evaluation); what is left is
    // lme4's optimum, a few 1e-4 off the exact Laplace one (measured: 7e-4 on cbpp, 4e-4 salamanders)
    const cli = JSON.parse(glmm(["emmeans", ...c.args, "--format", "json"]));
    cli.means.forEach((mm: Any, i: number) => assert.ok(relClose(mm.estimate, c.means[i].estimate, 2e-3) && relClose(mm.se, c.means[i].se, 2e-3), `${c.name} CLI mean ${i}: ${mm.se} vs ${c.means[i].se}`));
    cli.contrasts.forEach((cc: Any, i: number) => assert.ok(relClose(cc.se, c.contrasts[i].se, 2e-3), `${c.name} CLI contrast ${i} SE: ${cc.se} vs ${c.contrasts[i].se}`));
    assert.equal(cli.contrastScale, c.args.includes("binomial") ? "odds.ratio" : "ratio");
  });
}

test("ptukey: upper tail against R's ptukey(lower.tail = FALSE)", () => {
  // R 4.x values; R's own algorithm is accurate to about 1e-10 absolute
  const cases: [number, number, number, number][] = [
    [3.5, 3, 10, 0.0771033108387], [2, 2, 5, 0.21643722927], [4, 5, 20.5, 0.0687912457522], [1, 4, 3, 0.888666428795],
    [6, 7, Infinity, 0.000441531365465], [5, 3, 2, 0.127423402672], [2.5, 2, 1e4, 0.0771303606928], [10, 3, 15, 1.07676976689e-05],
  ];
  for (const [q, k, df, p] of cases) assert.ok(Math.abs(ptukeyUpper(q, k, df) - p) < 5e-10, `ptukey(${q}, ${k}, ${df}) = ${ptukeyUpper(q, k, df)} vs ${p}`);
  // k = 2: the studentized range of two means is √2·|t|
  assert.ok(Math.abs(ptukeyUpper(Math.SQRT2 * 2.1, 2, 12) - pt2(2.1, 12)) < 1e-10);
});

test("glmm emmeans: text output, and one-line errors for an unknown factor, a bad --at and a bad --adjust", () => {
  const D = ["--data", "test/fixtures/data/dietox.csv", "--formula", "Weight ~ Evit * Cu + Time + (1 | Pig)"];
  const out = glmm(["emmeans", ...D, "--specs", "Cu"]);
  assert.match(out, /^ Cu +emmean +SE +df +lower\.CL +upper\.CL\n Cu000 +60\.445 +1\.369 +63\.01 +57\.709 +63\.180\n/);
  assert.match(out, /P value adjustment: tukey method for comparing a family of 3 estimates/);
  const fails = (args: string[], re: RegExp) => assert.throws(() => glmm(["emmeans", ...D, ...args]), (e: { status: number; stderr: string }) => e.status !== 0 && re.test(e.stderr) && e.stderr.trim().split("\n").length === 1);
  fails(["--specs", "Diet"], /'Diet' is not a factor of the fixed effects \(factors: Evit, Cu\)/);
  fails(["--specs", "Cu", "--at", "Time=abc"], /--at Time: 'abc' is not a number/);
  fails(["--specs", "Cu", "--at", "Cu=Cu999"], /'Cu999' is not a level of 'Cu'/);
  fails(["--specs", "Cu", "--adjust", "scheffe"], /--adjust must be one of tukey, sidak, holm, bonferroni, BH, none/);
  fails(["--specs", "Cu", "--contrast", "poly"], /--contrast must be one of pairwise, trt.vs.ctrl, consec/);
});
