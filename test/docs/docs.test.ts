// Docs are tests: every command line shown in README.md, docs/*.md and examples/*/cli.sh runs here,
// exactly as written, through bin/glmm.js (`glmm` on PATH is a two-line shim that runs it). Each
// command must exit 0 without an internal error; the files it writes must parse (SVG: well-formed
// XML with marks; CSV: a header and rows of as many fields); and every number of the output block
// the docs show after it must appear in what it printed. See docs.ts for what counts as a command
// and an output block.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkCsv, checkSvg, docBlocks, expectedColumns, numbersIn, type DocCommand } from "./docs.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "glmm-docs-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * A working directory that looks like the project root (bin, dist, node_modules, test, examples/data
 * linked; the example folders copied so that cli.sh's `cd ../..` lands here): what the commands write
 * stays out of the checkout.
 */
function sandbox(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(join(dir, "examples"), { recursive: true });
  for (const e of ["bin", "dist", "node_modules", "test", "package.json", "scripts", "docs", "workflow"]) symlinkSync(join(root, e), join(dir, e));
  symlinkSync(join(root, "examples", "data"), join(dir, "examples", "data"));
  copyFileSync(join(root, "examples", "lib.mjs"), join(dir, "examples", "lib.mjs"));
  for (const d of readdirSync(join(root, "examples")).filter((n) => /^\d\d-/.test(n))) {
    mkdirSync(join(dir, "examples", d));
    for (const f of readdirSync(join(root, "examples", d))) {
      if (!statSync(join(root, "examples", d, f)).isFile()) continue;
      copyFileSync(join(root, "examples", d, f), join(dir, "examples", d, f));
    }
  }
  // `glmm` as a user has it after `npm install -g`: the launcher
  mkdirSync(join(dir, ".bin"));
  writeFileSync(join(dir, ".bin", "glmm"), `#!/bin/sh\nexec "${process.execPath}" "${join(dir, "bin", "glmm.js")}" "$@"\n`);
  chmodSync(join(dir, ".bin", "glmm"), 0o755);
  return dir;
}

/** files under dir (not following the links to the checkout) with their modification times */
function snapshot(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isSymbolicLink() || e.name === ".bin") continue;
      if (e.isDirectory()) walk(p);
      else out.set(p, statSync(p).mtimeMs);
    }
  };
  walk(dir);
  return out;
}

async function run(dir: string, cmd: DocCommand): Promise<{ status: number | null; out: string; err: string; written: string[] }> {
  const before = snapshot(dir);
  const { status, out, err } = await new Promise<{ status: number | null; out: string; err: string }>((resolve, reject) => {
    const p = spawn("sh", ["-c", cmd.shell], {
      cwd: dir, timeout: 180_000, stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, PATH: `${join(dir, ".bin")}:${dirname(process.execPath)}:${process.env.PATH ?? ""}`, NO_COLOR: "1" },
    });
    let out = "", err = "";
    p.stdout.setEncoding("utf8").on("data", (s: string) => { out += s; });
    p.stderr.setEncoding("utf8").on("data", (s: string) => { err += s; });
    p.on("error", reject);
    p.on("close", (status) => resolve({ status, out, err }));
  });
  const after = snapshot(dir);
  const written = [...after].filter(([p, t]) => before.get(p) !== t).map(([p]) => p);
  return { status, out, err, written };
}

const sources = [
  "README.md",
  ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`),
  ...readdirSync(join(root, "examples")).filter((n) => /^\d\d-/.test(n)).sort().map((d) => `examples/${d}/cli.sh`),
];

test("the docs show commands (the parser finds them)", () => {
  let n = 0;
  for (const s of sources) n += docBlocks(readFileSync(join(root, s), "utf8"), s).commands.length;
  assert.ok(n >= 40, `${n} commands found`);
});

// the pages run side by side (each page's commands in order, in its own directory): the commands
// are single-threaded, and this keeps the test's time on a 2-core machine near half
describe("every documented command", { concurrency: Math.max(1, availableParallelism()) }, () => {
  for (const source of sources) {
    test(`docs: ${source}`, async () => {
      const { commands, outputs } = docBlocks(readFileSync(join(root, source), "utf8"), source);
      if (!commands.length) return;
      const dir = sandbox(source.replace(/[^\w.-]/g, "_"));
      const printed = new Map<number, string>();
      for (const cmd of commands) {
        const where = `${source}:${cmd.line}: ${cmd.shell}`;
        const r = await run(dir, cmd);
        const ctx = `${where}\n--- stderr:\n${r.err.slice(-2000)}\n--- stdout:\n${r.out.slice(0, 1500)}`;
        assert.equal(r.status, 0, `exit status ${r.status}: ${ctx}`);
        assert.doesNotMatch(r.err + r.out, /internal error|\n\s+at .+:\d+:\d+\)?\n/, `no internal error: ${ctx}`);
        for (const f of r.written) {
          const text = readFileSync(f, "utf8");
          const rel = relative(dir, f);
          if (f.endsWith(".svg")) checkSvg(text, `${where}: ${rel}`);
          else if (/\.(csv|tsv)$/.test(f)) {
            const header = checkCsv(text, f.endsWith(".tsv") ? "\t" : ",", `${where}: ${rel}`);
            const want = expectedColumns(cmd.shell);
            if (want) assert.deepEqual(header.slice(0, want.length), want, `${where}: the columns of ${rel}`);
          }
          else if (f.endsWith(".json")) JSON.parse(text);
        }
        for (const name of cmd.files) {
          assert.ok(r.written.some((f) => f.endsWith(`/${name}`) || relative(dir, f) === name), `${where}: writes ${name} (written: ${r.written.map((f) => relative(dir, f)).join(", ") || "nothing"})`);
        }
        printed.set(cmd.block, (printed.get(cmd.block) ?? "") + r.out + r.err);
      }
      const wrong: string[] = [];
      for (const o of outputs) {
        const got = printed.get(o.block);
        assert.ok(got !== undefined, `${source}:${o.line}: output block without its command`);
        const have = new Set(numbersIn(got, false));
        const missing = numbersIn(o.text, true).filter((x) => !have.has(x));
        if (missing.length) wrong.push(`${source}:${o.line}: the docs show ${missing.join(", ")}, which the command did not print; it printed:\n${got}`);
      }
      assert.deepEqual(wrong, [], wrong.join("\n\n"));
    });
  }
});
