// Plot specifications: the numbers they carry (QQ against R's qqnorm/qqline, intervals, bins,
// classifications) and their shape (panels, binning above the point limit).
import { test } from "node:test";
import assert from "node:assert/strict";
import { caterpillarSpec, type CaterpillarRow } from "../../src/report/plots/caterpillar.js";
import { forestSpec } from "../../src/report/plots/forest.js";
import { mergeEdges, networkSpec } from "../../src/report/plots/network.js";
import { profileSpec } from "../../src/report/plots/profile.js";
import { ppoints, qqPoints, qqSpec } from "../../src/report/plots/qq.js";
import { residualSpec } from "../../src/report/plots/residuals.js";
import { pvalueBins, pvalueHistogramSpec, volcanoSpec } from "../../src/report/plots/volcano.js";
import { ref } from "./data.js";


// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const close = (a: number, b: number, tol: number, what = "") => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("ppoints matches R (a = 3/8 up to n = 10, 1/2 above)", () => {
  ppoints(5).forEach((v, i) => close(v, ref.ppoints5[i], 1e-14, `ppoints(5)[${i}]`));
  ppoints(12).forEach((v, i) => close(v, ref.ppoints12[i], 1e-14, `ppoints(12)[${i}]`));
});

test("qqPoints matches R's qqnorm and qqline", () => {
  const pts = qqPoints("x", ref.qq.x);
  const order = [...ref.qq.sample.keys()].sort((a: number, b: number) => ref.qq.sample[a] - ref.qq.sample[b] || ref.qq.theoretical[a] - ref.qq.theoretical[b]);
  pts.forEach((p, i) => {
    close(p.sample, ref.qq.sample[order[i]], 0, `sample ${i}`);
    close(p.theoretical, ref.qq.theoretical[order[i]], 1e-12, `theoretical ${i}`);
    close(p.line, ref.qq.intercept + ref.qq.slope * p.theoretical, 1e-12, `line ${i}`);
  });
  assert.equal(qqPoints("y", [1, NaN, 2, Infinity]).length, 2, "non-finite values are dropped");
});

test("qqSpec: one panel per series, facetted with independent scales", () => {
  const one = qqSpec([0.1, -0.4, 0.3]) as Any;
  assert.equal(one.facet, undefined);
  assert.equal(one.data.values.length, 3);
  const two = qqSpec([{ label: "g: (Intercept)", values: [1, 2, 3] }, { label: "g: x", values: [4, 5] }]) as Any;
  assert.equal(two.facet.field, "panel");
  assert.deepEqual([...new Set(two.data.values.map((v: Any) => v.order))], [0, 1]);
  assert.equal(two.resolve.scale.x, "independent");
});

const rows: CaterpillarRow[] = [
  { group: "g", term: "(Intercept)", level: "a", estimate: 1, se: 0.5 },
  { group: "g", term: "(Intercept)", level: "b", estimate: -2, se: 0.25 },
  { group: "g", term: "(Intercept)", level: "c", estimate: 0.5, se: null },
  { group: "g", term: "x", level: "a", estimate: -1, se: 0.1 },
  { group: "g", term: "x", level: "b", estimate: 3, se: 0.1 },
  { group: "g", term: "x", level: "c", estimate: 0, se: 0.1 },
  { group: "h", term: "(Intercept)", level: "u", estimate: 0.2, se: 0.1 },
];

