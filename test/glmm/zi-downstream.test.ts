// What follows a zero-inflated fit with random effects in the zi part (issue 21), through
// bin/glmm.js, against test/fixtures/reference/zi_downstream.R → zi_downstream.json (glmmTMB 1.1.5,
// performance 0.10.2) on Salamanders ZIP with zi = ~ mined + (1 | site):
// - predict --type response / zprob with both parts' random effects at their modes (a new site at
//   0): glmmTMB's predict(re.form = NULL, allow.new.levels = TRUE) within 1e-4 (the fits agree to
//   ~1e-5);
// - at population level every random effect is 0, as glmmTMB documents re.form = NA (glmmTMB
//   1.1.5 in fact keeps the zi part's at their modes there, so the reference is the R script's
//   by-hand (1 − π)μ and its delta-method SE with vcov(full = TRUE)): the prediction within 1e-4,
//   its SE within 1% (the fits' SEs differ by up to 0.6%);
// - the ICC and R² as performance::icc / r2_nakagawa (π at its modes, the zi part's variance not a
//   component) within 1e-4;
// - hurdle NB2 (zi = ~ mined): the response SE as glmmTMB's predict(se.fit = TRUE, re.form = NA) within 1%;
// - confint --method wald of both parts' coefficients as glmmTMB's confint(method = "wald"): limits
//   within 2% of the SE (the fits' own agreement);
// - emmeans --component cond / zi as emmeans 1.8.4.1 on glmmTMB (t with the residual df), and
//   --component response against the R script's delta method on the same grid (glmmTMB 1.1.5's
//   emm_basis has no "response"): means within 2% of their SE, SEs within 1%, unadjusted p-values of
//   the contrasts within 2%, on Salamanders ZIP with
//   zi = ~ spp + mined (the zi means average over mined).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { fit, parseDelimited } from "../../src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 });
type Comp = { zprob: number[]; response: number[] };
interface RefModel {
  id: string; args: Record<string, string>;
  fitted: Record<"conditional" | "population", Comp>; newdata: Record<"conditional" | "population", Comp>;
  se_population: Record<string, { fit: number[]; se: number[] }>;
  population_by_hand: { response: number[]; se: number[] };
  marginal: { zprob: number[]; conditional: number[]; response: number[] };
  icc: Record<string, number>; r2: Record<string, number>;
  confint: { names: string[]; lower: number[]; upper: number[]; estimate: number[] };
  emmeans: Record<string, Record<string, Emm>>;
}
interface Emm { level: string[]; emmean: number[]; SE: number[]; df: number | number[]; lower: number[]; upper: number[]; contrast?: string[]; contrast_estimate?: number[]; contrast_SE?: number[]; contrast_p?: number[]; contrast_p_tukey?: number[]; contrast_lower_tukey?: number[]; contrast_upper_tukey?: number[] }
const refs: RefModel[] = JSON.parse(readFileSync(join(root, "test/fixtures/reference/zi_downstream.json"), "utf8")).models;
const ref = refs.find((m) => m.id === "sal_zip_re_mined")!;
const Z = 1.959963984540054;

function ziArgs(m: RefModel, command: string, ...extra: string[]): string[] {
  return [command, "--data", "test/fixtures/data/salamanders.csv", "--ref", "spp=GP", "--ref", "mined=yes", "--formula", m.args.formula, "--family", m.args.family, "--zi", m.args.zi, "--format", "json", ...extra];
}
const rel = (a: number, b: number) => Math.abs(a / b - 1);

for (const type of ["response", "zprob"] as const) {
  test(`zi random effects: predict --type ${type} on new data (a new site) with both parts' modes, as glmmTMB`, () => {
    const r = glmm(...ziArgs(ref, "predict", "--type", type, "--newdata", "test/fixtures/data/zi_predict_newdata.csv"));
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.deepEqual(d.new_levels, { site: ["NEW-1"] });
    ref.newdata.conditional[type].forEach((v, i) => assert.ok(rel(d.prediction[i], v) < 1e-4, `row ${i + 1}: ${d.prediction[i]} vs ${v}`));
  });
}

