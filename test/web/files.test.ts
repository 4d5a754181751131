// The playground's download files (web/files.ts): CSV quoting and the per-observation table.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { readFrameFile } from "../../src/cli/io.js";
import { fit } from "../../src/fit.js";
import { fixefCsv, observationsCsv, ranefCsv, toCsv, varcorrCsv } from "../../web/files.js";
import { ranefRows } from "../../src/report/plots/fitdata.js";
import { root } from "../plots/data.js";

test("toCsv quotes fields with commas, quotes and newlines; non-finite numbers are NA", () => {
  assert.equal(toCsv(["a", "b"], [["x,y", 'say "hi"'], ["line\nbreak", NaN], [null, 1.5]]), 'a,b\n"x,y","say ""hi"""\n"line\nbreak",NA\nNA,1.5\n');
});

test("download files of a sleepstudy fit", () => {
  const res = fit(readFrameFile(join(root, "test/fixtures/data/sleepstudy.csv")), "Reaction ~ Days + (Days | Subject)");
  const fx = fixefCsv(res.json).trim().split("\n");
  assert.equal(fx[0], "term,estimate,se,statistic,df,p");
  assert.match(fx[1], /^\(Intercept\),251\.40\d+,6\.82\d+,/);
  const vc = varcorrCsv(res.json).trim().split("\n");
  assert.equal(vc.length, 1 + 3 + 1, "two variances, one correlation, the residual");
  assert.match(vc[4], /^Residual,NA,NA,654\.9\d*,25\.59\d*,NA$/);
  assert.equal(ranefCsv(ranefRows(res.json.ranef)).trim().split("\n").length, 1 + 36);
  const obs = observationsCsv(res).trim().split("\n");
  assert.equal(obs.length, 181);
  assert.equal(obs[0], "row,response,fitted,residual");
  const [row, y, fitted, resid] = obs[1].split(",").map(Number);
  assert.equal(row, 1);
  assert.equal(y, 249.56);
  assert.ok(Math.abs(y - fitted - resid) < 1e-9);
});
