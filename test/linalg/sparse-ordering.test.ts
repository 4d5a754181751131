// Fill-reducing ordering: a permutation, the fixed tail kept last, never worse than the natural
// order, and clearly better where minimum degree should be (an arrow pointing the wrong way, a grid).
import { test } from "node:test";
import assert from "node:assert/strict";
import { factorNnz, fillReducingOrder, patternFromPairs, permutePattern } from "../../src/linalg/sparse/index.js";
import { amd } from "../../src/linalg/sparse/ordering.js";
import { adjacency } from "../../src/linalg/sparse/pattern.js";
import { nestedPattern, randomPattern } from "./sparse-util.js";

function isPermutation(perm: Int32Array): boolean {
  const seen = new Uint8Array(perm.length);
  for (const v of perm) {
    if (!(v >= 0 && v < perm.length) || seen[v]) return false;
    seen[v] = 1;
  }
  return true;
}

test("fillReducingOrder: permutation, fixed tail last, never worse than natural", () => {
  for (let t = 0; t < 12; t++) {
    const n = 20 + 37 * t, tail = t % 4, deg = 1 + (t % 3);
    const p = randomPattern(n, deg, tail, 50 + t);
    const perm = fillReducingOrder(p, tail);
    assert.ok(isPermutation(perm));
    for (let i = 0; i < tail; i++) assert.equal(perm[n - tail + i], n - tail + i);
    assert.ok(factorNnz(permutePattern(p, perm)) <= factorNnz(p), `n=${n}`);
  }
});

test("amd alone: a valid ordering on random graphs, and its fill is near what minimum degree gives", () => {
  for (let t = 0; t < 8; t++) {
    const p = randomPattern(100 + 50 * t, 2, 0, 70 + t);
    const perm = amd(adjacency(p), p.n);
    assert.ok(isPermutation(perm), `t=${t}`);
  }
});

test("arrow matrix with the hub first: the hub moves last and there is no fill", () => {
  const n = 200, rows = new Int32Array(n - 1), cols = new Int32Array(n - 1);
  for (let i = 1; i < n; i++) rows[i - 1] = i;
  const p = patternFromPairs(n, rows, cols);
  assert.equal(factorNnz(p), (n * (n + 1)) / 2);
  const perm = fillReducingOrder(p, 0);
  assert.equal(perm[n - 1], 0);
  assert.equal(factorNnz(permutePattern(p, perm)), 2 * n - 1);
});

test("2-D grid: minimum degree cuts the fill of the natural (banded) order", () => {
  const k = 40, n = k * k, r: number[] = [], c: number[] = [];
  for (let x = 0; x < k; x++)
    for (let y = 0; y < k; y++) {
      if (x + 1 < k) { r.push(x * k + y); c.push((x + 1) * k + y); }
      if (y + 1 < k) { r.push(x * k + y); c.push(x * k + y + 1); }
    }
  const p = patternFromPairs(n, Int32Array.from(r), Int32Array.from(c));
  const nat = factorNnz(p), perm = fillReducingOrder(p, 0), best = factorNnz(permutePattern(p, perm));
  assert.ok(best < 0.75 * nat, `natural ${nat}, amd ${best}`);
});

test("nested design: no fill in either order; the tail stays last", () => {
  const p = nestedPattern(3000, 60, 3, 9);
  const perm = fillReducingOrder(p, 3);
  assert.equal(factorNnz(permutePattern(p, perm)), p.colPtr[p.n]);
  assert.deepEqual(Array.from(perm.subarray(p.n - 3)), [p.n - 3, p.n - 2, p.n - 1]);
});
