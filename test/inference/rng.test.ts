// The seeded generator: reproducible streams and samplers with the right first two moments.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "../../src/inference/rng.js";

/** sample mean and variance of n draws */
function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let s = 0, ss = 0;
  for (let i = 0; i < n; i++) { const x = draw(); s += x; ss += x * x; }
  const mean = s / n;
  return { mean, variance: (ss - n * mean * mean) / (n - 1) };
}

/** mean within 5 standard errors, variance within 10% */
function check(name: string, draw: () => number, mean: number, variance: number, n = 40000): void {
  const m = moments(draw, n);
  assert.ok(Math.abs(m.mean - mean) < 5 * Math.sqrt(variance / n), `${name}: mean ${m.mean} vs ${mean}`);
  assert.ok(Math.abs(m.variance / variance - 1) < 0.1, `${name}: variance ${m.variance} vs ${variance}`);
}

test("the same seed gives the same stream; another seed another", () => {
  const a = new Rng(42), b = new Rng(42), c = new Rng(43);
  const xa = Array.from({ length: 8 }, () => a.nextUint32());
  const xb = Array.from({ length: 8 }, () => b.nextUint32());
  const xc = Array.from({ length: 8 }, () => c.nextUint32());
  assert.deepEqual(xa, xb);
  assert.notDeepEqual(xa, xc);
  // fixed first outputs: a change of the algorithm (and so of every seeded result) shows here
  const r = new Rng(1);
  const first = [r.nextUint32(), r.nextUint32()];
  assert.deepEqual(first, FIRST_OUTPUTS_SEED_1);
  for (let i = 0; i < 1000; i++) {
    const u = a.random();
    assert.ok(u >= 0 && u < 1);
  }
});

// recorded from this implementation; they pin the stream so that --seed results stay reproducible across versions
const FIRST_OUTPUTS_SEED_1 = [2442144158, 3238099751];

test("samplers have the right mean and variance", () => {
  const r = new Rng(2024);
  check("normal", () => r.normal(), 0, 1);
  check("gamma(0.5)", () => r.gamma(0.5), 0.5, 0.5);
  check("gamma(7.5)", () => r.gamma(7.5), 7.5, 7.5);
  check("beta(2, 5)", () => r.beta(2, 5), 2 / 7, (2 * 5) / (49 * 8));
  check("poisson(0.3)", () => r.poisson(0.3), 0.3, 0.3);
  check("poisson(12)", () => r.poisson(12), 12, 12);
  check("poisson(850)", () => r.poisson(850), 850, 850);
  check("binomial(1, 0.2)", () => r.binomial(1, 0.2), 0.2, 0.16);
  check("binomial(40, 0.7)", () => r.binomial(40, 0.7), 28, 8.4);
  check("binomial(5000, 0.3)", () => r.binomial(5000, 0.3), 1500, 1050);
  check("negative binomial(4, 2)", () => r.negativeBinomial(4, 2), 4, 4 + 16 / 2);
  for (let i = 0; i < 200; i++) {
    const k = r.binomial(17, 0.93);
    assert.ok(Number.isInteger(k) && k >= 0 && k <= 17);
  }
});
