// AnnData (.h5ad) count matrices as a CountSource: X (or layers/<name>) stored as CSR (cells ×
// genes, the usual), CSC or dense, read in slices of at most ~1M entries; barcodes from obs's index,
// gene labels from var's index (or a gene-name column). The HDF5 file object comes from the caller
// (h5wasm in Node or in a browser), described here by the few members used. Browser-safe.
import { UserError } from "../errors.js";
import type { CountSource, EntryBatch } from "./counts.js";

/** An HDF5 attribute (the subset of h5wasm's API the .h5ad reader uses). */
export interface H5Attr { readonly value: unknown }
/** An HDF5 dataset (the subset of h5wasm's API the .h5ad reader uses). */
export interface H5Dataset {
  readonly shape: number[] | null;
  readonly value: unknown;
  readonly attrs: Record<string, H5Attr>;
  slice(ranges: Array<[number, number] | []>): unknown;
}
/** An HDF5 group (the subset of h5wasm's API the .h5ad reader uses). */
export interface H5Group {
  readonly attrs: Record<string, H5Attr>;
  keys(): string[];
  get(name: string): H5Group | H5Dataset | null;
}

function isGroup(x: H5Group | H5Dataset | null): x is H5Group {
  return !!x && typeof (x as H5Group).keys === "function";
}

function attr(obj: { attrs: Record<string, H5Attr> }, name: string): unknown {
  const a = obj.attrs[name];
  return a ? a.value : undefined;
}

function str(v: unknown): string | undefined {
  if (typeof v === "string") return v;
  if (Array.isArray(v) && typeof v[0] === "string") return v[0];
  return undefined;
}

/** numbers from a typed array (BigInt64 for int64 indices) */
function toNumbers(v: unknown, what: string, source: string): Float64Array | Int32Array {
  if (v instanceof Int32Array || v instanceof Float64Array) return v;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Float64Array.from(v as ArrayLike<bigint>, (x) => Number(x));
  if (ArrayBuffer.isView(v)) return Float64Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return Float64Array.from(v as number[]);
  throw new UserError(`${source}: ${what} is not a numeric array`);
}

function strings(ds: H5Group | H5Dataset | null, what: string, source: string): string[] {
  if (!ds || isGroup(ds)) {
    // a categorical column: codes + categories
    if (ds && isGroup(ds) && ds.get("codes") && ds.get("categories")) {
      const cats = strings(ds.get("categories"), what, source);
      const codes = toNumbers((ds.get("codes") as H5Dataset).value, what, source);
      return Array.from(codes, (c) => (c >= 0 ? cats[c] : ""));
    }
    throw new UserError(`${source}: ${what} not found`);
  }
  const v = ds.value;
  if (Array.isArray(v) && v.every((s) => typeof s === "string")) return v as string[];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number | bigint>, (x) => String(x));
  throw new UserError(`${source}: ${what} is not a list of strings`);
}

/** obs or var index (the dataframe's `_index` attribute names the dataset). */
function dataframeIndex(root: H5Group, name: "obs" | "var", source: string): string[] {
  const g = root.get(name);
  if (!g) throw new UserError(`${source}: no '${name}' table`);
  if (!isGroup(g)) throw new UserError(`${source}: '${name}' is an old AnnData layout (a compound dataset); re-save the file with anndata ≥ 0.7`);
  const idx = str(attr(g, "_index")) ?? "_index";
  return strings(g.get(idx), `${name} index '${idx}'`, source);
}

const NAME_COLUMNS = ["gene_symbols", "gene_symbol", "gene_name", "gene_names", "feature_name", "features", "symbol"];

/** Options of the .h5ad reader: gene names from var's index or a column, and the layer of counts. */
export interface H5adOptions {
  readonly geneColumn?: "id" | "name";
  readonly layer?: string;
}

