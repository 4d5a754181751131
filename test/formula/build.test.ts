// buildModel on small hand-made frames: missing values, reference levels, non-finite values,
// the three kinds of response, within()/between(), random-effect terms, groupingFactor().
import { test } from "node:test";
import assert from "node:assert/strict";
import { Frame } from "../../src/data/frame.js";
import { formatRNumber, factorFromText, interactionFactor } from "../../src/data/factor.js";
import { UserError } from "../../src/errors.js";
import { buildModel, groupingFactor } from "../../src/formula/index.js";
import { dataFrame } from "./fixtures.js";

const userError = (re: RegExp) => (e: unknown) => e instanceof UserError && re.test(e.message);

// 8 rows; x missing in row 3, f missing in row 6, w (unused) missing in row 1
const frame = Frame.fromRecords([
  { y: 1.0, x: 0.5, z: 2, f: "b", g: "g1", s: 3, n: 5, w: null, r: "no" },
  { y: 2.0, x: 1.5, z: 1, f: "a", g: "g1", s: 0, n: 4, w: 1, r: "yes" },
  { y: 3.0, x: null, z: 4, f: "c", g: "g2", s: 2, n: 2, w: 1, r: "no" },
  { y: 4.5, x: 2.0, z: 3, f: "B", g: "g2", s: 0, n: 0, w: 1, r: "yes" },
  { y: 5.0, x: 3.0, z: 5, f: "a", g: "g3", s: 1, n: 3, w: 1, r: "yes" },
  { y: 6.0, x: 2.5, z: 7, f: null, g: "g3", s: 4, n: 9, w: 1, r: "no" },
  { y: 7.5, x: 4.0, z: 6, f: "b", g: "g1", s: 2, n: 2, w: 1, r: "no" },
  { y: 8.0, x: 1.0, z: 8, f: "c", g: "g2", s: 1, n: 6, w: 1, r: "yes" },
], "test.csv");

test("rows with a missing value in a used column are dropped, with a warning naming the columns", () => {
  const m = buildModel(frame, "y ~ x + f + (1 | g)");
  assert.equal(m.nobsTotal, 8);
  assert.equal(m.n, 6);
  assert.equal(m.dropped, 2);
  assert.deepEqual(Array.from(m.rows), [0, 1, 3, 4, 6, 7]);
  assert.deepEqual(m.warnings, ["2 rows removed for missing values in: x, f"]);
  assert.deepEqual(Array.from(m.response!.y), [1, 2, 4.5, 5, 7.5, 8]);
  // an unused column with missing values does not drop rows
  assert.equal(buildModel(frame, "y ~ z").n, 8);
  // missing values in random-effect variables and in extraVariables count
  assert.equal(buildModel(frame, "y ~ z + (x | g)").n, 7);
  assert.equal(buildModel(frame, "y ~ z", { extraVariables: ["w"] }).n, 7);
  assert.deepEqual(buildModel(frame, "y ~ z", { extraVariables: ["w"] }).warnings, ["1 row removed for missing values in: w"]);
  const none = Frame.fromRecords([{ y: 1, x: null }, { y: null, x: 2 }]);
  assert.throws(() => buildModel(none, "y ~ x"), userError(/no rows left: every row of data has a missing value in y, x/));
});

