// MatrixMarket streaming (any chunking), 10x directories (plain and gzipped), .h5ad (CSR, CSC,
// dense X; written here with h5wasm in AnnData's layout), barcode matching and gene-block reading.
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { test, after } from "node:test";
import { loadH5wasm } from "../../src/cli/h5ad-io.js";
import { openCounts } from "../../src/cli/sc-io.js";
import { parseDelimited } from "../../src/data/csv.js";
import { UserError } from "../../src/errors.js";
import { countNonzeroCells, type CountSource, planBlocks, readGeneBlock } from "../../src/singlecell/counts.js";
import { buildCellDesign, matchBarcodes } from "../../src/singlecell/design.js";
import { MtxStreamParser } from "../../src/singlecell/mtx.js";
import { pbmc60 } from "./fixture.js";

const tmp = mkdtempSync(join(tmpdir(), "glmm-sc-readers-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

function parseAll(text: string, chunk: number): { rows: number[]; cols: number[]; vals: number[]; header: unknown } {
  const out = { rows: [] as number[], cols: [] as number[], vals: [] as number[], header: null as unknown };
  const p = new MtxStreamParser("m.mtx", (h) => (out.header = h), (r, c, v, n) => {
    for (let i = 0; i < n; i++) { out.rows.push(r[i]); out.cols.push(c[i]); out.vals.push(v[i]); }
  }, 3);
  const bytes = new TextEncoder().encode(text);
  for (let i = 0; i < bytes.length; i += chunk) p.push(bytes.subarray(i, i + chunk));
  p.end();
  return out;
}

const MTX = "%%MatrixMarket matrix coordinate integer general\n% a comment\n%another\n3 4 5\n1 1 2\n3 2 7\r\n\n2 4 1\n1 3 10\n3 4 123456\n";

test("MatrixMarket: the same entries whatever the chunk boundaries (CRLF, blank lines, comments)", () => {
  const ref = parseAll(MTX, 1 << 20);
  assert.deepEqual(ref.header, { rows: 3, cols: 4, nnz: 5, field: "integer" });
  assert.deepEqual(ref.rows, [0, 2, 1, 0, 2]);
  assert.deepEqual(ref.cols, [0, 1, 3, 2, 3]);
  assert.deepEqual(ref.vals, [2, 7, 1, 10, 123456]);
  for (let chunk = 1; chunk < 40; chunk++) assert.deepEqual(parseAll(MTX, chunk), ref, `chunk ${chunk}`);
  // real and pattern fields; no final newline
  const real = parseAll("%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1.5e1\n2 2 -0.25", 5);
  assert.deepEqual(real.vals, [15, -0.25]);
  const pat = parseAll("%%MatrixMarket matrix coordinate pattern general\n2 2 1\n2 1\n", 4);
  assert.deepEqual([pat.rows, pat.cols, pat.vals], [[1], [0], [1]]);
});

test("MatrixMarket: one-line errors naming the file and line", () => {
  const bad = (text: string, re: RegExp) => assert.throws(() => parseAll(text, 7), (e: unknown) => e instanceof UserError && re.test(e.message) && !e.message.includes("\n"));
  bad("hello\n1 1 1\n", /not a MatrixMarket file/);
  bad("%%MatrixMarket matrix array real general\n2 2\n", /coordinate/);
  bad("%%MatrixMarket matrix coordinate integer symmetric\n2 2 1\n1 1 1\n", /symmetry/);
  bad("%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 1\n", /announces 2 entries but the file has 1/);
  bad("%%MatrixMarket matrix coordinate integer general\n2 2 1\n3 1 1\n", /line 3: entry \(3, 1\) is outside the 2 × 2 matrix/);
  bad("%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1\n", /line 3: expected 3 numbers, found 2/);
  bad("%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 x\n", /'x' is not a number/);
  bad("%%MatrixMarket matrix coordinate integer general\n2 2 1\n1 1 1\n2 2 2\n", /more entries than the 1/);
});

const cellsText = readFileSync(join(pbmc60, "..", "cells.csv"), "utf8");

async function everything(src: CountSource) {
  const frame = parseDelimited(cellsText, { source: "cells.csv" });
  const design = buildCellDesign(frame, "~ disease + (1 | patient)", matchBarcodes(src.barcodes, frame, "barcode"), { offset: "log(total_umi)" });
  const nz = await countNonzeroCells(src, design.posOfColumn);
  const all = Int32Array.from({ length: src.genes.length }, (_, i) => i);
  const block = await readGeneBlock(src, design.posOfColumn, all, nz);
  // per gene: sorted (position, count) pairs
  const genes = Array.from(all, (k) => {
    const pairs: string[] = [];
    for (let z = block.indptr[k]; z < block.indptr[k + 1]; z++) pairs.push(`${block.pos[z]}:${block.y[z]}`);
    return pairs.sort().join(" ");
  });
  return { design, nz, genes };
}

test("10x directory: gzipped and plain matrix read alike; blocks under a budget partition the genes", async () => {
  const gz = await openCounts(pbmc60);
  assert.equal(gz.genes.length, 60);
  assert.equal(gz.barcodes.length, 3000);
  const plainDir = join(tmp, "plain");
  mkdirSync(plainDir, { recursive: true });
  copyFileSync(join(pbmc60, "features.tsv"), join(plainDir, "features.tsv"));
  copyFileSync(join(pbmc60, "barcodes.tsv"), join(plainDir, "barcodes.tsv"));
  writeFileSync(join(plainDir, "matrix.mtx"), gunzipSync(readFileSync(join(pbmc60, "matrix.mtx.gz"))));
  const a = await everything(gz);
  const b = await everything(await openCounts(plainDir));
  assert.deepEqual(a.genes, b.genes);
  assert.equal(a.nz.reduce((s, v) => s + v, 0), 65895); // the entries of the file (zcat | wc -l)
  // budget of 5,000 entries: every block but the last is full to within one gene, and all genes appear once
  const blocks = planBlocks(Int32Array.from({ length: 60 }, (_, i) => i), a.nz, 5000);
  assert.deepEqual(Array.from(blocks.flatMap((x) => Array.from(x))), Array.from({ length: 60 }, (_, i) => i));
  for (const bl of blocks) assert.ok(bl.length === 1 || bl.reduce((s, g) => s + a.nz[g], 0) <= 5000);
});

test("barcode mismatches are one error that counts them on both sides", () => {
  const frame = parseDelimited("barcode,x\nA,1\nB,2\nC,3\nD,4\n", { source: "cells.csv" });
  assert.deepEqual(Array.from(matchBarcodes(["C", "A", "D", "B"], frame, "barcode")), [2, 0, 3, 1]);
  assert.throws(() => matchBarcodes(["A", "B", "X", "Y", "Z"], frame, "barcode"), (e: unknown) =>
    e instanceof UserError && /3 of 5 barcodes of the count matrix are not in cells.csv \(e.g. 'X', 'Y', 'Z'\); 2 of 4 rows of cells.csv match no barcode/.test(e.message));
  const dup = parseDelimited("barcode,x\nA,1\nA,2\n", { source: "c.csv" });
  assert.throws(() => matchBarcodes(["A"], dup, "barcode"), /1 duplicated barcode/);
});

test("design: cells sorted by patient, between–within df, one random intercept required", () => {
  const frame = parseDelimited("barcode,p,g,u\na,P2,x,10\nb,P1,y,20\nc,P2,x,30\nd,P1,y,40\ne,P3,x,\n", { source: "c.csv" });
  const d = buildCellDesign(frame, "~ g + (1 | p)", Int32Array.from([0, 1, 2, 3, 4]), { offset: "log(u)" });
  assert.equal(d.n, 4); // cell e has no u
  assert.deepEqual(Array.from(d.groupStart), [0, 2, 4]);
  assert.deepEqual(Array.from(d.posOfColumn), [2, 0, 3, 1, -1]);
  assert.deepEqual(Array.from(d.df), [0, 0]); // 2 patients − 2 between-patient columns
  assert.ok(Math.abs(d.offset[0] - Math.log(20)) < 1e-15);
  assert.ok(d.groupX);
  assert.throws(() => buildCellDesign(frame, "y ~ g + (1 | p)", Int32Array.from([0, 1, 2, 3, 4])), /no response/);
  assert.throws(() => buildCellDesign(frame, "~ g", Int32Array.from([0, 1, 2, 3, 4])), /exactly one term like \(1 \| patient\)/);
  assert.throws(() => buildCellDesign(frame, "~ u + (u | p)", Int32Array.from([0, 1, 2, 3, 4])), /exactly one term/);
});

/** Write the fixture as AnnData: X in CSR, CSC or dense layout. */
async function writeH5ad(path: string, layout: "csr" | "csc" | "dense", src: CountSource, layer?: string) {
  const h5 = (await loadH5wasm()) as unknown as { File: new (p: string, m: string) => any };
  const G = src.genes.length, C = src.barcodes.length;
  const dense = new Float32Array(C * G);
  await src.scan((g, c, v, n) => { for (let i = 0; i < n; i++) dense[c[i] * G + g[i]] = v[i]; });
  const f = new h5.File(path, "w");
  f.create_attribute("encoding-type", "anndata");
  const frame = (name: string, index: string[], extra?: [string, string[]]) => {
    const g = f.create_group(name);
    g.create_attribute("_index", "_index");
    g.create_attribute("encoding-type", "dataframe");
    g.create_dataset({ name: "_index", data: index });
    if (extra) g.create_dataset({ name: extra[0], data: extra[1] });
  };
  frame("obs", src.barcodes as string[]);
  frame("var", src.genes as string[], ["gene_symbols", src.genes.map((s) => s.replace("GENE", "SYM"))]);
  const where = layer ? f.create_group("layers") : f;
  const name = layer ?? "X";
  if (layout === "dense") {
    where.create_dataset({ name, data: dense, shape: [C, G] });
  } else {
    const major = layout === "csr" ? C : G, minor = layout === "csr" ? G : C;
    const data: number[] = [], idx: number[] = [], ptr: bigint[] = [0n];
    for (let a = 0; a < major; a++) {
      for (let b = 0; b < minor; b++) {
        const v = layout === "csr" ? dense[a * G + b] : dense[b * G + a];
        if (v !== 0) { data.push(v); idx.push(b); }
      }
      ptr.push(BigInt(data.length));
    }
    const X = where.create_group(name);
    X.create_attribute("encoding-type", layout === "csr" ? "csr_matrix" : "csc_matrix");
    X.create_attribute("shape", new BigInt64Array([BigInt(C), BigInt(G)]));
    X.create_dataset({ name: "data", data: Float32Array.from(data) });
    X.create_dataset({ name: "indices", data: Int32Array.from(idx) });
    X.create_dataset({ name: "indptr", data: BigInt64Array.from(ptr) });
  }
  f.close();
}

test(".h5ad: CSR, CSC and dense X, and layers/<name>, read as the 10x directory; gene names from var", async () => {
  const tenx = await openCounts(pbmc60);
  const ref = await everything(tenx);
  for (const layout of ["csr", "csc", "dense"] as const) {
    const path = join(tmp, `pbmc60-${layout}.h5ad`);
    await writeH5ad(path, layout, tenx);
    const src = await openCounts(path);
    assert.deepEqual(src.genes, tenx.genes);
    const got = await everything(src);
    assert.deepEqual(got.genes, ref.genes, layout);
  }
  const lp = join(tmp, "layer.h5ad");
  await writeH5ad(lp, "csr", tenx, "counts");
  const named = await openCounts(lp, { layer: "counts", geneColumn: "name" });
  assert.equal(named.genes[0], "SYM00001");
  assert.deepEqual((await everything(named)).genes, ref.genes);
  await assert.rejects(openCounts(lp), /no 'X'/);
  await assert.rejects(openCounts(lp, { layer: "raw" }), /no 'layers\/raw' \(layers: counts\)/);
});

test("non-integer counts are an error naming gene and cell", async () => {
  const dir = join(tmp, "real");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "features.tsv"), "G1\tG1\nG2\tG2\n");
  writeFileSync(join(dir, "barcodes.tsv"), "a\nb\n");
  writeFileSync(join(dir, "matrix.mtx"), "%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n2 2 0.5\n");
  const src = await openCounts(dir);
  const pos = Int32Array.from([0, 1]);
  const nz = await countNonzeroCells(src, pos);
  await assert.rejects(readGeneBlock(src, pos, Int32Array.from([0, 1]), nz), /count of gene 'G2' in cell 'b' is 0.5; the model needs raw counts/);
  await assert.rejects(openCounts(join(tmp, "nope")), /no such file or directory/);
  writeFileSync(join(tmp, "x.txt"), "");
  await assert.rejects(openCounts(join(tmp, "x.txt")), /10x directory .* or an .h5ad file/);
});
