// Structured covariances of random-effect vectors in glmmTMB's syntax: the formula layer
// (ar1/cs/diag/us wrappers → ReTerm.covariance.kind) and fits against glmmTMB 1.1.5
// (test/fixtures/reference/covariance_structured.R; data test/fixtures/data/covariance/structured.csv).
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildModel } from "../../src/formula/build.js";
import type { CovarianceKind, ModelStructure } from "../../src/formula/types.js";
import { fit } from "../../src/fit.js";
import { fitLMM } from "../../src/lmm/lmm.js";
import { sortTerms } from "../../src/lmm/reterms.js";
import { fitToJSON, type FitJSON } from "../../src/report/json.js";
import { frame, near, reference, throwsUser } from "./helpers.js";

const data = frame("covariance/structured.csv");
const ref = reference("covariance_structured.json");
const refFit = (id: string) => ref.fits.find((f: any) => f.id === id);

test("ar1/cs/diag/us wrappers set the term's covariance kind", () => {
  const ar = buildModel(data, "y_ar1 ~ x + ar1(factor(t) + 0 | g)");
  assert.equal(ar.reTerms.length, 1);
  assert.deepEqual(ar.reTerms[0].cnames, ["factor(t)1", "factor(t)2", "factor(t)3", "factor(t)4"]);
  assert.equal(ar.reTerms[0].covariance?.kind, "ar1");
  // a numeric time inside ar1() is taken as a factor (one column per time point, in numeric order)
  const arNum = buildModel(data, "y_ar1 ~ x + ar1(t + 0 | g)");
  assert.deepEqual(arNum.reTerms[0].cnames, ["t1", "t2", "t3", "t4"]);
  assert.deepEqual(Array.from(arNum.reTerms[0].z.subarray(0, 8)), [1, 0, 0, 0, 1, 0, 0, 0]);
  assert.equal(buildModel(data, "y_cs ~ x + cs(factor(t) + 0 | g)").reTerms[0].covariance?.kind, "cs");
  // diag(): one term with all columns (not split like ||)
  const dg = buildModel(data, "y_diag ~ x + (diag(x | g))");
  assert.equal(dg.reTerms.length, 1);
  assert.deepEqual(dg.reTerms[0].cnames, ["(Intercept)", "x"]);
  assert.equal(dg.reTerms[0].covariance?.kind, "diag");
  // us() is the default structure and records nothing
  assert.equal(buildModel(data, "y_diag ~ x + us(x | g)").reTerms[0].covariance, undefined);
  // nested grouping: each expanded term keeps the kind
  const nested = buildModel(data, "y_diag ~ x + diag(x | g/t)");
  assert.deepEqual(nested.reTerms.map((t) => [t.group, t.covariance?.kind]), [["t:g", "diag"], ["g", "diag"]]);
});

test("wrapper misuse gives formula errors with a position", () => {
  throwsUser(() => buildModel(data, "y_ar1 ~ x + ar1(factor(t) | g)"), /ar1\(factor\(t\) \| g\) needs one time variable and no intercept, as in ar1\(time \+ 0 \| g\) at position 13/);
  throwsUser(() => buildModel(data, "y_ar1 ~ ar1(0 + t + x | g)"), /needs one time variable and no intercept/);
  throwsUser(() => buildModel(data, "y_ar1 ~ x + cs(t)"), /cs\(\) wraps a random-effect term, as in cs\(x \| g\) at position 13/);
  throwsUser(() => buildModel(data, "y_ar1 ~ x + diag(x || g)"), /write diag\(\.\.\. \| g\) with a single '\|'/);
  throwsUser(() => buildModel(data, "y_ar1 ~ x + log(cs(x | g))"), /must be added to the formula with '\+'/);
  throwsUser(() => buildModel(data, "y_ar1 ~ x + cs(x | g, 2)"), /cs\(\) takes 1 argument, got 2/);
});

