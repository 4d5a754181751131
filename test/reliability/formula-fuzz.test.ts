// Property-based fuzzing of the formula layer (fast-check, fixed seed and run counts, so it is
// repeatable and takes a few seconds): random token soups and random valid formulas go through the
// parser, the model builder and (for a few) the fit. Each step either succeeds or throws a
// UserError: never a TypeError, a RangeError, a stack overflow or a hang. Hostile names are inert.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { UserError } from "../../src/errors.js";
import { buildModel, deparse, FUNCTIONS, formatFormula, parseFormula } from "../../src/formula/index.js";
import type { ModelStructure } from "../../src/formula/index.js";
import { fit } from "../../src/fit.js";
import { parseDelimited } from "../../src/data/csv.js";
import { frameOf, returnsOrUserError, rng } from "./helpers.js";

const SEED = 110011;

// a small frame with every kind of column a formula can use
const N = 24;
const r = rng(5);
const frame = frameOf({
  y: Array.from({ length: N }, () => 1 + r.u() * 3),
  k: Array.from({ length: N }, (_, i) => i % 5),
  n: Array.from({ length: N }, () => 6),
  x: Array.from({ length: N }, () => r.normal()),
  z: Array.from({ length: N }, (_, i) => (i % 7) - 3),
  t: Array.from({ length: N }, (_, i) => 1 + (i % 3)),
  a: Array.from({ length: N }, (_, i) => ["lo", "mid", "hi"][i % 3]),
  b: Array.from({ length: N }, (_, i) => ["u", "v"][(i >> 1) % 2]),
  g: Array.from({ length: N }, (_, i) => `g${i % 6}`),
  h: Array.from({ length: N }, (_, i) => `h${i % 4}`),
}, "fuzz.csv");

/** the message a UserError from the formula layer must have: one line, or a formula echo and caret */
function assertWellFormedError(e: UserError, text: string): void {
  const lines = e.message.split("\n");
  if (lines[0].startsWith("formula: ")) {
    assert.equal(lines.length, 3, `formula error with echo and caret: ${e.message}`);
    assert.match(lines[0], /at position \d+/);
    assert.match(lines[2], /^ *\^$/);
  } else {
    assert.equal(lines.length, 1, `one-line message for '${text}': ${e.message}`);
  }
  assert.ok(lines[0].length > 0 && lines[0].length < 2000, "a message that names the problem, not a dump");
}

function checkModel(ms: ModelStructure): void {
  assert.equal(ms.X.length, ms.n * ms.p);
  assert.ok(ms.X.every(Number.isFinite), "X is finite");
  for (const t of ms.reTerms) {
    assert.equal(t.refs.length, ms.n);
    assert.ok(t.levels.length >= 2);
    assert.ok(t.refs.every((c) => c >= 0 && c < t.levels.length), "level codes in range");
    assert.equal(t.z.length, ms.n * t.cnames.length);
  }
}

// ---- token soups: anything the tokenizer could meet, including code-like text
const names = ["y", "x", "z", "a", "b", "g", "h", "t", "k", "n", "w", "foo", "require", "constructor", "prototype", "__proto__",
  "toString", "valueOf", "process", "exit", "eval", "Function", "globalThis", "this", "x.y", ".", "...", ...Object.keys(FUNCTIONS)];
const ops = ["~", "~", "+", "-", "*", "/", ":", "^", "|", "||", "(", "(", ")", ")", ",", "%in%", "0", "1", "2", "-1", "1e308", ".5", "1e-320", "NaN", "Inf",
  "`", "``", "`a b`", "`y`", "!", "$", "@", "[", "]", "{", "}", "'", '"', ";", "=", "<-", "\\", "&", "?", "#", "\u0000", "é", "\u2028", "\n", "\t"];
const token = fc.oneof(fc.constantFrom(...names), fc.constantFrom(...ops), fc.string({ maxLength: 3 }));
const randomSoup = fc.tuple(fc.array(token, { maxLength: 24 }), fc.constantFrom("", " ")).map(([ts, sep]) => ts.join(sep));

test("code-like formulas are rejected before anything is evaluated", () => {
  // traps: if the formula layer ever called these, the flags would flip
  const g = globalThis as Record<string, unknown>;
  let called = false;
  const saved = { require: g.require, exit: process.exit };
  g.require = () => { called = true; };
  process.exit = (() => { called = true; }) as typeof process.exit;
  try {
    const hostile = fc.tuple(
      fc.constantFrom("require", "process.exit", "constructor.constructor", "eval", "Function", "globalThis.process.exit", "this.constructor"),
      fc.constantFrom("()", "(1)", "('fs')", "(x)(y)", '("return process")()', "(`x`)"),
      fc.constantFrom("y ~ ", "y ~ x + ", "~ ", "y ~ (1 | ", "y ~ I(", "y ~ log("),
      fc.constantFrom("", ")", " + (1 | g)", "))"),
    ).map(([f, args, pre, post]) => pre + f + args + post);
    fc.assert(
      fc.property(hostile, (text) => {
        const e = returnsOrUserError(() => buildModel(frame, text), text);
        assert.ok(e instanceof UserError, `'${text}' must be rejected`);
        assert.match(e.message, /unknown function|unexpected character|not found|is not a factor|expected|unterminated/);
      }),
      { seed: SEED, numRuns: 300 },
    );
  } finally {
    g.require = saved.require;
    process.exit = saved.exit;
  }
  assert.equal(called, false, "nothing was called");
});

