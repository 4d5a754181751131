// `glmm de`, `glmm de-merge` and `glmm simulate-sc` run in-process on the pbmc60 fixture and on
// simulated data: threads and shards give the same table as one run, skipped and failed genes get
// a row, errors are one line.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { deCommand, type DeOptions } from "../../src/cli/commands/de.js";
import { deMergeCommand } from "../../src/cli/commands/de-merge.js";
import { simulateScCommand } from "../../src/cli/commands/simulate-sc.js";
import { UserError } from "../../src/errors.js";
import { parseDeCsv } from "../../src/singlecell/results.js";
import { cellsCsv, glmmTMBReference, pbmc60 } from "./fixture.js";

const tmp = mkdtempSync(join(tmpdir(), "glmm-sc-cli-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const base = (out: string, extra: Partial<DeOptions> = {}): DeOptions => ({
  counts: pbmc60, cells: cellsCsv, formula: "~ disease + (1 | patient)", offset: "log(total_umi)", out, quiet: true, ...extra,
});

test("glmm de on pbmc60: one row per gene and term, glmmTMB's estimates, the same table with 1 or 2 threads", async () => {
  const one = join(tmp, "one.csv"), two = join(tmp, "two.csv");
  const s1 = await deCommand(base(one, { threads: 1 }));
  const s2 = await deCommand(base(two, { threads: 2 }));
  assert.equal(s2.threads, 2);
  assert.deepEqual([s1.genes, s1.fitted, s1.failed, s1.skipped], [60, 60, 0, 0]);
  const text = readFileSync(one, "utf8");
  assert.equal(readFileSync(two, "utf8"), text);
  assert.deepEqual(readdirSync(tmp).filter((f) => f.includes(".tmp-")), []);
  const rows = parseDeCsv(text, "one.csv");
  assert.equal(rows.length, 120);
  const byGene = new Map(rows.filter((r) => r.term === "diseasedisease").map((r) => [r.gene, r]));
  let nOurs = 0, nTmb = 0;
  for (const r of glmmTMBReference()) {
    const g = byGene.get(r.gene)!;
    if (r.warning === "") assert.ok(Math.abs(g.estimate - r.estimate) < 0.01 * r.se && Math.abs(g.se - r.se) < 0.01 * r.se, r.gene);
    assert.ok(g.converged);
    if (g.p < 0.05) nOurs++;
    if (r.p < 0.05) nTmb++;
  }
  // the t test (REML variance, 8 df) is more conservative than glmmTMB's z test
  assert.ok(nOurs < nTmb, `${nOurs} vs ${nTmb} genes with p < 0.05`);
  // --test wald: statistic = estimate/se and glmmTMB's z p-values
  const wald = join(tmp, "wald.csv");
  await deCommand(base(wald, { threads: 1, test: "wald", genesMinCells: 0 }));
  const wrows = new Map(parseDeCsv(readFileSync(wald, "utf8"), "w").filter((r) => r.term === "diseasedisease").map((r) => [r.gene, r]));
  for (const r of glmmTMBReference().filter((x) => x.warning === "")) {
    const w = wrows.get(r.gene)!;
    assert.ok(Math.abs(w.statistic - w.estimate / w.se) < 1e-12);
    assert.ok(Math.abs(Math.log(w.p / r.p)) < 0.01, `${r.gene}: p ${w.p} vs ${r.p}`);
  }
});

test("--shard i/N runs merged by glmm de-merge equal the single run (FDR recomputed over all genes)", async () => {
  const full = join(tmp, "full.csv");
  await deCommand(base(full, { threads: 1 }));
  const parts: string[] = [];
  for (let i = 1; i <= 3; i++) {
    const f = join(tmp, `shard${i}.csv`);
    const s = await deCommand(base(f, { threads: 1, shard: `${i}/3` }));
    assert.equal(s.genes, 20);
    parts.push(f);
  }
  const merged = join(tmp, "merged.csv");
  deMergeCommand(parts, { out: merged, quiet: true });
  assert.equal(readFileSync(merged, "utf8"), readFileSync(full, "utf8"));
  assert.throws(() => deMergeCommand([parts[0], parts[0]], { out: merged, quiet: true }), /shard 1\/3 is given twice/);
});

