// Newick reader: labels, lengths, comments, polytomies, deep trees, and syntax errors with positions.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseNewick, tipLabels } from "../../src/covariance/newick.js";
import { treeVcv } from "../../src/covariance/vcv.js";
import { throwsUser } from "./helpers.js";

test("quoted labels, comments, internal labels, polytomy, whitespace and newlines", () => {
  const t = parseNewick("(('Homo sapiens':0.3[a comment],B_b:0.5)90:0.2,\n  (C:0.1, D:4e-1,'E''s':0.2):0.3[&x=1],\tF:1.0)root;\n", { source: "t.nwk" });
  assert.deepEqual(tipLabels(t), ["Homo sapiens", "B_b", "C", "D", "E's", "F"]);
  assert.equal(t.parent.length, 9); // root, 2 internal nodes, 6 tips
  assert.equal(t.label[0], "root");
  assert.equal(t.label[1], "90");
  // the polytomy: C, D, E's share one parent with three children
  const pc = t.parent[t.tips[2]];
  assert.equal(t.parent[t.tips[3]], pc);
  assert.equal(t.parent[t.tips[4]], pc);
  assert.equal(t.length[t.tips[3]], 0.4);
  assert.ok(Number.isNaN(t.length[0]));
});

test("a root branch length is read and ignored by vcv; single-child nodes add up", () => {
  const t = parseNewick("((A:1,B:2):0.5,((C:1):1):1):7;");
  const { labels, K } = treeVcv(t);
  assert.deepEqual(labels, ["A", "B", "C"]);
  assert.deepEqual(Array.from(K), [1.5, 0.5, 0, 0.5, 2.5, 0, 0, 0, 3]);
});

test("a 20000-tip caterpillar tree parses without deep recursion", () => {
  const n = 20000;
  let s = "A0:1";
  for (let i = 1; i < n; i++) s = `(${s},A${i}:1):1`;
  const t = parseNewick(s + ";");
  assert.equal(t.tips.length, n);
  assert.equal(tipLabels(t)[n - 1], `A${n - 1}`);
});

test("syntax errors name the line and column", () => {
  throwsUser(() => parseNewick("(A:1,B:1)", { source: "x.nwk" }), /^x\.nwk: missing ';' at the end of the tree at line 1, column 10$/);
  throwsUser(() => parseNewick("(A:1,(B:1,C:1):1;", { source: "x.nwk" }), /';' before the tree is complete \(1 '\(' not closed\) at line 1, column 17/);
  throwsUser(() => parseNewick("(A:1,B:1));"), /'\)' without a matching '\(' at line 1, column 10/);
  throwsUser(() => parseNewick("(A:1,\nB:x);"), /expected a branch length after ':' but found 'x' at line 2, column 3/);
  throwsUser(() => parseNewick("(A:1,B:1:2);"), /a second ':' .* at line 1, column 9/);
  throwsUser(() => parseNewick("(A b:1,C:1);"), /unexpected 'b' after 'A' \(labels with blanks .*quoted.*\) at line 1, column 4/);
  throwsUser(() => parseNewick("(A:1,'B:1);"), /quoted label starting with ' is never closed at line 1, column 6/);
  throwsUser(() => parseNewick("(A:1[note,B:1);"), /comment '\[' is never closed at line 1, column 5/);
  throwsUser(() => parseNewick("(A:1,B:-1);"), /negative branch length -1 at line 1, column 8/);
  throwsUser(() => parseNewick("(A:1,B:1);(C:1,D:1);"), /exactly one tree.* at line 1, column 11/);
  throwsUser(() => parseNewick("(A:1,B:1)(C:1);"), /expected ',' or '\)' but found '\(' at line 1, column 10/);
  throwsUser(() => parseNewick("A:1,B:1;"), /',' outside parentheses .* at line 1, column 4/);
  throwsUser(() => parseNewick("  \n", { source: "e.nwk" }), /^e\.nwk is empty/);
});

test("tree-level errors: duplicate and missing tip labels, too few tips, missing lengths", () => {
  throwsUser(() => parseNewick("(A:1,A:1);"), /tip label 'A' appears twice/);
  throwsUser(() => parseNewick("(A:1,:1);"), /tip 2 has no label/);
  throwsUser(() => parseNewick("(A:1);"), /1 tip; it needs at least 2/);
  throwsUser(() => treeVcv(parseNewick("((A:1,B:1),C:1);", { source: "m.nwk" })), /^m\.nwk: the branch to an internal node above 'A' has no length/);
  throwsUser(() => treeVcv(parseNewick("(A:1,B);")), /the branch to 'B' has no length/);
});
