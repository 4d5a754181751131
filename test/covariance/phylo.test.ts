// Known covariances in fits: the phylogenetic binomial GLMM of the conformance cases, a gaussian LMM
// against lme4 (test/fixtures/reference/covariance_phylo_lmm.R), the matrix route, level matching,
// the CLI flag, and the phylogenetic signal.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fit, type KnownCovariance } from "../../src/fit.js";
import { parseNewick } from "../../src/covariance/newick.js";
import { treeVcv } from "../../src/covariance/vcv.js";
import { parseCovarianceMatrix } from "../../src/covariance/matrix.js";
import { latentResidualVariance, phylogeneticSignal } from "../../src/covariance/signal.js";
import { fitCommand, type FitCommandOptions } from "../../src/cli/commands/fit.js";
import { dataPath, frame, near, readData, reference, throwsUser } from "./helpers.js";

const strainsCase = reference("cases.json").cases.find((c: any) => c.id === "glmm_strains_phylogenetic").reference;
const strainsTree = (): KnownCovariance => ({ group: "strain", ...treeVcv(parseNewick(readData("strains.nwk")), "height"), source: "strains.nwk" });

function checkFit(json: any, r: { logLik: number; fixef: Record<string, number>; se: Record<string, number> }, sd: number, sdWant: number, tolLL = 1e-3) {
  near(json.logLik, r.logLik, tolLL, "logLik");
  for (const f of json.fixef) {
    near(f.estimate, r.fixef[f.term], 0.02 * r.se[f.term], `fixef ${f.term}`);
    near(f.se, r.se[f.term], 0.02 * r.se[f.term], `se ${f.term}`);
  }
  near(sd, sdWant, 0.02 * sdWant, "sd");
}

test("strains: binomial GLMM with the tree's covariance matches lme4 (logLik ±1e-3, 2%)", () => {
  const res = fit(frame("strains.csv"), "severe ~ gene + (1 | strain)", { family: "binomial", covariances: [strainsTree()] });
  checkFit(res.json, strainsCase, res.json.varcorr[0].sd!, strainsCase.varcorr[0].sdcor);
});

test("birds: gaussian LMM with the tree's covariance matches lme4 (ML and REML)", () => {
  const ref = reference("covariance_phylo_lmm.json");
  const cov: KnownCovariance = { group: "family", ...treeVcv(parseNewick(readData("bird_families.nwk")), "height"), source: "bird_families.nwk" };
  for (const r of [ref.ml, ref.reml]) {
    const res = fit(frame("covariance/birds.csv"), "y ~ mass + (1 | family)", { reml: r.REML, covariances: [cov] });
    checkFit(res.json, r, res.json.varcorr[0].sd!, r.sd_family, 1e-4);
    near(res.json.sigma, r.sigma, 1e-3 * r.sigma, "sigma");
  }
});

test("matrix route: the K written as R's write.csv (rows reordered) reads back exactly", () => {
  const tree = strainsTree();
  const n = tree.labels.length;
  let csv = '""' + tree.labels.map((l) => `,"${l}"`).join("") + "\n";
  for (let i = n - 1; i >= 0; i--) { // rows in reverse order: matched by label
    csv += `"${tree.labels[i]}"`;
    for (let j = 0; j < n; j++) csv += "," + tree.K[i + j * n].toPrecision(17);
    csv += "\n";
  }
  const m = parseCovarianceMatrix(csv, { source: "K.csv" });
  assert.deepEqual(m.labels, tree.labels);
  assert.deepEqual(Array.from(m.K), Array.from(tree.K)); // 17 significant digits round-trip exactly
});

test("levels are matched by name: missing and extra names are errors that list them", () => {
  const text = readData("strains.nwk");
  // drop strain004 from the tree: "(strain004:x,strain001:y)" → "strain001:y"
  const pruned = text.replace(/\(strain004:[0-9.e-]+,(strain001:[0-9.e-]+)\):[0-9.e-]+/, "$1");
  assert.notEqual(pruned, text);
  const p: KnownCovariance = { group: "strain", ...treeVcv(parseNewick(pruned), "height"), source: "pruned.nwk" };
  throwsUser(() => fit(frame("strains.csv"), "severe ~ gene + (1 | strain)", { family: "binomial", covariances: [p] }), /pruned\.nwk: 1 level\(s\) of 'strain' not found: strain004/);
  const extra = `(${text.trim().replace(/;$/, "")}:0.5,(zebra:1,yak:1):0.5);`;
  const e: KnownCovariance = { group: "strain", ...treeVcv(parseNewick(extra), "height"), source: "extra.nwk" };
  throwsUser(() => fit(frame("strains.csv"), "severe ~ gene + (1 | strain)", { family: "binomial", covariances: [e] }), /extra\.nwk: 2 name\(s\) not among the levels of 'strain'.*: zebra, yak/);
});

async function capture(o: Partial<FitCommandOptions>): Promise<string> {
  const write = process.stdout.write;
  let out = "";
  process.stdout.write = ((chunk: string) => { out += chunk; return true; }) as typeof process.stdout.write;
  try {
    await fitCommand({ family: "gaussian", nagq: "1", ref: [], covariance: [], format: "json", ...o } as FitCommandOptions);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test("CLI: --covariance strain=phylo:strains.nwk, and one-line errors for bad specs and files", async () => {
  const out = await capture({ data: dataPath("strains.csv"), formula: "severe ~ gene + (1 | strain)", family: "binomial", covariance: [`strain=phylo:${dataPath("strains.nwk")}`] });
  const j = JSON.parse(out);
  near(j.logLik, strainsCase.logLik, 1e-3, "logLik");
  const base = { data: dataPath("strains.csv"), formula: "severe ~ gene + (1 | strain)", family: "binomial" };
  await assert.rejects(capture({ ...base, covariance: [`strain=phylo:${dataPath("nope.nwk")}`] }), /cannot read tree file '.*nope\.nwk': no such file/);
  await assert.rejects(capture({ ...base, covariance: ["strain=tree:x.nwk"] }), /unknown kind 'tree'/);
  await assert.rejects(capture({ ...base, covariance: [`plate=phylo:${dataPath("strains.nwk")}`] }), /--covariance names 'plate', but the formula has no random-effect term/);
  await assert.rejects(capture({ ...base, covariance: [`strain=phylo:${dataPath("strains.nwk")}`, `strain=phylo:${dataPath("strains.nwk")}`] }), /--covariance is given twice for 'strain'/);
  await assert.rejects(capture({ ...base, covariance: [`strain=matrix:${dataPath("strains.nwk")}`] }), /strains\.nwk: not a square matrix/);
});

test("phylogenetic signal on the latent scale: σ²/(σ² + π²/3) for logit", () => {
  assert.equal(latentResidualVariance("binomial", "logit"), Math.PI ** 2 / 3);
  assert.equal(latentResidualVariance("binomial", "probit"), 1);
  assert.equal(latentResidualVariance("gaussian", "identity", 2), 4);
  const v = strainsCase.varcorr[0].vcov; // 0.678
  near(phylogeneticSignal(v, "binomial", "logit"), v / (v + Math.PI ** 2 / 3), 1e-15, "signal");
  near(phylogeneticSignal(v, "binomial", "logit"), 0.17090, 1e-4, "signal value");
  near(phylogeneticSignal(1, "gaussian", "identity", { sigma: 1, otherVariances: [2] }), 0.25, 1e-15, "with another variance");
  throwsUser(() => latentResidualVariance("poisson", "log"), /no latent-scale residual variance for family poisson/);
});
