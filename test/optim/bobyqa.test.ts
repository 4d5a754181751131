import { test } from "node:test";
import assert from "node:assert/strict";
import { bobyqa } from "../../src/optim/index.js";
import type { OptimResult } from "../../src/optim/index.js";
import { maxAbsDiff, powellSphere, problemRef, quad3, rosen, sleepstudyRef } from "./problems.js";
import { sleepstudyReml } from "./sleepstudy-reml.js";

type Ctx = { diagnostic: (msg: string) => void };

/** Report the evaluation count next to Powell's Fortran (minqa) and NLopt, and bound it by minqa's. */
function checkEvals(t: Ctx, id: string, r: OptimResult): void {
  const ref = problemRef(id);
  t.diagnostic(`${id}: nfev ${r.nfev} (minqa ${ref.minqa.feval}, NLopt ${ref.nlopt.feval} with ftol_abs 1e-8)`);
  assert.ok(r.nfev <= 1.5 * ref.minqa.feval + 10, `${id}: ${r.nfev} evaluations vs minqa's ${ref.minqa.feval}`);
}

test("Rosenbrock 2-D, unbounded: (1, 1)", (t) => {
  const r = bobyqa(rosen, [-1.2, 1]);
  assert.equal(r.converged, true, r.message);
  assert.ok(maxAbsDiff(r.x, [1, 1]) < 1e-6, `x = ${Array.from(r.x)}`);
  assert.ok(r.fval < 1e-12, `f = ${r.fval}`);
  checkEvals(t, "rosen2", r);
});

test("Rosenbrock 5-D, unbounded: (1, …, 1)", (t) => {
  const r = bobyqa(rosen, [1.3, 0.7, 0.8, 1.9, 1.2]);
  assert.equal(r.converged, true, r.message);
  assert.ok(maxAbsDiff(r.x, [1, 1, 1, 1, 1]) < 1e-5, `x = ${Array.from(r.x)}`);
  assert.ok(r.fval < 1e-10, `f = ${r.fval}`);
  checkEvals(t, "rosen5", r);
});

test("Rosenbrock 2-D with x1 ≤ 0.5: solution (0.5, 0.25) on the bound", (t) => {
  const r = bobyqa(rosen, [-1.2, 1], { lower: [-2, -2], upper: [0.5, 3] });
  assert.equal(r.converged, true, r.message);
  assert.equal(r.x[0], 0.5); // exactly on the bound
  assert.ok(Math.abs(r.x[1] - 0.25) < 1e-6, `x2 = ${r.x[1]}`);
  assert.ok(Math.abs(r.fval - 0.25) < 1e-10, `f = ${r.fval}`);
  checkEvals(t, "rosen2_upper", r);
});

test("Rosenbrock 5-D with x1 ≥ 1.2 and x5 ≤ 5: both bounds active, as Powell's Fortran", (t) => {
  const ref = problemRef("rosen5_lower");
  const r = bobyqa(rosen, [1.3, 0.7, 0.8, 1.9, 1.2], { lower: [1.2, -5, -5, -5, -5], upper: [5, 5, 5, 5, 5] });
  assert.equal(r.converged, true, r.message);
  assert.equal(r.x[0], 1.2);
  assert.equal(r.x[4], 5);
  assert.ok(maxAbsDiff(r.x, ref.minqa.par) < 1e-5, `x = ${Array.from(r.x)}`);
  assert.ok(Math.abs(r.fval - ref.minqa.fval) < 1e-8, `f = ${r.fval} vs ${ref.minqa.fval}`);
  checkEvals(t, "rosen5_lower", r);
});

test("quadratic with two bounds active: (1, 0, 0.35) exactly on the bounds", (t) => {
  const r = bobyqa(quad3, [0.5, 0.5, 0.5], { lower: [-1, 0, -1], upper: [1, 1, 1] });
  assert.equal(r.converged, true, r.message);
  assert.equal(r.x[0], 1);
  assert.equal(r.x[1], 0);
  assert.ok(Math.abs(r.x[2] - 0.35) < 1e-7, `x3 = ${r.x[2]}`);
  assert.ok(Math.abs(r.fval - 3.1275) < 1e-12, `f = ${r.fval}`);
  checkEvals(t, "quad3_bounds", r);
});

test("1-D (x+1)² on [0, ∞): minimum at the lower bound 0 (n = 1, npt = 3)", (t) => {
  const r = bobyqa((x) => (x[0] + 1) ** 2, [1], { lower: [0] });
  assert.equal(r.converged, true, r.message);
  assert.equal(r.x[0], 0);
  assert.equal(r.fval, 1);
  checkEvals(t, "line1_lower0", r);
});

test("1-D interior minimum, explicit infinite bounds", () => {
  const r = bobyqa((x) => (x[0] - 0.3) ** 2 + 1, [1], { lower: [-Infinity], upper: [Infinity] });
  assert.equal(r.converged, true, r.message);
  assert.ok(Math.abs(r.x[0] - 0.3) < 1e-7, `x = ${r.x[0]}`);
  assert.ok(r.nfev < 30, `nfev ${r.nfev}`);
});

