// Engine behaviour beyond the geepack numbers: row order, waves, options, errors, non-convergence.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitGEE, clusterLayout, makeCorrelation, workingCorrelationMatrix, type GeeInput } from "../../src/gee/index.js";
import { makeFamily } from "../../src/families/index.js";
import { UserError } from "../../src/errors.js";
import { codes, num, readCsv } from "./data.js";
import { design } from "./design.js";

const ohio = readCsv("ohio.csv");
const d = design(ohio, "resp ~ age + smoke");
const base: GeeInput = { X: d.X, xnames: d.xnames, y: d.y, cluster: codes(ohio, ["id"]) };
const binomial = makeFamily("binomial");

/** the same data with rows permuted (clusters no longer contiguous, visits out of order) */
function permuted(perm: number[], withTime: boolean): GeeInput {
  const n = d.n, p = d.xnames.length;
  const X = new Float64Array(n * p);
  for (let j = 0; j < p; j++) perm.forEach((src, i) => { X[i + j * n] = d.X[src + j * n]; });
  const age = num(ohio, "age");
  return {
    X, xnames: d.xnames, y: Float64Array.from(perm, (i) => d.y[i]), cluster: Int32Array.from(perm, (i) => base.cluster[i]),
    time: withTime ? Float64Array.from(perm, (i) => age[i]) : null,
  };
}

test("rows in any order: shuffled data with --time give the ordered fit (ar1), to rounding", () => {
  const n = d.n;
  // deterministic shuffle (LCG)
  const perm = Array.from({ length: n }, (_, i) => i);
  let s = 12345;
  for (let i = n - 1; i > 0; i--) { s = (s * 1103515245 + 12345) % 2147483648; const j = s % (i + 1); [perm[i], perm[j]] = [perm[j], perm[i]]; }
  const ref = fitGEE(base, { family: binomial, corstr: "ar1" });
  const shuf = fitGEE(permuted(perm, true), { family: binomial, corstr: "ar1" });
  ref.fixef.forEach((f, j) => {
    assert.ok(Math.abs(shuf.fixef[j].estimate - f.estimate) < 1e-10);
    assert.ok(Math.abs(shuf.fixef[j].se - f.se) < 1e-10);
  });
  assert.ok(Math.abs((shuf.alpha as number) - (ref.alpha as number)) < 1e-10);
  // without time the within-cluster order is the (shuffled) data order, so ar1 changes
  const noTime = fitGEE(permuted(perm, false), { family: binomial, corstr: "ar1" });
  assert.ok(Math.abs((noTime.alpha as number) - (ref.alpha as number)) > 1e-3);
  // fitted values come back in input row order
  perm.forEach((src, i) => assert.ok(Math.abs(shuf.fitted[i] - ref.fitted[src]) < 1e-12));
});

test("waves are the ranks of the distinct time values over all rows (geepack's factor codes)", () => {
  const L = clusterLayout(Int32Array.from([5, 5, 5, 2, 2]), Float64Array.from([30, 10, 40, 40, 10]));
  assert.equal(L.nclusters, 2);
  assert.deepEqual(Array.from(L.start), [0, 2, 5]);
  assert.deepEqual(Array.from(L.rows), [4, 3, 1, 0, 2]); // cluster code 2 first; rows sorted by time
  assert.deepEqual(Array.from(L.waves), [1, 3, 1, 2, 3]);
  assert.equal(L.maxWave, 3);
  assert.equal(L.tiedWaves, false);
  assert.equal(clusterLayout(Int32Array.from([1, 1]), Float64Array.from([2, 2])).tiedWaves, true);
  // no time: positions in data order
  assert.deepEqual(Array.from(clusterLayout(Int32Array.from([1, 0, 1, 1])).waves), [1, 1, 2, 3]);
});

