import { UserError } from "../errors.js";
import { codedTextColumn, Frame, oneLine, type Column, type TextColumn } from "./frame.js";

// CSV/TSV text → Frame. A hand-written single-pass scanner rather than papaparse: it needs to know
// which fields were quoted (unquoted text is trimmed, quoted text is kept exactly), the file line on
// which each record starts (for error messages), and it must be fast on a cold start (the CLI parses
// once per process; papaparse alone took ~250 ms cold on the 1.7 MB InstEval file).
// Browser-safe: no Node APIs.

/** Options of parseDelimited: delimiter, decimal mark, missing-value tokens, source name. */
export interface ParseOptions {
  /** name used in error messages and stored as Frame.source, e.g. "sleepstudy.csv" */
  source?: string;
  /** field separator (one character); default: tab if the header has tabs and no commas, semicolon if it has semicolons and neither, else comma */
  delimiter?: string;
  /**
   * Missing-value spellings for every column, besides empty and NA (R's na.strings). Columns that
   * are otherwise numbers also take NULL, null, n/a, N/A and "." as missing (said in the notes).
   */
  na?: readonly string[];
  /** decimal mark of numbers: "." (default) or "," ("0,123") */
  decimal?: string;
}

/** Missing-value spellings accepted in a column that is otherwise numeric (reported in Frame.notes). */
const NUMERIC_NA = ["NULL", "null", "n/a", "N/A", "."];

const QUOTE = 34; // "
const LF = 10;
const CR = 13;
const SPACE = 32;
const TAB = 9;

/** Parse delimited text with a header row into a Frame with numeric and text columns. */
export function parseDelimited(text: string, options: ParseOptions = {}): Frame {
  return readDelimited(() => [text], options);
}

/**
 * Read delimited text given in pieces (a file read in chunks) into the same Frame as parseDelimited
 * of the whole text, holding typed columns instead of the text: numbers in Float64Arrays, text as
 * Int32 codes into a dictionary of its distinct strings. `chunks` yields the text from its start
 * each time it is called: a column that turns out to be text after rows of numbers is read again
 * for those rows (the numbers' spelling was not kept).
 */
export function readDelimited(chunks: () => Iterable<string>, options: ParseOptions = {}): Frame {
  const source = options.source ?? "data";
  const scanner = new Scanner(chunks(), source, true);
  const delim = scanner.start(options.delimiter);
  const decimal = options.decimal ?? ".";
  if (decimal !== "." && decimal !== ",") throw new UserError(`--decimal must be '.' or ',', not '${oneLine(decimal)}'`);
  if (decimal === "," && delim === 44) throw new UserError(`${source}: with --decimal ',' the fields must be separated by something else (--sep ';' or a tab)`);
  const typing: Typing = { na: options.na ? new Set(options.na) : null, comma: decimal === "," };

  if (scanner.record() < 0) throw new UserError(`${source} is empty`);
  const names = headerNames(Array.from({ length: scanner.nf }, (_, j) => scanner.value(j)), source);
  const ncol = names.length;
  scanner.names = names;

  const cols = names.map((name) => new ColumnReader(name, typing));
  let nrow = 0;
  for (let line = scanner.record(); line >= 0; line = scanner.record()) {
    const nf = scanner.nf;
    if (nf !== ncol) throw new UserError(`${source}: row ${line} has ${nf} field${nf === 1 ? "" : "s"}, the header has ${ncol}`);
    for (let j = 0; j < ncol; j++) cols[j].add(nrow, scanner, j);
    nrow++;
  }
  if (nrow === 0) throw new UserError(`${source} has a header but no data rows`);

  // columns that turned out to be text after rows of numbers: read those rows again as text
  const again = Math.max(...cols.map((c) => c.textFrom));
  if (again > 0) {
    const second = new Scanner(chunks(), source, false);
    second.delim = delim;
    second.record(); // the header
    for (let row = 0; row < again; row++) {
      second.record();
      for (let j = 0; j < ncol; j++) if (row < cols[j].textFrom) cols[j].addText(row, second.value(j));
    }
  }
  const notes: string[] = [];
  const columns = cols.map((c) => c.finish(nrow, notes));
  return new Frame(columns, nrow, source, notes.map((n) => `${source}: ${n}`));
}

