// The inference commands on zero-inflated, hurdle and dispersion models (issue 21), through
// bin/glmm.js, against test/fixtures/reference/zi_inference.R → zi_inference.json (glmmTMB 1.1.5,
// car 3.1.1):
// - ranef on Salamanders ZIP with zi = ~ mined + (1 | site): both parts' modes as glmmTMB's
//   ranef()$cond / $zi within 1% of their conditional SD, and the conditional SDs given the
//   estimates (the inverse random-effects Hessian at the mode, TMB's spHess) within 1%;
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8", maxBuffer: 1 << 26 });
interface Coef { names: string[]; estimate: number[]; se: number[]; z: number[]; p: number[] }
interface AnovaRef { terms: string[]; chisq: number[]; df: number[]; p: number[] }
interface RefModel {
  args: Record<string, string>;
  logLik: number;
  ranef?: Record<"cond" | "zi", { grp: string[]; condval: number[]; condsd_glmmTMB: number[] }>;
  condsd_given?: Record<"cond" | "zi", number[]>;
  coef?: Record<"cond" | "zi" | "disp", Coef | null>;
  anova?: Record<string, Record<"III" | "II", AnovaRef>>;
  wald?: { names: string[]; lower: number[]; upper: number[]; estimate: number[] };
  profile_zi?: { names: string[]; lower: number[]; upper: number[] };
}
const refs: Record<string, RefModel> = JSON.parse(readFileSync(join(root, "test/fixtures/reference/zi_inference.json"), "utf8")).models;
const data: Record<string, string> = { sal_zip_re_mined: "salamanders.csv", sal_zip: "salamanders.csv", het_nb2: "sim_heterosced.csv", sim_zip_small: "sim_zip_small.csv" };

function args(id: string, command: string, ...extra: string[]): string[] {
  const a = refs[id].args;
  const out = [command, "--data", `test/fixtures/data/${data[id]}`, "--formula", a.formula, "--family", a.family, "--format", "json", ...extra];
  if (data[id] === "salamanders.csv") out.push("--ref", "spp=GP", "--ref", "mined=yes");
  if (a.zi) out.push("--zi", a.zi);
  if (a.disp) out.push("--disp", a.disp);
  return out;
}
function run(id: string, command: string, ...extra: string[]) {
  const r = glmm(...args(id, command, ...extra));
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test("ranef on a model with zi random effects: both parts labelled, modes and conditional SDs as glmmTMB/TMB", () => {
  const ref = refs.sal_zip_re_mined;
  const rows: { component: string; grpvar: string; term: string; grp: string; condval: number; condsd: number }[] = run("sal_zip_re_mined", "ranef").ranef;
  for (const comp of ["cond", "zi"] as const) {
    const mine = rows.filter((r) => r.component === comp);
    const r = ref.ranef![comp];
    assert.deepEqual(mine.map((x) => x.grp), r.grp);
    assert.ok(mine.every((x) => x.grpvar === "site" && x.term === "(Intercept)"));
    mine.forEach((x, i) => {
      const sd = ref.condsd_given![comp][i];
      assert.ok(Math.abs(x.condval - r.condval[i]) < 0.01 * sd, `${comp} ${x.grp}: condval ${x.condval} vs ${r.condval[i]}`);
      assert.ok(Math.abs(x.condsd / sd - 1) < 0.01, `${comp} ${x.grp}: condsd ${x.condsd} vs ${sd}`);
    });
  }
  // (glmmTMB's own condsd add the fixed parameters' uncertainty: larger, never smaller)
  rows.forEach((x, i) => assert.ok(x.condsd < [...ref.ranef!.cond.condsd_glmmTMB, ...ref.ranef!.zi.condsd_glmmTMB][i]));
});
