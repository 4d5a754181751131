// Numeric supernodal Cholesky against the dense kernels on random sparse SPD matrices: the factor,
// the solves, the selected inverse, failing pivots and the zero last pivot of a perfect fit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cholInverse, cholLower } from "../../src/linalg/dense.js";
import { analyze, fillReducingOrder, permutePattern, SupernodalCholesky, type SparseLowerPattern } from "../../src/linalg/sparse/index.js";
import { naiveStructure, nestedPattern, randomPattern, rng, spdDense } from "./sparse-util.js";

function load(f: SupernodalCholesky, p: SparseLowerPattern, A: Float64Array): void {
  f.clear();
  const n = p.n, at = f.mapPattern(p);
  for (let j = 0; j < n; j++)
    for (let q = p.colPtr[j]; q < p.colPtr[j + 1]; q++) {
      const i = p.rowIdx[q];
      assert.equal(at[q], f.locate(i, j), `A(${i}, ${j})`);
      f.L[at[q]] = A[i + j * n];
    }
}

const cases = [
  { n: 1, deg: 0, tail: 0 }, { n: 9, deg: 1, tail: 1 }, { n: 80, deg: 1, tail: 3 },
  { n: 150, deg: 2, tail: 0 }, { n: 260, deg: 2, tail: 4 }, { n: 300, deg: 6, tail: 2 },
];

function relErr(a: number, b: number, scale: number): number {
  return Math.abs(a - b) / scale;
}

test("factor matches cholLower on random sparse SPD matrices (1e-10 relative); L's pattern holds the fill", () => {
  for (const [k, c] of cases.entries()) {
    const p = randomPattern(c.n, c.deg, c.tail, 100 + k), n = p.n;
    const A = spdDense(p, 200 + k);
    const s = analyze(p, { boundaries: c.tail > 0 ? [n - c.tail] : [] });
    const f = new SupernodalCholesky(s);
    load(f, p, A);
    assert.equal(f.factor(), -1);
    const D = Float64Array.from(A);
    assert.equal(cholLower(D, n), -1);
    const S = naiveStructure(p);
    let scale = 0;
    for (const v of D) scale = Math.max(scale, Math.abs(v));
    let err = 0;
    for (let j = 0; j < n; j++)
      for (let i = j; i < n; i++) {
        const at = f.locate(i, j);
        if (at < 0) {
          assert.equal(S[i + j * n], 0, `fill (${i}, ${j}) outside the pattern`);
          assert.ok(Math.abs(D[i + j * n]) < 1e-12 * scale);
        } else err = Math.max(err, relErr(f.L[at], D[i + j * n], scale));
      }
    assert.ok(err < 1e-10, `n=${n}: ${err}`);
    let ld = 0;
    for (let j = 0; j < n; j++) {
      assert.ok(Math.abs(f.diag(j) - D[j + j * n]) < 1e-10 * scale);
      ld += 2 * Math.log(D[j + j * n]);
    }
    assert.ok(Math.abs(f.logDet() - ld) < 1e-10 * Math.max(1, Math.abs(ld)));
  }
});

test("solveL / solveLt solve A x = b, also on a leading block", () => {
  const p = randomPattern(200, 2, 3, 7), n = p.n;
  const A = spdDense(p, 8);
  const s = analyze(p, { boundaries: [n - 3] });
  const f = new SupernodalCholesky(s);
  load(f, p, A);
  assert.equal(f.factor(), -1);
  const r = rng(9);
  const b = Float64Array.from({ length: n }, () => r() - 0.5);
  const x = Float64Array.from(b);
  f.solveL(x);
  f.solveLt(x);
  for (let i = 0; i < n; i++) {
    let s2 = 0;
    for (let j = 0; j < n; j++) s2 += A[i + j * n] * x[j];
    assert.ok(Math.abs(s2 - b[i]) < 1e-10, `row ${i}`);
  }
  // leading block k = n-3: solves with A[0:k, 0:k] only, the tail of b untouched
  const k = n - 3;
  const y = Float64Array.from(b);
  f.solveL(y, k);
  f.solveLt(y, k);
  for (let i = 0; i < k; i++) {
    let s2 = 0;
    for (let j = 0; j < k; j++) s2 += A[i + j * n] * y[j];
    assert.ok(Math.abs(s2 - b[i]) < 1e-10, `leading row ${i}`);
  }
  for (let i = k; i < n; i++) assert.equal(y[i], b[i]);
  const inside = Array.from({ length: n }, (_, j) => j).find((j) => s.superPtr[s.colSuper[j]] !== j);
  assert.ok(inside !== undefined);
  assert.throws(() => f.solveL(y, inside), /not a supernode boundary/);
});

function checkSelinv(p: SparseLowerPattern, A: Float64Array, k: number, boundaries: number[]): void {
  const n = p.n;
  const s = analyze(p, { boundaries });
  const f = new SupernodalCholesky(s);
  load(f, p, A);
  assert.equal(f.factor(), -1);
  const Z = f.selectedInverse(k);
  const D = new Float64Array(k * k);
  for (let j = 0; j < k; j++) for (let i = 0; i < k; i++) D[i + j * k] = A[i + j * n];
  assert.equal(cholLower(D, k), -1);
  const inv = cholInverse(D, k);
  let scale = 0;
  for (const v of inv) scale = Math.max(scale, Math.abs(v));
  let err = 0, checked = 0;
  for (let j = 0; j < k; j++)
    for (let i = j; i < k; i++) {
      const at = f.locate(i, j);
      if (at >= 0) { err = Math.max(err, Math.abs(Z[at] - inv[i + j * k]) / scale); checked++; }
    }
  assert.ok(err < 1e-10, `n=${n} k=${k}: ${err}`);
  assert.ok(checked >= k);
}

