// Shared helpers for the covariance tests: fixture paths, loading, a tolerance check.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { parseDelimited } from "../../src/data/csv.js";
import type { Frame } from "../../src/data/frame.js";

// compiled to dist/test/covariance/: the project root is three levels up
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const dataPath = (name: string) => join(root, "test", "fixtures", "data", name);
export const readData = (name: string) => readFileSync(dataPath(name), "utf8");
export const frame = (name: string): Frame => parseDelimited(readData(name), { source: name });
export const reference = <T = any>(name: string): T => JSON.parse(readFileSync(join(root, "test", "fixtures", "reference", name), "utf8")) as T;

export function near(got: number, want: number, tol: number, what: string): void {
  assert.ok(Number.isFinite(got) && Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} ± ${tol}`);
}

/** assert.throws with a UserError whose message matches every pattern */
export function throwsUser(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: Error) => {
    assert.equal(e.name, "UserError", `not a UserError: ${e.stack}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}
