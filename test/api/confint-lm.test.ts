// Model.confint() without random effects against R (test/fixtures/reference/confint_lm.R): a gaussian
// lm uses t with the residual df (confint.lm); a binomial GLM keeps the Wald z (confint.default).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { fit, parseDelimited } from "../../src/index.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const ref = JSON.parse(readFileSync(join(root, "test", "fixtures", "reference", "confint_lm.json"), "utf8")) as Record<string, { data: string; formula: string; family?: string; ci95: Record<string, [number, number]>; ci90?: Record<string, [number, number]> }>;
const frame = (f: string) => parseDelimited(readFileSync(join(root, "test", "fixtures", "data", f), "utf8"), { source: f });

function check(id: string, level: number, want: Record<string, [number, number]>): void {
  const r = ref[id];
  const m = fit(frame(r.data), r.formula, r.family ? { family: r.family as "binomial" } : {});
  assert.equal(m.kind, "glm");
  const ci = m.confint({ level });
  assert.equal(ci.method, "Wald");
  assert.deepEqual(ci.rows.map((x) => x.parameter), Object.keys(want));
  for (const row of ci.rows) {
    const [lo, hi] = want[row.parameter];
    // least squares / IRLS estimates agree with R to ~1e-9 relative; the t and z quantiles to ~1e-12
    for (const [a, b, side] of [[row.lower, lo, "lower"], [row.upper, hi, "upper"]] as const) {
      assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${id} ${level} ${row.parameter} ${side}: ${a} vs R ${b}`);
    }
  }
}

test("confint: a gaussian lm's intervals use t with the residual df, as R's confint.lm", () => {
  check("lm_sleep", 0.95, ref.lm_sleep.ci95);
  check("lm_sleep", 0.9, ref.lm_sleep.ci90!);
  check("lm_batches", 0.95, ref.lm_batches.ci95);
});

test("confint: a binomial GLM keeps the Wald z intervals (R's confint.default)", () => {
  check("glm_ohio_wald", 0.95, ref.glm_ohio_wald.ci95);
});
