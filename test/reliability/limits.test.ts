// Every iterative method has a bound, and running into it (or into an objective that is never
// finite) is reported in `converged` and in the warnings — never a hang, never a silent success.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildModel } from "../../src/formula/index.js";
import { bobyqa, nelderMead } from "../../src/optim/index.js";
import { bfgsBounded } from "../../src/optim/bfgs.js";
import { fitLMM } from "../../src/lmm/lmm.js";
import { UserError } from "../../src/errors.js";
import { fitGLMM } from "../../src/glmm/glmm.js";
import { fitGEE } from "../../src/gee/index.js";
import { makeFamily } from "../../src/families/index.js";
import { fitBinomialGLM } from "../../src/meta/glm.js";
import { parametricBootstrap } from "../../src/inference/bootstrap.js";
import { fitModel } from "../../src/inference/model.js";
import { simulateResponses } from "../../src/inference/simulate.js";
import { frameOf, rng } from "./helpers.js";

const LIMIT = { timeout: 20_000 };
const rosen = (x: Float64Array) => 100 * (x[1] - x[0] * x[0]) ** 2 + (1 - x[0]) ** 2;

test("the optimizers stop at their evaluation or iteration limit and say so", LIMIT, () => {
  for (const [name, r] of [
    ["bobyqa", bobyqa(rosen, [-1.2, 1], { maxfun: 12 })],
    ["nelderMead", nelderMead(rosen, [-1.2, 1], { maxfun: 12 })],
  ] as const) {
    assert.equal(r.converged, false, name);
    assert.ok(r.nfev <= 12, `${name}: ${r.nfev} evaluations`);
    assert.match(r.message, /maximum number of function evaluations \(12\)/, name);
    assert.ok(Number.isFinite(r.fval), name);
  }
  const fg = (x: Float64Array, g: Float64Array | null) => {
    if (g) { g[0] = -400 * x[0] * (x[1] - x[0] * x[0]) - 2 * (1 - x[0]); g[1] = 200 * (x[1] - x[0] * x[0]); }
    return rosen(x);
  };
  const b = bfgsBounded(fg, [-1.2, 1], { maxit: 3 });
  assert.equal(b.converged, false);
  assert.ok(b.iterations <= 3);
});

test("an objective that is never finite ends the optimizers, not converged", LIMIT, () => {
  for (const f of [() => NaN, () => Infinity]) {
    for (const r of [bobyqa(f, [0.5, 0.5], { maxfun: 500 }), nelderMead(f, [0.5, 0.5], { maxfun: 500 })]) {
      assert.equal(r.converged, false);
      assert.ok(r.nfev <= 500);
    }
  }
});

// a small mixed-model data set
const R = rng(3);
const n = 80;
const g = Array.from({ length: n }, (_, i) => `g${i % 8}`);
const x = Array.from({ length: n }, () => R.normal());
const ug = Array.from({ length: 8 }, () => R.normal());
const y = x.map((v, i) => 1 + 0.5 * v + ug[i % 8] + R.normal());
const k = x.map((v, i) => R.poisson(Math.exp(0.5 + 0.3 * v + 0.5 * ug[i % 8])));
const frame = frameOf({ y, k, x, g });

