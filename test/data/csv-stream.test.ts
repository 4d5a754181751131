import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { readFrameFile } from "../../src/cli/io.js";
import { parseDelimited, readDelimited, type ParseOptions } from "../../src/data/csv.js";
import { factorFromText, factorOfColumn } from "../../src/data/factor.js";
import type { Frame } from "../../src/data/frame.js";

// The reader takes its text in pieces (a file is read 1 MiB at a time): any split of the text must
// give the same Frame, or the same error, as the whole text in one piece.

/** Everything a Frame says, as one comparable string (a -0 kept apart from 0). */
function describe(f: Frame): string {
  return JSON.stringify({
    nrow: f.nrow, notes: f.notes,
    columns: [...f.columns.values()].map((c) => ({
      kind: c.kind, name: c.name,
      values: c.kind === "numeric" ? Array.from(c.values, (x) => (Object.is(x, -0) ? "-0" : String(x))) : c.values,
      nanRows: c.kind === "numeric" && c.nanRows ? [...c.nanRows] : null,
      numericExcept: c.kind === "text" ? c.numericExcept ?? null : null,
    })),
  });
}

function outcome(read: () => Frame): string {
  try {
    return describe(read());
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

/** `text` cut at the given lengths (cycled), with an empty piece now and then. */
function split(text: string, sizes: readonly number[]): string[] {
  const out: string[] = [];
  for (let i = 0, k = 0; i < text.length; k++) {
    const n = sizes[k % sizes.length];
    out.push(text.slice(i, i + n));
    if (n === 1) out.push("");
    i += n;
  }
  return out;
}

const same = (text: string, sizes: readonly number[], options: ParseOptions = {}) =>
  assert.equal(outcome(() => readDelimited(() => split(text, sizes), { source: "t.csv", ...options })), outcome(() => parseDelimited(text, { source: "t.csv", ...options })));

test("every split of a tricky table reads as the whole text does", () => {
  const text = '\uFEFFid,score,"note, with comma",tag\r\n' +
    '007,1.5,"line one\r\nline two",a\r\n' +
    '\r\n' + // blank line: skipped, still counted in row numbers
    '8, NULL ,"say ""hi""",  b  \r' + // lone CR line end
    '9,NaN, "padded" ,NA\n' +
    'x,-2e-3,,"  "\n' +
    '10,Inf,"",c';
  const f = parseDelimited(text, { source: "t.csv" });
  // the column turned text at its fourth row: its first rows keep their spelling ("007", not 7)
  assert.deepEqual(f.column("id").values, ["007", "8", "9", "x", "10"]);
  assert.deepEqual(f.column("tag").values, ["a", "b", null, "  ", "c"]);
  assert.deepEqual(f.column("note, with comma").values, ["line one\r\nline two", 'say "hi"', "padded", null, null]);
  const score = f.column("score");
  assert.ok(score.kind === "numeric" && score.nanRows?.[0] === 2);
  assert.deepEqual(f.notes, ["t.csv: column 'score': 'NULL' read as missing (1 field, first at data row 2); --na sets the missing spellings"]);
  for (let a = 1; a <= 12; a++) for (const b of [1, 3, 7]) same(text, [a, b]);
});

test("errors read in pieces name the same row and column", () => {
  same('a,b\n1,2\n3,"never\nclosed\n', [2, 3]);
  same("a,b\n1,2\n\n3\n", [1]);
  same('a,b\n1,"x"y\n', [4, 1]);
  same("a;b\n1,5;2\n", [3], { decimal: ",", delimiter: ";" });
  same("a,b\n1,2\n3,4\x00\n", [5]);
  same("  \n\n \n", [1]);
});

test("a column that is numbers for more than a storage block, then text, is read again from the start", () => {
  const n = 70_000;
  const rows = Array.from({ length: n }, (_, i) => `${i === 0 ? "1.50" : String(i % 97)},${i % 3 === 0 ? "NA" : `g${i % 5}`}`);
  const text = `v,g\n${rows.join("\n")}\nnot-a-number,g1\n`;
  const f = readDelimited(() => split(text, [65_536, 4_097]), { source: "t.csv" });
  const v = f.column("v");
  assert.ok(v.kind === "text" && v.codes && v.dictionary);
  assert.equal(v.values[0], "1.50");
  assert.equal(v.values[n - 1], String((n - 1) % 97));
  assert.equal(v.values[n], "not-a-number");
  assert.match(v.numericExcept!.message, /^column 'v' holds numbers except 'not-a-number' at data row 70001, so it was read as text/);
  // a factor from the codes is the factor from the strings
  const g = f.column("g");
  assert.ok(g.kind === "text");
  const used = Int32Array.from({ length: n }, (_, i) => i).filter((i) => g.values[i] !== null);
  assert.deepEqual(factorOfColumn(g, used), factorFromText(g.values, used));
  assert.deepEqual(factorOfColumn(v, null), factorFromText(v.values, null));
});

test("random CSV-like text in random pieces: the same Frame or error as in one piece", () => {
  const token = fc.constantFrom(",", '"', '""', "\n", "\r", "\r\n", " ", "\t", "a", "1", "2.5", "-1e3", "007", "NA", "NULL", "NaN", "\uFEFF", "é", "Inf", "-", ".");
  fc.assert(
    fc.property(fc.array(token, { maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }), (tokens, sizes) =>
      same(`h1,h2\n${tokens.join("")}`, sizes)),
    { seed: 20261206, numRuns: 2000 },
  );
});

test("a data file larger than one read: a UTF-8 character split between reads, and the same Frame as the text", () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-stream-"));
  try {
    // 10-byte rows, then one row padded so that the next row's "é" (2 bytes) straddles the 1 MiB read boundary
    const B = 1 << 20;
    const rows = ["y,x,g\n"];
    let bytes = rows[0].length;
    for (let i = 0; bytes + 10 + 8 <= B - 11; i++, bytes += 10) rows.push(`${i % 10}.25,3,g${i % 4}\n`);
    rows.push(`${"1".repeat(B - 11 - bytes - 6)},3,g1\n`, "5.5,1e-2,gé1\n"); // "é" at bytes B - 1 and B
    for (let i = 0; i < 120_000; i++) rows.push(i % 1000 === 7 ? `${i % 10}.5,1e-2,gé${i % 4}\n` : `${i % 10}.25,3,g${i % 4}\n`);
    const text = rows.join("");
    assert.equal(Buffer.from(text).subarray(B - 1, B + 1).toString(), "é");
    const p = join(dir, "big.csv");
    writeFileSync(p, text);
    const f = readFrameFile(p);
    assert.equal(f.nrow, rows.length - 1);
    assert.equal(describe(f), describe(parseDelimited(text, { source: "big.csv" })));
    assert.ok((f.column("g").values as readonly (string | null)[]).includes("gé1"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
