// `glmm predict --interval` beyond the back-transformed link interval: the delta method on the
// response scale (--interval-method delta), a GLMM's analytic prediction interval (the mean of the
// row's group), and intervals by simulation (--nsim/--seed). References:
// test/fixtures/reference/predict_intervals_glmm.R → predict_intervals_glmm.json (emmeans'
// regrid(), lme4's pieces, the exact quantiles of a Poisson–lognormal mixture) and
// predict_intervals.R (the analytic LMM intervals the simulations must converge to).
// Measured: cbpp within 1e-3 relative of R (the fits' difference); simulated LMM limits within
// 2.5 Monte Carlo SEs of the analytic ones at nsim = 20000, seed 7 (seeds 8, 9: within 2.1).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fixtures, reference, relClose, tempCsv } from "./helpers.js";

const ref = reference("predict_intervals_glmm.json");
const lmmRef = reference("predict_intervals.json").lmm;
const root = join(fixtures, "..", "..");
const BIN = join(root, "bin", "glmm.js");
const csv = tempCsv;
type Out = { prediction: number[]; lower: number[]; upper: number[]; se_response?: number[]; interval_method: string; nsim?: number; seed?: number };
const run = (args: string[]): Out => JSON.parse(execFileSync(process.execPath, [BIN, "predict", ...args, "--format", "json"], { encoding: "utf8", cwd: root, stdio: ["ignore", "pipe", "pipe"] }));
const CBPP = ["--data", "test/fixtures/data/cbpp.csv", "--formula", "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", "--family", "binomial", "--newdata", csv("cbpp.csv", ref.cbpp.newdata)];
const SLEEP = ["--data", "test/fixtures/data/sleepstudy.csv", "--formula", "Reaction ~ Days + (Days | Subject)", "--newdata", csv("sleep.csv", lmmRef.newdata)];
const SALAMANDERS = ["--data", "test/fixtures/data/salamanders.csv", "--formula", "count ~ spp + mined + (1 | site)", "--family", "poisson", "--newdata", csv("sal.csv", ref.poisson.newdata), "--level", "population"];

function check(out: Out, want: { fit: number[]; lower: number[]; upper: number[]; se?: number[] }, tol: number, at: string) {
  for (let i = 0; i < want.fit.length; i++) {
    assert.ok(relClose(out.prediction[i], want.fit[i], tol), `${at} row ${i} fit ${out.prediction[i]} vs ${want.fit[i]}`);
    assert.ok(relClose(out.lower[i], want.lower[i], tol), `${at} row ${i} lower ${out.lower[i]} vs ${want.lower[i]}`);
    assert.ok(relClose(out.upper[i], want.upper[i], tol), `${at} row ${i} upper ${out.upper[i]} vs ${want.upper[i]}`);
    if (want.se) assert.ok(relClose(out.se_response![i], want.se[i], tol), `${at} row ${i} se_response ${out.se_response![i]} vs ${want.se[i]}`);
  }
}

test("--interval-method delta (CLI), cbpp: emmeans' regrid() at the population level, lme4's pieces conditionally; within 2e-3 (the fits' difference)", () => {
  const pop = run([...CBPP, "--level", "population", "--interval", "confidence", "--interval-method", "delta"]);
  assert.equal(pop.interval_method, "delta");
  check(pop, ref.cbpp.population_delta, 2e-3, "population");
  const em = ref.cbpp.emmeans_regrid;
  assert.ok(relClose(pop.se_response![0], em.SE, 2e-3) && relClose(pop.lower[0], em.lower, 2e-3) && relClose(pop.upper[0], em.upper, 2e-3), "emmeans regrid");
  // symmetric about μ̂, unlike the back-transformed interval
  assert.ok(Math.abs(pop.upper[0] + pop.lower[0] - 2 * pop.prediction[0]) < 1e-12);
  const cond = run([...CBPP, "--level", "conditional", "--interval", "confidence", "--interval-method", "delta"]);
  check(cond, ref.cbpp.conditional_delta, 2e-3, "conditional");
  assert.ok(cond.lower[1] < 0, "the delta interval of a new herd crosses 0 (it is not clipped)");
});

test("GLMM --interval prediction (CLI), cbpp: the mean of a new herd (Σ on the link scale, back-transformed); a seen herd's equals its confidence interval", () => {
  check(run([...CBPP, "--level", "population", "--interval", "prediction"]), ref.cbpp.population_prediction, 2e-3, "population");
  check(run([...CBPP, "--level", "conditional", "--interval", "prediction"]), ref.cbpp.conditional_prediction, 2e-3, "conditional");
});

