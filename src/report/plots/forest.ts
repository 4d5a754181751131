// Forest plot (meta-analysis): one row per study with its estimate and confidence interval, a
// square sized by its weight, pooled estimates as diamonds below, the study labels on the left and
// "estimate [lower, upper]" on the right, like metafor's forest(). Rows share one y position scale
// across the three panels; labels are data, never expressions.
import { COLORS, finite, fmtNum, topLevel, zFor, type PlotSpec } from "./spec.js";

/** One study of a forest plot. */
export interface ForestStudy {
  readonly study: string;
  readonly estimate: number;
  /** standard error; used when lower/upper are not given */
  readonly se?: number | null;
  readonly lower?: number | null;
  readonly upper?: number | null;
  /** relative weight (any scale; shown as percent of the total) */
  readonly weight?: number | null;
}

/** A pooled estimate (diamond) of a forest plot. */
export interface ForestPooled {
  /** "RE Model", "FE Model", ... */
  readonly label: string;
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  /** prediction interval, drawn as a thin line through the diamond */
  readonly predLower?: number | null;
  readonly predUpper?: number | null;
}

/** Options of forestSpec. */
export interface ForestOptions {
  readonly title?: string;
  /** x-axis title, e.g. "log odds ratio" (default "Estimate") */
  readonly xTitle?: string;
  /** interval coverage when computed from se (default 0.95) */
  readonly level?: number;
  /** exponentiate estimates and limits (log OR → OR) and use a log axis */
  readonly exp?: boolean;
  /** position of the no-effect line (default 0, or 1 with exp); null draws none */
  readonly nullValue?: number | null;
  /** header of the label column (default "Study") */
  readonly labelHeader?: string;
}

