// Plots of a fitted model: vega-lite specs (plain objects, no dependency) and their SVG, rendered by
// the optional packages vega and vega-lite in Node or in a browser.
import { UserError } from "../errors.js";
import { fitPlotSpecs, type FitPlotSpecs } from "../report/plots/fitdata.js";
import { renderSVG } from "../report/plots/render.js";
import type { PlotSpec } from "../report/plots/spec.js";
import { fitResultOf, type Model } from "./model.js";

export { renderSVG };

/** The diagnostic plots of a fit: "caterpillar" (random effects with intervals), "residuals" (against fitted) and "qq" (random effects). */
export type PlotName = keyof FitPlotSpecs;

/** The vega-lite specs of a model's diagnostic plots (embed them with vega-embed, or render with {@link renderSVG}). */
export function plotSpecs(model: Model, options: { level?: number } = {}): Record<PlotName, PlotSpec> {
  const res = fitResultOf(model);
  if (!res) throw new UserError(`plotSpecs(): the diagnostic plots are drawn for models from fit(), not for a ${model.kind.toUpperCase()}`);
  return { ...fitPlotSpecs(res, options) };
}

/** One diagnostic plot of a model as an SVG document (needs the optional packages vega and vega-lite). */
export function plotSVG(model: Model, name: PlotName): Promise<string> {
  const specs = plotSpecs(model);
  if (!(name in specs)) return Promise.reject(new UserError(`plotSVG(): no plot '${String(name)}' (plots: ${Object.keys(specs).join(", ")})`));
  return renderSVG(specs[name]);
}
