// MatrixMarket coordinate files (10x `matrix.mtx`: genes × cells, 1-based) parsed from a stream of
// byte chunks, so that a matrix of any size passes through a fixed amount of memory. Entries are
// handed on in batches of typed arrays (0-based row, column, value). Browser-safe: bytes in, no I/O.
import { UserError } from "../errors.js";

/** The size line of a Matrix Market coordinate file: rows, columns, entries and field type. */
export interface MtxHeader {
  readonly rows: number;
  readonly cols: number;
  readonly nnz: number;
  readonly field: "integer" | "real" | "pattern";
}

/** Receives entries in batches; the arrays are reused after the call returns. */
export type MtxBatch = (rows: Int32Array, cols: Int32Array, vals: Float64Array, count: number) => void;

const LF = 10, CR = 13, SPACE = 32, TAB = 9, PERCENT = 37;

/** Streaming Matrix Market coordinate parser: feed byte chunks, entries arrive in batches. */
export class MtxStreamParser {
  /** the size line, once it has been read */
  header: MtxHeader | null = null;
  private readonly source: string;
  private readonly onBatch: MtxBatch;
  private readonly onHeader: (h: MtxHeader) => void;
  private readonly bRows: Int32Array;
  private readonly bCols: Int32Array;
  private readonly bVals: Float64Array;
  private count = 0;
  private seen = 0;
  private line = 0;
  /** bytes of a line split across chunks (and the header lines, as text) */
  private carry: Uint8Array | null = null;
  private banner = false;

  constructor(source: string, onHeader: (h: MtxHeader) => void, onBatch: MtxBatch, batchSize = 1 << 16) {
    this.source = source;
    this.onHeader = onHeader;
    this.onBatch = onBatch;
    this.bRows = new Int32Array(batchSize);
    this.bCols = new Int32Array(batchSize);
    this.bVals = new Float64Array(batchSize);
  }

