// The packed package works: `npm pack` (of the build `npm test` just made), installed into a new
// project as a user would, offline — the project's lockfile pins every dependency, so npm takes
// them from its cache — then the installed `glmm` bin (a fit, a plot, `de` on a 10x folder and an
// .h5ad file) and the library: the README's snippets as they are, CommonJS's message, a subpath.
// About 20–40 s, most of it npm.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkCsv, checkSvg, numbersIn } from "../docs/docs.js";
import { jsSnippets } from "../docs/snippets.js";

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
  // dist/ is built (npm test builds first); --ignore-scripts skips a second build by `prepare`. A
  // tsc-only build leaves the @stdlib re-exports unbundled: bundle them (idempotent) before packing.
  assert.equal(sh(process.execPath, ["scripts/vendor-stdlib.mjs"], root).status, 0);
  const pack = sh("npm", ["pack", "--ignore-scripts", "--pack-destination", tmp], root);
  assert.equal(pack.status, 0, pack.err);
  const tgz = readdirSync(tmp).find((f) => f.endsWith(".tgz"))!;
  mkdirSync(proj);
  const lock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  const self = lock.packages[""];
  // the runtime dependencies exactly as this checkout's lockfile has them, glmm from the tarball
  const packages: Record<string, unknown> = {
    "": { name: "glmm-pack-test", version: "1.0.0", dependencies: { glmm: `file:../${tgz}` } },
    "node_modules/glmm": { version: self.version, resolved: `file:../${tgz}`, license: self.license, dependencies: self.dependencies, optionalDependencies: self.optionalDependencies, bin: self.bin, engines: self.engines },
  };
  for (const [k, v] of Object.entries(lock.packages as Record<string, { dev?: boolean; devOptional?: boolean }>)) {
    // devOptional ones are needed by an optional dependency as well (vega-lite's @types/estree)
    if (k && !v.dev) packages[k] = v;
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

test("packed: the README's library snippets run in the installed package; require() says ESM only", () => {
  for (const f of ["sleepstudy.csv", "ohio.csv"]) copyFileSync(data(f), join(proj, f));
  const readme = readFileSync(join(proj, "node_modules", "glmm", "README.md"), "utf8");
  const snippets = jsSnippets(readme);
  assert.ok(snippets.length >= 4, `${snippets.length} snippets`);
  snippets.forEach((s, k) => {
    writeFileSync(join(proj, `snippet${k}.mjs`), s.code);
    const r = sh(process.execPath, [`snippet${k}.mjs`], proj);
    assert.equal(r.status, 0, `README.md:${s.line}: ${r.err}`);
    if (s.output !== null) {
      const have = new Set(numbersIn(r.out, false));
      assert.deepEqual(numbersIn(s.output, true).filter((x) => !have.has(x)), [], `README.md:${s.line} printed:\n${r.out}`);
    }
  });
  checkSvg(readFileSync(join(proj, "caterpillar.svg"), "utf8"), "the README's plotSVG in the installed package");
  writeFileSync(join(proj, "check.cjs"), 'require("glmm");');
  const cjs = sh(process.execPath, ["check.cjs"], proj);
  assert.notEqual(cjs.status, 0);
  assert.match(cjs.err, /glmm is ESM only: use import/);
  // a subpath resolves, with its types beside it
  writeFileSync(join(proj, "sub.mjs"), 'import { parseFormula } from "glmm/formula"; console.log(parseFormula("y ~ x + (1 | g)").text);');
  assert.equal(sh(process.execPath, ["sub.mjs"], proj).out.trim(), "y ~ x + (1 | g)");
});
