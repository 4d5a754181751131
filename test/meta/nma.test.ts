// networkMetaAnalysis on the smoking-cessation network (Hasselblad 1998) against lme4 1.1.31: the
// conformance case nma_hasselblad_twoway (cases.json) and meta_nma_hasselblad.json (made by
// meta_nma_hasselblad.R: all pairwise log ORs, their SEs, P-scores, direct-comparison counts).
// The fit is `glmm fit`'s own, so the numbers must equal fit()'s exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { networkMetaAnalysis, pScores, type Comparison, type NMAResult } from "../../src/meta/nma.js";
import { nmaToJSON } from "../../src/meta/nma-report.js";
import { fit } from "../../src/fit.js";
import { Frame } from "../../src/data/frame.js";
import { UserError } from "../../src/errors.js";
import { cases, dataPath, frame, json, near, refPath } from "./helpers.js";

const cols = { study: "study", treatment: "trt", events: "xi", n: "ni" };
let memo: NMAResult | null = null;
const hasselblad = () => (memo ??= networkMetaAnalysis(frame(dataPath("hasselblad1998.csv")), cols, { reference: "no_contact", smallValues: "bad" }));

test("nma_hasselblad_twoway: the two-way GLMM as lme4 fits it (cases.json)", () => {
  const c = cases().find((x) => x.id === "nma_hasselblad_twoway");
  const r = hasselblad();
  assert.equal(r.formula, c.formula);
  const j = r.fit.json;
  assert.ok(j.logLik >= c.reference.logLik - 1e-4, `logLik ${j.logLik}`);
  for (const [term, est] of Object.entries(c.reference.fixef) as [string, number][]) {
    const f = j.fixef.find((x) => x.term === term)!;
    const se = c.reference.se[term];
    near(f.estimate, est, 0.01 * se, `fixef ${term}`);
    near(f.se, se, 0.01 * se, `se ${term}`);
  }
  near(r.sigma2, c.reference.varcorr[0].vcov, 0.01 * c.reference.varcorr[0].vcov, "sigma2");
  near(r.tau2, 2 * r.sigma2, 1e-15, "tau2 = 2 sigma2");
});

test("glmm nma gives exactly the numbers of glmm fit with the same formula", () => {
  const r = hasselblad();
  const f = fit(frame(dataPath("hasselblad1998.csv")), "cbind(xi, ni - xi) ~ 0 + factor(study) + trt + (1 | study:trt)", { family: "binomial", refLevels: { trt: "no_contact" } });
  assert.equal(r.fit.json.logLik, f.json.logLik);
  assert.deepEqual(r.fit.json.fixef, f.json.fixef);
  assert.deepEqual(r.fit.json.varcorr, f.json.varcorr);
  const j = nmaToJSON(r) as any;
  assert.deepEqual(j.fixef, f.json.fixef);
  assert.equal(j.logLik, f.json.logLik);
});

test("league table, P-scores and direct evidence against lme4 + R (meta_nma_hasselblad.json)", () => {
  const ref = json(refPath("meta_nma_hasselblad.json"));
  const r = hasselblad();
  assert.deepEqual(r.treatments, ref.treatments);
  const K = r.treatments.length;
  for (let i = 0; i < K; i++)
    for (let j = 0; j < K; j++) {
      const c = r.league[i][j];
      if (i === j) { assert.equal(c, null); continue; }
      const se = ref.se[i][j];
      near(c!.estimate, ref.estimate[i][j], 0.01 * se, `league ${i},${j}`);
      near(c!.se, se, 0.01 * se, `league se ${i},${j}`);
      assert.equal(c!.directStudies, ref.direct[i][j], `direct ${i},${j}`);
      // antisymmetry of the network estimates
      near(c!.estimate, -r.league[j][i]!.estimate, 1e-14, "antisymmetric");
    }
  for (const p of r.pscores) near(p.pscore, ref.pscore[p.treatment], 0.005, `P-score ${p.treatment}`);
  assert.deepEqual(r.pscores.map((p) => p.treatment), ["grp_counseling", "ind_counseling", "self_help", "no_contact"]);
  assert.deepEqual(r.pscores.map((p) => p.rank), [1, 2, 3, 4]);
  assert.equal(r.comparisons.length, 6);
  assert.equal(r.effects.length, 3);
  assert.deepEqual(r.direct.map((d) => [d.a, d.b, d.studies.length]), [
    ["no_contact", "grp_counseling", 2], ["no_contact", "ind_counseling", 15], ["no_contact", "self_help", 3],
    ["grp_counseling", "ind_counseling", 4], ["grp_counseling", "self_help", 2], ["ind_counseling", "self_help", 2],
  ]);
  assert.equal(r.studies, 24);
  assert.equal(r.arms, 50);
});

