// Numerical edge cases (small data generated here, in-process): each gives a fit with honest
// warnings — not a crash, not a hang, not silent nonsense. Every test has a time limit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { UserError } from "../../src/errors.js";
import { fit, type FitResult } from "../../src/fit.js";
import { lgammaShift } from "../../src/families/special.js";
import { frameOf, rng } from "./helpers.js";

const LIMIT = { timeout: 20_000 };
const n = 60, ng = 10;
const R = rng(7);
const x = Array.from({ length: n }, () => R.normal());
const g = Array.from({ length: n }, (_, i) => `g${i % ng}`);
const u = Array.from({ length: ng }, () => R.normal());
const noise = Array.from({ length: n }, () => R.normal());

const finite = (v: number | null) => v !== null && Number.isFinite(v);
function fixef(r: FitResult, term: string) {
  const f = r.json.fixef.find((c) => c.term === term);
  assert.ok(f, `coefficient ${term}`);
  return f;
}
/** the invariant every fit must keep: not converged ⇒ a warning says why */
function honest(r: FitResult): void {
  if (!r.json.converged) assert.ok(r.json.warnings.length > 0, "a non-converged fit carries a warning");
  assert.equal(typeof r.json.singular, "boolean");
  JSON.stringify(r.json);
}

test("perfect separation (binomial): a fit that says so, with the separating estimate large but finite", LIMIT, () => {
  const y = x.map((v) => (v > 0 ? 1 : 0));
  const r = fit(frameOf({ y, x, g }), "y ~ x + (1 | g)", { family: "binomial" });
  honest(r);
  assert.ok(r.json.warnings.some((w) => /fitted probabilities numerically 0 or 1 in \d+ of 60 rows: \(quasi-\)complete separation/.test(w)), r.json.warnings.join("; "));
  const b = fixef(r, "x");
  assert.ok(finite(b.estimate) && b.estimate > 10, `slope ${b.estimate}`);
  // quasi-complete: one group entirely 1 (every other group mixed)
  const y2 = x.map((v, i) => (i % ng === 0 ? 1 : v + noise[i] > 0 ? 1 : 0));
  const r2 = fit(frameOf({ y: y2, x, g }), "y ~ x + (1 | g)", { family: "binomial" });
  honest(r2);
  assert.ok(finite(fixef(r2, "x").estimate));
});

test("a random effect with zero variance: a singular fit, named, with finite fixed effects", LIMIT, () => {
  // every group holds the same responses at the same x: no between-group variation at all
  const m = n / ng;
  const xw = Array.from({ length: n }, (_, i) => x[Math.floor(i / ng)]);
  const y = xw.map((v, i) => 1 + 2 * v + noise[Math.floor(i / ng)]);
  const r = fit(frameOf({ y, x: xw, g }), "y ~ x + (1 | g)");
  honest(r);
  assert.equal(r.json.singular, true);
  assert.equal(r.json.varcorr[0].variance, 0);
  assert.ok(r.json.warnings.some((w) => /singular fit: the variance of \(1 \| g\) is estimated as zero .* \(y ~ x\) fits as well/.test(w)), r.json.warnings.join("; "));
  const b = fixef(r, "x");
  assert.ok(Math.abs(b.estimate - 2) < 1 && finite(b.se), `slope ${b.estimate} from ${m} distinct points`);
  // the same for a GLMM
  const k = xw.map((v, i) => [0, 1, 3, 2, 5, 1][Math.floor(i / ng)]);
  const rp = fit(frameOf({ k, x: xw, g }), "k ~ x + (1 | g)", { family: "poisson" });
  honest(rp);
  assert.equal(rp.json.singular, true);
  assert.ok(rp.json.warnings.some((w) => /singular fit: the variance of \(1 \| g\)/.test(w)), rp.json.warnings.join("; "));
  assert.ok(finite(fixef(rp, "x").se));
});

test("collinear fixed effects: the aliased column is dropped with a warning, the rest estimated", LIMIT, () => {
  const x2 = x.map((v) => 2 * v + 1);
  const y = x.map((v, i) => v + u[i % ng] + noise[i]);
  for (const [family, resp] of [["gaussian", y], ["poisson", x.map((v, i) => R.poisson(Math.exp(1 + 0.3 * v + 0.5 * u[i % ng])))]] as const) {
    const r = fit(frameOf({ y: resp, x, x2, g }), "y ~ x + x2 + (1 | g)", { family });
    honest(r);
    assert.ok(r.json.warnings.includes("fixed-effect model matrix is rank deficient so dropping 1 column: x2"), `${family}: ${r.json.warnings.join("; ")}`);
    assert.deepEqual(r.json.fixef.map((f) => f.term), ["(Intercept)", "x"]);
    assert.ok(r.json.fixef.every((f) => finite(f.estimate) && finite(f.se)));
  }
});

