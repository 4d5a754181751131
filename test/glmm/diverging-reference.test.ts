// Issue 18, item 2: separation along a combination of columns. The all-zero level "d" of
// poisson_zero_level.csv as the reference of trt makes the intercept and every trt contrast diverge
// together. Reference: glmmTMB 1.1.5 (test/fixtures/reference/diverging_reference.R). Before the
// fix glmm's stage 1 was non-finite everywhere: logLik 12.4 units low and no standard errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const ref = JSON.parse(readFileSync(join(root, "test", "fixtures", "reference", "diverging_reference.json"), "utf8"));

function fitCli(level: string): any {
  const r = spawnSync(process.execPath, [join(root, "bin", "glmm.js"), "fit", "--data", join(root, "test", "fixtures", "data", ref.data), "--formula", ref.formula,
    "--family", "poisson", "--ref", `trt=${level}`, "--format", "json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}
const row = (j: any, term: string) => j.fixef.find((f: any) => f.term === term);

test("an all-zero reference level: glmmTMB's optimum, the identified SE, the diverging direction's terms NA and named", () => {
  const j = fitCli("d");
  // at least glmmTMB's optimum (the diverging direction adds at most ~e^-20 per row beyond it)
  assert.ok(j.logLik >= ref.logLik - 1e-5 && j.logLik <= ref.logLik + 1e-4, `logLik ${j.logLik} want ${ref.logLik}`);
  assert.ok(Math.abs(row(j, "x").estimate - ref.fixef.x) < 1e-4, `x ${row(j, "x").estimate}`);
  assert.ok(Math.abs(row(j, "x").se / ref.se.x - 1) < 1e-4, `se x ${row(j, "x").se} want ${ref.se.x}`);
  for (let k = 0; k < 2; k++) assert.ok(Math.abs(j.varcorr[k].sd / ref.sd[k] - 1) < 1e-4, `sd ${k}: ${j.varcorr[k].sd} want ${ref.sd[k]}`);
  const div = ["(Intercept)", "trta", "trtb", "trtc"];
  for (const t of div) assert.equal(row(j, t).se, null, t);
  assert.ok(row(j, "(Intercept)").estimate < -20);
  // the identified contrasts among the non-zero levels survive the mapping back (glmmTMB's, to 1e-3)
  for (const t of ["trtb", "trtc"]) {
    const got = row(j, t).estimate - row(j, "trta").estimate, want = ref.fixef[t] - ref.fixef.trta;
    assert.ok(Math.abs(got - want) < 1e-3, `${t} − trta: ${got} want ${want}`);
  }
  assert.ok(j.warnings.includes(`estimates of ${div.join(", ")} diverge: every row they touch is fitted at the boundary of the response's range (separation); standard errors NA, the other standard errors are conditional on them`), j.warnings.join("\n"));
  assert.ok(!j.warnings.some((w: string) => /not positive definite|stage 1/.test(w)), j.warnings.join("\n"));
});

test("the same model with an identified reference level: same optimum and SE for x, only trtd diverges", () => {
  const j = fitCli("a");
  assert.ok(Math.abs(j.logLik - ref.logLik_ref_a) < 1e-4, `logLik ${j.logLik} want ${ref.logLik_ref_a}`);
  assert.ok(Math.abs(row(j, "x").se / ref.se.x - 1) < 1e-4);
  assert.equal(row(j, "trtd").se, null);
  assert.ok(j.fixef.filter((f: any) => f.se === null).length === 1);
});