test("P-scores: definition, reversal with small values good, and their sum K/2", () => {
  const mk = (t: string, v: string, est: number, se: number): Comparison => ({ treatment: t, versus: v, estimate: est, se, z: est / se, p: 0, lower: 0, upper: 0, directStudies: 0 });
  // log ORs A = 2, B = 1, C = -1: A beats B by 1 SE, B beats C by 2 SE, A beats C by 3/(2√2) SE
  const d = { A: 2, B: 1, C: -1 };
  const se = { AB: 1, AC: Math.SQRT2 * 2, BC: 1 };
  const T = ["A", "B", "C"] as const;
  const pairSe = (a: string, b: string) => (se as any)[[a, b].sort().join("")];
  const league = T.map((a) => T.map((b) => (a === b ? null : mk(a, b, (d as any)[a] - (d as any)[b], pairSe(a, b)))));
  const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));
  const bad = pScores([...T], league, "bad");
  near(bad.find((p) => p.treatment === "A")!.pscore, (Phi(1) + Phi(3 / (2 * Math.SQRT2))) / 2, 1e-7, "P(A)");
  near(bad.find((p) => p.treatment === "C")!.pscore, (Phi(-3 / (2 * Math.SQRT2)) + Phi(-2)) / 2, 1e-7, "P(C)");
  near(bad.reduce((s, p) => s + p.pscore, 0), 1.5, 1e-12, "sum");
  const good = pScores([...T], league, "good");
  for (const p of good) near(p.pscore, 1 - bad.find((q) => q.treatment === p.treatment)!.pscore, 1e-12, `reversed ${p.treatment}`);
  assert.equal(good[0].treatment, "C");
});

test("user errors: unknown reference, duplicate arms, a disconnected network, bad counts", () => {
  const f = frame(dataPath("hasselblad1998.csv"));
  assert.throws(() => networkMetaAnalysis(f, cols, { reference: "placebo" }), /reference treatment 'placebo' is not a level of 'trt' \(levels: grp_counseling, ind_counseling, no_contact, self_help\)/);
  const rec = (s: number, t: string, x: number, n: number) => ({ study: s, trt: t, xi: x, ni: n });
  const dup = Frame.fromRecords([rec(1, "a", 1, 10), rec(1, "a", 2, 10), rec(2, "a", 1, 10), rec(2, "b", 3, 10)], "d.csv");
  assert.throws(() => networkMetaAnalysis(dup, cols), /study '1' has two arms of treatment 'a' \(row 2 of d.csv\)/);
  const disc = Frame.fromRecords([rec(1, "a", 1, 10), rec(1, "b", 2, 10), rec(2, "c", 1, 10), rec(2, "d", 3, 10)], "e.csv");
  assert.throws(() => networkMetaAnalysis(disc, cols), /network is disconnected: no study links \{a, b\} and \{c, d\}/);
  const over = Frame.fromRecords([rec(1, "a", 11, 10), rec(1, "b", 2, 10)], "o.csv");
  assert.throws(() => networkMetaAnalysis(over, cols), UserError);
  assert.throws(() => networkMetaAnalysis(f, { ...cols, n: "nope" }), /column 'nope' not found/);
});

// erf by its Taylor series (accurate to 1e-15 for the |x| < 2 used here), independent of the library's pnorm
function erf(x: number): number {
  let sum = x, term = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}
