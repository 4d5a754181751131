// Symbolic analysis against a naive dense boolean factorization on random patterns: elimination
// tree, column counts, supernodal row structures, boundaries, postorder.
import { test } from "node:test";
import assert from "node:assert/strict";
import { analyze, columnCounts, etree, patternFromPairs, permutePattern, postorder } from "../../src/linalg/sparse/index.js";
import { naiveStructure, nestedPattern, randomPattern } from "./sparse-util.js";

const cases = [
  { n: 1, deg: 0, tail: 0 }, { n: 7, deg: 1, tail: 0 }, { n: 40, deg: 1, tail: 2 },
  { n: 60, deg: 2, tail: 0 }, { n: 90, deg: 1, tail: 5 }, { n: 150, deg: 3, tail: 1 },
];

test("patternFromPairs: symmetric pairs, duplicates, diagonal always present, rows ascending", () => {
  const p = patternFromPairs(4, Int32Array.from([0, 2, 3, 2, 1]), Int32Array.from([2, 0, 1, 0, 3]));
  assert.deepEqual(Array.from(p.colPtr), [0, 2, 4, 5, 6]);
  assert.deepEqual(Array.from(p.rowIdx), [0, 2, 1, 3, 2, 3]);
  assert.throws(() => patternFromPairs(3, Int32Array.from([3]), Int32Array.from([0])), /outside a 3×3/);
});

test("permutePattern maps entries (i, j) to (inv[i], inv[j]), with and without a fixed trailing block", () => {
  const n = 30, p = randomPattern(n, 2, 3, 5);
  const scrambled = Int32Array.from({ length: n }, (_, i) => (i * 7) % n);
  const tailFixed = Int32Array.from({ length: n }, (_, i) => (i < n - 3 ? ((i * 7) % (n - 3)) : i));
  for (const perm of [scrambled, tailFixed]) {
    const q = permutePattern(p, perm);
    const T = new Uint8Array(n * n);
    for (let j = 0; j < n; j++) {
      const col = Array.from(q.rowIdx.subarray(q.colPtr[j], q.colPtr[j + 1]));
      assert.deepEqual(col, [...col].sort((x, y) => x - y), `column ${j} sorted`);
      assert.equal(new Set(col).size, col.length);
      for (const i of col) T[i + n * j] = 1;
    }
    for (let j = 0; j < n; j++)
      for (let i = j; i < n; i++) {
        const a = perm[i], b = perm[j];
        const inA = p.rowIdx.subarray(p.colPtr[Math.min(a, b)], p.colPtr[Math.min(a, b) + 1]).includes(Math.max(a, b));
        assert.equal(T[i + n * j] === 1, inA, `(${i}, ${j})`);
      }
  }
});

test("etree and column counts match the naive symbolic factorization", () => {
  for (const [k, c] of cases.entries()) {
    const p = randomPattern(c.n, c.deg, c.tail, 11 + k);
    const S = naiveStructure(p), n = p.n;
    const parent = etree(p), counts = columnCounts(p, parent);
    for (let j = 0; j < n; j++) {
      let par = -1, cnt = 0;
      for (let i = n - 1; i > j; i--) if (S[i + j * n]) { par = i; cnt++; }
      assert.equal(parent[j], par, `n=${n} parent of ${j}`);
      assert.equal(counts[j], cnt + 1, `n=${n} count of ${j}`);
    }
  }
});

test("postorder: a permutation with every child before its parent and subtrees contiguous", () => {
  const p = randomPattern(120, 1, 0, 3);
  const parent = etree(p), post = postorder(parent), n = p.n;
  const at = new Int32Array(n).fill(-1);
  post.forEach((v, k) => (at[v] = k));
  assert.ok(at.every((k) => k >= 0));
  const size = new Int32Array(n).fill(1);
  for (const v of post) if (parent[v] >= 0) size[parent[v]] += size[v];
  for (let v = 0; v < n; v++) if (parent[v] >= 0) assert.ok(at[v] < at[parent[v]]);
  // a node's subtree occupies the size[v] positions ending at the node
  for (let v = 0; v < n; v++)
    for (let k = at[v] - size[v] + 1; k < at[v]; k++) {
      let u = post[k];
      while (u !== -1 && u !== v) u = parent[u];
      assert.equal(u, v);
    }
});

test("analyze: supernode rows are exactly the union of their columns' structures; boundaries start supernodes", () => {
  for (const [k, c] of cases.entries()) {
    const p = randomPattern(c.n, c.deg, c.tail, 21 + k);
    const n = p.n, S = naiveStructure(p);
    const boundaries = n > 3 ? [n - 2, Math.floor(n / 2)] : [];
    const s = analyze(p, { boundaries });
    for (const b of boundaries) assert.equal(s.superPtr[s.colSuper[b]], b, `boundary ${b}`);
    assert.equal(s.superPtr[0], 0);
    assert.equal(s.superPtr[s.nsuper], n);
    let nnz = 0;
    for (let J = 0; J < s.nsuper; J++) {
      const f = s.superPtr[J], l = s.superPtr[J + 1];
      const rows = Array.from(s.rowIdx.subarray(s.rowPtr[J], s.rowPtr[J + 1]));
      const want: number[] = [];
      for (let j = f; j < l; j++) want.push(j);
      for (let i = l; i < n; i++) {
        let any = false;
        for (let j = f; j < l; j++) if (S[i + j * n]) any = true;
        if (any) want.push(i);
      }
      assert.deepEqual(rows, want, `n=${n} supernode ${J}`);
      for (let j = f; j < l; j++) assert.equal(s.colSuper[j], J);
      assert.equal(s.valPtr[J], nnz);
      nnz += rows.length * (l - f);
      const pj = s.parent[J];
      if (l < n && rows.length > l - f) assert.equal(pj, s.colSuper[rows[l - f]], "supernodal parent");
    }
    assert.equal(s.nnzL, nnz);
  }
});

test("analyze: a nested design has no fill and few supernodes per region", () => {
  const p = nestedPattern(2000, 40, 3, 1);
  const s = analyze(p, { boundaries: [p.n - 3, p.n - 1] });
  // natural order: schools are leaves, regions see only themselves and the tail
  const upper = etree(p), counts = columnCounts(p, upper);
  let nnz = 0;
  for (let j = 0; j < p.n; j++) nnz += counts[j];
  assert.equal(nnz, p.colPtr[p.n]);
  assert.equal(s.superPtr[s.colSuper[p.n - 1]], p.n - 1);
});

test("analyze refuses a malformed pattern with a one-line message", () => {
  const bad = { n: 3, colPtr: Int32Array.from([0, 2, 3, 4]), rowIdx: Int32Array.from([1, 0, 1, 2]) };
  assert.throws(() => analyze(bad), /column 0 has row 0 out of order/);
  const upperEntry = { n: 2, colPtr: Int32Array.from([0, 1, 3]), rowIdx: Int32Array.from([0, 0, 1]) };
  assert.throws(() => analyze(upperEntry), /column 1 has row 0/);
});
