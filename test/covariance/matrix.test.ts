// Labelled covariance / relatedness matrices from CSV text, and the --covariance spec.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCovarianceMatrix } from "../../src/covariance/matrix.js";
import { knownCovarianceFromText, parseCovarianceSpec } from "../../src/covariance/spec.js";
import { throwsUser } from "./helpers.js";

test("R's write.csv layout: empty first header cell, quoted labels, rows in another order", () => {
  const text = '"","a","b","007"\n"b",0.5,2,0\n"a",1,0.5,0.25\n"007",0.25,0,3\n';
  const { labels, K } = parseCovarianceMatrix(text, { source: "K.csv" });
  assert.deepEqual(labels, ["a", "b", "007"]);
  assert.deepEqual(Array.from(K), [1, 0.5, 0.25, 0.5, 2, 0, 0.25, 0, 3]);
});

test("without row labels (header = labels, rows in header order); tab-separated; CRLF; blank lines", () => {
  const { labels, K } = parseCovarianceMatrix("x\ty\r\n\r\n1\t0.2\r\n0.2\t1\r\n\r\n");
  assert.deepEqual(labels, ["x", "y"]);
  assert.deepEqual(Array.from(K), [1, 0.2, 0.2, 1]);
});

test("asymmetry up to rounding is averaged away; real asymmetry is an error naming the pair", () => {
  const { K } = parseCovarianceMatrix(",a,b\na,1,0.3000000001\nb,0.3,1\n");
  assert.equal(K[1], K[2]);
  throwsUser(() => parseCovarianceMatrix(",a,b\na,1,0.4\nb,0.3,1\n", { source: "K.csv" }), /^K\.csv: not symmetric: \(b, a\) is 0\.3 but \(a, b\) is 0\.4$/);
});

test("shape, value and label errors", () => {
  throwsUser(() => parseCovarianceMatrix(",a,b\na,1,0\n", { source: "K.csv" }), /K\.csv: not a square matrix: the header has 3 fields but there are 1 rows/);
  throwsUser(() => parseCovarianceMatrix(",a,b\na,1,NA\nb,0,1\n"), /line 2, column 'b': 'NA' is not a number/);
  throwsUser(() => parseCovarianceMatrix(",a,b\na,1,0\nc,0,1\n"), /row label 'c' on line 3 is not a column label/);
  throwsUser(() => parseCovarianceMatrix(",a,b\na,1,0\na,0,1\n"), /row label 'a' appears twice \(lines 2 and 3\)/);
  throwsUser(() => parseCovarianceMatrix(",a,a\na,1,0\na,0,1\n"), /label 'a' appears twice in the header/);
  throwsUser(() => parseCovarianceMatrix(",a,b\na,1,0\nb,0,0\n"), /the variance of 'b' \(diagonal entry\) is 0; it must be positive/);
  throwsUser(() => parseCovarianceMatrix(",a,b\na,1,0\nb,0\n"), /line 3 has 2 fields, the header has 3/);
  throwsUser(() => parseCovarianceMatrix('a,b\n"1,0\n'), /a quote opened on line 2 is never closed/);
  throwsUser(() => parseCovarianceMatrix("", { source: "K.csv" }), /K\.csv is empty/);
});

test("--covariance specs: kinds, scaling, groups with ':' and paths with ':'", () => {
  assert.deepEqual(parseCovarianceSpec("strain=phylo:data/tree.nwk"), { group: "strain", source: "phylo", scale: "height", path: "data/tree.nwk" });
  assert.deepEqual(parseCovarianceSpec("strain=phylo-corr:t.nwk"), { group: "strain", source: "phylo", scale: "corr", path: "t.nwk" });
  assert.deepEqual(parseCovarianceSpec("strain=phylo-raw:t.nwk"), { group: "strain", source: "phylo", scale: "none", path: "t.nwk" });
  assert.deepEqual(parseCovarianceSpec("animal=matrix:C:/grm.csv"), { group: "animal", source: "matrix", scale: "none", path: "C:/grm.csv" });
  assert.deepEqual(parseCovarianceSpec("a:b=matrix-corr:K.csv"), { group: "a:b", source: "matrix", scale: "corr", path: "K.csv" });
  throwsUser(() => parseCovarianceSpec("strain"), /--covariance 'strain': expected GROUP=phylo:TREE\.nwk or GROUP=matrix:K\.csv/);
  throwsUser(() => parseCovarianceSpec("strain=tree.nwk"), /expected GROUP=phylo/);
  throwsUser(() => parseCovarianceSpec("strain=pedigree:p.csv"), /unknown kind 'pedigree'/);
  throwsUser(() => parseCovarianceSpec("strain=phylo:"), /no file after 'phylo:'/);
});

test("knownCovarianceFromText: phylo scales to height 1; matrix-corr gives correlations", () => {
  const p = knownCovarianceFromText(parseCovarianceSpec("g=phylo:t.nwk"), "((A:1,B:1):1,C:4);", "t.nwk");
  assert.deepEqual(p.labels, ["A", "B", "C"]);
  assert.deepEqual(Array.from(p.K), [0.5, 0.25, 0, 0.25, 0.5, 0, 0, 0, 1]);
  assert.equal(p.source, "t.nwk");
  const m = knownCovarianceFromText(parseCovarianceSpec("g=matrix-corr:K.csv"), ",a,b\na,4,1\nb,1,1\n", "K.csv");
  assert.deepEqual(Array.from(m.K), [1, 0.5, 0.5, 1]);
  assert.equal(m.group, "g");
});
