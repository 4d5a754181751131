// Profile plots (lme4's xyplot(profile(fit))): the signed square root of the likelihood-ratio
// statistic, ζ, against each parameter's value, with the ±z lines of the usual confidence levels.
// A straight ζ line means a quadratic log-likelihood, i.e. Wald intervals would be accurate.
import { COLORS, finite, topLevel, zFor, type PlotSpec } from "./spec.js";

/** One point of a likelihood profile. */
export interface ProfileRow {
  /** parameter name: "(Intercept)", ".sig01", ".sigma", ... */
  readonly parameter: string;
  readonly value: number;
  /** signed root deviance difference */
  readonly zeta: number;
}

/** Options of profileSpec. */
export interface ProfileOptions {
  readonly title?: string;
  /** confidence levels drawn as horizontal lines (default 0.5, 0.8, 0.9, 0.95, 0.99, as lme4) */
  readonly levels?: readonly number[];
  /** |ζ| instead of ζ (lme4's absVal = TRUE) */
  readonly absolute?: boolean;
  readonly columns?: number;
}

/** Profile plot: ζ against each parameter, with the interval limits. */
export function profileSpec(rows: readonly ProfileRow[], options: ProfileOptions = {}): PlotSpec {
  const levels = options.levels ?? [0.5, 0.8, 0.9, 0.95, 0.99];
  const abs = options.absolute ?? false;
  const params: string[] = [];
  for (const r of rows) if (!params.includes(r.parameter)) params.push(r.parameter);
  const values = rows
    .filter((r) => finite(r.value) !== null && finite(r.zeta) !== null)
    .map((r) => ({ parameter: r.parameter, order: params.indexOf(r.parameter), value: r.value, zeta: abs ? Math.abs(r.zeta) : r.zeta }));
  const zs = levels.map(zFor);
  const refs = abs ? zs : zs.flatMap((z) => [z, -z]);
  const zTitle = abs ? "|ζ|" : "ζ";
  const spec = {
    width: 220, height: 200,
    layer: [
      // the reference lines: their own data, drawn once in every panel
      { data: { values: refs.map((z) => ({ z })) }, mark: { type: "rule", color: "#c8c8c8", strokeDash: [3, 3] }, encoding: { y: { field: "z", type: "quantitative" } } },
      { mark: { type: "line", color: COLORS.interval, strokeWidth: 1.5 }, encoding: { x: { field: "value", type: "quantitative" }, y: { field: "zeta", type: "quantitative" } } },
      {
        mark: { type: "point", filled: true, size: 18, color: COLORS.point },
        encoding: {
          x: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
          y: { field: "zeta", type: "quantitative", title: zTitle },
          tooltip: [{ field: "value", type: "quantitative", format: ".4g" }, { field: "zeta", type: "quantitative", format: ".3f" }],
        },
      },
    ],
  };
  const subtitle = `lines at ${abs ? "" : "±"}z for ${levels.map((l) => `${Math.round(l * 1000) / 10}%`).join(", ")} confidence`;
  return topLevel(options.title ?? "Profile zeta plots", {
    data: { values },
    facet: { field: "parameter", type: "nominal", title: null, sort: { field: "order", op: "min" }, header: { labelFontWeight: "bold" } },
    columns: options.columns ?? Math.min(3, Math.max(1, params.length)),
    spec,
    resolve: { scale: { x: "independent" } },
  }, subtitle);
}
