// Shared pieces of the plot specifications. A spec is a plain vega-lite object (JSON-serialisable):
// the CLI renders it to SVG headless (src/cli/render.ts), the playground renders it in the page.
// Nothing here imports vega, so the core stays dependency-free and browser-safe.
import { qnorm } from "../../families/special.js";

/** A vega-lite top-level specification as a plain object. */
export type PlotSpec = Record<string, unknown>;

export const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/** Colours used across the plots (colour-blind safe: Okabe–Ito blue / vermillion / grey). */
export const COLORS = {
  point: "#1b3a5c",
  interval: "#5b8db8",
  reference: "#888888",
  fit: "#d55e00",
  up: "#d55e00",
  down: "#0072b2",
  neutral: "#b0b0b0",
  bar: "#5b8db8",
} as const;

/** Config every plot shares: fonts, white background, light grid. */
export const CONFIG = {
  // no per-mark ARIA labels: they repeat every datum as text and triple the size of large SVGs
  aria: false,
  font: "DejaVu Sans, Helvetica, Arial, sans-serif",
  background: "white",
  padding: 8,
  view: { stroke: "#d0d0d0" },
  axis: { labelSeparation: 6, labelFontSize: 11, titleFontSize: 12, titleFontWeight: "normal", gridColor: "#ececec", domainColor: "#888", tickColor: "#888" },
  header: { labelFontSize: 12, titleFontSize: 12 },
  title: { fontSize: 14, anchor: "start", subtitleFontSize: 11, subtitleColor: "#555", offset: 8 },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  concat: { spacing: 16 },
} as const;

/** A top-level spec: schema, config, title and the given body. */
export function topLevel(title: string | undefined, body: PlotSpec, subtitle?: string): PlotSpec {
  const spec: PlotSpec = { $schema: SCHEMA, config: CONFIG };
  if (title) spec.title = subtitle ? { text: title, subtitle } : title;
  return Object.assign(spec, body);
}

/** Finite numbers only: NaN/±Infinity become null, which vega-lite treats as missing. */
export function finite(x: number | null | undefined): number | null {
  return x !== null && x !== undefined && Number.isFinite(x) ? x : null;
}

/** Significant digits for labels, without trailing exponent noise ("0.0123", "1.2e-5"). */
export function fmtNum(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(digits - 1).replace(/e\+?/, "e");
  return Number(x.toPrecision(digits)).toString();
}

/** Standard normal quantile for a two-sided interval at `level` (0.95 → 1.95996…). */
export function zFor(level: number): number {
  if (!(level > 0 && level < 1)) throw new RangeError(`interval level must be in (0, 1), got ${level}`);
  return qnorm(0.5 + level / 2);
}
