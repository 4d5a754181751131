// The formula parser: precedence, round trips of every syntax feature, every syntax-error path
// (a UserError naming the problem and the 1-based position, with a caret under it), hostile input.
import { test } from "node:test";
import assert from "node:assert/strict";
import { UserError } from "../../src/errors.js";
import { Frame } from "../../src/data/frame.js";
import { buildModel, deparse, formatFormula, parseFormula } from "../../src/formula/index.js";
import type { Expr } from "../../src/formula/index.js";

/** Assert a formula error at 1-based `pos` whose first line matches `re`, with the caret under it. */
function assertFormulaError(fn: () => unknown, re: RegExp, pos: number): void {
  let err: unknown;
  try { fn(); } catch (e) { err = e; }
  assert.ok(err instanceof UserError, `expected a UserError, got ${err}`);
  const [first, shown, caret] = err.message.split("\n");
  assert.match(first, re);
  assert.match(first, new RegExp(`^formula: .* at position ${pos}\\b`), first);
  assert.equal(shown.slice(0, 2), "  ");
  assert.equal(caret, " ".repeat(pos + 1) + "^", `caret line for position ${pos}: '${caret}'`);
}

/** A compact tree notation: (op left right), f(args), -x. */
function tree(e: Expr): string {
  switch (e.type) {
    case "number": return String(e.value);
    case "name": return e.name;
    case "paren": return `[${tree(e.expr)}]`;
    case "unary": return `(${e.op}${tree(e.arg)})`;
    case "call": return `${e.fn}(${e.args.map(tree).join(",")})`;
    case "binary": return `(${e.op} ${tree(e.left)} ${tree(e.right)})`;
  }
}

test("precedence follows R: | loosest, then + -, * /, :, unary minus, ^", () => {
  const rhs = (s: string) => tree(parseFormula(`y ~ ${s}`).rhs);
  assert.equal(rhs("a + b:c * d"), "(+ a (* (: b c) d))");
  assert.equal(rhs("a - b - c"), "(- (- a b) c)");
  assert.equal(rhs("a / b / c"), "(/ (/ a b) c)");
  assert.equal(rhs("1 + x | g"), "(| (+ 1 x) g)");
  assert.equal(rhs("x || g"), "(|| x g)");
  assert.equal(rhs("(1 | a/b)"), "[(| 1 (/ a b))]");
  assert.equal(rhs("I(-x^2)"), "I((-(^ x 2)))");
  assert.equal(rhs("I(x^-1)"), "I((^ x (-1)))");
  assert.equal(rhs("I(2^3^2)"), "I((^ 2 (^ 3 2)))");
  assert.equal(rhs("-a:b"), "(: (-a) b)");
  assert.equal(rhs("(a + b)^2"), "(^ [(+ a b)] 2)");
  assert.equal(rhs("cbind(s, n - s)"), "cbind(s,(- n s))");
  const f = parseFormula("~ disease + (1 | patient)");
  assert.equal(f.lhs, null);
  assert.equal(tree(f.rhs), "(+ disease [(| 1 patient)])");
});

test("round trips: each syntax feature deparses as R does and re-parses to the same text", () => {
  const cases: [string, string][] = [
    ["y~x", "y ~ x"],
    ["y ~ a*b", "y ~ a * b"],
    ["y ~ a : b", "y ~ a:b"],
    ["y ~ a / b", "y ~ a/b"],
    ["y ~ (a + b + c) ^ 2", "y ~ (a + b + c)^2"],
    ["y ~ 0 + x", "y ~ 0 + x"],
    ["y ~ x - 1", "y ~ x - 1"],
    ["y ~ x + 1", "y ~ x + 1"],
    ["y ~ -1 + x", "y ~ -1 + x"],
    ["y ~ x + (1|g)", "y ~ x + (1 | g)"],
    ["y ~ x + (x||g)", "y ~ x + (x || g)"],
    ["y ~ (1 | a/b)", "y ~ (1 | a/b)"],
    ["y ~ (1 | a:b)", "y ~ (1 | a:b)"],
    ["y ~ (0 + x | g)", "y ~ (0 + x | g)"],
    ["y ~ x + offset( log(n) )", "y ~ x + offset(log(n))"],
    ["cbind(s, n-s) ~ x", "cbind(s, n - s) ~ x"],
    ["y ~ factor(period)", "y ~ factor(period)"],
    ["y ~ log(x) + exp(x) + sqrt(x) + scale(x)", "y ~ log(x) + exp(x) + sqrt(x) + scale(x)"],
    ["y ~ I(x^2 - 3*x/2) + I(-x)", "y ~ I(x^2 - 3 * x/2) + I(-x)"],
    ["y ~ I(1.50 * x) + I(x/1e5) + I(x * 0.0001)", "y ~ I(1.5 * x) + I(x/1e+05) + I(x * 1e-04)"],
    ["y ~ within(x, g) + between(x,g)", "y ~ within(x, g) + between(x, g)"],
    ["y ~ `my var` + `a-b`", "y ~ `my var` + `a-b`"],
    ["y ~ `x`", "y ~ x"],
    ["~ disease + (1 | patient)", "~disease + (1 | patient)"],
    ["y ~ x.y + .z + a_b1", "y ~ x.y + .z + a_b1"],
    ["  y\t~\nx  ", "y ~ x"],
  ];
  for (const [input, want] of cases) {
    const got = formatFormula(parseFormula(input));
    assert.equal(got, want, input);
    assert.equal(formatFormula(parseFormula(got)), want, `re-parse of ${want}`);
  }
  assert.equal(deparse(parseFormula("y ~ log(x)").lhs!), "y");
});