/** Reject binary input at once: NUL bytes never occur in text. */
function checkNoNul(text: string, source: string): void {
  if (text.indexOf("\0") >= 0) throw new UserError(`${source} does not look like a text CSV/TSV file (it contains NUL bytes)`);
}

/**
 * Reject binary files early with one clear message instead of a confusing ragged-row error.
 * U+FFFD is what a UTF-8 decoder makes of invalid bytes, and C0 control characters are rare in
 * text: in the first 64 Ki characters a few are tolerated, more than 1% is junk.
 */
function checkLooksLikeText(text: string, source: string): void {
  const n = Math.min(text.length, TEXT_PREFIX);
  // (most files have none: one regex search instead of a character loop that runs interpreted)
  if (!JUNK.test(n < text.length ? text.slice(0, n) : text)) return;
  let junk = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c < 32 && c !== TAB && c !== LF && c !== CR && c !== 12 && c !== 11)) junk++;
  }
  if (junk >= 4 && junk * 100 > n) {
    throw new UserError(`${source} does not look like a text CSV/TSV file (it contains invalid UTF-8 or control characters)`);
  }
}

/** the characters checkLooksLikeText counts */
const JUNK = /[\x00-\x08\x0e-\x1f\ufffd]/;

/** The delimiter's character code; -1 when `text` ends inside the header line and more may follow. */
function chooseDelimiter(text: string, given: string | undefined, source: string, complete: boolean): number {
  if (given !== undefined) {
    if (given === "\\t") given = "\t";
    if (given.length !== 1 || given === '"' || given === "\n" || given === "\r") {
      throw new UserError(`${source}: delimiter must be one character other than a quote or newline, got '${oneLine(given)}'`);
    }
    return given.charCodeAt(0);
  }
  // Look at the header line only, outside quotes.
  let tabs = 0;
  let commas = 0;
  let semicolons = 0;
  let inQuote = false;
  let ended = complete;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) inQuote = !inQuote;
    else if (!inQuote) {
      if (c === LF || c === CR) { ended = true; break; }
      if (c === TAB) tabs++;
      else if (c === 44) commas++;
      else if (c === 59) semicolons++;
    }
  }
  if (!ended) return -1;
  if (tabs > 0 && commas === 0) return TAB;
  // a header split by ';' and no ',' (a spreadsheet's CSV in locales with a decimal comma)
  if (semicolons > 0 && commas === 0 && tabs === 0) return 59;
  return 44;
}

function headerNames(fields: string[], source: string): string[] {
  const names = fields.map((s) => s.trim());
  const seen = new Map<string, number>();
  names.forEach((name, j) => {
    if (name === "") throw new UserError(`${source}: column ${j + 1} of the header has no name`);
    const prev = seen.get(name);
    if (prev !== undefined) throw new UserError(`${source}: column name '${oneLine(name)}' appears twice in the header (columns ${prev + 1} and ${j + 1})`);
    seen.set(name, j);
  });
  return names;
}

/** how many characters the binary-file check looks at */
const TEXT_PREFIX = 1 << 16;
/** scan(): the buffered text ends inside the record; a blank line */
const NEED_MORE = -2;
const BLANK = -3;

/**
 * RFC 4180 record reader over text that arrives in pieces: quoted fields may hold delimiters,
 * newlines and "" for a quote. It keeps only the unread text from the current record on; a record
 * cut by the end of a piece is read again once the next piece is appended.
 */
class Scanner {
  /** buffered text; the next record starts at `pos`, on file line `line` */
  text = "";
  private pos = 0;
  private line = 1;
  private eof = false;
  private started = false;
  private readonly it: Iterator<string>;
  delim = 44;
  /** header names, once known, so that errors can name the column */
  names: string[] | null = null;
  /** the last record's fields: the quoted value qv[j], or (qv[j] null) the unquoted text [fs[j], fe[j]) */
  nf = 0;
  fs = new Int32Array(16);
  fe = new Int32Array(16);
  readonly qv: (string | null)[] = [];

  constructor(pieces: Iterable<string>, private readonly source: string, private readonly checkText: boolean) {
    this.it = pieces[Symbol.iterator]();
  }

