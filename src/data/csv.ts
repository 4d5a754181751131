import { UserError } from "../errors.js";
import { Frame, type Column, oneLine } from "./frame.js";

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
  const source = options.source ?? "data";
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  checkLooksLikeText(text, source);
  if (text.trim() === "") throw new UserError(`${source} is empty`);

  const delim = chooseDelimiter(text, options.delimiter, source);
  const scanner = new Scanner(text, delim, source);

  if (scanner.record() < 0) throw new UserError(`${source} is empty`);
  const names = headerNames(scanner.fields.slice(), source);
  const ncol = names.length;
  scanner.names = names;

  // Field values per column as the scanner gives them: unquoted ones trimmed, quoted ones exact.
  const cols: string[][] = names.map(() => []);
  let nrow = 0;
  const f = scanner.fields;
  for (let line = scanner.record(); line >= 0; line = scanner.record()) {
    if (f.length !== ncol) {
      throw new UserError(`${source}: row ${line} has ${f.length} field${f.length === 1 ? "" : "s"}, the header has ${ncol}`);
    }
    for (let j = 0; j < ncol; j++) cols[j].push(f[j]);
    nrow++;
  }
  if (nrow === 0) throw new UserError(`${source} has a header but no data rows`);

  const decimal = options.decimal ?? ".";
  if (decimal !== "." && decimal !== ",") throw new UserError(`--decimal must be '.' or ',', not '${oneLine(decimal)}'`);
  if (decimal === "," && delim === 44) throw new UserError(`${source}: with --decimal ',' the fields must be separated by something else (--sep ';' or a tab)`);
  const typing: Typing = { na: options.na ? new Set(options.na) : null, comma: decimal === "," };
  const notes: string[] = [];
  const columns: Column[] = names.map((name, j) => typeColumn(name, cols[j], typing, notes));
  return new Frame(columns, nrow, source, notes.map((n) => `${source}: ${n}`));
}

/**
 * Reject binary files early with one clear message instead of a confusing ragged-row error.
 * NUL bytes never occur in text; U+FFFD is what a UTF-8 decoder makes of invalid bytes, and C0
 * control characters are rare in text: a few are tolerated, more than 1% of the text is junk.
 */
function checkLooksLikeText(text: string, source: string): void {
  if (text.indexOf("\0") >= 0) throw new UserError(`${source} does not look like a text CSV/TSV file (it contains NUL bytes)`);
  const n = Math.min(text.length, 1 << 16); // a prefix is enough to recognise binary data
  let junk = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0xfffd || (c < 32 && c !== TAB && c !== LF && c !== CR && c !== 12 && c !== 11)) junk++;
  }
  if (junk >= 4 && junk * 100 > n) {
    throw new UserError(`${source} does not look like a text CSV/TSV file (it contains invalid UTF-8 or control characters)`);
  }
}

function chooseDelimiter(text: string, given: string | undefined, source: string): number {
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
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) inQuote = !inQuote;
    else if (!inQuote) {
      if (c === LF || c === CR) break;
      if (c === TAB) tabs++;
      else if (c === 44) commas++;
      else if (c === 59) semicolons++;
    }
  }
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

/** RFC 4180 record reader: quoted fields may hold delimiters, newlines and "" for a quote. */
class Scanner {
  private pos = 0;
  private line = 1;
  /** header names, once known, so that errors can name the column */
  names: string[] | null = null;
  constructor(private readonly text: string, private readonly delim: number, private readonly source: string) {}

  /** the fields of the last record read (reused from record to record: fewer allocations) */
  readonly fields: string[] = [];

  /**
   * Read the next non-blank record into `fields`; return the 1-based file line on which it starts
   * (the header is line 1 unless blank lines precede it), or -1 at the end of the text.
   */
  record(): number {
    const t = this.text;
    const len = t.length;
    const delim = this.delim;
    for (;;) {
      if (this.pos >= len) return -1;
      const startLine = this.line;
      const fields = this.fields;
      fields.length = 0;
      let blank = true;
      for (;;) {
        // one field starting at this.pos
        let i = this.pos;
        // spaces before an opening quote are allowed: ` "a b" ,`
        let q = i;
        while (q < len && this.isPad(t.charCodeAt(q))) q++;
        let c: number;
        if (q < len && t.charCodeAt(q) === QUOTE) {
          blank = false;
          const fieldLine = this.line;
          i = q + 1;
          let value = "";
          let from = i;
          for (;;) {
            const k = t.indexOf('"', i);
            if (k < 0) {
              throw new UserError(
                `${this.source}: row ${fieldLine}, ${this.where(fields.length)}: a quoted field is never closed (unterminated quote)`,
              );
            }
            this.countLines(i, k);
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
          c = i < len ? t.charCodeAt(i) : LF;
          if (c !== delim && c !== LF && c !== CR) {
            throw new UserError(
              `${this.source}: row ${this.line}, ${this.where(fields.length)}: unexpected text after a closing quote (write "" for a quote inside a quoted field)`,
            );
          }
          fields.push(value);
        } else {
          // unquoted: up to the delimiter or end of line; quotes inside are literal
          let k = i;
          c = LF;
          while (k < len) {
            const d = t.charCodeAt(k);
            if (d === delim || d === LF || d === CR) { c = d; break; }
            k++;
          }
          const value = k > i ? trimField(t.slice(i, k)) : "";
          if (value !== "" || c === delim) blank = false;
          fields.push(value);
          i = k;
        }
        // i is at a delimiter, a line end or the end of the text
        if (i >= len) { this.pos = len; break; }
        if (c === delim) { this.pos = i + 1; continue; }
        // line end: \n, \r\n or a lone \r
        this.line++;
        this.pos = c === CR && t.charCodeAt(i + 1) === LF ? i + 2 : i + 1;
        break;
      }
      if (blank) continue; // blank lines are skipped (as R's read.csv does)
      return startLine;
    }
  }

