// `glmm simulate-sc`: a single-cell data set of any size with known truth (10x directory + cells.csv
// + truth.csv), written gene by gene in constant memory.
import { randomBytes } from "node:crypto";
import { closeSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, rmdirSync, statfsSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
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
  force?: boolean;
}

const FILES = ["barcodes.tsv", "features.tsv", "cells.csv", "truth.csv", "matrix.mtx"];

/**
 * Where to write: a new directory is built under a temporary name beside it and renamed into place
 * at the end (a killed run leaves no half-written data set under the real name); an existing one
 * must be empty unless --force, which replaces only the files this command writes.
 */
function prepareOutDir(out: string, force: boolean): { work: string; fresh: boolean } {
  let st;
  try { st = lstatSync(out); } catch { st = null; }
  if (st) {
    if (!st.isDirectory()) throw new UserError(`--out '${out}' exists and is not a directory`);
    let entries: string[];
    try { entries = readdirSync(out); } catch (e) { throw new UserError(`cannot read directory '${out}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    if (entries.length > 0 && !force) throw new UserError(`--out '${out}' already exists and is not empty (${entries.length} entr${entries.length === 1 ? "y" : "ies"}); choose a new directory or give --force to replace its ${FILES.join(", ")}`);
    return { work: out, fresh: false };
  }
  const work = join(dirname(out), `.${basename(out).slice(0, 100)}.${randomBytes(6).toString("hex")}.tmp`);
  try { mkdirSync(work); } catch (e) { throw new UserError(`cannot create directory '${out}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
  return { work, fresh: true };
}

/** Refuse sizes that cannot be built (typed arrays, disk space) with the estimate, before building. */
function checkSize(genes: number, cells: number, density: number, dir: string): void {
  if (cells > 5e7) throw new UserError(`--cells ${cells} is beyond reason: at most 5e7`);
  if (genes > 1e7) throw new UserError(`--genes ${genes} is beyond reason: at most 1e7`);
  const nnz = genes * cells * density;
  const bytes = nnz * 16; // "gene cell count\n"
  if (nnz > 2 ** 31 - 1) throw new UserError(`--genes ${genes} × --cells ${cells} at density ${density} is about ${nnz.toExponential(2)} nonzero counts, more than a 10x matrix.mtx index holds (2^31 - 1)`);
  let free = Infinity;
  try { const s = statfsSync(dir); free = s.bavail * s.bsize; } catch { /* unknown: no check */ }
  if (bytes > free) throw new UserError(`the simulated matrix.mtx would take about ${(bytes / 2 ** 30).toFixed(1)} GiB, more than the ${(free / 2 ** 30).toFixed(1)} GiB free in '${dir}'`);
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
  checkSize(opts.genes, opts.cells, opts.density!, dirname(o.out));
  const { work, fresh } = prepareOutDir(o.out, Boolean(o.force));
  try {
    const r = simulateInto(work, opts, o);
    if (fresh) {
      try { renameSync(work, o.out); } catch (e) { throw new UserError(`cannot create directory '${o.out}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
    }
    if (!o.quiet) process.stderr.write(`\rsimulate-sc: ${r.genes} genes × ${r.cells} cells, ${r.nnz} nonzero (density ${(r.nnz / (r.genes * r.cells)).toFixed(3)}) in ${r.seconds.toFixed(1)} s; wrote ${o.out}\n`);
    return { genes: r.genes, cells: r.cells, nnz: r.nnz };
  } catch (e) {
    if (fresh) {
      for (const f of readdirSync(work)) { try { unlinkSync(join(work, f)); } catch { /* gone */ } }
      try { rmdirSync(work); } catch { /* not ours to force */ }
    }
    throw e;
  }
}

function simulateInto(dir: string, opts: SimOptions, o: SimulateScOptions): { genes: number; cells: number; nnz: number; seconds: number } {
  const t0 = performance.now();
  const cells = simulateCells(opts);
  const genes = simulateGenes(opts, cells);
  const C = opts.cells, G = opts.genes;
  writeFileAtomic(join(dir, "barcodes.tsv"), cells.barcodes.join("\n") + "\n");
  writeFileAtomic(join(dir, "features.tsv"), genes.map((g) => `${g.gene}\t${g.gene}\tGene Expression`).join("\n") + "\n");
  const cl = ["barcode,patient,disease,total_umi"];
  for (let c = 0; c < C; c++) {
    const j = cells.patient[c];
    cl.push(`${cells.barcodes[c]},${cells.patientLevels[j]},${cells.disease[j] ? "disease" : "control"},${cells.totalUmi[c]}`);
  }
  writeFileAtomic(join(dir, "cells.csv"), cl.join("\n") + "\n");
  writeFileAtomic(join(dir, "truth.csv"), ["gene,de,logfc,sd_patient,nb_size", ...genes.map((g) => `${g.gene},${g.de ? "TRUE" : "FALSE"},${g.logfc},${g.sdPatient},${g.nbSize}`)].join("\n") + "\n");

  // the matrix: a fixed-width size line, rewritten with the entry count at the end
  const path = join(dir, "matrix.mtx");
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
  return { genes: G, cells: C, nnz, seconds: (performance.now() - t0) / 1000 };
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
    .option("--force", "write into an existing, non-empty --out directory (replacing only this command's files)")
    .action((opts) => { simulateScCommand(opts); });
}