// ---- random valid formulas from the grammar (lme4 syntax over the frame's columns)
const num = fc.constantFrom("x", "z", "log(y)", "I(x^2)", "scale(x)", "sqrt(y)", "exp(z/10)", "log1p(k)", "abs(x)", "I(x * z)", "t");
const fac = fc.constantFrom("a", "b", "factor(t)", "as.factor(k)", "factor(a)");
const variable = fc.oneof(num, fac);
const fixedTerm = fc.oneof(
  { weight: 4, arbitrary: variable },
  { weight: 2, arbitrary: fc.tuple(variable, variable).map(([u, v]) => `${u}:${v}`) },
  { weight: 2, arbitrary: fc.tuple(variable, variable).map(([u, v]) => `${u} * ${v}`) },
  { weight: 1, arbitrary: fc.tuple(variable, variable).map(([u, v]) => `(${u} + ${v})^2`) },
  { weight: 1, arbitrary: fc.tuple(fac, num).map(([u, v]) => `${u}/${v}`) },
  { weight: 1, arbitrary: fc.constantFrom("offset(log(n))", "-1", "0", "1", "within(x, g)", "between(x, g)", "-x") },
);
const group = fc.constantFrom("g", "h", "g:h", "g/h", "a", "factor(t)");
const reLhs = fc.constantFrom("1", "x", "1 + x", "0 + x", "z", "a", "0 + b", "1 + scale(x)");
const bar = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(reLhs, group).map(([l, g]) => `(${l} | ${g})`) },
  { weight: 2, arbitrary: fc.tuple(reLhs, group).map(([l, g]) => `(${l} || ${g})`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom("diag", "cs", "us", "homcs"), reLhs, group).map(([k, l, g]) => `${k}(${l} | ${g})`) },
  { weight: 1, arbitrary: group.map((g) => `ar1(factor(t) + 0 | ${g})`) },
);
const response = fc.constantFrom("y", "log(y)", "k", "cbind(k, n - k)", "I(k/n)", "");
const validFormula = fc
  .tuple(response, fc.array(fixedTerm, { minLength: 0, maxLength: 4 }), fc.array(bar, { minLength: 0, maxLength: 2 }), fc.boolean())
  .map(([lhs, fixed, bars, spaces]) => {
    const rhs = [...fixed, ...bars];
    const text = `${lhs} ~ ${rhs.length ? rhs.join(" + ") : "1"}`;
    return spaces ? text : text.replace(/ /g, "");
  });

// half the soups are valid formulas with a few tokens replaced, deleted, inserted or swapped, so
// they get past the tokenizer and reach the parser's and the builder's later checks
const mutation = fc.tuple(fc.constantFrom("replace", "delete", "insert", "swap"), fc.nat(), token);
const mutatedFormula = fc.tuple(validFormula, fc.array(mutation, { maxLength: 3 })).map(([text, muts]) => {
  const ts = text.split(/(?=[~+*:^|(),/ -])|(?<=[~+*:^|(),/ -])/).filter((x) => x !== "");
  for (const [kind, at, t] of muts) {
    const i = ts.length ? at % ts.length : 0;
    if (kind === "replace") ts[i] = t;
    else if (kind === "delete") ts.splice(i, 1);
    else if (kind === "insert") ts.splice(i, 0, t);
    else if (ts.length > 1) { const j = (i + 1) % ts.length; [ts[i], ts[j]] = [ts[j], ts[i]]; }
  }
  return ts.join("");
});
const soup = fc.oneof(randomSoup, mutatedFormula);

test("token soups: parseFormula and buildModel return or throw a well-formed UserError", () => {
  let parsedN = 0, builtN = 0;
  fc.assert(
    fc.property(soup, (text) => {
      const parsed = returnsOrUserError(() => parseFormula(text), `parseFormula(${JSON.stringify(text)})`);
      if (!(parsed instanceof UserError)) parsedN++;
      if (parsed instanceof UserError) {
        assertWellFormedError(parsed, text);
        assert.match(parsed.message, /^formula: /);
        return;
      }
      // what parses deparses to text that parses to the same thing
      const again = formatFormula(parseFormula(formatFormula(parsed)));
      assert.equal(again, formatFormula(parsed));
      const ms = returnsOrUserError(() => buildModel(frame, text), `buildModel(${JSON.stringify(text)})`);
      if (ms instanceof UserError) assertWellFormedError(ms, text);
      else { checkModel(ms); builtN++; }
    }),
    { seed: SEED, numRuns: 4000 },
  );
  if (process.env.FUZZ_STATS) console.log({ parsedN, builtN });
  // the soups must reach past the tokenizer often enough to test the later stages
  assert.ok(parsedN > 600 && builtN > 400, `parsed ${parsedN}, built ${builtN} of 4000`);
});

