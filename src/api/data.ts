// Data in the forms JavaScript holds it, converted once at the edge into the library's Frame: the
// CSV reader's Frame itself, an array of row objects, an object of column arrays, or an Apache Arrow
// table (arquero, DuckDB-Wasm and Parquet readers produce one). Arrow is duck-typed — `numRows`,
// `schema.fields` and `getChild(name).toArray()` — so the package does not depend on it.
import { Frame, type Column } from "../data/frame.js";
import { UserError } from "../errors.js";

/** A value of one cell: numbers (NaN, null or undefined = missing), strings, booleans, bigints or Dates. */
export type Cell = number | string | boolean | bigint | Date | null | undefined;

/** One column of values: a plain array or a typed array. */
export type ColumnValues = ArrayLike<Cell> | Float64Array | Float32Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array | Uint32Array;

/** The minimal shape of an Apache Arrow table that the library reads. */
export interface ArrowTableLike {
  readonly numRows: number;
  readonly schema: { readonly fields: ReadonlyArray<{ readonly name: string }> };
  getChild(name: string): { toArray(): ArrayLike<unknown>; readonly nullCount?: number; get?(i: number): unknown } | null;
}

/** Data a model can be fitted to: a Frame, row objects, an object of column arrays, or an Arrow table. */
export type DataInput = Frame | ReadonlyArray<Readonly<Record<string, Cell>>> | Readonly<Record<string, ColumnValues>> | ArrowTableLike;

function isArrow(d: object): d is ArrowTableLike {
  const a = d as Partial<ArrowTableLike>;
  return typeof a.numRows === "number" && typeof a.getChild === "function" && Array.isArray(a.schema?.fields);
}

/** One column from JS values: numeric when every non-missing value is a number (or bigint), text otherwise. */
function toColumn(name: string, values: ArrayLike<unknown>, source: string): Column {
  const n = values.length;
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    return { kind: "numeric", name, values: Float64Array.from(values as ArrayLike<number | bigint>, Number) };
  }
  let numeric = true;
  for (let i = 0; i < n && numeric; i++) {
    const v = values[i];
    if (v !== null && v !== undefined && typeof v !== "number" && typeof v !== "bigint") numeric = false;
  }
  if (numeric) {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) { const v = values[i]; out[i] = v === null || v === undefined ? NaN : Number(v); }
    return { kind: "numeric", name, values: out };
  }
  const text: (string | null)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined || (typeof v === "number" && Number.isNaN(v))) text[i] = null;
    else if (typeof v === "boolean") text[i] = v ? "TRUE" : "FALSE"; // R's logical labels
    else if (v instanceof Date) text[i] = v.toISOString();
    else if (typeof v === "string" || typeof v === "number" || typeof v === "bigint") text[i] = String(v);
    else throw new UserError(`${source}: column '${name}' row ${i + 1} holds ${Array.isArray(v) ? "an array" : typeof v}, not a number, string, boolean or date`);
  }
  return { kind: "text", name, values: text };
}

/**
 * Convert data to a Frame (a Frame is returned as it is). `source` names the data in messages.
 */
export function toFrame(data: DataInput, source = "data"): Frame {
  if (data instanceof Frame) return data;
  if (data === null || typeof data !== "object") throw new UserError(`${source}: data must be rows (an array of objects), columns (an object of arrays), an Arrow table or a Frame, not ${data === null ? "null" : typeof data}`);
  if (Array.isArray(data)) {
    if (data.length === 0) throw new UserError(`${source} has no rows`);
    const names: string[] = [];
    const seen = new Set<string>();
    data.forEach((r, i) => {
      if (r === null || typeof r !== "object" || Array.isArray(r)) throw new UserError(`${source}: row ${i + 1} is not an object of column values`);
      for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); names.push(k); }
    });
    const rows = data as ReadonlyArray<Record<string, unknown>>;
    return new Frame(names.map((k) => toColumn(k, rows.map((r) => r[k]), source)), rows.length, source);
  }
  if (isArrow(data)) {
    const names = data.schema.fields.map((f) => f.name);
    const cols = names.map((k) => {
      const child = data.getChild(k);
      if (!child) throw new UserError(`${source}: Arrow column '${k}' has no data`);
      // a typed array from toArray() has no nulls in it: read such columns value by value
      const values = child.nullCount && child.get ? Array.from({ length: data.numRows }, (_, i) => child.get!(i)) : child.toArray();
      return toColumn(k, values, source);
    });
    return new Frame(cols, data.numRows, source);
  }
  const entries = Object.entries(data as Record<string, ArrayLike<unknown>>);
  if (entries.length === 0) throw new UserError(`${source} has no columns`);
  const nrow = entries[0][1]?.length;
  for (const [k, v] of entries) {
    if (v === null || typeof v !== "object" || typeof v.length !== "number") throw new UserError(`${source}: column '${k}' is not an array`);
    if (v.length !== nrow) throw new UserError(`${source}: column '${k}' has ${v.length} values, column '${entries[0][0]}' has ${nrow}`);
  }
  if (!nrow) throw new UserError(`${source} has no rows`);
  return new Frame(entries.map(([k, v]) => toColumn(k, v, source)), nrow, source);
}
