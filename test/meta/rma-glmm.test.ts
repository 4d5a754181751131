// rmaGLMM against metafor 3.8.1 (rma.glmm, measure = "OR"): the BCG trials (cases.json and
// meta_reference.json) and the catheter trials of Niël-Weise et al. 2007, whose five treated arms
// with 0 events and one double-zero study enter the binomial likelihood uncorrected
// (meta_reference.R made the reference values).
//
// Tolerances: UM.FS is fitted as metafor fits it (AGQ, 7 points) and agrees to ~1e-4 of an SE. The
// standard errors of UM.RS and its saturated model come from finite-difference Hessians of a
// Laplace deviance with PIRLS inside; lme4's own are noisy at the 0.3-0.5% level (its vcov from RX
// and from the Hessian differ by that much), hence 1% there. Quantities with closed forms (UM.FS's
// saturated model, the fixed-effect GLM) are checked to 1e-6.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rmaGLMM, observedLogOR, zeroKind, type MetaResult } from "../../src/meta/rma-glmm.js";
import { studiesFromFrame } from "../../src/meta/tables.js";
import { UserError } from "../../src/errors.js";
import { Frame } from "../../src/data/frame.js";
import { bcgStudies, cases, json, near, nielweiseStudies, refPath } from "./helpers.js";

const ref = json(refPath("meta_reference.json"));
const memo = new Map<string, MetaResult>();
function run(data: "bcg" | "nielweise2007", model: "UM.FS" | "UM.RS"): MetaResult {
  const key = `${data} ${model}`;
  if (!memo.has(key)) memo.set(key, rmaGLMM(data === "bcg" ? bcgStudies() : nielweiseStudies(), { model }));
  return memo.get(key)!;
}

function checkAgainst(r: MetaResult, m: any, seTol: number, what: string): void {
  near(r.estimate, m.beta, 0.005 * m.se, `${what} estimate`);
  near(r.se, m.se, seTol * m.se, `${what} se`);
  near(r.tau2, m.tau2, 0.005 * m.tau2, `${what} tau2`);
  near(r.ciLower, m.ci_lb, 0.005 * m.se + seTol * m.se * 1.96, `${what} ci.lb`);
  near(r.ciUpper, m.ci_ub, 0.005 * m.se + seTol * m.se * 1.96, `${what} ci.ub`);
  near(r.I2, m.I2, 0.005 * m.I2, `${what} I2`);
  near(r.H2, m.H2, 0.005 * m.H2, `${what} H2`);
  assert.equal(r.k, m.k, `${what} k`);
  assert.equal(r.heterogeneity.lrt!.df, m.QE_df, `${what} QE df`);
}

for (const id of ["meta_bcg_um_fs", "meta_bcg_um_rs"]) {
  test(`${id}: the conformance case (cases.json)`, () => {
    const c = cases().find((x) => x.id === id);
    const r = run("bcg", c.options.model);
    near(r.estimate, c.reference.beta, 0.005 * c.reference.se, "estimate");
    near(r.se, c.reference.se, 0.01 * c.reference.se, "se");
    near(r.tau2, c.reference.tau2, 0.005 * c.reference.tau2, "tau2");
    // metafor's fit.stats "ll": the marginal (Laplace) log-likelihood for UM.RS; for UM.FS its own quantity
    near(r.logLikMetafor, c.reference.logLik, 1e-3, "metafor's ll");
  });
}

test("BCG, UM.FS: heterogeneity tests, I², the fixed-effect GLM and the exact marginal log-likelihood", () => {
  const r = run("bcg", "UM.FS");
  const m = ref.bcg["UM.FS"];
  checkAgainst(r, m, 0.001, "bcg UM.FS");
  // the saturated model has a closed form: Cochran's Q on the log ORs and the arms' saturated terms
  near(r.heterogeneity.wald!.statistic, m.QE_Wld, 1e-6 * m.QE_Wld, "Wald");
  near(r.heterogeneity.lrt!.statistic, m.QE_LRT, 1e-6 * m.QE_LRT, "LRT");
  near(r.fixedEffect.estimate, m.fe_beta, 1e-7, "FE estimate");
  near(r.fixedEffect.se, m.fe_se, 1e-5 * m.fe_se, "FE se"); // R's glm stops at |Δdeviance| < 1e-8
  near(r.fixedEffect.logLik, m.fe_ll, 1e-7, "FE logLik");
  // marginal log-likelihood by numerical integration in R, at lme4's estimates: ours is the maximum
  near(r.logLik, m.logLik_marginal, 1e-4, "marginal logLik");
  assert.ok(r.logLik >= m.logLik_marginal - 1e-6);
  assert.equal(r.method, "ML, adaptive Gauss-Hermite quadrature (7 points)");
  assert.equal(r.sigma2, null);
});

