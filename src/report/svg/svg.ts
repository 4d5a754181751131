// Minimal SVG building blocks: escaped text, shapes and an axis, as strings. No dependencies, so
// the plots work in the CLI and in a browser alike (the vega-lite plots are the richer option).

/** Escape text for SVG/XML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** A coordinate with at most 2 decimals. */
export const px = (v: number): string => (Math.round(v * 100) / 100).toString();

export interface TextStyle {
  readonly anchor?: "start" | "middle" | "end";
  readonly size?: number;
  readonly weight?: "normal" | "bold";
  readonly fill?: string;
  readonly italic?: boolean;
}

export function text(x: number, y: number, s: string, st: TextStyle = {}): string {
  const attrs = [`x="${px(x)}"`, `y="${px(y)}"`];
  if (st.anchor && st.anchor !== "start") attrs.push(`text-anchor="${st.anchor}"`);
  if (st.size) attrs.push(`font-size="${st.size}"`);
  if (st.weight === "bold") attrs.push(`font-weight="bold"`);
  if (st.italic) attrs.push(`font-style="italic"`);
  if (st.fill) attrs.push(`fill="${st.fill}"`);
  return `<text ${attrs.join(" ")}>${esc(s)}</text>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, stroke = "#000", width = 1, dash?: string): string {
  return `<line x1="${px(x1)}" y1="${px(y1)}" x2="${px(x2)}" y2="${px(y2)}" stroke="${stroke}" stroke-width="${px(width)}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
}

export function rect(x: number, y: number, w: number, h: number, fill = "#000"): string {
  return `<rect x="${px(x)}" y="${px(y)}" width="${px(w)}" height="${px(h)}" fill="${fill}"/>`;
}

export function circle(cx: number, cy: number, r: number, fill: string, stroke = "none"): string {
  return `<circle cx="${px(cx)}" cy="${px(cy)}" r="${px(r)}" fill="${fill}"${stroke !== "none" ? ` stroke="${stroke}"` : ""}/>`;
}

export function polygon(points: ReadonlyArray<readonly [number, number]>, fill: string, stroke = "none"): string {
  return `<polygon points="${points.map(([x, y]) => `${px(x)},${px(y)}`).join(" ")}" fill="${fill}"${stroke !== "none" ? ` stroke="${stroke}"` : ""}/>`;
}

/** The whole document, with a white background and a sans-serif default font. */
export function svgDocument(width: number, height: number, body: readonly string[], title?: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" viewBox="0 0 ${px(width)} ${px(height)}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    title ? `<title>${esc(title)}</title>` : "",
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...body,
    `</svg>`,
  ].filter((s) => s !== "").join("\n") + "\n";
}

/** About `count` round tick values covering [lo, hi] (1, 2, 5 × 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + 1e-9 * step; v += step) out.push(Math.abs(v) < 1e-12 * step ? 0 : v);
  return out;
}

/** Tick values for a ratio axis drawn on the log scale: 1, 2, 5 × 10^k within [exp(lo), exp(hi)]
 *  (finer steps when that gives fewer than three, only powers of ten when it gives too many). */
export function ratioTicks(logLo: number, logHi: number): number[] {
  const within = (mantissas: readonly number[]) => {
    const out: number[] = [];
    for (let e = Math.floor(logLo / Math.LN10) - 1; e <= Math.ceil(logHi / Math.LN10) + 1; e++)
      for (const m of mantissas) {
        const v = Number((m * 10 ** e).toPrecision(12));
        if (Math.log(v) >= logLo - 1e-9 && Math.log(v) <= logHi + 1e-9) out.push(v);
      }
    return out;
  };
  let out = within([1, 2, 5]);
  if (out.length < 3) out = within([1, 1.5, 2, 3, 4, 5, 6, 8]);
  return out.length > 9 ? out.filter((v) => Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9) : out;
}

/** A ratio for labels: two decimals, or two significant digits below 0.01. */
export function ratioLabel(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? "Inf" : "NA";
  return v >= 0.01 ? v.toFixed(2) : v.toPrecision(2);
}

/** A short number for labels: 3 significant digits, no exponent for everyday magnitudes. */
export function shortNumber(v: number): string {
  if (!Number.isFinite(v)) return v > 0 ? "Inf" : v < 0 ? "-Inf" : "NA";
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return Number(v.toPrecision(3)).toString();
}
