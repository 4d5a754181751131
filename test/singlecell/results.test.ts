// The result table: Benjamini–Hochberg per term, CSV round trip, shard ranges and merging.
import assert from "node:assert/strict";
import { test } from "node:test";
import { UserError } from "../../src/errors.js";
import { adjustByTerm, bhAdjust, type DeRow, failedRow, formatDeCsv, geneRows, mergeDeTables, parseDeCsv, parseShard, shardRange } from "../../src/singlecell/results.js";

test("BH matches R's p.adjust(method = 'BH') (NA excluded from the count)", () => {
  // R: p.adjust(c(0.01, 0.04, 0.03, 0.005, NA, 0.5), "BH") → 0.025 0.05 0.05 0.025 NA 0.5
  const got = bhAdjust([0.01, 0.04, 0.03, 0.005, NaN, 0.5]);
  const want = [0.025, 0.05, 0.05, 0.025, NaN, 0.5];
  for (let i = 0; i < want.length; i++) Number.isNaN(want[i]) ? assert.ok(Number.isNaN(got[i])) : assert.ok(Math.abs(got[i] - want[i]) < 1e-15, `${i}`);
  // R: p.adjust(c(0.9, 0.02, 0.02, 1e-10), "BH") → 0.9 0.02666667 0.02666667 4e-10
  const g2 = bhAdjust([0.9, 0.02, 0.02, 1e-10]);
  [0.9, 0.08 / 3, 0.08 / 3, 4e-10].forEach((w, i) => assert.ok(Math.abs(g2[i] - w) < 1e-15 * Math.max(1, w / 1e-10), `${i}: ${g2[i]}`));
});

function row(gene: string, term: string, p: number, message = ""): DeRow {
  return { gene, term, estimate: p * 2 - 0.1, se: 0.3, statistic: 1.5, p, padj: NaN, sdPatient: 0.2, nbSize: 1e8, converged: true, message };
}

test("padj per term; CSV round trip keeps every value and quotes messages with commas and quotes", () => {
  const rows = [row("G1", "(Intercept)", 1e-300), row("G1", "disease", 0.01, 'odd, "quoted" note'), failedRow("G2", "failed: x", false), failedRow("G3", "skipped: nonzero in 3 cells", true), row("G4", "(Intercept)", 0.5), row("G4", "disease", 0.04)];
  adjustByTerm(rows);
  assert.equal(rows[1].padj, 0.02);
  assert.equal(rows[5].padj, 0.04);
  assert.ok(Number.isNaN(rows[2].padj));
  const text = formatDeCsv(rows);
  assert.equal(text.split("\n")[0], "gene,term,estimate,se,statistic,p,padj,sd_patient,nb_size,converged,message");
  assert.match(text, /G3,,NA,NA,NA,NA,NA,NA,NA,NA,skipped: nonzero in 3 cells/);
  assert.match(text, /G2,,NA,NA,NA,NA,NA,NA,NA,FALSE,failed: x/);
  const back = parseDeCsv(text, "r.csv");
  assert.deepEqual(back, rows);
  assert.throws(() => parseDeCsv("a,b\n1,2\n", "x.csv"), (e: unknown) => e instanceof UserError && /x.csv is not a 'glmm de' result/.test(e.message));
});

test("shards: contiguous ranges that partition the genes; merge recomputes FDR over all and rejects overlaps", () => {
  for (const [G, N] of [[500, 4], [7, 3], [3, 5], [1, 1]]) {
    let next = 0;
    for (let i = 1; i <= N; i++) {
      const [a, b] = shardRange(G, parseShard(`${i}/${N}`));
      assert.equal(a, next);
      next = b;
    }
    assert.equal(next, G);
  }
  assert.throws(() => parseShard("0/4"), /between 1 and N/);
  assert.throws(() => parseShard("5/4"), /between 1 and N/);
  assert.throws(() => parseShard("1-4"), /i\/N/);
  const whole = [row("A", "d", 0.01), row("B", "d", 0.02), row("C", "d", 0.03), row("D", "d", 0.5)];
  adjustByTerm(whole);
  const s1 = [row("A", "d", 0.01), row("B", "d", 0.02)], s2 = [row("C", "d", 0.03), row("D", "d", 0.5)];
  adjustByTerm(s1);
  adjustByTerm(s2);
  const merged = mergeDeTables([{ source: "1.csv", rows: s1 }, { source: "2.csv", rows: s2 }]);
  assert.deepEqual(merged, whole);
  assert.throws(() => mergeDeTables([{ source: "1.csv", rows: s1 }, { source: "2.csv", rows: [...s2, row("A", "d", 0.2)] }]),
    /1 gene is in more than one \(first: 'A' in 1.csv and 2.csv\)/);
});

test("Inf and -Inf survive the CSV round trip (an NB size at the Poisson limit, a diverging estimate)", () => {
  const r = { ...row("G9", "disease", 0.2), estimate: -Infinity, statistic: Infinity, nbSize: Infinity };
  const text = formatDeCsv([r]);
  assert.equal(text.split("\n")[1], "G9,disease,-Inf,0.3,Inf,0.2,NA,0.2,Inf,TRUE,");
  const [back] = parseDeCsv(text, "r.csv");
  assert.equal(back.estimate, -Infinity);
  assert.equal(back.statistic, Infinity);
  assert.equal(back.nbSize, Infinity);
  assert.throws(() => parseDeCsv(text.replace(",Inf,", ",inf,"), "r.csv"), (e: unknown) => e instanceof UserError && /r\.csv line 2: column 'statistic' has 'inf', not a number/.test(e.message));
});

