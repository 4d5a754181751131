// The pivoted QR against R's qr() (LINPACK dqrdc2) on a matrix with a zero and a dependent column.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rankRevealingQR } from "../../src/linalg/qr.js";
import { readJson } from "./fixtures.js";

interface QrRef { n: number; p: number; X: number[]; qr: number[]; qraux: number[]; pivot: number[]; rank: number }
const ref = readJson<{ qr: QrRef }>("reference", "model_matrix.json").qr;

test("rankRevealingQR matches R's qr(): rank, pivot, qr, qraux", () => {
  const X = Float64Array.from(ref.X);
  const r = rankRevealingQR(X, ref.n, ref.p);
  assert.equal(r.rank, ref.rank);
  assert.deepEqual(Array.from(r.pivot, (j) => j + 1), ref.pivot);
  for (let i = 0; i < ref.qr.length; i++) {
    assert.ok(Math.abs(r.qr[i] - ref.qr[i]) < 1e-10 * Math.max(1, Math.abs(ref.qr[i])), `qr[${i}] ${r.qr[i]} vs ${ref.qr[i]}`);
  }
  for (let j = 0; j < ref.qraux.length; j++) assert.ok(Math.abs(r.qraux[j] - ref.qraux[j]) < 1e-10, `qraux[${j}]`);
  assert.deepEqual(Array.from(X), ref.X, "input is not modified");
});

test("rankRevealingQR: full rank keeps the column order; |R| diagonal equals Gram-Schmidt norms", () => {
  // columns (1,1,1), (0,1,2): R11 = sqrt(3), R22 = sqrt(2)
  const r = rankRevealingQR(Float64Array.from([1, 1, 1, 0, 1, 2]), 3, 2);
  assert.equal(r.rank, 2);
  assert.deepEqual(Array.from(r.pivot), [0, 1]);
  assert.ok(Math.abs(Math.abs(r.qr[0]) - Math.sqrt(3)) < 1e-14);
  assert.ok(Math.abs(Math.abs(r.qr[3 + 1]) - Math.sqrt(2)) < 1e-14);
});

test("rankRevealingQR: more columns than rows and a scaled duplicate", () => {
  // 2 x 3: third column = 1e-3 * first; second independent -> rank 2, column 3 moved last
  const r = rankRevealingQR(Float64Array.from([1, 2, 3, -1, 1e-3, 2e-3]), 2, 3);
  assert.equal(r.rank, 2);
  assert.deepEqual(Array.from(r.pivot), [0, 1, 2]);
  const d = rankRevealingQR(Float64Array.from([1, 2, 2e-3, 4e-3, 3, -1]), 2, 3);
  assert.equal(d.rank, 2);
  assert.deepEqual(Array.from(d.pivot), [0, 2, 1]);
  assert.throws(() => rankRevealingQR(new Float64Array(5), 2, 3), /expected 6 values/);
});
