// Provenance of pbmc200/: the first 200 genes (all 3,000 cells) of the simulated 10x data set
// `pbmc_sim` of the project's shared data (../shared/data/pbmc_sim), as a 10x directory with a
// gzipped matrix, plus the cell table and the known truth of those genes (18 of them are truly DE).
// Run once from the project root:  node examples/data/make-pbmc200.mjs [path/to/pbmc_sim]
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";

const src = process.argv[2] ?? "../shared/data/pbmc_sim";
const dst = "examples/data/pbmc200";
const G = 200;
mkdirSync(dst, { recursive: true });
const lines = readFileSync(join(src, "matrix.mtx"), "utf8").trimEnd().split("\n");
const comments = lines.filter((l) => l.startsWith("%"));
const [, ncol] = lines[comments.length].split(/\s+/);
const entries = lines.slice(comments.length + 1).filter((l) => Number(l.split(/\s+/)[0]) <= G);
const mtx = [...comments, `${G} ${ncol} ${entries.length}`, ...entries].join("\n") + "\n";
writeFileSync(join(dst, "matrix.mtx.gz"), gzipSync(mtx, { level: 9 }));
writeFileSync(join(dst, "features.tsv"), readFileSync(join(src, "features.tsv"), "utf8").split("\n").slice(0, G).join("\n") + "\n");
copyFileSync(join(src, "barcodes.tsv"), join(dst, "barcodes.tsv"));
copyFileSync(join(src, "cells.csv"), join(dst, "cells.csv"));
writeFileSync(join(dst, "truth.csv"), readFileSync(join(src, "truth.csv"), "utf8").split("\n").slice(0, G + 1).join("\n") + "\n");
