// Mutation testing, one source change at a time (not in CI: CPU heavy).
//   npm run mutate -- src/families/link.ts [--tests dist/test/a.test.js,...] [--sample N] [--only LINE]
// Each mutant changes one operator, constant or call in the TypeScript source, is rebuilt
// (that one module, transpiled into a private copy of dist/ under .mutate/) and the relevant tests
// rerun there; a mutant is killed when a test fails (or times out). Survivors are listed with their
// line so they can be judged: a test is missing, or the mutant is equivalent (same behaviour).
// Run `npx tsc -p tsconfig.json` first: the copy is taken from dist/.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const testsArg = opt("--tests");
const sample = Number(opt("--sample") ?? 0);
const only = opt("--only");
const timeoutMs = Number(opt("--timeout") ?? 120) * 1000;
const file = args[0];
if (!file || !file.startsWith("src/") || !file.endsWith(".ts")) {
  console.error("usage: npm run mutate -- src/<module>.ts [--tests dist/test/x.test.js,...] [--sample N] [--only LINE] [--timeout S]");
  process.exit(2);
}

// the tests that exercise each module (targeted: the machine is shared)
const TESTS = {
  "src/families/link.ts": ["families/link.test.js", "glm/glm.test.js"],
  "src/families/family.ts": ["families/link.test.js", "glm/glm.test.js"],
  "src/families/kernels.ts": ["families/link.test.js", "glmm/extra.test.js", "glmm/robustness.test.js"],
  "src/inference/satterthwaite.ts": ["inference/satterthwaite.test.js", "inference/extra.test.js"],
  "src/gee/variance.ts": ["gee/reference.test.js"],
  "src/singlecell/results.ts": ["singlecell/results.test.js", "hostile/de-merge.test.js"],
  // the LMM unit tests and the CLI (the conformance cases cover it too, at ten times the cost)
  "src/lmm/system.ts": ["lmm/lmm.test.js", "lmm/vector-gradient.test.js", "cli/cli.test.js", "covariance/phylo.test.js", "covariance/sparse-tree.test.js"],
};
const tests = (testsArg ? testsArg.split(",") : (TESTS[file] ?? []).map((t) => `dist/test/${t}`)).filter(Boolean);
if (tests.length === 0) {
  console.error(`no tests known for ${file}: pass --tests dist/test/<file>.test.js,...`);
  process.exit(2);
}

// ---- the mutants: one textual change each, outside comments and string literals
const OPERATORS = [
  [" + ", " - "], [" - ", " + "], [" * ", " / "], [" / ", " * "],
  [" < ", " <= "], [" <= ", " < "], [" > ", " >= "], [" >= ", " > "],
  [" === ", " !== "], [" !== ", " === "], [" && ", " || "], [" || ", " && "],
  ["Math.max(", "Math.min("], ["Math.min(", "Math.max("], ["Math.log1p(", "Math.log("], ["Math.expm1(", "Math.exp("],
  ["Math.sqrt(", "("], ["Math.abs(", "("], ["++", "--"],
];
const source = readFileSync(join(root, file), "utf8");
const lines = source.split("\n");

/** positions of code (not comment, not string) on a line; block comments tracked across lines */
let inBlock = false;
function codeMask(line) {
  const mask = new Array(line.length).fill(false);
  let quote = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i], two = line.slice(i, i + 2);
    if (inBlock) { if (two === "*/") { inBlock = false; i++; } continue; }
    if (quote) { if (c === "\\") { i++; continue; } if (c === quote) quote = null; continue; }
    if (two === "//") break;
    if (two === "/*") { inBlock = true; i++; continue; }
    if (c === '"' || c === "'" || c === "`") { quote = c; continue; }
    mask[i] = true;
  }
  return mask;
}

