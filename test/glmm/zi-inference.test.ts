// The inference commands on zero-inflated, hurdle and dispersion models (issue 21), through
// bin/glmm.js, against test/fixtures/reference/zi_inference.R → zi_inference.json (glmmTMB 1.1.5,
// car 3.1.1):
// - ranef on Salamanders ZIP with zi = ~ mined + (1 | site): both parts' modes as glmmTMB's
//   ranef()$cond / $zi within 1% of their conditional SD, and the conditional SDs given the
//   estimates (the inverse random-effects Hessian at the mode, TMB's spHess) within 1%;
// - fixef and anova (Wald chi-square per term, Type III and I) of every part of Salamanders ZIP with
//   zi = ~ spp + mined and of sim_heterosced's NB2 with --disp "~ sex", as glmmTMB's summary
//   (estimates within 2% of their SE, SEs within 2%) and car::Anova(component = ...) (chi-square
//   within 2%, same df; car's Type II equals its Type III for these main-effects models, and Type I
//   equals them for the last term, checked on the NB2);
// - bootstrap / confint --method boot on a small simulated ZIP (sim_zip_small.csv, zi = ~ trt): the
//   parametric bootstrap is stochastic, so with 40 refits its percentile limits must lie within 1.5
//   Wald SEs of glmmTMB's Wald limits and its SEs within 50% of the Wald SEs (the conditional and zi
//   coefficients); the two commands with the same --seed give the same intervals exactly; the NB2
//   with --disp reports its disp.* coefficients;
// - confint --method profile of the zi coefficients (the ZIP) and the disp coefficients (the NB2),
//   every other coordinate re-optimized, as glmmTMB's confint(method = "profile"): limits within 1%
//   of the coefficient's SE;
// - marginal on the NB2 with --disp: with a log link and a random intercept the population-averaged
//   intercept is β₀ + σ²/2 and the slope is unchanged (glmmTMB's β₀ and σ from zi_disp.json, 1e-3);
//   on a zero-inflated model it is refused in one line (zi-disp.test.ts);
// - plot's residuals (plot --specs, rows 1..20): the expected response and Pearson residuals with the
//   whole distribution's variance, as glmmTMB's fitted() and residuals(type = "pearson") for the
//   small ZIP and the NB2 with --disp, and the exact zero-truncated moments (by hand in R) for a hurdle
//   Poisson: fitted values within 1e-4 relative, residuals within 1e-3.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 });
interface Coef { names: string[]; estimate: number[]; se: number[]; z: number[]; p: number[] }
interface AnovaRef { terms: string[]; chisq: number[]; df: number[]; p: number[] }
interface RefModel {
  args: Record<string, string>;
  logLik: number;
  ranef?: Record<"cond" | "zi", { grp: string[]; condval: number[]; condsd_glmmTMB: number[] }>;
  condsd_given?: Record<"cond" | "zi", number[]>;
  coef?: Record<"cond" | "zi" | "disp", Coef | null>;
  anova?: Record<string, Record<"III" | "II", AnovaRef>>;
  wald?: { names: string[]; lower: number[]; upper: number[]; estimate: number[] };
  profile_zi?: { names: string[]; lower: number[]; upper: number[] };
  profile_disp?: { names: string[]; lower: number[]; upper: number[] };
  residuals?: { fitted: number[]; pearson: number[] };
}
const refs: Record<string, RefModel> = JSON.parse(readFileSync(join(root, "test/fixtures/reference/zi_inference.json"), "utf8")).models;
const data: Record<string, string> = { sal_zip_re_mined: "salamanders.csv", sal_zip: "salamanders.csv", het_nb2: "sim_heterosced.csv", het_hpois: "sim_heterosced.csv", sim_zip_small: "sim_zip_small.csv" };