for (const [m, npt] of [
  [5, 16],
  [5, 21],
  [10, 26],
  [10, 41],
] as const) {
  const id = `powell_sphere_${2 * m}_${npt}`;
  test(`Powell's test problem n = ${2 * m}, npt = ${npt}: a local minimum at least as good as Powell's Fortran`, (t) => {
    const ref = problemRef(id);
    const { f, x0 } = powellSphere(m);
    const r = bobyqa(f, x0, { lower: [-1], upper: [1], rhobeg: 0.1, rhoend: 1e-6, npt });
    assert.equal(r.converged, true, r.message);
    // Powell notes the local minimum reached is sensitive to rounding; ours matches minqa's here.
    assert.ok(r.fval <= ref.minqa.fval + 1e-6, `f = ${r.fval}, minqa ${ref.minqa.fval}`);
    t.diagnostic(`${id}: f ${r.fval.toFixed(8)} (minqa ${ref.minqa.fval.toFixed(8)})`);
    // Projected gradient (central differences) vanishes: a genuine local minimum in the box.
    const h = 1e-6;
    for (let i = 0; i < x0.length; i++) {
      const xp = Float64Array.from(r.x);
      const xm = Float64Array.from(r.x);
      xp[i] = Math.min(1, r.x[i] + h);
      xm[i] = Math.max(-1, r.x[i] - h);
      const g = (f(xp) - f(xm)) / (xp[i] - xm[i]);
      const pg = r.x[i] <= -1 ? Math.min(g, 0) : r.x[i] >= 1 ? Math.max(g, 0) : g;
      assert.ok(Math.abs(pg) < 1e-3, `projected gradient ${pg} at coordinate ${i}`);
    }
    checkEvals(t, id, r);
  });
}

test("sleepstudy REML profile: θ = (0.967, 0.0152, 0.231) with lower bounds (0, -Inf, 0)", (t) => {
  const ref = sleepstudyRef();
  const dev = sleepstudyReml();
  for (const { theta, dev: d } of ref.dev_at) assert.ok(Math.abs(dev(Float64Array.from(theta)) - d) < 1e-8);
  const r = bobyqa(dev, [1, 0, 1], { lower: [0, -Infinity, 0] });
  assert.equal(r.converged, true, r.message);
  assert.ok(maxAbsDiff(r.x, ref.minqa_npt7.theta) < 1e-6, `θ = ${Array.from(r.x)} vs minqa ${ref.minqa_npt7.theta}`);
  assert.ok(maxAbsDiff(r.x, ref.nloptwrap.theta) < 3e-5, `θ = ${Array.from(r.x)} vs lme4 ${ref.nloptwrap.theta}`);
  assert.ok(Math.abs(r.fval - ref.nloptwrap.reml) < 1e-8, `REML ${r.fval} vs ${ref.nloptwrap.reml}`);
  assert.ok(r.nfev <= 1.5 * ref.minqa_npt7.feval, `nfev ${r.nfev}`);
  // NLopt-style early stop, as lme4's default lmer optimizer (nloptwrap: ftol_abs = 1e-8).
  const e = bobyqa(dev, [1, 0, 1], { lower: [0, -Infinity, 0], ftolAbs: 1e-8 });
  assert.equal(e.converged, true, e.message);
  assert.ok(Math.abs(e.fval - ref.nloptwrap.reml) < 1e-7 && e.nfev < r.nfev, `ftolAbs run: ${e.fval}, ${e.nfev}`);
  t.diagnostic(
    `sleepstudy: nfev ${r.nfev} (ftolAbs 1e-8: ${e.nfev}); lme4 nloptwrap ${ref.nloptwrap.feval}, ` +
      `minqa npt=5 ${ref.minqa_default.feval}, minqa npt=7 ${ref.minqa_npt7.feval}`,
  );
});

test("NaN in a region away from the minimum: still (1, 1)", (t) => {
  const r = bobyqa((x) => (x[0] + x[1] > 2.5 ? NaN : rosen(x)), [-1.2, 1]);
  assert.equal(r.converged, true, r.message);
  assert.ok(maxAbsDiff(r.x, [1, 1]) < 1e-6, `x = ${Array.from(r.x)}`);
  t.diagnostic(`NaN region: nfev ${r.nfev}`);
});

