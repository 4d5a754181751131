// Satterthwaite df, t and p against lmerTest 3.1-3 (test/fixtures/reference/inference.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fit } from "../../src/fit.js";
import { Satterthwaite, satterthwaiteTable, jacobiEigen, fStatDdf } from "../../src/inference/satterthwaite.js";
import type { FittedLMM } from "../../src/lmm/lmm.js";
import { data, reference, relClose, DF_TOL, T_TOL, logClose } from "./helpers.js";

const ref = reference().satterthwaite_sleepstudy;


test("Satterthwaite df, t and p on sleepstudy match lmerTest at its precision", () => {
  const res = fit(data("sleepstudy.csv"), ref.formula, { reml: true });
  const { rows, warnings } = satterthwaiteTable(res.model, res.fit as FittedLMM);
  assert.deepEqual(warnings, []);
  const fitted = res.fit as FittedLMM;
  rows.forEach((r, j) => {
    // the table's estimate and SE are the fit's (lmerTest's Estimate and Std. Error)
    assert.equal(r.estimate, fitted.beta[j]);
    assert.ok(relClose(r.se, Math.sqrt(fitted.vcov[j + j * rows.length]), 1e-12), `${r.term} se ${r.se}`);
  });
  for (const r of rows) {
    assert.ok(relClose(r.df, ref.df[r.term], DF_TOL), `${r.term} df ${r.df} vs ${ref.df[r.term]}`);
    assert.ok(relClose(r.t, ref.t[r.term], T_TOL), `${r.term} t ${r.t} vs ${ref.t[r.term]}`);
    assert.ok(logClose(r.p, ref.p[r.term]), `${r.term} p ${r.p} vs ${ref.p[r.term]}`);
  }
});

test("F test denominator df as lmerTest's get_Fstat_ddf, at its edges", () => {
  assert.equal(fStatDdf([7.5]), 7.5);
  assert.equal(fStatDdf([1.5, 1.5]), 1.5); // all equal comes first: their mean, even below 2
  assert.equal(fStatDdf([4, 4 + 5e-9]), 4 + 2.5e-9); // equal to 1e-8: their mean
  assert.equal(fStatDdf([1.5, 50]), 2); // any ν ≤ 2
  assert.equal(fStatDdf([2, 50]), 2);
  assert.ok(Math.abs(fStatDdf([3, 6]) - 3.6) < 1e-12); // E = 3 + 1.5, 2E/(E − 2)
  assert.ok(Math.abs(fStatDdf([3, 6, 10]) - (2 * 5.75) / 2.75) < 1e-12);
});

test("the F test drops contrast directions below lmerTest's rank tolerance (√ε × the largest eigenvalue)", () => {
  const m = fit(data("dietox.csv"), "Weight ~ Time + Cu + (1 | Pig)", { reml: true });
  const s = new Satterthwaite(m.model, m.fit as FittedLMM);
  const p = m.model.p;
  const a = m.model.xnames.indexOf("CuCu035"), b = m.model.xnames.indexOf("CuCu175");
  const rowsFor = (d: number) => {
    const r1 = new Array(p).fill(0), r2 = new Array(p).fill(0);
    r1[a] = 1; r2[a] = 1; r2[b] = d;
    return [r1, r2];
  };
  // the second eigenvalue of L V Lᵀ relative to the first, as δ² × k
  const ratio = (d: number) => {
    const [r1, r2] = rowsFor(d);
    const M = new Float64Array(4);
    const rows = [r1, r2];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) {
      let acc = 0;
      for (let u = 0; u < p; u++) for (let v = 0; v < p; v++) acc += rows[i][u] * s.vcov[u + v * p] * rows[j][v];
      M[i + j * 2] = acc;
    }
    const { values } = jacobiEigen(M, 2);
    return Math.min(...values) / Math.max(...values);
  };
  const k = ratio(1e-2) / 1e-4;
  const eps = Math.sqrt(2.220446049250313e-16);
  assert.equal(s.ftest(rowsFor(Math.sqrt((2 * eps) / k))).numDf, 2);
  assert.equal(s.ftest(rowsFor(Math.sqrt((0.5 * eps) / k))).numDf, 1);
  // a rank-1 contrast is the t test
  const one = s.ftest(rowsFor(0));
  const t = s.contrast(rowsFor(0)[0]);
  assert.equal(one.numDf, 1);
  assert.ok(relClose(one.F, t.t * t.t, 1e-10) && relClose(one.denDf, t.df, 1e-10));
});

test("a one-row F test equals the squared t test; a two-row test has numerator df 2", () => {
  const res = fit(data("sleepstudy.csv"), ref.formula, { reml: true });
  const s = new Satterthwaite(res.model, res.fit as FittedLMM);
  const t = s.contrast([0, 1]);
  const f1 = s.ftest([[0, 1]]);
  assert.ok(relClose(f1.F, t.t * t.t, 1e-10));
  assert.ok(relClose(f1.denDf, t.df, 1e-10));
  assert.ok(relClose(f1.p, t.p, 1e-8));
  const f2 = s.ftest([[1, 0], [0, 1]]);
  assert.equal(f2.numDf, 2);
  assert.ok(f2.denDf > 10 && f2.denDf < 30, `denDf ${f2.denDf}`);
});

test("jacobiEigen diagonalizes a symmetric matrix", () => {
  const A = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 5]);
  const { values, vectors } = jacobiEigen(A, 3);
  for (let i = 0; i < 3; i++) {
    for (let r = 0; r < 3; r++) {
      let av = 0;
      for (let c = 0; c < 3; c++) av += A[r + c * 3] * vectors[c + i * 3];
      assert.ok(Math.abs(av - values[i] * vectors[r + i * 3]) < 1e-10);
    }
  }
  assert.ok(Math.abs(values.reduce((a, b) => a + b) - 12) < 1e-10);
});

// two scalar terms: the analytic-derivative path with k = 2 (cross derivatives of ld and r²)
for (const key of ["penicillin", "pastes"]) {
  test(`Satterthwaite with two scalar terms (${key}) matches lmerTest at its precision`, () => {
    const r = reference("satterthwaite_crossed.json")[key];
    const res = fit(data(r.data), r.formula, { reml: true });
    for (const row of satterthwaiteTable(res.model, res.fit as FittedLMM).rows) {
      assert.ok(relClose(row.df, r.df[row.term], DF_TOL), `${row.term} df ${row.df} vs ${r.df[row.term]}`);
      assert.ok(relClose(row.t, r.t[row.term], T_TOL), `${row.term} t ${row.t} vs ${r.t[row.term]}`);
      assert.ok(logClose(row.p, r.p[row.term]), `${row.term} p ${row.p} vs ${r.p[row.term]}`);
    }
  });
}

test("jacobiEigen on a 6×6 matrix: orthonormal vectors, A v = λ v to 1e-12", () => {
  const n = 6;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) A[i + j * n] = A[j + i * n] = Math.sin(1 + i * 7 + j * 3) + (i === j ? 3 : 0);
  const { values, vectors } = jacobiEigen(A, n);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < n; r++) {
      let av = 0;
      for (let c = 0; c < n; c++) av += A[r + c * n] * vectors[c + i * n];
      assert.ok(Math.abs(av - values[i] * vectors[r + i * n]) < 1e-12, `pair ${i} row ${r}`);
    }
    for (let j = 0; j < n; j++) {
      let d = 0;
      for (let r = 0; r < n; r++) d += vectors[r + i * n] * vectors[r + j * n];
      assert.ok(Math.abs(d - (i === j ? 1 : 0)) < 1e-12);
    }
  }
});
