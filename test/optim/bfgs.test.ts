// bfgsBounded's stopOnceScaled: a start with a small gradient on a flat quadratic (the extended
// GLMM's BFGS stage 1 from a point near an optimum) must not stop on the initial step cap's
// predicted decrease.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bfgsBounded } from "../../src/optim/bfgs.js";

// f = a/2 (x − c)²: at 0 the gradient is −0.1, the first step is capped at 0.2/0.1·(0.1) and the
// predicted decrease gᵀH₀g/2 = 0.005 is below ftol = 0.01, though f falls by 0.5 to the minimum
const a = 0.01, c = 10;
const fg = (x: Float64Array, g: Float64Array | null) => {
  if (g) g[0] = a * (x[0] - c);
  return (a / 2) * (x[0] - c) ** 2;
};

test("bfgsBounded: stopOnceScaled goes on past a small first predicted decrease", () => {
  const early = bfgsBounded(fg, [0], { ftol: 1e-2 });
  assert.equal(early.iterations, 0);
  assert.equal(early.x[0], 0);
  const r = bfgsBounded(fg, [0], { ftol: 1e-2, stopOnceScaled: true });
  assert.equal(r.converged, true, r.message);
  assert.ok(Math.abs(r.x[0] - c) < 1, `x = ${r.x[0]}`);
  assert.ok(r.fval < 5e-3, `f = ${r.fval}`);
});
