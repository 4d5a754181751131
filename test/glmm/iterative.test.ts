// The Laplace GLMM on the iterative route (issue 22): PIRLS with PCG solves and log|Ω| by
// stochastic Lanczos quadrature, checked through bin/glmm.js against the exact (Cholesky) route on
// a small seeded crossed binomial design (persons × items, item-response shape).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseDelimited } from "../../src/data/csv.js";
import { buildModel } from "../../src/formula/index.js";
import { fitGLMM } from "../../src/glmm/glmm.js";
import { condsdWithin } from "../lmm/condsd-check.js";
import { fitGLMMIterative } from "../../src/glmm/iterative.js";
import { Rng } from "../../src/inference/rng.js";

/**
 * persons × items, each person answering ~30 of the items (the easy ones more often);
 * logit P = −0.3 + 0.4x + a + b, or (counts) y ~ Poisson(exp(0.2 + 0.3x + 0.6a + 0.6b))
 */
function responsesCsv(persons = 200, items = 80, per = 30, seed = 7, counts = false): string {
  const r = new Rng(seed);
  const b = Array.from({ length: items }, () => r.normal());
  const lines = ["y,x,person,item"];
  for (let p = 0; p < persons; p++) {
    const a = 0.8 * r.normal();
    const seen = new Set<number>();
    const want = Math.round(per * (0.5 + r.random()));
    while (seen.size < want) {
      const j = Math.min(items - 1, Math.floor(items * r.random() ** 1.5));
      if (seen.has(j)) continue;
      seen.add(j);
      const x = r.normal();
      const eta = counts ? 0.2 + 0.3 * x + 0.6 * a + 0.6 * b[j] : -0.3 + 0.4 * x + a + b[j];
      lines.push(`${counts ? poisson(r, Math.exp(eta)) : r.random() < 1 / (1 + Math.exp(-eta)) ? 1 : 0},${x.toFixed(4)},p${p},i${j}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** a Poisson draw by inversion (small means) */
function poisson(r: Rng, m: number): number {
  let k = 0, p = Math.exp(-m), s = p;
  const u = r.random();
  while (u > s) { k++; p *= m / k; s += p; }
  return k;
}

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });

test("binomial crossed GLMM: --solver iterative matches --solver direct (logLik, variances, β) through bin/glmm.js", () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-iterglmm-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "responses.csv");
  writeFileSync(file, responsesCsv());
  const base = ["fit", "--data", file, "--formula", "y ~ x + (1 | person) + (1 | item)", "--family", "binomial", "--format", "json"];
  const ri = glmm(...base, "--solver", "iterative");
  assert.equal(ri.status, 0, ri.stderr);
  const rd = glmm(...base, "--solver", "direct");
  assert.equal(rd.status, 0, rd.stderr);
  const it = JSON.parse(ri.stdout), ex = JSON.parse(rd.stdout);
  assert.equal(it.nobs, 6172);
  assert.equal(it.solver.route, "iterative");
  assert.equal(ex.solver.route === "iterative", false);
  assert.match(it.solver.method, /^iterative \(PCG \+ SLQ, \d+ probes, MC SE of logLik [\d.e-]+; vcov\(β\) from the PIRLS system\)$/);
  // the stochastic log-determinant's error, reported and honest against the exact one
  assert.ok(it.logLikMCSE > 0 && it.logLikMCSE < 0.01, `MC SE ${it.logLikMCSE}`);
  assert.ok(Math.abs(it.logLik - ex.logLik) < Math.max(0.01, 3 * it.logLikMCSE), `${it.logLik} vs ${ex.logLik}`);
  // variance components within 0.5 %, fixed effects within 1 % of their SE
  it.varcorr.forEach((v: { variance: number }, k: number) => assert.ok(Math.abs(v.variance / ex.varcorr[k].variance - 1) < 0.005, `variance ${k}: ${v.variance} vs ${ex.varcorr[k].variance}`));
  it.fixef.forEach((f: { estimate: number; se: number }, j: number) => {
    const e = ex.fixef[j];
    assert.ok(Math.abs(f.estimate - e.estimate) < 0.01 * e.se, `β${j}: ${f.estimate} vs ${e.estimate}`);
    // SEs: the PIRLS β block (θ held) vs the Hessian of the Laplace deviance: a few percent apart at most
    assert.ok(Math.abs(f.se / e.se - 1) < 0.03, `SE ${j}: ${f.se} vs ${e.se}`);
  });
});

test("the iterative GLMM refuses what it does not serve, in one line", () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-iterglmm-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "responses.csv");
  writeFileSync(file, responsesCsv(20, 10, 5, 3));
  const r = glmm("fit", "--data", file, "--formula", "y ~ x + (1 | person) + (1 | item)", "--family", "binomial", "--nagq", "2", "--solver", "iterative");
  assert.notEqual(r.status, 0);
  assert.equal(r.stderr.trim().split("\n").length, 1);
  assert.match(r.stderr, /the iterative solver fits the Laplace approximation only: use --nagq 1/);
});

test("Poisson crossed GLMM: the iterative route matches the exact one (in-process)", () => {
  const ms = buildModel(parseDelimited(responsesCsv(200, 80, 30, 3, true)), "y ~ x + (1 | person) + (1 | item)", {});
  const it = fitGLMMIterative(ms, { family: "poisson" });
  const ex = fitGLMM(ms, { family: "poisson" });
  assert.equal(ms.n, 5818);
  assert.ok(it.logLikMCSE! > 0 && Math.abs(it.logLik - ex.logLik) < Math.max(0.01, 3 * it.logLikMCSE!), `${it.logLik} vs ${ex.logLik}`);
  it.theta.forEach((t, k) => assert.ok(Math.abs((t / ex.theta[k]) ** 2 - 1) < 0.005, `θ${k}: ${t} vs ${ex.theta[k]}`));
  it.fixef.forEach((f, j) => assert.ok(Math.abs(f.estimate - ex.fixef[j].estimate) < 0.01 * ex.fixef[j].se, `β${j}: ${f.estimate} vs ${ex.fixef[j].estimate}`));
  condsdWithin(it, ex);
});