  /** Append the next non-empty piece to the unread text; false at the end of the input. */
  private pull(): boolean {
    for (;;) {
      const r = this.it.next();
      if (r.done) { this.eof = true; return false; }
      let piece = r.value;
      if (piece === "") continue;
      if (!this.started) {
        this.started = true;
        if (piece.charCodeAt(0) === 0xfeff) piece = piece.slice(1);
      }
      if (this.checkText) checkNoNul(piece, this.source);
      this.text = this.pos > 0 ? this.text.slice(this.pos) + piece : this.text + piece;
      this.pos = 0;
      return true;
    }
  }

  /** Check the start of the text (binary, empty) and choose the delimiter from the header line. */
  start(given: string | undefined): number {
    while (!this.eof && (this.text.length < TEXT_PREFIX || this.text.trim() === "")) this.pull();
    checkLooksLikeText(this.text, this.source);
    if (this.eof && this.text.trim() === "") throw new UserError(`${this.source} is empty`);
    let d = chooseDelimiter(this.text, given, this.source, this.eof);
    while (d < 0) {
      this.pull();
      d = chooseDelimiter(this.text, given, this.source, this.eof);
    }
    return (this.delim = d);
  }

  /** Field j of the last record: unquoted text trimmed, quoted text exact. */
  value(j: number): string {
    const q = this.qv[j];
    if (q !== null) return q;
    const a = this.fs[j], b = this.fe[j];
    return b > a ? trimField(this.text.slice(a, b)) : "";
  }

  /**
   * Read the next non-blank record's fields; return the 1-based file line on which it starts (the
   * header is line 1 unless blank lines precede it), or -1 at the end of the text.
   */
  record(): number {
    for (;;) {
      const r = this.scan();
      if (r === NEED_MORE) this.pull();
      else if (r !== BLANK) return r;
    }
  }

  /** One record from `pos`: its start line, -1 at the end, BLANK, or NEED_MORE (nothing consumed). */
  private scan(): number {
    const t = this.text;
    const len = t.length;
    const delim = this.delim;
    const eof = this.eof;
    let pos = this.pos;
    if (pos >= len) return eof ? -1 : NEED_MORE;
    let line = this.line;
    const startLine = line;
    let nf = 0;
    for (;;) {
      if (nf === this.fs.length) this.grow();
      // one field starting at pos; spaces before an opening quote are allowed: ` "a b" ,`
      let i = pos;
      let q = i;
      while (q < len && this.isPad(t.charCodeAt(q))) q++;
      let c: number;
      if (q < len && t.charCodeAt(q) === QUOTE) {
        const fieldLine = line;
        i = q + 1;
        let value = "";
        let from = i;
        for (;;) {
          const k = t.indexOf('"', i);
          if (k < 0) {
            if (!eof) return NEED_MORE;
            throw new UserError(`${this.source}: row ${fieldLine}, ${this.where(nf)}: a quoted field is never closed (unterminated quote)`);
          }
          if (k + 1 >= len && !eof) return NEED_MORE;
          line += countLines(t, i, k);
          if (t.charCodeAt(k + 1) === QUOTE) {
            value += t.slice(from, k + 1);
            i = k + 2;
            from = i;
            continue;
          }
          value += t.slice(from, k);
          i = k + 1;
          break;
        }
        // after the closing quote: optional spaces, then a delimiter or end of line
        while (i < len && this.isPad(t.charCodeAt(i))) i++;
        if (i >= len && !eof) return NEED_MORE;
        c = i < len ? t.charCodeAt(i) : LF;
        if (c !== delim && c !== LF && c !== CR) {
          throw new UserError(
            `${this.source}: row ${line}, ${this.where(nf)}: unexpected text after a closing quote (write "" for a quote inside a quoted field)`,
          );
        }
        this.qv[nf] = value;
      } else {
        // unquoted: up to the delimiter or end of line; quotes inside are literal
        let k = i;
        c = LF;
        while (k < len) {
          const d = t.charCodeAt(k);
          if (d === delim || d === LF || d === CR) { c = d; break; }
          k++;
        }
        if (k >= len && !eof) return NEED_MORE;
        this.qv[nf] = null;
        this.fs[nf] = i;
        this.fe[nf] = k;
        i = k;
      }
      nf++;
      // i is at a delimiter, a line end or the end of the text
      if (i >= len) { pos = len; break; }
      if (c === delim) { pos = i + 1; continue; }
      // line end: \n, \r\n or a lone \r
      if (c === CR && i + 1 >= len && !eof) return NEED_MORE;
      line++;
      pos = c === CR && t.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
      break;
    }
    this.pos = pos;
    this.line = line;
    this.nf = nf;
    // blank lines are skipped (as R's read.csv does): one unquoted field with nothing in it
    return nf === 1 && this.qv[0] === null && this.value(0) === "" ? BLANK : startLine;
  }