function args(id: string, command: string, ...extra: string[]): string[] {
  const a = refs[id].args;
  const out = [command, "--data", `test/fixtures/data/${data[id]}`, "--formula", a.formula, "--family", a.family, "--format", "json", ...extra];
  if (data[id] === "salamanders.csv") out.push("--ref", "spp=GP", "--ref", "mined=yes");
  if (a.zi) out.push("--zi", a.zi);
  if (a.disp) out.push("--disp", a.disp);
  return out;
}
function run(id: string, command: string, ...extra: string[]) {
  const r = glmm(...args(id, command, ...extra));
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test("ranef on a model with zi random effects: both parts labelled, modes and conditional SDs as glmmTMB/TMB", () => {
  const ref = refs.sal_zip_re_mined;
  const rows: { component: string; grpvar: string; term: string; grp: string; condval: number; condsd: number }[] = run("sal_zip_re_mined", "ranef").ranef;
  for (const comp of ["cond", "zi"] as const) {
    const mine = rows.filter((r) => r.component === comp);
    const r = ref.ranef![comp];
    assert.deepEqual(mine.map((x) => x.grp), r.grp);
    assert.ok(mine.every((x) => x.grpvar === "site" && x.term === "(Intercept)"));
    mine.forEach((x, i) => {
      const sd = ref.condsd_given![comp][i];
      assert.ok(Math.abs(x.condval - r.condval[i]) < 0.01 * sd, `${comp} ${x.grp}: condval ${x.condval} vs ${r.condval[i]}`);
      assert.ok(Math.abs(x.condsd / sd - 1) < 0.01, `${comp} ${x.grp}: condsd ${x.condsd} vs ${sd}`);
    });
  }
  // (glmmTMB's own condsd add the fixed parameters' uncertainty: larger, never smaller)
  rows.forEach((x, i) => assert.ok(x.condsd < [...ref.ranef!.cond.condsd_glmmTMB, ...ref.ranef!.zi.condsd_glmmTMB][i]));
});

for (const [id, side] of [["sal_zip", "zi"], ["het_nb2", "disp"]] as const) {
  test(`fixef and anova on ${id}: the conditional and ${side} parts as glmmTMB's summary and car::Anova`, () => {
    const ref = refs[id];
    const fx = run(id, "fixef");
    for (const [part, rows] of [["cond", fx.fixef], [side, fx[side]]] as const) {
      const c = ref.coef![part]!;
      assert.deepEqual(rows.map((r: { term: string }) => r.term), c.names);
      rows.forEach((r: { estimate: number; se: number; p: number }, j: number) => {
        assert.ok(Math.abs(r.estimate - c.estimate[j]) < 0.02 * c.se[j], `${part} ${c.names[j]}: ${r.estimate} vs ${c.estimate[j]}`);
        assert.ok(Math.abs(r.se / c.se[j] - 1) < 0.02, `${part} ${c.names[j]} SE: ${r.se} vs ${c.se[j]}`);
      });
    }
    assert.equal(fx.zi === undefined, side !== "zi");
    // (Type I on the small model only: each run is a fit)
    for (const type of id === "het_nb2" ? ["3", "1"] : ["3"]) {
      const an = run(id, "anova", "--type", type);
      for (const [part, rows] of [["cond", an.rows], [side, an[side]]] as const) {
        const a = ref.anova![part].II;
        // (Type I: only the last term is adjusted for all the others)
        const check = type === "3" ? a.terms : a.terms.slice(-1);
        for (const t of check) {
          const mine = rows.find((r: { term: string }) => r.term === t), k = a.terms.indexOf(t);
          assert.ok(mine, `${part} ${t} missing (type ${type})`);
          assert.equal(mine.numDf, a.df[k]);
          assert.ok(Math.abs(mine.statistic / a.chisq[k] - 1) < 0.02, `${part} ${t}: chisq ${mine.statistic} vs ${a.chisq[k]}`);
          if (type === "3") assert.ok(Math.abs(mine.statistic / ref.anova![part].III.chisq[ref.anova![part].III.terms.indexOf(t)] - 1) < 0.02);
        }
        assert.equal(rows.length, a.terms.length);
      }
    }
  });
}

test("bootstrap and confint --method boot on a ZIP: zi coefficients refitted, near the Wald intervals, reproducible with --seed", () => {
  const ref = refs.sim_zip_small;
  const boot = run("sim_zip_small", "bootstrap", "--nsim", "40", "--seed", "2", "--no-progress");
  const ci = run("sim_zip_small", "confint", "--method", "boot", "--nsim", "40", "--seed", "2", "--no-progress");
  assert.deepEqual(ci.intervals, boot.parameters);
  assert.deepEqual(boot.parameters.map((r: { parameter: string }) => r.parameter), ["sd_(Intercept)|g", "(Intercept)", "x", "zi.(Intercept)", "zi.trtb"]);
  const se = [...ref.coef!.cond!.se, ...ref.coef!.zi!.se];
  boot.parameters.slice(1).forEach((r: { parameter: string; estimate: number; lower: number; upper: number; se: number }, j: number) => {
    assert.ok(Math.abs(r.estimate - ref.wald!.estimate[j]) < 0.02 * se[j], `${r.parameter}: estimate ${r.estimate} vs ${ref.wald!.estimate[j]}`);
    assert.ok(Math.abs(r.lower - ref.wald!.lower[j]) < 1.5 * se[j], `${r.parameter}: lower ${r.lower} vs Wald ${ref.wald!.lower[j]}`);
    assert.ok(Math.abs(r.upper - ref.wald!.upper[j]) < 1.5 * se[j], `${r.parameter}: upper ${r.upper} vs Wald ${ref.wald!.upper[j]}`);
    assert.ok(Math.abs(r.se / se[j] - 1) < 0.5, `${r.parameter}: boot SE ${r.se} vs Wald ${se[j]}`);
  });
  // the random-effect SD: the fit's as glmmTMB's, its replicates spread around it
  const sd = boot.parameters[0];
  assert.ok(Math.abs(sd.estimate / ref.wald!.estimate[4] - 1) < 0.01);
  assert.ok(sd.lower < sd.estimate && sd.estimate < sd.upper && sd.se > 0);
});

test("bootstrap of an NB2 with a dispersion formula: the disp coefficients are refitted", () => {
  const b = run("het_nb2", "bootstrap", "--nsim", "3", "--no-progress");
  const disp = b.parameters.filter((r: { parameter: string }) => r.parameter.startsWith("disp."));
  assert.deepEqual(disp.map((r: { parameter: string }) => r.parameter), ["disp.(Intercept)", "disp.sexM"]);
  disp.forEach((r: { estimate: number; se: number }, j: number) => {
    assert.ok(Math.abs(r.estimate - refs.het_nb2.coef!.disp!.estimate[j]) < 0.02 * refs.het_nb2.coef!.disp!.se[j]);
    assert.ok(r.se > 0);
  });
});

for (const [id, part] of [["sim_zip_small", "zi"], ["het_nb2", "disp"]] as const) {
  test(`confint --method profile of the ${part} coefficients (${id}) as glmmTMB's tmbprofile`, () => {
    const ref = refs[id], c = ref.coef![part]!;
    const pr = part === "zi" ? ref.profile_zi! : ref.profile_disp!;
    const r = run(id, "confint", "--method", "profile", "--no-progress", ...c.names.flatMap((n) => ["--parm", `${part}.${n}`]));
    assert.deepEqual(r.intervals.map((x: { parameter: string }) => x.parameter), c.names.map((n) => `${part}.${n}`));
    r.intervals.forEach((x: { lower: number; upper: number }, j: number) => {
      assert.ok(Math.abs(x.lower - pr.lower[j]) < 0.01 * c.se[j], `${c.names[j]}: lower ${x.lower} vs ${pr.lower[j]}`);
      assert.ok(Math.abs(x.upper - pr.upper[j]) < 0.01 * c.se[j], `${c.names[j]}: upper ${x.upper} vs ${pr.upper[j]}`);
    });
  });
}

test("marginal on an NB2 with a dispersion formula: the log link's closed form with glmmTMB's estimates", () => {
  const tmb = (JSON.parse(readFileSync(join(root, "test/fixtures/reference/zi_disp.json"), "utf8")).models as { id: string; re_sd: number[]; cond: Coef }[]).find((x) => x.id === "het_nb2")!;
  const rows: { term: string; conditional: number; conditionalSE: number; marginal: number; marginalSE: number }[] = run("het_nb2", "marginal").coefficients;
  assert.deepEqual(rows.map((r) => r.term), ["(Intercept)", "x"]);
  assert.ok(Math.abs(rows[0].marginal - (tmb.cond.estimate[0] + tmb.re_sd[0] ** 2 / 2)) < 1e-3, `intercept ${rows[0].marginal}`);
  assert.ok(Math.abs(rows[1].marginal - tmb.cond.estimate[1]) < 1e-3 && Math.abs(rows[1].marginal - rows[1].conditional) < 1e-6);
  assert.ok(Math.abs(rows[1].marginalSE / tmb.cond.se[1] - 1) < 0.02, `x SE ${rows[1].marginalSE}`);
});

for (const id of ["sim_zip_small", "het_nb2", "het_hpois"]) {
  test(`plot's residuals on ${id} ${refs[id].args.zi ? `(zi ${refs[id].args.zi})` : `(disp ${refs[id].args.disp})`}: the expected response and the whole distribution's Pearson residuals`, () => {
    const dir = mkdtempSync(join(tmpdir(), "glmm-zi-plot-"));
    try {
      const a = args(id, "plot", "--out", dir, "--specs").filter((x, i, all) => x !== "--format" && all[i - 1] !== "--format");
      const r = glmm(...a);
      assert.equal(r.status, 0, r.stderr);
      const spec = JSON.parse(readFileSync(join(dir, "residuals.vl.json"), "utf8"));
      const rows: { fitted: number; residual: number }[] = spec.data.values;
      const ref = refs[id].residuals!;
      ref.fitted.forEach((v, i) => {
        assert.ok(Math.abs(rows[i].fitted / v - 1) < 1e-4, `row ${i + 1}: fitted ${rows[i].fitted} vs ${v}`);
        assert.ok(Math.abs(rows[i].residual - ref.pearson[i]) < 1e-3, `row ${i + 1}: residual ${rows[i].residual} vs ${ref.pearson[i]}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