/** A CountSource over an open .h5ad file. */
export function h5adSource(root: H5Group, source: string, options: H5adOptions = {}): CountSource {
  const barcodes = dataframeIndex(root, "obs", source);
  let genes = dataframeIndex(root, "var", source);
  if (options.geneColumn === "name") {
    const v = root.get("var") as H5Group;
    const col = NAME_COLUMNS.find((c) => v.get(c));
    if (!col) throw new UserError(`${source}: --gene-names name needs a var column with gene names (${NAME_COLUMNS.join(", ")}); the var index is used with --gene-names id`);
    genes = strings(v.get(col), `var column '${col}'`, source);
  }
  const where = options.layer ? `layers/${options.layer}` : "X";
  const X = root.get(where);
  if (!X) throw new UserError(`${source}: no '${where}'${options.layer ? ` (layers: ${isGroup(root.get("layers")) ? (root.get("layers") as H5Group).keys().join(", ") : "none"})` : ""}`);
  const nObs = barcodes.length, nVar = genes.length;
  let scan: (onBatch: EntryBatch) => Promise<void>;
  if (isGroup(X)) {
    const enc = str(attr(X, "encoding-type")) ?? (str(attr(X, "h5sparse_format")) === "csr" ? "csr_matrix" : str(attr(X, "h5sparse_format")) === "csc" ? "csc_matrix" : undefined);
    if (enc !== "csr_matrix" && enc !== "csc_matrix") throw new UserError(`${source}: ${where} is a group with encoding '${enc ?? "none"}'; expected csr_matrix or csc_matrix`);
    const shapeAttr = attr(X, "shape") ?? attr(X, "h5sparse_shape");
    if (shapeAttr !== undefined) {
      const sh = toNumbers(shapeAttr, "shape", source);
      if (sh[0] !== nObs || sh[1] !== nVar) throw new UserError(`${source}: ${where} is ${sh[0]} × ${sh[1]} but obs has ${nObs} cells and var ${nVar} genes`);
    }
    const data = X.get("data"), indices = X.get("indices"), indptrDs = X.get("indptr");
    if (!data || !indices || !indptrDs || isGroup(data) || isGroup(indices) || isGroup(indptrDs)) throw new UserError(`${source}: ${where} lacks data, indices or indptr`);
    const csr = enc === "csr_matrix";
    const nMajor = csr ? nObs : nVar;
    scan = async (onBatch) => {
      const indptr = toNumbers(indptrDs.value, `${where}/indptr`, source);
      if (indptr.length !== nMajor + 1) throw new UserError(`${source}: ${where}/indptr has ${indptr.length} entries, expected ${nMajor + 1}`);
      // a non-monotone indptr would hand rows each other's entries: check it all before using any
      const nnz = data.shape?.[0];
      if (indptr[0] !== 0) throw new UserError(`${source}: ${where}/indptr starts at ${indptr[0]}, not 0`);
      for (let m = 0; m < nMajor; m++) {
        if (!(indptr[m + 1] >= indptr[m])) throw new UserError(`${source}: ${where}/indptr decreases at position ${m + 1} (${indptr[m]} then ${indptr[m + 1]}); the file is corrupt`);
      }
      if (nnz !== undefined && indptr[nMajor] !== nnz) throw new UserError(`${source}: ${where}/indptr ends at ${indptr[nMajor]} but ${where}/data has ${nnz} entries`);
      const cap = 1 << 20;
      let gs = new Int32Array(0), cs = new Int32Array(0), vs = new Float64Array(0);
      for (let m0 = 0; m0 < nMajor;) {
        let m1 = m0 + 1;
        while (m1 < nMajor && indptr[m1 + 1] - indptr[m0] <= cap) m1++;
        const a = indptr[m0], b = indptr[m1];
        if (b > a) {
          const vals = toNumbers(data.slice([[a, b]]), `${where}/data`, source);
          const idx = toNumbers(indices.slice([[a, b]]), `${where}/indices`, source);
          const len = b - a;
          if (gs.length < len) { gs = new Int32Array(len); cs = new Int32Array(len); vs = new Float64Array(len); }
          for (let m = m0; m < m1; m++) {
            for (let z = indptr[m] - a; z < indptr[m + 1] - a; z++) {
              const minor = idx[z];
              if (!(minor >= 0 && minor < (csr ? nVar : nObs))) throw new UserError(`${source}: ${where}/indices has ${minor}, outside 0..${(csr ? nVar : nObs) - 1}`);
              if (csr) { cs[z] = m; gs[z] = minor; } else { gs[z] = m; cs[z] = minor; }
              vs[z] = vals[z];
            }
          }
          onBatch(gs, cs, vs, len);
        }
        m0 = m1;
      }
    };
  } else {
    const sh = X.shape;
    if (!sh || sh.length !== 2 || sh[0] !== nObs || sh[1] !== nVar) throw new UserError(`${source}: ${where} has shape ${JSON.stringify(sh)}, expected [${nObs}, ${nVar}]`);
    scan = async (onBatch) => {
      const rowsPer = Math.max(1, Math.floor((1 << 20) / Math.max(1, nVar)));
      for (let r0 = 0; r0 < nObs; r0 += rowsPer) {
        const r1 = Math.min(nObs, r0 + rowsPer);
        const block = toNumbers(X.slice([[r0, r1], []]), where, source);
        let n = 0;
        const gs = new Int32Array(block.length), cs = new Int32Array(block.length), vs = new Float64Array(block.length);
        for (let r = r0; r < r1; r++)
          for (let g = 0; g < nVar; g++) {
            const v = block[(r - r0) * nVar + g];
            if (v !== 0) { gs[n] = g; cs[n] = r; vs[n++] = v; }
          }
        if (n) onBatch(gs, cs, vs, n);
      }
    };
  }
  return { name: source, genes, barcodes, scan };
}