test("skipped genes get a row; barcode mismatches and bad flags are one-line user errors", async () => {
  const out = join(tmp, "min.csv");
  const s = await deCommand(base(out, { threads: 1, genesMinCells: 1500 }));
  assert.ok(s.skipped > 0 && s.fitted + s.skipped === 60);
  const rows = parseDeCsv(readFileSync(out, "utf8"), "min.csv");
  const skipped = rows.filter((r) => r.converged === null);
  assert.equal(skipped.length, s.skipped);
  assert.match(skipped[0].message, /^skipped: nonzero in \d+ cells \(< --genes-min-cells 1500\)$/);
  // a cells table without two barcodes
  const lines = readFileSync(cellsCsv, "utf8").trim().split("\n");
  const short = join(tmp, "short.csv");
  writeFileSync(short, [lines[0], ...lines.slice(3)].join("\n") + "\n");
  await assert.rejects(deCommand(base(join(tmp, "x.csv"), { cells: short })), (e: unknown) =>
    e instanceof UserError && /barcode mismatch: 2 of 3000 barcodes of matrix.mtx.gz are not in short.csv/.test(e.message));
  assert.ok(!existsSync(join(tmp, "x.csv")));
  await assert.rejects(deCommand(base(join(tmp, "x.csv"), { threads: "0" })), /--threads must be an integer ≥ 1/);
  await assert.rejects(deCommand(base(join(tmp, "x.csv"), { formula: "~ disease" })), /exactly one term like \(1 \| patient\)/);
  await assert.rejects(deCommand(base(join(tmp, "x.csv"), { formula: "~ disease + (1 | donor)" })), /column 'donor' not found/);
  await assert.rejects(deCommand(base(join(tmp, "x.csv"), { test: "lrt" })), /--test must be t or wald/);
});

test("glmm simulate-sc: deterministic, near the requested density; glmm de recovers the fold changes and controls the FDR", async () => {
  const a = join(tmp, "simA"), b = join(tmp, "simB");
  const opts = { genes: 60, cells: 1200, patients: 12, density: 0.3, deFraction: 0.3, seed: 7, quiet: true };
  const r = simulateScCommand({ ...opts, out: a });
  simulateScCommand({ ...opts, out: b });
  for (const f of ["matrix.mtx", "features.tsv", "barcodes.tsv", "cells.csv", "truth.csv"]) assert.equal(readFileSync(join(a, f), "utf8"), readFileSync(join(b, f), "utf8"), f);
  assert.ok(Math.abs(r.nnz / (60 * 1200) - 0.3) < 0.06, `density ${r.nnz / 72000}`);
  const out = join(tmp, "sim.csv");
  const s = await deCommand({ counts: a, cells: join(a, "cells.csv"), formula: "~ disease + (1 | patient)", offset: "log(total_umi)", out, quiet: true, threads: 2, genesMinCells: 0 });
  assert.equal(s.failed, 0);
  const truth = new Map(readFileSync(join(a, "truth.csv"), "utf8").trim().split("\n").slice(1).map((l) => { const f = l.split(","); return [f[0], { de: f[1] === "TRUE", lfc: +f[2] }]; }));
  const rows = parseDeCsv(readFileSync(out, "utf8"), "sim.csv").filter((x) => x.term === "diseasedisease");
  let z2 = 0;
  for (const x of rows) z2 += ((x.estimate - truth.get(x.gene)!.lfc) / x.se) ** 2;
  // estimates scatter around the truth like their standard errors say (mean z² ≈ 1; ML SEs run a little small with 12 patients)
  assert.ok(z2 / rows.length < 2.5, `mean z² ${z2 / rows.length}`);
  // 18 DE genes of 60: most found, no false discovery (seed 7: 12 found)
  const sig = rows.filter((x) => x.padj < 0.05);
  assert.ok(sig.length >= 8, `${sig.length} discoveries`);
  assert.equal(sig.filter((x) => !truth.get(x.gene)!.de).length, 0);
  assert.throws(() => simulateScCommand({ ...opts, out: a, patients: 1 }), /at least 2/);
  assert.throws(() => simulateScCommand({ ...opts, out: a, density: 2 }), /--density must be a number from/);
});
