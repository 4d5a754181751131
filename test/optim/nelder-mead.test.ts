import { test } from "node:test";
import assert from "node:assert/strict";
import { nelderMead } from "../../src/optim/index.js";
import { maxAbsDiff, quad3, rosen, sleepstudyRef } from "./problems.js";
import { sleepstudyReml } from "./sleepstudy-reml.js";

test("Nelder–Mead: Rosenbrock 2-D with tight x tolerances", (t) => {
  const r = nelderMead(rosen, [-1.2, 1], { xst: 0.1, xt: 1e-9 });
  assert.equal(r.converged, true, r.message);
  assert.ok(maxAbsDiff(r.x, [1, 1]) < 1e-6, `x = ${Array.from(r.x)}`);
  t.diagnostic(`NM rosen2: nfev ${r.nfev}`);
});

test("Nelder–Mead: minimum on bounds, 1-D and 3-D", (t) => {
  const a = nelderMead((x) => (x[0] + 1) ** 2, [1], { lower: [0] });
  assert.ok(a.converged && a.x[0] === 0 && a.fval === 1, `${a.message} ${a.x[0]}`);
  const b = nelderMead(quad3, [0.5, 0.5, 0.5], { lower: [-1, 0, -1], upper: [1, 1, 1], xt: 1e-9 });
  assert.ok(b.converged, b.message);
  assert.equal(b.x[0], 1);
  assert.equal(b.x[1], 0);
  assert.ok(Math.abs(b.x[2] - 0.35) < 1e-6, `x3 = ${b.x[2]}`);
  t.diagnostic(`NM 1-D: nfev ${a.nfev}; quad3: ${b.nfev}`);
});

test("Nelder–Mead with lme4's defaults on the sleepstudy REML profile", (t) => {
  const ref = sleepstudyRef();
  const r = nelderMead(sleepstudyReml(), [1, 0, 1], { lower: [0, -Infinity, 0] });
  assert.equal(r.converged, true, r.message);
  assert.ok(maxAbsDiff(r.x, ref.nloptwrap.theta) < 1e-4, `θ = ${Array.from(r.x)}`);
  assert.ok(Math.abs(r.fval - ref.nloptwrap.reml) < 1e-6, `REML ${r.fval}`);
  assert.ok(r.nfev < 2 * ref.nelder_mead.feval, `nfev ${r.nfev}`);
  t.diagnostic(`NM sleepstudy: nfev ${r.nfev} (lme4 Nelder_Mead ${ref.nelder_mead.feval})`);
});

test("Nelder–Mead: NaN regions, maxfun, restarts", () => {
  const g = (x: Float64Array): number => (x[0] - 0.7) ** 2 + (x[1] - 0.2) ** 2;
  const a = nelderMead((x) => (x[0] < 0.5 ? NaN : g(x)), [1, 1], { xst: 0.1, xt: 1e-8 });
  assert.ok(a.converged && maxAbsDiff(a.x, [0.7, 0.2]) < 1e-6, `${a.message} ${Array.from(a.x)}`);
  const b = nelderMead(rosen, [-1.2, 1], { maxfun: 25 });
  assert.equal(b.converged, false);
  assert.equal(b.nfev, 25);
  assert.match(b.message, /maximum number of function evaluations \(25\)/);
  assert.equal(b.fval, rosen(b.x));
  const c = nelderMead(rosen, [-1.2, 1], { xst: 0.1, xt: 1e-9, restarts: 2 });
  assert.ok(c.converged && maxAbsDiff(c.x, [1, 1]) < 1e-6);
  assert.throws(() => nelderMead(rosen, [0, 0], { xst: [0.1, 0] }), /xst at position 2 must be non-zero/);
});