  private grow(): void {
    const n = this.fs.length * 2;
    const fs = new Int32Array(n), fe = new Int32Array(n);
    fs.set(this.fs);
    fe.set(this.fe);
    this.fs = fs;
    this.fe = fe;
  }

  /** blanks allowed around a quoted field (unless the blank is the delimiter) */
  private isPad(c: number): boolean {
    return (c === SPACE || c === TAB) && c !== this.delim;
  }

  private where(j: number): string {
    const name = this.names?.[j];
    return name === undefined ? `field ${j + 1}` : `column '${oneLine(name)}'`;
  }
}

/** Line breaks in t[from, to) (inside a quoted field), so that later row numbers stay file line numbers. */
function countLines(t: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = t.charCodeAt(i);
    if (c === LF) n++;
    else if (c === CR && t.charCodeAt(i + 1) !== LF) n++;
  }
  return n;
}

/** rows per storage block of a column while reading (the row count is not known in advance) */
const BLOCK_BITS = 16;
const BLOCK = 1 << BLOCK_BITS;
const MASK = BLOCK - 1;

/**
 * One column while reading: numbers until the first field that is neither a number nor a missing
 * spelling, then text codes into a dictionary of distinct strings (the rows before are read again).
 *
 * A column is numeric when every non-missing field is a decimal number or an infinity (Inf, -Inf,
 * inf, Infinity in any case: kept as ±Infinity so that model code can name them). Missing: empty
 * fields, NA and the `--na` spellings, and in numeric columns also NULL, n/a, N/A and "." (each
 * said in a note). "NaN" is accepted as a number and its rows kept in `nanRows`: a model that
 * uses the column refuses them (an undefined value is not a missing one). Quoted numbers count as
 * numbers, like R's read.csv ("308" in sleepstudy's Subject).
 * A text column that is mostly numbers remembers its first odd field (`numericExcept`), so that a
 * model refuses to turn one stray token into a factor with a level per number.
 */
class ColumnReader {
  /** rows before this one were read as numbers and must be read again as text (0: none) */
  textFrom = 0;
  private isText = false;
  private readonly fast: boolean;
  private nums: Float64Array[] = [];
  private softNa = new Map<string, { first: number; count: number }>();
  private nanRows: number[] | null = null;
  private codes: Int32Array[] = [];
  private readonly dict = new Dictionary();
  private readonly levels = this.dict.levels;
  private readonly counts: number[] = [];
  private readonly firstRow: number[] = [];

  constructor(private readonly name: string, private readonly typing: Typing) {
    this.fast = typing.na === null && !typing.comma;
  }

  add(row: number, s: Scanner, j: number): void {
    if (this.isText) {
      // the common case without making a string: an unquoted field with nothing to trim, no --na
      if (s.qv[j] === null && this.typing.na === null) {
        const code = this.dict.lookup(s.text, s.fs[j], s.fe[j]);
        if (code !== NO_CODE) { this.setCode(row, code); return; }
      }
      this.addText(row, s.value(j));
      return;
    }
    const nums = this.nums, b = row >>> BLOCK_BITS;
    const blk = b < nums.length && (row & MASK) < nums[b].length ? nums[b] : blockFor(nums, row, newFloat64);
    if (this.fast && s.qv[j] === null) {
      const x = fastNumber(s.text, s.fs[j], s.fe[j]);
      if (x === x) { blk[row & MASK] = x; return; }
    }
    const v = s.value(j);
    const x = parseNumber(v, this.typing);
    if (x === undefined) {
      const t = v.trim();
      if (NUMERIC_NA.includes(t)) {
        const e = this.softNa.get(t);
        if (e) e.count++; else this.softNa.set(t, { first: row, count: 1 });
        blk[row & MASK] = NaN;
        return;
      }
      // text after all: the numbers so far are dropped and those rows read again
      this.isText = true;
      this.textFrom = row;
      this.nums = [];
      this.softNa.clear();
      this.nanRows = null;
      this.addText(row, v);
      return;
    }
    blk[row & MASK] = x;
    if (x !== x && v.trim().toLowerCase() === "nan") (this.nanRows ??= []).push(row);
  }

