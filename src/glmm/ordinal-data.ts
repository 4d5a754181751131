// The ordinal (cumulative link) model's data: the response as category codes 1..K in a given level
// order, and a fixed-effects matrix without the intercept (the thresholds take its place, as in
// R's ordinal::clmm).
import { Frame, type Column } from "../data/frame.js";
import { UserError } from "../errors.js";
import type { ModelStructure } from "../formula/types.js";

/**
 * The frame with the response column replaced by its category codes, and the level labels. Order:
 * `levels` when given (every value must be one of them); else ascending numbers for a numeric
 * column, and for a text column the sorted distinct values (R's factor() default) — give `levels`
 * for any other order.
 */
export function ordinalFrame(frame: Frame, formula: string, levels?: readonly string[]): { frame: Frame; labels: string[]; note?: string } {
  const tilde = formula.indexOf("~");
  const name = tilde > 0 ? formula.slice(0, tilde).trim() : "";
  if (!name) throw new UserError("family ordinal needs a response: 'rating ~ x + (1 | g)'");
  if (!frame.has(name)) throw new UserError(`family ordinal: the response '${name}' must be a column of the data (an ordered factor)`);
  const col = frame.column(name);
  const text: (string | null)[] = col.kind === "numeric" ? Array.from(col.values, (v) => (Number.isNaN(v) ? null : String(v))) : [...col.values];
  let labels: string[];
  if (levels && levels.length > 0) {
    labels = [...levels];
    if (new Set(labels).size !== labels.length) throw new UserError(`--levels repeats a level: ${labels.join(",")}`);
  } else if (col.kind === "numeric") {
    labels = [...new Set(Array.from(col.values).filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b).map(String);
  } else labels = [...new Set(text.filter((v): v is string => v !== null))].sort();
  if (labels.length < 2) throw new UserError(`family ordinal: the response '${name}' has ${labels.length} level${labels.length === 1 ? "" : "s"}; it needs at least 2`);
  const code = new Map(labels.map((l, k) => [l, k + 1]));
  const values = new Float64Array(frame.nrow);
  for (let i = 0; i < frame.nrow; i++) {
    const v = text[i];
    if (v === null) { values[i] = NaN; continue; }
    const c = code.get(v);
    if (c === undefined) throw new UserError(`family ordinal: data row ${i + 1} of '${name}' is '${v}', not one of the levels ${labels.join(", ")}`);
    values[i] = c;
  }
  const cols: Column[] = frame.names.map((n) => (n === name ? { kind: "numeric", name, values } : frame.column(n)));
  // sorted text is rarely the intended order of a rating scale: say which order was used
  const note = col.kind === "text" && !(levels && levels.length > 0) ? `the ordinal response '${name}' takes its levels in sorted order (${labels.join(" < ")}); give --levels to set their order` : undefined;
  return { frame: new Frame(cols, frame.nrow, frame.source, frame.notes), labels, note };
}

/** the model structure without its intercept column (the thresholds absorb it) */
export function dropIntercept(ms: ModelStructure): ModelStructure {
  const j = ms.xnames.indexOf("(Intercept)");
  if (j < 0) return ms;
  const n = ms.n, X = new Float64Array(n * (ms.p - 1));
  X.set(ms.X.subarray(0, j * n), 0);
  X.set(ms.X.subarray((j + 1) * n), j * n);
  const drop = <T>(a: ArrayLike<T>) => Array.from(a).filter((_, k) => k !== j);
  return { ...ms, X, p: ms.p - 1, xnames: drop(ms.xnames), assign: ms.assign ? Int32Array.from(drop(ms.assign)) : undefined };
}