test("text factors: levels in code-point order, treatment contrasts, --ref", () => {
  const m = buildModel(frame, "y ~ f", {});
  // levels among the rows used: B < a < b < c
  assert.deepEqual(m.xnames, ["(Intercept)", "fa", "fb", "fc"]);
  const r = buildModel(frame, "y ~ f", { refLevels: { f: "b" } });
  assert.deepEqual(r.xnames, ["(Intercept)", "fB", "fa", "fc"]);
  // the reference level's rows are all-zero, others are indicators
  const n = r.n;
  const rowsB = Array.from(r.rows).map((row, i) => ({ row, i })).filter(({ row }) => frame.column("f").values[row] === "b");
  for (const { i } of rowsB) for (let j = 1; j < 4; j++) assert.equal(r.X[j * n + i], 0);
  assert.throws(() => buildModel(frame, "y ~ f", { refLevels: { f: "zz" } }), userError(/level 'zz' not found in column 'f' \(levels: B, a, b, c\)/));
  assert.throws(() => buildModel(frame, "y ~ f", { refLevels: { nope: "a" } }), userError(/column 'nope' not found in test.csv \(columns: y, x, z, f/));
  // factor() of a numeric column: numeric order, R's labels, --ref by label
  const s = buildModel(frame, "y ~ factor(s)", { refLevels: { s: "2" } });
  assert.deepEqual(s.xnames, ["(Intercept)", "factor(s)0", "factor(s)1", "factor(s)3", "factor(s)4"]);
  assert.throws(() => buildModel(frame, "y ~ factor(s)", { refLevels: { s: "7" } }), userError(/levels: 0, 1, 2, 3, 4/));
});

test("numbers are labelled as R prints them", () => {
  const cases: [number, string][] = [
    [1, "1"], [2.5, "2.5"], [-2.5, "-2.5"], [10, "10"], [1e5, "1e+05"], [123456, "123456"], [1e4, "10000"],
    [0.1, "0.1"], [1 / 3, "0.333333333333333"], [1e-4, "1e-04"], [0.001, "0.001"], [1e15, "1e+15"],
    [1234567, "1234567"], [0.1 + 0.2, "0.3"], [1e-300, "1e-300"], [123456.7, "123456.7"], [0, "0"],
  ];
  for (const [x, s] of cases) assert.equal(formatRNumber(x), s, String(x));
});

test("factor helpers: code-point sort and interaction order", () => {
  const f = factorFromText(["b", "a", "B", "a", "é"], null);
  assert.deepEqual(f.levels, ["B", "a", "b", "é"]);
  assert.deepEqual(Array.from(f.codes), [2, 1, 0, 1, 3]);
  const g = factorFromText(["x", "y", "x", "y", "x"], null);
  const i = interactionFactor([f, g]);
  assert.deepEqual(i.levels, ["B:x", "a:y", "b:x", "é:x"]);
  assert.deepEqual(Array.from(i.codes), [2, 1, 0, 1, 3]);
});

test("non-finite values in a used variable are user errors naming the data row", () => {
  const f = Frame.fromRecords([{ y: 1, x: 2, v: 1 }, { y: 2, x: 0, v: Infinity }, { y: 3, x: -1, v: 2 }], "d.csv");
  assert.throws(() => buildModel(f, "y ~ log(x)"), userError(/^log\(x\) is not finite \(-Inf\) at data row 2 of d\.csv \(column x = 0\)$/));
  assert.throws(() => buildModel(f, "y ~ sqrt(x - 0.5)"), userError(/^sqrt\(x - 0\.5\) is not finite \(NaN\) at data row 2/));
  assert.throws(() => buildModel(f, "y ~ v"), userError(/^column 'v' has a non-finite value \(Inf\) at data row 2 of d\.csv$/));
  assert.throws(() => buildModel(f, "log(x) ~ 1"), userError(/log\(x\) is not finite/));
  assert.throws(() => buildModel(f, "y ~ x + offset(log(x))"), userError(/log\(x\) is not finite/));
  assert.throws(() => buildModel(f, "y ~ scale(y - y)"), userError(/cannot be scaled/));
  // a non-finite value in a dropped row is not an error
  const g = Frame.fromRecords([{ y: 1, x: 2 }, { y: null, x: 0 }, { y: 3, x: 4 }]);
  assert.deepEqual(buildModel(g, "y ~ log(x)").n, 2);
});

test("responses: numeric, two-level text, cbind; one-sided formulas have none", () => {
  const m = buildModel(frame, "r ~ z");
  assert.equal(m.response!.kind, "binary-text");
  assert.deepEqual(m.response!.levels, ["no", "yes"]);
  assert.deepEqual(Array.from(m.response!.y), [0, 1, 0, 1, 1, 0, 0, 1]);
  assert.equal(m.response!.trials, null);
  const r = buildModel(frame, "r ~ z", { refLevels: { r: "yes" } });
  assert.deepEqual(r.response!.levels, ["yes", "no"]);
  assert.deepEqual(Array.from(r.response!.y), [1, 0, 1, 0, 0, 1, 1, 0]);
  assert.throws(() => buildModel(frame, "f ~ z"), userError(/response 'f' is text with 4 levels \(B, a, b, c\)/));
  const c = buildModel(frame, "cbind(s, n - s) ~ z");
  assert.equal(c.response!.kind, "cbind");
  assert.equal(c.response!.name, "cbind(s, n - s)");
  assert.deepEqual(Array.from(c.response!.trials!), [5, 4, 2, 0, 3, 9, 2, 6]);
  assert.deepEqual(Array.from(c.response!.y), [3 / 5, 0, 1, 0, 1 / 3, 4 / 9, 1, 1 / 6]);
  assert.throws(() => buildModel(frame, "cbind(s, n - 2 * s) ~ z"), userError(/negative count \(-1\) at data row 1/));
  const one = buildModel(frame, "~ z + (1 | g)");
  assert.equal(one.response, null);
  assert.equal(one.n, 8);
  const num = buildModel(frame, "log(z) ~ 1");
  assert.equal(num.response!.kind, "numeric");
  assert.ok(Math.abs(num.response!.y[0] - Math.log(2)) < 1e-15);
});

test("within() and between() use group means over the rows used", () => {
  // x missing in row 3 (g2): g2's mean is over rows 4 and 8 only
  const m = buildModel(frame, "y ~ within(x, g) + between(x, g)");
  assert.deepEqual(m.xnames, ["(Intercept)", "within(x, g)", "between(x, g)"]);
  const n = m.n;
  const means: Record<string, number> = { g1: (0.5 + 1.5 + 4) / 3, g2: (2 + 1) / 2, g3: (3 + 2.5) / 2 };
  Array.from(m.rows).forEach((row, i) => {
    const g = frame.column("g").values[row] as string;
    const x = (frame.column("x").values as Float64Array)[row];
    assert.ok(Math.abs(m.X[2 * n + i] - means[g]) < 1e-14);
    assert.ok(Math.abs(m.X[n + i] - (x - means[g])) < 1e-14);
  });
  // with f in the model, row 6 (g3, x = 2.5) is dropped too and g3's mean is 3
  const d = buildModel(frame, "y ~ between(x, g) + f");
  const i5 = Array.from(d.rows).indexOf(4);
  assert.equal(d.X[d.n + i5], 3);
});

test("offsets add up; scale() uses all non-missing values of its argument", () => {
  const m = buildModel(frame, "y ~ z + offset(log(n + 1)) + offset(z)");
  assert.deepEqual(m.xnames, ["(Intercept)", "z"]);
  const z = frame.column("z").values as Float64Array, nn = frame.column("n").values as Float64Array;
  for (let i = 0; i < 8; i++) assert.ok(Math.abs(m.offset![i] - (Math.log(nn[i] + 1) + z[i])) < 1e-14);
  assert.equal(buildModel(frame, "y ~ z").offset, null);
  // x has 7 non-missing values; f drops row 6 too, but scale(x) is standardised over all 7
  const s = buildModel(frame, "y ~ scale(x) + f");
  const xs = [0.5, 1.5, 2.0, 3.0, 2.5, 4.0, 1.0];
  const mean = xs.reduce((a, b) => a + b) / 7;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / 6);
  Array.from(s.rows).forEach((row, i) => {
    const x = (frame.column("x").values as Float64Array)[row];
    assert.ok(Math.abs(s.X[s.n + i] - (x - mean) / sd) < 1e-14);
  });
});

