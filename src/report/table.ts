// Plain-text tables and number formatting in R's print style.

/** R-like signif formatting: `digits` significant digits, no trailing exponent noise. */
export function fmt(x: number, digits = 4): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "NA";
  if (!Number.isFinite(x)) return x > 0 ? "Inf" : "-Inf";
  if (x === 0) return "0";
  const ax = Math.abs(x);
  if (ax >= 1e-4 && ax < 1e15) {
    const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(ax)));
    return x.toFixed(Math.min(decimals, 15));
  }
  return x.toExponential(digits - 1).replace(/e([+-])(\d)$/, "e$10$2");
}

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