test("BCG, UM.RS: heterogeneity tests from the saturated GLMM, and the fixed-effect GLMM", () => {
  const r = run("bcg", "UM.RS");
  const m = ref.bcg["UM.RS"];
  checkAgainst(r, m, 0.01, "bcg UM.RS");
  near(r.sigma2!, m.sigma2, 0.005 * m.sigma2, "sigma2");
  near(r.heterogeneity.lrt!.statistic, m.QE_LRT, 1e-4 * m.QE_LRT, "LRT");
  near(r.heterogeneity.wald!.statistic, m.QE_Wld, 0.01 * m.QE_Wld, "Wald");
  near(r.fixedEffect.estimate, m.fe_beta, 0.005 * m.fe_se, "FE estimate");
  near(r.fixedEffect.se, m.fe_se, 0.01 * m.fe_se, "FE se");
  near(r.fixedEffect.logLik, m.fe_ll, 1e-3, "FE logLik");
  near(r.logLik, m.logLik_marginal, 1e-3, "logLik");
  assert.equal(r.method, "ML, Laplace approximation");
  // the LRT of τ² = 0 is twice the log-likelihood gain over the fixed-effect model
  near(r.heterogeneity.tau2LRT.statistic, 2 * (r.logLik - r.fixedEffect.logLik), 1e-9, "tau2 LRT");
});

test("zero-event arms (Niël-Weise 2007), UM.FS: no continuity correction; the double-zero study carries no information", () => {
  const r = run("nielweise2007", "UM.FS");
  const m = ref.nielweise2007["UM.FS"];
  checkAgainst(r, m, 0.002, "nielweise UM.FS");
  near(r.heterogeneity.lrt!.statistic, m.QE_LRT, 1e-6 * m.QE_LRT, "LRT");
  // metafor's saturated GLM puts the log ORs of zero-cell studies far out with huge variances: weight ~0
  near(r.heterogeneity.wald!.statistic, m.QE_Wld, 1e-5 * m.QE_Wld, "Wald");
  near(r.fixedEffect.estimate, m.fe_beta, 1e-6, "FE estimate");
  near(r.fixedEffect.logLik, m.fe_ll, 1e-6, "FE logLik");
  near(r.logLik, m.logLik_marginal, 1e-4, "marginal logLik");
  // the double-zero study (Yucel 2004) is reported, flagged and out of the likelihood
  const yucel = r.studies.find((s) => s.label === "Yucel")!;
  assert.deepEqual([yucel.zeros, yucel.inLikelihood, yucel.yi], ["double", false, null]);
  assert.equal(r.kTotal, 18);
  assert.equal(r.k, 17);
  assert.equal(r.studies.filter((s) => s.zeros === "single").length, 5);
  assert.ok(r.warnings.some((w) => /no events .* in both arms/.test(w)));
  // leaving it out of the data changes nothing: its likelihood is 1 at the fixed intercept's limit
  const without = rmaGLMM(nielweiseStudies().filter((s) => s.label !== "Yucel"), { model: "UM.FS", skipHeterogeneity: true });
  near(without.estimate, r.estimate, 1e-10, "estimate without the double-zero study");
  near(without.logLik, r.logLik, 1e-10, "logLik without the double-zero study");
});

test("zero-event arms (Niël-Weise 2007), UM.RS: the double-zero study stays in the likelihood (metafor with drop00 = FALSE)", () => {
  const r = run("nielweise2007", "UM.RS");
  const m = ref.nielweise2007["UM.RS"];
  assert.equal(m.drop00, false);
  checkAgainst(r, m, 0.01, "nielweise UM.RS");
  near(r.sigma2!, m.sigma2, 0.01 * m.sigma2, "sigma2");
  near(r.logLik, m.logLik_marginal, 1e-3, "logLik");
  near(r.fixedEffect.logLik, m.fe_ll, 2e-3, "FE logLik");
  // R's saturated fit did not converge (lme4: degenerate Hessian); the LRT still agrees closely
  near(r.heterogeneity.lrt!.statistic, m.QE_LRT, 0.001 * m.QE_LRT, "LRT");
  const yucel = r.studies.find((s) => s.label === "Yucel")!;
  assert.deepEqual([yucel.zeros, yucel.inLikelihood, yucel.corrected], ["double", true, true]);
  assert.equal(r.k, 18);
  // and it matters: dropping it moves the fit to metafor's drop00 = TRUE values
  const dropped = rmaGLMM(nielweiseStudies().filter((s) => s.label !== "Yucel"), { model: "UM.RS", skipHeterogeneity: true });
  const d = ref.nielweise2007["UM.RS_drop00"];
  near(dropped.estimate, d.beta, 0.005 * d.se, "drop00 estimate");
  near(dropped.tau2, d.tau2, 0.005 * d.tau2, "drop00 tau2");
  assert.ok(Math.abs(dropped.estimate - r.estimate) > 1e-3);
});

