// 6. One-stage meta-analysis: does BCG vaccination prevent tuberculosis, and how much does the effect
// vary between trials? Each trial's two arms enter with their exact binomial likelihood (metafor's
// rma.glmm, model UM.FS: a fixed intercept per trial, a random treatment effect). Second data set:
// catheter trials with zero events, which need no continuity correction in a one-stage model.
import { join } from "node:path";
import { metaForestSVG, rmaGLMM, studiesFromFrame } from "../../dist/src/entry/engine.js";
import { writeFileAtomic } from "../../dist/src/cli/io.js";
import { fmt, fmtP, isMain, outDir, printer, readData, shown } from "../lib.mjs";

export async function main(options = {}) {
  const log = printer(options);
  const out = outDir(import.meta.url, options);

  // BCG: tpos/tneg = TB cases / non-cases among the vaccinated, cpos/cneg among the controls
  const bcg = studiesFromFrame(readData("bcg.csv"), { ai: "tpos", bi: "tneg", ci: "cpos", di: "cneg", slab: "author" });
  const fs = rmaGLMM(bcg.studies, { model: "UM.FS" });
  writeFileAtomic(join(out, "bcg-forest.svg"), metaForestSVG(fs));

  // Niël-Weise et al. (2007): anti-infective catheters; ai/n1i infections among treated, ci/n2i controls
  const nw = studiesFromFrame(readData("nielweise2007.csv"), { ai: "ai", n1i: "n1i", ci: "ci", n2i: "n2i", slab: "author" });
  const zFS = rmaGLMM(nw.studies, { model: "UM.FS" });
  const zRS = rmaGLMM(nw.studies, { model: "UM.RS" });
  const zeroCell = zFS.studies.filter((s) => s.zeros === "single").length;
  const doubleZero = zFS.studies.filter((s) => s.zeros === "double").map((s) => s.label);

  const pick = (r) => ({
    estimate: r.estimate, se: r.se, p: r.p, or: Math.exp(r.estimate), orCI: [Math.exp(r.ciLower), Math.exp(r.ciUpper)],
    orPI: [Math.exp(r.piLower), Math.exp(r.piUpper)], tau2: r.tau2, I2: r.I2, k: r.k, kTotal: r.kTotal, logLik: r.logLik,
  });
  const res = { bcg: { ...pick(fs), heterogeneityWald: fs.heterogeneity.wald.statistic, fixedEffect: fs.fixedEffect.estimate }, zeroFS: pick(zFS), zeroRS: pick(zRS), zeroCell, doubleZero };
  const b = res.bcg;
  log(
    `BCG vaccine, ${b.k} trials: one-stage binomial GLMM (UM.FS, adaptive quadrature with 7 points)`,
    `  pooled log OR ${fmt(b.estimate)} (SE ${fmt(b.se, 3)}, p = ${fmtP(b.p)}): OR ${fmt(b.or, 3)}, 95% CI ${fmt(b.orCI[0], 3)} to ${fmt(b.orCI[1], 3)}`,
    `  heterogeneity tau² ${fmt(b.tau2)} (I² ${fmt(b.I2, 3)}%); 95% prediction interval for a new trial's OR ${fmt(b.orPI[0], 3)} to ${fmt(b.orPI[1], 3)}`,
    `  fixed-effect model (tau² = 0): log OR ${fmt(b.fixedEffect)} — dominated by the largest trials, with too narrow an interval`,
    `  forest plot: ${shown(join(out, "bcg-forest.svg"))}`,
    `Catheters (Niël-Weise 2007), ${res.zeroFS.kTotal} trials: ${zeroCell} with a zero cell, ${doubleZero.length} with no events at all (${doubleZero.join(", ")})`,
    `  UM.FS (${res.zeroFS.k} trials in the likelihood): OR ${fmt(res.zeroFS.or, 3)} (${fmt(res.zeroFS.orCI[0], 3)} to ${fmt(res.zeroFS.orCI[1], 3)}), tau² ${fmt(res.zeroFS.tau2, 3)}`,
    `  UM.RS (all ${res.zeroRS.k}):                      OR ${fmt(res.zeroRS.or, 3)} (${fmt(res.zeroRS.orCI[0], 3)} to ${fmt(res.zeroRS.orCI[1], 3)}), tau² ${fmt(res.zeroRS.tau2, 3)}`,
  );
  return res;
}

if (isMain(import.meta.url)) await main();
