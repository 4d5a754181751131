// Plot specs → SVG in the page with vega (the same specs the CLI renders headless).
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { PlotSpec } from "../src/report/plots/spec.js";

const toVega = (spec: PlotSpec) => compile(spec as unknown as TopLevelSpec).spec;

/**
 * Render into `el` (tooltips via vega's default title handler): as SVG, or on a canvas when the
 * spec carries many rows (thousands of SVG nodes would block the page for a noticeable moment).
 */
export async function renderPlot(el: HTMLElement, spec: PlotSpec, rows: number): Promise<View> {
  const view = new View(parse(toVega(spec)), { renderer: rows > 1500 ? "canvas" : "svg", container: el, hover: true });
  await view.runAsync();
  return view;
}

export async function svgOf(spec: PlotSpec): Promise<string> {
  const view = new View(parse(toVega(spec)), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Number of data rows inlined in a spec (all `values` arrays), to choose the renderer. */
export function countRows(spec: unknown): number {
  if (Array.isArray(spec)) return spec.reduce((n: number, x) => n + countRows(x), 0);
  if (spec === null || typeof spec !== "object") return 0;
  let n = 0;
  for (const [k, v] of Object.entries(spec)) n += k === "values" && Array.isArray(v) ? v.length : countRows(v);
  return n;
}
