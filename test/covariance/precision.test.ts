// The augmented sparse precision of a tree (src/covariance/precision.ts): its inverse's tip block is
// the vcv, and the determinant identity an engine would use holds against dense algebra.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseNewick } from "../../src/covariance/newick.js";
import { treeVcv } from "../../src/covariance/vcv.js";
import { treeCholesky, treePrecision, treeSolve, type TreePrecision } from "../../src/covariance/precision.js";
import { cholLower, invSPD, solveLower, solveLowerT } from "../../src/linalg/dense.js";
import { near, readData, throwsUser } from "./helpers.js";

function denseQ(tp: TreePrecision, d?: ArrayLike<number>): Float64Array {
  const m = tp.size, Q = new Float64Array(m * m);
  for (let k = 0; k < m; k++) {
    const w = tp.precision[k], p = tp.parent[k];
    Q[k + k * m] += w + (d ? d[k] : 0);
    if (p >= 0) { Q[p + p * m] += w; Q[k + p * m] -= w; Q[p + k * m] -= w; }
  }
  return Q;
}

const birds = () => parseNewick(readData("bird_families.nwk"));

test("the tips' block of Q⁻¹ is the tree's covariance (bird_families, height 1)", () => {
  const tree = birds();
  const tp = treePrecision(tree, "height");
  const { labels, K } = treeVcv(tree, "height");
  assert.deepEqual(tp.labels, labels);
  for (let k = 0; k < tp.size; k++) assert.ok(tp.parent[k] === -1 || tp.parent[k] > k, "children before parents");
  const A = invSPD(denseQ(tp), tp.size)!;
  const n = labels.length, m = tp.size;
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) near(A[tp.tipNode[i] + tp.tipNode[j] * m], K[i + j * n], 1e-9, `A(${labels[i]}, ${labels[j]})`);
});

test("log|I + λ² L_Kᵀ W L_K| = log|λ² W + Q| + log|A|, and the tree solve matches a dense solve", () => {
  const tree = birds();
  const tp = treePrecision(tree, "height");
  const { K } = treeVcv(tree, "height");
  const n = tp.labels.length, lambda2 = 0.49;
  const w = Float64Array.from({ length: n }, (_, i) => 1 + (i % 4)); // observations per tip
  // dense left side
  const L = Float64Array.from(K);
  assert.equal(cholLower(L, n), -1);
  for (let j = 0; j < n; j++) for (let i = 0; i < j; i++) L[i + j * n] = 0;
  const M = new Float64Array(n * n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      let s = i === j ? 1 : 0;
      for (let k = Math.max(i, j); k < n; k++) s += lambda2 * L[k + i * n] * w[k] * L[k + j * n];
      M[i + j * n] = s;
    }
  assert.equal(cholLower(M, n), -1);
  let left = 0;
  for (let i = 0; i < n; i++) left += 2 * Math.log(M[i + i * n]);
  // sparse right side
  const d = new Float64Array(tp.size);
  tp.tipNode.forEach((k, i) => { d[k] += lambda2 * w[i]; });
  const f = treeCholesky(tp, d);
  near(f.logDet + tp.logDetA, left, 1e-8 * Math.abs(left), "log determinant");
  // solve (Q + D) x = b both ways
  const b = Float64Array.from({ length: tp.size }, (_, k) => Math.sin(k + 1));
  const dense = denseQ(tp, d);
  assert.equal(cholLower(dense, tp.size), -1);
  const x1 = Float64Array.from(b);
  solveLower(dense, tp.size, x1);
  solveLowerT(dense, tp.size, x1);
  const x2 = treeSolve(tp, f, Float64Array.from(b));
  for (let k = 0; k < tp.size; k++) near(x2[k], x1[k], 1e-9 * (1 + Math.abs(x1[k])), `x[${k}]`);
});

test("zero-length branches merge nodes; a tip on the root is an error", () => {
  const tp = treePrecision(parseNewick("((A:0,B:1):1,(C:1,D:1):0);"), "none");
  // nodes kept: (A,B) [A merged into it], B, C, D — the (C,D) node is merged into the root
  assert.equal(tp.size, 4);
  const A = invSPD(denseQ(tp), tp.size)!;
  const K = treeVcv(parseNewick("((A:0,B:1):1,(C:1,D:1):0);")).K;
  for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) near(A[tp.tipNode[i] + tp.tipNode[j] * 4], K[i + j * 4], 1e-12, `A(${i}, ${j})`);
  throwsUser(() => treePrecision(parseNewick("(A:0,B:1);")), /tip 'A' sits on the root/);
});

test("a 50000-tip tree: precision and factor without fill (a dense A would need 20 GB)", () => {
  let seed = 3;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  // a random binary tree built as text (balanced-ish by random splits, iterative)
  const N = 50000;
  const parts: string[] = [];
  for (let i = 0; i < N; i++) parts.push(`t${i}:${(0.5 + rand()).toFixed(3)}`);
  let level = parts;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(`(${level[i]},${level[i + 1]}):${rand().toFixed(3)}`);
    if (level.length % 2) next.push(level[level.length - 1]);
    level = next;
  }
  const text = level[0].replace(/:[0-9.]+$/, "") + ";";
  const tree = parseNewick(text);
  const tp = treePrecision(tree, "height");
  // a binary tree: N tips and at most N − 2 internal nodes below the root (zero-length branches
  // merge a node into its parent), one factor entry each
  assert.ok(tp.size >= N && tp.size <= 2 * N - 2, `size ${tp.size}`);
  const f = treeCholesky(tp, new Float64Array(tp.size).fill(1));
  assert.equal(f.off.length, tp.size);
  assert.ok(Number.isFinite(f.logDet));
  // the factor solves (Q + I) x = b: residual through Q = Σ_v (1/l_v)(e_v − e_parent)(e_v − e_parent)ᵀ
  const b = Float64Array.from({ length: tp.size }, () => rand() - 0.5);
  const x = treeSolve(tp, f, Float64Array.from(b));
  const r = Float64Array.from(x);
  for (let v = 0; v < tp.size; v++) {
    const pv = tp.parent[v];
    const diff = x[v] - (pv >= 0 ? x[pv] : 0);
    r[v] += tp.precision[v] * diff;
    if (pv >= 0) r[pv] -= tp.precision[v] * diff;
  }
  let worst = 0;
  for (let v = 0; v < tp.size; v++) worst = Math.max(worst, Math.abs(r[v] - b[v]));
  assert.ok(worst < 1e-9, `residual ${worst}`);
});
