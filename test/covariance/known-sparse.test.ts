// Known covariances on the sparse route (issue 16): a relatedness matrix K (held as K⁻¹) or a
// tree (over its nodes, sparse Q) beside a larger term goes on the sparse factor instead of forcing
// the whole rest dense. On random designs the sparse route must give the dense route's fit (which
// holds K as Λ = θL_K): logLik to 1e-8 relative, estimates, SDs, modes and conditional SDs; and a
// tree taken as an ordinary rest term (the general engine, no first term) must match the tree's own
// first-term elimination.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fit, type FitResult, type KnownCovariance } from "../../src/fit.js";
import type { FittedLMM } from "../../src/lmm/lmm.js";
import type { FittedGLMM } from "../../src/glmm/glmm.js";
import { parseDelimited } from "../../src/data/csv.js";
import { knownCovarianceFromText } from "../../src/covariance/spec.js";
import { PLSSystem, type SolverRoute } from "../../src/lmm/system.js";
import { Rng } from "../../src/inference/rng.js";
import { coalescentTree, mixed, near, sameFit } from "./helpers.js";


function withRoute<T>(route: SolverRoute, f: () => T, treeFirst = true): T {
  const before = PLSSystem.defaultRoute, tf = PLSSystem.treeFirst;
  PLSSystem.defaultRoute = route;
  PLSSystem.treeFirst = treeFirst;
  try { return f(); } finally { PLSSystem.defaultRoute = before; PLSSystem.treeFirst = tf; }
}


/**
 * A random coalescent tree of `tips` tips (Newick) and rows: `per` per tip, a covariate x, a factor
 * `plot` of `plots` levels crossed with the tips, an individual `ind` (two rows each, within a
 * tip), a Brownian effect of the tree; y gaussian, count Poisson.
 */
function simulate(seed: number, tips: number, per: number, plots: number): { newick: string; csv: string; labels: string[] } {
  const g = new Rng(seed);
  const { newick, value } = coalescentTree(g, tips);
  const up = Array.from({ length: plots }, () => 0.6 * g.normal());
  const rows = ["species,plot,ind,x,y,count"];
  for (let i = 0, r = 0; i < tips; i++)
    for (let k = 0; k < per; k++, r++) {
      const plot = Math.floor(g.random() * plots), x = g.normal();
      const eta = 0.3 + 0.4 * x + 0.8 * value.get(`sp${i}`)! + up[plot];
      rows.push(`sp${i},p${plot},i${Math.floor(r / 2)},${x.toFixed(6)},${(eta + 0.5 * g.normal()).toFixed(6)},${g.poisson(Math.exp(eta - 0.3))}`);
    }
  return { newick, csv: rows.join("\n") + "\n", labels: Array.from({ length: tips }, (_, i) => `sp${i}`) };
}

/** a well-conditioned relatedness-like K over the labels: (1 − w)·(the tree's K) + w·I, dense (no tree) */
function relatedness(newick: string, labels: string[], w: number): KnownCovariance {
  const tree = knownCovarianceFromText({ group: "species", source: "phylo", scale: "height", path: "t.nwk" }, newick, "t.nwk");
  const n = labels.length, K = new Float64Array(n * n);
  const at = labels.map((l) => tree.labels.indexOf(l));
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) K[i + j * n] = (1 - w) * tree.K[at[i] + at[j] * n] + (i === j ? w : 0);
  return { group: "species", labels, K, source: "rel.csv" };
}

const phylo = (newick: string): KnownCovariance => knownCovarianceFromText({ group: "species", source: "phylo", scale: "height", path: "t.nwk" }, newick, "t.nwk");

test("a relatedness matrix beside a larger crossed term: sparse route (K⁻¹) = dense route (θL_K), LMM and Poisson", () => {
  const sim = simulate(31, 45, 4, 60);
  const data = parseDelimited(sim.csv, { source: "rel.csv" });
  const K = relatedness(sim.newick, sim.labels, 0.4);
  for (const [formula, family] of [["y ~ x + (1 | species) + (1 | plot) + (1 | ind)", "gaussian"], ["count ~ x + (1 | species) + (1 | plot)", "poisson"]] as const) {
    const s = withRoute("sparse", () => fit(data, formula, { family, covariances: [K] }));
    const d = withRoute("dense", () => fit(data, formula, { family, covariances: [K] }));
    const ts = mixed(s).terms.find((t) => t.term.group === "species")!, td = mixed(d).terms.find((t) => t.term.group === "species")!;
    assert.ok(ts.kprec !== null && s.json.solver?.route === "sparse", `${formula}: K⁻¹ on the sparse route`);
    assert.equal(d.json.solver?.route, "dense");
    if (family === "gaussian") assert.ok(td.kfac !== null, "the dense LMM route keeps θL_K");
    sameFit(s, d, 1e-8, 1e-5);
  }
});

