// Root cause: shard tables did not say what they were, so de-merge joined whatever it was given
// (missing, duplicated or truncated shards, shards of other runs, p-values of 7.5) and recomputed
// the FDR on the subset. Now each shard's first line carries i/N, its gene range, its row count and
// a digest of the inputs and options, and de-merge refuses any set that is not one complete run.
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseDeCsv } from "../../src/singlecell/results.js";
import { assertRefused, glmm, scratch, snapshot } from "./helpers.js";

const dir = scratch("merge");
assert.equal(glmm(dir, "simulate-sc", "--out", "sc", "--genes", "40", "--cells", "150", "--patients", "6", "--quiet").status, 0);
const de = (out: string, ...extra: string[]) => {
  const r = glmm(dir, "de", "--counts", "sc", "--cells", "sc/cells.csv", "--formula", "~ disease + (1 | patient)", "--threads", "1", "--quiet", "--genes-min-cells", "3", "--out", out, ...extra);
  assert.equal(r.status, 0, r.stderr);
};
for (let i = 1; i <= 4; i++) de(`s${i}.csv`, "--shard", `${i}/4`);
de("all.csv");
de("other2.csv", "--shard", "2/4", "--genes-min-cells", "20"); // different options
de("half1.csv", "--shard", "1/2");
const text = (f: string) => readFileSync(join(dir, f), "utf8");

test("a complete set merges in any order and equals the single run", () => {
  const r = glmm(dir, "de-merge", "s3.csv", "s1.csv", "s4.csv", "s2.csv", "--out", "merged.csv", "--quiet");
  assert.equal(r.status, 0, r.stderr);
  const merged = parseDeCsv(text("merged.csv"), "merged"), single = parseDeCsv(text("all.csv"), "all");
  assert.equal(merged.length, single.length);
  merged.forEach((m, k) => { assert.equal(m.gene, single[k].gene); assert.equal(m.padj, single[k].padj); });
  assert.match(text("s2.csv"), /^# glmm de shard 2\/4; genes 11-20 of 40; rows \d+; inputs [0-9a-f]{16}\n/);
});

const edit = (from: string, to: string, f: (s: string) => string) => writeFileSync(join(dir, to), f(text(from)));
edit("s3.csv", "s3-cut.csv", (s) => s.slice(0, s.length - 25));
edit("s3.csv", "s3-rowcut.csv", (s) => s.slice(0, s.lastIndexOf("\n", s.length - 2) + 1));
edit("s3.csv", "s3-p75.csv", (s) => { const l = s.split("\n"); const f = l[3].split(","); f[5] = "7.5"; l[3] = f.join(","); return l.join("\n"); });
edit("s3.csv", "s3-dup.csv", (s) => { const l = s.split("\n"); l.splice(3, 1, l[3], l[3]); l[0] = l[0].replace(/rows (\d+)/, (_m, n) => `rows ${Number(n) + 1}`); return l.join("\n"); });
edit("s3.csv", "s3-noline.csv", (s) => s.slice(s.indexOf("\n") + 1));
edit("s3.csv", "s3-range.csv", (s) => s.replace("genes 21-30", "genes 21-31"));
edit("s3.csv", "s3-nogene.csv", (s) => {
  const l = s.split("\n"); const g = l[2].split(",")[0];
  const kept = l.filter((x, k) => k < 2 || !x.startsWith(g + ","));
  kept[0] = kept[0].replace(/rows (\d+)/, `rows ${kept.length - 3}`);
  return kept.join("\n");
});

const cases: [string, string[], RegExp][] = [
  ["a missing shard", ["s1.csv", "s2.csv", "s4.csv"], /incomplete set of shards: 3\/4 is missing \(given: 1, 2, 4\)/],
  ["two missing shards", ["s4.csv", "s1.csv"], /2\/4, 3\/4 are missing/],
  ["a shard given twice", ["s1.csv", "s2.csv", "s3.csv", "s3.csv", "s4.csv"], /shard 3\/4 is given twice: s3\.csv and s3\.csv/],
  ["a shard cut mid-line", ["s1.csv", "s2.csv", "s3-cut.csv", "s4.csv"], /s3-cut\.csv does not end with a line break: it is truncated/],
  ["a shard cut at a line end", ["s1.csv", "s2.csv", "s3-rowcut.csv", "s4.csv"], /s3-rowcut\.csv has \d+ rows but its shard line says \d+: it is truncated/],
  ["a gene removed with its row count fixed", ["s1.csv", "s2.csv", "s3-nogene.csv", "s4.csv"], /s3-nogene\.csv has 9 genes but shard 3\/4 holds 10/],
  ["a p-value of 7.5", ["s1.csv", "s2.csv", "s3-p75.csv", "s4.csv"], /s3-p75\.csv line 4: p is 7\.5, outside \[0, 1\]/],
  ["a duplicated row", ["s1.csv", "s2.csv", "s3-dup.csv", "s4.csv"], /s3-dup\.csv line 5: gene '\w+', term '[^']+' appears twice/],
  ["a table without its shard line", ["s1.csv", "s2.csv", "s3-noline.csv", "s4.csv"], /s3-noline\.csv has no shard line/],
  ["an unsharded table", ["all.csv"], /all\.csv has no shard line/],
  ["a wrong gene range", ["s1.csv", "s2.csv", "s3-range.csv", "s4.csv"], /should hold genes 21-30, its shard line says 21-31/],
  ["shards of a run with other options", ["s1.csv", "other2.csv", "s3.csv", "s4.csv"], /the shards come from different inputs or options: s1\.csv .* and other2\.csv/],
  ["shards of different N", ["half1.csv", "s3.csv", "s4.csv"], /different sets: half1\.csv is 1\/2, s3\.csv is 3\/4/],
];
for (const [what, files, message] of cases) {
  test(`de-merge refuses ${what}`, () => {
    const before = snapshot(dir);
    assertRefused(glmm(dir, "de-merge", ...files, "--out", "bad.csv"), message, dir, before);
  });
}