test("zi random effects: population-level response (all random effects 0) with its delta-method SE and interval", () => {
  const r = glmm(...ziArgs(ref, "predict", "--type", "response", "--level", "population", "--se", "--interval", "confidence"));
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  const h = ref.population_by_hand;
  for (let i = 0; i < 10; i++) {
    const y = d.prediction[i], se = d.se_population[i];
    assert.ok(rel(y, h.response[i]) < 1e-4, `row ${i + 1}: ${y} vs ${h.response[i]}`);
    assert.ok(rel(se, h.se[i]) < 0.01, `row ${i + 1} SE: ${se} vs ${h.se[i]}`);
    // on the log scale: y·exp(±z·SE/y)
    assert.ok(rel(d.lower[i], y * Math.exp((-Z * se) / y)) < 1e-9 && rel(d.upper[i], y * Math.exp((Z * se) / y)) < 1e-9, `row ${i + 1} interval`);
  }
  // (glmmTMB 1.1.5's re.form = NA keeps the zi modes: a different number, row 2 by 2.6×)
  assert.ok(rel(d.prediction[1], ref.fitted.population.response[1]) > 0.5);
});

test("zi random effects: ICC and R² as performance 0.10.2", () => {
  const r = glmm(...ziArgs(ref, "icc"));
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  const want: [number, number][] = [[d.icc_adjusted, ref.icc.ICC_adjusted], [d.icc_conditional, ref.icc.ICC_conditional],
    [d.r2_marginal, ref.r2["R2_marginal.Marginal R2"]], [d.r2_conditional, ref.r2["R2_conditional.Conditional R2"]]];
  for (const [a, b] of want) assert.ok(rel(a, b) < 1e-4, `${a} vs ${b}`);
});

test("zi random effects: --level marginal averages each part over its random effects (R's integrate()), and glmm simulate's responses (both parts' effects drawn anew, as glmmTMB's simulate) have that mean", () => {
  const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
  const pr = (type: string) => {
    const r = glmm(...ziArgs(ref, "predict", "--type", type, "--level", "marginal"));
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout).prediction as number[];
  };
  const resp = pr("response"), zprob = pr("zprob");
  for (let i = 0; i < 10; i++) {
    assert.ok(rel(resp[i], ref.marginal.response[i]) < 1e-4, `row ${i + 1} response ${resp[i]} vs ${ref.marginal.response[i]}`);
    assert.ok(rel(zprob[i], ref.marginal.zprob[i]) < 1e-4, `row ${i + 1} zprob ${zprob[i]} vs ${ref.marginal.zprob[i]}`);
  }
  // the mean response over the rows, per simulation, averaged over 1000: within 4 Monte Carlo SEs of
  // the marginal predictions' mean (keeping the zi effects at 0 instead would be ~8 SEs off)
  const r = glmm(...ziArgs(ref, "simulate", "--nsim", "1000", "--seed", "3"));
  assert.equal(r.status, 0, r.stderr);
  const means = (JSON.parse(r.stdout).simulations as number[][]).map(mean);
  const m = mean(means);
  const sd = Math.sqrt(means.reduce((s, v) => s + (v - m) ** 2, 0) / (means.length - 1));
  const want = mean(resp);
  assert.ok(Math.abs(m - want) < (4 * sd) / Math.sqrt(means.length), `simulated mean ${m} vs ${want} (MC SE ${sd / Math.sqrt(means.length)})`);
});

test("zi random effects: confint --method wald has both parts' coefficients (zi.NAME) as glmmTMB's", () => {
  const r = glmm(...ziArgs(ref, "confint", "--method", "wald"));
  assert.equal(r.status, 0, r.stderr);
  const rows: { parameter: string; lower: number; upper: number }[] = JSON.parse(r.stdout).intervals;
  const c = ref.confint;
  assert.deepEqual(rows.map((x) => x.parameter), c.names.map((n) => n.replace(/^cond\./, "")));
  rows.forEach((x, j) => {
    const se = (c.upper[j] - c.lower[j]) / (2 * Z);
    assert.ok(Math.abs(x.lower - c.lower[j]) < 0.02 * se && Math.abs(x.upper - c.upper[j]) < 0.02 * se, `${x.parameter}: [${x.lower}, ${x.upper}] vs [${c.lower[j]}, ${c.upper[j]}]`);
  });
});

