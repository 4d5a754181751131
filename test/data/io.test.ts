import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFrameFile, readTextFile, writeFileAtomic } from "../../src/cli/io.js";
import { UserError } from "../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "glmm-io-"));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const userError = (msg: string | RegExp) => (e: unknown) => {
  assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
  if (typeof msg === "string") assert.equal(e.message, msg);
  else assert.match(e.message, msg);
  return true;
};

test("readFrameFile reads a fixture and names it by its base name", () => {
  const f = readFrameFile(new URL("../../../test/fixtures/data/sleepstudy.csv", import.meta.url).pathname);
  assert.equal(f.source, "sleepstudy.csv");
  assert.equal(f.nrow, 180);
  assert.throws(() => f.column("Reactio"), /column 'Reactio' not found in sleepstudy\.csv/);
});

test("errors from the data name the file by its base name", () => {
  const p = join(dir, "ragged.csv");
  writeFileSync(p, "a,b\n1,2\n3\n");
  assert.throws(() => readFrameFile(p), userError("ragged.csv: row 3 has 1 field, the header has 2"));
  const t = join(dir, "tabs.tsv");
  writeFileSync(t, "\uFEFFa\tb\n1\tx\n");
  const f = readFrameFile(t);
  assert.deepEqual(f.names, ["a", "b"]);
  assert.equal(f.source, "tabs.tsv");
});

test("a missing file, a directory: one-line user errors", () => {
  const missing = join(dir, "x.csv");
  assert.throws(() => readFrameFile(missing), userError(`cannot read data file '${missing}': no such file`));
  assert.throws(() => readFrameFile(dir), userError(`cannot read data file '${dir}': it is a directory`));
  assert.throws(() => readTextFile(join(dir, "nope", "t.nwk"), "tree file"), userError(/^cannot read tree file '.*t\.nwk': no such file$/));
});

test("invalid UTF-8 bytes are reported as not a text file", () => {
  const p = join(dir, "bin.csv");
  writeFileSync(p, Uint8Array.from({ length: 512 }, (_, i) => 0x80 + ((i * 37) % 0x40)));
  assert.throws(() => readFrameFile(p), userError(/^bin\.csv does not look like a text CSV\/TSV file/));
});

test("readTextFile returns UTF-8 text without a byte-order mark", () => {
  const p = join(dir, "t.txt");
  writeFileSync(p, "\uFEFF(a:1,b:2);é\n");
  assert.equal(readTextFile(p, "tree file"), "(a:1,b:2);é\n");
});

test("writeFileAtomic writes the whole file and leaves no temporary file", () => {
  const p = join(dir, "out.json");
  writeFileAtomic(p, "first");
  writeFileAtomic(p, '{"ok":true}\n');
  assert.equal(readFileSync(p, "utf8"), '{"ok":true}\n');
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
});

test("writeFileAtomic into a missing directory or over a directory: user error, nothing left behind", () => {
  const p = join(dir, "no-such-dir", "out.json");
  assert.throws(() => writeFileAtomic(p, "x"), userError(`cannot write '${p}': no such file`));
  // the temporary file is written, then renaming it over a non-empty directory fails: it must be removed
  const target = join(dir, "adir");
  mkdirSync(target);
  writeFileSync(join(target, "inner"), "x");
  assert.throws(() => writeFileAtomic(target, "x"), userError(new RegExp(`^cannot write '${target}': (it is a directory|ENOTEMPTY|EEXIST|permission denied)$`)));
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes(".tmp-")), []);
});
