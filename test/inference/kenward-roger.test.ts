// Kenward–Roger against pbkrtest 0.5.2 / lmerTest 3.1 / emmeans
// (test/fixtures/reference/kenward_roger.R → kenward_roger.json), through bin/glmm.js.
// Measured: Φ_A within 3e-5 (relative to √(Φ_A,ii Φ_A,jj)), SEs within 1.5e-5, df within 1e-6,
// F and p within 1e-5; what is left comes from the REML optimum, not from the KR algebra.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fit } from "../../src/fit.js";
import { kenwardRoger } from "../../src/inference/kenward-roger.js";
import type { FittedLMM } from "../../src/lmm/lmm.js";
import { data, fixtures, reference, relClose } from "./helpers.js";

const ref = reference("kenward_roger.json");
const root = join(fixtures, "..", "..");
const BIN = join(root, "bin", "glmm.js");
const glmm = (args: string[]) => JSON.parse(execFileSync(process.execPath, [BIN, ...args, "--format", "json"], { encoding: "utf8", cwd: root }));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

for (const c of ref as Any[]) {
  const args = ["--data", `test/fixtures/data/${c.data}`, "--formula", c.formula, "--ddf", "kenward-roger"];
  test(`Kenward-Roger, ${c.name}: adjusted vcov as pbkrtest's vcovAdj within 1e-4`, () => {
    const r = fit(data(c.data), c.formula);
    const kr = kenwardRoger(r.model, r.fit as FittedLMM);
    const p = (r.fit as FittedLMM).p, A = c.vcovAdj;
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) {
        const d = Math.abs(kr.phiA[a + b * p] - A[a][b]) / Math.sqrt(A[a][a] * A[b][b]);
        assert.ok(d < 1e-4, `Φ_A[${a},${b}] ${kr.phiA[a + b * p]} vs ${A[a][b]}`);
      }
  });
  // the CLI tests on the two smaller fits (the random-slope one is covered by Φ_A above)
  if (c.name.includes("random slope")) continue;
  test(`glmm fixef --ddf kenward-roger (CLI), ${c.name}: SE, df, t, p as lmerTest's summary within 1e-4`, () => {
    const out = glmm(["fixef", ...args]);
    assert.equal(out.method, "Kenward-Roger");
    c.coef.forEach((w: Any, j: number) => {
      const g = out.fixef[j];
      assert.equal(g.term, w.term);
      for (const [k, kw] of [["se", "se"], ["df", "df"]]) assert.ok(relClose(g[k], w[kw], 1e-4), `${w.term} ${k}: ${g[k]} vs ${w[kw]}`);
      assert.ok(Math.abs(g.statistic - w.t) <= 1e-4 * Math.max(1, Math.abs(w.t)), `${w.term} t: ${g.statistic} vs ${w.t}`);
      assert.ok(Math.abs(g.p - w.p) <= 1e-4 * w.p + 1e-12, `${w.term} p: ${g.p} vs ${w.p}`);
    });
  });
  if (!c.emmeans) continue;
  test(`glmm anova --ddf kenward-roger (CLI), ${c.name}: F, DenDF, Sum Sq, p as lmerTest within 1e-4`, () => {
    const out = glmm(["anova", ...args]);
    assert.equal(out.method, "Kenward-Roger");
    c.type3.forEach((w: Any, j: number) => {
      const g = out.rows[j];
      assert.equal(g.term, w.term);
      for (const [k, kw] of [["statistic", "F"], ["denDf", "denDf"], ["sumSq", "sumSq"], ["meanSq", "meanSq"]]) assert.ok(relClose(g[k], w[kw], 1e-4), `${w.term} ${k}: ${g[k]} vs ${w[kw]}`);
      assert.equal(g.numDf, w.numDf);
      assert.ok(Math.abs(g.p - w.p) <= 1e-4 * w.p + 1e-12, `${w.term} p: ${g.p} vs ${w.p}`);
    });
  });
  {
    test(`glmm emmeans --ddf kenward-roger (CLI), ${c.name}: means, SEs, df, CIs and Tukey p as emmeans within 1e-4`, () => {
      const out = glmm(["emmeans", ...args, "--specs", c.emmeans.specs]);
      assert.equal(out.dfMethod, "Kenward-Roger");
      out.means.forEach((m: Any, i: number) => {
        for (const k of ["estimate", "se", "df", "lower", "upper"]) assert.ok(relClose(m[k], c.emmeans[k][i], 1e-4), `mean ${i} ${k}: ${m[k]} vs ${c.emmeans[k][i]}`);
      });
      out.contrasts.forEach((m: Any, i: number) => {
        assert.equal(m.contrast, c.pairs.contrast[i]);
        for (const k of ["estimate", "se", "df", "p"]) assert.ok(relClose(m[k], c.pairs[k][i], 1e-4), `contrast ${i} ${k}: ${m[k]} vs ${c.pairs[k][i]}`);
      });
    });
  }
}

test("Kenward-Roger: one-line errors for an ML fit and an unknown --ddf", () => {
  const base = ["--data", "test/fixtures/data/sleepstudy.csv", "--formula", "Reaction ~ Days + (Days | Subject)"];
  const ml = spawnSync(process.execPath, [BIN, "anova", ...base, "--ml", "--ddf", "kenward-roger"], { encoding: "utf8", cwd: root });
  assert.notEqual(ml.status, 0);
  assert.match(ml.stderr, /only available for REML fits/);
  assert.equal(ml.stderr.trim().split("\n").length, 1);
  const bad = spawnSync(process.execPath, [BIN, "emmeans", ...base, "--specs", "Days", "--ddf", "kr2"], { encoding: "utf8", cwd: root });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--ddf must be satterthwaite or kenward-roger/);
});
