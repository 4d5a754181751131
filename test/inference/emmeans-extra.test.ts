// `glmm emmeans --mean-weights`, `--bias-adjust`, custom `--contrast` coefficients and `--id` (GEE)
// against emmeans 1.8 (test/fixtures/reference/emmeans_extra.R → emmeans_extra.json),
// through bin/glmm.js
// and the library's model.emmeans(). LMM (dietox) cases within 1e-4 relative through the CLI
// (measured ≤ 1.9e-6); GLMM cases within 1e-6 with lme4's β, vcov and σ substituted (measured
// ≤ 3e-10), and within 2e-3 with glmm's own fit (measured ≤ 9e-4: lme4's optimum is a few 1e-4 off
// the exact Laplace one). GEE cases (--id, geeglm) within 1e-4 (measured ≤ 3e-9); lm/glm cases
// (no random effects) within 1e-6.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { fit, gee } from "../../src/api/fit.js";
import { emmeans, type EmmeansOptions, type EmmWeights } from "../../src/inference/emmeans.js";
import { fitModel, type ModelFit } from "../../src/inference/model.js";
import { parseContrast } from "../../src/cli/commands/emmeans.js";
import { emmeansSpecs } from "../../src/report/plots/emmeans.js";
import { checkSvg } from "../docs/docs.js";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { data, fixtures, reference, relClose } from "./helpers.js";

