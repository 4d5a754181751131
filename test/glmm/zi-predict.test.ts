// `glmm predict` on zero-inflated and hurdle GLMMs (issue 21) through the CLI, against glmmTMB
// 1.1.5's predict(type = "link" | "conditional" | "zprob" | "response", re.form = NULL | NA)
// (test/fixtures/reference/zi_predict.R → zi_predict.json). The fits agree to ~1e-4 of an SE
// (zi-disp.test.ts), so predictions agree to ~1e-5 relative: the tolerance is 1e-4 relative (η:
// 1e-4 absolute when |η| < 1).
// Five calls (each fits the model) cover every type and both levels across the two models.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });

type Types = Record<"link" | "conditional" | "zprob" | "response", number[]>;
interface RefModel { id: string; args: Record<string, string>; fitted: Record<string, Types>; newdata: Record<string, Types> }
const ref: { models: RefModel[] } = JSON.parse(readFileSync(join(root, "test/fixtures/reference/zi_predict.json"), "utf8"));

function predictJSON(m: RefModel, level: string, type: string, newdata: boolean) {
  const a = m.args;
  const r = glmm("predict", "--data", "test/fixtures/data/salamanders.csv", "--ref", "spp=GP", "--ref", "mined=yes", "--formula", a.formula, "--family", a.family, "--zi", a.zi,
    "--level", level, "--type", type, "--format", "json", ...(newdata ? ["--newdata", "test/fixtures/data/zi_predict_newdata.csv"] : []));
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const cases: [string, string, keyof Types, boolean][] = [
  ["sal_zip", "conditional", "response", false],
  ["sal_zip", "conditional", "link", true],
  ["sal_zip", "population", "zprob", true],
  ["sal_hnb2_mined", "conditional", "conditional", false],
  ["sal_hnb2_mined", "population", "response", true],
];
for (const [id, level, type, nd] of cases) {
  test(`${id}: --level ${level} --type ${type}${nd ? " --newdata" : ""} as glmmTMB's predict`, () => {
    const m = ref.models.find((r) => r.id === id)!;
    const want = (nd ? m.newdata : m.fitted)[level][type];
    const d = predictJSON(m, level, type, nd);
    assert.equal(d.type, type);
    const got: number[] = d.prediction.slice(0, want.length);
    assert.equal(got.length, 10);
    // (η near 0: its error is on the absolute scale)
    const scale = (w: number) => (type === "link" ? Math.max(1, Math.abs(w)) : Math.abs(w));
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) <= 1e-4 * scale(want[i]), `${id} ${level} ${type} row ${i + 1}: ${g} vs ${want[i]}`));
    // the new site's rows (9, 10) get the population-level prediction, with a warning
    if (nd) assert.match(d.warnings.join("; "), /levels of 'site' not in the fitted data get the population-level prediction: NEW-1/);
  });
}

test("bad input: --type zprob without a zero part, an unknown type", () => {
  const base = ["predict", "--data", "test/fixtures/data/salamanders.csv", "--formula", "count ~ mined + (1 | site)"];
  const cases: [string[], RegExp][] = [
    [["--family", "poisson", "--type", "zprob"], /--type zprob needs a zero-inflation \(--zi\) or hurdle model/],
    [["--family", "poisson", "--type", "mean"], /--type must be response, link, conditional or zprob, not 'mean'/],
  ];
  for (const [extra, re] of cases) {
    const r = glmm(...base, ...extra);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});
