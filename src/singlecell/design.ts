// The per-cell design shared by every gene: fixed-effects matrix, offset and patient of each cell,
// with the cells sorted by patient so that each patient is one contiguous range (the Laplace problem
// separates by patient; every per-patient sum is then a loop over a range).
import type { Frame } from "../data/frame.js";
import { UserError } from "../errors.js";
import { buildModel } from "../formula/index.js";

/** The cell-level design of a differential-expression fit: cells grouped by patient, model matrix and offset. */
export interface CellDesign {
  /** cells used (matrix columns with complete metadata) */
  readonly n: number;
  readonly p: number;
  readonly xnames: readonly string[];
  /** column-major n × p, rows in design (patient-sorted) order */
  readonly X: Float64Array;
  readonly offset: Float64Array;
  readonly nGroups: number;
  /** cells of patient j are design positions groupStart[j] .. groupStart[j+1]-1 */
  readonly groupStart: Int32Array;
  readonly groupName: string;
  readonly groupLevels: readonly string[];
  /** nGroups × p column-major when every column of X is constant within each patient, else null */
  readonly groupX: Float64Array | null;
  /**
   * Degrees of freedom of each coefficient's t test by the between–within rule: a column constant
   * within every patient is tested against (patients − between-patient columns), any other against
   * (cells − patients − within-patient columns).
   */
  readonly df: Float64Array;
  /** design position of each matrix column (cell), −1 for a cell left out (missing metadata) */
  readonly posOfColumn: Int32Array;
  /** notes for the user (cells dropped, columns dropped) */
  readonly warnings: readonly string[];
}

/** Options of the single-cell design: the offset expression and reference levels. */
export interface DesignOptions {
  /** offset expression, e.g. "log(total_umi)" */
  readonly offset?: string;
  readonly refLevels?: Readonly<Record<string, string>>;
}

/**
 * The frame row of each matrix column, matching barcodes to a column of the cell table. Barcodes
 * missing on either side are an error that counts them (and shows a few).
 */
export function matchBarcodes(barcodes: readonly string[], frame: Frame, column: string, matrixSource = "the count matrix"): Int32Array {
  const col = frame.column(column);
  const key = (i: number): string | null => {
    const v = col.values[i];
    if (col.kind === "numeric") return Number.isNaN(v as number) ? null : String(v);
    return v as string | null;
  };
  const rowOf = new Map<string, number>();
  let dup: string | null = null, ndup = 0;
  for (let i = 0; i < frame.nrow; i++) {
    const k = key(i);
    if (k === null) throw new UserError(`${frame.source}: barcode column '${column}' is empty at data row ${i + 1}`);
    if (rowOf.has(k)) { ndup++; dup ??= k; continue; }
    rowOf.set(k, i);
  }
  if (ndup > 0) throw new UserError(`${frame.source}: ${ndup} duplicated barcode${ndup === 1 ? "" : "s"} in column '${column}' (first: '${dup}')`);
  const out = new Int32Array(barcodes.length);
  const used = new Uint8Array(frame.nrow);
  const missing: string[] = [];
  let nmissing = 0;
  for (let c = 0; c < barcodes.length; c++) {
    const r = rowOf.get(barcodes[c]);
    if (r === undefined) { nmissing++; if (missing.length < 3) missing.push(barcodes[c]); out[c] = -1; continue; }
    if (used[r]) throw new UserError(`${matrixSource}: barcode '${barcodes[c]}' appears twice`);
    used[r] = 1;
    out[c] = r;
  }
  const extra: string[] = [];
  let nextra = 0;
  for (let i = 0; i < frame.nrow; i++) if (!used[i]) { nextra++; if (extra.length < 3) extra.push(key(i)!); }
  if (nmissing > 0 || nextra > 0) {
    const parts: string[] = [];
    if (nmissing > 0) parts.push(`${nmissing} of ${barcodes.length} barcodes of ${matrixSource} are not in ${frame.source} (e.g. ${missing.map((s) => `'${s}'`).join(", ")})`);
    if (nextra > 0) parts.push(`${nextra} of ${frame.nrow} rows of ${frame.source} match no barcode of ${matrixSource} (e.g. ${extra.map((s) => `'${s}'`).join(", ")})`);
    throw new UserError(`barcode mismatch: ${parts.join("; ")}`);
  }
  return out;
}

/**
 * Build the cell design from the cell table (one row per matrix column, matched by `frameRowOfColumn`)
 * and a formula without response with exactly one random intercept, e.g. "~ disease + (1 | patient)".
 */
