// `glmm de`: single-cell differential expression, one negative binomial GLMM per gene with a random
// intercept per patient (Laplace, as glmmTMB), fitted in worker threads, streamed gene-wise from a 10x
// directory or an .h5ad file; BH-adjusted per term; `--shard i/N` fits a deterministic slice of the
// genes (joined by `glmm de-merge`).
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename } from "node:path";
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { type CountSource, countNonzeroCells, planBlocks, readGeneBlock } from "../../singlecell/counts.js";
import { buildCellDesign, type CellDesign, matchBarcodes } from "../../singlecell/design.js";
import type { GeneFit } from "../../singlecell/nbgene.js";
import { NBGeneFitter } from "../../singlecell/nbgene.js";
import { adjustByTerm, type DeRow, failedRow, formatDeCsv, geneRows, parseShard, shardRange } from "../../singlecell/results.js";
import { deZeroInflation, fitGenes, type RunOptions } from "../../singlecell/run.js";
import { DePool } from "../de-worker.js";
import { beginRun, checkOutputFile, readBytes, readFrameFile, writeFileAtomic } from "../io.js";
import { collect, parseRefs } from "../options.js";
import { openCounts } from "../sc-io.js";
import { progressBar } from "../progress.js";

export interface DeOptions {
  counts: string;
  cells: string;
  formula: string;
  offset?: string;
  out: string;
  threads?: string | number;
  genesMinCells?: string | number;
  shard?: string;
  barcodeColumn?: string;
  geneNames?: string;
  layer?: string;
  ref?: string[];
  maxMemory?: string | number;
  quiet?: boolean;
  fallback?: boolean;
  test?: string;
  /** "~ 1": zero-inflated NB2 with one zero-inflation probability per gene */
  zi?: string;
}

export interface DeSummary {
  genes: number;
  fitted: number;
  failed: number;
  skipped: number;
  seconds: number;
  fitSeconds: number;
  threads: number;
}

function intOption(v: string | number | undefined, name: string, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  const s = String(v).trim();
  if (!/^\d+$/.test(s) || Number(s) < min) throw new UserError(`${name} must be an integer ≥ ${min}, got '${v}'`);
  return Number(s);
}

export async function deCommand(o: DeOptions): Promise<DeSummary> {
  beginRun();
  const t0 = performance.now();
  const cores = availableParallelism();
  const threads = intOption(o.threads, "--threads", cores, 1);
  // one worker per core at most: more only add memory and contention
  if (threads > cores && !o.quiet) process.stderr.write(`glmm de: note: --threads ${threads} capped at the ${cores} cores of this machine\n`);
  const minCells = intOption(o.genesMinCells, "--genes-min-cells", 10, 0);
  const maxMiB = intOption(o.maxMemory, "--max-memory", 1024, 16);
  const geneColumn = o.geneNames ?? "id";
  if (geneColumn !== "id" && geneColumn !== "name") throw new UserError(`--gene-names must be id or name, got '${o.geneNames}'`);
  const shard = o.shard ? parseShard(o.shard) : { index: 1, count: 1 };
  const test = o.test ?? "t";
  if (test !== "t" && test !== "wald") throw new UserError(`--test must be t or wald, got '${o.test}'`);
  const zi = deZeroInflation(o.zi, "--zi");
  const runOptions = { fallback: o.fallback, smallSample: test === "t" && !zi, zi };
  const log = (s: string) => { if (!o.quiet) process.stderr.write(s + "\n"); };

  const src: CountSource = await openCounts(o.counts, { geneColumn, layer: o.layer });
  try {
    return await deRun(o, src, { t0, threads, minCells, maxMiB, shard, test, runOptions, log });
  } finally {
    src.close?.();
  }
}

interface RunSettings {
  t0: number;
  threads: number;
  minCells: number;
  maxMiB: number;
  shard: { index: number; count: number };
  test: string;
  runOptions: RunOptions;
  log: (s: string) => void;
}

