// `glmm de-merge`: join the tables of `glmm de --shard i/N` runs into one, recomputing the
// BH-adjusted p-values over all genes; the set must be complete and of one run (see checkShardSet).
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { checkShardSet, formatDeCsv, mergeDeTables, parseDeTable } from "../../singlecell/results.js";
import { beginRun, checkOutputFile, readTextFile, writeFileAtomic } from "../io.js";

export interface DeMergeOptions {
  out: string;
  quiet?: boolean;
}

export function deMergeCommand(files: string[], o: DeMergeOptions): void {
  if (files.length === 0) throw new UserError("glmm de-merge needs the shard result files");
  beginRun();
  checkOutputFile(o.out, "--out", files);
  const tables = checkShardSet(files.map((f) => ({ source: f, ...parseDeTable(readTextFile(f, "shard result"), f) })));
  const rows = mergeDeTables(tables);
  writeFileAtomic(o.out, formatDeCsv(rows));
  if (!o.quiet) {
    const genes = new Set(rows.map((r) => r.gene)).size;
    process.stderr.write(`glmm de-merge: ${genes} genes from ${files.length} file${files.length === 1 ? "" : "s"}; wrote ${o.out}\n`);
  }
}

/** `glmm de-merge`: its flags (commander) */
export function registerDeMerge(p: Command): void {
  p.command("de-merge")
    .description("join the results of `glmm de --shard i/N` runs and recompute the FDR over all genes")
    .argument("<files...>", "shard result CSVs (all N of one run, any order)")
    .requiredOption("--out <file>", "merged result CSV")
    .option("--quiet", "no summary on stderr")
    .action((files: string[], opts) => { deMergeCommand(files, opts); });
}