  /** blanks allowed around a quoted field (unless the blank is the delimiter) */
  private isPad(c: number): boolean {
    return (c === SPACE || c === TAB) && c !== this.delim;
  }

  private where(j: number): string {
    const name = this.names?.[j];
    return name === undefined ? `field ${j + 1}` : `column '${oneLine(name)}'`;
  }

  /** Count line breaks inside a quoted field so later row numbers stay file line numbers. */
  private countLines(from: number, to: number): void {
    const t = this.text;
    for (let i = from; i < to; i++) {
      const c = t.charCodeAt(i);
      if (c === LF) this.line++;
      else if (c === CR && t.charCodeAt(i + 1) !== LF) this.line++;
    }
  }
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

/**
 * A column is numeric when every non-missing field is a decimal number or an infinity (Inf, -Inf,
 * inf, Infinity in any case: kept as ±Infinity so that model code can name them). Missing: empty
 * fields, NA and the `--na` spellings, and in numeric columns also NULL, n/a, N/A and "." (each
 * said in a note). "NaN" is accepted as a number and its rows kept in `nanRows`: a model that
 * uses the column refuses them (an undefined value is not a missing one). Quoted numbers count as
 * numbers, like R's read.csv ("308" in sleepstudy's Subject).
 * A text column that is mostly numbers remembers its first odd field (`numericExcept`), so that a
 * model refuses to turn one stray token into a factor with a level per number.
 */
function typeColumn(name: string, raw: string[], typing: Typing, notes: string[]): Column {
  const n = raw.length;
  const values = new Float64Array(n);
  let nanRows: number[] | null = null;
  const softNa = new Map<string, { first: number; count: number }>();
  for (let i = 0; i < n; i++) {
    const s = raw[i];
    const x = parseNumber(s, typing);
    if (x === undefined) {
      const t = s.trim();
      if (NUMERIC_NA.includes(t)) {
        const e = softNa.get(t);
        if (e) e.count++; else softNa.set(t, { first: i, count: 1 });
        values[i] = NaN;
        continue;
      }
      return textColumn(name, raw, typing);
    }
    values[i] = x;
    if (x !== x && s.trim().toLowerCase() === "nan") (nanRows ??= []).push(i);
  }
  for (const [tok, e] of softNa) {
    notes.push(`column '${oneLine(name)}': '${tok}' read as missing (${e.count} field${e.count === 1 ? "" : "s"}, first at data row ${e.first + 1}); --na sets the missing spellings`);
  }
  return nanRows ? { kind: "numeric", name, values, nanRows: Int32Array.from(nanRows) } : { kind: "numeric", name, values };
}

function textColumn(name: string, raw: string[], typing: Typing): Column {
  const values: (string | null)[] = new Array(raw.length);
  let numbers = 0, odd = 0, firstOdd = -1, commaNumbers = 0;
  for (let i = 0; i < raw.length; i++) {
    const s = raw[i];
    const missing = isMissingText(s) || (typing.na !== null && typing.na.has(s.trim()));
    values[i] = missing ? null : s;
    if (missing) continue;
    if (parseNumber(s, typing) !== undefined || NUMERIC_NA.includes(s.trim())) { numbers++; continue; }
    odd++;
    if (firstOdd < 0) firstOdd = i;
    if (!typing.comma && /^\s*[+-]?\d{1,3}(,\d+)+\s*$/.test(s)) commaNumbers++;
  }
  // mostly numbers: one stray token (or a few) must not silently make a factor of the numbers
  if (numbers + commaNumbers > 0 && (commaNumbers === odd || odd * 5 <= numbers)) {
    const hint = commaNumbers === odd
      ? "it looks like numbers with a decimal or thousands comma (give --decimal ',' for decimal commas, or remove the thousands separators)"
      : `mark it missing with --na '${oneLine(raw[firstOdd].trim())}', fix the value, or write factor(${oneLine(name)}) to use the column as a factor`;
    const numericExcept = {
      token: raw[firstOdd], row: firstOdd, count: odd,
      message: `column '${oneLine(name)}' holds numbers except '${oneLine(raw[firstOdd])}' at data row ${firstOdd + 1}${odd > 1 ? ` (and ${odd - 1} more field${odd > 2 ? "s" : ""})` : ""}, so it was read as text; ${hint}`,
    };
    return { kind: "text", name, values, numericExcept };
  }
  return { kind: "text", name, values };
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