test("geneRows: Wald z without df, the small-sample t on each term's df with it, one row for a failed gene", () => {
  const base = { ok: true, beta: Float64Array.from([1, -0.5]), se: Float64Array.from([0.5, 1]), sdPatient: 0.3, nbSize: 4, logLik: -10, converged: true, message: "", iterations: 3, evaluations: 9 };
  // R: 2*pnorm(-2), 2*pnorm(-0.5)
  const z = geneRows("G", ["(Intercept)", "disease"], base);
  assert.deepEqual(z.map((r) => [r.term, r.estimate, r.se, r.statistic]), [["(Intercept)", 1, 0.5, 2], ["disease", -0.5, 1, -0.5]]);
  assert.ok(Math.abs(z[0].p - 0.045500263896358424) < 1e-15 && Math.abs(z[1].p - 0.61707507745197387) < 1e-14);
  assert.deepEqual([z[0].sdPatient, z[0].nbSize, z[0].converged, z[0].message], [0.3, 4, true, ""]);
  // R: 2*pt(-2.5, 5), 2*pt(-1.5, 12): the test's own estimate/se, estimate and se columns stay the ML fit's
  const test = { estimate: Float64Array.from([1.25, -0.75]), se: Float64Array.from([0.5, 0.5]), sdPatient: 0.4 };
  const t = geneRows("G", ["(Intercept)", "disease"], { ...base, test } as any, Float64Array.from([5, 12]));
  assert.deepEqual(t.map((r) => [r.estimate, r.se, r.statistic]), [[1, 0.5, 2.5], [-0.5, 1, -1.5]]);
  assert.ok(Math.abs(t[0].p - 0.054490099342376204) < 1e-13 && Math.abs(t[1].p - 0.15945750351320701) < 1e-13, `${t[0].p} ${t[1].p}`);
  // no test (it could not be made): the ML z on the t distribution
  const ml = geneRows("G", ["(Intercept)"], { ...base, beta: Float64Array.from([1.25]), se: Float64Array.from([0.5]) }, Float64Array.from([5]));
  assert.ok(Math.abs(ml[0].p - 0.054490099342376204) < 1e-13);
  // an infinite SE gives no p-value
  assert.ok(Number.isNaN(geneRows("G", ["x"], { ...base, beta: Float64Array.from([1]), se: Float64Array.from([NaN]) })[0].p));
  const failed = geneRows("G", ["(Intercept)", "disease"], { ...base, ok: false, message: "failed: no counts" });
  assert.deepEqual(failed, [failedRow("G", "failed: no counts", false)]);
});

test("the DE table reader: every row adjusted, empty and header-only files, broken quotes and converged values named", () => {
  const rows = [row("G1", "(Intercept)", 1e-300), row("G2", "(Intercept)", 0.5)];
  adjustByTerm(rows);
  assert.deepEqual(rows.map((r) => r.padj), [2e-300, 0.5]); // R: p.adjust(c(1e-300, 0.5), "BH")
  const header = "gene,term,estimate,se,statistic,p,padj,sd_patient,nb_size,converged,message";
  assert.throws(() => parseDeCsv("", "e.csv"), (e: unknown) => e instanceof UserError && e.message === "e.csv is empty");
  assert.deepEqual(parseDeCsv(header + "\n", "h.csv"), []);
  // a header alone without its line break is still a (gene-less) table; two lines without one are cut
  assert.deepEqual(parseDeCsv(header, "h1.csv"), []);
  assert.throws(() => parseDeCsv(`${header}\nG1,x`, "t.csv"), (e: unknown) => e instanceof UserError && /t\.csv does not end with a line break/.test(e.message));
  const good = "G1,x,1,0.5,2,0.05,0.1,0.2,3,TRUE,";
  assert.equal(parseDeCsv(`${header}\n${good}\n`, "g.csv")[0].converged, true);
  assert.throws(() => parseDeCsv(`${header}\n${good.replace("TRUE", "yes")}\n`, "c.csv"), (e: unknown) => e instanceof UserError && e.message === "c.csv line 2: converged must be TRUE, FALSE or NA, not 'yes'");
  assert.throws(() => parseDeCsv(`${header}\n${good}"open\n`, "q.csv"), (e: unknown) => e instanceof UserError && e.message === "q.csv line 2: unterminated quote");
  // p and padj are probabilities: just above 1 is refused, exactly 1 kept
  assert.throws(() => parseDeCsv(`${header}\n${good.replace(",0.05,", ",1.5,")}\n`, "p.csv"), (e: unknown) => e instanceof UserError && /p\.csv line 2: p is 1\.5, outside \[0, 1\]/.test(e.message));
  assert.equal(parseDeCsv(`${header}\n${good.replace(",0.05,0.1,", ",1,1,")}\n`, "one.csv")[0].p, 1);
  assert.equal(parseDeCsv(`${header}\n${good.replace(",0.05,0.1,", ",0,0,")}\n`, "zero.csv")[0].p, 0); // an underflowed p
  // an empty first field is a field
  assert.throws(() => parseDeCsv(`${header}\n,${good}\n`, "f.csv"), (e: unknown) => e instanceof UserError && /f\.csv line 2 has 12 fields, expected 11/.test(e.message));
});

test("a quoted field before others (a gene name with a comma) survives the round trip", () => {
  const rows = [row('G,1 "x"', "(Intercept)", 0.01)];
  const back = parseDeCsv(formatDeCsv(rows), "r.csv");
  assert.equal(back[0].gene, 'G,1 "x"');
  assert.equal(back[0].term, "(Intercept)");
  assert.equal(back[0].p, 0.01);
});
