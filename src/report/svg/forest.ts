// A forest plot: one row per study (point estimate, interval, a square sized by weight) and summary
// rows (a diamond for a pooled estimate, a bar for a prediction interval), with an optional ratio
// axis (values on the log scale, ticks labelled as ratios).
import { line, niceTicks, polygon, ratioLabel, ratioTicks, rect, shortNumber, svgDocument, text } from "./svg.js";

/** A study row of the SVG forest plot. */
export interface ForestRow {
  readonly label: string;
  /** null: no estimate (the row shows `note` instead) */
  readonly estimate: number | null;
  readonly lower: number | null;
  readonly upper: number | null;
  /** relative weight (square area); default 1 */
  readonly weight?: number;
  /** text in the right column; default "est [lower, upper]" */
  readonly right?: string;
  /** a mark after the label, e.g. "†" for a corrected estimate */
  readonly mark?: string;
  readonly note?: string;
}

/** A pooled row of the SVG forest plot. */
export interface ForestSummary {
  readonly label: string;
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  /** "diamond": pooled estimate with CI; "interval": a bar (e.g. a prediction interval) */
  readonly kind: "diamond" | "interval";
  readonly right?: string;
}

/** Options of the forest plot SVG: title, axis label, ratio scale, reference line, column headers and footnotes. */
export interface ForestOptions {
  readonly title?: string;
  /** axis label under the plot */
  readonly xLabel?: string;
  /** values are logs of ratios: the axis is labelled with exp(value) */
  readonly ratio?: boolean;
  /** vertical reference line (on the value scale); default 0 */
  readonly refLine?: number | null;
  readonly leftHeader?: string;
  readonly rightHeader?: string;
  /** lines under the axis, e.g. a footnote for marks */
  readonly footnotes?: readonly string[];
}

const ROW = 20;
const LEFT = 230;
const PLOT = 320;
const RIGHT = 190;

/** A forest plot as an SVG document, without dependencies. */
export function forestPlotSVG(rows: readonly ForestRow[], summaries: readonly ForestSummary[], opts: ForestOptions = {}): string {
  const ratio = opts.ratio ?? false;
  const fmtv = (v: number) => (ratio ? ratioLabel(Math.exp(v)) : shortNumber(v));
  // x range from every finite bound, and the reference line
  const vals: number[] = [];
  for (const r of rows) for (const v of [r.estimate, r.lower, r.upper]) if (v !== null && Number.isFinite(v)) vals.push(v);
  for (const s of summaries) vals.push(s.estimate, s.lower, s.upper);
  const ref = opts.refLine === undefined ? 0 : opts.refLine;
  if (ref !== null) vals.push(ref);
  let lo = Math.min(...vals), hi = Math.max(...vals);
  if (!(hi > lo)) { lo -= 1; hi += 1; }
  const padv = 0.04 * (hi - lo);
  lo -= padv; hi += padv;
  const X = (v: number) => LEFT + ((v - lo) / (hi - lo)) * PLOT;
  const top = opts.title ? 44 : 20;
  const headerY = top;
  const firstY = top + ROW;
  const nRows = rows.length + (summaries.length ? summaries.length + 1 : 0);
  const axisY = firstY + nRows * ROW;
  const height = axisY + 44 + (opts.footnotes?.length ?? 0) * 15 + 8;
  const width = LEFT + PLOT + RIGHT;
  const out: string[] = [];
  if (opts.title) out.push(text(width / 2, 22, opts.title, { anchor: "middle", size: 14, weight: "bold" }));
  out.push(text(8, headerY, opts.leftHeader ?? "Study", { weight: "bold" }));
  out.push(text(width - 8, headerY, opts.rightHeader ?? (ratio ? "Ratio [CI]" : "Estimate [CI]"), { anchor: "end", weight: "bold" }));
  const wmax = Math.max(...rows.map((r) => (r.estimate === null ? 0 : r.weight ?? 1)), 1e-300);
  const interval = (r: { estimate: number; lower: number; upper: number }) =>
    `${fmtv(r.estimate)} [${fmtv(r.lower)}, ${fmtv(r.upper)}]`;
  rows.forEach((r, i) => {
    const y = firstY + i * ROW;
    const cy = y - 4;
    out.push(text(8, y, clip(r.label + (r.mark ?? ""), 34)));
    if (r.estimate === null || r.lower === null || r.upper === null) {
      out.push(text(width - 8, y, r.right ?? r.note ?? "not estimable", { anchor: "end", fill: "#666", italic: true }));
      return;
    }
    const a = Math.max(lo, r.lower), b = Math.min(hi, r.upper);
    out.push(line(X(a), cy, X(b), cy, "#333"));
    if (r.lower < lo) out.push(polygon([[X(lo), cy], [X(lo) + 5, cy - 3], [X(lo) + 5, cy + 3]], "#333"));
    if (r.upper > hi) out.push(polygon([[X(hi), cy], [X(hi) - 5, cy - 3], [X(hi) - 5, cy + 3]], "#333"));
    const side = 4 + 8 * Math.sqrt((r.weight ?? 1) / wmax);
    out.push(rect(X(r.estimate) - side / 2, cy - side / 2, side, side, "#2b5d8a"));
    out.push(text(width - 8, y, r.right ?? interval({ estimate: r.estimate, lower: r.lower, upper: r.upper }), { anchor: "end" }));
  });
  const sumTop = firstY + (rows.length + 1) * ROW;
  if (summaries.length) out.push(line(8, sumTop - ROW + 2, width - 8, sumTop - ROW + 2, "#ccc"));
  summaries.forEach((s, i) => {
    const y = sumTop + i * ROW;
    const cy = y - 4;
    out.push(text(8, y, s.label, { weight: "bold" }));
    if (s.kind === "diamond") out.push(polygon([[X(s.lower), cy], [X(s.estimate), cy - 6], [X(s.upper), cy], [X(s.estimate), cy + 6]], "#b33"));
    else {
      const a = Math.max(lo, s.lower), b = Math.min(hi, s.upper);
      out.push(rect(X(a), cy - 1.5, X(b) - X(a), 3, "#b33"));
    }
    out.push(text(width - 8, y, s.right ?? interval(s), { anchor: "end", weight: s.kind === "diamond" ? "bold" : "normal" }));
  });
  // reference line and axis
  if (ref !== null) out.push(line(X(ref), headerY + 6, X(ref), axisY - 6, "#999", 1, "4 3"));
  out.push(line(LEFT, axisY, LEFT + PLOT, axisY, "#000"));
  const ticks = ratio ? ratioTicks(lo, hi).map((v) => ({ at: Math.log(v), label: shortNumber(v) })) : niceTicks(lo, hi).map((v) => ({ at: v, label: shortNumber(v) }));
  for (const t of ticks) {
    out.push(line(X(t.at), axisY, X(t.at), axisY + 4, "#000"));
    out.push(text(X(t.at), axisY + 16, t.label, { anchor: "middle", size: 11 }));
  }
  if (opts.xLabel) out.push(text(LEFT + PLOT / 2, axisY + 32, opts.xLabel, { anchor: "middle" }));
  (opts.footnotes ?? []).forEach((f, i) => out.push(text(8, axisY + 50 + i * 15, f, { size: 10, fill: "#444" })));
  return svgDocument(width, height, out, opts.title);
}

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}
