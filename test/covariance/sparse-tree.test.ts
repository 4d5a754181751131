// The sparse-precision route for trees (src/lmm/system.ts with a tree as term 0): the same fits as
// the dense-K route and lme4, with other terms beside the tree, tips that share a node through
// zero-length branches, the dense fallback, simulation from the tree, and no dense K ever formed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fit, type FitResult, type KnownCovariance } from "../../src/fit.js";
import type { FittedLMM } from "../../src/lmm/lmm.js";
import type { FittedGLMM } from "../../src/glmm/glmm.js";
import { parseDelimited } from "../../src/data/csv.js";
import { knownCovarianceFromText } from "../../src/covariance/spec.js";
import { parseNewick } from "../../src/covariance/newick.js";
import { treeVcv } from "../../src/covariance/vcv.js";
import { levelTree, levelTreeCovariance, treePrecision } from "../../src/covariance/precision.js";
import { drawRandomEffects } from "../../src/inference/simulate.js";
import { Rng } from "../../src/inference/rng.js";
import { coalescentTree, frame, mixed, near, readData, reference, sameFit } from "./helpers.js";

const phylo = (group: string, text: string, name = "tree.nwk"): KnownCovariance =>
  knownCovarianceFromText({ group, source: "phylo", scale: "height", path: name }, text, name);
/** the same covariance with only the dense K (the engine's other route) */
const denseOf = (c: KnownCovariance): KnownCovariance => ({ group: c.group, labels: c.labels, K: Float64Array.from(c.K), source: "dense" });
/** a sparse covariance whose K must never be formed */
const noDense = (c: KnownCovariance): KnownCovariance => ({
  group: c.group, labels: c.labels, tree: c.tree, source: c.source,
  get K(): Float64Array { throw new Error("the dense K was formed"); },
});



/**
 * A random coalescent tree of n tips (Newick, with `zero` tips on zero-length branches) and data:
 * `per` rows per tip, a covariate x, a site factor crossed with the tips, and Poisson / gaussian
 * responses with a Brownian-motion effect of the tree (and an observation-level effect of SD
 * `olre` in the counts).
 */
function simulate(n: number, per: number, zero: number, seed: number, balanced = false, olre = 0): { newick: string; csv: string } {
  const g = new Rng(seed);
  const r = () => g.random();
  const norm = () => g.normal();
  const { newick, value } = coalescentTree(g, n, zero, balanced);
  const rows = ["species,site,x,count,y"];
  for (let i = 0; i < n; i++)
    for (let k = 0; k < per; k++) {
      const site = Math.floor(r() * 6);
      const x = norm();
      const eta = 0.3 + 0.4 * x + 0.8 * value.get(`sp${i}`)! + 0.3 * (site - 2.5) / 2.5;
      const lam = Math.exp(eta + olre * norm());
      let c = 0;
      for (let p = Math.exp(-lam), s = p, u = r(); u > s; c++) { p *= lam / (c + 1); s += p; }
      rows.push(`sp${i},s${site},${x.toFixed(6)},${c},${(eta + 0.5 * norm()).toFixed(6)}`);
    }
  return { newick, csv: rows.join("\n") + "\n" };
}

test("strains (binomial) and birds (LMM, ML and REML): the sparse route matches lme4 and the dense route", () => {
  const strainsRef = reference("cases.json").cases.find((c: any) => c.id === "glmm_strains_phylogenetic").reference;
  const strains = phylo("strain", readData("strains.nwk"), "strains.nwk");
  const a = fit(frame("strains.csv"), "severe ~ gene + (1 | strain)", { family: "binomial", covariances: [noDense(strains)] });
  near(a.json.logLik, strainsRef.logLik, 1e-3, "strains logLik vs lme4");
  near(a.json.varcorr[0].sd!, strainsRef.varcorr[0].sdcor, 0.02 * strainsRef.varcorr[0].sdcor, "strains sd vs lme4");
  const b = fit(frame("strains.csv"), "severe ~ gene + (1 | strain)", { family: "binomial", covariances: [denseOf(strains)] });
  sameFit(a, b, 1e-8);
  const ref = reference("covariance_phylo_lmm.json");
  const birds = phylo("family", readData("bird_families.nwk"), "bird_families.nwk");
  for (const r of [ref.ml, ref.reml]) {
    const s = fit(frame("covariance/birds.csv"), "y ~ mass + (1 | family)", { reml: r.REML, covariances: [noDense(birds)] });
    near(s.json.logLik, r.logLik, 1e-4, `birds logLik vs lme4 (REML ${r.REML})`);
    near(s.json.varcorr[0].sd!, r.sd_family, 1e-3 * r.sd_family, "birds sd vs lme4");
    const d = fit(frame("covariance/birds.csv"), "y ~ mass + (1 | family)", { reml: r.REML, covariances: [denseOf(birds)] });
    sameFit(s, d, 1e-9);
    // Satterthwaite df go through the numerical-gradient path for tree terms
    s.json.fixef.forEach((f, j) => near(f.df!, d.json.fixef[j].df!, 1e-3 * d.json.fixef[j].df!, `df ${f.term}`));
  }
});

