// Zero-inflation, hurdles, dispersion formulas and nbinom1 (issue 21) through the CLI, against
// glmmTMB 1.1.5 (test/fixtures/reference/zi_disp.R → zi_disp.json, zi_fixed.R → zi_fixed.json): logLik within 1e-3 and never
// below (1e-6 slack for rounding), every coefficient within 2% of its SE, SEs within 2%.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });

interface Block { names: string[]; estimate: number[]; se: (number | null)[] }
interface RefModel { id: string; data: string; args: Record<string, string>; logLik: number; df: number; cond: Block; zi: Block | null; disp: Block | null }
// (zi_fixed.json: the same kinds of models without random effects, zi_fixed.R)
const ref: RefModel[] = ["zi_disp.json", "zi_fixed.json"].flatMap((f) => JSON.parse(readFileSync(join(root, "test/fixtures/reference", f), "utf8")).models);
type Row = { term: string; estimate: number; se: number | null };

function fitJSON(m: RefModel) {
  const a = m.args;
  const args = ["fit", "--data", `test/fixtures/data/${m.data}`, "--formula", a.formula, "--family", a.family, "--format", "json"];
  if (a.zi) args.push("--zi", a.zi);
  if (a.disp) args.push("--disp", a.disp);
  if (a.link) args.push("--link", a.link);
  if (m.data === "salamanders.csv") args.push("--ref", "spp=GP", "--ref", "mined=yes");
  const r = glmm(...args);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function compareBlock(id: string, what: string, rows: Row[] | undefined, b: Block | null): void {
  if (!b) return;
  assert.ok(rows, `${id}: no ${what} block`);
  assert.deepEqual(rows.map((r) => r.term), b.names, `${id} ${what} names`);
  b.names.forEach((name, j) => {
    const se = b.se[j];
    if (se === null) return; // glmmTMB gives no SE for an intercept-only dispersion
    assert.ok(Math.abs(rows[j].estimate - b.estimate[j]) <= 0.02 * se, `${id} ${what} ${name}: ${rows[j].estimate} vs ${b.estimate[j]} (SE ${se})`);
    assert.ok(Math.abs(rows[j].se! / se - 1) <= 0.02, `${id} ${what} ${name} SE: ${rows[j].se} vs ${se}`);
  });
}

// evaluation budgets of the fits whose stage 1 runs BFGS on the analytic gradient (two or more
// outer coefficients, no zero-inflation): 103, 44, 33, 47 and 40 evaluations (BOBYQA's stage 1
// took 249, 57, 55, 78 and 59)
const maxEvaluations: Record<string, number> = { sal_hnb2: 150, het_gauss: 52, het_nb2: 45, het_nb1: 65, het_gamma: 50 };
const full = ["sal_zip", "sal_zinb2_mined", "sal_hnb2", "sal_hpois", "owls_zinb1", "owls_zinb2", "owls_nb1", "het_gauss", "het_nb2", "het_nb1", "het_gamma", "fx_sal_zip", "fx_sal_hpois", "fx_sal_nb1", "fx_het_gauss", "fx_beta_disp"];
for (const id of full) {
  const m = ref.find((r) => r.id === id)!;
  test(`${id}: ${m.args.family}${m.args.zi ? ` zi ${m.args.zi}` : ""}${m.args.disp ? ` disp ${m.args.disp}` : ""} as glmmTMB`, () => {
    const d = fitJSON(m);
    assert.ok(d.logLik >= m.logLik - 1e-6 && d.logLik - m.logLik < 1e-3, `${id}: logLik ${d.logLik} vs ${m.logLik}`);
    assert.equal(d.df, m.df);
    compareBlock(id, "cond", d.fixef, m.cond);
    compareBlock(id, "zi", d.zi, m.zi);
    compareBlock(id, "disp", d.disp, m.disp);
    assert.deepEqual(d.warnings, []);
    if (id in maxEvaluations) assert.ok(d.evaluations <= maxEvaluations[id], `${id}: ${d.evaluations} evaluations`);
    if (m.args.family.startsWith("truncated")) assert.equal(d.model, "hurdle");
  });
}

test("sal_zinb1_mined: zero-inflation at its boundary is reported with the LRT against the model without it", () => {
  const m = ref.find((r) => r.id === "sal_zinb1_mined")!;
  const d = fitJSON(m);
  // glmmTMB: zi intercept −16.6 (SE 3024); the likelihood is flat there
  assert.ok(Math.abs(d.logLik - m.logLik) < 1e-4, `${d.logLik} vs ${m.logLik}`);
  compareBlock("sal_zinb1_mined", "cond", d.fixef, m.cond);
  assert.ok(d.zi[0].estimate < -10, String(d.zi[0].estimate));
  // mined = "yes" rows (308 of 644) have π → 0; the LRT against the NB1 fit without zi (glmmTMB's sal_nb1)
  assert.equal(d.zi_boundary.rows, 308);
  const without = ref.find((r) => r.id === "sal_nb1")!.logLik;
  assert.ok(d.zi_boundary.logLik_without >= without - 1e-6 && d.zi_boundary.logLik_without - without < 1e-3, `${d.zi_boundary.logLik_without} vs ${without}`);
  // (that refit starts from the zi fit's optimum: it lands where our own fit from scratch does)
  const cold = fitJSON(ref.find((r) => r.id === "sal_nb1")!).logLik;
  assert.ok(Math.abs(d.zi_boundary.logLik_without - cold) < 1e-6, `${d.zi_boundary.logLik_without} vs ${cold}`);
  assert.equal(d.zi_boundary.df, 2);
  assert.ok(d.warnings.some((w: string) => /^the zero-inflation probability goes to 0 \(boundary\) for 308 of 644 rows.*chi-square = 1\.347, df = 2/.test(w)), d.warnings.join("; "));
});

test("sal_zinb2: a higher likelihood than glmmTMB's default fit (a local optimum), with the minedno zi logit at its limit", () => {
  const m = ref.find((r) => r.id === "sal_zinb2")!;
  const d = fitJSON(m);
  // zi_sal_zinb2_check.R: glmmTMB's own objective at an earlier glmm estimate is −814.75764287
  // (restarted there, glmmTMB stays), 2.39 above its default fit's −817.1495
  assert.ok(d.logLik > -814.75764287 - 1e-3 && d.logLik > m.logLik + 2, String(d.logLik));
  const held = d.zi.filter((r: Row) => r.se === null).map((r: Row) => r.term);
  // (sppDF stays finite, near −7.4: the likelihood is almost flat along it, 2.4e-4 higher there than at its limit)
  assert.deepEqual(held, ["minedno"]);
  const df = d.zi.find((r: Row) => r.term === "sppDF");
  assert.ok(df.estimate < -6 && df.estimate > -9 && df.se > 10, JSON.stringify(df));
  // (stage 1 holds minedno once it drifts past −5 instead of crawling after it: 1958 evaluations before, 1068 now)
  assert.ok(d.evaluations < 1300, String(d.evaluations));
  assert.ok(d.warnings.some((w: string) => /^the zero-inflation probability goes to 0 \(boundary\)/.test(w)), d.warnings.join("; "));
});

test("summary text: Conditional, Zero-inflation and Dispersion model tables as glmmTMB prints them", () => {
  const r = glmm("fit", "--data", "test/fixtures/data/sim_heterosced.csv", "--formula", "count ~ x + (1 | g)", "--family", "nbinom1", "--zi", "~ 1", "--disp", "~ sex");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /Family: nbinom1 {2}\( log \)/);
  assert.match(r.stdout, /^Conditional model:\n {12}Estimate/m);
  assert.match(r.stdout, /^Zero-inflation model:\n.*\n\(Intercept\) /m);
  assert.match(r.stdout, /^Dispersion model:\n.*\n\(Intercept\) .*\nsexM /m);
});

