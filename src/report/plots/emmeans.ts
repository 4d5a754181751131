// Plots of estimated marginal means (emmeans' plot() and plot(pairs())): every mean with its
// confidence interval, and every contrast with its (adjusted) interval against the no-effect line,
// drawn as forest plots (one row each, labels and "estimate [lower, upper]" beside them).
import type { EmmeansResult } from "../../inference/emmeans.js";
import { forestSpec } from "./forest.js";
import type { PlotSpec } from "./spec.js";

/** The means plot, and the contrasts plot when there are contrasts. */
export interface EmmeansPlotSpecs {
  readonly emmeans: PlotSpec;
  readonly contrasts?: PlotSpec;
}

/** What the result of emmeans needs to be drawn (also the JSON that `glmm emmeans --format json` writes). */
export type EmmeansPlotInput = Pick<EmmeansResult, "specs" | "by" | "link" | "type" | "contrastScale" | "level" | "means" | "contrasts">;

/** Forest-style plots of marginal means and their contrasts, with their confidence intervals. */
export function emmeansSpecs(r: EmmeansPlotInput): EmmeansPlotSpecs {
  const byText = (lv: Readonly<Record<string, string>>) => r.by.map((b) => `${b} = ${lv[b]}`).join(", ");
  const withBy = (label: string, lv: Readonly<Record<string, string>>) => (r.by.length ? `${label} | ${byText(lv)}` : label);
  const response = r.type === "response" && r.link !== "identity";
  const means = r.means.map((m) => ({ study: withBy(r.specs.map((s) => m.levels[s]).join(" "), m.levels), estimate: m.estimate, lower: m.lower, upper: m.upper }));
  const emmeans = forestSpec(means, null, {
    title: `Estimated marginal means${response ? ` (back-transformed from the ${r.link} scale)` : ""}`,
    xTitle: response ? "response" : "emmean", labelHeader: r.specs.join(" × ") + (r.by.length ? ` | ${r.by.join(", ")}` : ""), nullValue: null, level: r.level,
  });
  if (!r.contrasts.length) return { emmeans };
  // ratios are drawn on a log axis around 1 (forestSpec exponentiates log values)
  const ratio = r.contrastScale !== "difference";
  const tr = ratio ? Math.log : (x: number) => x;
  const cs = r.contrasts.map((c) => ({ study: withBy(c.contrast, c.by), estimate: tr(c.estimate), lower: tr(c.lower), upper: tr(c.upper) }));
  const contrasts = forestSpec(cs, null, { title: "Contrasts", xTitle: ratio ? r.contrastScale : "estimate", labelHeader: "contrast", exp: ratio, level: r.level });
  return { emmeans, contrasts };
}