const ref = reference("emmeans_extra.json");
const root = join(fixtures, "..", "..");
const BIN = join(root, "bin", "glmm.js");
const glmm = (args: string[]) => execFileSync(process.execPath, [BIN, ...args], { encoding: "utf8", cwd: root, stdio: ["ignore", "pipe", "pipe"] });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const flag = (args: string[], name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const close = (a: number | null, b: number | string, rel: number) => (b === "Inf" ? a === null || a === Infinity : relClose(a as number, b as number, rel));

/** got: means or contrasts rows; want: emmeans' columns */
function compareRows(got: Any[], want: Any, rel: number, at: string, pRel = rel): void {
  assert.equal(got.length, want.estimate.length, `${at}: number of rows`);
  got.forEach((g, i) => {
    if (want.levels) for (const [k, v] of Object.entries(want.levels)) assert.equal(g.levels[k], (v as string[])[i], `${at}: levels of row ${i}`);
    if (want.contrast) assert.equal(g.contrast, want.contrast[i], `${at}: contrast ${i}`);
    if (want.by) for (const [k, v] of Object.entries(want.by)) assert.equal(g.by[k], (v as string[])[i], `${at}: by of row ${i}`);
    for (const k of ["estimate", "se", "df", "lower", "upper", "statistic"]) if (want[k] !== undefined) assert.ok(close(g[k], want[k][i], rel), `${at} row ${i} ${k}: ${g[k]} vs ${want[k][i]}`);
    if (want.p !== undefined) assert.ok(close(g.p, want.p[i], pRel), `${at} row ${i} p: ${g.p} vs ${want.p[i]}`);
  });
}

/** the library options equivalent to a case's CLI flags */
function optionsOf(args: string[]): EmmeansOptions {
  const contrast = flag(args, "--contrast");
  return {
    specs: flag(args, "--specs")!.split(","), by: flag(args, "--by")?.split(","), type: (flag(args, "--type") ?? "link") as "link" | "response",
    at: flag(args, "--at") ? { [flag(args, "--at")!.split("=")[0]]: flag(args, "--at")!.split("=")[1].split(",") } : undefined,
    adjust: flag(args, "--adjust") as EmmeansOptions["adjust"], contrast: contrast === undefined ? undefined : parseContrast(contrast),
    weights: flag(args, "--mean-weights") as EmmWeights | undefined, biasAdjust: args.includes("--bias-adjust"),
    sigma: flag(args, "--sigma") === undefined ? undefined : Number(flag(args, "--sigma")),
  };
}

/** a GLMM fitted by glmm with lme4's β, vcov (and σ of the bias adjustment) substituted */
function withR(c: Any): { m: ModelFit; opts: EmmeansOptions } {
  const m = fitModel(data(flag(c.args, "--data")!.split("/").pop()!), flag(c.args, "--formula")!, { family: flag(c.args, "--family") });
  assert.deepEqual(m.ms.xnames, c.glmm.xnames);
  const fitR = { ...m.fit, beta: Float64Array.from(c.glmm.beta), vcov: Float64Array.from(c.glmm.vcov.flat()) } as ModelFit["fit"];
  const o = optionsOf(c.args);
  return { m: { ...m, fit: fitR }, opts: o.biasAdjust ? { ...o, sigma: c.glmm.sigma } : o };
}
const json = (x: unknown) => JSON.parse(JSON.stringify(x, (_k, v) => (v === Infinity ? null : v)));

// (these cases check the means only: --adjust none spares the Tukey limits' qtukey, seconds per call)
const NO_TUKEY = ["--adjust", "none"];
for (const c of [...ref.weights, ...ref.bias]) {
  const rows = (r: Any) => r.means;
  if (!c.glmm) {
    test(`glmm emmeans (CLI), dietox LMM, ${c.name}: means, SEs, df and limits within 1e-4 of emmeans`, () => {
      compareRows(rows(JSON.parse(glmm(["emmeans", ...c.args, ...NO_TUKEY, "--format", "json"]))), c.means, 1e-4, c.name);
    });
  } else {
    test(`emmeans, ${c.name}: with lme4's β, vcov and σ equal to emmeans within 1e-6; glmm's own fit (CLI) within 2e-3`, () => {
      const { m, opts } = withR(c);
      compareRows(rows(json(emmeans(m, opts))), c.means, 1e-6, c.name);
      const cli = JSON.parse(glmm(["emmeans", ...c.args, "--format", "json"]));
      compareRows(rows(cli), { ...c.means, lower: undefined, upper: undefined }, 2e-3, `${c.name} (CLI)`);
      if (opts.biasAdjust) {
        assert.ok(cli.biasAdjustSigma > 0);
        // the contrasts are those of the link-scale means, as without the adjustment
        const plain = JSON.parse(glmm(["emmeans", ...c.args.filter((a: string) => a !== "--bias-adjust" && a !== "--sigma" && a !== "1"), "--format", "json"]));
        assert.deepEqual(cli.contrasts, plain.contrasts);
        assert.equal(plain.biasAdjustSigma, null);
      }
    });
  }
}

for (const c of ref.custom) {
  if (!c.glmm) {
    test(`glmm emmeans (CLI), dietox LMM, ${c.name}: contrasts, SEs, df, limits and p within 1e-4 of emmeans`, () => {
      const out = JSON.parse(glmm(["emmeans", ...c.args, "--format", "json"]));
      assert.equal(out.contrast, "custom");
      compareRows(out.contrasts, c.res, 1e-4, c.name);
    });
  } else {
    test(`emmeans, ${c.name}: with lme4's β and vcov equal to emmeans within 1e-6; glmm's own fit (CLI) within 2e-3`, () => {
      const { m, opts } = withR(c);
      const r = json(emmeans(m, opts));
      compareRows(r.contrasts, c.res, 1e-6, c.name);
      const cli = JSON.parse(glmm(["emmeans", ...c.args, "--format", "json"]));
      assert.equal(cli.contrastScale, r.contrastScale);
      compareRows(cli.contrasts, { ...c.res, p: undefined, statistic: undefined }, 2e-3, `${c.name} (CLI)`);
    });
  }
}

const gees = ref.gee;
for (const c of gees) {
  test(`glmm emmeans --id (CLI), ${c.name}: means, contrasts, limits and p within 1e-4 of emmeans on geeglm`, () => {
    const out = JSON.parse(glmm(["emmeans", ...c.args, "--format", "json"]));
    assert.equal(out.dfMethod, "asymptotic");
    compareRows(out.means, c.means, 1e-4, c.name);
    compareRows(out.contrasts, c.contrasts, 1e-4, c.name);
  });
}

test("model.emmeans() (library) on a GEE: the sandwich covariance, as emmeans on geeglm within 1e-4", () => {
  const c = gees[0];
  const r = gee(data("dietox.csv"), "Weight ~ Evit + Cu + Time", { id: "Pig", corstr: "exchangeable" }).emmeans({ specs: ["Cu"] });
  compareRows(r.means, c.means, 1e-4, c.name);
  compareRows(r.contrasts, c.contrasts, 1e-4, c.name);
  const gb = gee(data("cbpp.csv"), "cbind(incidence, size - incidence) ~ factor(period)", { id: "herd", family: "binomial", corstr: "exchangeable" });
  assert.throws(() => gb.emmeans({ specs: ["period"], type: "response", biasAdjust: true }), /the bias adjustment needs sigma: the model has no random effects/);
});

// models without random effects, df n − p for lm and the gaussian/Gamma glm: within 2e-5 of emmeans
// (measured ≤ 1.5e-5; lm 3e-12: R's glm vcov takes the IRLS weights of the iteration before its
// last, 1e-6 off in the SEs), p within 1e-3 (measured ≤ 2.6e-4, on p-values below 1e-18)
for (const c of ref.nore) {
  test(`glmm emmeans (CLI) without random effects, ${c.name}: means, contrasts, df, limits and p within 2e-5 of emmeans on ${c.args.includes("--family") ? "glm" : "lm"}`, () => {
    const out = JSON.parse(glmm(["emmeans", ...c.args, "--format", "json"]));
    assert.equal(out.dfMethod, c.means.df[0] === "Inf" ? "asymptotic" : "residual");
    compareRows(out.means, c.means, 2e-5, c.name, 1e-3);
    compareRows(out.contrasts, c.contrasts, 2e-5, c.name, 1e-3);
  });
}

test("model.emmeans() (library) on an lm fit: residual df, as emmeans within 1e-8", () => {
  const c = ref.nore[2];
  const r = fit(data("dietox.csv"), "Weight ~ Evit * Cu + Time").emmeans({ specs: ["Cu"], adjust: "bonferroni" });
  assert.equal(r.dfMethod, "residual");
  assert.deepEqual(r.averagedOver, ["Evit"]);
  compareRows(r.means, c.means, 1e-8, c.name);
  compareRows(r.contrasts, c.contrasts, 1e-8, c.name);
});

test("glmm emmeans (CLI text): the footnotes under the means and the contrasts are emmeans' lines, in its order", () => {
  // (averaged over, df method for lmer fits only, link scale or back-transform, adjustments, notes)
  const isNote = (l: string) => l !== "" && !l.startsWith(" ") && !l.endsWith(":");
  for (const c of ref.notes) {
    const lines = glmm(["emmeans", ...c.args]).split("\n");
    const at = lines.findIndex((l) => l.startsWith(" contrast"));
    assert.ok(at > 0, `${c.args.join(" ")}: a contrasts table`);
    assert.deepEqual(lines.slice(0, at).filter(isNote), c.means, `${c.args.join(" ")}: under the means`);
    assert.deepEqual(lines.slice(at).filter(isNote), c.contrasts, `${c.args.join(" ")}: under the contrasts`);
  }
});

test("model.emmeans() (library): proportional weights and custom contrasts as emmeans within 1e-4", () => {
  const m = fit(data("dietox.csv"), "Weight ~ Evit * Cu + Time + (1 | Pig)");
  const w = ref.weights[0];
  compareRows(m.emmeans({ specs: ["Cu"], weights: "proportional", adjust: "none" }).means, w.means, 1e-4, w.name);
  const c = ref.custom[1];
  const r = m.emmeans({ specs: "Evit" as unknown as string[], by: ["Cu"], contrast: { lin: [-1, 0, 1], quad: [1, -2, 1] }, adjust: "holm" });
  compareRows(r.contrasts, c.res, 1e-4, c.name);
  assert.throws(() => m.emmeans({ specs: ["Cu"], weights: "bogus" as EmmWeights, adjust: "none" }), /the weights must be one of equal, proportional, outer, cells, flat/);
  assert.throws(() => m.emmeans({ specs: ["Cu"], nonsense: 1 } as unknown as EmmeansOptions), /emmeans\(\): unknown option 'nonsense'/);
});

test("glmm emmeans: custom contrasts from a JSON file, text notes, and one-line errors", () => {
  const D = ["--data", "test/fixtures/data/dietox.csv", "--formula", "Weight ~ Evit * Cu + Time + (1 | Pig)"];
  const fromFile = JSON.parse(glmm(["emmeans", ...D, "--specs", "Cu", "--contrast", "test/fixtures/reference/emmeans_contrast.json", "--format", "json"]));
  compareRows(fromFile.contrasts, ref.custom[0].res, 1e-4, "contrasts from a JSON file");
  const C = ["--data", "test/fixtures/data/cbpp.csv", "--family", "binomial", "--formula", "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", "--specs", "period", "--type", "response"];
  const t = glmm(["emmeans", ...C, "--bias-adjust"]);
  assert.match(t, /Bias adjustment applied based on sigma = 0\.642\d+\n/);
  assert.match(glmm(["emmeans", ...C, "--contrast", "p1=1,0,0,0"]), /Note: contrasts are still on the logit scale/);
  const fails = (args: string[], re: RegExp) => assert.throws(() => glmm(["emmeans", ...args]), (e: { status: number; stderr: string }) => e.status !== 0 && re.test(e.stderr) && e.stderr.trim().split("\n").length === 1);
  fails([...D, "--specs", "Cu", "--contrast", "a=1,-1"], /contrast 'a' has 2 coefficients, but there are 3 means per group \(Cu000, Cu035, Cu175\)/);
  // (the parser's errors without a fit each)
  assert.throws(() => parseContrast("a=1,x,0"), /--contrast 'a': 'x' is not a number/);
  assert.throws(() => parseContrast("a=1,-1,0;a=0,1,-1"), /'a' is given twice/);
  assert.throws(() => parseContrast("nosuch.json"), /nosuch\.json/);
  assert.deepEqual(parseContrast("a=1,-1/3, -2/3"), { a: [1, -1 / 3, -2 / 3] });
  fails([...D, "--specs", "Cu", "--mean-weights", "prop"], /--mean-weights must be one of equal, proportional, outer, cells, flat/);
  fails([...C, "--sigma", "1"], /--sigma .* with --bias-adjust/);
  fails([...C.slice(0, -2), "--bias-adjust"], /--bias-adjust applies to response-scale means/);
  fails([...D, "--specs", "Cu", "--corstr", "ar1"], /--corstr is a GEE option: give the cluster column with --id/);
});

test("glmm plot --emmeans: the means and the contrasts with their limits as forest plots (SVG), odds ratios on a log axis", () => {
  const C = ["--data", "test/fixtures/data/cbpp.csv", "--family", "binomial", "--formula", "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", "--specs", "period", "--type", "response"];
  const text = glmm(["emmeans", ...C, "--format", "json"]);
  const r = JSON.parse(text);
  const specs = emmeansSpecs(r);
  // the plotted rows are the table's: means as they are, ratios as logs (the spec exponentiates them)
  const rowsOf = (spec: Any) => JSON.stringify(spec).match(/"estimate":[-0-9.e]+/g)!.map((x) => Number(x.split(":")[1]));
  // (to the last bits: a value may pass through exp/log on its way into the spec)
  const same = (a: number[], b: number[]) => { assert.equal(a.length, b.length); a.forEach((x, i) => assert.ok(Math.abs(x - b[i]) <= 1e-12 * Math.abs(b[i]), `${x} vs ${b[i]}`)); };
  same(rowsOf(specs.emmeans).slice(0, 4), r.means.map((m: Any) => m.estimate));
  same(rowsOf(specs.contrasts!).slice(0, 6), r.contrasts.map((c: Any) => c.estimate));
  assert.match(JSON.stringify(specs.contrasts), /"type":"log"/);
  const dir = mkdtempSync(join(tmpdir(), "glmm-emmplot-"));
  try {
    writeFileSync(join(dir, "emm.json"), text);
    const out = glmm(["plot", "--emmeans", join(dir, "emm.json"), "--out", dir]);
    assert.deepEqual(out.trim().split("\n").map((f) => f.split("/").pop()), ["emmeans.svg", "contrasts.svg"]);
    const svg = readFileSync(join(dir, "contrasts.svg"), "utf8");
    checkSvg(svg, "contrasts.svg");
    assert.match(svg, /period1 \/ period2/);
    checkSvg(readFileSync(join(dir, "emmeans.svg"), "utf8"), "emmeans.svg");
    writeFileSync(join(dir, "bad.json"), "{\"means\": 1}");
    assert.throws(() => glmm(["plot", "--emmeans", join(dir, "bad.json"), "--out", dir]), (e: { stderr: string }) => /expected the output of glmm emmeans --format json/.test(e.stderr));
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
