// The sparse route of the PLS system against the dense route, on random designs: nested (two and
// three levels), partially crossed, a vector first term beside scalar terms, binomial and Poisson
// GLMMs. At fixed parameters every quantity the fits use must agree to rounding (1e-9 relative):
// the objective, its analytic gradient, the modes and β, the conditional variances, the GLMM
// deviance and β-gradient. Whole fits must then reach the same optimum.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Frame } from "../../src/data/frame.js";
import { buildModel } from "../../src/formula/index.js";
import type { ModelStructure } from "../../src/formula/types.js";
import { Rng } from "../../src/inference/rng.js";
import { LinearMixedModel, fitLMM } from "../../src/lmm/lmm.js";
import { GeneralizedLinearMixedModel, fitGLMM } from "../../src/glmm/glmm.js";
import { PLSSystem, type SolverRoute } from "../../src/lmm/system.js";
import { hasAnalyticGradient, profiledGradient } from "../../src/lmm/gradient.js";
import { conditionalVariances } from "../../src/lmm/condvar.js";

/** `groups` levels per row: g1 nested in g0 (sizes), optionally a crossed factor c */
function design(seed: number, opts: { top: number; per: number[]; rows: number; crossed?: number; binary?: boolean; counts?: boolean }): ModelStructure & { formulaOf?: string } {
  const r = new Rng(seed);
  const cols: Record<string, string[]> = { g0: [], g1: [], g2: [], c: [] };
  const x: number[] = [], y: number[] = [];
  const u0 = Array.from({ length: opts.top }, () => r.normal());
  const uc = Array.from({ length: opts.crossed ?? 1 }, () => 0.7 * r.normal());
  for (let a = 0; a < opts.top; a++)
    for (let b = 0; b < opts.per[0]; b++) {
      const u1 = 0.5 * r.normal();
      for (let c = 0; c < (opts.per[1] ?? 1); c++) {
        const u2 = opts.per.length > 1 ? 0.4 * r.normal() : 0;
        for (let k = 0; k < opts.rows; k++) {
          const xi = r.normal();
          // partial crossing: each unit meets a few crossed levels near its own
          const ci = opts.crossed ? Math.floor((a * 3 + k + Math.floor(r.random() * 4)) % opts.crossed) : 0;
          const eta = 0.3 + 0.5 * xi + u0[a] + u1 + u2 + uc[ci];
          cols.g0.push(`a${a}`); cols.g1.push(`b${b}`); cols.g2.push(`c${c}`); cols.c.push(`k${ci}`);
          x.push(xi);
          y.push(opts.binary ? (r.random() < 1 / (1 + Math.exp(-eta)) ? 1 : 0) : opts.counts ? r.poisson(Math.exp(eta - 0.5)) : eta + r.normal());
        }
      }
    }
  const frame = new Frame([
    { kind: "numeric", name: "y", values: Float64Array.from(y) }, { kind: "numeric", name: "x", values: Float64Array.from(x) },
    { kind: "text", name: "g0", values: cols.g0 }, { kind: "text", name: "g1", values: cols.g1 },
    { kind: "text", name: "g2", values: cols.g2 }, { kind: "text", name: "c", values: cols.c },
  ], y.length, "sim");
  return frame as never;
}

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(a)), `${what}: ${a} vs ${b} (rel ${(Math.abs(a - b) / Math.max(1, Math.abs(a))).toExponential(2)})`);
const closeArrays = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) => {
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) close(a[i], b[i], tol, `${what}[${i}]`);
};

function withRoute<T>(route: SolverRoute, f: () => T): T {
  const before = PLSSystem.defaultRoute;
  PLSSystem.defaultRoute = route;
  try { return f(); } finally { PLSSystem.defaultRoute = before; }
}

const lmmCases: [string, () => Frame, string][] = [
  ["two-level nested", () => design(1, { top: 40, per: [4], rows: 5 }) as never, "y ~ x + (1 | g0/g1)"],
  ["three-level nested", () => design(2, { top: 12, per: [5, 3], rows: 3 }) as never, "y ~ x + (1 | g0/g1/g2)"],
  ["partially crossed", () => design(3, { top: 60, per: [1], rows: 6, crossed: 45 }) as never, "y ~ x + (1 | g0) + (1 | c)"],
  ["vector first term beside scalar terms", () => design(4, { top: 15, per: [6], rows: 6, crossed: 20 }) as never, "y ~ x + (1 + x | g0:g1) + (1 | g0) + (1 | c)"],
  ["vector terms beside the first (correlated slopes, crossed)", () => design(10, { top: 30, per: [2], rows: 8, crossed: 12 }) as never, "y ~ x + (1 | g0:g1) + (1 + x | g0) + (1 + x | c)"],
  ["a diagonal vector term beside the first", () => design(11, { top: 25, per: [3], rows: 5 }) as never, "y ~ x + (1 | g0:g1) + (1 + x || g0)"],
];

