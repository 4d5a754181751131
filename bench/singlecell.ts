// Single-cell DE benchmark: `glmm de` as a whole process (2 threads) on simulated data of 3,000 and
// 30,000 cells (500 genes each) and on pbmc_sim when /work/shared is there (the target: at
// most 1% of glmmTMB's ~12 min, i.e. 7.2 s). Prints genes/second and peak memory.
//   node dist/bench/singlecell.js        (or through `npm run bench`)
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lpad, pad, runCli } from "./cli.js";


interface Row { data: string; genes: number; cells: number; threads: number; wall: number; fitRate: number | null; rssMB: number | null; ok: boolean; err?: string }

function de(data: string, dir: string, cells: string, genes: number, ncells: number, threads: number, out: string): Row {
  const r = runCli(["de", "--counts", dir, "--cells", cells, "--formula", "~ disease + (1 | patient)", "--offset", "log(total_umi)", "--out", out, "--threads", String(threads), "--genes-min-cells", "0"]);
  const lines = r.stderr.split("\n");
  const summary = lines.find((l) => l.startsWith("glmm de: "));
  const rate = summary ? /\((\d+) genes\/s/.exec(summary) : null;
  return {
    data, genes, cells: ncells, threads, wall: r.seconds, fitRate: rate ? Number(rate[1]) : null,
    rssMB: r.rssMB, ok: r.ok, err: r.err,
  };
}


export async function benchSingleCell(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), "glmm-bench-sc-"));
  const rows: Row[] = [];
  try {
    console.log("\nsingle-cell DE (glmm de, whole process; NB GLMM per gene with a patient random intercept)");
    const pbmc = "/work/shared/data/pbmc_sim";
    if (existsSync(join(pbmc, "matrix.mtx"))) rows.push(de("pbmc_sim", pbmc, join(pbmc, "cells.csv"), 500, 3000, 2, join(tmp, "pbmc.csv")));
    for (const cells of [3000, 30000]) {
      const dir = join(tmp, `sim${cells}`);
      const s = runCli(["simulate-sc", "--out", dir, "--genes", "500", "--cells", String(cells), "--patients", "10", "--density", "0.2", "--seed", "1", "--quiet"]);
      if (!s.ok) { console.log(`(simulate-sc failed: ${s.err})`); continue; }
      for (const threads of [1, 2]) rows.push(de(`simulated, density 0.2`, dir, join(dir, "cells.csv"), 500, cells, threads, join(tmp, `sim${cells}-${threads}.csv`)));
    }
    console.log(`${pad("data", 24)} ${lpad("genes", 6)} ${lpad("cells", 7)} ${lpad("threads", 7)} ${lpad("wall s", 7)} ${lpad("genes/s", 8)} ${lpad("fit g/s", 8)} ${lpad("peak MB", 8)}`);
    for (const r of rows) {
      if (!r.ok) { console.log(`${pad(r.data, 24)} failed: ${r.err}`); continue; }
      console.log(`${pad(r.data, 24)} ${lpad(String(r.genes), 6)} ${lpad(String(r.cells), 7)} ${lpad(String(r.threads), 7)} ${lpad(r.wall.toFixed(2), 7)} ${lpad((r.genes / r.wall).toFixed(0), 8)} ${lpad(r.fitRate === null ? "?" : String(r.fitRate), 8)} ${lpad(r.rssMB === null ? "?" : r.rssMB.toFixed(0), 8)}`);
    }
    const p = rows.find((r) => r.data === "pbmc_sim" && r.ok);
    if (p) console.log(`pbmc_sim: ${p.wall.toFixed(2)} s vs glmmTMB ~720 s (1.5 s/gene): ${((100 * p.wall) / 720).toFixed(2)}% of its time (target ≤ 1%, 7.2 s)`);
    console.log("(genes/s: whole process incl. reading and worker start-up; fit g/s: the fitting phase)");
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) benchSingleCell();