async function deRun(o: DeOptions, src: CountSource, st: RunSettings): Promise<DeSummary> {
  const { t0, minCells, maxMiB, shard, test, runOptions, log } = st;
  const frame = readFrameFile(o.cells);
  const bcol = o.barcodeColumn ?? (frame.has("barcode") ? "barcode" : frame.names[0]);
  const rowOfColumn = matchBarcodes(src.barcodes, frame, bcol, basename(src.name));
  const design = buildCellDesign(frame, o.formula, rowOfColumn, { offset: o.offset, refLevels: parseRefs(o.ref ?? []) });
  for (const w of design.warnings) log(`glmm de: note: ${w}`);
  // before hours of fitting: --out is not an input and can be written
  checkOutputFile(o.out);

  // genes of this shard; those in fewer than --genes-min-cells cells are skipped
  const [g0, g1] = shardRange(src.genes.length, shard);
  const nonzero = await countNonzeroCells(src, design.posOfColumn);
  const selected: number[] = [];
  for (let g = g0; g < g1; g++) if (nonzero[g] >= Math.max(minCells, 1)) selected.push(g);
  const fits = new Map<number, GeneFit>();
  const progress = progressBar("glmm de", { enabled: !o.quiet, unit: "genes" });
  let fitCount = 0;
  const threads = Math.max(1, Math.min(st.threads, availableParallelism(), selected.length));
  const pool = threads > 1 ? new DePool(threads, design, runOptions) : null;
  const tFit = performance.now();
  try {
    const budget = Math.floor((maxMiB * 1024 * 1024) / 8);
    for (const genes of planBlocks(Int32Array.from(selected), nonzero, budget)) {
      const block = await readGeneBlock(src, design.posOfColumn, genes, nonzero);
      await fitBlock(block, design, pool, threads, runOptions, (k, f) => { fits.set(genes[k], f); progress.update(++fitCount, selected.length); });
    }
  } finally {
    await pool?.close();
    progress.finish();
  }
  const fitSeconds = (performance.now() - tFit) / 1000;

  const rows: DeRow[] = [];
  let failed = 0, skipped = 0;
  for (let g = g0; g < g1; g++) {
    const name = src.genes[g];
    const f = fits.get(g);
    if (!f) {
      skipped++;
      rows.push(failedRow(name, nonzero[g] === 0 ? "skipped: no nonzero counts" : `skipped: nonzero in ${nonzero[g]} cells (< --genes-min-cells ${minCells})`, true));
      continue;
    }
    if (!f.ok) failed++;
    rows.push(...geneRows(name, design.xnames, f, test === "t" ? design.df : null));
  }
  adjustByTerm(rows);
  const shardLine = o.shard ? { ...shard, g0, g1, genes: src.genes.length, digest: inputDigest(o, src, minCells, test) } : undefined;
  writeFileAtomic(o.out, formatDeCsv(rows, shardLine));
  const seconds = (performance.now() - t0) / 1000;
  const fitted = selected.length - failed;
  log(`glmm de: ${fitted} genes fitted, ${failed} failed, ${skipped} skipped in ${seconds.toFixed(1)} s ` +
    `(${(selected.length / Math.max(fitSeconds, 1e-9)).toFixed(0)} genes/s on ${threads} thread${threads > 1 ? "s" : ""}); wrote ${o.out}`);
  return { genes: g1 - g0, fitted, failed, skipped, seconds, fitSeconds, threads };
}

/**
 * What a shard's results depend on, hashed: the options that change them and the inputs (gene and
 * barcode lists, the cell table's bytes, the count file's size). Shards of one run share it.
 */
function inputDigest(o: DeOptions, src: CountSource, minCells: number, test: string): string {
  const h = createHash("sha256");
  const refs = Object.entries(parseRefs(o.ref ?? [])).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const count = o.shard ? parseShard(o.shard).count : 1;
  h.update(JSON.stringify({ formula: o.formula, offset: o.offset ?? null, refs, minCells, test, zi: o.zi !== undefined, geneNames: o.geneNames ?? "id", layer: o.layer ?? null, fallback: o.fallback !== false, barcodeColumn: o.barcodeColumn ?? null, count }));
  for (const g of src.genes) h.update(g + "\n");
  h.update("\u0000");
  for (const b of src.barcodes) h.update(b + "\n");
  h.update(readBytes(o.cells, "cell table"));
  try { h.update(String(statSync(src.name).size)); } catch { /* a source without a file */ }
  return h.digest("hex").slice(0, 16);
}

