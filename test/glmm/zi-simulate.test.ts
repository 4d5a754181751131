// `glmm simulate` on zero-inflated, hurdle, NB1 and dispersion-formula GLMMs (issue 21): the
// simulated responses (--conditional: the fitted random effects kept) must have the fitted model's
// moments. Per row, the model gives the mean E_i, P(y = 0) and the variance V_i (from the engine's
// own μ, π and dispersion per row, below); per simulation, three statistics over the rows — the mean
// of y, the share of zeros and the mean of (y − E_i)²/V_i (1 when the variance is right) — are
// averaged over the simulations and must lie within 4 Monte Carlo SEs (their sd over simulations
// / √nsim) of their expectations. A wrong π, a missing truncation or a dispersion off by 10% moves
// one of them by far more.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseDelimited } from "../../src/index.js";
import { fitModel } from "../../src/inference/model.js";
import { predict } from "../../src/inference/predict.js";
import { logZeroProb, sideParameters } from "../../src/inference/predict-zi.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8", maxBuffer: 1 << 28 });
const NSIM = 200;

interface Case { id: string; data: string; formula: string; family: string; zi?: string; disp?: string; refs?: string[] }
const cases: Case[] = [
  { id: "Salamanders ZIP", data: "salamanders.csv", formula: "count ~ spp + mined + (1 | site)", family: "poisson", zi: "~ spp + mined", refs: ["spp=GP", "mined=yes"] },
  { id: "Salamanders hurdle NB2", data: "salamanders.csv", formula: "count ~ spp + mined + (1 | site)", family: "truncated_nbinom2", zi: "~ mined", refs: ["spp=GP", "mined=yes"] },
  // random effects in the zi part, kept at their modes with --conditional as the count part's
  { id: "Salamanders ZIP, zi random effects", data: "salamanders.csv", formula: "count ~ spp + mined + (1 | site)", family: "poisson", zi: "~ mined + (1 | site)", refs: ["spp=GP", "mined=yes"] },
  { id: "Owls ZINB1", data: "owls.csv", formula: "SiblingNegotiation ~ FoodTreatment + offset(log(BroodSize)) + (1 | Nest)", family: "nbinom1", zi: "~ 1" },
  { id: "heteroscedastic gaussian", data: "sim_heterosced.csv", formula: "y ~ x + (1 | g)", family: "gaussian", disp: "~ sex" },
  { id: "NB2 with --disp", data: "sim_heterosced.csv", formula: "count ~ x + (1 | g)", family: "nbinom2", disp: "~ sex" },
];

/** per row: mean, P(0) and variance of the fitted model (conditional on the fitted random effects) */
function moments(c: Case): { mean: Float64Array; p0: Float64Array; v: Float64Array } {
  const frame = parseDelimited(readFileSync(join(root, "test/fixtures/data", c.data), "utf8"));
  const refLevels = Object.fromEntries((c.refs ?? []).map((r) => r.split("=")));
  const m = fitModel(frame, c.formula, { family: c.family, zi: c.zi, disp: c.disp, refLevels });
  const eta = predict(m, { type: "link" }).fit;
  const side = sideParameters(m, m.ms.rows, undefined, true);
  const n = eta.length;
  const mean = new Float64Array(n), p0 = new Float64Array(n), v = new Float64Array(n);
  const hurdle = c.family.startsWith("truncated_");
  const fam = m.fit.kind === "glmm" ? m.fit.family : "gaussian";
  for (let i = 0; i < n; i++) {
    const pi = side.logitZi ? 1 / (1 + Math.exp(-side.logitZi[i])) : 0;
    const a = side.logDisp ? Math.exp(side.logDisp[i]) : NaN;
    if (fam === "gaussian") { mean[i] = eta[i]; v[i] = a; continue; }
    const mu = Math.exp(eta[i]);
    // the untruncated count's variance and zero probability
    const vc = fam === "poisson" ? mu : fam === "negative_binomial" ? mu + (mu * mu) / a : mu * (1 + a);
    const q0 = Math.exp(logZeroProb(fam, mu, side.logDisp ? side.logDisp[i] : 0));
    // E y and E y² of the count part as it enters: truncated (hurdle) or not
    const t = hurdle ? 1 / (1 - q0) : 1;
    const m1 = mu * t, m2 = (vc + mu * mu) * t;
    mean[i] = (1 - pi) * m1;
    v[i] = (1 - pi) * m2 - mean[i] * mean[i];
    p0[i] = hurdle ? pi : pi + (1 - pi) * q0;
  }
  return { mean, p0, v };
}

for (const c of cases) {
  test(`glmm simulate: ${c.id} has the fitted model's mean, zero share and variance`, () => {
    const { mean, p0, v } = moments(c);
    const args = ["simulate", "--data", `test/fixtures/data/${c.data}`, "--formula", c.formula, "--family", c.family, "--conditional", "--nsim", String(NSIM), "--seed", "7", "--format", "json"];
    for (const r of c.refs ?? []) args.push("--ref", r);
    if (c.zi) args.push("--zi", c.zi);
    if (c.disp) args.push("--disp", c.disp);
    const r = glmm(...args);
    assert.equal(r.status, 0, r.stderr);
    const sims: number[][] = JSON.parse(r.stdout).simulations;
    assert.equal(sims.length, NSIM);
    const n = mean.length;
    const avg = (a: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]; return s / a.length; };
    const count = c.family !== "gaussian";
    const stats = sims.map((y) => {
      assert.equal(y.length, n);
      if (count) assert.ok(y.every((x) => Number.isInteger(x) && x >= 0), "counts");
      if (c.family.startsWith("truncated_")) assert.ok(y.some((x) => x === 0));
      let s = 0, z = 0, q = 0;
      for (let i = 0; i < n; i++) { s += y[i]; if (y[i] === 0) z++; q += (y[i] - mean[i]) ** 2 / v[i]; }
      return [s / n, z / n, q / n];
    });
    const want = [avg(mean), count ? avg(p0) : 0, 1];
    ["mean", "zero share", "scaled squared residual"].forEach((what, k) => {
      const xs = stats.map((s) => s[k]);
      const m = avg(xs);
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (NSIM - 1));
      const se = sd / Math.sqrt(NSIM);
      if (process.env.ZI_SIM_DEBUG) console.log(c.id, what, m, want[k], ((m - want[k]) / se).toFixed(2), "SE", (se / Math.abs(want[k] || 1)).toExponential(2));
      assert.ok(Math.abs(m - want[k]) <= 4 * se + 1e-12, `${c.id} ${what}: simulated ${m} vs model ${want[k]} (MC SE ${se})`);
    });
  });
}