test("working correlation matrices", () => {
  const a = Float64Array.from([0.5]);
  assert.deepEqual(workingCorrelationMatrix(makeCorrelation("ar1", 3), a, 3), [[1, 0.5, 0.25], [0.5, 1, 0.5], [0.25, 0.5, 1]]);
  assert.deepEqual(workingCorrelationMatrix(makeCorrelation("exchangeable", 3), a, 3), [[1, 0.5, 0.5], [0.5, 1, 0.5], [0.5, 0.5, 1]]);
  const un = makeCorrelation("unstructured", 4);
  assert.deepEqual(un.names, ["alpha.1:2", "alpha.1:3", "alpha.1:4", "alpha.2:3", "alpha.2:4", "alpha.3:4"]);
  assert.deepEqual([un.index(1, 2), un.index(1, 4), un.index(2, 3), un.index(3, 4)], [0, 2, 3, 5]);
  const md = makeCorrelation("mdep", 4, 2);
  assert.deepEqual(workingCorrelationMatrix(md, Float64Array.from([0.4, 0.2]), 4), [
    [1, 0.4, 0.2, 0], [0.4, 1, 0.4, 0.2], [0.2, 0.4, 1, 0.4], [0, 0.2, 0.4, 1],
  ]);
  const r = fitGEE(base, { family: binomial, corstr: "ar1" });
  assert.equal(r.workingCorrelation!.length, 4);
  assert.ok(Math.abs(r.workingCorrelation![0][3] - (r.alpha as number) ** 3) < 1e-15);
});

test("stdErr chooses which variance se and vcov report", () => {
  const rob = fitGEE(base, { family: binomial, corstr: "exchangeable" });
  const md = fitGEE(base, { family: binomial, corstr: "exchangeable", stdErr: "md" });
  const model = fitGEE(base, { family: binomial, corstr: "exchangeable", stdErr: "model" });
  rob.fixef.forEach((f, j) => {
    assert.equal(f.se, f.seRobust);
    assert.equal(md.fixef[j].se, f.seMD);
    assert.equal(model.fixef[j].se, f.seModel);
    assert.ok(f.seMD > f.seRobust);
    assert.ok(Math.abs(md.fixef[j].statistic - f.estimate / f.seMD) < 1e-12);
  });
  assert.equal(md.vcov, md.vcovMD);
  // p is the two-sided normal p-value of z (geepack's Pr(>|W|) for W = z², 1 df)
  const f = rob.fixef[1];
  assert.ok(Math.abs(f.p - 0.009730) < 5e-6, `p = ${f.p}`);
});

test("non-convergence is reported, not thrown", () => {
  const r = fitGEE(base, { family: binomial, corstr: "ar1", maxit: 1 });
  assert.equal(r.converged, false);
  assert.equal(r.iterations, 1);
  assert.match(r.warnings[0], /did not converge in 1 iterations/);
});

test("clusters of size 1 only: alpha is not estimable and stays 0, with a warning", () => {
  const single = Int32Array.from({ length: d.n }, (_, i) => i);
  const r = fitGEE({ ...base, cluster: single }, { family: binomial, corstr: "exchangeable" });
  const ind = fitGEE(base, { family: binomial, corstr: "independence" });
  assert.equal(r.alpha, 0);
  assert.equal(r.nclusters, d.n);
  assert.equal(r.maxClusterSize, 1);
  assert.match(r.warnings.join("\n"), /no cluster has two observations/);
  r.fixef.forEach((f, j) => assert.ok(Math.abs(f.estimate - ind.fixef[j].estimate) < 1e-10));
});

test("input errors are one-line UserErrors", () => {
  assert.throws(() => fitGEE(base, { family: binomial, corstr: "toeplitz" as never }), (e: unknown) => e instanceof UserError && /unknown correlation structure 'toeplitz' \(use independence, exchangeable, ar1, unstructured, mdep\)/.test(e.message));
  const tied = Float64Array.from({ length: d.n }, () => 1);
  assert.throws(() => fitGEE({ ...base, time: tied }, { family: binomial, corstr: "ar1" }), (e: unknown) => e instanceof UserError && /repeats within a cluster/.test(e.message));
  // exchangeable does not care about ties
  assert.doesNotThrow(() => fitGEE({ ...base, time: tied }, { family: binomial, corstr: "exchangeable", qic: false }));
  assert.throws(() => fitGEE({ ...base, y: Float64Array.from(d.y, (v) => v * 2) }, { family: binomial, corstr: "independence" }), UserError);
  assert.throws(() => fitGEE(base, { family: binomial, corstr: "mdep", mdep: 0 }), /positive integer/);
  const collinear = new Float64Array(d.n * 4);
  collinear.set(d.X);
  collinear.set(d.X.subarray(d.n, 2 * d.n), 3 * d.n);
  assert.throws(() => fitGEE({ ...base, X: collinear, xnames: [...d.xnames, "age2"] }, { family: binomial, corstr: "exchangeable" }), UserError);
});
