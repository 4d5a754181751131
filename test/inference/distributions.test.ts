// Tail probabilities against R 4.2 (pt, pchisq, pf, qt, pbeta; values printed with digits = 15).
import { test } from "node:test";
import assert from "node:assert/strict";
import { pbeta, pchisqUpper, pfUpper, pt2, ptUpper, qt } from "../../src/inference/distributions.js";
import { gradient, hessian, jacobian } from "../../src/inference/numderiv.js";

const close = (a: number, b: number, rel = 1e-9) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${a} vs ${b}`);

test("Student t, chi-squared and F tails match R", () => {
  close(ptUpper(2.5, 7.3), 1.98251173328002e-02);
  close(pt2(36.83808965, 16.99972629), 1.17155810616711e-17, 1e-7);
  close(1 - ptUpper(-1.2, 3.5), 1.52507242688932e-01);
  close(pchisqUpper(0.06391067667, 1), 8.0041843200016e-01);
  close(pchisqUpper(50, 3), 7.98917924495147e-11, 1e-8);
  close(pchisqUpper(2.5, 0.5), 4.72467011439093e-02);
  close(pfUpper(3.2, 2, 15.5), 6.86481393915254e-02);
  close(pfUpper(0.4, 5, 2.2), 8.23707017928915e-01);
  close(qt(0.975, 4.5), 2.6589123472044, 1e-9);
  close(qt(0.01, 12.3), -2.67119983589882, 1e-9);
  close(pbeta(0.3, 2.5, 4), 3.52197585906767e-01);
});

test("Richardson derivatives are accurate to many digits", () => {
  const f = (x: Float64Array) => Math.exp(x[0]) * Math.sin(x[1]) + x[0] * x[1] * x[1];
  const x0 = [0.7, 1.3];
  const g = gradient(f, x0);
  close(g[0], Math.exp(0.7) * Math.sin(1.3) + 1.69, 1e-9);
  close(g[1], Math.exp(0.7) * Math.cos(1.3) + 2 * 0.7 * 1.3, 1e-9);
  const H = hessian(f, x0);
  close(H[0], Math.exp(0.7) * Math.sin(1.3), 1e-8);
  close(H[1], Math.exp(0.7) * Math.cos(1.3) + 2.6, 1e-8);
  close(H[2], H[1], 1e-15);
  close(H[3], -Math.exp(0.7) * Math.sin(1.3) + 1.4, 1e-8);
  const J = jacobian((x) => Float64Array.of(x[0] * x[1], x[0] + 3 * x[1]), [2, 5]);
  assert.deepEqual(Array.from(J).map((v) => Math.round(v * 1e9) / 1e9), [5, 1, 2, 3]);
});
