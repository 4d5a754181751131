// The fast per-gene NB GLMM against glmmTMB (the shared reference of 50 genes), against the general
// engine fitGLMM, and its analytic gradient against finite differences.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fitGeneGLMM } from "../../src/singlecell/fallback.js";
import { NB_SIZE_MAX, NBGeneFitter } from "../../src/singlecell/nbgene.js";
import { fixtures, geneData, glmmTMBReference, loadPbmc60 } from "./fixture.js";

test("estimates and SEs within 0.01 SE of glmmTMB where it gave no warning; logLik at least glmmTMB's where it did", async () => {
  const l = await loadPbmc60();
  const fitter = new NBGeneFitter(l.design);
  const ref = glmmTMBReference();
  assert.equal(ref.length, 50);
  let maxEst = 0, maxSe = 0, warned = 0;
  for (const r of ref) {
    const k = l.genes.indexOf(r.gene);
    const { pos, y } = geneData(l, k);
    fitter.setGene(pos, y);
    const f = fitter.fit();
    assert.ok(f.ok && f.converged, `${r.gene}: ${f.message}`);
    if (r.warning === "") {
      // the issue asks for 0.1 SE; the fits agree to ~1e-3 SE, so hold them to 0.01
      const dEst = Math.abs(f.beta[1] - r.estimate) / r.se;
      const dSe = Math.abs(f.se[1] - r.se) / r.se;
      maxEst = Math.max(maxEst, dEst);
      maxSe = Math.max(maxSe, dSe);
      assert.ok(dEst < 0.01 && dSe < 0.01, `${r.gene}: estimate ${f.beta[1]} vs ${r.estimate}, se ${f.se[1]} vs ${r.se}`);
      assert.ok(Math.abs(f.logLik - r.logLik) < 1e-3, `${r.gene}: logLik ${f.logLik} vs ${r.logLik}`);
    } else {
      warned++;
      // glmmTMB stopped on the way to the Poisson limit (or failed its Hessian). Its NB2 logLik
      // there carries rounding of up to ~3e-5 (it even exceeds the Poisson supremum, see
      // glmmtmb-poisson.R), so: ours ≥ glmmTMB's − 5e-5, and ≥ the exact supremum − 1e-6 below.
      if (Number.isFinite(r.logLik)) assert.ok(f.logLik >= r.logLik - 5e-5, `${r.gene}: logLik ${f.logLik} < glmmTMB ${r.logLik}`);
      assert.ok(f.nbSize === NB_SIZE_MAX, `${r.gene}: nb size ${f.nbSize} (glmmTMB ${r.nbSize})`);
      assert.match(f.message, /Poisson limit/);
      assert.ok(Math.abs(f.beta[1] - r.estimate) / r.se < 0.1, `${r.gene}: estimate ${f.beta[1]} vs ${r.estimate}`);
    }
  }
  assert.equal(warned, 7);
  assert.ok(maxEst < 0.01 && maxSe < 0.01);
});

test("Poisson limit: the NB size is capped at 1e8 and the logLik reaches glmmTMB's Poisson GLMM (the supremum) within 1e-6", async () => {
  const l = await loadPbmc60();
  const fitter = new NBGeneFitter(l.design);
  const ref = JSON.parse(readFileSync(join(fixtures, "glmmtmb-poisson.json"), "utf8"));
  assert.equal(ref.genes.length, 8);
  for (const r of ref.genes) {
    const { pos, y } = geneData(l, l.genes.indexOf(r.gene));
    fitter.setGene(pos, y);
    const f = fitter.fit();
    assert.ok(f.ok && f.converged, `${r.gene}: ${f.message}`);
    assert.equal(f.nbSize, NB_SIZE_MAX);
    assert.ok(f.logLik >= r.poisson.logLik - 1e-6 && f.logLik <= r.poisson.logLik + 1e-6, `${r.gene}: logLik ${f.logLik} vs Poisson ${r.poisson.logLik}`);
    for (let k = 0; k < 2; k++) {
      assert.ok(Math.abs(f.beta[k] - r.poisson.estimate[k]) < 0.01 * r.poisson.se[k], `${r.gene} β${k}: ${f.beta[k]} vs ${r.poisson.estimate[k]}`);
      assert.ok(Math.abs(f.se[k] - r.poisson.se[k]) < 0.01 * r.poisson.se[k], `${r.gene} se${k}: ${f.se[k]} vs ${r.poisson.se[k]}`);
    }
  }
});

