// Output files are complete or absent: writeFilesAtomic writes several files (plots beside a
// report) all or none — a failure writing or renaming any of them leaves no file and no temporary.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFilesAtomic } from "../../src/cli/io.js";
import { UserError } from "../../src/errors.js";
import { parseFormula } from "../../src/formula/index.js";

test("writeFilesAtomic: all files, or none and no temporaries", () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-out-"));
  try {
    writeFilesAtomic([{ path: join(dir, "a.svg"), content: "A" }, { path: join(dir, "b.svg"), content: new Uint8Array([66]) }]);
    assert.deepEqual(readdirSync(dir).sort(), ["a.svg", "b.svg"]);
    assert.equal(readFileSync(join(dir, "b.svg"), "utf8"), "B");
    rmSync(join(dir, "a.svg")); rmSync(join(dir, "b.svg"));
    // the second cannot be written (no such directory)
    assert.throws(() => writeFilesAtomic([{ path: join(dir, "a.svg"), content: "A" }, { path: join(dir, "nodir", "b.svg"), content: "B" }]),
      (e: unknown) => e instanceof UserError && /cannot write '.*nodir.*b\.svg': no such file/.test(e.message));
    assert.deepEqual(readdirSync(dir), []);
    // the second cannot be renamed into place (a directory is in the way)
    mkdirSync(join(dir, "b.svg"));
    assert.throws(() => writeFilesAtomic([{ path: join(dir, "a.svg"), content: "A" }, { path: join(dir, "b.svg"), content: "B" }]),
      (e: unknown) => e instanceof UserError && /cannot write '.*b\.svg'/.test(e.message));
    assert.deepEqual(readdirSync(dir), ["b.svg"]);
    assert.deepEqual(readdirSync(join(dir, "b.svg")), []);
    writeFilesAtomic([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a number too large for a double is a formula error, not Infinity (which would deparse as the name Inf)", () => {
  assert.throws(() => parseFormula("y ~ I(x^1e400)"), (e: unknown) => e instanceof UserError && /number '1e400' is too large at position 9/.test(e.message));
  assert.doesNotThrow(() => parseFormula("y ~ I(x * 1e300)"));
});
