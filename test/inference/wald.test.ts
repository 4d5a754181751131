// Wald contrasts for GLMMs: songbirds' within − between testosterone slope against lme4's
// vcov-based value (test/examples/reference.json, from test/examples/reference.R), within 1%
// (our vcov comes from the same finite-difference Hessian scheme as lme4's).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFrameFile } from "../../src/cli/io.js";
import { fit } from "../../src/fit.js";
import { waldContrast, waldJoint } from "../../src/inference/wald.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const ref = JSON.parse(readFileSync(join(root, "test", "examples", "reference.json"), "utf8"));

test("within − between contrast on songbirds (Wald z)", () => {
  const r = ref.songbirds.within_minus_between;
  const res = fit(readFrameFile(join(root, "test", "fixtures", "data", "songbirds.csv")), "aggressive ~ within(testosterone, bird) + between(testosterone, bird) + (1 | bird)", { family: "binomial" });
  const c = waldContrast(res.fit.beta, res.fit.vcov, [0, 1, -1]);
  assert.ok(Math.abs(c.estimate - r.estimate) < 0.02 * r.se, `estimate ${c.estimate} vs ${r.estimate}`);
  assert.ok(Math.abs(c.se - r.se) < 0.01 * r.se, `se ${c.se} vs ${r.se}`);
  // one contrast as a joint test: χ² = z²
  const j = waldJoint(res.fit.beta, res.fit.vcov, [[0, 1, -1]]);
  assert.ok(Math.abs(j.chisq - c.z * c.z) < 1e-9 * j.chisq);
  assert.ok(Math.abs(j.p - c.p) < 1e-9);
  assert.throws(() => waldJoint(res.fit.beta, res.fit.vcov, [[0, 1, -1], [0, 2, -2]]), /linearly dependent/);
});
