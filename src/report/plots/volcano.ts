// Differential expression plots: the volcano plot (effect against −log10 p, significant genes
// coloured by direction, the strongest labelled) and the p-value histogram (a flat histogram with a
// spike near 0 is the healthy shape; a hump or a rise toward 1 signals a misspecified model).
import { COLORS, finite, topLevel, type PlotSpec } from "./spec.js";

/** One gene's result for a volcano plot. */
export interface DERow {
  readonly gene: string;
  /** model term the test is for; plots facet by term when there are several */
  readonly term?: string;
  /** effect on the link scale (log fold change) */
  readonly estimate: number;
  readonly se?: number | null;
  readonly p: number;
  /** adjusted p (BH); significance uses it when present, else p */
  readonly padj?: number | null;
}

/** Options of volcanoSpec. */
export interface VolcanoOptions {
  readonly title?: string;
  /** significance threshold on padj (default 0.05) */
  readonly alpha?: number;
  /** minimum |estimate| for a gene to count as changed (default 0) */
  readonly minEffect?: number;
  /** label this many of the most significant genes per panel (default 10) */
  readonly labelTop?: number;
  readonly xTitle?: string;
  readonly columns?: number;
}

/** −log10 p with p = 0 (underflow) capped at 1e-300 */
const mlog10 = (p: number) => -Math.log10(Math.max(p, 1e-300));

/** A volcano plot of differential-expression results (estimate against −log10 p). */
export function volcanoSpec(rows: readonly DERow[], options: VolcanoOptions = {}): PlotSpec {
  const alpha = options.alpha ?? 0.05;
  const minEffect = options.minEffect ?? 0;
  const labelTop = options.labelTop ?? 10;
  const terms: string[] = [];
  for (const r of rows) { const t = r.term ?? ""; if (!terms.includes(t)) terms.push(t); }
  const usable = rows.filter((r) => finite(r.estimate) !== null && finite(r.p) !== null);
  const values = usable.map((r) => {
    const q = finite(r.padj) ?? r.p;
    const sig = q < alpha && Math.abs(r.estimate) >= minEffect;
    return { gene: r.gene, term: r.term ?? "", order: terms.indexOf(r.term ?? ""), estimate: r.estimate, p: r.p, padj: finite(r.padj), mlog10p: mlog10(r.p), status: sig ? (r.estimate > 0 ? "up" : "down") : "not significant" };
  });
  const sigBy = usable.some((r) => finite(r.padj) !== null) ? "padj" : "p";
  const labelled = terms.flatMap((t) =>
    values.filter((v) => v.term === t && v.status !== "not significant").sort((a, b) => a.p - b.p).slice(0, labelTop));
  const nUp = values.filter((v) => v.status === "up").length, nDown = values.filter((v) => v.status === "down").length;
  const x = { field: "estimate", type: "quantitative", title: options.xTitle ?? "log fold change" };
  const y = { field: "mlog10p", type: "quantitative", title: "−log10 p" };
  const layer = (w: number, h: number): PlotSpec => ({
    width: w, height: h,
    layer: [
      {
        mark: { type: "point", filled: true, size: values.length > 5000 ? 8 : 16, opacity: 0.7 },
        encoding: {
          x, y,
          color: { field: "status", type: "nominal", title: `${sigBy} < ${alpha}`, scale: { domain: ["up", "down", "not significant"], range: [COLORS.up, COLORS.down, COLORS.neutral] } },
          order: { field: "mlog10p", type: "quantitative" },
          tooltip: [{ field: "gene" }, { field: "estimate", type: "quantitative", format: ".3g" }, { field: "p", type: "quantitative", format: ".3g" }, { field: "padj", type: "quantitative", format: ".3g" }],
        },
      },
      {
        transform: [{ filter: { field: "labelled", equal: true } }],
        mark: { type: "text", align: "left", dx: 4, dy: -4, fontSize: 10, color: "#222" },
        encoding: { x, y, text: { field: "gene" } },
      },
    ],
  });
  const labelSet = new Set(labelled);
  const data = { values: values.map((v) => ({ ...v, labelled: labelSet.has(v) })) };
  const subtitle = `${values.length} tests; ${nUp} up, ${nDown} down at ${sigBy} < ${alpha}${minEffect ? ` and |effect| ≥ ${minEffect}` : ""}`;
  if (terms.length <= 1) return topLevel(options.title ?? (terms[0] ? `Volcano plot: ${terms[0]}` : "Volcano plot"), { data, ...layer(420, 320) }, subtitle);
  return topLevel(options.title ?? "Volcano plots", {
    data,
    facet: { field: "term", type: "nominal", title: null, sort: { field: "order", op: "min" } },
    columns: options.columns ?? 3, spec: layer(280, 240),
    resolve: { scale: { x: "independent", y: "independent" } },
  }, subtitle);
}

/** Options of pvalueHistogramSpec. */
export interface PValueHistogramOptions {
  readonly title?: string;
  /** number of equal-width bins on [0, 1] (default 20) */
  readonly bins?: number;
}

/** Counts per equal-width bin on [0, 1] (p = 1 falls in the last bin); non-finite values skipped. */
export function pvalueBins(p: ArrayLike<number>, bins = 20): { lower: number; upper: number; count: number }[] {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    if (!(v >= 0 && v <= 1)) continue;
    counts[Math.min(bins - 1, Math.floor(v * bins))]++;
  }
  return counts.map((count, b) => ({ lower: b / bins, upper: (b + 1) / bins, count }));
}

/** A histogram of p-values. */
export function pvalueHistogramSpec(p: ArrayLike<number>, options: PValueHistogramOptions = {}): PlotSpec {
  const bins = options.bins ?? 20;
  const values = pvalueBins(p, bins);
  const n = values.reduce((s, b) => s + b.count, 0);
  return topLevel(options.title ?? "P-value histogram", {
    width: 420, height: 260,
    layer: [
      {
        data: { values },
        mark: { type: "rect", color: COLORS.bar, stroke: "white", strokeWidth: 0.5 },
        encoding: {
          x: { field: "lower", type: "quantitative", title: "p-value", scale: { domain: [0, 1], nice: false } },
          x2: { field: "upper" },
          y: { field: "count", type: "quantitative", title: "tests" },
          y2: { datum: 0 },
          tooltip: [{ field: "lower", title: "from", format: ".2f" }, { field: "upper", title: "to", format: ".2f" }, { field: "count", type: "quantitative" }],
        },
      },
      // what a flat (all-null) distribution would give
      { data: { values: [{ expected: n / bins }] }, mark: { type: "rule", color: COLORS.fit, strokeDash: [5, 3] }, encoding: { y: { field: "expected", type: "quantitative" } } },
    ],
  }, `${n} p-values, ${bins} bins; dashed line: uniform expectation`);
}