test("NaN/Inf next to the minimum and at the start point", (t) => {
  const g = (x: Float64Array): number => (x[0] - 0.7) ** 2 + (x[1] - 0.2) ** 2;
  const a = bobyqa((x) => (x[0] < 0.5 ? NaN : g(x)), [1, 1]);
  assert.ok(a.converged && maxAbsDiff(a.x, [0.7, 0.2]) < 1e-6, `${a.message} ${Array.from(a.x)}`);
  const b = bobyqa((x) => (x[0] < 0.65 ? -Infinity : g(x)), [1, 1]);
  assert.ok(b.converged && maxAbsDiff(b.x, [0.7, 0.2]) < 1e-6, `${b.message} ${Array.from(b.x)}`);
  // Start inside the NaN region (x1 > 2.5); some initial points are finite.
  const c = bobyqa((x) => (x[0] > 2.5 ? NaN : g(x)), [3, 1]);
  assert.ok(c.converged && maxAbsDiff(c.x, [0.7, 0.2]) < 1e-6, `${c.message} ${Array.from(c.x)}`);
  assert.ok(Number.isFinite(c.fval));
  t.diagnostic(`NaN next to minimum: nfev ${a.nfev}; -Inf: ${b.nfev}; NaN at start: ${c.nfev}`);
});

test("objective NaN everywhere: terminates, not converged", () => {
  const r = bobyqa(() => NaN, [1, 2]);
  assert.equal(r.converged, false);
  assert.ok(Number.isNaN(r.fval));
  assert.equal(r.nfev, 5);
  assert.match(r.message, /not finite/);
});

test("maxfun exhaustion: converged = false, best point so far returned", () => {
  const r = bobyqa(rosen, [-1.2, 1], { maxfun: 30 });
  assert.equal(r.converged, false);
  assert.equal(r.nfev, 30);
  assert.match(r.message, /maximum number of function evaluations \(30\)/);
  assert.ok(r.fval < rosen(Float64Array.from([-1.2, 1])));
  assert.equal(r.fval, rosen(r.x));
  // Budget smaller than the initial interpolation set.
  const s = bobyqa(rosen, [-1.2, 1], { maxfun: 3 });
  assert.equal(s.nfev, 3);
  assert.equal(s.converged, false);
});

test("start outside the bounds is moved inside; fixed coordinates stay fixed", () => {
  const r = bobyqa((x) => (x[0] - 2) ** 2, [10], { lower: [0], upper: [5] });
  assert.ok(r.converged && Math.abs(r.x[0] - 2) < 1e-6);
  const calls: number[] = [];
  const f = (x: Float64Array): number => {
    calls.push(x[1]);
    return (x[0] - 1) ** 2 + (x[2] + 0.5) ** 2 + x[1];
  };
  const s = bobyqa(f, [0, 7, 0], { lower: [-5, 3, -5], upper: [5, 3, 5] });
  assert.ok(calls.every((v) => v === 3));
  assert.ok(maxAbsDiff(s.x, [1, 3, -0.5]) < 1e-6, `x = ${Array.from(s.x)}`);
  assert.equal(s.converged, true);
});

test("a narrow box shrinks rhobeg; a bad npt is a user error", () => {
  const r = bobyqa((x) => (x[0] - 2) ** 2 + (x[1] - 0.05) ** 2, [0, 0], { lower: [0, 0], upper: [0.1, 10] });
  assert.ok(r.converged && r.x[0] === 0.1 && Math.abs(r.x[1] - 0.05) < 1e-7, `x = ${Array.from(r.x)}`);
  assert.throws(() => bobyqa(rosen, [0, 0], { npt: 3 }), /npt must be an integer in \[4, 6\]/);
  assert.throws(() => bobyqa(rosen, [0, 0], { lower: [1, 0], upper: [0, 1] }), /lower bound exceeds upper bound at position 1/);
});

test("npt between n+2 and (n+1)(n+2)/2 all reach the Rosenbrock minimum", (t) => {
  const counts: string[] = [];
  for (const npt of [7, 9, 11, 15, 21]) {
    const r = bobyqa(rosen, [1.3, 0.7, 0.8, 1.9, 1.2], { npt });
    assert.ok(r.converged && maxAbsDiff(r.x, [1, 1, 1, 1, 1]) < 1e-4, `npt ${npt}: ${Array.from(r.x)}`);
    counts.push(`${npt}:${r.nfev}`);
  }
  t.diagnostic(`rosen5 nfev by npt ${counts.join(" ")}`);
});

test("30 parameters: a coupled quadratic solved to rhoend", (t) => {
  const n = 30;
  const f = (x: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (i + 1) * (x[i] - 1 / (i + 1)) ** 2 + (i > 0 ? 0.5 * x[i] * x[i - 1] : 0);
    return s;
  };
  const r = bobyqa(f, new Float64Array(n), { lower: new Float64Array(n).fill(0) });
  assert.equal(r.converged, true, r.message);
  // Stationarity by central differences (free coordinates) / sign (bounded ones).
  for (let i = 0; i < n; i++) {
    const g = 2 * (i + 1) * (r.x[i] - 1 / (i + 1)) + (i > 0 ? 0.5 * r.x[i - 1] : 0) + (i < n - 1 ? 0.5 * r.x[i + 1] : 0);
    if (r.x[i] === 0) assert.ok(g > -1e-5, `g[${i}] = ${g}`);
    else assert.ok(Math.abs(g) < 1e-4, `g[${i}] = ${g}`);
  }
  t.diagnostic(`quad30: nfev ${r.nfev}`);
});