for (const [name, data, formula] of lmmCases) {
  test(`LMM, ${name}: the sparse route equals the dense route at fixed θ and at the optimum`, () => {
    const ms = buildModel(data(), formula);
    for (const reml of [false, true]) {
      const dense = withRoute("dense", () => new LinearMixedModel(ms, { reml }));
      const sparse = withRoute("sparse", () => new LinearMixedModel(ms, { reml }));
      assert.equal(dense.system.sparse, null);
      assert.ok(sparse.system.sparse !== null, "the sparse route was taken");
      assert.equal(sparse.system.solverInfo.route, "sparse");
      for (const scale of [0.3, 1, 2.5]) {
        const th = Float64Array.from(dense.terms.flatMap((t) => t.start.map((v, k) => (t.diagMask[k] ? scale * (1 + 0.1 * k) : 0.2 * scale))));
        close(dense.objective(th), sparse.objective(th), 1e-10, `objective θ×${scale}`);
        const a = dense.system.solve(), b = sparse.system.solve();
        closeArrays(a.u, b.u, 1e-9, "u");
        closeArrays(a.beta, b.beta, 1e-9, "β");
        closeArrays(dense.system.xFactor(), sparse.system.xFactor(), 1e-9, "L_X");
        if (hasAnalyticGradient(dense.system)) closeArrays(profiledGradient(dense.system, th, a.u, reml, ms.n), profiledGradient(sparse.system, th, b.u, reml, ms.n), 1e-8, "gradient");
        const cd = conditionalVariances(dense.system, 1.3)!, cs = conditionalVariances(sparse.system, 1.3)!;
        cd.forEach((v, t) => closeArrays(v, cs[t], 1e-9, `condVar term ${t}`));
      }
      const fd = withRoute("dense", () => fitLMM(ms, { reml })), fs = withRoute("sparse", () => fitLMM(ms, { reml }));
      close(fd.logLik, fs.logLik, 1e-9, "logLik at the optimum");
      closeArrays(fd.beta, fs.beta, 1e-5, "β at the optimum");
      closeArrays(fd.theta, fs.theta, 1e-4, "θ at the optimum");
    }
  });
}

const glmmCases: [string, () => Frame, string, string][] = [
  ["binomial, two-level nested", () => design(5, { top: 50, per: [4], rows: 5, binary: true }) as never, "y ~ x + (1 | g0/g1)", "binomial"],
  ["Poisson, nested and crossed", () => design(6, { top: 30, per: [3], rows: 6, crossed: 25, counts: true }) as never, "y ~ x + (1 | g0/g1) + (1 | c)", "poisson"],
  ["binomial, a slope beside the first term", () => design(12, { top: 40, per: [3], rows: 6, binary: true }) as never, "y ~ x + (1 | g0:g1) + (1 + x | g0)", "binomial"],
];

for (const [name, data, formula, family] of glmmCases) {
  test(`GLMM, ${name}: the sparse route equals the dense route (deviance, β-gradient, optimum)`, () => {
    const ms = buildModel(data(), formula);
    const dense = withRoute("dense", () => new GeneralizedLinearMixedModel(ms, { family }));
    const sparse = withRoute("sparse", () => new GeneralizedLinearMixedModel(ms, { family }));
    assert.ok(sparse.state.sysU.sparse !== null && sparse.state.sysBeta.sparse !== null);
    assert.equal(dense.state.sysU.sparse, null);
    // the second stage's system shares the first's analysis: the same order and factor as its own
    const own = withRoute("sparse", () => new PLSSystem(sparse.state.sysU.terms, ms.n, 0)).sparse!;
    assert.ok(sparse.state.sysU.sparse.shared === sparse.state.sysBeta.sparse.shared, "analysis shared");
    assert.deepEqual(Array.from(sparse.state.sysU.sparse.perm), Array.from(own.perm));
    assert.deepEqual(Array.from(sparse.state.sysU.sparse.sym.superPtr), Array.from(own.sym.superPtr));
    assert.equal(sparse.state.sysU.sparse.sym.nnzL, own.sym.nnzL);
    const th = Float64Array.from(dense.terms.flatMap((t, i) => t.start.map((_, k) => (t.diagMask[k] ? 0.4 + 0.3 * i : 0.1))));
    close(dense.deviance(th, null), sparse.deviance(th, null), 1e-10, "stage-1 deviance");
    const beta = Float64Array.from(dense.state.beta, (b) => b + 0.05);
    close(dense.deviance(th, beta), sparse.deviance(th, beta), 1e-10, "stage-2 deviance");
    assert.ok(dense.gradient && sparse.gradient, "analytic β-gradient on both routes");
    const gd = new Float64Array(beta.length), gs = new Float64Array(beta.length);
    dense.gradient!.betaGradient(gd);
    sparse.gradient!.betaGradient(gs);
    closeArrays(gd, gs, 1e-8, "β-gradient");
    const cd = conditionalVariances(dense.state.sysU, 1)!, cs = conditionalVariances(sparse.state.sysU, 1)!;
    cd.forEach((v, t) => closeArrays(v, cs[t], 1e-9, `condVar term ${t}`));
    const fd = withRoute("dense", () => fitGLMM(ms, { family })), fs = withRoute("sparse", () => fitGLMM(ms, { family }));
    close(fd.logLik, fs.logLik, 1e-7, "logLik at the optimum");
    closeArrays(fd.beta, fs.beta, 1e-4, "β at the optimum");
  });
}

