// `glmm anova` against lmerTest 3.1 (test/fixtures/reference/anova.R → anova.json): Type III and
// Type I F tests with Satterthwaite df for LMMs; for GLMMs lmerTest's hypothesis matrices and the
// Wald χ² they give.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { anova, termContrasts, waldChisq } from "../../src/inference/anova.js";
import { fitModel } from "../../src/inference/model.js";
import { data, fixtures, reference, relClose } from "./helpers.js";

const ref = reference("anova.json");
const BIN = join(fixtures, "..", "..", "bin", "glmm.js");
const glmm = (args: string[]) => execFileSync(process.execPath, [BIN, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

// p-values: 1e-4 relative, or 1e-12 absolute for those R prints as 0
const pClose = (a: number, b: number) => relClose(a, b, 1e-4) || Math.abs(a - b) < 1e-12;

/** the fixture, or a copy without the rows of one cell (`drop_cell`: factor, level, factor, level) */
function dataFile(c: { data: string; drop_cell?: string[] | object }): string {
  const file = join(fixtures, "data", c.data);
  if (!Array.isArray(c.drop_cell)) return file; // R writes NULL as {}
  const lines = readFileSync(file, "utf8").split("\n");
  const head = lines[0].split(",").map((h) => h.replace(/"/g, ""));
  const [fa, la, fb, lb] = c.drop_cell as string[];
  const ia = head.indexOf(fa), ib = head.indexOf(fb);
  const keep = lines.filter((l, i) => { const f = l.split(",").map((x) => x.replace(/"/g, "")); return i === 0 || !(f[ia] === la && f[ib] === lb); });
  const out = join(mkdtempSync(join(tmpdir(), "glmm-anova-")), c.data);
  writeFileSync(out, keep.join("\n"));
  return out;
}

for (const c of ref.lmm) {
  test(`glmm anova (CLI) on ${c.name}: F, NumDF, DenDF, p and Sum Sq within 1e-4 of lmerTest, Type III and I`, () => {
    const file = dataFile(c);
    for (const type of ["3", "1"]) {
      const j = JSON.parse(glmm(["anova", "--data", file, "--formula", c.formula, "--type", type, "--format", "json"]));
      const want = type === "3" ? c.type3 : c.type1;
      assert.deepEqual(j.rows.map((r: { term: string }) => r.term), want.map((r: { term: string }) => r.term));
      j.rows.forEach((r: { term: string; statistic: number; numDf: number; denDf: number; p: number; sumSq: number }, i: number) => {
        const w = want[i];
        const at = `type ${type} ${r.term}`;
        assert.equal(r.numDf, w.numDf, at);
        assert.ok(relClose(r.statistic, w.F, 1e-4), `${at}: F ${r.statistic} vs ${w.F}`);
        assert.ok(relClose(r.denDf, w.denDf, 1e-4), `${at}: DenDF ${r.denDf} vs ${w.denDf}`);
        assert.ok(relClose(r.sumSq, w.sumSq, 1e-4), `${at}: Sum Sq ${r.sumSq} vs ${w.sumSq}`);
        assert.ok(pClose(r.p, w.p), `${at}: p ${r.p} vs ${w.p}`);
      });
    }
  });
}

test("glmm anova text output is lmerTest's table", () => {
  const c = ref.lmm[0];
  const out = glmm(["anova", "--data", join(fixtures, "data", c.data), "--formula", c.formula]);
  assert.match(out, /^Type III Analysis of Variance Table with Satterthwaite's method\n +Sum Sq +Mean Sq +NumDF +DenDF +F value +Pr\(>F\)\n/);
  assert.match(out, /\nEvit:Cu +5\.453\d +1\.3633 +4 +63\.003 +0\.11994 +0\.975 *\n/);
});

for (const c of ref.glmm) {
  test(`Type III and I hypothesis matrices of ${c.name} are lmerTest's (1e-6), and their Wald χ² with R's estimates equals R's (1e-6: lmerTest rounds L to 7 digits)`, () => {
    const m = fitModel(data(c.data), c.formula, { family: c.family });
    assert.deepEqual(m.ms.xnames, c.xnames);
    const p = c.xnames.length;
    const vcov = Float64Array.from(c.vcov.flat()); // symmetric: row- or column-major alike
    for (const type of [3, 1] as const) {
      const L = termContrasts(m, type);
      for (const t of type === 3 ? c.type3 : c.type1) {
        const mine = L.get(t.term)!;
        const want: number[][] = t.L.length && !Array.isArray(t.L[0]) ? [t.L] : t.L;
        assert.equal(mine.length, want.length, `${type} ${t.term} rows`);
        mine.forEach((row, i) => { for (let j = 0; j < p; j++) assert.ok(Math.abs(row[j] - want[i][j]) < 1e-6, `type ${type} ${t.term} L[${i},${j}] ${row[j]} vs ${want[i][j]}`); });
        const w = waldChisq(c.beta, vcov, mine);
        assert.equal(w.df, t.df);
        assert.ok(relClose(w.chisq, t.chisq, 1e-6), `${t.term}: χ² ${w.chisq} vs ${t.chisq}`);
        assert.ok(relClose(w.p, t.p, 1e-6), `${t.term}: p ${w.p} vs ${t.p}`);
      }
    }
  });
}

test("glmm anova on a GLMM: Wald χ² per term; with glmm's own fit within 3% of lme4's (the GLMM vcov differs by ~1% from lme4's Hessian-based one)", () => {
  const c = ref.glmm[0];
  const j = JSON.parse(glmm(["anova", "--data", join(fixtures, "data", c.data), "--formula", c.formula, "--family", c.family, "--format", "json"]));
  assert.equal(j.method, "Wald chi-square");
  assert.deepEqual(j.rows.map((r: { term: string }) => r.term), c.type3.map((r: { term: string }) => r.term));
  j.rows.forEach((r: { statistic: number; numDf: number; denDf: number | null }, i: number) => {
    assert.equal(r.numDf, c.type3[i].df);
    assert.equal(r.denDf, null);
    assert.ok(relClose(r.statistic, c.type3[i].chisq, 0.03), `${c.type3[i].term}: ${r.statistic} vs ${c.type3[i].chisq}`);
  });
});

test("anova: a one-term LMM gives one row; bad --type and an intercept-only model are one-line errors", () => {
  const m = fitModel(data("sleepstudy.csv"), "Reaction ~ Days + (1 | Subject)");
  const a = anova(m);
  assert.equal(a.rows.length, 1);
  assert.equal(a.rows[0].numDf, 1);
  assert.throws(() => anova(fitModel(data("sleepstudy.csv"), "Reaction ~ 1 + (1 | Subject)")), /no fixed-effect terms/);
  assert.throws(() => glmm(["anova", "--data", join(fixtures, "data", "sleepstudy.csv"), "--formula", "Reaction ~ Days + (1 | Subject)", "--type", "2"]), (e: { status: number; stderr: string }) => e.status !== 0 && /--type must be 1 or 3/.test(e.stderr) && !/at .*\.js/.test(e.stderr));
});

test("Type III hypotheses do not depend on the reference levels (--ref)", () => {
  const c = ref.lmm[0];
  const a = anova(fitModel(data(c.data), c.formula));
  const b = anova(fitModel(data(c.data), c.formula, { refLevels: { Evit: "Evit200", Cu: "Cu035" } }));
  a.rows.forEach((r, i) => {
    assert.equal(b.rows[i].term, r.term);
    assert.ok(relClose(b.rows[i].statistic, r.statistic, 1e-6), `${r.term}: F ${b.rows[i].statistic} vs ${r.statistic}`);
    assert.ok(relClose(b.rows[i].denDf!, r.denDf!, 1e-4), `${r.term}: DenDF ${b.rows[i].denDf} vs ${r.denDf}`);
  });
});