test("caterpillarSpec: intervals at ± z·SD, levels ranked by the first term, panels per group and term", () => {
  const s = caterpillarSpec(rows) as Any;
  assert.equal(s.vconcat.length, 2, "one row of panels per grouping factor");
  const [p1, p2] = s.vconcat[0].hconcat;
  const a = p1.data.values.find((v: Any) => v.level === "a");
  close(a.lower, 1 - 1.959963984540054 * 0.5, 1e-12, "lower");
  close(a.upper, 1 + 1.959963984540054 * 0.5, 1e-12, "upper");
  assert.equal(p1.data.values.find((v: Any) => v.level === "c").lower, null, "no SD, no interval");
  // rank by (Intercept): b < c < a, shared by the x panel
  const rank = (p: Any, l: string) => p.data.values.find((v: Any) => v.level === l).rank;
  assert.deepEqual(["a", "b", "c"].map((l) => rank(p1, l)), [2, 0, 1]);
  assert.deepEqual(["a", "b", "c"].map((l) => rank(p2, l)), [2, 0, 1]);
  const s90 = caterpillarSpec(rows, { level: 0.9 }) as Any;
  close(s90.vconcat[0].hconcat[0].data.values[0].upper, 1 + 1.6448536269514722 * 0.5, 1e-12, "90% upper");
  // many levels: labels hidden, fixed height
  const many = Array.from({ length: 100 }, (_, i) => ({ group: "s", term: "(Intercept)", level: `L${i}`, estimate: Math.sin(i), se: 0.1 }));
  const sm = caterpillarSpec(many) as Any;
  assert.equal(sm.height, 420);
  assert.equal(sm.layer[1].encoding.y.axis.labels, false);
});

test("residualSpec: points up to maxPoints, counted 2-D bins above (counts sum to n)", () => {
  const n = 300;
  const fitted = Float64Array.from({ length: n }, (_, i) => i / n);
  const resid = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
  resid[7] = NaN;
  const pts = residualSpec(fitted, resid) as Any;
  assert.equal(pts.data.values.length, n - 1, "non-finite pairs dropped");
  assert.ok(pts.layer.some((l: Any) => l.transform?.[0]?.loess === "residual"), "loess smooth");
  const bin = residualSpec(fitted, resid, { maxPoints: 100, bins: [10, 5] }) as Any;
  const cells = bin.layer[0].data.values;
  assert.ok(cells.length <= 50);
  assert.equal(cells.reduce((s: number, c: Any) => s + c.count, 0), n - 1);
  for (const c of cells) assert.ok(c.x2 > c.x && c.y2 > c.y);
  assert.throws(() => residualSpec([1, 2], [1]), /fitted has 2 values, residuals 1/);
});

test("pvalueBins: equal-width bins on [0, 1], p = 1 in the last bin, invalid values skipped", () => {
  const b = pvalueBins([0, 0.04, 0.05, 0.5, 0.999, 1, NaN, -0.1, 1.2], 20);
  assert.equal(b.length, 20);
  assert.deepEqual([b[0].count, b[1].count, b[10].count, b[19].count], [2, 1, 1, 2]);
  assert.equal(b.reduce((s, x) => s + x.count, 0), 6);
  const h = pvalueHistogramSpec([0.1, 0.2, 0.3, 0.9], { bins: 4 }) as Any;
  assert.equal(h.layer[1].data.values[0].expected, 1, "uniform expectation n / bins");
});

test("volcanoSpec: significance by padj and direction, top genes labelled, facets per term", () => {
  const de = [
    { gene: "up1", term: "t", estimate: 2, p: 1e-8, padj: 1e-6 },
    { gene: "down1", term: "t", estimate: -1, p: 1e-4, padj: 0.01 },
    { gene: "ns", term: "t", estimate: 3, p: 0.01, padj: 0.2 },
    { gene: "zero", term: "t", estimate: 0.1, p: 0, padj: 0 },
    { gene: "bad", term: "t", estimate: NaN, p: 0.5, padj: 0.5 },
  ];
  const v = volcanoSpec(de, { labelTop: 2 }) as Any;
  const by = Object.fromEntries(v.data.values.map((r: Any) => [r.gene, r]));
  assert.equal(v.data.values.length, 4, "rows without an estimate are dropped");
  assert.deepEqual([by.up1.status, by.down1.status, by.ns.status, by.zero.status], ["up", "down", "not significant", "up"]);
  close(by.up1.mlog10p, 8, 1e-12);
  close(by.zero.mlog10p, 300, 1e-12, "p = 0 capped at 1e-300");
  assert.deepEqual(v.data.values.filter((r: Any) => r.labelled).map((r: Any) => r.gene).sort(), ["up1", "zero"]);
  const strict = volcanoSpec(de, { minEffect: 1.5 }) as Any;
  assert.deepEqual(strict.data.values.filter((r: Any) => r.status !== "not significant").map((r: Any) => r.gene), ["up1"]);
  const two = volcanoSpec([...de, { gene: "x", term: "u", estimate: 1, p: 0.5, padj: 0.9 }]) as Any;
  assert.equal(two.facet.field, "term");
});

