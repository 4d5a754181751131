// Residuals against fitted values (lme4's plot(fit)). Up to `maxPoints` observations are drawn as
// points with a loess smooth; beyond that (InstEval has 73k rows) as a 2-D histogram whose cells are
// counted here, so the spec and the SVG stay small whatever the data size.
import { COLORS, topLevel, type PlotSpec } from "./spec.js";

/** Options of residualSpec. */
export interface ResidualOptions {
  readonly title?: string;
  readonly xTitle?: string;
  readonly yTitle?: string;
  /** draw points up to this many observations, a binned density above (default 5000) */
  readonly maxPoints?: number;
  /** bins per axis for the density (default 60 × 40) */
  readonly bins?: readonly [number, number];
  /** loess smooth through the points (default true) */
  readonly smooth?: boolean;
}

/** Residuals against fitted values, with a smooth. */
export function residualSpec(fitted: ArrayLike<number>, resid: ArrayLike<number>, options: ResidualOptions = {}): PlotSpec {
  if (fitted.length !== resid.length) throw new RangeError(`fitted has ${fitted.length} values, residuals ${resid.length}`);
  const xTitle = options.xTitle ?? "Fitted values";
  const yTitle = options.yTitle ?? "Residuals";
  const idx: number[] = [];
  for (let i = 0; i < fitted.length; i++) if (Number.isFinite(fitted[i]) && Number.isFinite(resid[i])) idx.push(i);
  const n = idx.length;
  const zero = { mark: { type: "rule", color: COLORS.reference, strokeDash: [4, 3] }, data: { values: [{ zero: 0 }] }, encoding: { y: { field: "zero", type: "quantitative" } } };
  const title = options.title ?? "Residuals vs fitted";
  if (n <= (options.maxPoints ?? 5000)) {
    const values = idx.map((i) => ({ fitted: fitted[i], residual: resid[i] }));
    const x = { field: "fitted", type: "quantitative", title: xTitle, scale: { zero: false } };
    const y = { field: "residual", type: "quantitative", title: yTitle };
    const layer: PlotSpec[] = [
      zero,
      { mark: { type: "point", filled: true, color: COLORS.point, opacity: n > 1000 ? 0.35 : 0.7, size: n > 1000 ? 10 : 22 }, encoding: { x, y, tooltip: [{ field: "fitted", format: ".4g", type: "quantitative" }, { field: "residual", format: ".4g", type: "quantitative" }] } },
    ];
    if ((options.smooth ?? true) && n >= 10)
      layer.push({ transform: [{ loess: "residual", on: "fitted", bandwidth: 0.5 }], mark: { type: "line", color: COLORS.fit, strokeWidth: 2 }, encoding: { x, y } });
    return topLevel(title, { data: { values }, width: 420, height: 300, layer }, `${n} observations`);
  }
  // 2-D histogram: counts per cell, computed here
  const [bx, by] = options.bins ?? [60, 40];
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const i of idx) {
    x0 = Math.min(x0, fitted[i]); x1 = Math.max(x1, fitted[i]);
    y0 = Math.min(y0, resid[i]); y1 = Math.max(y1, resid[i]);
  }
  const wx = (x1 - x0) / bx || 1, wy = (y1 - y0) / by || 1;
  const counts = new Map<number, number>();
  for (const i of idx) {
    const cx = Math.min(bx - 1, Math.floor((fitted[i] - x0) / wx));
    const cy = Math.min(by - 1, Math.floor((resid[i] - y0) / wy));
    const key = cx + cy * bx;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const values = [...counts].map(([key, count]) => {
    const cx = key % bx, cy = (key - cx) / bx;
    return { x: x0 + cx * wx, x2: x0 + (cx + 1) * wx, y: y0 + cy * wy, y2: y0 + (cy + 1) * wy, count };
  });
  return topLevel(title, {
    width: 420, height: 300,
    layer: [
      {
        data: { values },
        mark: { type: "rect" },
        encoding: {
          x: { field: "x", type: "quantitative", title: xTitle, scale: { zero: false, nice: false } },
          x2: { field: "x2" },
          y: { field: "y", type: "quantitative", title: yTitle, scale: { nice: false } },
          y2: { field: "y2" },
          color: { field: "count", type: "quantitative", title: "rows", scale: { type: "log", scheme: "blues" } },
          tooltip: [{ field: "count", type: "quantitative" }],
        },
      },
      zero,
    ],
  }, `${n} observations, binned ${bx} × ${by}`);
}
