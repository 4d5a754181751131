// Random effects in the zero-inflation formula (issue 21: glmmTMB's ziformula = ~ x + (1 | g))
// through the CLI, against glmmTMB 1.1.5 (test/fixtures/reference/zi_re.R → zi_re.json): logLik
// within 1e-3 and never below (1e-6 slack for rounding), every coefficient within 2% of its SE,
// SEs within 2%, the random-effect SDs of both parts within 1%.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });

interface Block { names: string[]; estimate: number[]; se: number[] }
interface RefModel { id: string; data: string; args: Record<string, string>; logLik: number; df: number; cond: Block; zi: Block; re_sd: number[]; zi_re_sd: number[] }
const ref: RefModel[] = JSON.parse(readFileSync(join(root, "test/fixtures/reference/zi_re.json"), "utf8")).models;
type Row = { term: string; estimate: number; se: number };

function args(m: RefModel, format: string[]): string[] {
  const a = ["fit", "--data", `test/fixtures/data/${m.data}`, "--formula", m.args.formula, "--family", m.args.family, "--zi", m.args.zi, ...format];
  if (m.data === "salamanders.csv") a.push("--ref", "spp=GP", "--ref", "mined=yes");
  return a;
}

function compareBlock(id: string, what: string, rows: Row[], b: Block): void {
  assert.deepEqual(rows.map((r) => r.term), b.names, `${id} ${what} names`);
  b.names.forEach((name, j) => {
    assert.ok(Math.abs(rows[j].estimate - b.estimate[j]) <= 0.02 * b.se[j], `${id} ${what} ${name}: ${rows[j].estimate} vs ${b.estimate[j]} (SE ${b.se[j]})`);
    assert.ok(Math.abs(rows[j].se / b.se[j] - 1) <= 0.02, `${id} ${what} ${name} SE: ${rows[j].se} vs ${b.se[j]}`);
  });
}

// (sal_zinb2_re and owls_zip_re agree as well — docs/zero-inflation.md — but cost more test time)
for (const id of ["sal_zip_re", "sal_zip_re_mined", "owls_zinb1_re"]) {
  const m = ref.find((r) => r.id === id)!;
  test(`${id}: ${m.args.family} zi ${m.args.zi} as glmmTMB`, () => {
    const r = glmm(...args(m, ["--format", "json"]));
    assert.equal(r.status, 0, r.stderr);
    const d = JSON.parse(r.stdout);
    assert.ok(d.logLik >= m.logLik - 1e-6 && d.logLik - m.logLik < 1e-3, `${id}: logLik ${d.logLik} vs ${m.logLik}`);
    assert.equal(d.df, m.df);
    compareBlock(id, "cond", d.fixef, m.cond);
    compareBlock(id, "zi", d.zi, m.zi);
    const sd = (v: { sd: number }[]) => v.map((e) => e.sd);
    sd(d.varcorr).forEach((s, k) => assert.ok(Math.abs(s / m.re_sd[k] - 1) < 0.01, `${id} cond SD ${s} vs ${m.re_sd[k]}`));
    assert.equal(d.zi_varcorr.length, m.zi_re_sd.length);
    sd(d.zi_varcorr).forEach((s, k) => assert.ok(Math.abs(s / m.zi_re_sd[k] - 1) < 0.01, `${id} zi SD ${s} vs ${m.zi_re_sd[k]}`));
    assert.equal(d.theta.length, m.re_sd.length); // θ of the conditional terms only
    assert.deepEqual(d.warnings, []);
  });
}

test("summary text: the zero-inflation model's random effects in their own table, as glmmTMB prints them", () => {
  const m = ref.find((r) => r.id === "sal_zip_re_mined")!;
  const r = glmm(...args(m, []));
  assert.equal(r.status, 0, r.stderr);
  const sd = m.zi_re_sd[0].toPrecision(4);
  assert.match(r.stdout, new RegExp(`^Random effects:\\nConditional model:\\n Groups Name +Variance Std\\.Dev\\.\\n site +\\(Intercept\\) .*\\nZero-inflation model:\\n Groups Name +Variance Std\\.Dev\\.\\n site +\\(Intercept\\) +${(m.zi_re_sd[0] ** 2).toPrecision(4)} +${sd}$`, "m"));
});
