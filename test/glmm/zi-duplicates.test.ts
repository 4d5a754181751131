// The extended likelihood's shortcut for repeated rows (duplicateOf): a row whose response, weight
// and designs repeat an earlier row's copies that row's ℓ, derivatives and μ when (η, ζ) match bit
// for bit. Tested against the same likelihood without the shortcut: the −2 log-likelihood, μ and the
// working weights and responses (one predictor) or joint working quantities (zi random effects) must
// be identical (===), also when a marked row's η differs from its first occurrence's (the guard).
import assert from "node:assert/strict";
import { test } from "node:test";
import { ExtendedLikelihood, type ExtendedSpec } from "../../src/glmm/extended.js";

// rows 0–2 and 3–5 repeat each other (y and zi design); rows 6, 7 are distinct
const y = Float64Array.from([0, 0, 0, 3, 3, 3, 1, 0]);
const prior = Float64Array.from([1, 1, 1, 1, 1, 1, 2, 1]);
const n = y.length;
// zi design: intercept and a 0/1 column
const Xzi = Float64Array.from([...new Array<number>(n).fill(1), 0, 0, 0, 1, 1, 1, 0, 1]);
const spec = (base: "poisson" | "nbinom2"): ExtendedSpec => ({
  base, hurdle: false,
  zi: { X: Xzi, p: 2, names: ["(Intercept)", "x"] },
  disp: base === "poisson" ? null : { X: new Float64Array(n).fill(1), p: 1, names: ["(Intercept)"] },
});
const key = [{ values: Float64Array.from(y, (_, i) => (i < 3 ? 0 : i < 6 ? 1 : i)), start: 0, stride: 1 }];

function pair(base: "poisson" | "nbinom2"): [ExtendedLikelihood, ExtendedLikelihood] {
  const plain = new ExtendedLikelihood(spec(base), y), dedup = new ExtendedLikelihood(spec(base), y);
  dedup.markDuplicates(key, prior);
  const x = base === "poisson" ? [-0.7, 0.4] : [-0.7, 0.4, 0.9];
  plain.setParams(x);
  dedup.setParams(x);
  return [plain, dedup];
}

test("markDuplicates: the first earlier row with the same key, response and side designs", () => {
  const [, d] = pair("nbinom2");
  assert.deepEqual([...d.duplicateOf!], [-1, 0, 0, -1, 3, 3, -1, -1]);
});

test("markDuplicates: key values compare as numbers (−0 as 0, NaN as NaN), columns read with their stride", () => {
  const e = new ExtendedLikelihood(spec("poisson"), y);
  // row-major pairs: rows 1 and 2 repeat row 0 (−0 for 0), rows 4 and 5 repeat row 3 (NaN); row 5's second value differs in its last bit
  const z = Float64Array.from([0, 5, -0, 5, 0, 5, NaN, 2, NaN, 2, NaN, 2 + 2 ** -51, 7, 7, 8, 8]);
  e.markDuplicates([{ values: z, start: 0, stride: 2 }, { values: z, start: 1, stride: 2 }], prior);
  assert.deepEqual([...e.duplicateOf!], [-1, 0, 0, -1, 3, -1, -1, -1]);
});

for (const base of ["poisson", "nbinom2"] as const) {
  test(`duplicate rows give the same deviance, μ and working quantities (${base}, one predictor)`, () => {
    const [plain, dedup] = pair(base);
    // row 2 is marked but off its first occurrence's η: the guard must compute it
    const eta = Float64Array.from([0.3, 0.3, 0.35, 1.1, 1.1, 1.1, 0.2, -0.4]);
    const mu1 = new Float64Array(n), mu2 = new Float64Array(n);
    assert.equal(dedup.minus2LogLik(eta, mu2, y, prior), plain.minus2LogLik(eta, mu1, y, prior));
    assert.deepEqual(mu2, mu1);
    const w = [new Float64Array(n), new Float64Array(n)], z = [new Float64Array(n), new Float64Array(n)];
    plain.working(eta, y, prior, new Float64Array(n), w[0], z[0], "step");
    dedup.working(eta, y, prior, new Float64Array(n), w[1], z[1], "step");
    assert.deepEqual(w[1], w[0]);
    assert.deepEqual(z[1], z[0]);
  });

  test(`duplicate rows give the same deviance and joint working quantities (${base}, zi random effects)`, () => {
    const [plain, dedup] = pair(base);
    const eta = Float64Array.from([0.3, 0.3, 0.3, 1.1, 1.1, 1.05, 0.2, -0.4]);
    const H = [new Float64Array(5 * n), new Float64Array(5 * n)];
    // (working2 switches both to the two-predictor cache; ζ of row 4 moved off row 3's)
    plain.working2(eta, y, prior, H[0]);
    dedup.working2(eta, y, prior, H[1]);
    for (const e of [plain, dedup]) e.etaZi[4] += 0.25;
    const mu1 = new Float64Array(n), mu2 = new Float64Array(n);
    assert.equal(dedup.minus2LogLik(eta, mu2, y, prior), plain.minus2LogLik(eta, mu1, y, prior));
    assert.deepEqual(mu2, mu1);
    plain.working2(eta, y, prior, H[0]);
    dedup.working2(eta, y, prior, H[1]);
    assert.deepEqual(H[1], H[0]);
  });
}