test("huge counts (mean e^18 ≈ 6.6e7): Poisson and negative binomial fits recover the truth", LIMIT, () => {
  const eps = Array.from({ length: n }, () => 0.2 * R.normal());
  const k = x.map((v, i) => Math.round(Math.exp(18 + 0.3 * v + 0.5 * u[i % ng] + eps[i])));
  for (const family of ["poisson", "negative_binomial"]) {
    const r = fit(frameOf({ k, x, g }), "k ~ x + (1 | g)", { family });
    honest(r);
    assert.ok(Math.abs(fixef(r, "(Intercept)").estimate - 18) < 0.6, `${family} intercept`);
    assert.ok(Math.abs(fixef(r, "x").estimate - 0.3) < 0.1, `${family} slope ${fixef(r, "x").estimate}`);
    assert.ok(Number.isFinite(r.json.logLik));
    // standard errors for both (the negative binomial's deviance is computed without the
    // cancellation that once made its Hessian noisy at these counts: test/glmm/large-counts.test.ts)
    assert.ok(r.json.fixef.every((f) => finite(f.se)), `${family}: ${r.json.warnings.join("; ")}`);
  }
});

test("log Γ(y + k) − log Γ(y + 1) stays accurate for huge counts (the negative binomial's constant)", () => {
  // Γ(y + 3) / Γ(y + 1) = (y + 1)(y + 2) exactly
  for (const y of [1e5, 6.6e7, 1e12, 1e15]) {
    const exact = Math.log(y + 1) + Math.log(y + 2);
    assert.ok(Math.abs(lgammaShift(y, 3) - exact) < 1e-12 * exact, `y = ${y}: ${lgammaShift(y, 3)} vs ${exact}`);
  }
  // the recurrence Γ(z + 1) = z Γ(z) for non-integer shifts, and continuity where the method changes
  for (const [y, k] of [[2e5, 0.37], [6.6e7, 25.6], [3e9, 1e-3]]) {
    assert.ok(Math.abs(lgammaShift(y, k + 1) - lgammaShift(y, k) - Math.log(y + k)) < 1e-9, `recurrence at ${y}, ${k}`);
  }
  assert.ok(Math.abs(lgammaShift(1e5 - 1e-9, 2.5) - lgammaShift(1e5, 2.5)) < 1e-9);
  assert.ok(Math.abs(lgammaShift(10, 2) - Math.log(11)) < 1e-12);
});

test("tiny and huge predictor scales: rescaling advice, and the LMM's estimates scale exactly", LIMIT, () => {
  const y = x.map((v, i) => v + u[i % ng] + noise[i]);
  const base = fit(frameOf({ y, x, g }), "y ~ x + (1 | g)", { reml: false });
  assert.deepEqual(base.json.warnings, []);
  for (const s of [1e-6, 1e7]) {
    const r = fit(frameOf({ y, x: x.map((v) => v * s), g }), "y ~ x + (1 | g)", { reml: false });
    honest(r);
    assert.ok(r.json.warnings.some((w) => new RegExp(`predictor 'x' has SD \\d\\.\\de[+-]?${Math.round(Math.log10(s))}: rescale it`).test(w)), r.json.warnings.join("; "));
    // the model is the same up to the units of x
    assert.ok(Math.abs(fixef(r, "x").estimate * s / fixef(base, "x").estimate - 1) < 1e-4, `slope at scale ${s}`);
    // the ML likelihood does not depend on the units of a predictor
    assert.ok(Math.abs(r.json.logLik - base.json.logLik) < 1e-6 * Math.abs(base.json.logLik), `logLik at scale ${s}`);
  }
  // a binomial GLMM with a predictor in millions: advice, and a fit that is honest about itself
  const yb = x.map((v, i) => (R.u() < 1 / (1 + Math.exp(-v - u[i % ng])) ? 1 : 0));
  const rb = fit(frameOf({ y: yb, x: x.map((v) => v * 1e6), g }), "y ~ x + (1 | g)", { family: "binomial" });
  honest(rb);
  assert.ok(rb.json.warnings.some((w) => /predictor 'x' has SD .*e\+6: rescale it/.test(w)));
});

test("a response in the billions or billionths: the LMM is equivariant (estimates scale with y)", LIMIT, () => {
  const y = x.map((v, i) => v + u[i % ng] + noise[i]);
  const base = fit(frameOf({ y, x, g }), "y ~ x + (1 | g)").json;
  for (const s of [1e9, 1e-9]) {
    const r = fit(frameOf({ y: y.map((v) => v * s), x, g }), "y ~ x + (1 | g)");
    honest(r);
    r.json.fixef.forEach((f, j) => {
      assert.ok(Math.abs(f.estimate / s - base.fixef[j].estimate) < 1e-6 * Math.abs(base.fixef[j].estimate) + 1e-9, `${f.term} at ×${s}`);
      assert.ok(Math.abs(f.se / s / base.fixef[j].se - 1) < 1e-5);
    });
    assert.ok(Math.abs(r.json.sigma / s / base.sigma - 1) < 1e-6);
    assert.ok(Math.abs(r.json.varcorr[0].sd! / s / base.varcorr[0].sd! - 1) < 1e-4);
  }
});