test("the fast path agrees with the general engine fitGLMM (0.01 SE, logLik 1e-4): interior, σ = 0 and Poisson-limit genes", async () => {
  const l = await loadPbmc60();
  const fitter = new NBGeneFitter(l.design);
  // GENE00002 interior; GENE00006 patient variance on its boundary; GENE00013 NB size at the Poisson limit
  for (const gene of ["GENE00002", "GENE00006", "GENE00013"]) {
    const { pos, y } = geneData(l, l.genes.indexOf(gene));
    fitter.setGene(pos, y);
    const f = fitter.fit();
    const g = fitGeneGLMM(l.design, pos, y);
    for (let k = 0; k < 2; k++) {
      assert.ok(Math.abs(f.beta[k] - g.beta[k]) < 0.01 * g.se[k], `${gene} β${k}: ${f.beta[k]} vs ${g.beta[k]}`);
      assert.ok(Math.abs(f.se[k] - g.se[k]) < 0.01 * g.se[k], `${gene} se${k}: ${f.se[k]} vs ${g.se[k]}`);
    }
    // at the Poisson limit fitGLMM's optimizer stops ~1e-4 short of the supremum; ours reaches it
    if (gene === "GENE00013") assert.ok(f.logLik > g.logLik - 1e-6 && f.logLik < g.logLik + 1e-3, `${gene}: logLik ${f.logLik} vs ${g.logLik}`);
    else assert.ok(Math.abs(f.logLik - g.logLik) < 1e-4, `${gene}: logLik ${f.logLik} vs ${g.logLik}`);
    assert.ok(Math.abs(f.sdPatient - g.sdPatient) < 1e-3, `${gene}: sd ${f.sdPatient} vs ${g.sdPatient}`);
  }
});

test("analytic gradient and Hessian of the Laplace log-likelihood match central differences (interior, s = 0, near the Poisson limit)", async () => {
  const l = await loadPbmc60();
  const fitter = new NBGeneFitter(l.design);
  const points: Array<[number, number[]]> = [
    [8, [-8.5, 0.7, 0.2, 0.15]], [8, [-8.7, 0.3, 0.02, 1e-6]], [8, [-9, -0.2, 1e-5, 2]], [3, [-8, 0.5, 0, 0.1]], [28, [-9, 0.1, 0.05, 0.3]],
    [14, [-7, 0.2, 0.1, 0.2]], // a gene with large counts (the closed forms of the y-and-k terms)
  ];
  for (const [gene, x0] of points) {
    const { pos, y } = geneData(l, gene);
    fitter.setGene(pos, y);
    const x = Float64Array.from(x0);
    const g = new Float64Array(4), H = new Float64Array(16);
    fitter.evaluate(x, g, H);
    assert.ok(fitter.hessExact);
    for (let i = 0; i < 4; i++) {
      const h = 1e-5 * Math.max(Math.abs(x[i]), i >= 2 ? 1e-3 : 1);
      const xp = Float64Array.from(x), xm = Float64Array.from(x);
      xp[i] += h;
      const oneSided = i === 2 && x[i] - h < 0;
      if (!oneSided) xm[i] -= h;
      const gp = new Float64Array(4), gm = new Float64Array(4);
      const fd = (fitter.evaluate(xp, gp) - fitter.evaluate(xm, gm)) / ((oneSided ? 1 : 2) * h);
      assert.ok(Math.abs(fd - g[i]) < (oneSided ? 1e-3 : 1e-5) * Math.max(1, Math.abs(g[i])), `gene ${gene} x=${x0} ∂${i}: analytic ${g[i]} vs ${fd}`);
      for (let r = 0; r < 4; r++) {
        const fdH = (gp[r] - gm[r]) / ((oneSided ? 1 : 2) * h);
        assert.ok(Math.abs(fdH - H[r + i * 4]) < 1e-3 * Math.max(1, Math.abs(fdH)), `gene ${gene} x=${x0} ∂²${r}${i}: analytic ${H[r + i * 4]} vs ${fdH}`);
      }
    }
  }
});

