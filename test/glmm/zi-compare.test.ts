// `glmm compare` between nested zero-inflated / dispersion-formula GLMMs (issue 21), --zi and --disp
// once per --formula, against glmmTMB 1.1.5's anova() (test/fixtures/reference/zi_compare.R →
// zi_compare.json): npar equal, logLik and AIC within 1e-3, χ² within 2e-3 and p within 1%.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });

interface Row { formula?: string; npar: number; AIC: number; logLik: number; chisq: number | null; df: number | null; p: number | null }
interface Cmp { id: string; data: string; formula: string; family: string; zi: string[]; disp?: string[]; rows: Row[] }
const ref: { comparisons: Cmp[] } = JSON.parse(readFileSync(join(root, "test/fixtures/reference/zi_compare.json"), "utf8"));

for (const c of ref.comparisons) {
  test(`glmm compare ${c.id}: as glmmTMB's anova`, () => {
    const args = ["compare", "--data", `test/fixtures/data/${c.data}`, "--family", c.family, "--format", "json"];
    for (const z of c.zi) args.push("--formula", c.formula, "--zi", z);
    for (const d of c.disp ?? []) args.push("--disp", d);
    if (c.data === "salamanders.csv") args.push("--ref", "spp=GP", "--ref", "mined=yes");
    const r = glmm(...args);
    assert.equal(r.status, 0, r.stderr);
    const got: Row[] = JSON.parse(r.stdout).models;
    assert.equal(got.length, c.rows.length);
    c.rows.forEach((w, k) => {
      const g = got[k];
      assert.equal(g.npar, w.npar, `${c.id} row ${k + 1} npar`);
      assert.ok(Math.abs(g.logLik - w.logLik) <= 1e-3, `${c.id} row ${k + 1} logLik ${g.logLik} vs ${w.logLik}`);
      assert.ok(Math.abs(g.AIC - w.AIC) <= 2e-3, `${c.id} row ${k + 1} AIC`);
      if (w.chisq === null) { assert.equal(g.chisq, null); return; }
      assert.ok(Math.abs(g.chisq! - w.chisq) <= 2e-3, `${c.id} row ${k + 1} chisq ${g.chisq} vs ${w.chisq}`);
      assert.equal(g.df, w.df);
      assert.ok(Math.abs(g.p! / w.p! - 1) <= 1e-2, `${c.id} row ${k + 1} p ${g.p} vs ${w.p}`);
    });
    // the zero-inflation part appears in the model's label; Poisson → ZIP tests on the boundary
    assert.match(got[1].formula!, /, zi ~ 1/);
    assert.match(r.stderr, /adds zero-inflation has its null hypothesis on the boundary/);
  });
}

test("glmm compare: --zi given neither once nor once per model", () => {
  const f = "count ~ mined + (1 | site)";
  const r = glmm("compare", "--data", "test/fixtures/data/salamanders.csv", "--family", "poisson", "--formula", f, "--formula", f, "--formula", f, "--zi", "~ 1", "--zi", "~ mined");
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--zi is given 2 times for 3 models: give it once \(for every model\) or once per --formula/);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
});