test("bad input: one-line errors for --zi/--disp misuse", () => {
  const base = ["fit", "--data", "test/fixtures/data/salamanders.csv", "--formula", "count ~ mined + (1 | site)"];
  const cases: [string[], RegExp][] = [
    [["--family", "binomial", "--zi", "~ 1"], /--zi is available for poisson, nbinom2, nbinom1, not binomial/],
    [["--family", "poisson", "--disp", "~ mined"], /family poisson has no dispersion parameter/],
    [["--family", "poisson", "--zi", "mined"], /expected a one-sided formula/],
    [["--family", "nbinom2", "--disp", "~ (1 | site)"], /random effects in the dispersion model are not supported yet/],
    [["--family", "gaussian", "--zi", "~ 1"], /needs a count family/],
    [["--family", "Gamma", "--disp", "~ mined"], /--disp with family Gamma needs the log link, not inverse/],
  ];
  for (const [extra, re] of cases) {
    const r = glmm(...base, ...extra);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
  // marginal coefficients are of the conditional mean: a zero-inflated model's is refused, in one line
  const r = glmm("marginal", "--data", "test/fixtures/data/salamanders.csv", "--formula", "count ~ mined + (1 | site)", "--family", "poisson", "--zi", "~ 1");
  assert.notEqual(r.status, 0);
  assert.match(r.stderr.trim(), /^glmm: population-averaged coefficients are for the conditional mean; the mean of a zero-inflated model also depends on its zero part: use 'glmm predict --level marginal' for its population-averaged means$/);
});
