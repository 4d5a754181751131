// Single-cell differential expression from counts held in memory (the CLI's `glmm de` streams them
// from a 10x folder or an .h5ad file): one negative binomial GLMM per gene, fitted one after another
// on this thread, BH-adjusted per term.
import { UserError } from "../errors.js";
import { buildCellDesign } from "../singlecell/design.js";
import { NBGeneFitter } from "../singlecell/nbgene.js";
import { adjustByTerm, failedRow, geneRows, type DeRow } from "../singlecell/results.js";
import { deZeroInflation, fitOneGene } from "../singlecell/run.js";
import { toFrame, type DataInput } from "./data.js";
import { checkChoice, checkOptions, refLevelsOption } from "./options.js";

/**
 * A sparse count matrix in compressed form (scipy's csr_matrix/csc_matrix layout). Rows are genes
 * and columns cells: "csr" stores each gene's nonzero cells, "csc" each cell's nonzero genes.
 */
export interface SparseCounts {
  readonly format: "csr" | "csc";
  /** [genes, cells] */
  readonly shape: readonly [number, number];
  readonly indptr: ArrayLike<number>;
  readonly indices: ArrayLike<number>;
  readonly data: ArrayLike<number>;
}

/** Counts: one array of cell counts per gene (genes × cells), or a sparse matrix. */
export type CountsInput = ReadonlyArray<ArrayLike<number>> | SparseCounts;

/** Options of {@link de}. */
export interface DeOptions {
  /** gene names (default gene1, gene2, ...) */
  readonly genes?: readonly string[];
  /** offset expression on the cell table, e.g. "log(total_umi)" */
  readonly offset?: string;
  /** reference levels of factors */
  readonly refLevels?: Readonly<Record<string, string>> | readonly string[];
  /** "t" (default: small-sample t with REML patient variance) or "wald" (z on the ML fit, as glmmTMB) */
  readonly test?: "t" | "wald";
  /** skip genes with a nonzero count in fewer cells (default 10) */
  readonly minCells?: number;
  /** refit failed genes with the general GLMM engine (default true) */
  readonly fallback?: boolean;
  /** "~ 1": zero-inflated NB2 with one zero-inflation probability per gene (one more row per gene, term "zi~(Intercept)") */
  readonly zi?: string;
}

const DE_KEYS = ["genes", "offset", "refLevels", "test", "minCells", "fallback", "zi"] as const;

/** per gene, its nonzero (cell, count) pairs */
function geneEntries(counts: CountsInput, nCells: number): { n: number; cells: (g: number) => [Int32Array, Float64Array] } {
  if (Array.isArray(counts)) {
    const rows = counts as ReadonlyArray<ArrayLike<number>>;
    rows.forEach((r, g) => { if (!r || r.length !== nCells) throw new UserError(`de(): gene ${g + 1} has ${r?.length} counts; the cell table has ${nCells} rows`); });
    return {
      n: rows.length,
      cells: (g) => {
        const r = rows[g];
        const c: number[] = [], y: number[] = [];
        for (let i = 0; i < nCells; i++) if (r[i] !== 0) { c.push(i); y.push(r[i]); }
        return [Int32Array.from(c), Float64Array.from(y)];
      },
    };
  }
  const s = counts as SparseCounts;
  if (!s || (s.format !== "csr" && s.format !== "csc") || !s.shape) throw new UserError("de(): counts must be an array of per-gene count arrays or a sparse matrix { format: \"csr\" | \"csc\", shape, indptr, indices, data }");
  const [ng, nc] = s.shape;
  if (nc !== nCells) throw new UserError(`de(): the count matrix has ${nc} cells (columns); the cell table has ${nCells} rows`);
  const major = s.format === "csr" ? ng : nc;
  if (s.indptr.length !== major + 1 || s.indices.length !== s.data.length || s.indptr[major] !== s.data.length) throw new UserError(`de(): the ${s.format} matrix is inconsistent (indptr needs ${major + 1} entries ending at the ${s.data.length} stored values)`);
  if (s.format === "csr") {
    return { n: ng, cells: (g) => [Int32Array.from({ length: s.indptr[g + 1] - s.indptr[g] }, (_, k) => s.indices[s.indptr[g] + k]), Float64Array.from({ length: s.indptr[g + 1] - s.indptr[g] }, (_, k) => s.data[s.indptr[g] + k])] };
  }
  // csc: transpose once into per-gene lists
  const cnt = new Int32Array(ng + 1);
  for (let k = 0; k < s.indices.length; k++) cnt[s.indices[k] + 1]++;
  for (let g = 0; g < ng; g++) cnt[g + 1] += cnt[g];
  const fill = cnt.slice(0, ng), cells = new Int32Array(s.data.length), y = new Float64Array(s.data.length);
  for (let c = 0; c < nc; c++) for (let k = s.indptr[c]; k < s.indptr[c + 1]; k++) { const z = fill[s.indices[k]]++; cells[z] = c; y[z] = s.data[k]; }
  return { n: ng, cells: (g) => [cells.slice(cnt[g], cnt[g + 1]), y.slice(cnt[g], cnt[g + 1])] };
}

