// Shared by the reliability tests: the real CLI as a child process (the bundled bin/glmm.js, as a
// user runs it), fixture paths, a small deterministic generator for edge-case data.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { Frame } from "../../src/data/frame.js";
import { UserError } from "../../src/errors.js";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const data = (f: string) => join(root, "test", "fixtures", "data", f);
export const bad = (f: string) => join(root, "test", "fixtures", "bad", f);

export interface Run { status: number | null; stdout: string; stderr: string; ms: number }

/** Run `glmm ...args` to completion (killed after `timeoutMs`, which fails the caller's checks). */
export function glmm(args: readonly string[], timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const p = spawn(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "", stderr = "";
    p.stdout.setEncoding("utf8").on("data", (s: string) => { stdout += s; });
    p.stderr.setEncoding("utf8").on("data", (s: string) => { stderr += s; });
    p.on("error", reject);
    p.on("close", (status) => resolve({ status, stdout, stderr, ms: Date.now() - t0 }));
  });
}

/**
 * A user error as the issue wants it: exit 1 (or 2 for commander's flag errors), nothing on
 * stdout, no stack trace, and the error is the last thing on stderr: one line `glmm: ...` naming
 * the problem — followed, for formula errors only, by the formula and a caret under the position.
 * Progress lines before it are allowed (bootstrap prints them while it works).
 */
export function assertUserError(r: Run, pattern: RegExp, what: string): void {
  const ctx = `${what}\n--- stderr:\n${r.stderr}\n--- stdout:\n${r.stdout.slice(0, 500)}`;
  assert.ok(r.status === 1 || r.status === 2, `exit status ${r.status} (want 1): ${ctx}`);
  assert.equal(r.stdout, "", `no output on stdout: ${ctx}`);
  assert.doesNotMatch(r.stderr, /\n\s+at .+[(:]\d+|internal error|Error: |node:internal/, `no stack trace: ${ctx}`);
  const lines = r.stderr.replace(/\n$/, "").split("\n");
  // warnings printed before the failure ("glmm: warning: ...") are fine; the error is the last "glmm:" line
  let at = -1;
  lines.forEach((l, i) => { if (/^(glmm|error): /.test(l) && !/^glmm: warning: /.test(l)) at = i; });
  assert.ok(at >= 0, `a 'glmm: ' error line: ${ctx}`);
  const rest = lines.slice(at + 1);
  if (/^glmm: formula: /.test(lines[at])) {
    assert.equal(rest.length, 2, `formula echo and caret: ${ctx}`);
    assert.ok(rest.every((l) => l.startsWith("  ")) && /^ *\^$/.test(rest[1]), `caret line: ${ctx}`);
  } else {
    assert.equal(rest.length, 0, `the error is one line, and the last: ${ctx}`);
  }
  assert.match(lines[at], pattern, ctx);
}

/** mulberry32: a small seeded generator for test data */
export function rng(seed: number): { u: () => number; normal: () => number; poisson: (lambda: number) => number } {
  let s = seed | 0;
  const u = () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(u() || 1e-300)) * Math.cos(2 * Math.PI * u());
  const poisson = (lambda: number) => {
    // inversion; only used with small means
    let k = 0, p = Math.exp(-lambda), c = p;
    const x = u();
    while (x > c && k < 1000) { k++; p *= lambda / k; c += p; }
    return k;
  };
  return { u, normal, poisson };
}

/** A Frame from named columns (numbers → numeric, strings → text). */
export function frameOf(cols: Record<string, ArrayLike<number> | readonly string[]>, source = "edge.csv"): Frame {
  const names = Object.keys(cols);
  const n = cols[names[0]].length;
  return new Frame(names.map((name) => {
    const v = cols[name];
    return typeof v[0] === "string"
      ? { kind: "text" as const, name, values: Array.from(v as readonly string[]) }
      : { kind: "numeric" as const, name, values: Float64Array.from(v as ArrayLike<number>) };
  }), n, source);
}

/** `f()` either returns or throws a one-line UserError; anything else fails the test. */
export function returnsOrUserError<T>(f: () => T, what: string): T | UserError {
  try {
    return f();
  } catch (e) {
    if (e instanceof UserError) return e;
    throw new Error(`${what}: threw ${(e as Error)?.name}: ${(e as Error)?.message}\n${(e as Error)?.stack}`);
  }
}