/** Fit one block of genes: in tasks of a few genes over the pool, or here when single-threaded. */
async function fitBlock(
  block: { genes: Int32Array; indptr: Int32Array; pos: Int32Array; y: Int32Array },
  design: CellDesign, pool: DePool | null, threads: number, runOptions: RunOptions,
  done: (k: number, f: GeneFit) => void,
): Promise<void> {
  const ng = block.genes.length;
  if (!pool) {
    const fitter = new NBGeneFitter(design);
    for (let k = 0; k < ng; k++) {
      const [f] = fitGenes(fitter, block, k, k + 1, runOptions);
      done(k, f);
      if (k % 16 === 15) await new Promise((r) => setImmediate(r)); // let the progress bar draw
    }
    return;
  }
  // tasks small enough to balance the threads and update progress, large enough to amortize
  // messages; cut (copied) only when a thread can take them, so that the copies stay few
  const per = Math.max(1, Math.min(64, Math.ceil(ng / (threads * 16))));
  let next = 0, id = 0;
  const take = (): Promise<void> | null => {
    if (next >= ng) return null;
    const k0 = next, k1 = Math.min(ng, k0 + per);
    next = k1;
    const a = block.indptr[k0], b = block.indptr[k1];
    const indptr = new Int32Array(k1 - k0 + 1);
    for (let k = k0; k <= k1; k++) indptr[k - k0] = block.indptr[k] - a;
    const task = { id: id++, indptr, pos: block.pos.slice(a, b), y: block.y.slice(a, b) };
    return pool.run(task).then((fs) => {
      fs.forEach((f, i) => done(k0 + i, f));
      return take() ?? undefined;
    });
  };
  const lanes: Promise<void>[] = [];
  for (let i = 0; i < threads * 2; i++) {
    const t = take();
    if (t) lanes.push(t);
  }
  await Promise.all(lanes);
}

/** `glmm de`: its flags (commander) */
export function registerDe(p: Command): void {
  p.command("de")
    .description("single-cell differential expression: a negative binomial GLMM per gene with a random intercept per patient")
    .requiredOption("--counts <path>", "10x directory (matrix.mtx[.gz], features.tsv[.gz], barcodes.tsv[.gz]) or .h5ad file")
    .requiredOption("--cells <file>", "CSV of cell metadata, one row per barcode")
    .requiredOption("--formula <formula>", "fixed effects and one random intercept, no response: \"~ disease + (1 | patient)\"")
    .option("--offset <expr>", "offset expression on the cell table, e.g. \"log(total_umi)\"")
    .requiredOption("--out <file>", "result CSV (written to a temporary file, renamed when complete)")
    .option("--threads <n>", "worker threads (default: all cores)")
    .option("--genes-min-cells <k>", "skip genes with a nonzero count in fewer than k cells", "10")
    .option("--shard <i/N>", "fit only the i-th of N contiguous slices of the genes (1-based)")
    .option("--barcode-column <name>", "barcode column of --cells (default: 'barcode', else the first column)")
    .option("--gene-names <id|name>", "gene label: id (features.tsv column 1, h5ad var index) or name (column 2)", "id")
    .option("--layer <name>", "h5ad: read layers/<name> instead of X")
    .option("--ref <col=level>", "reference level of a factor (repeatable)", collect, [])
    .option("--max-memory <MiB>", "memory for the counts held at once; larger inputs are read in several passes", "1024")
    .option("--test <t|wald>", "t: Wald t with the patient variance by REML and between-within df (small-sample); wald: z on the ML fit (as glmmTMB's summary)", "t")
    .option("--zi <formula>", "\"~ 1\": zero-inflated NB2 with one zero-inflation probability per gene (glmmTMB's ziformula = ~1; the general GLMM engine, slower; t tests use the ML fit)")
    .option("--no-fallback", "do not refit failed genes with the general GLMM engine")
    .option("--quiet", "no progress bar or summary on stderr")
    .addHelpText("after", `
Output (CSV): gene,term,estimate,se,statistic,p,padj,sd_patient,nb_size,converged,message
  estimate, se    the ML Laplace fit (as glmmTMB), one row per fixed-effect term
  statistic, p    --test t: t with the patient variance by REML, Student's t on between-within df;
                  --test wald: estimate/se and its normal p-value
  padj            Benjamini-Hochberg over genes, per term
  nb_size         capped at 1e8 (the Poisson limit; said in message)
  --zi "~ 1"       one more row per gene, term zi~(Intercept): the logit of the zero-inflation
                  probability, its SE and Wald z
A gene that fails or is skipped gets one row with term empty and the reason in message.`)
    .action(async (opts) => { await deCommand(opts); });
}
