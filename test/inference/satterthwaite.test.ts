// Satterthwaite df, t and p against lmerTest 3.1-3 (test/fixtures/reference/inference.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fit } from "../../src/fit.js";
import { Satterthwaite, satterthwaiteTable, jacobiEigen } from "../../src/inference/satterthwaite.js";
import type { FittedLMM } from "../../src/lmm/lmm.js";
import { data, reference, relClose } from "./helpers.js";

const ref = reference().satterthwaite_sleepstudy;

test("Satterthwaite df, t and p on sleepstudy match lmerTest within 1%", () => {
  const res = fit(data("sleepstudy.csv"), ref.formula, { reml: true });
  const { rows, warnings } = satterthwaiteTable(res.model, res.fit as FittedLMM);
  assert.deepEqual(warnings, []);
  for (const r of rows) {
    assert.ok(relClose(r.df, ref.df[r.term], 0.01), `${r.term} df ${r.df} vs ${ref.df[r.term]}`);
    assert.ok(relClose(r.t, ref.t[r.term], 0.01), `${r.term} t ${r.t} vs ${ref.t[r.term]}`);
    assert.ok(relClose(r.p, ref.p[r.term], 0.01), `${r.term} p ${r.p} vs ${ref.p[r.term]}`);
  }
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