  addText(row: number, v: string): void {
    // only exact "" and NA (and --na): a quoted "  " is a real (if odd) string and kept
    const missing = isMissingText(v) || (this.typing.na !== null && this.typing.na.has(v.trim()));
    this.setCode(row, missing ? -1 : this.dict.code(v));
  }

  private setCode(row: number, code: number): void {
    const codes = this.codes, b = row >>> BLOCK_BITS;
    const blk = b < codes.length && (row & MASK) < codes[b].length ? codes[b] : blockFor(codes, row, newInt32);
    blk[row & MASK] = code;
    if (code < 0) return;
    if (code === this.counts.length) { this.counts.push(0); this.firstRow.push(row); }
    this.counts[code]++;
    if (row < this.firstRow[code]) this.firstRow[code] = row;
  }

  finish(nrow: number, notes: string[]): Column {
    const name = this.name;
    if (this.isText) return this.textColumn(nrow);
    const values = joinBlocks(this.nums, new Float64Array(nrow));
    this.nums = [];
    for (const [tok, e] of this.softNa) {
      notes.push(`column '${oneLine(name)}': '${tok}' read as missing (${e.count} field${e.count === 1 ? "" : "s"}, first at data row ${e.first + 1}); --na sets the missing spellings`);
    }
    return this.nanRows ? { kind: "numeric", name, values, nanRows: Int32Array.from(this.nanRows) } : { kind: "numeric", name, values };
  }

  private textColumn(nrow: number): TextColumn {
    const { name, typing, levels } = this;
    const codes = joinBlocks(this.codes, new Int32Array(nrow));
    this.codes = [];
    // counted over the distinct strings, weighted by how often each occurs
    let numbers = 0, odd = 0, firstOdd = -1, commaNumbers = 0, token = "";
    for (let k = 0; k < levels.length; k++) {
      const s = levels[k];
      const count = this.counts[k];
      if (parseNumber(s, typing) !== undefined || NUMERIC_NA.includes(s.trim())) { numbers += count; continue; }
      odd += count;
      if (firstOdd < 0 || this.firstRow[k] < firstOdd) { firstOdd = this.firstRow[k]; token = s; }
      if (!typing.comma && /^\s*[+-]?\d{1,3}(,\d+)+\s*$/.test(s)) commaNumbers += count;
    }
    // mostly numbers: one stray token (or a few) must not silently make a factor of the numbers
    if (numbers + commaNumbers > 0 && (commaNumbers === odd || odd * 5 <= numbers)) {
      const hint = commaNumbers === odd
        ? "it looks like numbers with a decimal or thousands comma (give --decimal ',' for decimal commas, or remove the thousands separators)"
        : `mark it missing with --na '${oneLine(token.trim())}', fix the value, or write factor(${oneLine(name)}) to use the column as a factor`;
      const numericExcept = {
        token, row: firstOdd, count: odd,
        message: `column '${oneLine(name)}' holds numbers except '${oneLine(token)}' at data row ${firstOdd + 1}${odd > 1 ? ` (and ${odd - 1} more field${odd > 2 ? "s" : ""})` : ""}, so it was read as text; ${hint}`,
      };
      return codedTextColumn(name, codes, levels, numericExcept);
    }
    return codedTextColumn(name, codes, levels);
  }
}

/** Dictionary.lookup: the field needs the general route */
const NO_CODE = -2;

/**
 * The distinct strings of a text column and their codes, in order of first appearance: an
 * open-addressing hash table that looks a field up by its characters in the buffered text, so
 * that a string is made only for a new level (a Map would need a string per row).
 */
class Dictionary {
  readonly levels: string[] = [];
  private hashes: number[] = [];
  private slots = new Int32Array(1024).fill(-1);

  /** The code of a field t[a, b) that is neither missing nor in need of trimming (new ones added), else NO_CODE. */
  lookup(t: string, a: number, b: number): number {
    if (b <= a) return NO_CODE;
    const first = t.charCodeAt(a), last = t.charCodeAt(b - 1);
    // what trimField would change, and "NA"
    if (first <= SPACE || last <= SPACE || first === 0xa0 || last === 0xa0 || first === 0xfeff) return NO_CODE;
    if (b - a === 2 && first === 78 && last === 65) return NO_CODE;
    return this.find(t, a, b);
  }

