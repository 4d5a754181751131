/**
 * `glmm/data`: the typed column table (Frame), the CSV/TSV reader, and the conversion of rows,
 * columns and Arrow tables to a Frame.
 * @packageDocumentation
 */
export { Frame } from "../data/frame.js";
export type { Column, NumericColumn, TextColumn } from "../data/frame.js";
export { parseDelimited, readDelimited } from "../data/csv.js";
export type { ParseOptions } from "../data/csv.js";
export { toFrame } from "../api/data.js";
export type { DataInput, Cell, ColumnValues, ArrowTableLike } from "../api/data.js";
