// Root cause: column typing was all-or-nothing and silent — one odd token made a numeric column a
// factor (a "successful" fit with a dummy per number). Now a mostly-numeric column is refused by
// name (column, token, row), the usual missing spellings are read as missing and said, infinities
// are recognised by name, and --na / --sep / --decimal choose.
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertRefused, glmm, scratch, setup, smallData } from "./helpers.js";

const dir = scratch("csv");
const lmm = ["--formula", "y ~ x + (1 | g)", "--format", "json"];

for (const [token, row] of [["oops", 17], ["1.2.3", 5], ["#N/A", 1], ["-", 48]] as const) {
  test(`a numeric column with the stray token '${token}' is refused, naming the column, token and row`, () => {
    const before = setup(dir, { "odd.csv": smallData(48, { row, column: "x", token }) });
    const r = glmm(dir, "fit", "--data", "odd.csv", ...lmm);
    const esc = token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    assertRefused(r, new RegExp(`odd\\.csv: column 'x' holds numbers except '${esc}' at data row ${row}.*--na`), dir, before);
  });
}

test("a stray token in the response is refused the same way", () => {
  const before = setup(dir, { "resp.csv": smallData(48, { row: 9, column: "y", token: "error" }) });
  assertRefused(glmm(dir, "fit", "--data", "resp.csv", ...lmm), /column 'y' holds numbers except 'error' at data row 9/, dir, before);
});

test("factor(x) says the column is meant as a factor: no refusal", () => {
  setup(dir, { "fac.csv": smallData(48, { row: 3, column: "x", token: "none" }) });
  const r = glmm(dir, "fit", "--data", "fac.csv", "--formula", "y ~ factor(x) + (1 | g)", "--format", "json");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).fixef.length, 13); // intercept + 12 more levels ('none' among them)
});

for (const token of ["NULL", "n/a", "N/A", ".", ""]) {
  test(`'${token}' in a numeric column is read as missing (and said when it is not NA or empty)`, () => {
    setup(dir, { "na.csv": smallData(48, { row: 11, column: "x", token }) });
    const r = glmm(dir, "fit", "--data", "na.csv", ...lmm);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).nobs, 47);
    if (token !== "NA" && token !== "") assert.match(r.stderr, new RegExp(`note: na\\.csv: column 'x': '${token.replace(".", "\\.")}' read as missing \\(1 field, first at data row 11\\)`));
    else assert.equal(r.stderr, "glmm: warning: 1 row removed for missing values in: x\n");
  });
}

for (const token of ["-Inf", "inf", "Infinity", "-INFINITY"]) {
  test(`the infinity '${token}' is recognised as a number and refused as a predictor value by name`, () => {
    const before = setup(dir, { "inf.csv": smallData(48, { row: 20, column: "x", token }) });
    assertRefused(glmm(dir, "fit", "--data", "inf.csv", ...lmm), /'x'.*(infinite|Inf)|(infinite|Inf).*'x'/i, dir, before);
  });
}

test("NaN is not a missing value: refused by row", () => {
  const before = setup(dir, { "nan.csv": smallData(48, { row: 6, column: "x", token: "NaN" }) });
  assertRefused(glmm(dir, "fit", "--data", "nan.csv", ...lmm), /column 'x' has NaN at data row 6/, dir, before);
});

test("--na adds spellings: -99 read as missing", () => {
  setup(dir, { "m99.csv": smallData(48, { row: 2, column: "x", token: "-99" }) });
  const plain = glmm(dir, "fit", "--data", "m99.csv", ...lmm);
  assert.equal(JSON.parse(plain.stdout).nobs, 48); // a number like any other without --na
  const r = glmm(dir, "fit", "--data", "m99.csv", "--na", "-99", ...lmm);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).nobs, 47);
  const custom = glmm(dir, "fit", "--data", "odd.csv", "--na", "oops,-", ...lmm);
  assert.equal(custom.status, 0, custom.stderr);
});

test("decimal commas are recognised as such; --sep ';' --decimal ',' reads them", () => {
  const dot = smallData(48);
  const comma = dot.split("\n").map((l) => (l ? l.split(",").map((f) => (/^\d+\.\d+$/.test(f) ? `"${f.replace(".", ",")}"` : f)).join(",") : l)).join("\n");
  const semi = dot.replace(/,/g, ";").replace(/(\d)\.(\d)/g, "$1,$2");
  const before = setup(dir, { "comma.csv": comma, "semi.csv": semi, "dot.csv": dot });
  assertRefused(glmm(dir, "fit", "--data", "comma.csv", ...lmm), /column 'y' holds numbers except '\d+,\d+' at data row 1.*--decimal ','/, dir, before);
  const a = glmm(dir, "fit", "--data", "dot.csv", ...lmm), b = glmm(dir, "fit", "--data", "semi.csv", "--sep", ";", "--decimal", ",", ...lmm);
  assert.equal(b.status, 0, b.stderr);
  assert.equal(JSON.parse(b.stdout).logLik, JSON.parse(a.stdout).logLik);
  assertRefused(glmm(dir, "fit", "--data", "dot.csv", "--decimal", ",", ...lmm), /--decimal ','.*--sep/, dir, before);
  assertRefused(glmm(dir, "fit", "--data", "dot.csv", "--decimal", "x", ...lmm), /--decimal must be '\.' or ','/, dir, before);
});

test("thousands separators ('1,234') are named, not turned into a factor", () => {
  const lines = ["y,x,g"];
  for (let i = 0; i < 40; i++) lines.push(`${i % 7},"${1 + (i % 3)},${String(100 + i).padStart(3, "0")}",g${i % 5}`);
  const before = setup(dir, { "thousands.csv": lines.join("\n") + "\n" });
  assertRefused(glmm(dir, "fit", "--data", "thousands.csv", ...lmm), /column 'x' holds numbers except '1,100' at data row 1 \(and 39 more fields\).*thousands/, dir, before);
});

test("gee reads its table the same way (and takes --na)", () => {
  const before = setup(dir, { "gee.csv": smallData(48, { row: 4, column: "x", token: "n.a." }) });
  assertRefused(glmm(dir, "gee", "--data", "gee.csv", "--formula", "y ~ x", "--id", "g"), /column 'x' holds numbers except 'n\.a\.' at data row 4/, dir, before);
  const r = glmm(dir, "gee", "--data", "gee.csv", "--formula", "y ~ x", "--id", "g", "--na", "n.a.", "--format", "json");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).nobs, 47);
});
