// Root cause: nothing checked that the data can identify what is reported. A variance whose random
// effects are aliased with the fixed effects (or whose known covariance is rank 1 or negligible)
// came back as its starting value, "converged"; a saturated GEE printed SE 0, two clusters for six
// coefficients gave p = 3e-6, an impossible unstructured correlation of 1.25 passed without comment;
// a separated glm said nothing. Each is now detected and said (or refused) by name.
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertRefused, fixture, glmm, scratch, setup } from "./helpers.js";

const dir = scratch("ident");
/** deterministic pseudo-normal noise */
const noise = (i: number) => Math.sin(12.9898 * i) * 0.8 + Math.cos(78.233 * i) * 0.5;
const rows = ["y,g,site,a,b,cell,x"];
for (let i = 0; i < 72; i++) {
  const g = i % 6, a = i % 2, b = Math.floor(i / 2) % 3;
  rows.push(`${(g * 0.5 + 0.3 * (i % 5) + noise(i)).toFixed(4)},g${g},${g + 1},A${a},B${b},A${a}B${b},${i % 5}`);
}
const K = (f: (i: number, j: number) => string) => ["," + [0, 1, 2, 3, 4, 5].map((j) => `g${j}`).join(","), ...[0, 1, 2, 3, 4, 5].map((i) => [`g${i}`, ...[0, 1, 2, 3, 4, 5].map((j) => f(i, j))].join(","))].join("\n") + "\n";
setup(dir, { "d.csv": rows.join("\n") + "\n", "K1.csv": K(() => "1"), "Ktiny.csv": K((i, j) => (i === j ? "1e-14" : "0")), "Kok.csv": K((i, j) => (i === j ? "1" : "0.3")) });

