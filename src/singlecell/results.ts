// The differential-expression table: one row per gene and fixed-effect term, Benjamini–Hochberg
// adjusted over genes within each term, as CSV (written by `glmm de`, joined by `glmm de-merge`).
import { UserError } from "../errors.js";
import { pnormUpper } from "../families/special.js";
import { pt2 } from "../inference/distributions.js";
import type { GeneFit } from "./nbgene.js";

/** The columns of the differential-expression table, in order. */
export const DE_COLUMNS = ["gene", "term", "estimate", "se", "statistic", "p", "padj", "sd_patient", "nb_size", "converged", "message"] as const;

/** One gene × term row of the differential-expression table. */
export interface DeRow {
  gene: string;
  /** fixed-effect term; "" on the single row of a gene that failed or was skipped */
  term: string;
  estimate: number;
  se: number;
  statistic: number;
  p: number;
  padj: number;
  sdPatient: number;
  nbSize: number;
  /** null for a skipped gene */
  converged: boolean | null;
  message: string;
}

/**
 * The rows of one gene: one per term, or one row saying why there is none. estimate and se are the
 * ML (Laplace) fit's, as glmmTMB's. With `df`, statistic is the small-sample test's t (REML
 * patient variance; the ML fit's when there is no test) and p is from Student's t with the term's
 * between–within degrees of freedom; without, statistic = estimate/se and p is the Wald z p-value.
 */
export function geneRows(gene: string, xnames: readonly string[], fit: GeneFit, df: ArrayLike<number> | null = null): DeRow[] {
  if (!fit.ok) return [failedRow(gene, fit.message, false)];
  const rows = xnames.map((term, k) => {
    const est = fit.beta[k], se = fit.se[k];
    let z = est / se;
    let p = Number.isFinite(z) ? 2 * pnormUpper(Math.abs(z)) : NaN;
    if (df) {
      // the REML refit's t, or (when it could not be made) the ML fit's, on the term's df
      if (fit.test) z = fit.test.estimate[k] / fit.test.se[k];
      p = Number.isFinite(z) ? pt2(z, df[k]) : NaN;
    }
    return {
      gene, term, estimate: est, se, statistic: z, p, padj: NaN,
      sdPatient: fit.sdPatient, nbSize: fit.nbSize, converged: fit.converged, message: fit.message,
    };
  });
  // a zero-inflated fit: the logit of its zero-inflation probability as one more term (Wald z)
  if (fit.zi) {
    const { estimate, se } = fit.zi, z = estimate / se;
    rows.push({ ...rows[0], term: "zi~(Intercept)", estimate, se, statistic: z, p: Number.isFinite(z) ? 2 * pnormUpper(Math.abs(z)) : NaN });
  }
  return rows;
}

/** A gene without estimates: failed (converged = false) or skipped (converged = null). */
export function failedRow(gene: string, message: string, skipped: boolean): DeRow {
  return {
    gene, term: "", estimate: NaN, se: NaN, statistic: NaN, p: NaN, padj: NaN, sdPatient: NaN, nbSize: NaN,
    converged: skipped ? null : false, message,
  };
}

/** Benjamini–Hochberg adjusted p-values; NaN entries stay NaN and do not count. */
export function bhAdjust(p: ArrayLike<number>): Float64Array {
  const idx: number[] = [];
  for (let i = 0; i < p.length; i++) if (Number.isFinite(p[i])) idx.push(i);
  idx.sort((a, b) => p[a] - p[b] || a - b);
  const m = idx.length;
  const out = new Float64Array(p.length).fill(NaN);
  let run = 1;
  for (let r = m - 1; r >= 0; r--) {
    const v = Math.min(run, (p[idx[r]] * m) / (r + 1));
    run = v;
    out[idx[r]] = Math.min(1, v);
  }
  return out;
}

/** Fill padj: BH over the genes, separately for each term. */
export function adjustByTerm(rows: DeRow[]): void {
  const byTerm = new Map<string, number[]>();
  for (let i = 0; i < rows.length; i++) {
    if (rows[i].term === "") continue;
    let l = byTerm.get(rows[i].term);
    if (!l) byTerm.set(rows[i].term, (l = []));
    l.push(i);
  }
  for (const list of byTerm.values()) {
    const adj = bhAdjust(list.map((i) => rows[i].p));
    list.forEach((i, k) => (rows[i].padj = adj[k]));
  }
}

function num(x: number): string {
  if (Number.isNaN(x)) return "NA";
  if (x === Infinity) return "Inf";
  if (x === -Infinity) return "-Inf";
  return String(x);
}