test("LMM and GLMM fits report hitting their evaluation limit in converged and warnings", LIMIT, () => {
  const scalar = fitLMM(buildModel(frame, "y ~ x + (1 | g)"), { reml: true, maxfun: 1 });
  assert.equal(scalar.converged, false);
  assert.ok(scalar.warnings.some((w) => /the optimizer did not converge/.test(w)), scalar.warnings.join("; "));
  const vector = fitLMM(buildModel(frame, "y ~ x + (x | g)"), { reml: true, maxfun: 5 });
  assert.equal(vector.converged, false);
  assert.ok(vector.warnings.some((w) => /did not converge \(maximum number of function evaluations \(5\)/.test(w)), vector.warnings.join("; "));
  const glmm = fitGLMM(buildModel(frame, "k ~ x + (x | g)"), { family: "poisson", maxfun: 5 });
  assert.equal(glmm.converged, false);
  assert.ok(glmm.warnings.some((w) => /did not converge/.test(w)), glmm.warnings.join("; "));
  assert.ok(glmm.beta.every(Number.isFinite));
  // whichever stage runs out (stage 1 alone, with Newton finishing stage 2), the warning is there
  let stage1Only = 0;
  for (let maxfun = 1; maxfun <= 12; maxfun++) {
    const r = fitGLMM(buildModel(frame, "k ~ x + (1 | g)"), { family: "poisson", maxfun });
    if (!r.converged) assert.ok(r.warnings.length > 0, `maxfun ${maxfun}: not converged, no warning`);
    if (!r.converged && r.warnings.length === 1 && /stage 1/.test(r.warnings[0])) stage1Only++;
  }
  assert.ok(stage1Only > 0, "the stage-1-only case was exercised");
});

test("GEE and the meta-analysis GLM report hitting their iteration limit", LIMIT, () => {
  const ms = buildModel(frame, "k ~ x");
  const cluster = Int32Array.from(g, (s) => Number(s.slice(1)));
  const gee = fitGEE({ X: ms.X, xnames: ms.xnames, y: ms.response!.y, cluster }, { family: makeFamily("poisson"), corstr: "exchangeable", maxit: 1, tol: 1e-12 });
  assert.equal(gee.converged, false);
  assert.ok(gee.warnings.some((w) => /GEE did not converge in 1 iterations/.test(w)), gee.warnings.join("; "));
  const X = Float64Array.from([1, 1, 1, 1, 0, 1, 0, 1]);
  const glm = fitBinomialGLM(X, 4, 2, Float64Array.from([3, 5, 2, 9]), Float64Array.from([10, 10, 10, 10]), 1);
  assert.equal(glm.converged, false);
});

test("bootstrap and simulation on a degenerate fit (separation) finish and count failed refits", LIMIT, () => {
  const sep = frameOf({ s: x.map((v) => (v > 0 ? 1 : 0)), x, g });
  const m = fitModel(sep, "s ~ x + (1 | g)", { family: "binomial" });
  const b = parametricBootstrap(m, { nsim: 4, seed: 2 });
  assert.equal(b.nsim, 4);
  assert.ok(b.failures >= 0 && b.failures <= 4);
  const sims = simulateResponses(m, { nsim: 2, seed: 2 });
  assert.ok(sims.every((s) => s.every((v) => v === 0 || v === 1)));
});

test("17,000 levels beside the first term: the sparse route fits what the dense part refused", LIMIT, () => {
  // two factors with 17,000 levels each, two rows per level (b a function of a's level): the
  // dense route would have needed a 17,002² block; the sparse factor has no fill
  const n = 34_000, L = 17_000;
  const a = Array.from({ length: n }, (_, i) => `a${i % L}`), b = Array.from({ length: n }, (_, i) => `b${(i * 7919) % L}`);
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i) + ((i % L) % 7) * 0.1);
  const ms = buildModel(frameOf({ y, a, b }), "y ~ 1 + (1 | a) + (1 | b)");
  const f = fitLMM(ms, { reml: true });
  assert.equal(f.solver.route, "sparse");
  assert.equal(f.solver.restSize, 17_002);
  assert.ok(f.solver.factorEntries < 4 * 17_002, String(f.solver.factorEntries));
  assert.ok(Number.isFinite(f.logLik));
});

test("crossed factors whose sparse factor would not fit: on the direct route, a one-line error with its size, before any numeric work", LIMIT, () => {
  // 20,001 × 20,000 levels crossed at random, 10 rows per level of a: the Schur complement of the
  // second factor is a random graph of average degree ~90, which no ordering keeps sparse
  const n = 200_000, La = 20_001, Lb = 20_000;
  const r = rng(23);
  const a = Array.from({ length: n }, (_, i) => `a${i % La}`), b = Array.from({ length: n }, () => `b${Math.floor(r.u() * Lb)}`);
  const y = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  const ms = buildModel(frameOf({ y, a, b }), "y ~ 1 + (1 | a) + (1 | b)");
  // (on the default route such a model goes to the iterative solver: test/lmm/iterative.test.ts)
  assert.throws(() => fitLMM(ms, { reml: true, solver: "direct" }), (e: Error) => e instanceof UserError && /sparse factor would hold [\d,]+ entries \([\d.]+ GiB.* for 20,000 random effects outside the largest term/.test(e.message) && !e.message.includes("\n"));
});
