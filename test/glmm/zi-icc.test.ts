// `glmm icc` (ICC and Nakagawa R²) for the extended families and zero-inflated models (issue 21)
// against test/fixtures/reference/icc_extended.R → icc_extended.json: performance 0.10.2's values
// for tweedie, nbinom1 and zero-inflated Poisson; for beta, betabinomial and zero-inflated NB2 the
// residual variance by hand from the formulas there (insight ≥ 0.20's beta; the ZINB mixture's exact
// variance) with insight's fixed and random variances. The fits agree with glmmTMB's to ~1e-5, so
// each variance is within 1e-4 relative and ICC/R² within 1e-4 absolute.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });

interface Ref { data: string; formula: string; family: string; zi?: string; fixed: number; random: number; residual: number; icc_adjusted: number; icc_conditional: number; r2_marginal: number; r2_conditional: number }
const ref: Record<string, Ref> = JSON.parse(readFileSync(join(root, "test/fixtures/reference/icc_extended.json"), "utf8")).models;

for (const [id, m] of Object.entries(ref)) {
  test(`glmm icc ${id} (${m.family}${m.zi ? `, zi ${m.zi}` : ""}) as performance's r2_nakagawa / icc`, () => {
    const args = ["icc", "--data", `test/fixtures/data/${m.data}`, "--formula", m.formula, "--family", m.family, "--format", "json"];
    if (m.zi) args.push("--zi", m.zi);
    if (m.data === "salamanders.csv") args.push("--ref", "spp=GP", "--ref", "mined=yes");
    const r = glmm(...args);
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    for (const k of ["fixed", "random", "residual"] as const) assert.ok(Math.abs(j.variance[k] / m[k] - 1) <= 1e-4, `${id} ${k} variance: ${j.variance[k]} vs ${m[k]}`);
    for (const k of ["icc_adjusted", "icc_conditional", "r2_marginal", "r2_conditional"] as const) assert.ok(Math.abs(j[k] - m[k]) <= 1e-4, `${id} ${k}: ${j[k]} vs ${m[k]}`);
  });
}

test("glmm icc refuses hurdle models and dispersion formulas", () => {
  const base = ["icc", "--data", "test/fixtures/data/salamanders.csv", "--formula", "count ~ mined + (1 | site)"];
  const cases: [string[], RegExp][] = [
    [["--family", "truncated_poisson", "--zi", "~ 1"], /not available for hurdle models/],
    [["--family", "nbinom2", "--disp", "~ mined"], /need one dispersion parameter: not available with a --disp formula/],
  ];
  for (const [extra, re] of cases) {
    const r = glmm(...base, ...extra);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});
