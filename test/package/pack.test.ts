// The packed package works: `npm pack` (of the build `npm test` just made), installed into a new
// project as a user would, offline — the project's lockfile pins every dependency, so npm takes
// them from its cache — then the installed `glmm` bin (a fit, a plot, `de` on a 10x folder and an
// .h5ad file) and the library (fit, confint, predict, a plot spec rendered to SVG by vega).
// About 20–40 s, most of it npm.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkCsv, checkSvg } from "../docs/docs.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const data = (f: string) => join(root, "test", "fixtures", "data", f);
const sc = (f: string) => join(root, "test", "fixtures", "singlecell", f);
const tmp = mkdtempSync(join(tmpdir(), "glmm-pack-"));
const proj = join(tmp, "project");
after(() => rmSync(tmp, { recursive: true, force: true }));

function sh(cmd: string, args: string[], cwd: string, timeout = 300_000) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout, env: { ...process.env, npm_config_update_notifier: "false" } });
  return { status: r.status, out: r.stdout ?? "", err: (r.stderr ?? "") + (r.error ? String(r.error) : "") };
}

before(() => {
  // dist/ is built (npm test builds first); --ignore-scripts skips a second build by `prepare`
  const pack = sh("npm", ["pack", "--ignore-scripts", "--pack-destination", tmp], root);
  assert.equal(pack.status, 0, pack.err);
  const tgz = readdirSync(tmp).find((f) => f.endsWith(".tgz"))!;
  mkdirSync(proj);
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  const self = lock.packages[""];
  // the runtime dependencies exactly as this checkout's lockfile has them, glmm from the tarball
  const packages: Record<string, unknown> = {
    "": { name: "glmm-pack-test", version: "1.0.0", dependencies: { glmm: `file:../${tgz}` } },
    "node_modules/glmm": { version: self.version, resolved: `file:../${tgz}`, license: self.license, dependencies: self.dependencies, bin: self.bin, engines: self.engines },
  };
  for (const [k, v] of Object.entries(lock.packages as Record<string, { dev?: boolean; devOptional?: boolean }>)) {
    if (k && !v.dev && !v.devOptional) packages[k] = v;
  }
  writeFileSync(join(proj, "package.json"), JSON.stringify({ name: "glmm-pack-test", version: "1.0.0", private: true, type: "module", dependencies: { glmm: `file:../${tgz}` } }));
  writeFileSync(join(proj, "package-lock.json"), JSON.stringify({ name: "glmm-pack-test", version: "1.0.0", lockfileVersion: 3, requires: true, packages }));
  let inst = sh("npm", ["ci", "--offline", "--no-audit", "--no-fund"], proj);
  if (inst.status !== 0) {
    // a cache without these versions: let npm fetch what it lacks
    process.stderr.write(`pack test: offline install failed (${inst.err.split("\n")[0]}); retrying with --prefer-offline\n`);
    inst = sh("npm", ["ci", "--prefer-offline", "--no-audit", "--no-fund"], proj);
  }
  assert.equal(inst.status, 0, inst.err);
});

const bin = () => join(proj, "node_modules", ".bin", "glmm");

test("packed: the installed glmm bin fits, plots and runs de on a 10x folder and an .h5ad file", () => {
  const v = sh(bin(), ["--version"], proj);
  assert.equal(v.status, 0, v.err);
  const f = sh(bin(), ["fit", "--data", data("sleepstudy.csv"), "--formula", "Reaction ~ Days + (Days | Subject)"], proj);
  assert.equal(f.status, 0, f.err);
  assert.match(f.out, /REML criterion at convergence: 1743\.6/);
  const p = sh(bin(), ["plot", "--data", data("cbpp.csv"), "--family", "binomial", "--formula", "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", "--out", "plots"], proj);
  assert.equal(p.status, 0, p.err);
  for (const s of ["caterpillar.svg", "residuals.svg", "qq.svg"]) checkSvg(readFileSync(join(proj, "plots", s), "utf8"), s);
  const de = ["--cells", sc("cells.csv"), "--formula", "~ disease + (1 | patient)", "--offset", "log(total_umi)", "--quiet"];
  for (const [counts, out, genes] of [[sc("pbmc60"), "tenx.csv", 60], [sc("pbmc12.h5ad"), "h5ad.csv", 12]] as const) {
    const r = sh(bin(), ["de", "--counts", counts, ...de, "--out", out], proj);
    assert.equal(r.status, 0, `${counts}: ${r.err}`);
    const text = readFileSync(join(proj, out), "utf8");
    assert.deepEqual(checkCsv(text, ",", out).slice(0, 7), ["gene", "term", "estimate", "se", "statistic", "p", "padj"]);
    assert.equal(text.trim().split("\n").length, 1 + 2 * genes);
  }
});

test("packed: the library — fit, confint, predict, and a plot spec rendered to SVG", () => {
  const script = `
import { readFileSync } from "node:fs";
import { fit, fitModel, confint, predict, parseDelimited, fitPlotSpecs } from "glmm";
import * as vega from "vega";
import * as vl from "vega-lite";
const frame = parseDelimited(readFileSync(${JSON.stringify(data("sleepstudy.csv"))}, "utf8"), { source: "sleepstudy.csv" });
const f = "Reaction ~ Days + (Days | Subject)";
const res = fit(frame, f);
const m = fitModel(frame, f);
const ci = confint(m, { method: "profile", parm: ["Days"] });
const pr = predict(m, { level: "population" });
const spec = fitPlotSpecs(res).qq;
const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
const svg = await view.toSVG();
console.log(JSON.stringify({ logLik: res.json.logLik, ci: ci.rows[0], pred0: pr.fit[0], svg }));
`;
  writeFileSync(join(proj, "check.mjs"), script);
  const r = sh(process.execPath, ["check.mjs"], proj);
  assert.equal(r.status, 0, r.err);
  const o = JSON.parse(r.out);
  // lme4: REML logLik −871.8141; profile CI of Days 7.3587 to 13.5759; population prediction β₀
  assert.ok(Math.abs(o.logLik - -871.8141) < 1e-3, `logLik ${o.logLik}`);
  assert.ok(Math.abs(o.ci.lower - 7.358653) < 1e-3 && Math.abs(o.ci.upper - 13.575919) < 1e-3, JSON.stringify(o.ci));
  assert.ok(Math.abs(o.pred0 - 251.4051) < 1e-3, `prediction ${o.pred0}`);
  checkSvg(o.svg, "qq spec rendered in the installed package");
});