test("forestSpec: intervals from se, weights as shares, exp scale, pooled diamond", () => {
  const f = forestSpec(
    [{ study: "A", estimate: 0, se: 1, weight: 1 }, { study: "B", estimate: Math.log(2), lower: 0, upper: 1, weight: 3 }],
    { label: "RE", estimate: 0.5, lower: 0.1, upper: 0.9, predLower: -1, predUpper: 2 },
    { exp: true },
  ) as Any;
  const plot = f.hconcat[1];
  const studies = plot.layer[2].data.values;
  close(studies[0].lower, Math.exp(-1.959963984540054), 1e-12, "exp(lower)");
  close(studies[1].estimate, 2, 1e-12);
  close(studies[1].upper, Math.E, 1e-12);
  assert.deepEqual(studies.map((s: Any) => s.weight), [0.25, 0.75]);
  assert.equal(studies[1].text, "2 [1, 2.72]");
  assert.equal(plot.layer[0].data.values[0].v, 1, "no-effect line at 1 on the ratio scale");
  const diamond = plot.layer.find((l: Any) => l.mark.type === "area").data.values;
  assert.deepEqual(diamond.map((d: Any) => d.x), [Math.exp(0.1), Math.exp(0.5), Math.exp(0.9)]);
  assert.equal(diamond[0].y, 3, "pooled row after one blank row");
  assert.equal(f.hconcat.length, 4, "labels, plot, weights, estimates");
});

test("networkSpec: one edge per unordered pair with summed weights, nodes on the unit circle", () => {
  const merged = mergeEdges([{ from: "A", to: "B" }, { from: "B", to: "A", weight: 2 }, { from: "A", to: "C" }, { from: "C", to: "C" }]);
  assert.deepEqual(merged, [{ from: "A", to: "B", weight: 3 }, { from: "A", to: "C", weight: 1 }]);
  const s = networkSpec([{ id: "A", label: "Alpha" }], [{ from: "A", to: "B" }, { from: "B", to: "C" }]) as Any;
  const nodes = s.layer[1].data.values;
  assert.deepEqual(nodes.map((n: Any) => n.label), ["Alpha", "B", "C"]);
  for (const n of nodes) close(Math.hypot(n.x, n.y), 1, 1e-12);
  close(nodes[0].x, 0, 1e-12, "first node at the top");
  assert.equal(s.layer[0].data.values.length, 2);
});

test("profileSpec: panels per parameter in input order, reference lines at ±z", () => {
  const s = profileSpec([
    { parameter: ".sig01", value: 1, zeta: -1 }, { parameter: ".sig01", value: 2, zeta: 0 },
    { parameter: "(Intercept)", value: 5, zeta: 1 }, { parameter: "(Intercept)", value: 6, zeta: NaN },
  ], { levels: [0.95] }) as Any;
  assert.equal(s.data.values.length, 3);
  assert.deepEqual(s.data.values.map((v: Any) => v.order), [0, 0, 1]);
  const rules = s.spec.layer.find((l: Any) => l.mark.type === "rule").data.values.map((v: Any) => v.z);
  assert.equal(rules.length, 2);
  close(rules[0], 1.959963984540054, 1e-12);
  close(rules[1], -1.959963984540054, 1e-12);
  const abs = profileSpec([{ parameter: "p", value: 1, zeta: -2 }], { absolute: true, levels: [0.5, 0.9] }) as Any;
  assert.equal(abs.data.values[0].zeta, 2);
  assert.equal(abs.spec.layer.find((l: Any) => l.mark.type === "rule").data.values.length, 2);
});

test("specs are plain JSON (no functions, no typed arrays)", () => {
  const s = caterpillarSpec(rows);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
});