  /** Parse the next chunk of the file's bytes (lines may span chunks). */
  push(chunk: Uint8Array): void {
    let start = 0;
    if (this.carry) {
      // complete the split line first
      const nl = chunk.indexOf(LF);
      if (nl < 0) {
        const c = new Uint8Array(this.carry.length + chunk.length);
        c.set(this.carry);
        c.set(chunk, this.carry.length);
        this.carry = c;
        return;
      }
      const c = new Uint8Array(this.carry.length + nl + 1);
      c.set(this.carry);
      c.set(chunk.subarray(0, nl + 1), this.carry.length);
      this.carry = null;
      this.lines(c, 0, c.length);
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(LF);
    if (last < start) {
      this.carry = chunk.slice(start);
      return;
    }
    this.lines(chunk, start, last + 1);
    if (last + 1 < chunk.length) this.carry = chunk.slice(last + 1);
  }

  /** Finish: the last line may lack a newline; the number of entries must match the header. */
  end(): void {
    if (this.carry && this.carry.length > 0) {
      const c = new Uint8Array(this.carry.length + 1);
      c.set(this.carry);
      c[c.length - 1] = LF;
      this.carry = null;
      this.lines(c, 0, c.length);
    }
    this.flush();
    if (!this.header) throw new UserError(`${this.source}: not a MatrixMarket file (no size line)`);
    if (this.seen !== this.header.nnz)
      throw new UserError(`${this.source}: the header announces ${this.header.nnz} entries but the file has ${this.seen}`);
  }

  private flush(): void {
    if (this.count > 0) this.onBatch(this.bRows, this.bCols, this.bVals, this.count);
    this.seen += this.count;
    this.count = 0;
  }

  /** Parse the complete lines in b[from, to) (to is just past a newline). */
  private lines(b: Uint8Array, from: number, to: number): void {
    let i = from;
    while (i < to && !this.header) {
      const nl = b.indexOf(LF, i);
      const end = nl < 0 || nl >= to ? to : nl;
      this.headerLine(new TextDecoder().decode(b.subarray(i, end)));
      i = end + 1;
    }
    if (i >= to) return;
    const h = this.header!;
    const pattern = h.field === "pattern";
    const nr = h.rows, nc = h.cols;
    const rows = this.bRows, cols = this.bCols, vals = this.bVals;
    const cap = rows.length;
    let line = this.line;
    // one state machine over the bytes: three numeric fields per line (two for pattern)
    while (i < to) {
      line++;
      let field = 0;
      let r = 0, c = 0, v = 0;
      let inNum = false, cur = 0, slow = -1;
      let ch = 0;
      for (; i < to; i++) {
        ch = b[i];
        if (ch >= 48 && ch <= 57) {
          cur = cur * 10 + (ch - 48);
          inNum = true;
        } else if (ch === SPACE || ch === TAB || ch === LF || ch === CR) {
          if (inNum || slow >= 0) {
            if (slow >= 0) { cur = this.parseSlow(b, slow, i, line); slow = -1; }
            if (field === 0) r = cur; else if (field === 1) c = cur; else if (field === 2) v = cur;
            else throw new UserError(`${this.source} line ${this.lineNo(line)}: more than three fields`);
            field++;
            inNum = false;
            cur = 0;
          }
          if (ch === LF) { i++; break; }
        } else if (ch === PERCENT && field === 0 && !inNum) {
          // a comment line between entries
          while (i < to && b[i] !== LF) i++;
          field = -1;
          i++;
          break;
        } else {
          // sign, decimal point or exponent: parse this token as text
          if (slow < 0) slow = inNum ? i - countDigitsBack(b, i) : i;
          inNum = false;
        }
      }
      if (field === -1) continue;
      if (field === 0) continue; // blank line
      const want = pattern ? 2 : 3;
      if (field !== want) throw new UserError(`${this.source} line ${this.lineNo(line)}: expected ${want} numbers, found ${field}`);
      if (pattern) v = 1;
      if (r < 1 || r > nr || c < 1 || c > nc || !Number.isInteger(r) || !Number.isInteger(c))
        throw new UserError(`${this.source} line ${this.lineNo(line)}: entry (${r}, ${c}) is outside the ${nr} × ${nc} matrix`);
      if (this.seen + this.count >= h.nnz) throw new UserError(`${this.source}: more entries than the ${h.nnz} the header announces`);
      rows[this.count] = r - 1;
      cols[this.count] = c - 1;
      vals[this.count] = v;
      if (++this.count === cap) this.flush();
    }
    this.line = line;
  }

  private lineNo(line: number): number {
    return line + this.headerLines;
  }

  private headerLines = 0;
  private field: MtxHeader["field"] = "integer";

  private parseSlow(b: Uint8Array, from: number, to: number, line: number): number {
    const text = new TextDecoder().decode(b.subarray(from, to));
    const x = Number(text);
    if (!Number.isFinite(x)) throw new UserError(`${this.source} line ${this.lineNo(line)}: '${text}' is not a number`);
    return x;
  }

  private headerLine(text: string): void {
    this.headerLines++;
    const t = text.trim();
    if (!this.banner) {
      const m = /^%%MatrixMarket\s+matrix\s+(\w+)\s+(\w+)\s+(\w+)/i.exec(t);
      if (!m) throw new UserError(`${this.source}: not a MatrixMarket file (first line '${t.slice(0, 60)}')`);
      if (m[1].toLowerCase() !== "coordinate") throw new UserError(`${this.source}: only the sparse 'coordinate' MatrixMarket format is supported, not '${m[1]}'`);
      const field = m[2].toLowerCase();
      if (field !== "integer" && field !== "real" && field !== "pattern") throw new UserError(`${this.source}: MatrixMarket field '${m[2]}' is not supported (integer, real or pattern)`);
      if (m[3].toLowerCase() !== "general") throw new UserError(`${this.source}: MatrixMarket symmetry '${m[3]}' is not supported (general)`);
      this.banner = true;
      this.field = field as MtxHeader["field"];
      return;
    }
    if (t === "" || t.startsWith("%")) return;
    const parts = t.split(/\s+/).map(Number);
    if (parts.length !== 3 || !parts.every((x) => Number.isInteger(x) && x >= 0))
      throw new UserError(`${this.source} line ${this.headerLines}: expected the size line 'rows cols entries', found '${t.slice(0, 60)}'`);
    this.header = { rows: parts[0], cols: parts[1], nnz: parts[2], field: this.field };
    this.onHeader(this.header);
  }
}

function countDigitsBack(b: Uint8Array, i: number): number {
  let k = 0;
  while (i - k - 1 >= 0 && b[i - k - 1] >= 48 && b[i - k - 1] <= 57) k++;
  return k;
}
