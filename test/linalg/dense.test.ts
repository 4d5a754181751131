// The dense kernels against naive reference loops, on sizes that exercise every remainder path of
// the blocked code (panels of 64, 4×4 register tiles): max abs error relative to the matrix scale.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cholLower, lowerInverse, syrkLowerSub, solveLower, solveLowerT, cholInverse } from "../../src/linalg/dense.js";

function rng(seed: number) {
  return () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
}

/** a random SPD matrix B Bᵀ + n I (column-major, full) */
function spd(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const B = Float64Array.from({ length: n * n }, r);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += B[i + k * n] * B[j + k * n];
      A[i + j * n] = s;
    }
  return A;
}

const sizes = [1, 3, 5, 33, 70, 129];

test("cholLower: L Lᵀ reproduces A (lower triangle)", () => {
  for (const n of sizes) {
    const A = spd(n, n + 1);
    const L = Float64Array.from(A);
    assert.equal(cholLower(L, n), -1);
    let err = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let k = 0; k <= j; k++) s += L[i + k * n] * L[j + k * n];
        err = Math.max(err, Math.abs(s - A[i + j * n]) / n);
      }
    assert.ok(err < 1e-12, `n=${n}: ${err}`);
  }
});

test("cholLower reports the first non-positive pivot", () => {
  const A = Float64Array.from([1, 2, 2, 1]); // indefinite
  assert.equal(cholLower(A, 2), 1);
});

test("lowerInverse: L · L⁻¹ = I, including a leading block of a larger matrix", () => {
  for (const n of sizes) {
    const ld = n + 5;
    const A = spd(ld, 7 * n);
    cholLower(A, ld);
    const X = lowerInverse(A, ld, n);
    let err = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += (i >= k ? A[i + k * ld] : 0) * X[k + j * n];
        err = Math.max(err, Math.abs(s - (i === j ? 1 : 0)));
      }
    assert.ok(err < 1e-12, `n=${n}: ${err}`);
  }
});

test("syrkLowerSub: M − A Aᵀ on the lower triangle, general and upper-triangular A", () => {
  for (const m of sizes)
    for (const k of [1, 4, 9]) {
      const r = rng(m * 31 + k);
      const A = Float64Array.from({ length: m * k }, r);
      const M = Float64Array.from({ length: m * m }, r);
      const ref = Float64Array.from(M);
      for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) for (let c = 0; c < k; c++) ref[i + j * m] -= A[i + c * m] * A[j + c * m];
      syrkLowerSub(M, m, A, k);
      for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) assert.ok(Math.abs(M[i + j * m] - ref[i + j * m]) < 1e-12, `m=${m} k=${k}`);
    }
  // A upper triangular (A[i, c] = 0 for c < i), square
  for (const m of sizes) {
    const r = rng(m + 99);
    const A = new Float64Array(m * m);
    for (let c = 0; c < m; c++) for (let i = 0; i <= c; i++) A[i + c * m] = r();
    const M = new Float64Array(m * m), ref = new Float64Array(m * m);
    for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) for (let c = 0; c < m; c++) ref[i + j * m] -= A[i + c * m] * A[j + c * m];
    syrkLowerSub(M, m, A, m, true);
    for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) assert.ok(Math.abs(M[i + j * m] - ref[i + j * m]) < 1e-12, `upper m=${m}`);
  }
});

test("triangular solves and the SPD inverse", () => {
  const n = 33;
  const A = spd(n, 5);
  const L = Float64Array.from(A);
  cholLower(L, n);
  const b = Float64Array.from({ length: n }, rng(3));
  const x = Float64Array.from(b);
  solveLower(L, n, x);
  solveLowerT(L, n, x);
  // A x = b
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i >= j ? i + j * n : j + i * n] * x[j];
    assert.ok(Math.abs(s - b[i]) < 1e-10);
  }
  const inv = cholInverse(L, n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += A[i >= j ? i + j * n : j + i * n] * inv[j + i * n];
    assert.ok(Math.abs(s - 1) < 1e-10);
  }
});
