// The library's user API (src/api, the package root): the Model object against lme4 (values from
// test/api/reference.R), the same model from every data form, the summary and JSON equal to the
// CLI's, options checked by name, and gee/meta/nma/de at the data level against their commands.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { de, fit, gee, meta, Model, nma, parseDelimited, toFrame, UserError } from "../../src/index.js";
import type { ArrowTableLike } from "../../src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const data = (f: string) => join(root, "test", "fixtures", "data", f);
const csv = (f: string) => parseDelimited(readFileSync(data(f), "utf8"), { source: f });
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
};
const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (tol ${tol})`);
const F = "Reaction ~ Days + (Days | Subject)";
const sleep = csv("sleepstudy.csv");
const m = fit(sleep, F, { dataName: "sleepstudy.csv" });

test("api: the LMM's accessors agree with lme4 (test/api/reference.R)", () => {
  assert.ok(m instanceof Model);
  assert.equal(m.kind, "lmm");
  close(m.fixef()["(Intercept)"], 251.4051048, 1e-4, "intercept");
  close(m.fixef().Days, 10.46728596, 1e-5, "Days");
  close(m.logLik(), -871.814136, 1e-4, "logLik");
  close(m.AIC(), 1755.628272, 1e-3, "AIC");
  close(m.BIC(), 1774.786013, 1e-3, "BIC");
  const vc = m.varCorr();
  assert.deepEqual(vc.map((r) => [r.grp, r.var1, r.var2]), [["Subject", "(Intercept)", null], ["Subject", "Days", null], ["Subject", "(Intercept)", "Days"], ["Residual", null, null]]);
  // variances to the optimizer's precision (lme4's own optimum differs in the 5th digit)
  [612.100158, 35.0717145, 9.604409, 654.940008].forEach((v, i) => close(vc[i].vcov, v, 2e-4 * Math.abs(v) + 0.02, `vcov row ${i}`));
  close(vc[2].sdcor, 0.06555124, 1e-3, "correlation");
  const re = m.ranef();
  assert.equal(re.length, 36);
  assert.deepEqual([re[0].grpvar, re[0].term, re[0].grp], ["Subject", "(Intercept)", "308"]);
  close(re[0].condval, 2.25855095, 1e-3, "condval 308");
  close(re[0].condsd, 12.07085695, 1e-3, "condsd 308");
  close(re[1].condval, -40.39873808, 1e-3, "condval 309");
  const V = m.vcov();
  assert.deepEqual(V.names, ["(Intercept)", "Days"]);
  close(Math.sqrt(V.values[1][1]), m.coef()[1].se, 1e-12, "vcov vs se");
  close(V.values[0][1], V.values[1][0], 1e-12, "symmetric");
  const r = m.residuals();
  [-4.103655798, -14.625217524, -42.195579249].forEach((v, i) => close(r[i], v, 1e-3, `residual ${i}`));
  close(m.fitted()[0] + r[0], 249.56, 1e-9, "fitted + residual = y");
});

test("api: predict — conditional, population with confidence intervals (emmeans' SE), new levels", () => {
  const nd = [{ Days: 0, Subject: "308" }, { Days: 5, Subject: "309" }];
  const cond = m.predict(nd);
  close(cond.fit[0], 253.6636558, 1e-3, "conditional 308");
  close(cond.fit[1], 220.2443935, 1e-3, "conditional 309");
  const pop = m.predict({ Days: [0, 5], Subject: ["308", "new"] }, { level: "population", interval: "confidence" });
  close(pop.fit[1], 303.7415346, 1e-4, "population at Days 5");
  close(pop.seLink[0], 6.824596695, 1e-3, "SE at Days 0");
  close(pop.seLink[1], 9.581277392, 1e-3, "SE at Days 5");
  close(pop.upper![1] - pop.fit[1], 1.959963984540054 * pop.seLink[1], 1e-9, "z interval");
  assert.deepEqual({ ...pop.newLevels }, { Subject: ["new"] });
  assert.throws(() => m.predict(nd, { level: "marginal", interval: "confidence" }), /intervals are for level "conditional" or "population", not "marginal"/);
  assert.throws(() => m.predict(nd, { levle: "population" } as never), /unknown option 'levle' \(did you mean 'level'\?\)/);
});

test("api: predict with interval — the four kinds of predict_intervals.R (seen and new subject), as the CLI's", () => {
  const ref = JSON.parse(readFileSync(join(root, "test", "fixtures", "reference", "predict_intervals.json"), "utf8")).lmm;
  for (const level of ["conditional", "population"] as const) {
    for (const interval of ["confidence", "prediction"] as const) {
      const r = m.predict(ref.newdata, { level, interval });
      const want = ref[`${level}_${interval}`];
      for (let k = 0; k < 2; k++) {
        close(r.fit[k], want.fit[k], 1e-3, `${level} ${interval} fit ${k}`);
        close(r.lower![k], want.lower[k], 1e-3, `${level} ${interval} lower ${k}`);
        close(r.upper![k], want.upper[k], 1e-3, `${level} ${interval} upper ${k}`);
      }
    }
  }
});

test("api: the same model from rows, columns, an Arrow-like table and a Frame", () => {
  const cols = { Reaction: sleep.column("Reaction").values as Float64Array, Days: Array.from(sleep.column("Days").values as Float64Array), Subject: Array.from(sleep.column("Subject").values as ArrayLike<unknown>, String) };
  const rows = cols.Days.map((d, i) => ({ Reaction: cols.Reaction[i], Days: d, Subject: cols.Subject[i] }));
  // the duck-typed Arrow surface; Days has a null (Arrow's typed array holds 0 there), read through get()
  const withNull = Float64Array.from(cols.Days);
  const arrow: ArrowTableLike = {
    numRows: rows.length,
    schema: { fields: [{ name: "Reaction" }, { name: "Days" }, { name: "Subject" }] },
    getChild: (name: string) => name === "Days"
      ? { toArray: () => withNull, nullCount: 1, get: (i: number) => (i === 3 ? null : withNull[i]) }
      : { toArray: () => (cols as Record<string, ArrayLike<unknown>>)[name] },
  };
  const ref = m.fixef();
  for (const [what, d] of [["rows", rows], ["columns", cols]] as const) {
    const f = fit(d, F).fixef();
    close(f.Days, ref.Days, 1e-8, what);
  }
  const a = fit(arrow, F);
  assert.equal(a.nobs(), 179, "the null Days row is dropped");
  assert.match(a.warnings.join("\n"), /1 row removed for missing values in: Days/);
  assert.equal(toFrame(sleep), sleep);
  assert.equal(toFrame([{ x: true, y: 1n }]).column("x").values[0], "TRUE");
  assert.throws(() => toFrame({ a: [1, 2], b: [1] }), /column 'b' has 1 values, column 'a' has 2/);
  assert.throws(() => fit([{ y: 1, g: { nested: 1 } }] as never, "y ~ 1"), /column 'g' row 1 holds object/);
});

test("api: summary() is the CLI's text; toJSON() is its JSON", () => {
  const s = m.summary();
  const text = cli(["fit", "--data", data("sleepstudy.csv"), "--formula", F]);
  assert.equal(s.text, text);
  assert.equal(String(s), text);
  assert.equal(s.method, "REML");
  assert.deepEqual(s.groups, { Subject: 18 });
  close(s.coefficients[1].df!, 17, 1e-3, "Satterthwaite df");
  const json = JSON.parse(cli(["fit", "--data", data("sleepstudy.csv"), "--formula", F, "--format", "json"]));
  assert.deepEqual(JSON.parse(JSON.stringify(m)), json);
});

test("api: options are checked by name; the CLI's names are accepted", () => {
  const cbpp = csv("cbpp.csv");
  const f = "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)";
  const a = fit(cbpp, f, { family: "binomial", nagq: 5, ref: ["period=1"] } as never);
  const b = fit(cbpp, f, { family: "binomial", nAGQ: 5 });
  assert.equal(a.summary().method, b.summary().method);
  assert.match(a.summary().text, /nAGQ = 5/);
  close(a.logLik(), b.logLik(), 1e-9, "nagq alias");
  const j = JSON.parse(cli(["fit", "--data", data("cbpp.csv"), "--family", "binomial", "--formula", f, "--nagq", "5", "--ref", "period=1", "--format", "json"]));
  close(a.logLik(), j.logLik, 1e-9, "glmm fit --nagq 5");
  assert.throws(() => fit(cbpp, f, { family: "binomial", nAGG: 5 } as never), (e: unknown) => e instanceof UserError && /unknown option 'nAGG' \(did you mean 'nAGQ'\?\)/.test(e.message));
  assert.throws(() => fit(cbpp, f, { family: "binomail" } as never), /unknown family 'binomail'/);
  assert.throws(() => fit(cbpp, f, { ddf: "kr" } as never), /ddf must be one of satterthwaite, kenward-roger, none/);
  assert.throws(() => fit(cbpp, 42 as never), /the formula must be a string/);
  assert.throws(() => gee(cbpp, "incidence ~ period", {} as never), /cluster column is required/);
});

test("api: a GLM (no random effects), a GEE, meta and nma agree with their commands", () => {
  const lm = fit(sleep, "Reaction ~ Days");
  assert.equal(lm.kind, "glm");
  assert.throws(() => lm.ranef(), /needs a mixed model/);
  const ci = lm.confint();
  assert.equal(ci.method, "Wald");
  const p = lm.predict({ Days: [2] }, { interval: "confidence" });
  close(p.fit[0], 251.4051 + 2 * 10.46729, 1e-3, "lm prediction");
  const ohio = csv("ohio.csv");
  const g = gee(ohio, "resp ~ age + smoke", { family: "binomial", id: "id", corstr: "exchangeable" });
  const gj = JSON.parse(cli(["gee", "--data", data("ohio.csv"), "--formula", "resp ~ age + smoke", "--family", "binomial", "--id", "id", "--corstr", "exchangeable", "--format", "json"]));
  assert.deepEqual(JSON.parse(JSON.stringify(g.toJSON())), gj);
  assert.equal(g.summary().text, cli(["gee", "--data", data("ohio.csv"), "--formula", "resp ~ age + smoke", "--family", "binomial", "--id", "id", "--corstr", "exchangeable"]).replace(/\n$/, "\n"));
  assert.throws(() => g.logLik(), /a GEE has no likelihood/);
  assert.throws(() => gee(ohio, "resp ~ age", { id: "id", corstr: "exchangable" as never }), /unknown corstr 'exchangable'/);
  const mt = meta(csv("bcg.csv"), { ai: "tpos", bi: "tneg", ci: "cpos", di: "cneg", dataName: "bcg.csv" });
  assert.equal(mt.summary() + "\n", cli(["meta", "--data", data("bcg.csv"), "--ai", "tpos", "--bi", "tneg", "--ci", "cpos", "--di", "cneg"]));
  const nm = nma(csv("hasselblad1998.csv"), { study: "study", treatment: "trt", events: "xi", n: "ni", dataName: "hasselblad1998.csv" });
  assert.equal(nm.summary() + "\n", cli(["nma", "--data", data("hasselblad1998.csv"), "--study", "study", "--treatment", "trt", "--events", "xi", "--n", "ni"]));
  assert.match(nm.networkSVG(), /^<\?xml|^<svg/);
});

test("api: de() on arrays, CSR and CSC equals `glmm de` on the 10x folder", () => {
  const sc = join(root, "test", "fixtures", "singlecell");
  const lines = gunzipSync(readFileSync(join(sc, "pbmc60", "matrix.mtx.gz"))).toString("utf8").split("\n").filter((l) => l && !l.startsWith("%"));
  const [ng, nc] = lines[0].split(/\s+/).map(Number);
  const genes = readFileSync(join(sc, "pbmc60", "features.tsv"), "utf8").trim().split("\n").map((l) => l.split("\t")[0]);
  const barcodes = readFileSync(join(sc, "pbmc60", "barcodes.tsv"), "utf8").trim().split("\n");
  const dense = Array.from({ length: ng }, () => new Float64Array(nc));
  for (const l of lines.slice(1)) { const [g, c, v] = l.split(/\s+/).map(Number); dense[g - 1][c - 1] = v; }
  // the cell table in the matrix's column order
  const cells = csv("../singlecell/cells.csv");
  const rowOf = new Map((cells.column("barcode").values as string[]).map((b, i) => [b, i]));
  const cols = Object.fromEntries(cells.names.map((n) => [n, barcodes.map((b) => cells.column(n).values[rowOf.get(b)!])]));
  const csr = { format: "csr" as const, shape: [ng, nc] as const, indptr: [0], indices: [] as number[], data: [] as number[] };
  dense.forEach((row) => { row.forEach((v, c) => { if (v) { csr.indices.push(c); csr.data.push(v); } }); csr.indptr.push(csr.data.length); });
  const csc = { format: "csc" as const, shape: [ng, nc] as const, indptr: [0], indices: [] as number[], data: [] as number[] };
  for (let c = 0; c < nc; c++) { for (let g = 0; g < ng; g++) if (dense[g][c]) { csc.indices.push(g); csc.data.push(dense[g][c]); } csc.indptr.push(csc.data.length); }
  const opts = { genes, offset: "log(total_umi)" };
  const f = "~ disease + (1 | patient)";
  const a = de(cols, dense, f, opts);
  assert.deepEqual(de(cols, csr, f, opts), a);
  assert.deepEqual(de(cols, csc, f, opts), a);
  const tmp = mkdtempSync(join(tmpdir(), "glmm-api-de-"));
  try {
    cli(["de", "--counts", join(sc, "pbmc60"), "--cells", join(sc, "cells.csv"), "--formula", f, "--offset", "log(total_umi)", "--quiet", "--threads", "1", "--out", join(tmp, "de.csv")]);
    const out = parseDelimited(readFileSync(join(tmp, "de.csv"), "utf8"), { source: "de.csv" });
    assert.equal(out.nrow, a.length);
    const est = out.column("estimate").values as Float64Array, padj = out.column("padj").values as Float64Array;
    a.forEach((r, i) => {
      assert.equal(r.gene, out.column("gene").values[i]);
      if (Number.isFinite(r.estimate)) close(r.estimate, est[i], 1e-12 * (1 + Math.abs(est[i])), `estimate row ${i}`);
      if (Number.isFinite(r.padj)) close(r.padj, padj[i], 1e-12, `padj row ${i}`);
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  assert.throws(() => de(cols, dense.slice(0, 2).map((r) => r.slice(1)), f), /gene 1 has 2999 counts; the cell table has 3000 rows/);
});

test("api: a missing optional package is a one-line message saying what to install", async () => {
  const { optionalImport } = await import("../../src/report/optional.js");
  const missing = () => Promise.reject(Object.assign(new Error("Cannot find package 'vega'"), { code: "ERR_MODULE_NOT_FOUND" }));
  await assert.rejects(optionalImport("vega", missing), (e: unknown) => e instanceof UserError && e.message === "install vega and vega-lite to draw plots (npm install vega vega-lite)");
  await assert.rejects(optionalImport("h5wasm/node", missing), /install h5wasm to read \.h5ad files/);
  // other failures pass through unchanged
  await assert.rejects(optionalImport("vega", () => Promise.reject(new SyntaxError("bad"))), SyntaxError);
});