const mutants = [];
lines.forEach((line, li) => {
  const mask = codeMask(line);
  const trimmed = line.trim();
  if (/^(import|export type|export \{|type |interface )/.test(trimmed) || /^readonly /.test(trimmed)) return;
  if (/^\s*(readonly )?\w+\??: /.test(line) && !line.includes("=")) return; // interface members
  for (const [from, to] of OPERATORS) {
    for (let at = line.indexOf(from); at >= 0; at = line.indexOf(from, at + 1)) {
      if (!mask[at] || !mask[at + from.length - 1]) continue;
      if (from === " < " && /\w<\w/.test(line.slice(at - 1, at + 3))) continue;
      mutants.push({ line: li + 1, what: `${from.trim()} → ${to.trim()}`, text: line.slice(0, at) + to + line.slice(at + from.length) });
    }
  }
  // numeric constants: scaled by 10 (tolerances, thresholds), integers ± 1
  for (const m of line.matchAll(/(?<![\w.])(\d+(?:\.\d+)?(?:e-?\d+)?)(?![\w.])/g)) {
    if (!mask[m.index]) continue;
    const v = Number(m[1]);
    if (!Number.isFinite(v)) continue;
    const repl = /e|\./.test(m[1]) ? String(v * 10) : String(v + 1);
    mutants.push({ line: li + 1, what: `${m[1]} → ${repl}`, text: line.slice(0, m.index) + repl + line.slice(m.index + m[1].length) });
  }
  // a guard removed: `if (…) throw …;` and `if (…) return …;` lines
  if (/^if \(.*\) (throw|return) .*;$/.test(trimmed)) mutants.push({ line: li + 1, what: "guard deleted", text: "" });
  // a unary minus dropped
  for (const m of line.matchAll(/([(=,:?] |return )-(?=[\w(])/g)) {
    const at = m.index + m[0].length - 1;
    if (mask[at]) mutants.push({ line: li + 1, what: "unary − dropped", text: line.slice(0, at) + line.slice(at + 1) });
  }
});

let chosen = only ? mutants.filter((m) => String(m.line) === only) : mutants;
if (sample > 0 && chosen.length > sample) {
  const step = chosen.length / sample;
  chosen = Array.from({ length: sample }, (_, k) => chosen[Math.floor(k * step)]);
}

// ---- a private copy of dist/ (tests find fixtures via ../test and packages via node_modules)
const work = join(root, ".mutate");
rmSync(work, { recursive: true, force: true });
mkdirSync(work);
cpSync(join(root, "dist"), join(work, "dist"), { recursive: true });
symlinkSync(join(root, "test"), join(work, "test"));
symlinkSync(join(root, "node_modules"), join(work, "node_modules"));
// bin/ is copied, not linked: the launcher finds the bundle next to itself, and a link would resolve
// to the real checkout's unmutated bundle
cpSync(join(root, "bin"), join(work, "bin"), { recursive: true });
rmSync(join(work, "dist", "bundle", "glmm-cli.cjs.cache"), { force: true });
writeFileSync(join(work, "package.json"), readFileSync(join(root, "package.json")));
const outJs = join(work, "dist", file.replace(/\.ts$/, ".js"));
if (!existsSync(outJs)) { console.error(`${relative(root, outJs)} not found: build first (npx tsc -p tsconfig.json)`); process.exit(2); }
const originalJs = readFileSync(outJs, "utf8");
const compile = (src) => ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }, fileName: file }).outputText;

// CLI tests run bin/glmm.js, which loads the esbuild bundle of dist/src: rebundle each mutant
const cliTests = tests.some((t) => /\/(cli|hostile|docs|package)\/|singlecell\/(cli|workflow)/.test(t));
function rebundle() {
  if (!cliTests) return;
  const r = spawnSync(process.execPath, [join(root, "scripts", "bundle.mjs")], { cwd: work, encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
}

function runTests() {
  const r = spawnSync(process.execPath, ["--test", "--test-reporter=dot", ...tests.map((t) => join(work, t))], { cwd: work, timeout: timeoutMs, encoding: "utf8" });
  return r.status === 0 ? "survived" : r.error ? "killed (timeout)" : "killed";
}

console.log(`${file}: ${chosen.length} mutants (${mutants.length} generated); tests: ${tests.join(" ")}`);
// the unmutated module must pass
writeFileSync(outJs, compile(source));
rebundle();
if (runTests() !== "survived") { console.error("the tests fail without any mutation: fix them first"); process.exit(1); }
let killed = 0;
const survivors = [];
try {
  for (const [k, m] of chosen.entries()) {
    const mutated = lines.map((l, i) => (i === m.line - 1 ? m.text : l)).join("\n");
    let outcome;
    try { writeFileSync(outJs, compile(mutated)); rebundle(); outcome = runTests(); } catch { outcome = "killed (does not compile)"; }
    if (outcome.startsWith("killed")) killed++;
    else survivors.push(m);
    console.log(`[${k + 1}/${chosen.length}] line ${m.line}: ${m.what} — ${outcome}`);
  }
} finally {
  writeFileSync(outJs, originalJs);
}
console.log(`\n${file}: ${killed}/${chosen.length} killed (${((100 * killed) / Math.max(1, chosen.length)).toFixed(0)}%)`);
for (const m of survivors) console.log(`  survived: line ${m.line}: ${m.what}\n      ${lines[m.line - 1].trim()}`);
rmSync(work, { recursive: true, force: true });