/** A forest plot: per-study estimates with intervals and the pooled estimate(s). */
export function forestSpec(studies: readonly ForestStudy[], pooled?: ForestPooled | readonly ForestPooled[] | null, options: ForestOptions = {}): PlotSpec {
  const z = zFor(options.level ?? 0.95);
  const tr = options.exp ? Math.exp : (x: number) => x;
  const pooledList: readonly ForestPooled[] = pooled ? (Array.isArray(pooled) ? pooled : [pooled as ForestPooled]) : [];
  const totalWeight = studies.reduce((s, r) => s + (finite(r.weight) ?? 0), 0);
  const hasWeights = totalWeight > 0;
  const studyRows = studies.map((r, i) => {
    const se = finite(r.se);
    const lo = finite(r.lower) ?? (se === null ? null : r.estimate - z * se);
    const hi = finite(r.upper) ?? (se === null ? null : r.estimate + z * se);
    const w = hasWeights ? (finite(r.weight) ?? 0) / totalWeight : null;
    const e = tr(r.estimate), l = lo === null ? null : tr(lo), u = hi === null ? null : tr(hi);
    return {
      row: i, label: r.study, estimate: finite(e), lower: l, upper: u, weight: w === null ? 1 : w,
      text: `${fmtNum(e)}${l !== null && u !== null ? ` [${fmtNum(l)}, ${fmtNum(u)}]` : ""}`,
      wtext: w === null ? "" : `${(100 * w).toFixed(1)}%`,
    };
  });
  const firstPooled = studies.length + 1; // one blank row between studies and pooled estimates
  const pooledRows = pooledList.map((p, k) => {
    const e = tr(p.estimate), l = tr(p.lower), u = tr(p.upper);
    return {
      row: firstPooled + k, label: p.label, estimate: e, lower: l, upper: u,
      predLower: p.predLower == null ? null : tr(p.predLower), predUpper: p.predUpper == null ? null : tr(p.predUpper),
      text: `${fmtNum(e)} [${fmtNum(l)}, ${fmtNum(u)}]`,
    };
  });
  const diamonds = pooledRows.flatMap((p) => [
    { id: p.row, x: p.lower, y: p.row, y2: p.row },
    { id: p.row, x: p.estimate, y: p.row - 0.38, y2: p.row + 0.38 },
    { id: p.row, x: p.upper, y: p.row, y2: p.row },
  ]);
  const nRows = pooledRows.length ? firstPooled + pooledRows.length : studies.length;
  const height = Math.max(120, 20 * (nRows + 1));
  // y: row index, top to bottom; the header sits at row −1
  const y = { type: "quantitative", scale: { domain: [-1.4, nRows - 0.4], reverse: true, nice: false, zero: false }, axis: null };
  const textPanel = (field: string, header: string, align: "left" | "right", width: number, rows: object[]): PlotSpec => ({
    width, height, view: { stroke: null },
    layer: [
      { data: { values: rows }, mark: { type: "text", align, baseline: "middle", fontSize: 11 }, encoding: { y: { field: "row", ...y }, text: { field } } },
      { data: { values: [{ row: -1, h: header }] }, mark: { type: "text", align, baseline: "middle", fontSize: 11, fontWeight: "bold" }, encoding: { y: { field: "row", ...y }, text: { field: "h" } } },
    ],
    encoding: { x: { value: align === "left" ? 0 : width } },
  });
  const allRows = [...studyRows, ...pooledRows];
  const xScale: Record<string, unknown> = options.exp ? { type: "log" } : { zero: false };
  const x = { type: "quantitative", title: options.xTitle ?? (options.exp ? "Estimate (exponentiated)" : "Estimate"), scale: xScale };
  const plot: PlotSpec = {
    width: 320, height,
    layer: [
      ...(options.nullValue === null ? [] : [{ data: { values: [{ v: options.nullValue ?? (options.exp ? 1 : 0) }] }, mark: { type: "rule", color: COLORS.reference, strokeDash: [4, 3] }, encoding: { x: { field: "v", ...x } } }]),
      { data: { values: studyRows.filter((r) => r.lower !== null) }, mark: { type: "rule", color: COLORS.point }, encoding: { y: { field: "row", ...y }, x: { field: "lower", ...x }, x2: { field: "upper" } } },
      {
        data: { values: studyRows },
        mark: { type: "square", filled: true, color: COLORS.point, opacity: 1 },
        encoding: {
          y: { field: "row", ...y }, x: { field: "estimate", ...x },
          size: hasWeights ? { field: "weight", type: "quantitative", scale: { range: [15, 220], zero: true }, legend: null } : { value: 50 },
          tooltip: [{ field: "label", title: "study" }, { field: "text", title: "estimate [CI]" }],
        },
      },
      ...(pooledRows.some((p) => p.predLower !== null && p.predUpper !== null)
        ? [{ data: { values: pooledRows.filter((p) => p.predLower !== null && p.predUpper !== null) }, mark: { type: "rule", color: COLORS.fit, strokeDash: [2, 2] }, encoding: { y: { field: "row", ...y }, x: { field: "predLower", ...x }, x2: { field: "predUpper" } } }]
        : []),
      ...(diamonds.length
        ? [{ data: { values: diamonds }, mark: { type: "area", color: COLORS.fit, opacity: 0.9, orient: "vertical" }, encoding: { x: { field: "x", ...x }, y: { field: "y", ...y }, y2: { field: "y2" }, detail: { field: "id", type: "nominal" } } }]
        : []),
    ],
  };
  // text panels as wide as their longest entry (≈ 6.3 px per character at 11 px)
  const widthOf = (texts: string[]) => Math.min(280, Math.max(50, Math.ceil(6.3 * Math.max(...texts.map((t) => t.length))) + 6));
  const ciHeader = `Estimate [${Math.round((options.level ?? 0.95) * 100)}% CI]`;
  const panels: PlotSpec[] = [
    textPanel("label", options.labelHeader ?? "Study", "left", widthOf([options.labelHeader ?? "Study", ...allRows.map((r) => r.label)]), allRows),
    plot,
    textPanel("text", ciHeader, "right", widthOf([ciHeader, ...allRows.map((r) => r.text)]), allRows),
  ];
  if (hasWeights) panels.splice(2, 0, textPanel("wtext", "Weight", "right", 50, studyRows));
  return topLevel(options.title ?? "Forest plot", { hconcat: panels, spacing: 10, resolve: { scale: { y: "independent" } } });
}
