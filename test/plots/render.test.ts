// Plots of fitted models and the `glmm plot` command: the plotted numbers against lme4 (conditional
// modes and SDs, Pearson residuals) and the SVG files vega renders headless.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFrameFile } from "../../src/cli/io.js";
import { plotCommand, type PlotCommandOptions } from "../../src/cli/commands/plot.js";
import { renderSVG, writeFitPlots } from "../../src/cli/render.js";
import { UserError } from "../../src/errors.js";
import { fit } from "../../src/fit.js";
import { fitPlotSpecs, plotResiduals, ranefRows } from "../../src/report/plots/fitdata.js";
import { ref, root } from "./data.js";

const data = (f: string) => join(root, "test", "fixtures", "data", f);
const example = (f: string) => join(root, "test", "plots", "fixtures", f);

const sleep = fit(readFrameFile(data("sleepstudy.csv")), "Reaction ~ Days + (Days | Subject)");

test("caterpillar rows of sleepstudy: conditional modes and SDs as lme4's ranef(condVar = TRUE)", () => {
  const rows = ranefRows(sleep.json.ranef);
  const r = ref.sleepstudy_ranef;
  assert.equal(rows.length, r.level.length);
  for (let i = 0; i < r.level.length; i++) {
    const row = rows.find((x) => x.term === r.term[i] && x.level === r.level[i]);
    assert.ok(row, `${r.term[i]} ${r.level[i]}`);
    assert.ok(Math.abs(row.estimate - r.condval[i]) < 2e-3 * (1 + Math.abs(r.condval[i])), `condval ${r.level[i]} ${r.term[i]}: ${row.estimate} vs ${r.condval[i]}`);
    assert.ok(Math.abs((row.se ?? NaN) - r.condsd[i]) < 2e-3 * r.condsd[i], `condsd ${r.level[i]} ${r.term[i]}: ${row.se} vs ${r.condsd[i]}`);
  }
});

test("GLMM residual plot: Pearson residuals vs fitted μ as lme4's residuals(type = 'pearson') (cbpp)", () => {
  const cbpp = fit(readFrameFile(data("cbpp.csv")), "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", { family: "binomial" });
  const { fitted, residuals, pearson } = plotResiduals(cbpp);
  assert.ok(pearson);
  assert.equal(residuals.length, ref.cbpp_pearson.length);
  for (let i = 0; i < residuals.length; i++) {
    assert.ok(Math.abs(fitted[i] - ref.cbpp_fitted[i]) < 1e-4, `fitted ${i}: ${fitted[i]} vs ${ref.cbpp_fitted[i]}`);
    assert.ok(Math.abs(residuals[i] - ref.cbpp_pearson[i]) < 1e-3, `pearson ${i}: ${residuals[i]} vs ${ref.cbpp_pearson[i]}`);
  }
  const specs = fitPlotSpecs(cbpp);
  assert.match(JSON.stringify(specs.residuals), /Pearson residuals/);
});

test("renderSVG draws every point: 180 residuals, 18 subjects per caterpillar panel", async () => {
  const specs = fitPlotSpecs(sleep);
  const res = await renderSVG(specs.residuals);
  assert.match(res, /^<\?xml/);
  const marks = res.slice(res.indexOf("mark-symbol role-mark"));
  assert.equal(marks.slice(0, marks.indexOf("</g>")).split("<path").length - 1, 180);
  const cat = await renderSVG(specs.caterpillar);
  for (const subject of ["308", "309", "372"]) assert.ok(cat.includes(`>${subject}</text>`), subject);
  assert.match(cat, /Random effects/);
});

test("writeFitPlots writes caterpillar, residuals and qq SVGs (and specs on request)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-plots-"));
  try {
    const written = await writeFitPlots(sleep, join(dir, "sub"), { specs: true });
    assert.deepEqual(readdirSync(join(dir, "sub")).sort(), ["caterpillar.svg", "caterpillar.vl.json", "qq.svg", "qq.vl.json", "residuals.svg", "residuals.vl.json"]);
    assert.equal(written.length, 6);
    assert.match(readFileSync(join(dir, "sub", "qq.svg"), "utf8"), /<svg/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const base: PlotCommandOptions = { out: "", family: "gaussian", nagq: "1", ref: [], alpha: "0.05", level: "0.95" };

async function run(o: Partial<PlotCommandOptions>): Promise<string[]> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await plotCommand({ ...base, ...o });
  } finally {
    process.stdout.write = write;
  }
}

test("glmm plot: DE, forest, network and profile inputs each write their SVGs", async () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-plot-"));
  try {
    const written = await run({
      out: dir, de: example("de-simulated.csv"), term: "treatment", forest: example("forest-bcg.csv"), exp: true,
      network: example("network-smoking.csv"), profile: example("profile-sleepstudy.csv"),
    });
    assert.deepEqual(written.map((p) => p.slice(dir.length + 1)).sort(), ["forest.svg", "network.svg", "profile.svg", "pvalues.svg", "volcano.svg"]);
    const forest = readFileSync(join(dir, "forest.svg"), "utf8");
    // metafor: exp(-0.7145) = 0.489 [0.344, 0.696]
    assert.ok(forest.includes("0.489 [0.344, 0.696]"));
    assert.ok(forest.includes("Comstock &amp; Webster, 1969"), "labels escaped as XML text");
    const network = readFileSync(join(dir, "network.svg"), "utf8");
    assert.ok(network.includes("4 treatments, 6 direct comparisons"));
    assert.ok(readFileSync(join(dir, "volcano.svg"), "utf8").includes("2000 tests"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("glmm plot: user errors name the problem", async () => {
  await assert.rejects(run({ out: "/tmp/x" }), (e: unknown) => e instanceof UserError && /nothing to plot/.test(e.message));
  await assert.rejects(run({ out: "/tmp/x", data: data("sleepstudy.csv") }), /--data and --formula go together/);
  await assert.rejects(run({ out: "/tmp/x", de: example("forest-bcg.csv") }), /column 'p' not found in forest-bcg.csv/);
  await assert.rejects(run({ out: "/tmp/x", de: example("de-simulated.csv"), term: "age" }), /--term 'age' not in .*terms: treatment, sexM/);
  await assert.rejects(run({ out: "/tmp/x", network: example("de-simulated.csv") }), /column 'from' not found/);
  await assert.rejects(run({ out: "/tmp/x", forest: example("network-smoking.csv") }), /column 'estimate' not found/);
  await assert.rejects(run({ out: "/tmp/x", profile: example("profile-sleepstudy.csv"), level: "95" }), /--level must be a number between 0 and 1/);
  const dir = mkdtempSync(join(tmpdir(), "glmm-plot-"));
  try {
    writeFileSync(join(dir, "file"), "");
    await assert.rejects(run({ out: join(dir, "file"), profile: example("profile-sleepstudy.csv") }), /cannot create plot directory '.*file': a file is in the way/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
