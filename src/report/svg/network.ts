// A network graph for network meta-analysis: treatments on a circle, one edge per directly
// compared pair with its width growing with the number of studies (labelled on the edge), and
// nodes sized by an optional weight (e.g. participants).
import { circle, line, svgDocument, text } from "./svg.js";

/** A node of a network graph (a treatment), sized by `size`. */
export interface NetworkNode {
  readonly id: string;
  readonly label?: string;
  /** node area grows with it (e.g. participants); default 1 */
  readonly size?: number;
}

/** An edge of a network graph (a direct comparison), weighted by `weight`. */
export interface NetworkEdge {
  readonly from: string;
  readonly to: string;
  /** e.g. the number of studies comparing the pair directly */
  readonly weight: number;
  readonly label?: string;
}

/** Options of the network graph SVG: title and footnote. */
export interface NetworkOptions {
  readonly title?: string;
  readonly footnote?: string;
}

/** A network graph as an SVG document, without dependencies. */
export function networkGraphSVG(nodes: readonly NetworkNode[], edges: readonly NetworkEdge[], opts: NetworkOptions = {}): string {
  const W = 560, H = 520;
  const cx = W / 2, cy = (opts.title ? 40 : 10) + 230;
  const R = 170;
  const n = nodes.length;
  const pos = new Map<string, [number, number]>();
  nodes.forEach((nd, i) => {
    // start at the top, clockwise
    const a = -Math.PI / 2 + (2 * Math.PI * i) / Math.max(1, n);
    pos.set(nd.id, [cx + R * Math.cos(a), cy + R * Math.sin(a)]);
  });
  const out: string[] = [];
  if (opts.title) out.push(text(W / 2, 24, opts.title, { anchor: "middle", size: 14, weight: "bold" }));
  const wmax = Math.max(1, ...edges.map((e) => e.weight));
  for (const e of edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    out.push(line(a[0], a[1], b[0], b[1], "#7a9cc6", 1.5 + 8 * Math.sqrt(e.weight / wmax)));
  }
  // edge labels at the middle, or moved along the edge when another label is already there
  // (the diagonals of a square cross at the centre)
  const placed: Array<[number, number]> = [];
  for (const e of edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    let mx = 0, my = 0;
    for (const t of [0.5, 0.36, 0.64, 0.26, 0.74]) {
      mx = a[0] + t * (b[0] - a[0]);
      my = a[1] + t * (b[1] - a[1]);
      if (placed.every(([x, y]) => Math.hypot(x - mx, y - my) > 22)) break;
    }
    placed.push([mx, my]);
    out.push(circle(mx, my - 4, 9, "#fff", "#7a9cc6"));
    out.push(text(mx, my, e.label ?? String(e.weight), { anchor: "middle", size: 10 }));
  }
  const smax = Math.max(1e-300, ...nodes.map((nd) => nd.size ?? 1));
  nodes.forEach((nd) => {
    const [x, y] = pos.get(nd.id)!;
    const r = 7 + 13 * Math.sqrt((nd.size ?? 1) / smax);
    out.push(circle(x, y, r, "#2b5d8a"));
    // labels outside the circle
    const dx = x - cx, dy = y - cy;
    const d = Math.hypot(dx, dy) || 1;
    const lx = x + (dx / d) * (r + 8), ly = y + (dy / d) * (r + 8) + 4;
    const anchor = Math.abs(dx) < 1e-6 * R || Math.abs(dx / d) < 0.3 ? "middle" : dx > 0 ? "start" : "end";
    out.push(text(lx, ly, nd.label ?? nd.id, { anchor, weight: "bold" }));
  });
  if (opts.footnote) out.push(text(8, H - 10, opts.footnote, { size: 10, fill: "#444" }));
  return svgDocument(W, H, out, opts.title);
}
