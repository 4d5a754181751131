// The analytic gradient of the profiled deviance for vector terms (unstructured and diagonal λ)
// against central differences of the objective, on the dense and the sparse route, ML and REML:
// a vector first term, a vector term beside it (crossed), a diagonal term, and a singular λ (a zero
// diagonal, where the gradient is smoothed across). Then the quasi-Newton fit that uses it must
// reach BOBYQA's objective.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { readFrameFile } from "../../src/cli/io.js";
import { Frame } from "../../src/data/frame.js";
import { buildModel } from "../../src/formula/index.js";
import type { ModelStructure } from "../../src/formula/types.js";
import { Rng } from "../../src/inference/rng.js";
import { LinearMixedModel, fitLMM } from "../../src/lmm/lmm.js";
import { PLSSystem, type SolverRoute } from "../../src/lmm/system.js";
import { hasAnalyticGradient, profiledGradient } from "../../src/lmm/gradient.js";
import { bobyqa } from "../../src/optim/index.js";
import { thetaLower, thetaUpper } from "../../src/lmm/reterms.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures");

/** subjects × items crossed (each pair with probability 0.6), two ±0.5 within factors, correlated slopes on both */
function crossed(seed: number, ns: number, ni: number): Frame {
  const r = new Rng(seed);
  const eff = (sd: number[]) => { const z = r.normal(); return sd.map((s) => s * (0.6 * z + 0.8 * r.normal())); };
  const us = Array.from({ length: ns }, () => eff([1, 0.5, 0.3])), ui = Array.from({ length: ni }, () => eff([0.8, 0.4, 0.2]));
  const y: number[] = [], A: number[] = [], B: number[] = [], s: string[] = [], it: string[] = [];
  for (let a = 0; a < ns; a++)
    for (let b = 0; b < ni; b++) {
      if (r.random() > 0.6) continue;
      const xa = (a + b) % 2 ? 0.5 : -0.5, xb = Math.floor(b / 2) % 2 ? 0.5 : -0.5;
      y.push(2 + 0.5 * xa + us[a][0] + ui[b][0] + (us[a][1] + ui[b][1]) * xa + (us[a][2] + ui[b][2]) * xb + r.normal());
      A.push(xa); B.push(xb); s.push(`s${a}`); it.push(`i${b}`);
    }
  return new Frame([
    { kind: "numeric", name: "y", values: Float64Array.from(y) }, { kind: "numeric", name: "A", values: Float64Array.from(A) },
    { kind: "numeric", name: "B", values: Float64Array.from(B) }, { kind: "text", name: "subj", values: s }, { kind: "text", name: "item", values: it },
  ], y.length, "sim");
}

function withRoute<T>(route: SolverRoute, f: () => T): T {
  const before = PLSSystem.defaultRoute;
  PLSSystem.defaultRoute = route;
  try { return f(); } finally { PLSSystem.defaultRoute = before; }
}

/** max relative difference between the analytic gradient and central differences at θ */
function gradientError(ms: ModelStructure, reml: boolean, th: Float64Array): number {
  const m = new LinearMixedModel(ms, { reml });
  assert.ok(hasAnalyticGradient(m.system));
  assert.ok(Number.isFinite(m.objective(th)));
  const g = profiledGradient(m.system, th, m.system.solve().u, reml, ms.n, true);
  let err = 0;
  for (let j = 0; j < th.length; j++) {
    const h = 1e-5;
    const tp = Float64Array.from(th), tm = Float64Array.from(th);
    tp[j] += h;
    tm[j] -= h;
    const fd = (m.objective(tp) - m.objective(tm)) / (2 * h);
    err = Math.max(err, Math.abs(fd - g[j]) / Math.max(1, Math.abs(fd)));
  }
  return err;
}

const sleep = () => readFrameFile(join(fixtures, "data", "sleepstudy.csv"));
const cases: [string, () => Frame, string, SolverRoute[]][] = [
  ["vector first term (sleepstudy)", sleep, "Reaction ~ Days + (Days | Subject)", ["dense"]],
  ["diagonal vector term (sleepstudy)", sleep, "Reaction ~ Days + diag(Days | Subject)", ["dense"]],
  ["two crossed vector terms", () => crossed(7, 24, 16), "y ~ A * B + (1 + A + B | subj) + (1 + A + B | item)", ["dense", "sparse"]],
];

for (const [name, data, formula, routes] of cases)
  test(`vector-term gradient, ${name}: analytic = central differences (ML, REML; ${routes.join(", ")})`, () => {
    const ms = buildModel(data(), formula);
    for (const route of routes)
      for (const reml of [false, true]) {
        const terms = withRoute(route, () => new LinearMixedModel(ms, { reml })).terms;
        // a generic θ, and one with a zero diagonal (singular λ: the smoothed gradient)
        const th = Float64Array.from(terms.flatMap((t) => t.start.map((_, k) => (t.diagMask[k] ? 0.6 + 0.15 * k : 0.12 - 0.05 * k))));
        const e1 = withRoute(route, () => gradientError(ms, reml, th));
        assert.ok(e1 < 2e-5, `${route} reml=${reml}: relative error ${e1}`);
        const last = terms[terms.length - 1];
        const sing = Float64Array.from(th);
        sing[last.thetaOffset + last.ntheta - 1] = 0;
        const e2 = withRoute(route, () => gradientError(ms, reml, sing));
        assert.ok(e2 < 2e-5, `${route} reml=${reml}, singular λ: relative error ${e2}`);
      }
  });

test("vector terms: the quasi-Newton fit reaches BOBYQA's objective (or better) with several times fewer evaluations", () => {
  for (const [data, formula] of [[sleep, "Reaction ~ Days + (Days | Subject)"], [() => crossed(8, 30, 16), "y ~ A * B + (1 + A + B | subj) + (1 + A + B | item)"]] as const) {
    const ms = buildModel(data(), formula);
    for (const reml of [false, true]) {
      const fit = fitLMM(ms, { reml, condVar: false });
      const m = new LinearMixedModel(ms, { reml });
      const b = bobyqa((th) => m.objective(th), Float64Array.from(m.terms.flatMap((t) => t.start)), { lower: thetaLower(m.terms), upper: thetaUpper(m.terms), rhobeg: 0.2, rhoend: 2e-7, maxfun: 10000 });
      assert.ok(fit.objective <= b.fval + 1e-6, `${formula} reml=${reml}: ${fit.objective} vs BOBYQA ${b.fval}`);
      assert.ok(fit.converged);
      assert.ok(fit.evaluations * 2 < b.nfev, `evaluations ${fit.evaluations} vs BOBYQA ${b.nfev}`);
    }
  }
});