test("selectedInverse equals the dense inverse on L's pattern (whole matrix and a leading block)", () => {
  for (const [t, c] of cases.entries()) {
    const p = randomPattern(c.n, c.deg, c.tail, 300 + t);
    const A = spdDense(p, 400 + t);
    checkSelinv(p, A, p.n, []);
    if (c.tail > 0) checkSelinv(p, A, p.n - c.tail, [p.n - c.tail]);
  }
  const p = nestedPattern(300, 7, 3, 2);
  checkSelinv(p, spdDense(p, 5), p.n, [p.n - 3]);
  // a supernode wider than the selected inverse's column blocks (256), with a remainder block
  const wide = randomPattern(600, 40, 4, 6);
  checkSelinv(wide, spdDense(wide, 7), wide.n, [wide.n - 4]);
  checkSelinv(p, spdDense(p, 5), p.n - 3, [p.n - 3]);
});

test("an indefinite matrix reports its first failing column", () => {
  const p = randomPattern(120, 2, 2, 17), n = p.n;
  const A = spdDense(p, 18);
  const bad = 70;
  // the pivot of column `bad` before its square root is L[bad,bad]²: push it to −1, earlier pivots unchanged
  const full = Float64Array.from(A);
  assert.equal(cholLower(full, n), -1);
  A[bad + bad * n] -= full[bad + bad * n] ** 2 + 1;
  const f = new SupernodalCholesky(analyze(p));
  load(f, p, A);
  assert.equal(f.factor(), bad);
  const check = Float64Array.from(A);
  assert.equal(cholLower(check, n), bad);
});

test("allowZeroLastPivot: a zero residual in the last column counts as success", () => {
  // A = Bᵀ B with y (last column of B) an exact combination of the others
  const n = 6, rows = 20, r = rng(4);
  const B = new Float64Array(rows * n);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < n - 1; j++) B[i + j * rows] = r() - 0.5;
    B[i + (n - 1) * rows] = 2 * B[i] - B[i + rows];
  }
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let t = 0; t < rows; t++) A[i + j * n] += B[t + i * rows] * B[t + j * rows];
  A[n - 1 + (n - 1) * n] -= 1e-9; // the rounding of a perfect fit can leave it slightly negative
  const all: number[] = [], cols: number[] = [];
  for (let j = 0; j < n; j++) for (let i = j; i < n; i++) { all.push(i); cols.push(j); }
  const p = { n, colPtr: Int32Array.from({ length: n + 1 }, (_, j) => (j * (2 * n - j + 1)) / 2), rowIdx: Int32Array.from(all) };
  const s = analyze(p, { boundaries: [n - 1] });
  const f = new SupernodalCholesky(s);
  load(f, p, A);
  assert.equal(f.factor(), n - 1);
  load(f, p, A);
  assert.equal(f.factor({ allowZeroLastPivot: true }), -1);
  assert.equal(f.diag(n - 1), 0);
  assert.ok(f.diag(0) > 0);
});

test("locate: −1 outside the pattern and above the diagonal", () => {
  const p = nestedPattern(50, 3, 2, 3);
  const f = new SupernodalCholesky(analyze(p));
  assert.equal(f.locate(1, 0), -1);
  assert.equal(f.locate(0, 1), -1);
  assert.ok(f.locate(p.n - 1, 0) >= 0);
  assert.ok(f.locate(0, 0) >= 0);
});

test("end to end: fill-reducing order with a fixed tail, permute, analyze, factor, solve", () => {
  for (const [t, p] of [randomPattern(400, 3, 3, 31), nestedPattern(500, 12, 3, 32), randomPattern(250, 8, 5, 33)].entries()) {
    const n = p.n, tail = t === 2 ? 5 : 3;
    const A = spdDense(p, 40 + t);
    const perm = fillReducingOrder(p, tail);
    const q = permutePattern(p, perm);
    // B = P A Pᵀ
    const B = new Float64Array(n * n);
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) B[i + j * n] = A[perm[i] + perm[j] * n];
    const f = new SupernodalCholesky(analyze(q, { boundaries: [n - tail, n - 1] }));
    load(f, q, B);
    assert.equal(f.factor(), -1);
    const r = rng(50 + t), b = Float64Array.from({ length: n }, () => r() - 0.5);
    const x = Float64Array.from(b);
    f.solveL(x);
    f.solveLt(x);
    let err = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += B[i + j * n] * x[j];
      err = Math.max(err, Math.abs(s - b[i]));
    }
    assert.ok(err < 1e-10, `case ${t}: ${err}`);
    const D = Float64Array.from(A);
    assert.equal(cholLower(D, n), -1);
    let ld = 0;
    for (let j = 0; j < n; j++) ld += 2 * Math.log(D[j + j * n]);
    assert.ok(Math.abs(f.logDet() - ld) < 1e-9 * Math.abs(ld), "log det invariant under the permutation");
  }
});