  /** The code of string v (added when new). */
  code(v: string): number {
    return this.find(v, 0, v.length);
  }

  private find(t: string, a: number, b: number): number {
    let h = 0x811c9dc5; // FNV-1a
    for (let i = a; i < b; i++) h = Math.imul(h ^ t.charCodeAt(i), 0x01000193);
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const k = slots[i];
      if (k < 0) break;
      if (this.hashes[k] === h && sameText(this.levels[k], t, a, b)) return k;
    }
    const k = this.levels.length;
    this.levels.push(ownCopy(t, a, b));
    this.hashes.push(h);
    if (2 * this.levels.length > slots.length) this.rehash(); else this.place(k);
    return k;
  }

  private place(k: number): void {
    const slots = this.slots;
    const mask = slots.length - 1;
    let i = this.hashes[k] & mask;
    while (slots[i] >= 0) i = (i + 1) & mask;
    slots[i] = k;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(-1);
    for (let k = 0; k < this.levels.length; k++) this.place(k);
  }
}

/**
 * t[a, b) as a string of its own: V8 makes a slice of 13 or more characters a view of its parent,
 * and a level that is such a view would keep a whole piece of the file alive.
 */
function ownCopy(t: string, a: number, b: number): string {
  if (b - a < 13) return t.slice(a, b);
  const parts: string[] = [];
  for (let i = a; i < b; i += 8192) {
    const end = Math.min(b, i + 8192);
    const units = new Uint16Array(end - i);
    for (let k = i; k < end; k++) units[k - i] = t.charCodeAt(k);
    parts.push(String.fromCharCode(...units));
  }
  return parts.join("");
}

/** Whether s equals t[a, b). */
function sameText(s: string, t: string, a: number, b: number): boolean {
  if (s.length !== b - a) return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) !== t.charCodeAt(a + i)) return false;
  return true;
}

/** a column's first block starts this small and grows (a small file's columns stay small) */
const FIRST_BLOCK = 1024;
const newFloat64 = (n: number) => new Float64Array(n);
const newInt32 = (n: number) => new Int32Array(n);

/**
 * The block of `blocks` that holds `row`, added (full size, the first one FIRST_BLOCK) or grown
 * fourfold up to BLOCK (the first one) as rows come. A full block per column was half a megabyte
 * zeroed per numeric column even for a file of a few hundred rows.
 */
function blockFor<T extends Float64Array | Int32Array>(blocks: T[], row: number, make: (n: number) => T): T {
  const b = row >>> BLOCK_BITS, i = row & MASK;
  while (blocks.length <= b) blocks.push(make(blocks.length === 0 ? FIRST_BLOCK : BLOCK));
  const blk = blocks[b];
  if (i >= blk.length) {
    let len = blk.length * 4;
    while (len <= i) len *= 4;
    const grown = make(Math.min(len, BLOCK));
    grown.set(blk);
    blocks[b] = grown;
  }
  return blocks[b];
}

/** Copy the filled part of blocks (each BLOCK rows but the first, which may be shorter) into `out` (its length is the row count). */
function joinBlocks<T extends Float64Array | Int32Array>(blocks: T[], out: T): T {
  for (let b = 0; b < blocks.length; b++) {
    const from = b * BLOCK;
    if (from >= out.length) break;
    out.set(blocks[b].subarray(0, Math.min(BLOCK, out.length - from)), from);
  }
  return out;
}

/** 10^k for k ≤ 22, each exact (built by exact multiplications, not Math.pow) */
const POW10 = (() => {
  const p = new Float64Array(23);
  p[0] = 1;
  for (let k = 1; k < 23; k++) p[k] = p[k - 1] * 10;
  return p;
})();

/**
 * The number in an unquoted field t[i, k), without making a string, when it is a plain decimal
 * (isDecimal's grammar, no blanks around) of at most 15 significant digits and a power of ten
 * within ±22; otherwise NaN and the caller takes the general route. Then the digits and the
 * power are exact doubles and one multiplication or division rounds correctly (Clinger's fast
 * path), so the result is exactly Number() of the text.
 */
