// A negative binomial GLMM on counts near e¹⁸ (≈ 6.6·10⁷) against glmmTMB
// (test/fixtures/reference/nb_large_counts.R). At these counts the plain NB deviance subtracts
// terms of size |y − μ| ≈ 10⁷ to leave O(1), and the rounding noise used to make the
// finite-difference Hessian indefinite (no standard errors) in about one data set of eight.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFrameFile } from "../../src/cli/io.js";
import { fit } from "../../src/fit.js";
import { nbHalfDeviance } from "../../src/families/special.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures");
const ref = JSON.parse(readFileSync(join(fixtures, "reference", "nb_large_counts.json"), "utf8"));

test("NB GLMM on counts near e^18 matches glmmTMB: logLik ±1e-3, estimates and SEs within 0.5% of an SE", () => {
  const r = fit(readFrameFile(join(fixtures, "data", "nb_large_counts.csv")), "y ~ x + (1 | g)", { family: "negative_binomial" });
  const j = r.json;
  assert.deepEqual(j.warnings, []);
  assert.ok(Math.abs(j.logLik - ref.logLik) < 1e-3, `logLik ${j.logLik} vs ${ref.logLik}`);
  for (const f of j.fixef) {
    const se = ref.se[f.term];
    assert.ok(Math.abs(f.estimate - ref.fixef[f.term]) < 5e-3 * se, `${f.term}: ${f.estimate} vs ${ref.fixef[f.term]}`);
    assert.ok(Math.abs(f.se - se) < 5e-3 * se, `SE ${f.term}: ${f.se} vs ${se}`);
  }
  assert.ok(Math.abs(j.nb_size! - ref.nb_size) < 1e-3 * ref.nb_size, `size ${j.nb_size} vs ${ref.nb_size}`);
  assert.ok(Math.abs(j.varcorr[0].sd! - ref.sd_g) < 1e-3 * ref.sd_g, `sd ${j.varcorr[0].sd} vs ${ref.sd_g}`);
});

test("the NB half deviance in its stable form equals the textbook one, and stays smooth at huge counts", () => {
  const plain = (y: number, m: number, k: number) => (y > 0 ? y * Math.log(y / m) : 0) - (y + k) * Math.log((y + k) / (m + k));
  for (const [y, m, k] of [[0, 2.5, 1.3], [3, 2.5, 1.3], [40, 7, 0.4], [1, 200, 50], [12, 12, 3]]) {
    assert.ok(Math.abs(nbHalfDeviance(y, m, k) - plain(y, m, k)) < 1e-12 * (1 + Math.abs(plain(y, m, k))), `${y}, ${m}, ${k}`);
  }
  // at y ≈ 6.6e7 a step of 1e-7 in μ's log changes the deviance smoothly: second differences are
  // the curvature kμ(k+y)/(k+μ)² ≈ 5.5, not rounding noise (the textbook form is off by ~20%)
  const y = 66_000_000, k = 5, m0 = 60_000_000, h = 1e-4;
  const d = (t: number) => nbHalfDeviance(y, m0 * Math.exp(t), k);
  const second = (d(h) - 2 * d(0) + d(-h)) / (h * h);
  const exact = (k * m0 * (k + y)) / (k + m0) ** 2; // −∂²ℓ/∂η², the observed weight
  assert.ok(Math.abs(second - exact) < 1e-4 * exact, `${second} vs ${exact}`);
});
