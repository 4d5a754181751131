// The dependency-free SVG plots: well-formed documents, escaped labels, one mark per row or edge,
// and the ratio axis.
import { test } from "node:test";
import assert from "node:assert/strict";
import { forestPlotSVG } from "../../src/report/svg/forest.js";
import { networkGraphSVG } from "../../src/report/svg/network.js";
import { ratioTicks, niceTicks, esc } from "../../src/report/svg/svg.js";
import { assertWellFormed } from "./helpers.js";

test("forest plot: one square per estimable row, a diamond and an interval, escaped labels", () => {
  const svg = forestPlotSVG(
    [
      { label: "Ferguson & Simes", estimate: -1.67, lower: -2.56, upper: -0.77, weight: 2 },
      { label: "<zero>", estimate: null, lower: null, upper: null, note: "not estimable" },
      { label: "C", estimate: 0.4, lower: -0.9, upper: 9, weight: 1 },
    ],
    [
      { label: "Pooled", estimate: -0.7, lower: -1.1, upper: -0.4, kind: "diamond" },
      { label: "PI", estimate: -0.7, lower: -1.9, upper: 0.4, kind: "interval" },
    ],
    { title: "T & t", ratio: true },
  );
  assertWellFormed(svg);
  assert.match(svg, /Ferguson &amp; Simes/);
  assert.match(svg, /&lt;zero&gt;/);
  assert.match(svg, /not estimable/);
  // background + 2 squares + the interval bar
  assert.equal((svg.match(/<rect /g) ?? []).length, 4);
  assert.equal((svg.match(/<polygon /g) ?? []).length, 1);
  // ratio labels: exp of the values, two decimals
  assert.match(svg, /0\.19 \[0\.08, 0\.46\]/);
});

test("network graph: one edge per pair, nodes on a circle, labels", () => {
  const svg = networkGraphSVG(
    [{ id: "a", size: 100 }, { id: "b & c", size: 50 }, { id: "d", size: 10 }],
    [{ from: "a", to: "b & c", weight: 3 }, { from: "a", to: "d", weight: 1 }],
    { title: "net" },
  );
  assertWellFormed(svg);
  assert.equal((svg.match(/<line /g) ?? []).length, 2);
  // 3 nodes + 2 edge-label discs
  assert.equal((svg.match(/<circle /g) ?? []).length, 5);
  assert.match(svg, />b &amp; c</);
});

test("axis ticks", () => {
  assert.deepEqual(ratioTicks(Math.log(0.05), Math.log(7)), [0.05, 0.1, 0.2, 0.5, 1, 2, 5]);
  assert.deepEqual(ratioTicks(Math.log(0.9), Math.log(4.3)), [1, 1.5, 2, 3, 4]);
  assert.deepEqual(niceTicks(-1.2, 0.4, 4), [-1, -0.5, 0]);
  assert.equal(esc(`a<b & "c">`), "a&lt;b &amp; &quot;c&quot;&gt;");
});
