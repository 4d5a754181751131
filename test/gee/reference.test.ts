// fitGEE against geepack 1.3.9: the gee_* cases of cases.json and the extra cases of gee_extra.json
// (made by test/fixtures/reference/gee_extra.R). The engine follows geepack's iteration step for step,
// so estimates agree to ~1e-12; the tolerances below (1e-6 relative) are far tighter than geepack's own
// convergence tolerance (1e-4) and fail on any change of estimator, start, update order or stopping rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fitGEE, type CorStr, type GeeResult } from "../../src/gee/index.js";
import { makeFamily } from "../../src/families/index.js";
import { type Table, codes, num, readCsv, root } from "./data.js";
import { design } from "./design.js";

const REL = 1e-6;

function close(actual: number, expected: number, what: string, rel = REL, abs = 1e-10): void {
  assert.ok(Number.isFinite(actual), `${what}: ${actual} is not finite`);
  const tol = rel * Math.abs(expected) + abs;
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (|diff| ${Math.abs(actual - expected)} > ${tol})`);
}

interface Spec {
  data: string;
  formula: string;
  family: string;
  cluster: string[];
  corstr: CorStr;
  mdep?: number;
  rows?: (t: Table) => number[];
  time?: string;
  weights?: (rows: number[]) => Float64Array;
  offset?: (t: Table, rows: number[]) => Float64Array;
  scaleFix?: number;
}

const tables = new Map<string, Table>();
function table(name: string): Table {
  if (!tables.has(name)) tables.set(name, readCsv(name));
  return tables.get(name)!;
}

function run(spec: Spec): GeeResult {
  const t = table(spec.data);
  const all = t[Object.keys(t)[0]].map((_, i) => i);
  const rows = spec.rows ? spec.rows(t) : all;
  const d = design(t, spec.formula, rows);
  return fitGEE(
    {
      X: d.X, xnames: d.xnames, y: d.y, cluster: codes(t, spec.cluster, rows),
      time: spec.time ? num(t, spec.time, rows) : null,
      weights: spec.weights ? spec.weights(rows) : null,
      offset: spec.offset ? spec.offset(t, rows) : null,
    },
    { family: makeFamily(spec.family), corstr: spec.corstr, mdep: spec.mdep, scaleFix: spec.scaleFix },
  );
}

// ---- cases.json (the conformance cases) ----
const cases = JSON.parse(readFileSync(join(root, "test/fixtures/reference/cases.json"), "utf8")).cases as any[];
const geeCases = cases.filter((c) => c.engine === "gee");

test("cases.json has the five geepack cases", () => {
  assert.deepEqual(geeCases.map((c) => c.id).sort(), [
    "gee_dietox_ar1", "gee_ohio_ar1", "gee_ohio_exchangeable", "gee_ohio_independence", "gee_respiratory_exchangeable",
  ]);
});

for (const c of geeCases) {
  test(`geepack reference ${c.id}`, () => {
    const r = run({ data: c.data, formula: c.formula, family: c.family, cluster: c.options.id.split(":"), corstr: c.options.corstr });
    const ref = c.reference;
    assert.deepEqual(r.xnames, Object.keys(ref.coef));
    r.fixef.forEach((f, j) => {
      close(f.estimate, ref.coef[f.term], `${c.id} coef ${f.term}`);
      close(f.se, ref.se_robust[f.term], `${c.id} se ${f.term}`);
      close(f.statistic, f.estimate / f.se, `${c.id} z ${f.term}`, 1e-12);
      assert.equal(r.fixef[j].seRobust, f.se);
    });
    const alpha = Object.values(ref.alpha) as number[];
    if (alpha.length === 0) assert.equal(r.alpha, null);
    else close(r.alpha as number, alpha[0], `${c.id} alpha`);
    close(r.scale, ref.scale, `${c.id} scale`);
    assert.equal(r.nobs, ref.nobs);
    assert.equal(r.nclusters, ref.nclusters);
    assert.equal(r.converged, true);
  });
}

// ---- gee_extra.json ----
const extra = JSON.parse(readFileSync(join(root, "test/fixtures/reference/gee_extra.json"), "utf8"));
const dropEvery7th = (t: Table) => t.outcome.map((_, i) => i).filter((i) => (i + 1) % 7 !== 3);
const ohio = (corstr: CorStr, more: Partial<Spec> = {}): Spec => ({ data: "ohio.csv", formula: "resp ~ age + smoke", family: "binomial", cluster: ["id"], corstr, ...more });
const diet = (corstr: CorStr, more: Partial<Spec> = {}): Spec => ({ data: "dietox.csv", formula: "Weight ~ Time + Cu", family: "gaussian", cluster: ["Pig"], corstr, ...more });
const resp = (corstr: CorStr, more: Partial<Spec> = {}): Spec => ({ data: "respiratory.csv", formula: "outcome ~ treat + sex + age + baseline", family: "binomial", cluster: ["center", "id"], corstr, ...more });

const specs: Record<string, Spec> = {
  ohio_independence: ohio("independence"),
  ohio_exchangeable: ohio("exchangeable"),
  ohio_ar1: ohio("ar1"),
  ohio_unstructured: ohio("unstructured"),
  ohio_mdep2: ohio("mdep", { mdep: 2 }),
  ohio_exchangeable_scalefix: ohio("exchangeable", { scaleFix: extra.ohio_exchangeable_scalefix.scale }),
  ohio_singletons_exchangeable: ohio("exchangeable", {
    rows: (t) => t.id.map((_, i) => i).filter((i) => Number(t.id[i]) % 5 !== 0 || t.age[i] === "-2"),
  }),
  dietox_ar1: diet("ar1"),
  dietox_exch_weights_offset: diet("exchangeable", {
    weights: (rows) => Float64Array.from(rows, (i) => 1 + (i % 3)),
    offset: (t, rows) => Float64Array.from(rows, (i) => 0.5 * Number(t.Time[i])),
  }),
  dietox_ar1_weights: diet("ar1", { weights: (rows) => Float64Array.from(rows, (i) => 1 + (i % 3)) }),
  respiratory_exchangeable: resp("exchangeable"),
  respiratory_poisson_ar1: { ...resp("ar1"), formula: "outcome ~ treat + age + baseline", family: "poisson" },
  respiratory_gaps_ar1: resp("ar1", { rows: dropEvery7th, time: "visit" }),
  respiratory_gaps_unstructured: resp("unstructured", { rows: dropEvery7th, time: "visit" }),
  respiratory_gaps_mdep2: resp("mdep", { rows: dropEvery7th, time: "visit", mdep: 2 }),
};

test("every converged gee_extra.json case has a spec", () => {
  const ids = Object.keys(extra).filter((k) => !k.startsWith("_") && extra[k].error === 0);
  assert.deepEqual(ids.sort(), Object.keys(specs).sort());
});

for (const [id, spec] of Object.entries(specs)) {
  test(`geepack extra ${id}: estimates, all three variances, alpha and scale with SEs, QIC`, () => {
    const r = run(spec);
    const e = extra[id];
    assert.equal(r.converged, true);
    assert.deepEqual(r.xnames, Object.keys(e.coef));
    r.fixef.forEach((f, j) => {
      close(f.estimate, e.coef[f.term], `${id} coef ${f.term}`);
      close(f.seRobust, e.se_robust[j], `${id} robust se ${f.term}`);
      close(f.seModel, e.se_model[j], `${id} model se ${f.term}`);
      close(f.seMD, e.se_md[f.term], `${id} Mancl-DeRouen se ${f.term}`);
      assert.ok(f.seMD > f.seRobust, `${id}: the bias-corrected SE is larger than the sandwich SE`);
    });
    const alpha = ([] as number[]).concat(e.alpha);
    const got = r.alpha === null ? [] : ([] as number[]).concat(r.alpha);
    assert.equal(got.length, alpha.length);
    got.forEach((a, k) => close(a, alpha[k], `${id} alpha[${k}]`));
    ([] as number[]).concat(e.alpha_se).forEach((s, k) => close(r.alphaSe![k], s, `${id} alpha se[${k}]`));
    close(r.scale, e.scale, `${id} scale`);
    if (spec.scaleFix === undefined) close(r.scaleSe!, e.scale_se, `${id} scale se`);
    else assert.equal(r.scaleSe, null);
    assert.equal(r.nobs, e.nobs);
    assert.equal(r.nclusters, e.nclusters);
    assert.equal(r.maxClusterSize, e.max_cluster);
    const q = r.qic!;
    close(q.QIC, e.qic.QIC, `${id} QIC`);
    close(q.QICu, e.qic.QICu, `${id} QICu`);
    close(q.quasiLik, e.qic["Quasi Lik"], `${id} quasi-likelihood`);
    close(q.CIC, e.qic.CIC, `${id} CIC`);
    close(q.QICC, e.qic.QICC, `${id} QICC`);
  });
}

test("geepack's non-converged unstructured fit (66 parameters, 72 clusters) is reported as not converged", () => {
  const r = run(diet("unstructured", { time: "Time" }));
  assert.equal(extra.dietox_unstructured_waves.error, 1);
  assert.equal(r.converged, false);
  assert.equal(r.iterations, 25);
  assert.match(r.warnings.join("\n"), /did not converge in 25 iterations/);
  // same path as geepack for all 25 iterations
  r.fixef.forEach((f) => close(f.estimate, extra.dietox_unstructured_waves.coef[f.term], `coef ${f.term}`, 1e-5));
});