test("a tree beside a crossed site term, with tips on zero-length branches: Poisson GLMM and LMM as the dense route", () => {
  const { newick, csv } = simulate(60, 4, 4, 11);
  assert.ok((newick.match(/sp\d+:0(\.0+)?[,)]/g) ?? []).length >= 3, "the tree has tips on zero-length branches");
  const data = parseDelimited(csv, { source: "sim.csv" });
  const cov = phylo("species", newick);
  const tp = treePrecision(parseNewick(newick), "height");
  assert.ok(tp.size < 2 * 60 - 2, "zero-length tips share their parent's node");
  for (const [formula, family] of [["count ~ x + (1 | species) + (1 | site)", "poisson"], ["y ~ x + (1 | species) + (1 | site)", "gaussian"]] as const) {
    const a = fit(data, formula, { family, covariances: [noDense(cov)] });
    assert.ok(mixed(a).terms[0].tree !== null && mixed(a).terms[1].tree === null, "the tree is term 0, the site term in the dense part");
    // the dense K of identical tips is singular: its Cholesky takes a 1e-10 ridge, hence 1e-6
    const b = fit(data, formula, { family, covariances: [denseOf(cov)] });
    assert.ok(mixed(b).terms.every((t) => t.tree === null));
    sameFit(a, b, 1e-6);
  }
});

test("an observation-level effect and individuals within species join the tree's block; a larger crossed factor goes first", () => {
  const { newick, csv } = simulate(40, 12, 3, 5, false, 0.4);
  // per row: an observation-level effect (480 levels > 78 nodes), an individual (3 rows each,
  // within a species) and a crossed 'plot' factor with more levels than the tree has nodes
  // (y gets an individual effect of SD 0.5)
  const lines = csv.trim().split("\n");
  const g = new Rng(8);
  const ind = Array.from({ length: lines.length }, () => 0.5 * g.normal());
  const rows = lines.slice(1).map((l, i) => {
    const f = l.split(",");
    f[4] = (Number(f[4]) + ind[Math.floor(i / 3)]).toFixed(6);
    return `${f.join(",")},o${i},i${Math.floor(i / 3)},p${(i * 7) % 97}`;
  });
  const data = parseDelimited([lines[0] + ",obs,ind,plot", ...rows].join("\n"), { source: "olre.csv" });
  const cov = phylo("species", newick);
  const dense = denseOf(cov);
  for (const [formula, family, nestedGroup] of [
    ["count ~ x + (1 | species) + (1 | obs)", "poisson", "obs"],
    ["count ~ x + (1 | species) + (1 | obs) + (1 | site)", "poisson", "obs"],
    ["y ~ x + (1 | species) + (1 | ind)", "gaussian", "ind"],
  ] as const) {
    const a = fit(data, formula, { family, covariances: [noDense(cov)] });
    const [t0, t1] = mixed(a).terms;
    assert.ok(t0.term.group === nestedGroup && t0.nest !== null && t1.tree !== null, `${formula}: nested block`);
    sameFit(a, fit(data, formula, { family, covariances: [dense] }), 1e-8);
  }
  // a crossed factor larger than the tree is not nested: it goes first, the tree takes the dense route
  const c = fit(data, "count ~ x + (1 | species) + (1 | plot)", { family: "poisson", covariances: [cov] });
  assert.equal(mixed(c).terms[0].term.group, "plot");
  assert.ok(mixed(c).terms.every((t) => t.tree === null));
  sameFit(c, fit(data, "count ~ x + (1 | species) + (1 | plot)", { family: "poisson", covariances: [dense] }), 1e-8);
});

test("levelTreeCovariance is ape's vcv, also when tips share a node", () => {
  for (const text of [readData("bird_families.nwk"), simulate(40, 1, 5, 3).newick, "((A:0,B:1):1,(C:1,D:1):0,E:2);", "((A:0,B:0):1,C:1);"]) {
    const tree = parseNewick(text);
    const { labels, K } = treeVcv(tree, "height");
    const levels = [...labels].reverse(); // levels in another order than the tips
    const tp = treePrecision(tree, "height");
    const lt = levelTree(tp, levels.map((l) => tp.labels.indexOf(l)));
    const got = levelTreeCovariance(lt, levels.length);
    const n = labels.length;
    const pos = levels.map((l) => labels.indexOf(l));
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) near(got[i + j * n], K[pos[i] + pos[j] * n], 1e-12, `K(${levels[i]}, ${levels[j]})`);
  }
});

