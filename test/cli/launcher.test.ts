// What a user runs: bin/glmm.js (the bundle, compiled from its code cache) for the paths that load
// packages lazily — vega for every plot, h5wasm for .h5ad counts — and the text output of fits
// that used to crash or mislead (separation, warnings, names).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkSvg } from "../docs/docs.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const data = (f: string) => join(root, "test", "fixtures", "data", f);
const sc = (f: string) => join(root, "test", "fixtures", "singlecell", f);
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { encoding: "utf8", timeout: 120_000 });
const tmp = mkdtempSync(join(tmpdir(), "glmm-launcher-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("fit --plot DIR: the summary and three SVGs (vega loaded through the launcher)", () => {
  const out = join(tmp, "fitplots");
  const r = glmm("fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (Days | Subject)", "--plot", out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /REML criterion at convergence: 1743\.6/);
  for (const f of ["caterpillar.svg", "residuals.svg", "qq.svg"]) checkSvg(readFileSync(join(out, f), "utf8"), f);
});

test("de --counts FILE.h5ad through the launcher: the same fits as the 10x directory it was made from", () => {
  const common = ["--cells", sc("cells.csv"), "--formula", "~ disease + (1 | patient)", "--offset", "log(total_umi)", "--quiet", "--threads", "1"];
  const a = glmm("de", "--counts", sc("pbmc12.h5ad"), ...common, "--out", join(tmp, "h5ad.csv"));
  assert.equal(a.status, 0, a.stderr);
  const b = glmm("de", "--counts", sc("pbmc60"), ...common, "--out", join(tmp, "tenx.csv"));
  assert.equal(b.status, 0, b.stderr);
  const rows = (f: string) => readFileSync(join(tmp, f), "utf8").trim().split("\n").map((l) => l.split(","));
  const h5 = rows("h5ad.csv"), tenx = rows("tenx.csv");
  assert.equal(h5.length, 1 + 2 * 12); // 12 genes × 2 terms
  const byKey = new Map(tenx.map((r) => [`${r[0]} ${r[1]}`, r]));
  for (const r of h5.slice(1)) {
    const t = byKey.get(`${r[0]} ${r[1]}`)!;
    // gene, term, estimate, se, statistic, p: identical (padj differs: 12 genes against 60)
    assert.deepEqual(r.slice(0, 6), t.slice(0, 6), r[0]);
  }
});

test("complete separation: the text summary prints NA, exit 0, the warning on stderr", () => {
  // y = 1 exactly when x > 3.2: no finite maximum likelihood estimate
  const file = join(tmp, "separated.csv");
  writeFileSync(file, "y,x,g\n0,1,a\n0,2,a\n0,3,b\n1,4,b\n1,5,c\n1,6,c\n0,1.5,d\n1,5.5,d\n0,2.5,e\n1,4.5,e\n");
  const r = glmm("fit", "--data", file, "--family", "binomial", "--formula", "y ~ x + (1 | g)");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^x\s+\S+\s+NA\s+NA\s+NA/m);
  assert.doesNotMatch(r.stdout, /warning/);
  assert.match(r.stderr, /^glmm: warning: .*separation/m);
});

test("warnings go to stderr once; stdout keeps the summary only", () => {
  const r = glmm("fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (1 | Subject) + (0 + Days | Subject)", "--ml");
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /warning|removed/);
  const missing = join(tmp, "missing.csv");
  const text = readFileSync(data("sleepstudy.csv"), "utf8").split("\n");
  text[3] = text[3].replace(/^[^,]*/, "NA");
  writeFileSync(missing, text.join("\n"));
  const m = glmm("fit", "--data", missing, "--formula", "Reaction ~ Days + (Days | Subject)");
  assert.equal(m.status, 0, m.stderr);
  assert.equal(m.stderr.match(/removed for missing values/g)?.length, 1, m.stderr);
  assert.doesNotMatch(m.stdout, /removed/);
});

test("the correlation of fixed effects names its rows in full, columns by unique abbreviations", () => {
  const r = glmm("fit", "--data", data("cbpp.csv"), "--family", "binomial", "--formula", "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)");
  assert.equal(r.status, 0, r.stderr);
  const table = r.stdout.slice(r.stdout.indexOf("Correlation of Fixed Effects:"));
  assert.match(table, /^\s+\(Intr\) fct\(\)2 fct\(\)3$/m);
  assert.match(table, /^factor\(period\)4 -0\.\d{3}\s+0\.\d{3}\s+0\.\d{3}$/m);
  // estimates and SEs share their decimals (R's printCoefmat)
  assert.match(r.stdout, /^\(Intercept\)\s+-1\.3985\s+0\.2313 /m);
});

test("glmm --version", () => {
  const r = glmm("--version");
  assert.equal(r.status, 0);
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  assert.equal(r.stdout.trim().split(" ")[1], pkg.version);
});

test("confint --out writes a profile that glmm plot --profile draws", () => {
  const csv = join(tmp, "profile.csv");
  const r = glmm("confint", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (Days | Subject)", "--parm", "sigma", "--out", csv);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /profile \[#+\] 100% 2\/2 limits/);
  const lines = readFileSync(csv, "utf8").trim().split("\n");
  assert.equal(lines[0], "parameter,value,zeta");
  const pts = lines.slice(1).map((l) => l.split(",")).map(([p, v, z]) => ({ p, v: Number(v), z: Number(z) }));
  assert.ok(pts.every((x) => x.p === "sigma") && pts.length >= 10, `${pts.length} points`);
  // ζ increases with σ, and reaches ±1.96 at lme4's limits 22.898 and 28.858
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i].z > pts[i - 1].z);
  const at = (z: number) => { const k = pts.findIndex((x) => x.z >= z); const a = pts[k - 1], b = pts[k]; return a.v + ((z - a.z) * (b.v - a.v)) / (b.z - a.z); };
  assert.ok(Math.abs(at(-1.959964) - 22.89827) < 0.01 && Math.abs(at(1.959964) - 28.858) < 0.01, `${at(-1.959964)} ${at(1.959964)}`);
  const p = glmm("plot", "--profile", csv, "--out", join(tmp, "profplot"));
  assert.equal(p.status, 0, p.stderr);
  checkSvg(readFileSync(join(tmp, "profplot", "profile.svg"), "utf8"), "profile.svg");
});

test("a ';'-separated file (a spreadsheet's CSV where the decimal mark is a comma) is read as such", () => {
  const file = join(tmp, "semicolons.csv");
  writeFileSync(file, readFileSync(data("sleepstudy.csv"), "utf8").replace(/,/g, ";"));
  const r = glmm("fit", "--data", file, "--formula", "Reaction ~ Days + (Days | Subject)");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /REML criterion at convergence: 1743\.6/);
});

test("a non-syntactic column name is printed without its backticks", () => {
  const file = join(tmp, "spaces.csv");
  writeFileSync(file, readFileSync(data("sleepstudy.csv"), "utf8").replace(/^"Reaction","Days"/, '"Reaction","my days"'));
  const f = "Reaction ~ `my days` + (`my days` | Subject)";
  for (const args of [["fit"], ["confint", "--method", "Wald"], ["fixef"]]) {
    const r = glmm(...args, "--data", file, "--formula", f);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^my days +10\.4/m, args[0]);
    assert.doesNotMatch(r.stdout.replace(/^Formula: .*$/m, ""), /`/, args[0]);
  }
});