function compare(j: FitJSON, r: any, what: string): void {
  near(j.logLik, r.logLik, 1e-3, `${what} logLik`);
  for (const f of j.fixef) {
    near(f.estimate, r.fixef[f.term], 0.02 * r.se[f.term], `${what} fixef ${f.term}`);
  }
  // standard errors are not compared: glmmTMB inverts the joint Hessian of (β, θ), lme4 (and this
  // project) condition on θ; they differ by a few percent when β and θ are correlated (cs case: 2.3%)
  const names = Object.keys(r.sd);
  const sds = j.varcorr.filter((v) => v.term2 === null);
  assert.equal(sds.length, names.length, `${what}: number of SDs`);
  sds.forEach((v, i) => near(v.sd!, r.sd[names[i]], 0.02 * r.sd[names[i]], `${what} sd ${v.term1}`));
  if (r.corr && names.length > 1) {
    const s = names.length;
    for (const v of j.varcorr.filter((x) => x.term2 !== null)) {
      const a = sds.findIndex((x) => x.term1 === v.term1), b = sds.findIndex((x) => x.term1 === v.term2);
      near(v.corr!, r.corr[a + b * s], 0.02, `${what} corr ${v.term1} x ${v.term2}`);
    }
  }
  if (r.family === "gaussian") near(j.sigma, r.sigma, 0.02 * r.sigma, `${what} sigma`);
}

test("ar1, gaussian ML: glmmTMB's logLik, fixed effects, SD, ρ", () => {
  const r = refFit("ar1_gaussian");
  const j = fit(data, r.project_formula, { reml: false }).json;
  compare(j, r, "ar1 gaussian");
  near(j.varcorr.find((v) => v.term2 !== null)!.corr!, r.rho, 0.02, "rho");
});

test("ar1, poisson GLMM (Laplace), numeric time", () => {
  const r = refFit("ar1_poisson");
  compare(fit(data, r.project_formula, { family: "poisson" }).json, { ...r, sd: renameKeys(r.sd, (k) => k.replace("factor(t)", "t")) }, "ar1 poisson");
});

test("diag, gaussian ML: glmmTMB's diag(x | g) (= lme4's (x || g))", () => {
  const r = refFit("diag_gaussian");
  compare(fit(data, r.project_formula, { reml: false }).json, { ...r, corr: null }, "diag gaussian");
});

/** The current layout of kind "cs": heterogeneous (glmmTMB's cs: s SDs + ρ) or homogeneous (a, ρ). */
const csProbe = (): ModelStructure => buildModel(data, "y_cs ~ x + cs(factor(t) + 0 | g)");
const csHeterogeneous = sortTerms(csProbe().reTerms)[0].ntheta === 5;

test("cs, gaussian ML: glmmTMB's cs (heterogeneous SDs, one correlation)", { todo: csHeterogeneous ? false : "kind 'cs' in src/lmm/reterms.ts is homogeneous; glmmTMB's cs has one SD per column (patch in the covariance report)" }, () => {
  const r = refFit("cs_gaussian");
  const j = fit(data, r.project_formula, { reml: false }).json;
  compare(j, r, "cs gaussian");
});

test("homogeneous compound symmetry (glmmTMB's cs with the SDs mapped equal)", () => {
  const r = refFit("homcs_gaussian");
  const ms = csProbe();
  // the homogeneous kind: "homcs" once cs is heterogeneous, "cs" before
  const kind = (csHeterogeneous ? "homcs" : "cs") as CovarianceKind;
  const hom: ModelStructure = { ...ms, reTerms: ms.reTerms.map((t) => ({ ...t, covariance: { kind } })) };
  assert.equal(sortTerms(hom.reTerms)[0].ntheta, 2);
  const f = fitLMM(hom, { reml: false });
  compare(fitToJSON(f), r, "homcs gaussian");
});

function renameKeys(o: Record<string, number>, f: (k: string) => string): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [f(k), v]));
}
