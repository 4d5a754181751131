// Root cause: the count readers trusted the structure of the file — duplicate (gene, cell) entries
// in a Matrix Market file were used as two observations, and a non-monotone indptr in an .h5ad
// handed cells each other's counts. Now the structure is validated while streaming: duplicates and
// a corrupt indptr are refused by name, as are the other corruptions of the class.
import assert from "node:assert/strict";
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { loadH5wasm } from "../../src/cli/h5ad-io.js";
import { assertRefused, glmm, scratch, snapshot } from "./helpers.js";

const dir = scratch("counts");
assert.equal(glmm(dir, "simulate-sc", "--out", "sc", "--genes", "12", "--cells", "80", "--patients", "4", "--quiet").status, 0);
const run = (counts: string) => glmm(dir, "de", "--counts", counts, "--cells", "sc/cells.csv", "--formula", "~ disease + (1 | patient)", "--threads", "1", "--quiet", "--genes-min-cells", "0", "--out", "de.csv");

/** A copy of the 10x directory with matrix.mtx's entries changed by `f` (the size line recomputed unless `keepSize`). */
function corrupt(name: string, f: (entries: string[]) => string[], keepSize = false): string {
  cpSync(join(dir, "sc"), join(dir, name), { recursive: true });
  const lines = readFileSync(join(dir, "sc", "matrix.mtx"), "utf8").trimEnd().split("\n");
  const head = lines.slice(0, 2), size = lines[2].trim().split(/\s+/), entries = f(lines.slice(3));
  if (!keepSize) size[2] = String(entries.length);
  writeFileSync(join(dir, name, "matrix.mtx"), [...head, size.join(" "), ...entries].join("\n") + "\n");
  return name;
}

const mtxCases: [string, string, RegExp][] = [
  ["a duplicated entry", corrupt("dup", (e) => [...e, e[5]]), /gene 'GENE\d+' has two entries for cell '[^']+'.*duplicate entries are not summed/],
  ["a duplicate with another count", corrupt("dup2", (e) => { const [g, c] = e[0].split(" "); return [e[0], `${g} ${c} 7`, ...e.slice(1)]; }), /has two entries for cell/],
  ["an entry outside the matrix", corrupt("range", (e) => [...e, "13 1 4"]), /entry \(13, 1\) is outside the 12 × 80 matrix/],
  ["fewer entries than announced", corrupt("short", (e) => e.slice(0, -3), true), /the header announces \d+ entries but the file has \d+/],
  ["a negative count", corrupt("neg", (e) => { const [g, c] = e[0].split(" "); return [`${g} ${c} -3`, ...e.slice(1)]; }), /-3.*raw counts|not a number|'-3'/],
  ["a fractional count", corrupt("frac", (e) => { const [g, c] = e[0].split(" "); return [`${g} ${c} 2.5`, ...e.slice(1)]; }), /is 2\.5; the model needs raw counts/],
];
for (const [what, name, message] of mtxCases) {
  test(`matrix.mtx with ${what} is refused`, () => {
    const before = snapshot(dir);
    assertRefused(run(name), message, dir, before);
  });
}

/** A 3-gene AnnData file in CSR layout over sc's cells, with the given indptr/indices/data. */
async function h5ad(name: string, indptr: number[], indices: number[], data: number[]): Promise<string> {
  const h5 = (await loadH5wasm()) as unknown as { File: new (p: string, m: string) => any };
  const barcodes = readFileSync(join(dir, "sc", "barcodes.tsv"), "utf8").trim().split("\n");
  const f = new h5.File(join(dir, name), "w");
  f.create_attribute("encoding-type", "anndata");
  for (const [g, index] of [["obs", barcodes], ["var", ["A", "B", "C"]]] as const) {
    const grp = f.create_group(g);
    grp.create_attribute("_index", "_index");
    grp.create_attribute("encoding-type", "dataframe");
    grp.create_dataset({ name: "_index", data: index });
  }
  const X = f.create_group("X");
  X.create_attribute("encoding-type", "csr_matrix");
  X.create_attribute("shape", new BigInt64Array([BigInt(barcodes.length), 3n]));
  X.create_dataset({ name: "data", data: Float32Array.from(data) });
  X.create_dataset({ name: "indices", data: Int32Array.from(indices) });
  X.create_dataset({ name: "indptr", data: BigInt64Array.from(indptr.map(BigInt)) });
  f.close();
  return name;
}

test(".h5ad with a corrupt indptr or duplicate indices is refused; a sound one is read", async () => {
  const ncell = readFileSync(join(dir, "sc", "barcodes.tsv"), "utf8").trim().split("\n").length;
  // every cell: counts for genes A, B, C
  const good = { indptr: Array.from({ length: ncell + 1 }, (_, i) => 3 * i), indices: Array.from({ length: 3 * ncell }, (_, z) => z % 3), data: Array.from({ length: 3 * ncell }, (_, z) => 1 + (z % 5)) };
  const ok = await h5ad("good.h5ad", good.indptr, good.indices, good.data);
  const r = run(ok);
  assert.equal(r.status, 0, r.stderr);
  const swapped = good.indptr.slice(); [swapped[5], swapped[6]] = [swapped[6], swapped[5]];
  const notZero = good.indptr.map((v) => v + 1);
  const longer = good.indptr.slice(); longer[ncell] -= 1;
  const dupIdx = good.indices.slice(); dupIdx[1] = 0; // cell 1 has gene A twice
  const cases: [string, number[], number[], RegExp][] = [
    ["decreasing.h5ad", swapped, good.indices, /X\/indptr decreases at position 6 \(18 then 15\); the file is corrupt/],
    ["offset.h5ad", notZero, good.indices, /X\/indptr starts at 1, not 0/],
    ["short.h5ad", longer, good.indices, /X\/indptr ends at \d+ but X\/data has \d+ entries/],
    ["dupidx.h5ad", good.indptr, dupIdx, /gene 'A' has two entries for cell/],
  ];
  for (const [name, indptr, indices, message] of cases) {
    await h5ad(name, indptr, indices, good.data);
    const before = snapshot(dir);
    assertRefused(run(name), message, dir, before);
  }
});
