// `glmm simulate-sc`: a single-cell data set of any size with known truth (10x directory + cells.csv
// + truth.csv), written gene by gene in constant memory.
import { closeSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { simulateCells, simulateGeneCounts, simulateGenes, type SimOptions } from "../../singlecell/simulate.js";
import { writeFileAtomic } from "../io.js";
import { progressBar } from "../progress.js";

export interface SimulateScOptions {
  out: string;
  genes: string | number;
  cells: string | number;
  patients?: string | number;
  density?: string | number;
  deFraction?: string | number;
  seed?: string | number;
  quiet?: boolean;
}

function positiveInt(v: string | number | undefined, name: string, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  const s = String(v).trim();
  if (!/^\d+$/.test(s) || Number(s) < 1) throw new UserError(`${name} must be a positive integer, got '${v}'`);
  return Number(s);
}

function fraction(v: string | number | undefined, name: string, dflt: number, lo: number, hi: number): number {
  if (v === undefined) return dflt;
  const x = Number(v);
  if (!(x >= lo && x <= hi)) throw new UserError(`${name} must be a number from ${lo} to ${hi}, got '${v}'`);
  return x;
}

export function simulateScCommand(o: SimulateScOptions): { genes: number; cells: number; nnz: number } {
  const opts: SimOptions = {
    genes: positiveInt(o.genes, "--genes"),
    cells: positiveInt(o.cells, "--cells"),
    patients: positiveInt(o.patients, "--patients", 10),
    density: fraction(o.density, "--density", 0.1, 1e-4, 0.95),
    deFraction: fraction(o.deFraction, "--de-fraction", 0.1, 0, 1),
    seed: positiveInt(o.seed, "--seed", 1),
  };
  if (opts.patients! < 2) throw new UserError("--patients must be at least 2 (half of them get the disease)");
  try { mkdirSync(o.out, { recursive: true }); } catch (e) { throw new UserError(`cannot create directory '${o.out}': ${(e as Error).message}`); }
  const t0 = performance.now();
  const cells = simulateCells(opts);
  const genes = simulateGenes(opts, cells);
  const C = opts.cells, G = opts.genes;
  writeFileAtomic(join(o.out, "barcodes.tsv"), cells.barcodes.join("\n") + "\n");
  writeFileAtomic(join(o.out, "features.tsv"), genes.map((g) => `${g.gene}\t${g.gene}\tGene Expression`).join("\n") + "\n");
  const cl = ["barcode,patient,disease,total_umi"];
  for (let c = 0; c < C; c++) {
    const j = cells.patient[c];
    cl.push(`${cells.barcodes[c]},${cells.patientLevels[j]},${cells.disease[j] ? "disease" : "control"},${cells.totalUmi[c]}`);
  }
  writeFileAtomic(join(o.out, "cells.csv"), cl.join("\n") + "\n");
  writeFileAtomic(join(o.out, "truth.csv"), ["gene,de,logfc,sd_patient,nb_size", ...genes.map((g) => `${g.gene},${g.de ? "TRUE" : "FALSE"},${g.logfc},${g.sdPatient},${g.nbSize}`)].join("\n") + "\n");

  // the matrix: a fixed-width size line, rewritten with the entry count at the end
  const path = join(o.out, "matrix.mtx");
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w");
  let nnz = 0;
  try {
    const banner = "%%MatrixMarket matrix coordinate integer general\n%metadata_json: {\"software\": \"glmm simulate-sc\"}\n";
    const sizeWidth = 48;
    writeSync(fd, banner + " ".repeat(sizeWidth - 1) + "\n");
    const cellIdx = new Int32Array(C), count = new Int32Array(C);
    let buf: string[] = [];
    let bufLen = 0;
    const bar = progressBar("simulate-sc", { enabled: !o.quiet, unit: "genes" });
    for (let g = 0; g < G; g++) {
      const m = simulateGeneCounts(g, genes[g], cells, opts.seed!, cellIdx, count);
      const row = g + 1;
      for (let i = 0; i < m; i++) buf.push(`${row} ${cellIdx[i] + 1} ${count[i]}`);
      nnz += m;
      bufLen += m;
      if (bufLen > 200000) { writeSync(fd, buf.join("\n") + "\n"); buf = []; bufLen = 0; }
      bar.update(g + 1, G);
    }
    bar.finish();
    if (buf.length) writeSync(fd, buf.join("\n") + "\n");
    const size = `${G} ${C} ${nnz}`;
    writeSync(fd, size.padEnd(sizeWidth - 1, " "), Buffer.byteLength(banner));
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try { closeSync(fd); } catch { /* already closed */ }
    try { unlinkSync(tmp); } catch { /* gone */ }
    throw e instanceof UserError ? e : new UserError(`cannot write '${path}': ${(e as Error).message}`);
  }
  if (!o.quiet) process.stderr.write(`simulate-sc: ${G} genes × ${C} cells, ${nnz} nonzero (density ${(nnz / (G * C)).toFixed(3)}) in ${((performance.now() - t0) / 1000).toFixed(1)} s; wrote ${o.out}\n`);
  return { genes: G, cells: C, nnz };
}

/** `glmm simulate-sc`: its flags (commander) */
export function registerSimulateSc(p: Command): void {
  p.command("simulate-sc")
    .description("simulate a single-cell data set with known truth (10x directory, cells.csv, truth.csv)")
    .requiredOption("--out <dir>", "output directory")
    .requiredOption("--genes <n>", "number of genes")
    .requiredOption("--cells <n>", "number of cells")
    .option("--patients <n>", "number of patients (half of them disease)", "10")
    .option("--density <f>", "target fraction of nonzero counts", "0.1")
    .option("--de-fraction <f>", "fraction of differentially expressed genes", "0.1")
    .option("--seed <n>", "random seed", "1")
    .option("--quiet", "no progress on stderr")
    .action((opts) => { simulateScCommand(opts); });
}