/**
 * Differential expression: for each gene, a negative binomial GLMM of its counts on the cell table's
 * formula ("~ disease + (1 | patient)", no response). Rows of `cells` are the count matrix's columns,
 * in order. Returns the table `glmm de` writes (one row per gene and term; failed or skipped genes
 * get one row with the reason).
 */
export function de(cells: DataInput, counts: CountsInput, formula: string, options: DeOptions = {}): DeRow[] {
  const o = checkOptions(options, DE_KEYS, "de()", { ref: "refLevels", genes_min_cells: "minCells", genesMinCells: "minCells" });
  const test = o.test === undefined ? "t" : checkChoice(o.test, ["t", "wald"] as const, "de(): test");
  const minCells = o.minCells ?? 10;
  if (!(Number.isInteger(minCells) && minCells >= 0)) throw new UserError(`de(): minCells must be an integer ≥ 0, not ${JSON.stringify(o.minCells)}`);
  const frame = toFrame(cells, "cells");
  const rowOfColumn = Int32Array.from({ length: frame.nrow }, (_, i) => i);
  const design = buildCellDesign(frame, formula, rowOfColumn, { offset: o.offset, refLevels: refLevelsOption(o.refLevels, "de()") });
  const src = geneEntries(counts, frame.nrow);
  if (o.genes && o.genes.length !== src.n) throw new UserError(`de(): ${o.genes.length} gene names for ${src.n} genes`);
  const fitter = new NBGeneFitter(design);
  const zi = deZeroInflation(o.zi, "de(): zi");
  const runOptions = { fallback: o.fallback, smallSample: test === "t" && !zi, zi };
  const rows: DeRow[] = [];
  for (let g = 0; g < src.n; g++) {
    const name = o.genes ? o.genes[g] : `gene${g + 1}`;
    const [c, y] = src.cells(g);
    const pos = Int32Array.from(c, (k) => design.posOfColumn[k]);
    let nonzero = 0;
    for (let k = 0; k < y.length; k++) {
      if (!(y[k] >= 0) || Math.floor(y[k]) !== y[k]) throw new UserError(`de(): gene '${name}' has count ${y[k]} in cell ${c[k] + 1} (counts must be non-negative integers)`);
      if (pos[k] >= 0 && y[k] > 0) nonzero++;
    }
    if (nonzero < Math.max(minCells, 1)) {
      rows.push(failedRow(name, nonzero === 0 ? "skipped: no nonzero counts" : `skipped: nonzero in ${nonzero} cells (< minCells ${minCells})`, true));
      continue;
    }
    const f = fitOneGene(fitter, pos, Int32Array.from(y), runOptions);
    rows.push(...geneRows(name, design.xnames, f, test === "t" ? design.df : null));
  }
  adjustByTerm(rows);
  return rows;
}
