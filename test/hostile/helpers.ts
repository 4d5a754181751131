// Shared by the hostile-input suite: run bin/glmm.js as a user does, in a scratch directory, and
// check what every hostile case must hold — the exit code, one line on stderr that names the
// problem, inputs untouched and no partial or stray file left behind.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after } from "node:test";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const bin = join(root, "bin", "glmm.js");
export const fixture = (f: string) => join(root, "test", "fixtures", "data", f);

export interface Run { status: number | null; stdout: string; stderr: string }

/** Run the CLI in `cwd`. */
export function glmm(cwd: string, ...args: string[]): Run {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8", maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh scratch directory, removed after the file's tests. */
export function scratch(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `glmm-hostile-${prefix}-`));
  after(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Every entry under `dir` (recursively) with a digest of its content (or link target). */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name), r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(r, `link:${readlinkSync(p)}`);
      else if (st.isDirectory()) { out.set(r, "dir"); walk(p, r); }
      else out.set(r, createHash("sha256").update(readFileSync(p)).digest("hex"));
    }
  };
  walk(dir, "");
  return out;
}

/**
 * Assert a refusal: exit code 1, nothing on stdout, exactly one stderr line matching `message`
 * (besides notes), no stack trace, and `dir` exactly as before (no output, no temporary file).
 */
export function assertRefused(r: Run, message: RegExp, dir: string, before: Map<string, string>, status = 1): void {
  assert.equal(r.status, status, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, "", "nothing on stdout");
  const lines = r.stderr.split("\n").filter((l) => l !== "" && !/^glmm: note: /.test(l));
  assert.equal(lines.length, 1, `one line on stderr, got: ${r.stderr}`);
  assert.match(lines[0], message);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  assert.deepEqual([...snapshot(dir)], [...before], "the directory is unchanged (inputs untouched, nothing written)");
}

/** Write `files` into `dir`; returns the snapshot after writing them. */
export function setup(dir: string, files: Record<string, string>): Map<string, string> {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return snapshot(dir);
}

/** A small LMM data set: y depends on x; 8 groups. Deterministic. */
export function smallData(n = 48, odd?: { row: number; column: "x" | "y"; token: string }): string {
  const lines = ["y,x,g"];
  for (let i = 0; i < n; i++) {
    const x = (i % 12) + 1;
    const y = (2 + 0.5 * x + Math.sin(i * 1.7) + (i % 8) * 0.3).toFixed(3);
    let xs = String(x), ys = y;
    if (odd && odd.row === i + 1) { if (odd.column === "x") xs = odd.token; else ys = odd.token; }
    lines.push(`${ys},${xs},g${i % 8}`);
  }
  return lines.join("\n") + "\n";
}
