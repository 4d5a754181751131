// Root cause: text from data files reached the terminal raw — escape sequences in column names or
// levels could rewrite the screen, and megabyte-long names made megabyte-long error lines. Now
// every message escapes control characters and shortens long names, and summary tables escape and
// truncate their cells.
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertRefused, glmm, scratch, setup, snapshot } from "./helpers.js";

const dir = scratch("term");
const ESC = "\x1b";

test("an escape sequence in a column name does not reach stderr raw", () => {
  const before = setup(dir, { "esc.csv": `y,"x${ESC}[2J${ESC}]0;pwned\x07",g\n1,2,a\n2,3,b\n` });
  const r = glmm(dir, "fit", "--data", "esc.csv", "--formula", "y ~ nothere + (1 | g)");
  assertRefused(r, /column 'nothere' not found in esc\.csv \(columns: y, x\\u001b\[2J\\u001b\]0;pwned\\u0007, g\)/, dir, before);
  assert.ok(!r.stderr.includes(ESC) && !r.stderr.includes("\x07"));
});

test("a level with escape sequences and C1 controls is escaped in the text summary", () => {
  const rows = ["y,trt,g"];
  // three rows with the escape (more would make the file look binary, refused as such)
  for (let i = 0; i < 40; i++) rows.push(`${(i % 5) + (i % 2) * 0.7 + Math.sin(i)},${i % 13 === 1 ? `"zbad${ESC}[31m\u009b1m"` : i % 2 ? "mid" : "ok"},g${i % 5}`);
  setup(dir, { "lev.csv": rows.join("\n") + "\n" });
  const r = glmm(dir, "fit", "--data", "lev.csv", "--formula", "y ~ trt + (1 | g)");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /trtzbad\\u001b\[31m\\u009b1m/);
  assert.ok(!/[\x1b\x9b]/.test(r.stdout), "no raw escape on stdout");
});

test("a megabyte-long column name gives a short one-line error", () => {
  const long = "n".repeat(1 << 20);
  const before = setup(dir, { "long.csv": `y,${long},g\n1,2,a\n` });
  const r = glmm(dir, "fit", "--data", "long.csv", "--formula", "y ~ zz + (1 | g)");
  assertRefused(r, /column 'zz' not found in long\.csv \(columns: y, n+…n+ \(1048576 characters\), g\)/, dir, before);
  assert.ok(r.stderr.length < 500, `${r.stderr.length} characters`);
});

test("a line break inside a quoted header name stays on one line of stderr", () => {
  const before = setup(dir, { "nl.csv": `y,"two\nlines",g\n1,2,a\n` });
  const r = glmm(dir, "fit", "--data", "nl.csv", "--formula", "y ~ zz + (1 | g)");
  assertRefused(r, /columns: y, two\\nlines, g/, dir, before);
});

test("a file name with control characters is escaped", () => {
  const before = snapshot(dir);
  const r = glmm(dir, "fit", "--data", `no${ESC}[2Jsuch\r.csv`, "--formula", "y ~ x");
  assertRefused(r, /cannot read data file 'no\\u001b\[2Jsuch\\r\.csv': no such file/, dir, before);
});

test("a very long odd token is shortened in the typing message", () => {
  const rows = ["y,x,g"];
  for (let i = 0; i < 30; i++) rows.push(`${i},${i === 7 ? "q".repeat(5000) : i % 4},g${i % 3}`);
  const before = setup(dir, { "tok.csv": rows.join("\n") + "\n" });
  const r = glmm(dir, "fit", "--data", "tok.csv", "--formula", "y ~ x + (1 | g)");
  assertRefused(r, /column 'x' holds numbers except 'q+…q+ \(5000 characters\)' at data row 8/, dir, before);
  assert.ok(r.stderr.length < 600);
});
