// Test-only: the pbmc60 fixture (first 60 genes of pbmc_sim, all 3,000 cells) loaded once, and the
// glmmTMB reference tables next to it.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readFrameFile } from "../../src/cli/io.js";
import { open10x } from "../../src/cli/sc-io.js";
import { countNonzeroCells, type GeneBlock, readGeneBlock } from "../../src/singlecell/counts.js";
import { buildCellDesign, type CellDesign, matchBarcodes } from "../../src/singlecell/design.js";

const here = dirname(fileURLToPath(import.meta.url));
/** dist/test/singlecell → project root */
export const root = join(here, "..", "..", "..");
export const fixtures = join(root, "test", "fixtures", "singlecell");
export const pbmc60 = join(fixtures, "pbmc60");
export const cellsCsv = join(fixtures, "cells.csv");

export interface Loaded {
  design: CellDesign;
  block: GeneBlock;
  genes: readonly string[];
}

let cache: Promise<Loaded> | null = null;

export function loadPbmc60(): Promise<Loaded> {
  cache ??= (async () => {
    const src = open10x(pbmc60);
    const frame = readFrameFile(cellsCsv);
    const design = buildCellDesign(frame, "~ disease + (1 | patient)", matchBarcodes(src.barcodes, frame, "barcode"), { offset: "log(total_umi)" });
    const nz = await countNonzeroCells(src, design.posOfColumn);
    const block = await readGeneBlock(src, design.posOfColumn, Int32Array.from({ length: src.genes.length }, (_, i) => i), nz);
    return { design, block, genes: src.genes };
  })();
  return cache;
}

/** gene k's nonzero cells (design positions) and counts */
export function geneData(l: Loaded, k: number): { pos: Int32Array; y: Int32Array } {
  const a = l.block.indptr[k], b = l.block.indptr[k + 1];
  return { pos: l.block.pos.subarray(a, b), y: l.block.y.subarray(a, b) };
}

export interface TmbRow {
  gene: string;
  estimate: number;
  se: number;
  p: number;
  sdPatient: number;
  nbSize: number;
  logLik: number;
  warning: string;
}

/** /work/shared/reference/pbmc_sim_glmmtmb.csv: glmmTMB NB2 fits of the first 50 genes */
export function glmmTMBReference(): TmbRow[] {
  const lines = readFileSync(join(fixtures, "pbmc_sim_glmmtmb.csv"), "utf8").trim().split(/\r?\n/).slice(1);
  return lines.map((l) => {
    // the warning is the only field that may contain commas; it is quoted
    const m = /^"([^"]*)",([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*),"([^"]*)",([^,]*)$/.exec(l);
    if (!m) throw new Error(`unexpected line ${l}`);
    return { gene: m[1], estimate: +m[2], se: +m[3], p: +m[4], sdPatient: +m[5], nbSize: +m[6], logLik: m[7] === "NA" ? NaN : +m[7], warning: m[8] };
  });
}

export function truth(): Map<string, boolean> {
  const lines = readFileSync(join(fixtures, "truth.csv"), "utf8").trim().split(/\r?\n/).slice(1);
  return new Map(lines.map((l) => { const f = l.split(","); return [f[0].replace(/"/g, ""), f[1] === "TRUE"]; }));
}