function fastNumber(t: string, i: number, k: number): number {
  let p = i;
  let c = t.charCodeAt(p);
  const neg = c === 45;
  if (neg || c === 43) c = t.charCodeAt(++p);
  let m = 0, sig = 0, digits = 0, scale = 0;
  while (c >= 48 && c <= 57) {
    if (sig > 0 || c !== 48) { m = m * 10 + (c - 48); sig++; }
    digits++;
    c = t.charCodeAt(++p);
  }
  if (c === 46) {
    c = t.charCodeAt(++p);
    while (c >= 48 && c <= 57) {
      if (sig > 0 || c !== 48) { m = m * 10 + (c - 48); sig++; }
      digits++;
      scale++;
      c = t.charCodeAt(++p);
    }
  }
  if (digits === 0 || sig > 15) return NaN;
  let e = 0;
  if (c === 101 || c === 69) {
    c = t.charCodeAt(++p);
    const eneg = c === 45;
    if (eneg || c === 43) c = t.charCodeAt(++p);
    let ed = 0;
    while (c >= 48 && c <= 57) {
      if (e < 10000) e = e * 10 + (c - 48);
      ed++;
      c = t.charCodeAt(++p);
    }
    if (ed === 0) return NaN;
    if (eneg) e = -e;
  }
  if (p !== k) return NaN;
  const e10 = e - scale;
  let x: number;
  if (m === 0) x = 0;
  else if (e10 >= 0 && e10 <= 22) x = m * POW10[e10];
  else if (e10 < 0 && e10 >= -22) x = m / POW10[-e10];
  else return NaN;
  return neg ? -x : x;
}

/** Trim spaces and tabs (String.prototype.trim also strips other Unicode space, which is fine). */
function trimField(s: string): string {
  const a = s.charCodeAt(0);
  const b = s.charCodeAt(s.length - 1);
  return a <= SPACE || b <= SPACE || a === 0xa0 || b === 0xa0 || a === 0xfeff ? s.trim() : s;
}

interface Typing {
  /** --na: more missing spellings, for every column */
  readonly na: ReadonlySet<string> | null;
  /** --decimal ',' */
  readonly comma: boolean;
}

/** Only exact "" and NA: a quoted "  " is a real (if odd) string and kept. */
function isMissingText(s: string): boolean {
  return s === "" || s === "NA";
}

/** NaN for missing, the number, or undefined when the field is not a number. */
function parseNumber(s: string, typing: Typing): number | undefined {
  if (s === "" || s === "NA" || s === "NaN" || typing.na?.has(s)) return NaN;
  if (!isDecimal(s)) {
    const t = s.trim();
    if (t !== s) return parseNumber(t, typing);
    if (typing.comma && t.indexOf(",") >= 0 && t.indexOf(".") < 0) {
      const d = t.replace(",", ".");
      if (isDecimal(d)) return Number(d);
    }
    return infinity(t);
  }
  if (typing.comma && s.indexOf(".") >= 0) return undefined; // with decimal commas a '.' is not a decimal point
  return Number(s);
}

/** Inf, -Inf, +inf, Infinity, -INFINITY, nan (R's type.convert is case-blind here too). */
function infinity(t: string): number | undefined {
  const l = t.toLowerCase();
  if (l === "inf" || l === "+inf" || l === "infinity" || l === "+infinity") return Infinity;
  if (l === "-inf" || l === "-infinity") return -Infinity;
  if (l === "nan") return NaN;
  return undefined;
}

/** [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)? — what R's read.csv calls a number, minus hex. */
function isDecimal(s: string): boolean {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  if (c === 43 || c === 45) c = s.charCodeAt(++i);
  let digits = 0;
  while (c >= 48 && c <= 57) { digits++; c = s.charCodeAt(++i); }
  if (c === 46) {
    c = s.charCodeAt(++i);
    while (c >= 48 && c <= 57) { digits++; c = s.charCodeAt(++i); }
  }
  if (digits === 0) return false;
  if (c === 101 || c === 69) {
    c = s.charCodeAt(++i);
    if (c === 43 || c === 45) c = s.charCodeAt(++i);
    let e = 0;
    while (c >= 48 && c <= 57) { e++; c = s.charCodeAt(++i); }
    if (e === 0) return false;
  }
  return i === n;
}