test("random-effect terms: ||, nesting, numeric and interaction groups, factor left sides", () => {
  const m = buildModel(frame, "y ~ z + (z || g) + (1 | g:f) + (1 | s)");
  assert.deepEqual(m.reTerms.map((t) => [t.group, t.cnames]), [["g", ["(Intercept)"]], ["g", ["z"]], ["g:f", ["(Intercept)"]], ["s", ["(Intercept)"]]]);
  assert.deepEqual(m.reTerms[2].levels, ["g1:a", "g1:b", "g2:B", "g2:c", "g3:a"]);
  // s = 4 only occurs in row 6, dropped for its missing f
  assert.deepEqual(m.reTerms[3].levels, ["0", "1", "2", "3"]);
  const g = m.reTerms[1];
  assert.deepEqual(Array.from(g.refs), [0, 0, 1, 1, 2, 0, 1]);
  assert.deepEqual(Array.from(g.z), [2, 1, 4, 3, 5, 6, 8]);
  // || on a factor splits per term, as lme4's expandDoubleVerts: one block of indicators
  const f = buildModel(frame, "y ~ 1 + (f || g)");
  assert.deepEqual(f.reTerms.map((t) => t.cnames), [["(Intercept)"], ["fB", "fa", "fb", "fc"]]);
  const z2 = f.reTerms[1];
  const q = 4;
  Array.from(f.rows).forEach((row, i) => {
    const lev = frame.column("f").values[row];
    for (let j = 0; j < q; j++) assert.equal(z2.z[i * q + j], ["B", "a", "b", "c"][j] === lev ? 1 : 0);
  });
  const nest = buildModel(frame, "y ~ 1 + (1 | g/f/r)");
  assert.deepEqual(nest.reTerms.map((t) => t.group), ["r:f:g", "f:g", "g"]);
  // levels with no rows after dropping are gone
  const only = Frame.fromRecords([{ y: 1, g: "a" }, { y: null, g: "b" }, { y: 2, g: "c" }]);
  assert.deepEqual(buildModel(only, "y ~ (1 | g)").reTerms[0].levels, ["a", "c"]);
});

test("groupingFactor: a column or a combination, on chosen rows", () => {
  const g = groupingFactor(frame, "g");
  assert.equal(g.name, "g");
  assert.deepEqual(g.levels, ["g1", "g2", "g3"]);
  assert.deepEqual(Array.from(g.refs), [0, 0, 1, 1, 2, 2, 0, 1]);
  const ab = groupingFactor(frame, "g:r", Int32Array.from([0, 1, 2, 3]));
  assert.equal(ab.name, "g:r");
  assert.deepEqual(ab.levels, ["g1:no", "g1:yes", "g2:no", "g2:yes"]);
  assert.deepEqual(Array.from(ab.refs), [0, 1, 2, 3]);
  assert.throws(() => groupingFactor(frame, "f"), userError(/grouping column 'f' is missing at data row 6/));
  assert.throws(() => groupingFactor(frame, "nope"), userError(/column 'nope' not found/));
  assert.throws(() => groupingFactor(frame, "log(g)"), userError(/a grouping factor must be a column or a:b/));
  const resp = groupingFactor(dataFrame("respiratory.csv"), "center:id");
  assert.equal(resp.levels.length, 111);
});

test("a factor with one level cannot take contrasts", () => {
  const f = Frame.fromRecords([{ y: 1, a: "u" }, { y: 2, a: "u" }]);
  assert.throws(() => buildModel(f, "y ~ a"), userError(/factor 'a' has only one level \(u\)/));
  assert.deepEqual(buildModel(f, "y ~ 0 + a").xnames, ["au"]);
});
