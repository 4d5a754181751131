// Count matrices as a stream of (gene, cell, count) entries, read gene-wise in blocks: one pass
// counts each gene's nonzero cells, then each block of genes (sized to a memory budget) is one more
// pass that keeps only that block's entries, in a compressed sparse layout by gene. The whole
// genes × cells matrix is never held, dense or sparse, unless it fits the budget. Browser-safe: the
// sources (10x files, h5ad) are opened at the edges and handed in through `CountSource`.
import { UserError } from "../errors.js";

/** Receives count entries (gene, cell, value) in batches; the arrays are reused after the call. */
export type EntryBatch = (genes: Int32Array, cells: Int32Array, vals: Float64Array, count: number) => void;

/** A gene × cell count matrix that streams its entries (Matrix Market or .h5ad). */
export interface CountSource {
  /** what to call it in messages, e.g. "pbmc/matrix.mtx" */
  readonly name: string;
  readonly genes: readonly string[];
  readonly barcodes: readonly string[];
  /** one pass over every stored entry (0-based gene and cell indices) */
  scan(onBatch: EntryBatch): Promise<void>;
  /** release the file, if the source holds one open */
  close?(): void;
}

/** The nonzero counts of a set of genes: gene g's cells are pos[indptr[g] .. indptr[g+1]-1]. */
export interface GeneBlock {
  /** gene indices (into the source's gene list) */
  readonly genes: Int32Array;
  readonly indptr: Int32Array;
  /** design positions of the cells */
  readonly pos: Int32Array;
  readonly y: Int32Array;
}

/** Number of cells (used by the design) with a nonzero count, per gene. */
export async function countNonzeroCells(src: CountSource, posOfColumn: Int32Array): Promise<Int32Array> {
  const counts = new Int32Array(src.genes.length);
  await src.scan((genes, cells, vals, count) => {
    for (let i = 0; i < count; i++) {
      if (vals[i] !== 0 && posOfColumn[cells[i]] >= 0) counts[genes[i]]++;
    }
  });
  return counts;
}

/** Split the selected genes (in order) into consecutive blocks of at most `budget` entries each. */
export function planBlocks(selected: Int32Array, nonzero: Int32Array, budget: number): Int32Array[] {
  const blocks: Int32Array[] = [];
  let start = 0, acc = 0;
  for (let i = 0; i < selected.length; i++) {
    const c = nonzero[selected[i]];
    if (i > start && acc + c > budget) {
      blocks.push(selected.slice(start, i));
      start = i;
      acc = 0;
    }
    acc += c;
  }
  if (start < selected.length) blocks.push(selected.slice(start));
  return blocks;
}

/** One pass over the source keeping the entries of `genes` (their nonzero counts known). */
export async function readGeneBlock(src: CountSource, posOfColumn: Int32Array, genes: Int32Array, nonzero: Int32Array): Promise<GeneBlock> {
  const slot = new Int32Array(src.genes.length).fill(-1);
  const indptr = new Int32Array(genes.length + 1);
  for (let k = 0; k < genes.length; k++) {
    slot[genes[k]] = k;
    indptr[k + 1] = indptr[k] + nonzero[genes[k]];
  }
  const total = indptr[genes.length];
  const pos = new Int32Array(total);
  const y = new Int32Array(total);
  const fill = indptr.slice(0, genes.length);
  await src.scan((gs, cells, vals, count) => {
    for (let i = 0; i < count; i++) {
      const k = slot[gs[i]];
      if (k < 0) continue;
      const v = vals[i];
      if (v === 0) continue;
      const p = posOfColumn[cells[i]];
      if (p < 0) continue;
      if (!(v > 0) || v !== Math.floor(v) || v > 2147483647)
        throw new UserError(`${src.name}: the count of gene '${src.genes[gs[i]]}' in cell '${src.barcodes[cells[i]]}' is ${v}; the model needs raw counts (non-negative integers)`);
      const z = fill[k]++;
      if (z >= indptr[k + 1]) throw new Error(`gene ${src.genes[gs[i]]}: more entries than in the first pass`);
      pos[z] = p;
      y[z] = v;
    }
  });
  for (let k = 0; k < genes.length; k++)
    if (fill[k] !== indptr[k + 1]) throw new Error(`gene ${src.genes[genes[k]]}: fewer entries than in the first pass`);
  checkNoDuplicates(src, posOfColumn, genes, indptr, pos);
  return { genes, indptr, pos, y };
}

/**
 * Two entries for one (gene, cell) are a corrupt matrix (a 10x file holds each once; summing them
 * would silently double counts): refused, naming the gene and the cell. One stamp per cell, O(nnz).
 */
function checkNoDuplicates(src: CountSource, posOfColumn: Int32Array, genes: Int32Array, indptr: Int32Array, pos: Int32Array): void {
  let npos = 0;
  for (let c = 0; c < posOfColumn.length; c++) if (posOfColumn[c] >= npos) npos = posOfColumn[c] + 1;
  const stamp = new Int32Array(npos).fill(-1);
  for (let k = 0; k < genes.length; k++) {
    for (let z = indptr[k]; z < indptr[k + 1]; z++) {
      const p = pos[z];
      if (stamp[p] === k) {
        const cell = posOfColumn.indexOf(p);
        throw new UserError(`${src.name}: gene '${src.genes[genes[k]]}' has two entries for cell '${src.barcodes[cell]}'; a count matrix holds each (gene, cell) once (duplicate entries are not summed)`);
      }
      stamp[p] = k;
    }
  }
}

/**
 * 10x features.tsv / genes.tsv: tab-separated id, name[, type]; the gene label is the id (column 1)
 * or the name (column 2).
 */
export function parseFeatures(text: string, source: string, column: "id" | "name" = "id"): string[] {
  const out: string[] = [];
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const f = lines[i].split("\t");
    const v = column === "name" ? f[1] : f[0];
    if (v === undefined || v === "") throw new UserError(`${source} line ${i + 1}: no gene ${column} (expected tab-separated id, name, type)`);
    out.push(v);
  }
  return out;
}

/** 10x barcodes.tsv: one barcode per line. */
export function parseBarcodes(text: string, source: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].split("\t")[0].trim();
    if (t === "") throw new UserError(`${source} line ${i + 1}: empty barcode`);
    lines[i] = t;
  }
  return lines;
}
