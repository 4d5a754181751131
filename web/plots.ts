// Plot specs → SVG in the page with vega (the same specs the CLI renders headless).
import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { PlotSpec } from "../src/report/plots/spec.js";

const toVega = (spec: PlotSpec) => compile(spec as unknown as TopLevelSpec).spec;

/** Render into `el` as SVG (tooltips via vega's default title handler). */
export async function renderPlot(el: HTMLElement, spec: PlotSpec): Promise<View> {
  const view = new View(parse(toVega(spec)), { renderer: "svg", container: el, hover: true });
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