function text(s: string): string {
  const t = s.replace(/[\r\n]+/g, " ");
  return /[",]/.test(t) || t !== t.trim() ? `"${t.replace(/"/g, '""')}"` : t;
}

/**
 * What a shard table is, on its first line (`# glmm de shard 2/4; genes 51-100 of 200; rows 57;
 * inputs <digest>`): de-merge refuses a set that is incomplete, duplicated, truncated or made from
 * different inputs or options (the digest, computed by the CLI, covers both).
 */
export interface ShardInfo {
  readonly index: number;
  readonly count: number;
  /** 0-based half-open gene range [g0, g1) of `genes` */
  readonly g0: number;
  readonly g1: number;
  readonly genes: number;
  /** number of table rows (not counting the header lines) */
  readonly rows: number;
  readonly digest: string;
}

const SHARD_LINE = /^# glmm de shard (\d+)\/(\d+); genes (\d+)-(\d+) of (\d+); rows (\d+); inputs ([0-9a-f]{8,64})$/;

/** CSV text of the table (header + rows, "\n" line ends, NA for missing numbers), after the shard line if any. */
export function formatDeCsv(rows: readonly DeRow[], shard?: Omit<ShardInfo, "rows">): string {
  const out: string[] = [DE_COLUMNS.join(",")];
  if (shard) out.unshift(`# glmm de shard ${shard.index}/${shard.count}; genes ${shard.g0 + 1}-${shard.g1} of ${shard.genes}; rows ${rows.length}; inputs ${shard.digest}`);
  for (const r of rows) {
    out.push([
      text(r.gene), text(r.term), num(r.estimate), num(r.se), num(r.statistic), num(r.p), num(r.padj),
      num(r.sdPatient), num(r.nbSize), r.converged === null ? "NA" : r.converged ? "TRUE" : "FALSE", text(r.message),
    ].join(","));
  }
  return out.join("\n") + "\n";
}

/** Split one CSV record (quotes as RFC 4180; no embedded newlines, which formatDeCsv never writes). */
function splitRecord(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error("unterminated quote");
        v += line.slice(i, q);
        if (line[q + 1] === '"') { v += '"'; i = q + 2; continue; }
        i = q + 1;
        break;
      }
      out.push(v);
      if (i >= line.length) break;
      if (line[i] !== ",") throw new Error("text after a closing quote");
      i++;
    } else {
      const c = line.indexOf(",", i);
      if (c < 0) { out.push(line.slice(i)); break; }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
  return out;
}

function parseNum(s: string, source: string, line: number, col: string): number {
  if (s === "NA" || s === "") return NaN;
  if (s === "Inf") return Infinity;
  if (s === "-Inf") return -Infinity;
  const v = Number(s);
  if (Number.isNaN(v)) throw new UserError(`${source} line ${line}: column '${col}' has '${s}', not a number`);
  return v;
}

/** Parse a table written by `glmm de` (the header must be exactly DE_COLUMNS). */
export function parseDeCsv(textIn: string, source: string): DeRow[] {
  return parseDeTable(textIn, source).rows;
}

/** A `glmm de` table and its shard line (null when it has none). */
export function parseDeTable(textIn: string, source: string): { rows: DeRow[]; shard: ShardInfo | null } {
  let lines = textIn.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  else if (lines.length > 1) throw new UserError(`${source} does not end with a line break: it is truncated (a 'glmm de' table always ends with one)`);
  if (lines.length === 0) throw new UserError(`${source} is empty`);
  let shard: ShardInfo | null = null;
  if (lines[0].startsWith("#")) {
    const m = SHARD_LINE.exec(lines[0]);
    if (!m) throw new UserError(`${source}: line 1 is not a 'glmm de' shard line: '${lines[0].slice(0, 80)}'`);
    const [index, count, from, to, genes, nrows] = m.slice(1, 7).map(Number);
    shard = { index, count, g0: from - 1, g1: to, genes, rows: nrows, digest: m[7] };
    lines = lines.slice(1);
    if (lines.length === 0) throw new UserError(`${source} has a shard line but no header: it is truncated`);
  }
  const lineOffset = shard ? 1 : 0;
  const rows = parseRows(lines, source, lineOffset);
  if (shard && rows.length !== shard.rows)
    throw new UserError(`${source} has ${rows.length} rows but its shard line says ${shard.rows}: it is truncated or was edited`);
  return { rows, shard };
}

function parseRows(lines: string[], source: string, lineOffset: number): DeRow[] {
  const header = lines[0].split(",").map((h) => h.replace(/^"|"$/g, ""));
  if (header.join(",") !== DE_COLUMNS.join(","))
    throw new UserError(`${source} is not a 'glmm de' result: its header is '${lines[0].slice(0, 80)}', expected '${DE_COLUMNS.join(",")}'`);
  const rows: DeRow[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const ln = i + 1 + lineOffset;
    let f: string[];
    try { f = splitRecord(lines[i]); } catch (e) { throw new UserError(`${source} line ${ln}: ${(e as Error).message}`); }
    if (f.length !== DE_COLUMNS.length) throw new UserError(`${source} line ${ln} has ${f.length} fields, expected ${DE_COLUMNS.length}`);
    const conv = f[9];
    if (conv !== "TRUE" && conv !== "FALSE" && conv !== "NA") throw new UserError(`${source} line ${ln}: converged must be TRUE, FALSE or NA, not '${conv}'`);
    const key = `${f[0]}\u0000${f[1]}`;
    if (seen.has(key)) throw new UserError(`${source} line ${ln}: gene '${f[0]}'${f[1] ? `, term '${f[1]}'` : ""} appears twice`);
    seen.add(key);
    const at = (k: number) => parseNum(f[k], source, ln, DE_COLUMNS[k]);
    const p = at(5), padj = at(6), se = at(3);
    for (const [v, col] of [[p, "p"], [padj, "padj"]] as const) {
      if (!Number.isNaN(v) && !(v >= 0 && v <= 1)) throw new UserError(`${source} line ${ln}: ${col} is ${f[col === "p" ? 5 : 6]}, outside [0, 1]`);
    }
    if (se < 0) throw new UserError(`${source} line ${ln}: se is ${f[3]}, negative`);
    rows.push({
      gene: f[0], term: f[1], estimate: at(2), se, statistic: at(4), p, padj,
      sdPatient: at(7), nbSize: at(8), converged: conv === "NA" ? null : conv === "TRUE", message: f[10],
    });
  }
  return rows;
}

/**
 * Check that shard tables form one complete set: all with a shard line, the same N, gene count and
 * input digest, each i from 1 to N once, each table's gene range the one `--shard i/N` gives and
 * holding exactly those genes. Returns the tables in shard order.
 */
export function checkShardSet<T extends { source: string; rows: DeRow[]; shard: ShardInfo | null }>(tables: readonly T[]): T[] {
  for (const t of tables) {
    if (!t.shard) throw new UserError(`${t.source} has no shard line: it is not the output of 'glmm de --shard i/N' (or its first line was removed)`);
  }
  const first = tables[0];
  const s0 = first.shard!;
  const byIndex = new Map<number, T>();
  for (const t of tables) {
    const s = t.shard!;
    if (s.count !== s0.count) throw new UserError(`the shards are of different sets: ${first.source} is ${s0.index}/${s0.count}, ${t.source} is ${s.index}/${s.count}`);
    if (s.genes !== s0.genes || s.digest !== s0.digest)
      throw new UserError(`the shards come from different inputs or options: ${first.source} (${s0.genes} genes, inputs ${s0.digest}) and ${t.source} (${s.genes} genes, inputs ${s.digest})`);
    const prev = byIndex.get(s.index);
    if (prev) throw new UserError(`shard ${s.index}/${s.count} is given twice: ${prev.source} and ${t.source}`);
    byIndex.set(s.index, t);
    const [g0, g1] = shardRange(s.genes, s);
    if (s.g0 !== g0 || s.g1 !== g1) throw new UserError(`${t.source}: shard ${s.index}/${s.count} of ${s.genes} genes should hold genes ${g0 + 1}-${g1}, its shard line says ${s.g0 + 1}-${s.g1}`);
    const genes = new Set(t.rows.map((r) => r.gene)).size;
    if (genes !== g1 - g0) throw new UserError(`${t.source} has ${genes} genes but shard ${s.index}/${s.count} holds ${g1 - g0}: it is truncated or was edited`);
  }
  const missing: number[] = [];
  for (let i = 1; i <= s0.count; i++) if (!byIndex.has(i)) missing.push(i);
  if (missing.length) {
    throw new UserError(`incomplete set of shards: ${missing.map((i) => `${i}/${s0.count}`).join(", ")} ${missing.length === 1 ? "is" : "are"} missing (given: ${[...byIndex.keys()].sort((a, b) => a - b).join(", ")})`);
  }
  return [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!);
}

/** Join shard tables (in the order given) and recompute padj over all genes. Duplicate genes are an error. */
export function mergeDeTables(tables: ReadonlyArray<{ source: string; rows: DeRow[] }>): DeRow[] {
  const seen = new Map<string, string>();
  const out: DeRow[] = [];
  let ndup = 0;
  let first = "";
  for (const t of tables) {
    const mine = new Set<string>();
    for (const r of t.rows) {
      if (!mine.has(r.gene)) {
        mine.add(r.gene);
        const prev = seen.get(r.gene);
        if (prev !== undefined) { ndup++; if (!first) first = `'${r.gene}' in ${prev} and ${t.source}`; }
        else seen.set(r.gene, t.source);
      }
      out.push({ ...r });
    }
  }
  if (ndup > 0) throw new UserError(`the shard tables overlap: ${ndup} gene${ndup === 1 ? " is" : "s are"} in more than one (first: ${first})`);
  adjustByTerm(out);
  return out;
}

/** `--shard i/N` (1-based i): the genes [⌊(i−1)·G/N⌋, ⌊i·G/N⌋) of G, contiguous so that merging concatenates. */
export function parseShard(spec: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!m) throw new UserError(`--shard must be i/N (e.g. 1/4), got '${spec}'`);
  const index = Number(m[1]), count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new UserError(`--shard ${spec}: i must be between 1 and N`);
  return { index, count };
}

/** The [start, end) gene indices of one shard (1-based index of count shards). */
export function shardRange(ngenes: number, shard: { index: number; count: number }): [number, number] {
  return [Math.floor(((shard.index - 1) * ngenes) / shard.count), Math.floor((shard.index * ngenes) / shard.count)];
}
