import { test } from "node:test";
import assert from "node:assert/strict";
import { Frame } from "../src/data/frame.js";

test("Frame.fromRecords types columns", () => {
  const f = Frame.fromRecords([{ a: 1, b: "x" }, { a: null, b: "y" }]);
  assert.equal(f.nrow, 2);
  assert.equal(f.column("a").kind, "numeric");
  assert.ok(Number.isNaN((f.column("a").values as Float64Array)[1]));
  assert.equal(f.column("b").kind, "text");
  assert.throws(() => f.column("zz"), /column 'zz' not found/);
});
