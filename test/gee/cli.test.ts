// `glmm gee` command: JSON and text output, flags, one-line errors (run in-process, stdout captured).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { geeCommand, type GeeCommandOptions } from "../../src/cli/commands/gee.js";
import { UserError } from "../../src/errors.js";
import { root } from "./data.js";

const data = (f: string) => join(root, "test", "fixtures", "data", f);

async function capture(opts: GeeCommandOptions): Promise<string> {
  const write = process.stdout.write;
  let out = "";
  process.stdout.write = ((chunk: string) => { out += chunk; return true; }) as typeof process.stdout.write;
  try {
    await geeCommand(opts);
  } finally {
    process.stdout.write = write;
  }
  return out;
}

const cases = JSON.parse(readFileSync(join(root, "test/fixtures/reference/cases.json"), "utf8")).cases as any[];

test("--format json: one object with the contract's keys; respiratory clusters from --id center:id", async () => {
  const c = cases.find((x) => x.id === "gee_respiratory_exchangeable");
  const out = await capture({ data: data(c.data), formula: c.formula, family: c.family, id: "center:id", corstr: "exchangeable", format: "json" });
  assert.equal(out.trim().split("\n").length, 1);
  const j = JSON.parse(out);
  for (const k of ["fixef", "alpha", "scale", "nobs", "nclusters", "corstr", "family", "link", "converged", "warnings", "qic"]) assert.ok(k in j, k);
  assert.deepEqual(Object.keys(j.fixef[0]), ["term", "estimate", "se", "se_model", "statistic", "p"]);
  for (const f of j.fixef) {
    assert.ok(Math.abs(f.estimate - c.reference.coef[f.term]) < 1e-6 * Math.abs(c.reference.coef[f.term]));
    assert.ok(Math.abs(f.se - c.reference.se_robust[f.term]) < 1e-6 * c.reference.se_robust[f.term]);
  }
  assert.ok(Math.abs(j.alpha - c.reference.alpha.alpha) < 1e-8);
  assert.equal(j.nobs, 444);
  assert.equal(j.nclusters, 111);
  assert.equal(j.corstr, "exchangeable");
  assert.equal(j.family, "binomial");
  assert.equal(j.link, "logit");
  assert.equal(j.converged, true);
});

test("alpha is null for independence and an array for unstructured and mdep", async () => {
  const base = { data: data("ohio.csv"), formula: "resp ~ age + smoke", family: "binomial", id: "id", format: "json" };
  assert.equal(JSON.parse(await capture({ ...base, corstr: "independence" })).alpha, null);
  assert.equal(JSON.parse(await capture({ ...base, corstr: "unstructured" })).alpha.length, 6);
  const md = JSON.parse(await capture({ ...base, corstr: "mdep", mdep: "2" }));
  assert.equal(md.alpha.length, 2);
  const extra = JSON.parse(readFileSync(join(root, "test/fixtures/reference/gee_extra.json"), "utf8"));
  md.alpha.forEach((a: number, k: number) => assert.ok(Math.abs(a - extra.ohio_mdep2.alpha[k]) < 1e-8));
  // --std-err md reports the Mancl-DeRouen SE as se
  const m = JSON.parse(await capture({ ...base, corstr: "exchangeable", stdErr: "md" }));
  assert.equal(m.std_err, "md");
  m.fixef.forEach((f: any, j: number) => assert.ok(Math.abs(f.se - extra.ohio_exchangeable.se_md[f.term]) < 1e-6 * f.se, `${j}`));
});

test("--time orders rows within clusters and gives ar1 its lags", async () => {
  const base = { data: data("ohio.csv"), formula: "resp ~ age + smoke", family: "binomial", id: "id", corstr: "ar1", format: "json" };
  const a = JSON.parse(await capture(base));
  const b = JSON.parse(await capture({ ...base, time: "age" }));
  assert.ok(Math.abs(a.alpha - b.alpha) < 1e-12); // ohio is already in age order
});

test("text output follows geepack's summary layout", async () => {
  const out = await capture({ data: data("ohio.csv"), formula: "resp ~ age + smoke", family: "binomial", id: "id", corstr: "exchangeable", format: "text" });
  assert.match(out, /Estimate\s+Std\.err\s+Wald\s+Pr\(>\|W\|\)/);
  assert.match(out, /\(Intercept\)\s+-1\.8804\s+0\.11389\s+272\.60\s+<2e-16 \*\*\*/);
  assert.match(out, /Correlation structure = exchangeable/);
  assert.match(out, /Estimated Scale Parameters:[\s\S]*\(Intercept\)\s+0\.9985\s+0\.1116/);
  assert.match(out, /alpha\s+0\.3543\s+0\.06244/);
  assert.match(out, /Number of clusters:\s+537\s+Maximum cluster size: 4/);
});

test("user errors are one line", async () => {
  const base = { data: data("ohio.csv"), formula: "resp ~ age + smoke", family: "binomial", id: "id", corstr: "exchangeable", format: "json" };
  const rejects = async (o: Partial<GeeCommandOptions>, re: RegExp) =>
    assert.rejects(capture({ ...base, ...o }), (e: unknown) => e instanceof UserError && re.test(e.message) && !e.message.includes("\n"));
  await rejects({ formula: "resp ~ age + (1 | id)" }, /random-effect terms \(grouped by id\)/);
  await rejects({ id: "child" }, /column 'child' not found/);
  await rejects({ corstr: "toeplitz" }, /unknown --corstr 'toeplitz' \(use independence, exchangeable, ar1, unstructured, mdep\)/);
  await rejects({ stdErr: "jack" }, /unknown --std-err 'jack'/);
  await rejects({ format: "xml" }, /--format must be text or json/);
  await rejects({ time: "nope" }, /column 'nope' not found/);
  await rejects({ corstr: "ar1", time: "smoke" }, /time variable repeats within a cluster/);
});

test("weights option: prior weights reproduce geepack's weighted fit (dietox, offset from the formula)", async () => {
  const { writeFileSync, mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  // dietox with w = 1 + (row - 1) %% 3 and off = 0.5 Time, as in gee_extra.R
  const lines = readFileSync(data("dietox.csv"), "utf8").trim().split(/\r?\n/);
  const time = lines[0].split(",").findIndex((h) => h.replace(/"/g, "") === "Time");
  const out = [lines[0] + ",w,off", ...lines.slice(1).map((l, i) => `${l},${1 + (i % 3)},${0.5 * Number(l.split(",")[time])}`)];
  const file = join(mkdtempSync(join(tmpdir(), "gee-")), "dietox_w.csv");
  writeFileSync(file, out.join("\n") + "\n");
  const j = JSON.parse(await capture({ data: file, formula: "Weight ~ Time + Cu + offset(off)", family: "gaussian", id: "Pig", corstr: "exchangeable", weights: "w", format: "json" }));
  const e = JSON.parse(readFileSync(join(root, "test/fixtures/reference/gee_extra.json"), "utf8")).dietox_exch_weights_offset;
  j.fixef.forEach((f: any) => {
    assert.ok(Math.abs(f.estimate - e.coef[f.term]) < 1e-6 * Math.abs(e.coef[f.term]), f.term);
  });
  assert.ok(Math.abs(j.alpha - e.alpha) < 1e-8);
  assert.ok(Math.abs(j.scale - e.scale) < 1e-6 * e.scale);
});
