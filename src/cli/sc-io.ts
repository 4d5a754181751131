// File access for single-cell count matrices (Node only): a 10x directory (matrix.mtx[.gz],
// features.tsv[.gz] or genes.tsv[.gz], barcodes.tsv[.gz]) streamed through the MatrixMarket parser,
// or an AnnData .h5ad file read with h5wasm in slices. Both become a CountSource that can be scanned
// any number of times without holding the matrix.
import { createReadStream, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { createGunzip, gunzipSync } from "node:zlib";
import { UserError } from "../errors.js";
import { type CountSource, type EntryBatch, parseBarcodes, parseFeatures } from "../singlecell/counts.js";
import { MtxStreamParser } from "../singlecell/mtx.js";
import { openH5ad } from "./h5ad-io.js";
import { readBytes, registerInput } from "./io.js";

export interface OpenOptions {
  /** gene label: the id (first column of features.tsv, or var's index) or the name */
  readonly geneColumn?: "id" | "name";
  /** h5ad: read /layers/<layer> instead of /X */
  readonly layer?: string;
}

/** Open a 10x directory or an .h5ad file. */
export async function openCounts(path: string, options: OpenOptions = {}): Promise<CountSource> {
  if (!existsSync(path)) throw new UserError(`cannot read counts '${path}': no such file or directory`);
  if (statSync(path).isDirectory()) return open10x(path, options);
  if (/\.h5ad$/i.test(path)) {
    if (!statSync(path).isFile()) throw new UserError(`cannot read counts '${path}': not a regular file`);
    registerInput(path);
    return openH5ad(path, options);
  }
  throw new UserError(`--counts must be a 10x directory (matrix.mtx, features.tsv, barcodes.tsv) or an .h5ad file, not '${path}'`);
}

function findFile(dir: string, names: string[], what: string): string {
  for (const n of names) {
    for (const f of [n, `${n}.gz`]) if (existsSync(join(dir, f))) return join(dir, f);
  }
  throw new UserError(`10x directory '${dir}' has no ${what} (${names.map((n) => `${n}[.gz]`).join(" or ")})`);
}

function readMaybeGz(path: string): string {
  const buf = readBytes(path, "10x file");
  try {
    return (path.endsWith(".gz") ? gunzipSync(buf, { maxOutputLength: 512 * 2 ** 20 }) : buf).toString("utf8");
  } catch (e) {
    throw new UserError(`cannot read '${path}': ${(e as Error).message.split("\n")[0]}`);
  }
}

export function open10x(dir: string, options: OpenOptions = {}): CountSource {
  const mtx = findFile(dir, ["matrix.mtx"], "matrix");
  const feat = findFile(dir, ["features.tsv", "genes.tsv"], "gene list");
  const bc = findFile(dir, ["barcodes.tsv"], "barcode list");
  const genes = parseFeatures(readMaybeGz(feat), feat, options.geneColumn ?? "id");
  const barcodes = parseBarcodes(readMaybeGz(bc), bc);
  if (!statSync(mtx).isFile()) throw new UserError(`cannot read '${mtx}': not a regular file`);
  registerInput(mtx);
  return {
    name: mtx,
    genes,
    barcodes,
    scan: (onBatch: EntryBatch) => scanMtx(mtx, genes.length, barcodes.length, onBatch),
  };
}

async function scanMtx(path: string, ngenes: number, ncells: number, onBatch: EntryBatch): Promise<void> {
  const parser = new MtxStreamParser(
    path,
    (h) => {
      if (h.rows !== ngenes || h.cols !== ncells)
        throw new UserError(`${path} is ${h.rows} × ${h.cols} but the directory lists ${ngenes} genes and ${ncells} barcodes`);
    },
    (rows, cols, vals, count) => onBatch(rows, cols, vals, count),
  );
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = path.endsWith(".gz") ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  try {
    for await (const chunk of stream) parser.push(chunk as Uint8Array);
  } catch (e) {
    raw.destroy();
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot read '${path}': ${(e as Error).message.split("\n")[0]}`);
  }
  parser.end();
}
