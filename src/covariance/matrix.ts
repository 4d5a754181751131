import { UserError } from "../errors.js";
import type { LabelledMatrix } from "./vcv.js";

// A labelled covariance or relatedness matrix from delimited text (comma, or tab when the first
// line has tabs and no commas). Two layouts:
//   with row labels (R's write.csv(K)):   "",a,b,c  /  a,1,0.5,0  /  b,0.5,1,0  /  c,0,0,1
//   without (header = labels, rows in the same order):   a,b,c  /  1,0.5,0  /  ...
// told apart by the number of rows (n rows under n + 1 header fields, or n under n). Row labels may
// be in any order; they must be the column labels. Labels are kept exactly as written (no number
// conversion, so "007" stays "007"). The matrix must be symmetric up to rounding (it is then made
// exactly symmetric) with positive diagonal. Browser-safe.

/** Records of a delimited text: fields per record, with the 1-based line each record starts on. */
function records(text: string, source: string): { fields: string[][]; lines: number[] } {
  const firstLine = text.slice(0, text.search(/\r?\n|$/));
  const delim = firstLine.includes("\t") && !firstLine.includes(",") ? "\t" : ",";
  const out: string[][] = [], lines: number[] = [];
  let line = 1, i = 0;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = "", quoted = false, blank = true;
    for (;;) {
      if (i >= n) { fields.push(quoted ? field : field.trim()); break; }
      const c = text[i];
      if (c === '"' && field.trim() === "" && !quoted) {
        // quoted field: "" inside stands for "
        let k = i + 1;
        field = "";
        for (;;) {
          if (k >= n) throw new UserError(`${source}: a quote opened on line ${start} is never closed`);
          if (text[k] === '"') {
            if (text[k + 1] === '"') { field += '"'; k += 2; continue; }
            break;
          }
          if (text[k] === "\n") line++;
          field += text[k++];
        }
        i = k + 1;
        quoted = true;
        blank = false;
        continue;
      }
      if (c === delim) { fields.push(quoted ? field : field.trim()); field = ""; quoted = false; blank = false; i++; continue; }
      if (c === "\n" || c === "\r") {
        fields.push(quoted ? field : field.trim());
        i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
        line++;
        break;
      }
      if (quoted) {
        if (c !== " " && c !== "\t") throw new UserError(`${source}: text after a closing quote on line ${line}`);
      } else field += c;
      if (c !== " " && c !== "\t") blank = false;
      i++;
    }
    if (!(blank && fields.length === 1 && fields[0] === "")) { out.push(fields); lines.push(start); }
  }
  return { fields: out, lines };
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parse a labelled covariance / relatedness matrix (see the layouts above). */
export function parseCovarianceMatrix(text: string, options: { source?: string } = {}): LabelledMatrix {
  const source = options.source ?? "covariance matrix";
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.includes("\0")) throw new UserError(`${source} is not a text file`);
  const { fields, lines } = records(text, source);
  if (fields.length === 0) throw new UserError(`${source} is empty`);
  const header = fields[0];
  const rows = fields.slice(1);
  const nr = rows.length;
  let withRowLabels: boolean;
  if (nr === header.length - 1) withRowLabels = true;
  else if (nr === header.length) withRowLabels = false;
  else {
    throw new UserError(
      `${source}: not a square matrix: the header has ${header.length} fields but there are ${nr} rows ` +
        `(expected ${header.length - 1} rows with a label each, or ${header.length} rows of numbers)`,
    );
  }
  const labels = withRowLabels ? header.slice(1) : header.slice();
  const n = labels.length;
  if (n === 0) throw new UserError(`${source}: the header has no labels`);
  const col = new Map<string, number>();
  labels.forEach((l, j) => {
    if (l === "") throw new UserError(`${source}: column ${j + 1 + (withRowLabels ? 1 : 0)} of the header has no label`);
    if (col.has(l)) throw new UserError(`${source}: label '${l}' appears twice in the header`);
    col.set(l, j);
  });
  const want = withRowLabels ? n + 1 : n;
  const K = new Float64Array(n * n);
  const rowSeen = new Int32Array(n).fill(-1);
  rows.forEach((f, r) => {
    const line = lines[r + 1];
    if (f.length !== want) throw new UserError(`${source}: line ${line} has ${f.length} fields, the header has ${header.length}`);
    let i = r;
    if (withRowLabels) {
      const at = col.get(f[0]);
      if (at === undefined) throw new UserError(`${source}: row label '${f[0]}' on line ${line} is not a column label`);
      if (rowSeen[at] >= 0) throw new UserError(`${source}: row label '${f[0]}' appears twice (lines ${rowSeen[at]} and ${line})`);
      i = at;
    }
    rowSeen[i] = line;
    const off = withRowLabels ? 1 : 0;
    for (let j = 0; j < n; j++) {
      const s = f[j + off];
      if (!NUMBER.test(s)) {
        throw new UserError(`${source}: line ${line}, column '${labels[j]}': '${s}' is not a number (a covariance matrix may not have missing values)`);
      }
      K[i + j * n] = Number(s);
    }
  });
  checkCovariance(K, labels, source);
  return { labels, K };
}

/** Symmetric (up to rounding, then made exact) with positive, finite diagonal; throws a UserError. */
export function checkCovariance(K: Float64Array, labels: readonly string[], source: string): void {
  const n = labels.length;
  let scale = 0;
  for (let i = 0; i < n * n; i++) {
    if (!Number.isFinite(K[i])) throw new UserError(`${source}: entry (${labels[i % n]}, ${labels[Math.floor(i / n)]}) is not finite`);
    scale = Math.max(scale, Math.abs(K[i]));
  }
  for (let i = 0; i < n; i++) {
    if (!(K[i + i * n] > 0)) throw new UserError(`${source}: the variance of '${labels[i]}' (diagonal entry) is ${K[i + i * n]}; it must be positive`);
  }
  const tol = 1e-6 * scale;
  for (let j = 0; j < n; j++)
    for (let i = j + 1; i < n; i++) {
      const a = K[i + j * n], b = K[j + i * n];
      if (Math.abs(a - b) > tol) throw new UserError(`${source}: not symmetric: (${labels[i]}, ${labels[j]}) is ${a} but (${labels[j]}, ${labels[i]}) is ${b}`);
      const m = 0.5 * (a + b);
      K[i + j * n] = m;
      K[j + i * n] = m;
    }
}
