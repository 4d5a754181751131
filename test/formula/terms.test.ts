// Term expansion with R's terms.formula() semantics (labels and order checked against what R
// prints for attr(terms(f), "term.labels") and attr(, "intercept")).
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseFormula } from "../../src/formula/parse.js";
import { expandTerms, groupSpecs, splitBars, termLabel } from "../../src/formula/terms.js";

function labels(f: string): { labels: string[]; intercept: boolean; offsets: number } {
  const ast = parseFormula(f);
  const { fixed } = splitBars(ast.rhs, f);
  const ts = expandTerms(fixed, f);
  return { labels: ts.terms.map((t) => termLabel(ts, t)), intercept: ts.intercept, offsets: ts.offsets.length };
}

test("crossing, nesting, powers and interactions expand as in R", () => {
  assert.deepEqual(labels("y ~ a*b").labels, ["a", "b", "a:b"]);
  assert.deepEqual(labels("y ~ a*b*c").labels, ["a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"]);
  assert.deepEqual(labels("y ~ a/b").labels, ["a", "a:b"]);
  assert.deepEqual(labels("y ~ (a + b)/c").labels, ["a", "b", "a:b:c"]);
  assert.deepEqual(labels("y ~ a/(b + c)").labels, ["a", "a:b", "a:c"]);
  assert.deepEqual(labels("y ~ (a + b + c)^2").labels, ["a", "b", "c", "a:b", "a:c", "b:c"]);
  assert.deepEqual(labels("y ~ (a + b + c)^3").labels, ["a", "b", "c", "a:b", "a:c", "b:c", "a:b:c"]);
  assert.deepEqual(labels("y ~ (a + b)^5").labels, ["a", "b", "a:b"]);
  assert.deepEqual(labels("y ~ a^2").labels, ["a"]);
  assert.deepEqual(labels("y ~ a:b:a").labels, ["a:b"]);
  assert.deepEqual(labels("y ~ (a + b):(c + d)").labels, ["a:c", "a:d", "b:c", "b:d"]);
});

test("terms are ordered by interaction order, deduplicated, labelled in variable order", () => {
  assert.deepEqual(labels("y ~ a:b + c").labels, ["c", "a:b"]);
  assert.deepEqual(labels("y ~ a + a + b:a + a:b").labels, ["a", "a:b"]);
  assert.deepEqual(labels("y ~ b:a + a").labels, ["a", "b:a"]);
  assert.deepEqual(labels("y ~ a:b:c + d:e + f").labels, ["f", "d:e", "a:b:c"]);
  assert.deepEqual(labels("y ~ log(x) + I(x^2) + factor(g)").labels, ["log(x)", "I(x^2)", "factor(g)"]);
});

test("removal and the intercept", () => {
  assert.deepEqual(labels("y ~ a*b - a"), { labels: ["b", "a:b"], intercept: true, offsets: 0 });
  assert.deepEqual(labels("y ~ a*b - a:b").labels, ["a", "b"]);
  assert.deepEqual(labels("y ~ (a + b + c)^2 - a:b").labels, ["a", "b", "c", "a:c", "b:c"]);
  assert.equal(labels("y ~ x").intercept, true);
  assert.equal(labels("y ~ 0 + x").intercept, false);
  assert.equal(labels("y ~ x + 0").intercept, false);
  assert.equal(labels("y ~ x - 1").intercept, false);
  assert.equal(labels("y ~ -1 + x").intercept, false);
  assert.equal(labels("y ~ 0 + x + 1").intercept, true);
  assert.equal(labels("y ~ x - 1 + 1").intercept, true);
  assert.equal(labels("y ~ x - 0").intercept, true);
  assert.deepEqual(labels("y ~ 1"), { labels: [], intercept: true, offsets: 0 });
  assert.deepEqual(labels("y ~ 0"), { labels: [], intercept: false, offsets: 0 });
  assert.deepEqual(labels("y ~ -x + x").labels, ["x"]);
});

test("offsets and random-effect terms leave the fixed terms", () => {
  assert.deepEqual(labels("y ~ x + offset(log(n)) + (1 | g)"), { labels: ["x"], intercept: true, offsets: 1 });
  assert.deepEqual(labels("y ~ (1 | g)"), { labels: [], intercept: true, offsets: 0 });
  assert.deepEqual(labels("y ~ 0 + (1 | g)"), { labels: [], intercept: false, offsets: 0 });
  assert.deepEqual(labels("y ~ (1 | g) - 1"), { labels: [], intercept: false, offsets: 0 });
  assert.deepEqual(labels("y ~ (x + (1 | g))").labels, ["x"]);
  const ast = parseFormula("y ~ x + (1 | g) + (x || h) + (1 | a/b)");
  const { bars } = splitBars(ast.rhs, ast.text);
  assert.deepEqual(bars.map((b) => b.double), [false, true, false]);
});

test("grouping factors: a, a:b, a/b and a/b/c as lme4 expands them", () => {
  const specs = (g: string) => groupSpecs(parseFormula(`~ ${g}`).rhs, g).map((s) => s.name);
  assert.deepEqual(specs("g"), ["g"]);
  assert.deepEqual(specs("a:b"), ["a:b"]);
  assert.deepEqual(specs("batch/cask"), ["cask:batch", "batch"]);
  assert.deepEqual(specs("a/b/c"), ["c:b:a", "b:a", "a"]);
  assert.deepEqual(specs("a/b:c"), ["b:c:a", "a"]);
  assert.deepEqual(specs("factor(g)"), ["factor(g)"]);
});
