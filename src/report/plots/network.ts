// Network graph for network meta-analysis: treatments on a circle (as netmeta's netgraph draws
// them), one edge per pair of treatments compared directly, edge width by the number of studies
// (or any weight), node size by e.g. the number of participants. vega-lite has no graph layout,
// so positions are computed here.
import { COLORS, topLevel, type PlotSpec } from "./spec.js";

/** A node (treatment) of a network plot. */
export interface NetworkNode {
  readonly id: string;
  readonly label?: string;
  /** node area scale (e.g. participants); equal sizes when absent */
  readonly size?: number | null;
}

/** An edge (direct comparison) of a network plot. */
export interface NetworkEdge {
  readonly from: string;
  readonly to: string;
  /** number of studies comparing the pair (default 1) */
  readonly weight?: number | null;
}

/** Options of networkSpec. */
export interface NetworkOptions {
  readonly title?: string;
  /** diameter in pixels (default 380) */
  readonly size?: number;
}

/** Merge edges listed per study into one edge per unordered pair, summing weights. */
export function mergeEdges(edges: readonly NetworkEdge[]): NetworkEdge[] {
  const m = new Map<string, { from: string; to: string; weight: number }>();
  for (const e of edges) {
    if (e.from === e.to) continue;
    const [a, b] = e.from < e.to ? [e.from, e.to] : [e.to, e.from];
    const key = JSON.stringify([a, b]);
    const cur = m.get(key);
    const w = e.weight ?? 1;
    if (cur) cur.weight += w;
    else m.set(key, { from: a, to: b, weight: w });
  }
  return [...m.values()];
}

/** A network plot of treatments (nodes) and direct comparisons (edges). */
export function networkSpec(nodes: readonly NetworkNode[], edges: readonly NetworkEdge[], options: NetworkOptions = {}): PlotSpec {
  const ids = nodes.map((n) => n.id);
  for (const e of edges) for (const id of [e.from, e.to]) if (!ids.includes(id)) ids.push(id);
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const k = ids.length;
  // clockwise from the top
  const pos = new Map(ids.map((id, i) => {
    const a = Math.PI / 2 - (2 * Math.PI * i) / Math.max(k, 1);
    return [id, { x: Math.cos(a), y: Math.sin(a) }];
  }));
  const merged = mergeEdges(edges);
  const edgeValues = merged.map((e) => {
    const p = pos.get(e.from)!, q = pos.get(e.to)!;
    return { from: e.from, to: e.to, weight: e.weight, x: p.x, y: p.y, x2: q.x, y2: q.y };
  });
  const nodeValues = ids.map((id) => {
    const p = pos.get(id)!;
    const n = byId.get(id);
    const side = Math.abs(p.x) < 0.2 ? "center" : p.x > 0 ? "left" : "right";
    // labels sit outside the circle; top/bottom labels above/below the node
    const r = side === "center" ? 1.16 : 1.1;
    return { id, label: n?.label ?? id, size: n?.size ?? 1, x: p.x, y: p.y, lx: p.x * r, ly: p.y * r, side };
  });
  const size = options.size ?? 380;
  const scale = { domain: [-1.55, 1.55], nice: false, zero: false };
  const x = { type: "quantitative", scale, axis: null };
  const y = { type: "quantitative", scale, axis: null };
  const hasSizes = nodes.some((n) => n.size != null);
  const textLayer = (side: string): PlotSpec => ({
    data: { values: nodeValues.filter((n) => n.side === side) },
    mark: { type: "text", align: side, baseline: "middle", fontSize: 12, dx: side === "left" ? 6 : side === "right" ? -6 : 0 },
    encoding: { x: { field: "lx", ...x }, y: { field: "ly", ...y }, text: { field: "label" } },
  });
  return topLevel(options.title ?? "Network of comparisons", {
    width: size, height: size, view: { stroke: null },
    layer: [
      {
        data: { values: edgeValues },
        mark: { type: "rule", color: COLORS.interval, opacity: 0.8, strokeCap: "round" },
        encoding: {
          x: { field: "x", ...x }, y: { field: "y", ...y }, x2: { field: "x2" }, y2: { field: "y2" },
          strokeWidth: { field: "weight", type: "quantitative", scale: { range: [1.5, 10], zero: false }, legend: { title: "studies", tickCount: 4 } },
          tooltip: [{ field: "from" }, { field: "to" }, { field: "weight", type: "quantitative", title: "studies" }],
        },
      },
      {
        data: { values: nodeValues },
        mark: { type: "circle", color: COLORS.point, opacity: 1, stroke: "white", strokeWidth: 1.5 },
        encoding: {
          x: { field: "x", ...x }, y: { field: "y", ...y },
          size: hasSizes ? { field: "size", type: "quantitative", scale: { range: [80, 900], zero: false }, legend: null } : { value: 260 },
          tooltip: [{ field: "label", title: "treatment" }, ...(hasSizes ? [{ field: "size", type: "quantitative" }] : [])],
        },
      },
      textLayer("left"), textLayer("right"), textLayer("center"),
    ],
  }, `${k} treatments, ${merged.length} direct comparisons`);
}
