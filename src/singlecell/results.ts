// The differential-expression table: one row per gene and fixed-effect term, Benjamini–Hochberg
// adjusted over genes within each term, as CSV (written by `glmm de`, joined by `glmm de-merge`).
import { UserError } from "../errors.js";
import { pnormUpper } from "../families/special.js";
import { pt2 } from "../inference/distributions.js";
import type { GeneFit } from "./nbgene.js";

export const DE_COLUMNS = ["gene", "term", "estimate", "se", "statistic", "p", "padj", "sd_patient", "nb_size", "converged", "message"] as const;

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
  return xnames.map((term, k) => {
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

/** CSV text of the table (header + rows, "\n" line ends, NA for missing numbers). */
export function formatDeCsv(rows: readonly DeRow[]): string {
  const out: string[] = [DE_COLUMNS.join(",")];
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
  const lines = textIn.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  if (lines.length === 0) throw new UserError(`${source} is empty`);
  const header = lines[0].split(",").map((h) => h.replace(/^"|"$/g, ""));
  if (header.join(",") !== DE_COLUMNS.join(","))
    throw new UserError(`${source} is not a 'glmm de' result: its header is '${lines[0].slice(0, 80)}', expected '${DE_COLUMNS.join(",")}'`);
  const rows: DeRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    let f: string[];
    try { f = splitRecord(lines[i]); } catch (e) { throw new UserError(`${source} line ${i + 1}: ${(e as Error).message}`); }
    if (f.length !== DE_COLUMNS.length) throw new UserError(`${source} line ${i + 1} has ${f.length} fields, expected ${DE_COLUMNS.length}`);
    const conv = f[9];
    if (conv !== "TRUE" && conv !== "FALSE" && conv !== "NA") throw new UserError(`${source} line ${i + 1}: converged must be TRUE, FALSE or NA, not '${conv}'`);
    rows.push({
      gene: f[0], term: f[1], estimate: parseNum(f[2], source, i + 1, "estimate"), se: parseNum(f[3], source, i + 1, "se"),
      statistic: parseNum(f[4], source, i + 1, "statistic"), p: parseNum(f[5], source, i + 1, "p"), padj: parseNum(f[6], source, i + 1, "padj"),
      sdPatient: parseNum(f[7], source, i + 1, "sd_patient"), nbSize: parseNum(f[8], source, i + 1, "nb_size"),
      converged: conv === "NA" ? null : conv === "TRUE", message: f[10],
    });
  }
  return rows;
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

export function shardRange(ngenes: number, shard: { index: number; count: number }): [number, number] {
  return [Math.floor(((shard.index - 1) * ngenes) / shard.count), Math.floor((shard.index * ngenes) / shard.count)];
}
