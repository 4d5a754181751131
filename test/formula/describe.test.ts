// `glmm describe`: the JSON and text summaries of what a model would use.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { describeCommand, parseRefFlags } from "../../src/cli/commands/describe.js";
import { UserError } from "../../src/errors.js";
import { fixtures } from "./fixtures.js";

async function capture(fn: () => Promise<void>): Promise<string> {
  const write = process.stdout.write.bind(process.stdout);
  let out = "";
  (process.stdout as { write: unknown }).write = (s: string) => { out += s; return true; };
  try { await fn(); } finally { (process.stdout as { write: unknown }).write = write; }
  return out;
}

const data = (name: string) => join(fixtures, "data", name);

test("describe --format json", async () => {
  const out = await capture(() => describeCommand({ data: data("pastes.csv"), formula: "strength ~ 1 + (1 | batch/cask)", format: "json" }));
  const d = JSON.parse(out);
  assert.equal(d.nobs, 60);
  assert.equal(d.dropped, 0);
  assert.deepEqual(d.response, { name: "strength", kind: "numeric" });
  assert.deepEqual(d.fixef, ["(Intercept)"]);
  assert.deepEqual(d.droppedColumns, []);
  assert.deepEqual(d.groups, { "cask:batch": 30, batch: 10 });
  assert.deepEqual(d.reTerms, [
    { group: "cask:batch", terms: ["(Intercept)"], nlevels: 30 },
    { group: "batch", terms: ["(Intercept)"], nlevels: 10 },
  ]);
  assert.deepEqual(d.warnings, []);
});

test("describe text output and --ref", async () => {
  const out = await capture(() => describeCommand({
    data: data("hasselblad1998.csv"), formula: "cbind(xi, ni - xi) ~ trt + (1 | study)", ref: ["trt=no_contact"], format: "text",
  }));
  assert.match(out, /^data: hasselblad1998\.csv: 50 rows used, 0 dropped$/m);
  assert.match(out, /^response: cbind\(xi, ni - xi\) \(successes and failures\)$/m);
  assert.match(out, /^fixed effects \(4\): \(Intercept\), trtgrp_counseling, trtind_counseling, trtself_help$/m);
  assert.match(out, /^  study \(24 levels\): \(Intercept\)$/m);
  const dietox = await capture(() => describeCommand({ data: data("verbagg.csv"), formula: "r2 ~ Anger", format: "text" }));
  assert.match(dietox, /^response: r2 \(two levels, 'Y' = 1, 'N' = 0\)$/m);
});

test("describe rejects bad flags", async () => {
  await assert.rejects(describeCommand({ data: data("pastes.csv"), formula: "strength ~ 1", format: "xml" }), UserError);
  assert.throws(() => parseRefFlags(["trt"]), /expected COLUMN=LEVEL/);
  assert.throws(() => parseRefFlags(["=a"]), /expected COLUMN=LEVEL/);
  assert.deepEqual({ ...parseRefFlags(["a=b=c", "x=1"]) }, { a: "b=c", x: "1" });
});