test("degenerate responses: all zero (Poisson), all one (binomial), constant (gaussian) — finished, flagged", LIMIT, () => {
  const zeros = fit(frameOf({ y: x.map(() => 0), x, g }), "y ~ x + (1 | g)", { family: "poisson" });
  honest(zeros);
  assert.equal(zeros.json.converged, false);
  const ones = fit(frameOf({ y: x.map(() => 1), x, g }), "y ~ x + (1 | g)", { family: "binomial" });
  honest(ones);
  assert.ok(ones.json.warnings.some((w) => /separation/.test(w)));
  // responses equal to their group means are fitted exactly: a fit that warns (σ essentially 0),
  // or — when the criterion at the optimum is log 0 — a UserError that says so. Which one is
  // decided by rounding at the optimum, so each design's outcome is pinned: a change in it is a
  // change in the numerics worth looking at.
  const exact = /the residual standard deviation is essentially zero \(σ = [0-9.]+e-[0-9]+\): the model fits the response exactly/;
  const exactFit = (f: () => FitResult, what: string) => {
    const r = f();
    honest(r);
    assert.ok(r.json.sigma < 1e-6, `${what}: σ = ${r.json.sigma}`);
    assert.ok(r.json.warnings.some((w) => exact.test(w)), `${what}: ${r.json.warnings.join("; ")}`);
  };
  const degenerate = (f: () => FitResult) =>
    assert.throws(f, (e: unknown) => e instanceof UserError && /^the fit is degenerate: the objective is not finite at the optimum \(is the response fitted exactly, with no residual variation\?\)$/.test(e.message));
  // a constant response is refused up front, deterministically
  assert.throws(() => fit(frameOf({ y: x.map(() => 3), x, g }), "y ~ x + (1 | g)"), (e: unknown) => e instanceof UserError && /is the same \(3\) in every row used: there is nothing to model/.test((e as Error).message));
  const groupMeans = (N: number, K: number) => {
    const gg = Array.from({ length: N }, (_, i) => `g${i % K}`);
    return () => fit(frameOf({ y: gg.map((_, i) => i % K), g: gg }), "y ~ 1 + (1 | g)");
  };
  degenerate(groupMeans(60, 10));
  exactFit(groupMeans(40, 5), "group means 40/5");
  exactFit(groupMeans(30, 10), "group means 30/10");
});

test("data that identify nothing: a UserError, not a crash", LIMIT, () => {
  const throwsUser = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof UserError && re.test(e.message) && !e.message.includes("\n"));
  // as many fixed effects as observations
  const a = Array.from({ length: 12 }, (_, i) => `a${i}`);
  throwsUser(() => fit(frameOf({ y: a.map((_, i) => Math.sin(i)), a, g: a.map((_, i) => `g${i % 3}`) }), "y ~ a + (1 | g)"), /12 fixed-effect columns for 12 observations/);
  // one level per observation in an LMM (lme4: nlev < nobs); the GLMM allows it (observation-level effects)
  const obs = x.map((_, i) => `o${i}`);
  throwsUser(() => fit(frameOf({ y: noise, x, obs }), "y ~ x + (1 | obs)"), /grouping factor 'obs' has 60 levels for 60 observations/);
  const olre = fit(frameOf({ k: x.map(() => R.poisson(3)), x, obs }), "k ~ x + (1 | obs)", { family: "poisson" });
  honest(olre);
  // a single-level grouping factor
  throwsUser(() => fit(frameOf({ y: noise, x, g: x.map(() => "one") }), "y ~ x + (1 | g)"), /grouping factor 'g' has only one level \('one'\)/);
});

test("10⁴ levels of a grouping factor (2·10⁴ rows): gaussian and binomial fits in seconds", LIMIT, () => {
  const N = 20_000, L = 10_000;
  const r = rng(11);
  const b = Array.from({ length: L }, () => 0.5 * r.normal());
  const xs = new Float64Array(N), y = new Float64Array(N), yb = new Float64Array(N), gs: string[] = [];
  for (let i = 0; i < N; i++) {
    xs[i] = r.normal();
    const eta = 0.3 + 0.5 * xs[i] + b[i % L];
    y[i] = eta + r.normal();
    yb[i] = r.u() < 1 / (1 + Math.exp(-eta)) ? 1 : 0;
    gs.push(`g${i % L}`);
  }
  const frame = frameOf({ y, yb, x: xs, g: gs });
  const t0 = Date.now();
  const lmm = fit(frame, "y ~ x + (1 | g)");
  const glmm = fit(frame, "yb ~ x + (1 | g)", { family: "binomial" });
  for (const m of [lmm, glmm]) {
    honest(m);
    assert.equal(m.json.converged, true);
    assert.equal(m.json.groups.g, L);
    assert.ok(Math.abs(fixef(m, "x").estimate - 0.5) < 0.06, `slope ${fixef(m, "x").estimate}`);
    assert.ok(Math.abs(m.json.varcorr[0].sd! - 0.5) < 0.2, `sd ${m.json.varcorr[0].sd}`);
  }
  assert.ok(Date.now() - t0 < 15_000, `${Date.now() - t0} ms`);
});
