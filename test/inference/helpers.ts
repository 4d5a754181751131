// Shared fixtures for the inference tests: data frames and the R reference values.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFrameFile } from "../../src/cli/io.js";
import type { Frame } from "../../src/data/frame.js";

const here = dirname(fileURLToPath(import.meta.url));
export const fixtures = join(here, "..", "..", "..", "test", "fixtures");

const frames = new Map<string, Frame>();
export function data(name: string): Frame {
  let f = frames.get(name);
  if (!f) { f = readFrameFile(join(fixtures, "data", name)); frames.set(name, f); }
  return f;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function reference(file = "inference.json"): any {
  return JSON.parse(readFileSync(join(fixtures, "reference", file), "utf8"));
}

/** |a − b| ≤ rel·|b| */
export function relClose(a: number, b: number, rel: number): boolean {
  return Math.abs(a - b) <= rel * Math.abs(b);
}

// Satterthwaite references are held at lmerTest's own numerical precision (its Hessian and
// Jacobian by numDeriv's Richardson extrapolation): we agree to ≤ 6.3e-5 in df and ≤ 2.3e-5 in t on
// every reference; a p-value of 1e-18 magnifies that, so p is held on the log scale.
export const DF_TOL = 1e-4, T_TOL = 5e-5, LOGP_TOL = 1e-4;
export const logClose = (p: number, want: number): boolean => Math.abs(Math.log(p) - Math.log(want)) <= LOGP_TOL * Math.max(1, Math.abs(Math.log(want)));

/** A CSV in a fresh temporary folder from rows of a reference (new data for the CLI); returns its path. */
export function tempCsv(name: string, rows: Record<string, unknown>[]): string {
  const cols = Object.keys(rows[0]);
  const file = join(mkdtempSync(join(tmpdir(), "glmm-test-")), name);
  writeFileSync(file, [cols.join(","), ...rows.map((r) => cols.map((c) => String(r[c])).join(","))].join("\n") + "\n");
  return file;
}
