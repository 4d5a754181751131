import { UserError } from "../errors.js";
import type { TextColumn } from "./frame.js";

// Factors: a level index per row plus level labels, built as R builds them so that coefficient
// names and level orders match lme4's output. Text levels sort by code unit order (R in the C
// locale); numeric levels sort numerically and are labelled as R prints the numbers.

export interface Factor {
  /** level labels in factor order; the first is the reference level under treatment contrasts */
  readonly levels: readonly string[];
  /** 0-based level index per row (of the rows the factor was built on) */
  readonly codes: Int32Array;
}

/** R's `as.character()` of a double: up to 15 significant digits, fixed unless scientific is shorter. */
export function formatRNumber(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Inf";
  if (x === -Infinity) return "-Inf";
  if (x === 0) return "0";
  const neg = x < 0;
  const a = Math.abs(x);
  // 15 significant digits, then trailing zeros of the mantissa removed
  const [mant, expText] = a.toExponential(14).split("e");
  let kp = Number(expText);
  let digits = mant.replace(".", "").replace(/0+$/, "");
  if (digits === "") { digits = "0"; kp = 0; }
  const nsig = digits.length;
  const rgt = Math.max(0, nsig - kp - 1);
  const left = kp >= 0 ? kp + 1 : 1;
  const fixedWidth = left + (rgt > 0 ? rgt + 1 : 0);
  const sciWidth = (nsig > 1 ? nsig + 1 : 1) + (Math.abs(kp) >= 100 ? 5 : 4);
  let body: string;
  if (fixedWidth <= sciWidth) {
    if (kp >= 0) {
      const intPart = digits.length > kp + 1 ? digits.slice(0, kp + 1) : digits + "0".repeat(kp + 1 - digits.length);
      const frac = digits.length > kp + 1 ? digits.slice(kp + 1) : "";
      body = frac ? `${intPart}.${frac}` : intPart;
    } else {
      body = `0.${"0".repeat(-kp - 1)}${digits}`;
    }
  } else {
    const m = nsig > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(kp);
    body = `${m}e${kp < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`;
  }
  return neg ? `-${body}` : body;
}

/** Code-unit string order (R's sort in the C locale). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A factor of text values on the given rows (all rows when `rows` is null). Missing values (null)
 * must already be excluded from `rows`; levels are those present on `rows`.
 */
export function factorFromText(values: ReadonlyArray<string | null>, rows: Int32Array | null): Factor {
  const n = rows ? rows.length : values.length;
  const index = new Map<string, number>();
  const first: string[] = [];
  const raw = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[rows ? rows[i] : i];
    if (v === null) throw new Error("factorFromText: missing value on a used row");
    let k = index.get(v);
    if (k === undefined) { k = first.length; index.set(v, k); first.push(v); }
    raw[i] = k;
  }
  const order = first.map((_, k) => k).sort((a, b) => compareText(first[a], first[b]));
  return recode(raw, order, order.map((k) => first[k]));
}

/**
 * A factor of a text column on the given rows (all rows when `rows` is null), from its dictionary
 * codes when it has them (no string per row), else from its values; as factorFromText.
 */
export function factorOfColumn(c: TextColumn, rows: Int32Array | null): Factor {
  const codes = c.codes, dict = c.dictionary;
  if (!codes || !dict) return factorFromText(c.values, rows);
  const n = rows ? rows.length : codes.length;
  const used = new Uint8Array(dict.length);
  for (let i = 0; i < n; i++) {
    const k = codes[rows ? rows[i] : i];
    if (k < 0) throw new Error("factorOfColumn: missing value on a used row");
    used[k] = 1;
  }
  const order: number[] = [];
  for (let k = 0; k < dict.length; k++) if (used[k]) order.push(k);
  order.sort((a, b) => compareText(dict[a], dict[b]));
  const rank = new Int32Array(dict.length);
  order.forEach((k, pos) => { rank[k] = pos; });
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rank[codes[rows ? rows[i] : i]];
  return { levels: order.map((k) => dict[k]), codes: out };
}

/** A factor of numbers (sorted numerically, labelled as R prints them) on the given rows. */
export function factorFromNumbers(values: Float64Array, rows: Int32Array | null): Factor {
  const n = rows ? rows.length : values.length;
  const index = new Map<number, number>();
  const first: number[] = [];
  const raw = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[rows ? rows[i] : i];
    let k = index.get(v);
    if (k === undefined) { k = first.length; index.set(v, k); first.push(v); }
    raw[i] = k;
  }
  const order = first.map((_, k) => k).sort((a, b) => first[a] - first[b]);
  const levels = order.map((k) => formatRNumber(first[k]));
  return recode(raw, order, levels);
}

function recode(raw: Int32Array, order: number[], levels: string[]): Factor {
  const rank = new Int32Array(order.length);
  order.forEach((k, pos) => { rank[k] = pos; });
  const codes = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) codes[i] = rank[raw[i]];
  return { levels, codes };
}

/** Move `level` to the front (R's relevel); `what` names the factor in the error message. */
export function relevel(f: Factor, level: string, what: string): Factor {
  const k = f.levels.indexOf(level);
  if (k < 0) {
    throw new UserError(`reference level '${level}' not found for ${what} (levels: ${f.levels.join(", ")})`);
  }
  if (k === 0) return f;
  const levels = [f.levels[k], ...f.levels.slice(0, k), ...f.levels.slice(k + 1)];
  const map = new Int32Array(f.levels.length);
  for (let j = 0; j < f.levels.length; j++) map[j] = j === k ? 0 : j < k ? j + 1 : j;
  const codes = new Int32Array(f.codes.length);
  for (let i = 0; i < codes.length; i++) codes[i] = map[f.codes[i]];
  return { levels, codes };
}

/**
 * The interaction `a:b:...` of factors on the same rows: the combinations that occur, ordered by
 * the first factor's level, then the second's, ... (R's `a:b` with unused levels dropped),
 * labelled "la:lb".
 */
export function interactionFactor(fs: readonly Factor[]): Factor {
  if (fs.length === 0) throw new Error("interactionFactor: no factors");
  if (fs.length === 1) return fs[0];
  const n = fs[0].codes.length;
  // mixed-radix key per row; combinations are few enough in practice to fit a double exactly,
  // otherwise fall back to string keys
  let radix = 1;
  for (const f of fs) radix *= Math.max(1, f.levels.length);
  const keys = new Map<number | string, number>();
  const combos: number[][] = [];
  const raw = new Int32Array(n);
  const exact = radix < 2 ** 52;
  for (let i = 0; i < n; i++) {
    let key: number | string;
    if (exact) {
      let k = 0;
      for (const f of fs) k = k * f.levels.length + f.codes[i];
      key = k;
    } else {
      key = fs.map((f) => f.codes[i]).join(",");
    }
    let c = keys.get(key);
    if (c === undefined) { c = combos.length; keys.set(key, c); combos.push(fs.map((f) => f.codes[i])); }
    raw[i] = c;
  }
  const order = combos.map((_, k) => k).sort((a, b) => {
    const ca = combos[a], cb = combos[b];
    for (let j = 0; j < ca.length; j++) if (ca[j] !== cb[j]) return ca[j] - cb[j];
    return 0;
  });
  const levels = order.map((k) => combos[k].map((c, j) => fs[j].levels[c]).join(":"));
  return recode(raw, order, levels);
}