export function buildCellDesign(frame: Frame, formula: string, frameRowOfColumn: Int32Array, options: DesignOptions = {}): CellDesign {
  const trimmed = formula.trim();
  if (!trimmed.startsWith("~"))
    throw new UserError(`--formula must have no response (the counts are the response): write '~ ${trimmed.includes("~") ? trimmed.slice(trimmed.indexOf("~") + 1).trim() : trimmed}'`);
  const full = options.offset ? `${trimmed} + offset(${options.offset})` : trimmed;
  const ms = buildModel(frame, full, { refLevels: options.refLevels });
  if (ms.reTerms.length !== 1 || ms.reTerms[0].cnames.length !== 1 || ms.reTerms[0].cnames[0] !== "(Intercept)")
    throw new UserError(`glmm de fits one random intercept per patient: the formula needs exactly one term like (1 | patient), found ${ms.reTerms.length === 0 ? "none" : ms.reTerms.map((t) => `(${t.cnames.join(" + ")} | ${t.group})`).join(", ")}`);
  const re = ms.reTerms[0];
  const nframe = frame.nrow;
  const modelIndex = new Int32Array(nframe).fill(-1);
  for (let k = 0; k < ms.n; k++) modelIndex[ms.rows[k]] = k;
  const ncol = frameRowOfColumn.length;
  const G = re.levels.length;
  // counting sort of the used cells by patient, stable in matrix-column order
  const counts = new Int32Array(G + 1);
  const mIdx = new Int32Array(ncol).fill(-1);
  for (let c = 0; c < ncol; c++) {
    const fr = frameRowOfColumn[c];
    const k = fr >= 0 ? modelIndex[fr] : -1;
    mIdx[c] = k;
    if (k >= 0) counts[re.refs[k] + 1]++;
  }
  for (let j = 0; j < G; j++) counts[j + 1] += counts[j];
  const groupStart = Int32Array.from(counts);
  const n = groupStart[G];
  const fill = Int32Array.from(counts.subarray(0, G));
  const posOfColumn = new Int32Array(ncol).fill(-1);
  const modelOfPos = new Int32Array(n);
  for (let c = 0; c < ncol; c++) {
    const k = mIdx[c];
    if (k < 0) continue;
    const d = fill[re.refs[k]]++;
    posOfColumn[c] = d;
    modelOfPos[d] = k;
  }
  const p = ms.p;
  const X = new Float64Array(n * p);
  const offset = new Float64Array(n);
  for (let d = 0; d < n; d++) {
    const k = modelOfPos[d];
    for (let m = 0; m < p; m++) X[d + m * n] = ms.X[k + m * ms.n];
    offset[d] = ms.offset ? ms.offset[k] : 0;
  }
  // is X constant within patients? then per-patient sums replace per-cell products
  let patientLevel = true;
  const groupX = new Float64Array(G * p);
  for (let j = 0; j < G && patientLevel; j++) {
    const a = groupStart[j], b = groupStart[j + 1];
    for (let m = 0; m < p && patientLevel; m++) {
      const v = a < b ? X[a + m * n] : 0;
      groupX[j + m * G] = v;
      for (let d = a + 1; d < b; d++) if (X[d + m * n] !== v) { patientLevel = false; break; }
    }
  }
  // between–within degrees of freedom
  const between = new Uint8Array(p);
  for (let m = 0; m < p; m++) {
    let constant = true;
    for (let j = 0; j < G && constant; j++) {
      const a = groupStart[j], b = groupStart[j + 1];
      for (let d = a + 1; d < b; d++) if (X[d + m * n] !== X[a + m * n]) { constant = false; break; }
    }
    between[m] = constant ? 1 : 0;
  }
  let nonEmpty = 0;
  for (let j = 0; j < G; j++) if (groupStart[j + 1] > groupStart[j]) nonEmpty++;
  const pb = between.reduce((a, v) => a + v, 0);
  const df = Float64Array.from(between, (bt) => (bt ? nonEmpty - pb : n - nonEmpty - (p - pb)));
  const warnings = [...ms.warnings];
  if (n === 0) throw new UserError("no cell has complete metadata for the formula");
  return {
    n, p, xnames: ms.xnames, X, offset, nGroups: G, groupStart, groupName: re.group, groupLevels: re.levels,
    groupX: patientLevel ? groupX : null, df, posOfColumn, warnings,
  };
}