test("study table: observed log ORs with ½ added only when a cell is 0; zero classes as metafor's drop00", () => {
  const o = observedLogOR({ label: "x", ai: 4, n1i: 123, ci: 11, n2i: 139 });
  near(o.yi, Math.log((4 * 128) / (119 * 11)), 1e-12, "yi");
  near(o.vi, 1 / 4 + 1 / 119 + 1 / 11 + 1 / 128, 1e-12, "vi");
  assert.equal(o.corrected, false);
  const z = observedLogOR({ label: "x", ai: 0, n1i: 116, ci: 3, n2i: 117 });
  near(z.yi, Math.log((0.5 * 114.5) / (116.5 * 3.5)), 1e-12, "corrected yi");
  assert.equal(z.corrected, true);
  assert.equal(zeroKind({ label: "", ai: 0, n1i: 10, ci: 0, n2i: 12 }), "double");
  assert.equal(zeroKind({ label: "", ai: 10, n1i: 10, ci: 12, n2i: 12 }), "double");
  assert.equal(zeroKind({ label: "", ai: 0, n1i: 10, ci: 12, n2i: 12 }), "single");
  assert.equal(zeroKind({ label: "", ai: 1, n1i: 10, ci: 2, n2i: 12 }), "none");
  const r = run("bcg", "UM.FS");
  assert.equal(r.studies.length, 13);
  assert.equal(r.studies[0].label, "Aronson");
  near(r.studies[0].yi!, Math.log(512 / 1309), 1e-12, "Aronson log OR");
  // the prediction interval is estimate ± z·√(se² + τ²)
  near(r.piUpper - r.estimate, 1.959963985 * Math.sqrt(r.se ** 2 + r.tau2), 1e-8, "PI half-width");
});

test("UM.RS with nAGQ > 1 falls back to Laplace with a note; bad options are user errors", () => {
  const s = bcgStudies();
  assert.throws(() => rmaGLMM(s, { model: "UM.XX" as any }), UserError);
  assert.throws(() => rmaGLMM(s, { level: 95 }), UserError);
  assert.throws(() => rmaGLMM(s.slice(0, 1), { model: "UM.FS" }), /at least 2 informative studies/);
  const r = rmaGLMM(s.slice(0, 4), { model: "UM.RS", nAGQ: 7, skipHeterogeneity: true });
  assert.equal(r.nAGQ, 1);
  assert.ok(r.warnings.some((w) => /Laplace/.test(w)));
  assert.equal(r.heterogeneity.wald, null);
});

test("studiesFromFrame: events and non-events or totals; one-line user errors naming column and row", () => {
  const f = Frame.fromRecords([
    { s: "A", a: 1, b: 9, c: 2, d: 8, n1: 10, n2: 10 },
    { s: "B", a: 0, b: 5, c: null, d: 5, n1: 5, n2: 5 },
    { s: "C", a: 3, b: 7, c: 0, d: 10, n1: 10, n2: 10 },
  ], "t.csv");
  const t = studiesFromFrame(f, { ai: "a", bi: "b", ci: "c", di: "d", slab: "s" });
  assert.deepEqual(t.studies.map((x) => [x.label, x.n1i, x.n2i]), [["A", 10, 10], ["C", 10, 10]]);
  assert.match(t.warnings[0], /1 row with missing counts left out \(row 2\)/);
  const t2 = studiesFromFrame(f, { ai: "a", n1i: "n1", ci: "c", n2i: "n2" });
  assert.deepEqual(t2.studies.map((x) => x.label), ["1", "3"]);
  assert.throws(() => studiesFromFrame(f, { ai: "a", bi: "b", n1i: "n1", ci: "c", di: "d" }), /either --bi .* or --n1i/);
  assert.throws(() => studiesFromFrame(f, { ai: "a", ci: "c", di: "d" }), /--bi .* or --n1i/);
  assert.throws(() => studiesFromFrame(f, { ai: "a", bi: "b", ci: "c", di: "zz" }), /column 'zz' not found/);
  assert.throws(() => studiesFromFrame(f, { ai: "s", bi: "b", ci: "c", di: "d" }), /column 's' of t.csv must hold counts; row 1 has 'A'/);
  const bad = Frame.fromRecords([{ a: 11, n1: 10, c: 1, n2: 5 }], "u.csv");
  assert.throws(() => studiesFromFrame(bad, { ai: "a", n1i: "n1", ci: "c", n2i: "n2" }), /row 1 of u.csv: 11 events in the treated arm exceed its total 10/);
  const frac = Frame.fromRecords([{ a: 1.5, n1: 10, c: 1, n2: 5 }], "v.csv");
  assert.throws(() => studiesFromFrame(frac, { ai: "a", n1i: "n1", ci: "c", n2i: "n2" }), /column 'a' of v.csv, row 1: 1.5 is not a count/);
});

test("complete separation (no treated arm with an event) is a user error, not an estimate of -30000", () => {
  const s = [
    { label: "a", ai: 0, n1i: 20, ci: 3, n2i: 20 },
    { label: "b", ai: 0, n1i: 30, ci: 5, n2i: 31 },
    { label: "c", ai: 0, n1i: 15, ci: 2, n2i: 14 },
  ];
  for (const model of ["UM.FS", "UM.RS"] as const)
    assert.throws(() => rmaGLMM(s, { model }), /no treated arm has an event: the pooled log odds ratio has no finite estimate \(its maximum likelihood is at -Inf\)/);
});