test("a tree beside a larger crossed term: its nodes on the sparse route = the dense route's tip K, LMM and Poisson", () => {
  const sim = simulate(7, 50, 5, 160);
  const data = parseDelimited(sim.csv, { source: "tree.csv" });
  const cov = phylo(sim.newick);
  for (const [formula, family] of [["y ~ x + (1 | species) + (1 | plot)", "gaussian"], ["count ~ x + (1 | species) + (1 | plot)", "poisson"]] as const) {
    const s = withRoute("sparse", () => fit(data, formula, { family, covariances: [cov] }));
    const d = withRoute("dense", () => fit(data, formula, { family, covariances: [cov] }));
    const [t0, t1] = mixed(s).terms;
    assert.ok(t0.term.group === "plot" && t1.tree !== null && !t1.treeFirst && t1.q > 50, `${formula}: the tree's nodes are a rest term`);
    assert.equal(s.json.solver?.route, "sparse");
    assert.ok(mixed(d).terms.every((t) => t.tree === null), "the dense route holds the tips' K");
    sameFit(s, d, 1e-8, 1e-5);
  }
  // auto: the same model takes the sparse route by itself at this size? either way the same fit
  const a = fit(data, "y ~ x + (1 | species) + (1 | plot)", { covariances: [cov] });
  sameFit(a, withRoute("dense", () => fit(data, "y ~ x + (1 | species) + (1 | plot)", { covariances: [cov] })), 1e-8, 1e-5);
});

test("a tree as an ordinary term of the general sparse engine (no first term) = the tree's first-term elimination", () => {
  const sim = simulate(12, 60, 3, 5);
  const data = parseDelimited(sim.csv, { source: "tree.csv" });
  const cov = phylo(sim.newick);
  for (const [formula, family] of [["y ~ x + (1 | species)", "gaussian"], ["count ~ x + (1 | species)", "poisson"], ["y ~ x + (1 | species) + (1 | ind)", "gaussian"]] as const) {
    const special = withRoute("auto", () => fit(data, formula, { family, covariances: [cov] }));
    assert.ok(mixed(special).terms.some((t) => t.treeFirst), `${formula}: the tree's own elimination`);
    const general = withRoute("sparse", () => fit(data, formula, { family, covariances: [cov] }), false);
    assert.ok(mixed(general).terms.every((t) => !t.treeFirst) && general.json.solver?.route === "sparse", `${formula}: the general engine`);
    sameFit(general, special, 1e-8, 1e-5);
  }
});

test("a pedigree's relatedness matrix (sparse A⁻¹) in an animal model: the sparse route keeps A⁻¹ sparse and fits as the dense route", () => {
  // 250 animals, 40 founders, later ones with parents among the earlier (some unknown); A by the
  // tabular method; two records per animal, in its herd (60 herds)
  const g = new Rng(5);
  const N = 250, F = 40;
  const sire = new Int32Array(N).fill(-1), dam = new Int32Array(N).fill(-1);
  for (let i = F; i < N; i++) {
    if (g.random() < 0.9) sire[i] = Math.floor(g.random() * i);
    if (g.random() < 0.9) do dam[i] = Math.floor(g.random() * i); while (dam[i] === sire[i]);
  }
  const A = new Float64Array(N * N);
  const a = (i: number, j: number) => (i < 0 || j < 0 ? 0 : A[i + j * N]);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < i; j++) A[i + j * N] = A[j + i * N] = 0.5 * (a(j, sire[i]) + a(j, dam[i]));
    A[i + i * N] = 1 + 0.5 * a(sire[i], dam[i]);
  }
  const bv = new Float64Array(N);
  for (let i = 0; i < N; i++) bv[i] = 0.5 * ((sire[i] < 0 ? 0 : bv[sire[i]]) + (dam[i] < 0 ? 0 : bv[dam[i]])) + Math.sqrt(0.5) * g.normal();
  const herdEffect = Array.from({ length: 60 }, () => 0.7 * g.normal());
  const rows = ["animal,herd,x,y"];
  for (let i = 0; i < N; i++)
    for (let k = 0; k < 2; k++) {
      const h = i % 60, x = g.normal();
      rows.push(`a${i},h${h},${x.toFixed(5)},${(1 + 0.3 * x + bv[i] + herdEffect[h] + g.normal()).toFixed(5)}`);
    }
  const data = parseDelimited(rows.join("\n") + "\n", { source: "pedigree.csv" });
  const K: KnownCovariance = { group: "animal", labels: Array.from({ length: N }, (_, i) => `a${i}`), K: A, source: "A.csv" };
  const formula = "y ~ x + (1 | herd) + (1 | animal)";
  const s = fit(data, formula, { covariances: [K] });
  const d = withRoute("dense", () => fit(data, formula, { covariances: [K] }));
  assert.equal(s.json.solver?.route, "sparse", `auto takes the sparse route: ${JSON.stringify(withRoute("sparse", () => fit(data, formula, { covariances: [K] })).json.solver)}`);
  const m = s.json.solver!.restSize;
  assert.ok(s.json.solver!.factorEntries < 0.5 * (m * (m + 1)) / 2, `A⁻¹ kept sparse: ${s.json.solver!.factorEntries} factor entries for ${m} rows`);
  assert.equal(d.json.solver?.route, "dense");
  sameFit(s, d, 1e-8, 1e-5);
});
