// `glmm de --zi "~ 1"` (issue 21): per-gene zero-inflated NB2 GLMMs (a constant zero-inflation
// probability per gene) against glmmTMB 1.1.5 on the simulated zinb8 set
// (test/fixtures/singlecell/glmmtmb-zinb.R → glmmtmb-zinb.json): coefficients and the zi logit within
// 2% of their SE, SEs within 2%, the patient SD and NB size within 0.1%.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fixtures, root } from "./fixture.js";

interface Ref { gene: string; estimate: number[]; se: number[]; zi: number; zi_se: number; sd_patient: number; nb_size: number }
const ref: { genes: Ref[] } = JSON.parse(readFileSync(join(fixtures, "glmmtmb-zinb.json"), "utf8"));
const glmm = (...args: string[]) => spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], { cwd: root, encoding: "utf8" });
const base = ["de", "--counts", join(fixtures, "zinb8"), "--cells", join(fixtures, "zinb8_cells.csv"), "--formula", "~ disease + (1 | patient)", "--offset", "log(total_umi)", "--quiet", "--threads", "1"];

test("glmm de --zi \"~ 1\": each gene's zero-inflated NB2 fit as glmmTMB's", () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-dezi-"));
  try {
    const out = join(dir, "de.csv");
    const r = glmm(...base, "--zi", "~ 1", "--test", "wald", "--out", out);
    assert.equal(r.status, 0, r.stderr);
    const lines = readFileSync(out, "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
    assert.equal(lines.length, ref.genes.length * 3);
    for (const g of ref.genes) {
      const rows = lines.filter((f) => f[0] === g.gene);
      assert.deepEqual(rows.map((f) => f[1]), ["(Intercept)", "diseasedisease", "zi~(Intercept)"]);
      const want = [...g.estimate.map((e, k) => [e, g.se[k]]), [g.zi, g.zi_se]];
      rows.forEach((f, k) => {
        const [est, se] = [Number(f[2]), Number(f[3])];
        assert.ok(Math.abs(est - want[k][0]) <= 0.02 * want[k][1], `${g.gene} ${f[1]}: ${est} vs ${want[k][0]}`);
        assert.ok(Math.abs(se / want[k][1] - 1) <= 0.02, `${g.gene} ${f[1]} SE: ${se} vs ${want[k][1]}`);
        assert.ok(Math.abs(Number(f[7]) / g.sd_patient - 1) <= 1e-3, `${g.gene} sd_patient ${f[7]} vs ${g.sd_patient}`);
        assert.ok(Math.abs(Number(f[8]) / g.nb_size - 1) <= 1e-3, `${g.gene} nb_size ${f[8]} vs ${g.nb_size}`);
        assert.equal(f[9], "TRUE");
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("glmm de --zi takes only a constant zero-inflation probability", () => {
  const r = glmm(...base, "--zi", "~ disease", "--out", join(tmpdir(), "never-written.csv"));
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /--zi '~ disease': glmm de takes a constant zero-inflation probability per gene, "~ 1"/);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
});

test("library de(..., { zi: \"~ 1\" }): the same zero-inflated fits from counts in memory", async () => {
  const { de, parseDelimited } = await import("../../src/index.js");
  const cells = parseDelimited(readFileSync(join(fixtures, "zinb8_cells.csv"), "utf8"));
  // matrix.mtx (genes × cells, 1-based coordinates) as one dense array per gene
  const [dims, ...entries] = readFileSync(join(fixtures, "zinb8", "matrix.mtx"), "utf8").trim().split("\n").filter((l) => !l.startsWith("%"));
  const [ng, nc] = dims.split(" ").map(Number);
  const counts = Array.from({ length: ng }, () => new Float64Array(nc));
  for (const l of entries) { const [g, c, v] = l.split(" ").map(Number); counts[g - 1][c - 1] = v; }
  const rows = de(cells, counts, "~ disease + (1 | patient)", { offset: "log(total_umi)", zi: "~ 1", test: "wald", genes: ref.genes.map((g) => g.gene) });
  for (const g of ref.genes) {
    const z = rows.find((r) => r.gene === g.gene && r.term === "zi~(Intercept)")!;
    assert.ok(Math.abs(z.estimate - g.zi) <= 0.02 * g.zi_se, `${g.gene} zi ${z.estimate} vs ${g.zi}`);
    const b = rows.find((r) => r.gene === g.gene && r.term === "diseasedisease")!;
    assert.ok(Math.abs(b.estimate - g.estimate[1]) <= 0.02 * g.se[1], `${g.gene} disease ${b.estimate} vs ${g.estimate[1]}`);
  }
  assert.throws(() => de(cells, counts, "~ disease + (1 | patient)", { zi: "~ disease" }), /de\(\): zi '~ disease': glmm de takes a constant zero-inflation probability per gene/);
});