test("the small-sample test matches glmmTMB REML (NB size held at ML) to 1e-3 SE", async () => {
  const l = await loadPbmc60();
  const fitter = new NBGeneFitter(l.design);
  const ref = JSON.parse(readFileSync(join(fixtures, "glmmtmb-reml.json"), "utf8"));
  for (const r of ref.genes) {
    const { pos, y } = geneData(l, l.genes.indexOf(r.gene));
    fitter.setGene(pos, y);
    const f = fitter.fit();
    const t = f.test!;
    assert.ok(t, `${r.gene}: no small-sample test`);
    for (let k = 0; k < 2; k++) {
      assert.ok(Math.abs(t.estimate[k] - r.reml.estimate[k]) < 1e-3 * r.reml.se[k], `${r.gene} β${k}: ${t.estimate[k]} vs ${r.reml.estimate[k]}`);
      assert.ok(Math.abs(t.se[k] - r.reml.se[k]) < 1e-3 * r.reml.se[k], `${r.gene} se${k}: ${t.se[k]} vs ${r.reml.se[k]}`);
    }
    assert.ok(Math.abs(t.sdPatient - r.reml.sd_patient) < 1e-3 * Math.max(r.reml.sd_patient, 0.01), `${r.gene} sd: ${t.sdPatient} vs ${r.reml.sd_patient}`);
    // and the ML part against the same R run
    assert.ok(Math.abs(f.logLik - r.ml.logLik) < 1e-3);
  }
});

test("degenerate genes: all counts in one cell, no counts, and counts only in one disease group", async () => {
  const l = await loadPbmc60();
  const fitter = new NBGeneFitter(l.design);
  assert.equal(fitter.setGene(new Int32Array(0), new Int32Array(0)), 0);
  const empty = fitter.fit();
  assert.equal(empty.ok, false);
  assert.match(empty.message, /no nonzero/);
  // one cell with a count: a fit or a failure with a reason, never a throw
  fitter.setGene(Int32Array.of(5), Int32Array.of(3));
  const one = fitter.fit();
  assert.ok(one.ok || one.message.length > 0);
  // counts only in control patients: the disease effect runs off to −∞; the result says so
  const ctrl: number[] = [];
  for (let j = 0; j < l.design.nGroups; j++) {
    if (l.design.groupX![j + l.design.nGroups] !== 0) continue;
    for (let c = l.design.groupStart[j]; c < l.design.groupStart[j + 1]; c += 7) ctrl.push(c);
  }
  fitter.setGene(Int32Array.from(ctrl), new Int32Array(ctrl.length).fill(2));
  const sep = fitter.fit();
  assert.ok(!sep.ok || sep.beta[1] < -5 || !sep.converged, `separated gene: ${sep.beta[1]} ${sep.message}`);
});

test("the cell-level path (per-cell X sums, difference Hessian) agrees with the patient-level path (every third gene)", async () => {
  const l = await loadPbmc60();
  const fast = new NBGeneFitter(l.design);
  const general = new NBGeneFitter({ ...l.design, groupX: null });
  let worst = 0, worstT = 0;
  for (let k = 0; k < 60; k += 3) {
    const { pos, y } = geneData(l, k);
    fast.setGene(pos, y);
    general.setGene(pos, y);
    const a = fast.fit(), b = general.fit();
    assert.ok(a.ok && b.ok, `${l.genes[k]}: ${a.message} / ${b.message}`);
    assert.ok(Math.abs(a.logLik - b.logLik) < 1e-6, `${l.genes[k]}: logLik ${a.logLik} vs ${b.logLik}`);
    for (let j = 0; j < 2; j++) {
      worst = Math.max(worst, Math.abs(a.beta[j] - b.beta[j]) / a.se[j], Math.abs(a.se[j] - b.se[j]) / a.se[j]);
      worstT = Math.max(worstT, Math.abs(a.test!.estimate[j] - b.test!.estimate[j]) / a.test!.se[j], Math.abs(a.test!.se[j] - b.test!.se[j]) / a.test!.se[j]);
    }
  }
  assert.ok(worst < 1e-3, `ML: ${worst} SE`);
  assert.ok(worstT < 1e-3, `REML test: ${worstT} SE`);
});
