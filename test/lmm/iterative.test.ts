// The iterative route for crossed random intercepts (issue 22): PCG solves and stochastic Lanczos
// quadrature of log|Ω|, checked against the Cholesky route on the same small crossed design
// (simulated here with a fixed seed), with tolerances from the reported Monte Carlo SE.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseDelimited } from "../../src/data/csv.js";
import { buildModel } from "../../src/formula/index.js";
import { Rng } from "../../src/inference/rng.js";
import { IterativeLMM } from "../../src/lmm/iterative.js";
import { LinearMixedModel, fitLMM } from "../../src/lmm/lmm.js";
import { tridiagEigen } from "../../src/linalg/iterative/tridiag.js";
import { condsdWithin } from "./condsd-check.js";

/** users × items, each user rating ~10 of 300 items (popular ones more often); y = 3 + 0.3x + u + v + ε */
function crossedCsv(users = 300, items = 300, seed = 11): string {
  const r = new Rng(seed);
  const v = Array.from({ length: items }, () => 0.7 * r.normal());
  const lines = ["y,x,user,item"];
  for (let u = 0; u < users; u++) {
    const uu = 0.5 * r.normal();
    const seen = new Set<number>();
    const want = 4 + Math.floor(r.random() * 13);
    while (seen.size < want) {
      const j = Math.min(items - 1, Math.floor(items * r.random() ** 2));
      if (seen.has(j)) continue;
      seen.add(j);
      const x = r.normal();
      lines.push(`${(3 + 0.3 * x + uu + v[j] + r.normal()).toFixed(4)},${x.toFixed(4)},u${u},i${j}`);
    }
  }
  return lines.join("\n") + "\n";
}

const csv = crossedCsv();
const ms = buildModel(parseDelimited(csv), "y ~ x + (1 | user) + (1 | item)", {});

test("tridiagEigen: eigenvalues and first components of a small tridiagonal matrix", () => {
  // T = tridiag(-1, 2, -1), m = 5: λ_k = 2 − 2cos(kπ/6), v_k(1) ∝ sin(kπ/6)
  const m = 5;
  const { values, first } = tridiagEigen(new Float64Array(m).fill(2), new Float64Array(m - 1).fill(-1), m);
  const order = Array.from(values.keys()).sort((a, b) => values[a] - values[b]);
  order.forEach((i, k) => {
    assert.ok(Math.abs(values[i] - (2 - 2 * Math.cos(((k + 1) * Math.PI) / 6))) < 1e-13);
    assert.ok(Math.abs(first[i] ** 2 - (Math.sin(((k + 1) * Math.PI) / 6) ** 2) / 3) < 1e-13);
  });
});

const exact = fitLMM(ms, { reml: false, solver: "direct" });

test("iterative ML fit matches the Cholesky route within its Monte Carlo error", () => {
  const it = fitLMM(ms, { reml: false, solver: "iterative" });
  assert.equal(it.solver.route, "iterative");
  assert.match(it.solver.method!, /^iterative \(PCG \+ SLQ, \d+ probes, MC SE of logLik [\d.e-]+\)$/);
  const se = it.logLikMCSE!;
  assert.ok(se > 0 && se < 0.01, `MC SE ${se}`);
  // the quadrature itself is converged: what is left is the Monte Carlo error
  assert.ok(Math.abs(it.logLik - exact.logLik) < 4 * se + 1e-4, `ΔlogLik ${it.logLik - exact.logLik}, SE ${se}`);
  for (let k = 0; k < 2; k++) assert.ok(Math.abs(it.theta[k] / exact.theta[k] - 1) < 2e-3, `θ ${it.theta} vs ${exact.theta}`);
  for (let j = 0; j < 2; j++) {
    const sej = Math.sqrt(exact.vcov[j + j * 2]);
    assert.ok(Math.abs(it.beta[j] - exact.beta[j]) < 0.01 * sej, `β${j}`);
    assert.ok(Math.abs(Math.sqrt(it.vcov[j + j * 2]) / sej - 1) < 1e-3, `SE β${j}`);
  }
  assert.ok(Math.abs(it.sigma / exact.sigma - 1) < 1e-4);
  // the random effects: b = Λu from the same solves
  for (let t = 0; t < 2; t++) {
    const a = it.ranef[t].values[0], b = exact.ranef[t].values[0];
    let d = 0;
    for (let l = 0; l < a.length; l++) d = Math.max(d, Math.abs(a[l] - b[l]));
    assert.ok(d < 2e-3, `ranef ${t}: max |Δ| ${d}`);
  }
  condsdWithin(it, exact);
});