// the Monte Carlo SE of a normal sample's p-quantile: sd·√(p(1 − p)/N)/φ(z_p)
const quantileSE = (sd: number, nsim: number) => (sd * Math.sqrt(0.025 * 0.975 / nsim)) / (Math.exp(-0.5 * 1.959963984540054 ** 2) / Math.sqrt(2 * Math.PI));

for (const [level, kind] of [["conditional", "prediction"], ["population", "confidence"]] as const)
  test(`--nsim 20000 (CLI), sleepstudy --level ${level} --interval ${kind}: within 4 Monte Carlo SEs of the analytic interval`, () => {
    const nsim = 20000;
    const out = run([...SLEEP, "--level", level, "--interval", kind, "--nsim", String(nsim), "--seed", "7"]);
    assert.equal(out.interval_method, "simulation");
    assert.equal(out.seed, 7);
    const want = lmmRef[`${level}_${kind}`];
    for (let i = 0; i < 2; i++) {
      const sd = (want.upper[i] - want.lower[i]) / (2 * 1.959963984540054);
      const tol = 4 * quantileSE(sd, nsim) + 1e-5 * Math.abs(want.fit[i]);
      assert.ok(Math.abs(out.lower[i] - want.lower[i]) < tol, `row ${i} lower ${out.lower[i]} vs ${want.lower[i]} (tol ${tol})`);
      assert.ok(Math.abs(out.upper[i] - want.upper[i]) < tol, `row ${i} upper ${out.upper[i]} vs ${want.upper[i]} (tol ${tol})`);
      assert.ok(relClose(out.prediction[i], want.fit[i], 1e-5));
    }
  });

test("--nsim (CLI): the same seed gives the same limits, another seed other limits; the default seed is 1", () => {
  const args = [...SLEEP, "--interval", "prediction", "--nsim", "500"];
  const a = run([...args, "--seed", "11"]), b = run([...args, "--seed", "11"]), c = run([...args, "--seed", "1"]), d = run(args);
  assert.deepEqual(a.lower, b.lower);
  assert.deepEqual(a.upper, b.upper);
  assert.notDeepEqual(a.lower, c.lower);
  assert.deepEqual(c.lower, d.lower);
  assert.deepEqual(c.upper, d.upper);
  assert.equal(d.seed, 1);
});

test("--nsim (CLI), Poisson GLMM (salamanders), a new site: the exact quantiles of a new count, [0, 8]; the confidence interval converges to exp(η̂ ± z·se)", () => {
  const pi = run([...SALAMANDERS, "--interval", "prediction", "--nsim", "50000", "--seed", "3"]);
  const want = ref.poisson.prediction_population;
  // the mixture's CDF at 7 and 8 is 0.9726 and 0.9833: 3 Monte Carlo SEs either side of 0.975
  assert.deepEqual([pi.lower[0], pi.upper[0]], [want.lower, want.upper]);
  const nsim = 20000;
  const ci = run([...SALAMANDERS, "--interval", "confidence", "--nsim", String(nsim)]);
  const c = ref.poisson.confidence_population;
  const sdLink = Math.sqrt(ref.poisson.var_fixed);
  // on the response scale the quantiles are exp() of the link's: MC SE × the limit
  for (const [got, lim] of [[ci.lower[0], c.lower], [ci.upper[0], c.upper]]) {
    const tol = 4 * quantileSE(sdLink, nsim) * lim + 2e-3 * lim;
    assert.ok(Math.abs(got - lim) < tol, `${got} vs ${lim} (tol ${tol})`);
  }
});

test("--nsim, --seed and --interval-method: one-line errors", () => {
  for (const [args, re] of [
    [[...SLEEP, "--interval", "confidence", "--nsim", "1"], /--nsim must be an integer from 2/],
    [[...SLEEP, "--interval", "confidence", "--nsim", "10.5"], /--nsim must be an integer/],
    [[...SLEEP, "--interval", "confidence", "--seed", "3"], /--seed goes with --nsim/],
    [[...SLEEP, "--nsim", "100"], /--nsim goes with --interval/],
    [[...CBPP, "--interval", "confidence", "--interval-method", "exact"], /--interval-method must be backtransform or delta/],
    [[...CBPP, "--interval", "confidence", "--interval-method", "delta", "--nsim", "100"], /does not combine with --interval-method delta/],
    [[...CBPP, "--interval", "prediction", "--nsim", "100"], /needs each new row's number of trials/],
    [[...SALAMANDERS, "--interval", "prediction", "--nsim", "100", "--type", "link"], /use --type response/],
  ] as const) {
    const r = spawnSync(process.execPath, [BIN, "predict", ...args], { encoding: "utf8", cwd: root });
    assert.notEqual(r.status, 0, args.join(" "));
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});