const zip = refs.find((m) => m.id === "sal_zip")!;
for (const component of ["cond", "zi", "response"]) {
  test(`emmeans --specs spp --component ${component} on a ZIP as emmeans on glmmTMB`, () => {
    const r = glmm(...ziArgs(zip, "emmeans", "--specs", "spp", "--component", component, "--adjust", "none"));
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    const e = zip.emmeans.spp[component === "response" ? "response_by_hand" : component];
    const df = Array.isArray(e.df) ? e.df[0] : e.df;
    assert.deepEqual(d.means.map((x: { levels: { spp: string } }) => x.levels.spp), e.level);
    d.means.forEach((x: { estimate: number; se: number; df: number; lower: number }, i: number) => {
      assert.ok(Math.abs(x.estimate - e.emmean[i]) < 0.02 * e.SE[i], `${e.level[i]}: ${x.estimate} vs ${e.emmean[i]}`);
      assert.ok(rel(x.se, e.SE[i]) < 0.01, `${e.level[i]} SE: ${x.se} vs ${e.SE[i]}`);
      assert.equal(x.df, df);
      assert.ok(Math.abs(x.lower - e.lower[i]) < 0.03 * e.SE[i], `${e.level[i]} lower: ${x.lower} vs ${e.lower[i]}`);
    });
    if (!e.contrast) return;
    assert.equal(d.contrasts.length, e.contrast.length);
    d.contrasts.forEach((c: { contrast: string; estimate: number; p: number }, i: number) => {
      assert.equal(c.contrast, e.contrast![i]);
      assert.ok(Math.abs(c.estimate - e.contrast_estimate![i]) < 0.02 * e.contrast_SE![i], `${c.contrast}: ${c.estimate} vs ${e.contrast_estimate![i]}`);
      assert.ok(rel(c.p, e.contrast_p![i]) < 0.02, `${c.contrast} p: ${c.p} vs ${e.contrast_p![i]}`);
    });
  });
}

test("emmeans --specs spp on a ZIP with emmeans' default Tukey adjustment: p-values and limits as emmeans on glmmTMB (residual df)", () => {
  const r = glmm(...ziArgs(zip, "emmeans", "--specs", "spp"));
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  const e = zip.emmeans.spp.cond;
  assert.equal(d.adjust, "tukey");
  assert.equal(d.contrasts.length, e.contrast!.length);
  d.contrasts.forEach((c: { contrast: string; p: number; lower: number; upper: number }, i: number) => {
    assert.equal(c.contrast, e.contrast![i]);
    // measured: p within 0.4% (the fits differ by ~1e-4 of an SE), limits within 6e-4 SE
    assert.ok(Math.abs(c.p - e.contrast_p_tukey![i]) < 0.01 * e.contrast_p_tukey![i] + 1e-6, `${c.contrast} p: ${c.p} vs ${e.contrast_p_tukey![i]}`);
    assert.ok(Math.abs(c.lower - e.contrast_lower_tukey![i]) < 0.005 * e.contrast_SE![i], `${c.contrast} lower: ${c.lower} vs ${e.contrast_lower_tukey![i]}`);
    assert.ok(Math.abs(c.upper - e.contrast_upper_tukey![i]) < 0.005 * e.contrast_SE![i], `${c.contrast} upper: ${c.upper} vs ${e.contrast_upper_tukey![i]}`);
  });
});

test("hurdle NB2: predict --type response --se as glmmTMB's se.fit (the truncated mean's derivative in η, π and the NB size)", () => {
  const h = JSON.parse(readFileSync(join(root, "test/fixtures/reference/zi_downstream.json"), "utf8")).models.find((m: { id: string }) => m.id === "sal_hnb2_mined");
  const r = glmm(...ziArgs(h, "predict", "--type", "response", "--level", "population", "--se"));
  assert.equal(r.status, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  const want = h.se_population.response as { fit: number[]; se: number[] };
  for (let i = 0; i < 10; i++) {
    assert.ok(rel(d.prediction[i], want.fit[i]) < 1e-4, `row ${i + 1}: ${d.prediction[i]} vs ${want.fit[i]}`);
    assert.ok(rel(d.se_population[i], want.se[i]) < 0.01, `row ${i + 1} SE: ${d.se_population[i]} vs ${want.se[i]}`);
  }
});

test("the library: Model.predict's seResponse and Model.emmeans' component, as the CLI's", () => {
  const data = parseDelimited(readFileSync(join(root, "test/fixtures/data/salamanders.csv"), "utf8"));
  const m = fit(data, zip.args.formula, { family: "poisson", zi: zip.args.zi, refLevels: { spp: "GP", mined: "yes" } });
  const p = m.predict(null, { level: "population", type: "response" });
  const want = zip.se_population.response;
  for (let i = 0; i < 10; i++) assert.ok(rel(p.seResponse![i], want.se[i]) < 0.005, `row ${i + 1} SE: ${p.seResponse![i]} vs ${want.se[i]}`);
  const e = m.emmeans({ specs: ["mined"], component: "zi", adjust: "none" });
  const r = zip.emmeans.mined.zi;
  e.means.forEach((x, i) => assert.ok(Math.abs(x.estimate - r.emmean[i]) < 0.02 * r.SE[i], `${x.estimate} vs ${r.emmean[i]}`));
  assert.equal(e.component, "zi");
  assert.equal(e.dfMethod, "residual");
});