test("iterative REML criterion at fixed θ: exact parts agree, the estimate is deterministic per seed, and its SE is honest", () => {
  const theta = [0.55, 0.75];
  const direct = new LinearMixedModel(ms, { reml: true });
  const exact = direct.objective(theta);
  const run = (seed: number) => new IterativeLMM(ms, { reml: true, seed, probes: 8 }).evaluate(theta);
  const a = run(3), b = run(3);
  assert.equal(a.deviance, b.deviance);
  assert.deepEqual(Array.from(a.beta), Array.from(b.beta));
  // ten seeds: the spread of the estimates matches the reported SE (loosely: 10 draws)
  const est: number[] = [], ses: number[] = [];
  for (let s = 1; s <= 10; s++) {
    const e = run(100 + s);
    est.push(e.deviance);
    ses.push(e.se);
  }
  const mean = est.reduce((x, y) => x + y) / est.length;
  const sd = Math.sqrt(est.reduce((x, y) => x + (y - mean) ** 2, 0) / (est.length - 1));
  const seBar = Math.sqrt(ses.reduce((x, y) => x + y * y, 0) / ses.length);
  assert.ok(sd > 0.4 * seBar && sd < 2.5 * seBar, `spread ${sd} vs reported SE ${seBar}`);
  // unbiased: the mean of ten is within 4 SE/√10 of the exact criterion
  assert.ok(Math.abs(mean - exact) < (4 * seBar) / Math.sqrt(10) + 1e-4, `mean ${mean} vs exact ${exact} (SE ${seBar})`);
});

test("the iterative route refuses what it does not serve, in one line", () => {
  const slope = buildModel(parseDelimited(csv), "y ~ x + (x | user) + (1 | item)", {});
  assert.throws(() => fitLMM(slope, { solver: "iterative" }), /the iterative solver serves random intercepts of two or more grouping factors/);
});

test("glmm fit --solver iterative through bin/glmm.js: JSON solver and MC SE, text Solver line, a bad --solver", () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  const dir = mkdtempSync(join(tmpdir(), "glmm-iter-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "ratings.csv");
  writeFileSync(file, csv);
  const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });
  const base = ["fit", "--data", file, "--formula", "y ~ x + (1 | user) + (1 | item)", "--ml"];
  const j = glmm(...base, "--solver", "iterative", "--format", "json");
  assert.equal(j.status, 0, j.stderr);
  const it = JSON.parse(j.stdout);
  assert.equal(it.solver.route, "iterative");
  assert.ok(it.logLikMCSE > 0 && it.logLikMCSE < 0.01);
  assert.ok(Math.abs(it.logLik - exact.logLik) < 4 * it.logLikMCSE + 1e-4, `${it.logLik} vs ${exact.logLik}`);
  const t = glmm(...base, "--solver", "iterative");
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /^Solver: iterative \(PCG \+ SLQ, \d+ probes, MC SE of logLik [\d.]+\); logLik ± [\d.]+ \(Monte Carlo SE\)$/m);
  // ranef: the conditional SDs, with their Monte Carlo error in a note
  const rf = glmm("ranef", ...base.slice(1), "--solver", "iterative");
  assert.equal(rf.status, 0, rf.stderr);
  assert.match(rf.stderr, /^glmm: note: condsd are stochastic estimates \(32 probe vectors\): relative SE [\d.]+% \(median over levels\), up to [\d.]+%; --solver direct computes them exactly where the Cholesky factor fits$/m);
  assert.ok(!/NA/.test(rf.stdout), rf.stdout.slice(0, 200));
  assert.equal(rf.stdout.trim().split("\n").length, 1 + exact.ranef[0].values[0].length + exact.ranef[1].values[0].length);
  const bad = glmm(...base, "--solver", "cg");
  assert.notEqual(bad.status, 0);
  assert.equal(bad.stderr.trim().split("\n").length, 1);
  assert.match(bad.stderr, /--solver must be auto, direct or iterative, not 'cg'/);
});

test("--solver auto's flop budget: past it, crossed intercepts go iterative with the reason; other models and --solver direct do not", () => {
  // the 300 × 300 design's dense factor: (items + p + 1)³/3 ≈ 9.1 MFlop per evaluation
  const over = fitLMM(ms, { reml: false, flopBudget: 1e6, probes: 8 });
  assert.equal(over.solver.route, "iterative");
  assert.equal(over.solver.reason, "the Cholesky factor would take 0.0091 GFlop per evaluation, over the 0.0010 GFlop budget");
  assert.ok(Math.abs(over.logLik - exact.logLik) < 4 * over.logLikMCSE! + 1e-4);
  // under the budget (the default 1 GFlop): the direct route, no reason
  assert.equal(exact.solver.route, "dense");
  const under = new LinearMixedModel(ms, { reml: false }, 1e7);
  assert.equal(under.system.solverInfo.route, "dense");
  assert.equal(under.system.solverInfo.reason, undefined);
  // forced direct, or a model the iterative route does not serve: the budget does not apply
  assert.equal(fitLMM(ms, { reml: false, solver: "direct", flopBudget: 1e6, condVar: false }).solver.route, "dense");
  const slope = buildModel(parseDelimited(csv), "y ~ x + (x | user) + (1 | item)", {});
  assert.notEqual(fitLMM(slope, { reml: false, flopBudget: 1e6, condVar: false, maxfun: 50 }).solver.route, "iterative");
});
