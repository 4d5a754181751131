// Caterpillar plot of random effects (lme4's dotplot(ranef(fit, condVar = TRUE))): per grouping
// factor, one panel per random-effect term, levels sorted by the first term's conditional mode,
// each with its conditional-SD interval. Panels of one grouping factor share the level order.
import { COLORS, finite, topLevel, zFor, type PlotSpec } from "./spec.js";

/** One random effect to plot. */
export interface CaterpillarRow {
  /** grouping factor as lme4 names it: "Subject", "cask:batch" */
  readonly group: string;
  /** random-effect term: "(Intercept)", "Days" */
  readonly term: string;
  readonly level: string;
  /** conditional mode */
  readonly estimate: number;
  /** conditional SD; intervals are drawn when present */
  readonly se?: number | null;
}

/** Options of caterpillarSpec. */
export interface CaterpillarOptions {
  /** interval coverage (default 0.95) */
  readonly level?: number;
  readonly title?: string;
  /** above this many levels a panel hides its level labels and gets a fixed height (default 60) */
  readonly maxLabelled?: number;
}

/** A caterpillar plot of conditional modes with intervals, one panel per grouping factor and term. */
export function caterpillarSpec(rows: readonly CaterpillarRow[], options: CaterpillarOptions = {}): PlotSpec {
  const level = options.level ?? 0.95;
  const z = zFor(level);
  const maxLabelled = options.maxLabelled ?? 60;
  const groups = new Map<string, Map<string, CaterpillarRow[]>>();
  for (const r of rows) {
    let g = groups.get(r.group);
    if (!g) groups.set(r.group, (g = new Map()));
    let t = g.get(r.term);
    if (!t) g.set(r.term, (t = []));
    t.push(r);
  }
  const hasIntervals = rows.some((r) => finite(r.se) !== null);
  const panels: PlotSpec[] = [];
  for (const [group, terms] of groups) {
    const first = [...terms.values()][0];
    // level order: ascending by the first term's mode, as lme4's dotplot sorts
    // (a rank field, not an explicit sort list: vega turns sort lists into expressions)
    const order = [...first].sort((a, b) => a.estimate - b.estimate).map((r) => r.level);
    const rank = new Map(order.map((l, i) => [l, i]));
    const many = order.length > maxLabelled;
    const height = many ? 420 : { step: 14 };
    const row: PlotSpec[] = [];
    let k = 0;
    for (const [term, list] of terms) {
      const values = list.map((r) => {
        const se = finite(r.se);
        return { level: r.level, rank: rank.get(r.level) ?? order.length, estimate: finite(r.estimate), lower: se === null ? null : r.estimate - z * se, upper: se === null ? null : r.estimate + z * se };
      });
      const y = {
        field: "level", type: "nominal", sort: { field: "rank", op: "min" }, title: k === 0 ? group : null,
        axis: many ? { labels: false, ticks: false, title: k === 0 ? `${group} (${order.length} levels)` : null } : k === 0 ? { labelLimit: 140 } : { labels: false, ticks: true },
        scale: { paddingInner: 0.3 },
      };
      const layers: PlotSpec[] = [
        { mark: { type: "rule", color: COLORS.reference, strokeDash: [4, 3] }, data: { values: [{ zero: 0 }] }, encoding: { x: { field: "zero", type: "quantitative" } } },
      ];
      if (hasIntervals)
        layers.push({ mark: { type: "rule", color: COLORS.interval, strokeWidth: many ? 0.6 : 1.5 }, encoding: { y, x: { field: "lower", type: "quantitative", title: term }, x2: { field: "upper" } } });
      layers.push({
        mark: { type: "point", filled: true, color: COLORS.point, size: many ? 6 : 30, opacity: 1 },
        encoding: {
          y, x: { field: "estimate", type: "quantitative", title: term, scale: { zero: false } },
          tooltip: [{ field: "level", type: "nominal" }, { field: "estimate", type: "quantitative", format: ".4g" },
            ...(hasIntervals ? [{ field: "lower", type: "quantitative", format: ".4g" }, { field: "upper", type: "quantitative", format: ".4g" }] : [])],
        },
      });
      row.push({ data: { values }, width: 220, height, layer: layers });
      k++;
    }
    panels.push(row.length === 1 ? row[0] : { hconcat: row, spacing: 8 });
  }
  const subtitle = hasIntervals ? `conditional modes with ${Math.round(level * 100)}% intervals (± ${z.toFixed(2)} conditional SD)` : "conditional modes";
  const body: PlotSpec = panels.length === 1 ? panels[0] : { vconcat: panels };
  return topLevel(options.title ?? "Random effects", body, subtitle);
}