test("syntax errors name the problem and the position", () => {
  assertFormulaError(() => parseFormula("y ~ (1 | g"), /expected '\)' but found end of formula/, 11);
  assertFormulaError(() => parseFormula("y + x"), /missing '~'/, 6);
  assertFormulaError(() => parseFormula("y x"), /expected '~' but found name 'x'/, 3);
  assertFormulaError(() => parseFormula("y ~ x ~ z"), /only one '~'/, 7);
  assertFormulaError(() => parseFormula("y ~ x )"), /unexpected '\)'/, 7);
  assertFormulaError(() => parseFormula("y ~"), /expected a term but the formula ends/, 4);
  assertFormulaError(() => parseFormula("y ~ x +"), /expected a term but the formula ends/, 8);
  assertFormulaError(() => parseFormula("y ~ * x"), /expected a term but found '\*'/, 5);
  assertFormulaError(() => parseFormula("y ~ ()"), /empty parentheses/, 6);
  assertFormulaError(() => parseFormula("y ~ log(x y)"), /expected ',' or '\)' in log\(\) but found name 'y'/, 11);
  assertFormulaError(() => parseFormula("y ~ log(x, 2)"), /log\(\) takes 1 argument, got 2/, 5);
  assertFormulaError(() => parseFormula("cbind(a) ~ x"), /cbind\(\) takes 2 arguments, got 1/, 1);
  assertFormulaError(() => parseFormula("y ~ log()"), /log\(\) takes 1 argument, got 0/, 5);
  assertFormulaError(() => parseFormula("y ~ x $ z"), /unexpected character '\$'/, 7);
  assertFormulaError(() => parseFormula("y ~ 1e"), /unexpected character 'e' after number/, 6);
  assertFormulaError(() => parseFormula("y ~ 2x"), /unexpected character 'x' after number/, 6);
  assertFormulaError(() => parseFormula("y ~ `my var"), /unterminated backquoted name/, 5);
  assertFormulaError(() => parseFormula("y ~ ``"), /empty backquoted name/, 5);
  assertFormulaError(() => parseFormula("y ~ ."), /'\.' \(all other columns\) is not supported/, 5);
  assertFormulaError(() => parseFormula("y ~ (a, b)"), /expected '\)' but found ','/, 7);
  assertFormulaError(() => parseFormula("(y ~ x)"), /expected '\)' but found '~'/, 4);
  assertFormulaError(() => parseFormula("y ~ x %in% g"), /unexpected character '%'/, 7);
  assertFormulaError(() => parseFormula(""), /expected a term but the formula ends/, 1);
});

