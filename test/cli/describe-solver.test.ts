// `glmm describe` says how a fit would factor the model (issue 16): the route and the size of the
// factor outside the largest term, and — for a crossed design whose sparse factor would not fit —
// that a fit would stop, instead of failing itself.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Rng } from "../../src/inference/rng.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });

test("describe: InstEval's crossed terms take the sparse route, with its size, in text and JSON", () => {
  const args = ["describe", "--data", "test/fixtures/data/insteval.csv", "--formula", "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept)"];
  const j = glmm(...args, "--format", "json");
  assert.equal(j.status, 0, j.stderr);
  const d = JSON.parse(j.stdout);
  assert.equal(d.solver.route, "sparse");
  assert.equal(d.solver.restSize, 1128 + 14 + 2 + 1);
  assert.ok(d.solver.factorEntries > 0 && d.solver.factorEntries < (1145 * 1146) / 2, String(d.solver.factorEntries));
  const t = glmm(...args);
  assert.match(t.stdout, /^solver: sparse supernodal Cholesky of the part outside the largest term \(1,145 rows incl\. fixed effects and response; [\d,]+ factor entries, [\d.]+ MFlop per evaluation\)$/m);
});

test("describe: a crossed design whose factor would not fit goes iterative; on the direct route, the reason a fit would stop", () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-describe-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const r = new Rng(5);
  const lines = ["y,a,b"];
  for (let i = 0; i < 200_000; i++) lines.push(`${r.normal().toFixed(3)},a${i % 20_001},b${Math.floor(r.random() * 20_000)}`);
  writeFileSync(join(dir, "crossed.csv"), lines.join("\n") + "\n");
  const res = glmm("describe", "--data", join(dir, "crossed.csv"), "--formula", "y ~ 1 + (1 | a) + (1 | b)", "--format", "json", "--solver", "direct");
  assert.equal(res.status, 0, res.stderr);
  const d = JSON.parse(res.stdout);
  assert.equal(d.solver, null);
  assert.ok(d.warnings.some((w: string) => /^a fit would stop: the model's sparse factor would hold [\d,]+ entries/.test(w)), d.warnings.join("; "));
  // on the default route (auto) the same model goes to the iterative solver (issue 22)
  const auto = glmm("describe", "--data", join(dir, "crossed.csv"), "--formula", "y ~ 1 + (1 | a) + (1 | b)");
  assert.equal(auto.status, 0, auto.stderr);
  assert.match(auto.stdout, /^solver: iterative \(PCG \+ SLQ; .*\), on the [\d,]+ rows outside the largest term/m);
});

test("describe: a crossed design under the memory limit but over the flop budget goes iterative on auto, and says why", () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-describe-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const r = new Rng(7);
  const lines = ["y,a,b"];
  // 4,000 × 2,000 crossed at random, 10 rows per a: the dense factor of the 2,000 b effects, 2.7 GFlop
  for (let i = 0; i < 40_000; i++) lines.push(`${r.normal().toFixed(3)},a${i % 4000},b${Math.floor(r.random() * 2000)}`);
  const file = join(dir, "budget.csv");
  writeFileSync(file, lines.join("\n") + "\n");
  const args = ["describe", "--data", file, "--formula", "y ~ 1 + (1 | a) + (1 | b)", "--format", "json"];
  const auto = glmm(...args);
  assert.equal(auto.status, 0, auto.stderr);
  const d = JSON.parse(auto.stdout);
  assert.equal(d.solver.route, "iterative");
  assert.match(d.solver.reason, /^the Cholesky factor would take 2\.7 GFlop per evaluation, over the 1\.0 GFlop budget$/);
  const text = glmm(...args.slice(0, -2));
  assert.match(text.stdout, /^solver: iterative \(PCG \+ SLQ; .*\); --solver auto: the Cholesky factor would take 2\.7 GFlop per evaluation, over the 1\.0 GFlop budget$/m);
});
