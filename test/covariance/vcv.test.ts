// Brownian-motion covariance of a tree against ape's vcv() (test/fixtures/reference/covariance_vcv.R).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseNewick } from "../../src/covariance/newick.js";
import { isUltrametric, rescale, treeVcv } from "../../src/covariance/vcv.js";
import { near, readData, reference } from "./helpers.js";

const ref = reference("covariance_vcv.json");

test("bird_families.nwk: tip order and vcv entries equal ape's", () => {
  const tree = parseNewick(readData("bird_families.nwk"), { source: "bird_families.nwk" });
  const { labels, K } = treeVcv(tree);
  const r = ref.bird_families;
  assert.deepEqual(labels, r.labels);
  const n = labels.length;
  assert.equal(n, 137);
  const at = new Map(labels.map((l, i) => [l, i]));
  for (const p of r.pairs) {
    const i = at.get(p.a)!, j = at.get(p.b)!;
    near(K[i + j * n], p.value, 1e-9 * r.max_diag, `vcv(${p.a}, ${p.b})`);
    assert.equal(K[i + j * n], K[j + i * n]);
  }
  let sum = 0;
  for (const v of K) sum += v;
  near(sum, r.sum, 1e-9 * r.sum, "sum of all entries");
  assert.equal(isUltrametric(tree), r.ultrametric);
  // scaled to height 1: the root-to-tip height is the unit
  const H = treeVcv(tree, "height").K;
  for (let i = 0; i < n; i++) near(H[i + i * n], 1, 1e-12, "diagonal after height scaling");
  const p = r.pairs[r.pairs.length - 1];
  near(H[at.get(p.a)! + at.get(p.b)! * n], p.value / r.max_diag, 1e-12, "scaled entry");
  const C = treeVcv(tree, "corr").K;
  for (const q of r.corr_pairs) near(C[at.get(q.a)! + at.get(q.b)! * n], q.value, 1e-12, `corr(${q.a}, ${q.b})`);
});

test("strains.nwk: ultrametric, 120 tips, height 1 as ape reads it", () => {
  const tree = parseNewick(readData("strains.nwk"));
  const { labels, K } = treeVcv(tree);
  const r = ref.strains;
  assert.deepEqual(labels, r.labels);
  assert.equal(isUltrametric(tree, 1e-8), true);
  let sum = 0;
  for (const v of K) sum += v;
  near(sum, r.sum, 1e-9 * r.sum, "sum of all entries");
});

test("a non-ultrametric tree with a polytomy: raw, height-scaled (by the deepest tip) and correlation", () => {
  const s = ref.small;
  const tree = parseNewick("(('Homo_sapiens':0.3[c],B_b:0.5)90:0.2,(C:0.1,D:0.4,Es:0.2):0.3,F:1.0);");
  const raw = treeVcv(tree);
  assert.deepEqual(raw.labels, s.labels);
  raw.K.forEach((v, k) => near(v, s.vcv[k], 1e-14, `vcv[${k}]`));
  assert.equal(isUltrametric(tree), false);
  const maxDiag = Math.max(...s.labels.map((_: string, i: number) => s.vcv[i + i * s.labels.length]));
  treeVcv(tree, "height").K.forEach((v, k) => near(v, s.vcv[k] / maxDiag, 1e-14, `height[${k}]`));
  treeVcv(tree, "corr").K.forEach((v, k) => near(v, s.corr[k], 1e-12, `corr[${k}]`));
});

test("rescale rejects a zero variance (a tip on the root)", () => {
  assert.throws(() => rescale(Float64Array.from([0, 0, 0, 1]), 2, "corr", "z.nwk"), /z\.nwk: diagonal entry 1 is 0/);
});

test("vcv of a 3000-tip random tree is exact on spot checks (speed is a benchmark matter)", () => {
  // random binary tree by repeatedly joining two random subtrees (deterministic LCG)
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  let parts = Array.from({ length: 3000 }, (_, i) => ({ s: `t${i}:${(1 + rand()).toFixed(3)}` }));
  while (parts.length > 1) {
    const i = Math.floor(rand() * parts.length);
    const a = parts.splice(i, 1)[0];
    const j = Math.floor(rand() * parts.length);
    const b = parts.splice(j, 1)[0];
    parts.push({ s: `(${a.s},${b.s}):${rand().toFixed(3)}` });
  }
  const text = parts[0].s.replace(/:[0-9.]+$/, "") + ";";
  const tree = parseNewick(text);
  const { K } = treeVcv(tree, "height");
  assert.equal(tree.tips.length, 3000);
  // check symmetric and K_ij ≤ min(K_ii, K_jj) on a sample (a shared path is part of both paths)
  const n = 3000;
  for (let k = 0; k < 2000; k++) {
    const i = Math.floor(rand() * n), j = Math.floor(rand() * n);
    assert.equal(K[i + j * n], K[j + i * n]);
    assert.ok(K[i + j * n] <= Math.min(K[i + i * n], K[j + j * n]) + 1e-15);
  }
});
