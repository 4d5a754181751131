// Shared helpers of the family tests that run the CLI (bin/glmm.js) on fixtures and compare with R.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
/** a fixture data file's path */
export const data = (f: string) => join(root, "test", "fixtures", "data", f);
/** run bin/glmm.js with these arguments */
export const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { encoding: "utf8" });
/** a reference JSON of test/fixtures/reference */
export const reference = (name: string) => JSON.parse(readFileSync(join(root, "test", "fixtures", "reference", name), "utf8"));

/** a coefficient as the CLI's JSON (`term` or `name`) or the reference gives it */
export interface Coef { term?: string; name?: string; estimate: number; se: number }

/** `glmm fit --format json` of a fixture, asserting success */
export function fitJSON(file: string, formula: string, family: string, ...more: string[]) {
  const r = glmm("fit", "--data", data(file), "--formula", formula, "--family", family, "--format", "json", ...more);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** estimates within 2% of the reference SE, SEs within 2%, in the same order and names */
export function compareCoefs(got: Coef[], want: Coef[], what: string): void {
  assert.equal(got.length, want.length, what);
  got.forEach((g, k) => {
    const w = want[k];
    assert.equal(g.term ?? g.name, w.term, what);
    assert.ok(Math.abs(g.estimate - w.estimate) <= 0.02 * w.se, `${what} ${w.term}: ${g.estimate} vs ${w.estimate} (SE ${w.se})`);
    assert.ok(Math.abs(g.se / w.se - 1) <= 0.02, `${what} ${w.term} SE: ${g.se} vs ${w.se}`);
  });
}

/** logLik within 1e-3 of the reference and not below it beyond 1e-6 */
export function compareLogLik(got: number, want: number, what: string): void {
  assert.ok(Math.abs(got - want) <= 1e-3, `${what} logLik ${got} vs ${want}`);
  assert.ok(got >= want - 1e-6, `${what} logLik ${got} below the reference ${want}`);
}
