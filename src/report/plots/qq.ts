// Normal QQ plot (R's qqnorm + qqline): sorted values against normal quantiles at R's ppoints, with
// the line through the first and third quartiles. One panel per series (e.g. per random-effect term).
import { qnorm } from "../../families/special.js";
import { COLORS, topLevel, type PlotSpec } from "./spec.js";
import { quantile7 } from "../../inference/distributions.js";

/** One panel's sample of a QQ plot. */
export interface QQSeries {
  readonly label: string;
  readonly values: ArrayLike<number>;
}

/** Options of qqSpec. */
export interface QQOptions {
  readonly title?: string;
  readonly yTitle?: string;
  /** panels per row when there are several series (default 3) */
  readonly columns?: number;
}

/** R's ppoints(n): (i − a)/(n + 1 − 2a), a = 3/8 for n ≤ 10, else 1/2. */
export function ppoints(n: number): Float64Array {
  const a = n <= 10 ? 3 / 8 : 0.5;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = (i + 1 - a) / (n + 1 - 2 * a);
  return out;
}

/** One point of a normal QQ plot. */
export interface QQPoint { panel: string; order: number; theoretical: number; sample: number; line: number }

/** The points and the qqline of one series (non-finite values dropped). */
export function qqPoints(label: string, values: ArrayLike<number>, order = 0): QQPoint[] {
  const s = Float64Array.from(Array.prototype.filter.call(values, (v: number) => Number.isFinite(v)) as number[]).sort();
  const n = s.length;
  if (n === 0) return [];
  const q = ppoints(n).map(qnorm);
  const y1 = quantile7(s, 0.25), y2 = quantile7(s, 0.75);
  const x1 = qnorm(0.25), x2 = qnorm(0.75);
  const slope = (y2 - y1) / (x2 - x1);
  const intercept = y1 - slope * x1;
  const out: QQPoint[] = [];
  for (let i = 0; i < n; i++) out.push({ panel: label, order, theoretical: q[i], sample: s[i], line: intercept + slope * q[i] });
  return out;
}

/** A normal QQ plot of one sample or of several panels. */
export function qqSpec(input: ArrayLike<number> | readonly QQSeries[], options: QQOptions = {}): PlotSpec {
  const series: readonly QQSeries[] = isSeriesList(input) ? input : [{ label: "", values: input }];
  const values = series.flatMap((s, k) => qqPoints(s.label, s.values, k));
  const n = values.length;
  const layer = (w: number, h: number): PlotSpec => ({
    width: w, height: h,
    layer: [
      { mark: { type: "line", color: COLORS.fit, strokeWidth: 1.5 }, encoding: { x: { field: "theoretical", type: "quantitative" }, y: { field: "line", type: "quantitative" } } },
      {
        mark: { type: "point", filled: true, color: COLORS.point, size: n > 2000 ? 8 : 24, opacity: n > 2000 ? 0.5 : 0.8 },
        encoding: {
          x: { field: "theoretical", type: "quantitative", title: "Standard normal quantiles" },
          y: { field: "sample", type: "quantitative", title: options.yTitle ?? "Sample quantiles", scale: { zero: false } },
          tooltip: [{ field: "sample", type: "quantitative", format: ".4g" }, { field: "theoretical", type: "quantitative", format: ".3f" }],
        },
      },
    ],
  });
  const title = options.title ?? "Normal QQ plot";
  if (series.length <= 1) return topLevel(title, { data: { values }, ...layer(320, 300) });
  return topLevel(title, {
    data: { values },
    facet: { field: "panel", type: "nominal", title: null, sort: { field: "order", op: "min" } },
    columns: options.columns ?? 3,
    spec: layer(240, 220),
    resolve: { scale: { x: "independent", y: "independent" } },
  });
}

function isSeriesList(x: ArrayLike<number> | readonly QQSeries[]): x is readonly QQSeries[] {
  return Array.isArray(x) && x.length > 0 && typeof x[0] === "object" && x[0] !== null && "values" in (x[0] as object);
}
