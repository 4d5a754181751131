// `glmm emmeans --contrast` and the contrasts' confidence limits against emmeans 1.8
// (test/fixtures/reference/emmeans_contrasts.R → emmeans_contrasts.json), through bin/glmm.js.
// Measured: dietox (LMM) within 3e-6 relative; cbpp (GLMM, odds ratios) estimates, SEs and limits
// within 8e-4, p within 4e-3 (glmm's fit vs lme4's; p magnifies the difference).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { qtukeyUpper } from "../../src/inference/ptukey.js";
import { fixtures, reference, relClose } from "./helpers.js";

const ref = reference("emmeans_contrasts.json");
const root = join(fixtures, "..", "..");
const BIN = join(root, "bin", "glmm.js");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

for (const c of ref as Any[]) {
  test(`glmm emmeans (CLI), ${c.name}: contrasts, SEs, confidence limits and adjusted p as emmeans within ${c.tol}`, () => {
    const out = JSON.parse(execFileSync(process.execPath, [BIN, "emmeans", ...c.args, "--format", "json"], { encoding: "utf8", cwd: root, stdio: ["ignore", "pipe", "pipe"] }));
    const w = c.res;
    assert.deepEqual(out.contrasts.map((x: Any) => x.contrast), w.contrast);
    out.contrasts.forEach((x: Any, i: number) => {
      for (const k of ["estimate", "se", "lower", "upper"]) assert.ok(relClose(x[k], w[k][i], c.tol), `${x.contrast} ${k}: ${x[k]} vs ${w[k][i]}`);
      assert.ok(relClose(x.p, w.p[i], c.tol * 5), `${x.contrast} p: ${x.p} vs ${w.p[i]}`);
    });
  });
}

test("qtukey: the inverse of ptukey, against R's qtukey", () => {
  // R 4.2: qtukey(0.95, 3, 63), qtukey(0.95, 4, Inf), qtukey(0.95, 5, 10), qtukey(0.99, 2, 5); R's own qtukey iterates to ~1e-4 only
  for (const [a, k, df, q] of [[0.05, 3, 63, 3.3945730928], [0.05, 4, Infinity, 3.6331595818], [0.05, 5, 10, 4.65429307554], [0.01, 2, 5, 5.702311246]] as const)
    assert.ok(relClose(qtukeyUpper(a, k, df), q, 2e-5), `qtukey(${1 - a}, ${k}, ${df}) = ${qtukeyUpper(a, k, df)} vs ${q}`);
});
