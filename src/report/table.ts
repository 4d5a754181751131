// Plain-text tables and number formatting in R's print style.

// Every number printed in text output goes through fmt, fixed, formatColumn or formatP: they print
// a missing or undefined value (null, NaN) as NA and infinities as Inf / -Inf, as R does, instead
// of failing on a separated or degenerate fit.

/** NA / Inf / -Inf for what is not a finite number, or null for a finite one */
function special(x: number | null | undefined): string | null {
  if (x === null || x === undefined || Number.isNaN(x)) return "NA";
  if (!Number.isFinite(x)) return x > 0 ? "Inf" : "-Inf";
  return null;
}

/** R-like signif formatting: `digits` significant digits, no trailing exponent noise. */
export function fmt(x: number | null | undefined, digits = 4): string {
  const sp = special(x);
  if (sp !== null) return sp;
  x = x as number;
  if (x === 0) return "0";
  const ax = Math.abs(x);
  if (ax >= 1e-4 && ax < 1e15) {
    const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(ax)));
    return x.toFixed(Math.min(decimals, 15));
  }
  return x.toExponential(digits - 1).replace(/e([+-])(\d)$/, "e$10$2");
}

/** x.toFixed(decimals), with NA / Inf, and no "-0.000" for a value that rounds to zero. */
export function fixed(x: number | null | undefined, decimals: number): string {
  const sp = special(x);
  if (sp !== null) return sp;
  const s = (x as number).toFixed(decimals);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

/**
 * A column of numbers with a common number of decimals, as R's format() of a vector: each value
 * gets `digits` significant digits (trailing zeros dropped), and the column the most decimals any
 * of them needs; so the decimal points line up. Columns that would need more than 15 decimals or
 * hold huge values fall back to fmt for each value.
 */
export function formatColumn(xs: readonly (number | null | undefined)[], digits = 4): string[] {
  let dec = 0;
  for (const x of xs) {
    if (special(x) !== null || x === 0) continue;
    const ax = Math.abs(x as number);
    if (ax < 1e-4 || ax >= 1e15) return xs.map((v) => fmt(v, digits));
    const d = Math.max(0, digits - 1 - Math.floor(Math.log10(ax)));
    // the decimals this value needs: its rounding to `digits` significant digits, trailing zeros off
    const t = ax.toFixed(Math.min(d, 15)).replace(/\.?0+$/, "");
    const i = t.indexOf(".");
    dec = Math.max(dec, i < 0 ? 0 : t.length - i - 1);
  }
  return xs.map((x) => fixed(x, dec));
}

/** R's format.pval with 3 digits: fixed notation down to 1e-4, then d.dde-XX; <2e-16 below that. */
export function formatP(p: number | null | undefined): string {
  if (p === null || p === undefined || Number.isNaN(p)) return "NA";
  if (p < 2e-16) return "<2e-16";
  if (p < 1e-4) return p.toExponential(2).replace(/e-(\d)$/, "e-0$1");
  return p.toPrecision(3);
}

/** A term or column name as printed: without the backticks that quote a non-syntactic name. */
export const displayName = (s: string): string => s.replace(/`/g, "");

export function signifStars(p: number | null): string {
  if (p === null || !Number.isFinite(p)) return "";
  return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : "";
}

export interface TableOptions {
  readonly header?: boolean;
  readonly align?: "left" | "right";
  /** first column left-aligned, others per `align` */
  readonly firstLeft?: boolean;
  readonly indent?: number;
}

/** A table cell from data (a name, a level): control characters escaped, at most 120 characters. */
function cellText(c: string): string {
  // eslint-disable-next-line no-control-regex
  const s = /[\x00-\x1f\x7f-\x9f]/.test(c) ? c.replace(/[\x00-\x1f\x7f-\x9f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`) : c;
  return s.length > 120 ? `${s.slice(0, 99)}…${s.slice(-20)}` : s;
}

export function formatTable(rowsIn: string[][], opts: TableOptions = {}): string {
  const rows = rowsIn.map((r) => r.map(cellText));
  const ncol = Math.max(...rows.map((r) => r.length));
  const width = new Array(ncol).fill(0);
  for (const r of rows) r.forEach((c, j) => (width[j] = Math.max(width[j], c.length)));
  const pad = " ".repeat(opts.indent ?? 0);
  return rows
    .map((r) =>
      pad +
      r
        .map((c, j) => {
          const left = opts.align === "left" || (opts.firstLeft && j === 0);
          return left ? c.padEnd(width[j]) : c.padStart(width[j]);
        })
        .join(" ")
        .trimEnd(),
    )
    .join("\n");
}