test("the route by cost: nested designs go sparse, a dense crossing stays dense, small systems stay dense", () => {
  const nested = buildModel(design(7, { top: 300, per: [3], rows: 2 }) as never, "y ~ x + (1 | g0/g1)");
  assert.equal(new LinearMixedModel(nested).system.solverInfo.route, "sparse");
  // every level of g0 meets every level of c: the rest block is dense
  const crossed = buildModel(design(8, { top: 250, per: [1], rows: 40, crossed: 220 }) as never, "y ~ x + (1 | g0) + (1 | c)");
  assert.equal(new LinearMixedModel(crossed).system.solverInfo.route, "dense");
  const small = buildModel(design(9, { top: 10, per: [3], rows: 3 }) as never, "y ~ x + (1 | g0/g1)");
  assert.equal(new LinearMixedModel(small).system.solverInfo.route, "dense");
});

// lme4 1.1-31 on simulated multilevel designs (test/fixtures/reference/multilevel.R writes the
// data and the fits): the sparse route reaches lme4's optimum (or a better one) with the same
// estimates, standard errors and variance components. The GLMM references were fitted with
// tolPwrss = 1e-12, whose vcov is the exact Laplace one: compared with vcov "laplace".
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readFrameFile } from "../../src/cli/io.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures");
const multilevel = JSON.parse(readFileSync(join(fixtures, "reference", "multilevel.json"), "utf8")).cases as Record<string, any>;

for (const [id, c] of Object.entries(multilevel)) {
  test(`lme4 reference, ${id} (${c.formula}): the sparse route matches`, () => {
    const ms = buildModel(readFrameFile(join(fixtures, "data", c.data)), c.formula);
    const f = withRoute("sparse", () => (c.family === "gaussian" ? fitLMM(ms, { reml: false }) : fitGLMM(ms, { family: c.family, vcov: "laplace" })));
    assert.equal(f.solver.route, "sparse");
    assert.ok(f.logLik >= c.logLik - 1e-6, `logLik ${f.logLik} below lme4's ${c.logLik}`);
    assert.ok(f.logLik <= c.logLik + 1e-4, `logLik ${f.logLik} above lme4's ${c.logLik}`);
    const tol = 2e-3;
    const p = f.xnames.length;
    f.xnames.forEach((nm, j) => {
      const se = c.se[nm];
      assert.ok(Math.abs(f.beta[j] - c.fixef[nm]) < tol * se, `${nm}: ${f.beta[j]} vs ${c.fixef[nm]}`);
      assert.ok(Math.abs(Math.sqrt(f.vcov[j + j * p]) - se) < tol * se, `se ${nm}: ${Math.sqrt(f.vcov[j + j * p])} vs ${se}`);
    });
    // variance components (SDs; correlations) in lme4's order of groups
    for (const v of c.varcorr) {
      if (v.grp === "Residual") {
        if (c.family === "gaussian") close((f as any).sigma, v.sdcor, 1e-3, "sigma");
        continue;
      }
      const mine = f.varcorr.find((e) => e.term1 === v.var1 && e.term2 === (v.var2 ?? null) && groupMatches(e.group, v.grp));
      assert.ok(mine, `no variance component ${v.grp} ${v.var1} ${v.var2}`);
      const val = v.var2 ? mine!.corr! : mine!.sd!;
      assert.ok(Math.abs(val - v.sdcor) < tol * Math.max(0.1, Math.abs(v.sdcor)), `${v.grp} ${v.var1}/${v.var2}: ${val} vs ${v.sdcor}`);
    }
  });
}

/** lme4 names nested groups "class:(school:region)"; glmm "class:school:region" */
function groupMatches(ours: string, theirs: string): boolean {
  return ours.replace(/[()]/g, "") === theirs.replace(/[()]/g, "");
}

test("a nested design whose level pairs pass 2³¹ (200,000 classes × 50,000 schools) keeps its pattern: no fill", () => {
  const S = 50_000, n = S * 8;
  const school = new Array<string>(n), cls = new Array<string>(n);
  const y = new Float64Array(n), x = new Float64Array(n);
  for (let i = 0; i < n; i++) { school[i] = `s${Math.floor(i / 8)}`; cls[i] = `c${Math.floor(i / 2) % 4}`; y[i] = Math.sin(i); x[i] = Math.cos(7 * i); }
  const frame = new Frame([
    { kind: "numeric", name: "y", values: y }, { kind: "numeric", name: "x", values: x },
    { kind: "text", name: "school", values: school }, { kind: "text", name: "class", values: cls },
  ], n, "sim");
  const ms = buildModel(frame, "y ~ x + (1 | school/class)");
  const sys = new LinearMixedModel(ms).system;
  // a school's column: itself and the X/y rows; the factor has exactly the pattern of Ω
  assert.deepEqual(sys.solverInfo, { route: "sparse", restSize: S + 3, factorEntries: 4 * S + 6 + 1, flops: sys.solverInfo.flops });
});
