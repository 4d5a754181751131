// Root cause: new data were coded by building the formula on fitted + new rows together, so a
// new level of a fixed-effect factor that sorts first silently became the reference level, and
// with the reference present the error blamed another row and column. Now new data are checked
// against the fitted levels first: an unseen level of a fixed factor is refused by column, level
// and row of the new data; unseen grouping levels still get the population-level prediction.
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertRefused, glmm, scratch, setup } from "./helpers.js";

const dir = scratch("predict");
const lines = ["y,x,trt,dose,g"];
for (let i = 0; i < 60; i++) {
  const trt = ["b", "c", "d"][i % 3], dose = [10, 20][i % 2];
  lines.push(`${(1 + 0.3 * (i % 7) + (trt === "c" ? 1 : 0) + Math.cos(i)).toFixed(3)},${i % 7},${trt},${dose},g${i % 6}`);
}
setup(dir, { "fit.csv": lines.join("\n") + "\n" });
const model = ["--data", "fit.csv", "--formula", "y ~ x + trt + factor(dose) + (1 | g)"];

const cases: [string, string, RegExp][] = [
  ["a level sorting before the fitted ones (would have become the reference)", "x,trt,dose,g\n1,a,10,g1\n", /column 'trt' has the level 'a' at data row 1, which the model was not fitted with \(fitted levels: b, c, d\)/],
  ["an unseen level after rows with the reference level", "x,trt,dose,g\n1,b,10,g1\n2,c,20,g2\n3,zz,10,g3\n", /column 'trt' has the level 'zz' at data row 3/],
  ["an unseen level of factor(numeric)", "x,trt,dose,g\n1,b,10,g1\n2,c,30,g2\n", /column 'dose' has the level '30' at data row 2/],
  ["a level differing only in case", "x,trt,dose,g\n1,B,10,g1\n", /column 'trt' has the level 'B' at data row 1/],
  ["a level with trailing blanks inside quotes", "x,trt,dose,g\n1,\"b \",10,g1\n", /column 'trt' has the level 'b ' at data row 1/],
  ["a missing column", "x,dose,g\n1,10,g1\n", /lack column 'trt'/],
  ["a text value in a numeric predictor", "x,trt,dose,g\n1,b,10,g1\nseven,b,10,g1\n", /column 'x' is numeric in the fitted data but has 'seven' at data row 2/],
];
for (const [what, newdata, message] of cases) {
  test(`predict --newdata refuses ${what}`, () => {
    const before = setup(dir, { "new.csv": newdata });
    assertRefused(glmm(dir, "predict", ...model, "--newdata", "new.csv"), message, dir, before);
  });
}

test("predict --newdata with fitted levels only works, and an unseen group gets the population prediction (said)", () => {
  setup(dir, { "ok.csv": "x,trt,dose,g\n1,b,10,g1\n2,d,20,newgroup\n" });
  const r = glmm(dir, "predict", ...model, "--newdata", "ok.csv", "--level", "population");
  assert.equal(r.status, 0, r.stderr);
  const cond = glmm(dir, "predict", ...model, "--newdata", "ok.csv");
  assert.equal(cond.status, 0, cond.stderr);
  assert.match(cond.stderr, /levels of 'g' not in the fitted data get the population-level prediction: newgroup/);
  // row 2 (new group): conditional = population
  const last = (s: string) => Number(s.trim().split("\n")[2].split(",").pop());
  assert.equal(last(cond.stdout), last(r.stdout));
});