test("random valid formulas: they parse, round-trip through deparse, and buildModel returns or throws a UserError", () => {
  let built = 0;
  fc.assert(
    fc.property(validFormula, (text) => {
      const ast = parseFormula(text); // valid by construction: must not throw
      assert.equal(formatFormula(parseFormula(formatFormula(ast))), formatFormula(ast));
      assert.equal(deparse(parseFormula(deparse(ast.rhs).length ? `~ ${deparse(ast.rhs)}` : "~1").rhs), deparse(ast.rhs));
      const ms = returnsOrUserError(() => buildModel(frame, text), `buildModel(${text})`);
      if (ms instanceof UserError) assertWellFormedError(ms, text);
      else { checkModel(ms); built++; }
    }),
    { seed: SEED, numRuns: 1500 },
  );
  if (process.env.FUZZ_STATS) console.log({ built });
  assert.ok(built > 500, `most generated formulas build a model (${built} of 1500)`);
});

test("random valid mixed models: fit returns (with finite or null estimates) or throws a UserError", () => {
  const families = fc.constantFrom("gaussian", "poisson", "binomial");
  const model = fc.tuple(fc.array(fixedTerm, { maxLength: 2 }), bar, families).map(([fixed, b, family]) => {
    const lhs = family === "binomial" ? "cbind(k, n - k)" : family === "poisson" ? "k" : "y";
    return { text: `${lhs} ~ ${[...fixed, b].join(" + ")}`, family };
  });
  let fitted = 0;
  const t0 = Date.now();
  fc.assert(
    fc.property(model, ({ text, family }) => {
      const res = returnsOrUserError(() => fit(frame, text, { family }), `fit(${text}, ${family})`);
      if (res instanceof UserError) { assertWellFormedError(res, text); return; }
      fitted++;
      const j = res.json;
      assert.equal(typeof j.converged, "boolean");
      for (const f of j.fixef) assert.ok(f.estimate === null || Number.isFinite(f.estimate), `${text}: estimate of ${f.term}`);
      assert.ok(j.logLik === null || Number.isFinite(j.logLik), `${text}: logLik`);
      if (!j.converged) assert.ok(j.warnings.length > 0, `${text}: not converged, and a warning says so`);
      JSON.stringify(j); // serializable
    }),
    { seed: SEED, numRuns: 150 },
  );
  if (process.env.FUZZ_STATS) console.log({ fitted, ms: Date.now() - t0 });
  assert.ok(fitted > 100, `most models fit (${fitted} of 150)`);
  assert.ok(Date.now() - t0 < 30_000, "within the time budget");
});

// ---- from CSV text to a fit: random small data sets with missing, non-finite, huge and textual
// cells, read by the CSV reader and fitted; every failure is a UserError
test("random CSV data through the reader and the fit: a fit or a UserError", () => {
  const cell = fc.oneof(
    { weight: 16, arbitrary: fc.integer({ min: 0, max: 6 }).map(String) },
    { weight: 4, arbitrary: fc.double({ min: -5, max: 5, noNaN: true }).map((v) => String(v)) },
    { weight: 1, arbitrary: fc.constantFrom("NA", "", "Inf", "-Inf", "NaN", "1e300", "-1e300", "1e-300", "-0", "0.5", "abc", "\"1,5\"", "TRUE") },
  );
  const groupCell = fc.oneof({ weight: 8, arbitrary: fc.constantFrom("g1", "g2", "g3", "g4") }, { weight: 1, arbitrary: fc.constantFrom("NA", "", "1", "g 1") });
  const csv = fc.array(fc.tuple(cell, cell, groupCell), { minLength: 0, maxLength: 24 })
    .map((rows) => ["y,x,g", ...rows.map((r) => r.join(","))].join("\n") + "\n");
  const family = fc.constantFrom("gaussian", "poisson", "binomial", "negative_binomial", "Gamma");
  let fitted = 0;
  fc.assert(
    fc.property(csv, family, (text, fam) => {
      const res = returnsOrUserError(() => fit(parseDelimited(text, { source: "fuzz.csv" }), "y ~ x + (1 | g)", { family: fam }), `${fam}:\n${text}`);
      if (res instanceof UserError) { assertWellFormedError(res, text); return; }
      fitted++;
      const j = res.json;
      for (const f of j.fixef) assert.ok(f.estimate === null || Number.isFinite(f.estimate));
      if (!j.converged) assert.ok(j.warnings.length > 0, "non-convergence comes with a warning");
    }),
    { seed: SEED, numRuns: 400 },
  );
  if (process.env.FUZZ_STATS) console.log({ csvFitted: fitted });
  assert.ok(fitted > 60, `some data sets fit (${fitted} of 400)`);
});
