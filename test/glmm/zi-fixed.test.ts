// Zero-inflation models without random effects (glmmTMB's glmmTMB(count ~ spp + mined, ziformula = ~ mined)):
// the numbers are checked against glmmTMB in zi-disp.test.ts (zi_fixed.json); here what the
// commands print for them — a summary without a random-effects section, icc refused in one line.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const run = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });
const model = ["--data", "test/fixtures/data/salamanders.csv", "--ref", "spp=GP", "--ref", "mined=yes", "--formula", "count ~ spp + mined", "--family", "poisson", "--zi", "~ mined"];

test("ZIP without random effects: the summary has no random-effects section, icc refuses", () => {
  const r = run("fit", ...model);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Generalized linear model fit by maximum likelihood\n Family: poisson {2}\( log \)\n/);
  assert.doesNotMatch(r.stdout, /Random effects:/);
  assert.match(r.stdout, /\nNumber of obs: 644\n/);
  // glmmTMB 1.1.5 (zi_fixed.json): logLik −901.7830903
  assert.match(r.stdout, /\n1823\.6 1868\.2 -901\.8 {3}1803\.6 {6}634\n/);
  assert.match(r.stdout, /Zero-inflation model:\n.*\n\(Intercept\) {3}1\.0670 {5}0\.1999/);
  const i = run("icc", ...model);
  assert.notEqual(i.status, 0);
  assert.equal(i.stderr.trim(), "glmm: 'count ~ spp + mined' has no random-effect terms: ICC and R² need a mixed model");
});