test("term-level errors carry positions too", () => {
  const f = Frame.fromRecords([{ y: 1, x: 2, a: "u", b: "v", g: "g1" }, { y: 2, x: 3, a: "v", b: "u", g: "g2" }]);
  assertFormulaError(() => buildModel(f, "y ~ x + 2"), /invalid model term '2'/, 9);
  assertFormulaError(() => buildModel(f, "y ~ (a + b)^x"), /power of a term must be a positive whole number/, 13);
  assertFormulaError(() => buildModel(f, "y ~ (a + b)^0.5"), /power of a term/, 13);
  assertFormulaError(() => buildModel(f, "y ~ x * (1 | g)"), /must be added to the formula with '\+'/, 9);
  assertFormulaError(() => buildModel(f, "y ~ x - (1 | g)"), /cannot be subtracted/, 9);
  assertFormulaError(() => buildModel(f, "y ~ cbind(x, y)"), /cbind\(\) belongs on the left/, 5);
  assertFormulaError(() => buildModel(f, "y ~ (1 | log(x))"), /a grouping factor must be a column/, 10);
  assertFormulaError(() => buildModel(f, "y ~ (0 | g)"), /has no columns/, 5);
  assertFormulaError(() => buildModel(f, "y ~ I(a:b)"), /':' cannot be used in arithmetic/, 8);
  assertFormulaError(() => buildModel(f, "y ~ log(a)"), /column 'a' is text/, 9);
  assertFormulaError(() => buildModel(f, "y ~ I(factor(x))"), /factor\(\) gives a factor/, 7);
  assertFormulaError(() => buildModel(f, "y ~ log(offset(x))"), /offset\(\) may only be added/, 9);
  assertFormulaError(() => buildModel(f, "(1 | g) ~ x"), /cannot be on the left/, 1);
  assertFormulaError(() => buildModel(f, "y ~ (offset(x) | g)"), /offset\(\) cannot be part of a random-effect term/, 6);
  const many = Array.from({ length: 14 }, (_, i) => `x${i}`);
  const wide = Frame.fromRecords([Object.fromEntries([["y", 1], ...many.map((m) => [m, 1])])]);
  assertFormulaError(() => buildModel(wide, `y ~ (${many.join(" + ")})^14`), /expands to more than 5000 terms/, 1);
});

test("hostile input is rejected as a UserError, never evaluated", () => {
  const f = Frame.fromRecords([{ y: 1, x: 2 }, { y: 2, x: 3 }]);
  assertFormulaError(() => parseFormula("y ~ require(x)"), /unknown function 'require'/, 5);
  assertFormulaError(() => parseFormula("y ~ process.exit()"), /unknown function 'process\.exit'/, 5);
  assertFormulaError(() => parseFormula("y ~ constructor.constructor(x)(y)"), /unknown function 'constructor\.constructor'/, 5);
  assertFormulaError(() => parseFormula("y ~ toString(x)"), /unknown function 'toString'/, 5);
  assertFormulaError(() => parseFormula("y ~ __proto__(x)"), /unexpected character '_'/, 5);
  assertFormulaError(() => parseFormula("y ~ `log`(x)"), /unknown function 'log'/, 5);
  assertFormulaError(() => parseFormula("y ~ eval(x)"), /unknown function 'eval'/, 5);
  assertFormulaError(() => parseFormula('y ~ require("fs")'), /unexpected character '"'/, 13);
  assertFormulaError(() => parseFormula("y ~ x[1]"), /unexpected character '\['/, 6);
  assertFormulaError(() => parseFormula("y ~ x; z"), /unexpected character ';'/, 6);
  assertFormulaError(() => parseFormula("y <- x"), /unexpected character '<'/, 3);
  assertFormulaError(() => parseFormula("y ~ x = 1"), /unexpected character '='/, 7);
  assertFormulaError(() => parseFormula("y ~ {x}"), /unexpected character '\{'/, 5);
  assertFormulaError(() => parseFormula("y ~ " + "(".repeat(5000) + "x" + ")".repeat(5000)), /nested too deeply/, 5 + 200);
  assertFormulaError(() => parseFormula("y ~ " + "-".repeat(5000) + "x"), /nested too deeply/, 5 + 200);
  assertFormulaError(() => parseFormula("y ~ I(" + "x^".repeat(5000) + "x)"), /nested too deeply/, 7 + 2 * 199 + 1);
  assertFormulaError(() => parseFormula("y ~ " + "log(".repeat(5000) + "x" + ")".repeat(5000)), /nested too deeply/, 5 + 4 * 200);
  assertFormulaError(() => parseFormula("y ~ " + Array(3000).fill("x").join(" + ")), /formula is too long/, 4 * 2001 + 3);
  // long but legal: 1500 repeats of one term collapse to it
  assert.deepEqual(buildModel(f, "y ~ " + Array(1500).fill("x").join(" + ")).xnames, ["(Intercept)", "x"]);
  // names that look like JavaScript internals are just (missing) columns
  for (const name of ["x.y", "constructor", "toString", "hasOwnProperty"]) {
    assert.throws(() => buildModel(f, `y ~ ${name}`), (e: unknown) => e instanceof UserError && e.message.includes(`column '${name}' not found`));
  }
  assert.throws(() => parseFormula(undefined as unknown as string), UserError);
});