const fitJson = (...args: string[]) => {
  const r = glmm(dir, "fit", "--data", "d.csv", "--format", "json", ...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { warnings: string[]; theta: number[]; converged: boolean };
};
const unidentified = /the variance of \(1 \| (\w+)\) is not identified by the data: the (REML criterion|likelihood) does not change with it .* the value reported is the starting value, not an estimate/;

for (const [what, formula, extra, group] of [
  ["a grouping factor aliased with the same fixed factor", "y ~ g + x + (1 | g)", [], "g"],
  ["a numeric grouping column aliased with factor() of itself", "y ~ factor(site) + x + (1 | site)", [], "site"],
  ["a grouping factor equal to a fixed interaction", "y ~ a * b + x + (1 | cell)", [], "cell"],
  ["a rank-1 known covariance", "y ~ x + (1 | g)", ["--covariance", "g=matrix:K1.csv"], "g"],
  ["a negligibly small known covariance", "y ~ x + (1 | g)", ["--covariance", "g=matrix:Ktiny.csv"], "g"],
] as const) {
  test(`an unidentifiable variance is said: ${what}`, () => {
    const j = fitJson("--formula", formula, ...extra);
    const w = j.warnings.find((s) => unidentified.test(s));
    assert.ok(w, JSON.stringify(j.warnings));
    assert.equal(unidentified.exec(w!)![1], group);
    // and reaches the text summary and the other commands' warnings
    const text = glmm(dir, "fit", "--data", "d.csv", "--formula", formula, ...extra);
    assert.match(text.stdout + text.stderr, /is not identified by the data/);
  });
}

test("identifiable variances are not flagged (nested in a fixed factor but not aliased, a proper known covariance)", () => {
  for (const args of [["--formula", "y ~ a + x + (1 | g)"], ["--formula", "y ~ x + (1 | g)"], ["--formula", "y ~ x + (1 | g)", "--covariance", "g=matrix:Kok.csv"]]) {
    const j = fitJson(...args);
    assert.ok(!j.warnings.some((s) => unidentified.test(s)), `${args.join(" ")}: ${JSON.stringify(j.warnings)}`);
  }
});

const geeJson = (...args: string[]) => {
  const r = glmm(dir, "gee", "--format", "json", ...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { warnings: string[]; nclusters: number };
};

test("GEE: a saturated fit (no residual degrees of freedom) is refused", () => {
  const before = setup(dir, { "sat.csv": "y,x,id\n1,1,a\n3,2,a\n2,3,b\n" });
  assertRefused(glmm(dir, "gee", "--data", "sat.csv", "--formula", "y ~ factor(x)", "--id", "id"), /GEE: 3 observations for 3 coefficients leave no residual degrees of freedom \(a saturated fit/, dir, before);
  assertRefused(glmm(dir, "gee", "--data", "sat.csv", "--formula", "y ~ x + I(x^2) + I(x^3)", "--id", "id"), /4 coefficients leave no residual degrees of freedom|3 observations for/, dir, before);
});

test("GEE: fewer clusters than coefficients are flagged as unusable; fewer than 40 point to Mancl–DeRouen", () => {
  const two = geeJson("--data", "d.csv", "--formula", "y ~ g", "--id", "a");
  assert.equal(two.nclusters, 2);
  assert.ok(two.warnings.some((w) => /only 2 clusters for 6 coefficients: the robust \(sandwich\) variance has rank at most 2/.test(w)), JSON.stringify(two.warnings));
  const six = geeJson("--data", "d.csv", "--formula", "y ~ x", "--id", "g");
  assert.ok(six.warnings.some((w) => /only 6 clusters: the sandwich standard errors are biased downward below about 40 clusters; consider --std-err md \(Mancl–DeRouen/.test(w)), JSON.stringify(six.warnings));
  const md = geeJson("--data", "d.csv", "--formula", "y ~ x", "--id", "g", "--std-err", "md");
  assert.ok(!md.warnings.some((w) => /clusters/.test(w)), JSON.stringify(md.warnings));
  const many = geeJson("--data", fixture("ohio.csv"), "--formula", "resp ~ age + smoke", "--id", "id", "--family", "binomial");
  assert.ok(!many.warnings.some((w) => /clusters/.test(w)), JSON.stringify(many.warnings));
});

test("GEE: an unstructured working correlation beyond ±1 is said, with the entry", () => {
  const j = geeJson("--data", fixture("sleepstudy.csv"), "--formula", "Reaction ~ Days", "--id", "Subject", "--corstr", "unstructured", "--time", "Days");
  assert.ok(j.warnings.some((w) => /the estimated unstructured working correlation is not a correlation matrix \(e\.g\. 1\.\d{3} between waves \d+ and \d+\)/.test(w)), JSON.stringify(j.warnings));
  const ex = geeJson("--data", fixture("sleepstudy.csv"), "--formula", "Reaction ~ Days", "--id", "Subject", "--corstr", "exchangeable");
  assert.ok(!ex.warnings.some((w) => /working correlation/.test(w)), JSON.stringify(ex.warnings));
});

test("a plain glm with complete or quasi-complete separation warns; one without does not", () => {
  const sep = ["y,x,z"];
  for (let i = 0; i < 40; i++) sep.push(`${i >= 20 ? 1 : 0},${i},${(i * 7) % 11}`);
  setup(dir, { "sep.csv": sep.join("\n") + "\n" });
  const sepWarn = /fitted probabilities numerically 0 or 1 in \d+ of 40 rows: \(quasi-\)complete separation/;
  for (const formula of ["y ~ x", "y ~ x + z"]) {
    const r = glmm(dir, "fit", "--data", "sep.csv", "--family", "binomial", "--formula", formula, "--format", "json");
    assert.equal(r.status, 0, r.stderr);
    assert.ok(JSON.parse(r.stdout).warnings.some((w: string) => sepWarn.test(w)), r.stdout.slice(-400));
  }
  const fine = glmm(dir, "fit", "--data", "sep.csv", "--family", "binomial", "--formula", "y ~ z", "--format", "json");
  assert.ok(!JSON.parse(fine.stdout).warnings.some((w: string) => sepWarn.test(w)));
});