test("simulation from a tree term draws the tree's covariance (empirical, 20000 draws)", () => {
  const text = "((A:0.3,B:0.3):0.7,(C:0.6,(D:0.1,E:0.1):0.5):0.4);";
  const data = parseDelimited("g,y\nA,1\nA,2\nB,1.5\nB,2.2\nC,0.3\nC,0.1\nD,3\nD,2.5\nE,2.9\nE,3.3\n", { source: "tiny.csv" });
  const cov = phylo("g", text);
  const K = treeVcv(parseNewick(text), "height").K;
  const f = fit(data, "y ~ 1 + (1 | g)", { covariances: [cov] });
  for (const [route, terms] of [["sparse", mixed(f).terms], ["dense", mixed(fit(data, "y ~ 1 + (1 | g)", { covariances: [denseOf(cov)] })).terms]] as const) {
    const r = new Rng(3);
    const S = new Float64Array(25);
    const N = 20000;
    for (let k = 0; k < N; k++) {
      const b = drawRandomEffects(terms, Float64Array.of(1), 1, r)[0];
      for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) S[i + j * 5] += (b[i] * b[j]) / N;
    }
    // levels sort as the tips A..E here; the SE of an entry is ≈ √(2/N) ≈ 0.01
    for (let i = 0; i < 25; i++) near(S[i], K[i], 0.05, `${route} E[b bᵀ] entry ${i}`);
  }
});

test("a 4096-tip tree with two rows per tip: the sparse route never forms K, and finds the simulated values", () => {
  // (a balanced tree: a coalescent tree's few deep branches carry most of the information on σ²)
  const { newick, csv } = simulate(4096, 2, 10, 21, true);
  const data = parseDelimited(csv, { source: "big.csv" });
  const cov = noDense(phylo("species", newick));
  const res = fit(data, "y ~ x + (1 | species)", { reml: false, covariances: [cov] });
  // simulated with slope 0.4 and a tree SD of 0.8; the residual SD 0.5 plus the unmodelled site
  // effect: √(0.25 + 0.09·0.467) = 0.54
  near(res.json.fixef[1].estimate, 0.4, 4 * res.json.fixef[1].se, "slope");
  near(res.json.varcorr[0].sd!, 0.8, 0.1, "tree SD");
  near(res.json.sigma!, 0.54, 0.03, "residual SD");
  const g = fit(data, "count ~ x + (1 | species)", { family: "poisson", covariances: [cov] });
  near(g.json.fixef[1].estimate, 0.4, 4 * g.json.fixef[1].se, "Poisson slope");
});

test("a well-conditioned K in a GLMM is held in precision form, and fits as the tree route does", () => {
  // a balanced tree: every tip's conditional variance is alike, so K is well conditioned
  const { newick, csv } = simulate(64, 5, 0, 9, true);
  const data = parseDelimited(csv, { source: "balanced.csv" });
  const cov = phylo("species", newick);
  const a = fit(data, "count ~ x + (1 | species) + (1 | site)", { family: "poisson", covariances: [denseOf(cov)] });
  const held = mixed(a).terms.find((t) => t.term.group === "species")!;
  assert.ok(held.kprec !== null && held.kfac === null, "precision form");
  const b = fit(data, "count ~ x + (1 | species) + (1 | site)", { family: "poisson", covariances: [noDense(cov)] });
  sameFit(a, b, 1e-8);
  // an ill-conditioned K (two tips 10⁻⁵ apart: cond ≈ 5·10⁴) stays in u-space
  const c = phylo("g", "((A:0.00001,B:0.00001):0.99999,(C:0.5,D:0.5):0.5);");
  const tiny = parseDelimited("g,y\nA,3\nA,5\nB,4\nB,6\nC,0\nC,1\nD,1\nD,0\n", { source: "tiny.csv" });
  const u = fit(tiny, "y ~ 1 + (1 | g)", { family: "poisson", covariances: [denseOf(c)] });
  assert.ok(mixed(u).terms[0].kprec === null && mixed(u).terms[0].kfac !== null, "u-space");
  sameFit(u, fit(tiny, "y ~ 1 + (1 | g)", { family: "poisson", covariances: [noDense(c)] }), 1e-8);
});
