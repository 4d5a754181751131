// The scenario gallery (examples/NN-*/run.mjs): each example's main() runs in this process and its
// key numbers are checked against R (test/fixtures/reference/*.json, and test/examples/reference.json
// made by test/examples/reference.R) and against the simulations' generating values.
// Tolerances follow the conformance runner: estimates within 2% of their standard error, standard
// errors and SDs within 2%, log-likelihoods within 0.01, unless stated otherwise.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { glmmTMBReference } from "../singlecell/fixture.js";

const here = dirname(fileURLToPath(import.meta.url));
/** dist/test/examples → project root */
const root = join(here, "..", "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "glmm-examples-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const json = (...p: string[]): Any => JSON.parse(readFileSync(join(root, ...p), "utf8"));
const cases: Any[] = json("test", "fixtures", "reference", "cases.json").cases;
const refCase = (id: string): Any => cases.find((c) => c.id === id).reference;
const inference: Any = json("test", "fixtures", "reference", "inference.json");
const extra: Any = json("test", "examples", "reference.json");
const truthOf = (name: string): Any => json("examples", "data", `${name}.truth.json`);

/** run an example's main() quietly, its files going to a temporary directory */
async function run(name: string): Promise<Any> {
  const mod = await import(pathToFileURL(join(root, "examples", name, "run.mjs")).href);
  return mod.main({ quiet: true, outDir: join(tmp, name) });
}

/** |got − want| ≤ tol */
function near(what: string, got: number, want: number, tol: number): void {
  assert.ok(Number.isFinite(got) && Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} ± ${tol}`);
}
/** an estimate against R's: within 2% of R's standard error */
const est = (what: string, got: number, want: number, se: number) => near(what, got, want, 0.02 * se);
/** a standard error, SD or variance: within `rel` of R's */
const rel = (what: string, got: number, want: number, r = 0.02) => near(what, got, want, r * Math.abs(want));

test("01 songbirds: within- and between-bird slopes as lme4, the pooled slope between them", async () => {
  const r = await run("01-songbirds");
  const ref = refCase("glmm_songbirds_within_between");
  est("within", r.within, ref.fixef.testosterone_within, ref.se.testosterone_within);
  est("between", r.between, ref.fixef.testosterone_between, ref.se.testosterone_between);
  rel("se within", r.withinSE, ref.se.testosterone_within);
  rel("se between", r.betweenSE, ref.se.testosterone_between);
  rel("sd bird", r.sdBird, ref.varcorr[0].sdcor);
  near("logLik", r.logLik, ref.logLik, 0.01);
  const x = extra.songbirds;
  est("within − between", r.difference, x.within_minus_between.estimate, x.within_minus_between.se);
  rel("se of the difference", r.differenceSE, x.within_minus_between.se);
  rel("p of the difference", r.differenceP, x.within_minus_between.p, 0.05);
  est("pooled slope", r.pooled, x.pooled.estimate.testosterone, x.pooled.se.testosterone);
  rel("profile CI of the bird SD, lower", r.sdBirdCI[0], x.profile_sd_bird[0], 0.005);
  rel("profile CI of the bird SD, upper", r.sdBirdCI[1], x.profile_sd_bird[1], 0.005);
  // the story: the pooled slope lies between the two, and the simulated slopes are recovered
  assert.ok(r.between < r.pooled && r.pooled < r.within);
  const t = truthOf("songbirds");
  assert.ok(Math.abs(r.within - t.within) < 2 * r.withinSE && Math.abs(r.between - t.between) < 2 * r.betweenSE);
});

test("02 senescence: ageing and selective disappearance as lme4; the pooled age slope hides both", async () => {
  const r = await run("02-senescence");
  const ref = refCase("glmm_senescence_within_between");
  est("ageing", r.ageing, ref.fixef.age_within, ref.se.age_within);
  est("between", r.between, ref.fixef.age_between, ref.se.age_between);
  rel("se ageing", r.ageingSE, ref.se.age_within);
  rel("sd id", r.sdId, ref.varcorr[0].sdcor);
  near("logLik", r.logLik, ref.logLik, 0.01);
  const x = extra.senescence;
  est("between − within", r.selection, x.between_minus_within.estimate, x.between_minus_within.se);
  rel("se of between − within", r.selectionSE, x.between_minus_within.se);
  est("pooled age slope", r.pooled, x.pooled.estimate.age, x.pooled.se.age);
  assert.ok(r.ageing < 0 && r.selection > 0 && r.pooledP > 0.05, "decline within individuals, selection between, nothing pooled");
  assert.ok(Math.abs(r.ageing - truthOf("senescence").within_age) < 2 * r.ageingSE);
});

test("03 counselling: the training effect and the clinic and clinician SDs as lme4", async () => {
  const r = await run("03-counselling");
  const ref = refCase("glmm_counselling_nested");
  est("trained", r.trained, ref.fixef.trained, ref.se.trained);
  rel("se trained", r.trainedSE, ref.se.trained);
  rel("sd clinic", r.sdClinic, ref.varcorr.find((v: Any) => v.group === "clinic").sdcor);
  rel("sd clinician", r.sdClinician, ref.varcorr.find((v: Any) => v.group === "clinician:clinic").sdcor);
  near("logLik", r.logLik, ref.logLik, 0.01);
  near("rate ratio", r.rateRatio, Math.exp(ref.fixef.trained), 0.02 * ref.se.trained * Math.exp(ref.fixef.trained));
  near("rate ratio CI", r.rateRatioCI[0], Math.exp(r.trained - 1.959964 * r.trainedSE), 1e-6);
  const t = truthOf("counselling");
  assert.ok(r.rateRatioCI[0] < Math.exp(t.trained) && Math.exp(t.trained) < r.rateRatioCI[1]);
});

test("04 single-cell: glmmTMB's per-gene estimates, the truly DE genes found, no false ones; volcano written", async () => {
  const r = await run("04-singlecell");
  assert.equal(r.fitted, 200);
  assert.equal(r.patients, 10);
  assert.equal(r.df, 8);
  const byGene = new Map<string, Any>(r.rows.map((x: Any) => [x.gene, x]));
  let compared = 0;
  for (const t of glmmTMBReference()) {
    if (t.warning !== "") continue; // glmmTMB did not converge cleanly there
    const g = byGene.get(t.gene);
    near(`${t.gene} estimate`, g.estimate, t.estimate, 0.01 * t.se);
    near(`${t.gene} se`, g.se, t.se, 0.01 * t.se);
    compared++;
  }
  assert.ok(compared >= 40, `${compared} genes compared with glmmTMB`);
  // 18 genes are truly DE; with 5 + 5 patients about half reach FDR 5%, and nothing else does
  assert.ok(r.truePositives >= 8 && r.falsePositives === 0, `${r.truePositives} true, ${r.falsePositives} false discoveries`);
  assert.ok(r.maeLogFC < 0.25, `mean error of the log fold changes ${r.maeLogFC}`);
  assert.ok(r.nullBelow05 < 0.1, `${r.nullBelow05} of the null genes have p < 0.05`);
  for (const f of ["volcano.svg", "pvalues.svg"]) assert.match(readFileSync(join(r.outDir, f), "utf8"), /<svg/);
  assert.match(readFileSync(join(r.outDir, "results.csv"), "utf8"), /^gene,term,estimate,se,statistic,p,padj/);
});

test("05 ohio: conditional effects as lme4, marginalized ones as R's integration, beside geepack's GEE", async () => {
  const r = await run("05-marginal");
  const g = refCase("glmm_ohio_laplace");
  const e = refCase("gee_ohio_exchangeable");
  for (const t of ["(Intercept)", "age", "smoke"]) {
    const row = r.table[t];
    est(`${t} conditional`, row.conditional, g.fixef[t], g.se[t]);
    rel(`${t} conditional se`, row.conditionalSE, g.se[t]);
    near(`${t} marginalized`, row.marginal, extra.ohio_marginal[t], 0.01 * row.marginalSE);
    near(`${t} GEE`, row.gee, e.coef[t], 1e-4);
    rel(`${t} GEE se`, row.geeSE, e.se_robust[t], 1e-3);
  }
  // the point of the example: marginalized ≈ GEE (within a tenth of its SE), conditional far from it
  for (const t of ["age", "smoke"]) {
    const row = r.table[t];
    assert.ok(Math.abs(row.marginal - row.gee) < 0.1 * row.geeSE, `${t}: marginal ${row.marginal} vs GEE ${row.gee}`);
    assert.ok(Math.abs(row.conditional) > 1.4 * Math.abs(row.gee));
  }
  rel("child SD", r.sdChild, g.varcorr[0].sdcor);
  near("GEE alpha", r.geeAlpha, e.alpha.alpha, 1e-4);
});

test("06 meta-analysis: BCG and the zero-event catheter trials as metafor", async () => {
  const r = await run("06-meta");
  const m = json("test", "fixtures", "reference", "meta_reference.json");
  const check = (label: string, got: Any, want: Any) => {
    est(`${label} log OR`, got.estimate, want.beta, want.se);
    rel(`${label} se`, got.se, want.se);
    rel(`${label} tau2`, got.tau2, want.tau2);
    assert.equal(got.k, want.k, `${label} k`);
  };
  check("BCG UM.FS", r.bcg, m.bcg["UM.FS"]);
  rel("BCG I2", r.bcg.I2, m.bcg["UM.FS"].I2, 1e-3);
  near("BCG heterogeneity Wald", r.bcg.heterogeneityWald, m.bcg["UM.FS"].QE_Wld, 1e-3);
  near("BCG fixed effect", r.bcg.fixedEffect, m.bcg["UM.FS"].fe_beta, 1e-4);
  check("catheters UM.FS", r.zeroFS, m.nielweise2007["UM.FS"]);
  check("catheters UM.RS", r.zeroRS, m.nielweise2007["UM.RS"]);
  assert.equal(r.zeroCell, 5);
  assert.deepEqual(r.doubleZero, ["Yucel"]);
  assert.match(readFileSync(join(tmp, "06-meta", "bcg-forest.svg"), "utf8"), /<svg/);
});

test("07 network meta-analysis: league table and P-scores as lme4 + netmeta's formula", async () => {
  const r = await run("07-nma");
  const ref = json("test", "fixtures", "reference", "meta_nma_hasselblad.json");
  assert.deepEqual(r.treatments, ref.treatments);
  for (let i = 0; i < ref.treatments.length; i++) {
    for (let j = 0; j < ref.treatments.length; j++) {
      if (i === j) continue;
      // both: log OR of treatment i (row) versus treatment j (column)
      est(`league ${i},${j}`, r.league[i][j], ref.estimate[i][j], ref.se[i][j]);
      rel(`league se ${i},${j}`, r.leagueSE[i][j], ref.se[i][j]);
    }
  }
  for (const [t, p] of Object.entries(ref.pscore)) near(`P-score ${t}`, r.pscores[t], p as number, 0.005);
  assert.deepEqual(r.ranking, ["grp_counseling", "ind_counseling", "self_help", "no_contact"]);
  rel("sigma2", r.sigma2, ref.sigma2);
  near("logLik", r.logLik, ref.logLik, 0.01);
});

test("08 phylogenetic: the gene effect and the phylogenetic SD as lme4 with Z·L; the tree beats independent strains", async () => {
  const r = await run("08-phylogenetic");
  const ref = refCase("glmm_strains_phylogenetic");
  est("gene", r.gene, ref.fixef.gene, ref.se.gene);
  rel("se gene", r.geneSE, ref.se.gene);
  rel("sd strain", r.sdStrain, ref.varcorr[0].sdcor);
  near("logLik", r.logLik, ref.logLik, 0.01);
  near("H2", r.h2, r.sdStrain ** 2 / (r.sdStrain ** 2 + Math.PI ** 2 / 3), 1e-12);
  const x = extra.strains_iid;
  est("gene without the tree", r.iid.gene, x.estimate.gene, x.se.gene);
  rel("sd strain without the tree", r.iid.sdStrain, x.sd_strain);
  near("logLik without the tree", r.iid.logLik, x.logLik, 0.01);
  assert.ok(r.AIC < r.iid.AIC - 10);
  assert.ok(Math.abs(r.gene - truthOf("strains").gene) < 2 * r.geneSE);
});

test("09 batches: the few-levels warning, lme4's fit and profile, and lm's fit with batch fixed", async () => {
  const r = await run("09-batches");
  assert.ok(r.fewLevelsWarning, `warnings: ${r.warnings.join(" | ")}`);
  assert.ok(r.warnings.some((w: string) => w.includes("expression ~ group + batch")), "the warning names the fixed-effect model");
  const ref = refCase("lmm_batches_three_levels");
  est("treated", r.mixed.treated, ref.fixef.grouptreated, ref.se.grouptreated);
  rel("se treated", r.mixed.treatedSE, ref.se.grouptreated);
  rel("sd batch", r.mixed.sdBatch, ref.varcorr[0].sdcor);
  rel("sigma", r.mixed.sigma, ref.sigma);
  const sat = json("test", "fixtures", "reference", "inference_extra.json").satterthwaite_batches;
  rel("Satterthwaite df of the intercept", r.mixed.interceptDF, sat.df["(Intercept)"]);
  near("profile CI of the batch SD, lower", r.mixed.sdBatchCI[0], extra.batches.profile_sd_batch[0], 1e-6);
  rel("profile CI of the batch SD, upper", r.mixed.sdBatchCI[1], extra.batches.profile_sd_batch[1], 0.005);
  rel("profile CI of treated, lower", r.mixed.treatedCI[0], extra.batches.profile_grouptreated[0], 1e-3);
  rel("profile CI of treated, upper", r.mixed.treatedCI[1], extra.batches.profile_grouptreated[1], 1e-3);
  const lm = extra.batches.lm;
  near("lm treated", r.fixed.treated, lm.estimate.grouptreated, 1e-8);
  near("lm run2", r.fixed.batchrun2, lm.estimate.batchrun2, 1e-8);
  near("lm run3", r.fixed.batchrun3, lm.estimate.batchrun3, 1e-8);
  rel("lm se treated", r.fixed.treatedSE, lm.se.grouptreated, 1e-6);
  rel("lm se batch", r.fixed.batchSE, lm.se.batchrun2, 1e-6);
  rel("lm sigma", r.fixed.sigma, lm.sigma, 1e-6);
});

test("10 mating: NB GLMM as glmmTMB; repeatability as performance, with and without the tail", async () => {
  const r = await run("10-mating");
  const ref = refCase("glmm_mating_negbin");
  est("tail", r.tail, ref.fixef.tail, ref.se.tail);
  rel("se tail", r.tailSE, ref.se.tail);
  rel("sd male", r.sdMale, ref.varcorr[0].sdcor);
  rel("nb size", r.nbSize, ref.nb_size);
  near("logLik", r.logLik, ref.logLik, 0.01);
  const icc = inference.icc_mating_negbin;
  rel("ICC adjusted", r.iccAdjusted, icc.icc_adjusted, 1e-3);
  rel("ICC conditional", r.iccConditional, icc.icc_conditional, 1e-3);
  rel("R2 marginal", r.r2Marginal, icc.r2_marginal, 1e-3);
  rel("R2 conditional", r.r2Conditional, icc.r2_conditional, 1e-3);
  rel("ICC without the tail", r.iccRaw, extra.mating_null.icc_adjusted, 0.01);
  rel("male SD without the tail", r.sdMaleRaw, extra.mating_null.sd_male);
  assert.ok(r.iccRaw > r.iccAdjusted, "the tail explains part of the between-male differences");
  assert.ok(Math.abs(r.tail - truthOf("mating").tail) < 2 * r.tailSE);
});

test("every example has run.mjs and cli.sh, and the CLI lines read only files under examples/data", () => {
  const dirs = readdirSync(join(root, "examples"), { withFileTypes: true }).filter((d) => d.isDirectory() && /^\d\d-/.test(d.name)).map((d) => d.name);
  assert.equal(dirs.length, 10);
  for (const d of dirs) {
    assert.ok(existsSync(join(root, "examples", d, "run.mjs")), `${d}/run.mjs`);
    const sh = readFileSync(join(root, "examples", d, "cli.sh"), "utf8");
    assert.ok((statSync(join(root, "examples", d, "cli.sh")).mode & 0o111) !== 0, `${d}/cli.sh is executable`);
    assert.match(sh, /node bin\/glmm\.js /, `${d}/cli.sh runs glmm`);
    for (const m of sh.matchAll(/--(?:data|counts|cells|covariance [a-z]+=phylo:)\s*(\S+)/g)) {
      const file = m[1];
      assert.ok(existsSync(join(root, file)), `${d}/cli.sh: ${file} exists`);
      assert.ok(file.startsWith("examples/data/"), `${d}/cli.sh: ${file} is under examples/data`);
    }
  }
});

// The CLI lines themselves run in test/docs/docs.test.ts, with every other documented command.
