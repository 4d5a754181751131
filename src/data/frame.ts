import { UserError } from "../errors.js";

// A column-oriented table: the in-memory form of a CSV after type detection.
// Numeric columns hold NaN for missing values; text columns hold null.

/** A numeric column: a Float64Array, NaN for missing values. */
export interface NumericColumn {
  readonly kind: "numeric";
  readonly name: string;
  readonly values: Float64Array;
  /**
   * Rows whose field was a literal NaN (in `values` NaN is also the missing marker): a model that
   * uses the column refuses them rather than silently dropping a computed-but-undefined value.
   */
  readonly nanRows?: Int32Array;
}

/** A text column: strings, null for missing values. */
export interface TextColumn {
  readonly kind: "text";
  readonly name: string;
  readonly values: ReadonlyArray<string | null>;
  /**
   * Set when the column is numbers except for a few fields (the first named): used as a model
   * variable it would become a factor with a level per number, so the model refuses it by name.
   */
  readonly numericExcept?: { readonly token: string; readonly row: number; readonly count: number; readonly message: string };
  /**
   * The same values as codes into `dictionary` (-1 for missing), as the CSV reader keeps them: a
   * model reads these rather than `values`, which the reader makes only when asked for.
   */
  readonly codes?: Int32Array;
  /** the distinct strings that `codes` index, in order of first appearance */
  readonly dictionary?: readonly string[];
}

/** A column of a Frame: numeric or text. */
export type Column = NumericColumn | TextColumn;

/** A column-oriented table of typed columns (numeric or text), as the CSV reader makes it. */
export class Frame {
  /** the columns by name, in file order */
  readonly columns: ReadonlyMap<string, Column>;
  /** number of rows */
  readonly nrow: number;
  /** where the data came from, for error messages ("sleepstudy.csv") */
  readonly source: string;

  /** what the reader decided on the user's behalf (e.g. "'NULL' read as missing"), for the CLI to say */
  readonly notes: readonly string[];

  constructor(columns: Column[], nrow: number, source = "data", notes: readonly string[] = []) {
    this.notes = notes;
    const m = new Map<string, Column>();
    for (const c of columns) {
      const length = c.kind === "text" && c.codes ? c.codes.length : c.values.length;
      if (length !== nrow) throw new Error(`column ${c.name} has ${length} values, expected ${nrow}`);
      m.set(c.name, c);
    }
    this.columns = m;
    this.nrow = nrow;
    this.source = source;
  }

  /** the column names, in order */
  get names(): string[] {
    return [...this.columns.keys()];
  }

  /** whether a column of that name exists */
  has(name: string): boolean {
    return this.columns.has(name);
  }

  /** The column, or a user error naming the missing column and the available ones. */
  column(name: string): Column {
    const c = this.columns.get(name);
    if (!c) throw new UserError(`column '${oneLine(name)}' not found in ${this.source} (columns: ${this.names.map(oneLine).join(", ")})`);
    return c;
  }

  /** Build a Frame from plain records (library use, browser). */
  static fromRecords(records: ReadonlyArray<Record<string, unknown>>, source = "data"): Frame {
    const names: string[] = [];
    const seen = new Set<string>();
    for (const r of records) for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); names.push(k); }
    const n = records.length;
    const cols: Column[] = names.map((name) => {
      const raw = records.map((r) => r[name]);
      const numeric = raw.every((v) => v === null || v === undefined || (typeof v === "number"));
      if (numeric) {
        const values = new Float64Array(n);
        for (let i = 0; i < n; i++) { const v = raw[i]; values[i] = typeof v === "number" ? v : NaN; }
        return { kind: "numeric", name, values } as NumericColumn;
      }
      return { kind: "text", name, values: raw.map((v) => (v === null || v === undefined ? null : String(v))) } as TextColumn;
    });
    return new Frame(cols, n, source);
  }
}

/**
 * A text column held as codes into a dictionary of distinct strings (-1 for missing). Its `values`
 * array is made on first use only: for millions of rows it costs a pointer per row.
 */
export function codedTextColumn(
  name: string, codes: Int32Array, dictionary: readonly string[], numericExcept?: TextColumn["numericExcept"],
): TextColumn {
  let values: (string | null)[] | null = null;
  return {
    kind: "text", name, codes, dictionary,
    ...(numericExcept ? { numericExcept } : {}),
    get values(): ReadonlyArray<string | null> {
      return (values ??= Array.from(codes, (k) => (k < 0 ? null : dictionary[k])));
    },
  };
}

/** Names in messages stay on one line: escape line breaks and tabs. */
export function oneLine(s: string): string {
  return s.replace(/[\r\n\t]/g, (c) => (c === "\n" ? "\\n" : c === "\r" ? "\\r" : "\\t"));
}

export function isMissingNumber(x: number): boolean {
  return Number.isNaN(x);
}
