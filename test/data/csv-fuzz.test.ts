import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseDelimited } from "../../src/data/csv.js";
import { UserError } from "../../src/errors.js";

// Property tests with a fixed seed and a bounded number of runs, so they are repeatable and fast.
const SEED = 20240611;

// Characters that exercise the quoting rules, plus some non-ASCII.
const tricky = fc.constantFrom(",", '"', "\n", "\r", "\r\n", " ", "\t", "a", "Z", "1", "0", ".", "-", "e", "NA", "N", "é", "日", "😀", "\u00a0");
const trickyString = fc.array(tricky, { maxLength: 8 }).map((a) => a.join(""));
// Arbitrary Unicode without control characters (other than tab/newlines) or U+FFFD, which the
// reader counts towards "this is a binary file".
const unicodeString = fc.string({ unit: "grapheme", maxLength: 8 }).filter((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/.test(s));
const textValue = fc.oneof(trickyString, unicodeString, fc.constantFrom("", "NA", "1", " 2 ", "Inf", "-3.5e2", "x"));
// Numbers as a model would see them; NaN is a missing value.
const numberValue = fc.oneof(
  fc.double({ noDefaultInfinity: false }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constant(NaN),
);

type ColumnSpec = { kind: "numeric"; values: number[] } | { kind: "text"; values: string[] };

const table = fc
  .record({ ncol: fc.integer({ min: 1, max: 5 }), nrow: fc.integer({ min: 1, max: 12 }) })
  .chain(({ ncol, nrow }) =>
    fc.record({
      names: fc.uniqueArray(fc.oneof(trickyString, unicodeString).map((s) => s.trim()).filter((s) => s !== ""), { minLength: ncol, maxLength: ncol }),
      columns: fc.array(
        fc.oneof(
          fc.array(numberValue, { minLength: nrow, maxLength: nrow }).map((values): ColumnSpec => ({ kind: "numeric", values })),
          fc.array(textValue, { minLength: nrow, maxLength: nrow }).map((values): ColumnSpec => ({ kind: "text", values })),
        ),
        { minLength: ncol, maxLength: ncol },
      ),
      delimiter: fc.constantFrom(",", "\t"),
      tellDelimiter: fc.boolean(),
      eol: fc.constantFrom("\n", "\r\n"),
      finalEol: fc.boolean(),
      bom: fc.boolean(),
      quoteAll: fc.boolean(),
    }),
  );

/** Write one field as a careful CSV writer would: quote when needed (or always), double the quotes. */
function writeField(s: string, delim: string, quoteAll: boolean, alone: boolean): string {
  const safe = s !== "" && !/[",\t\r\n]/.test(s) && s === s.trim() && !(alone && s === "");
  return safe && !quoteAll ? s : `"${s.replace(/"/g, '""')}"`;
}

/** The oracle: what a field means, written independently of the scanner. */
function numberOf(s: string): number | undefined {
  const t = s.trim();
  // missing: empty, NA, and in numeric columns NULL, null, n/a, N/A, "."; NaN in any case
  if (t === "" || t === "NA" || /^nan$/i.test(t) || ["NULL", "null", "n/a", "N/A", "."].includes(t)) return NaN;
  // infinities by name, in any case (R's type.convert)
  if (/^\+?inf(inity)?$/i.test(t)) return Infinity;
  if (/^-inf(inity)?$/i.test(t)) return -Infinity;
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : undefined;
}

test("round trip: a table written as CSV/TSV with proper quoting reads back the same values", () => {
  fc.assert(
    fc.property(table, (t) => {
      const d = t.delimiter;
      const cells = t.columns.map((c) => (c.kind === "numeric" ? c.values.map((x) => (Number.isNaN(x) ? "NA" : String(x))) : c.values));
      const nrow = cells[0].length;
      const lines = [t.names.map((n) => writeField(n, d, t.quoteAll, false)).join(d)];
      for (let i = 0; i < nrow; i++) lines.push(cells.map((col) => writeField(col[i], d, t.quoteAll, cells.length === 1)).join(d));
      const text = (t.bom ? "\uFEFF" : "") + lines.join(t.eol) + (t.finalEol ? t.eol : "");
      const f = parseDelimited(text, { source: "fuzz.csv", delimiter: t.tellDelimiter ? d : undefined });

      assert.equal(f.nrow, nrow);
      assert.deepEqual(f.names, t.names);
      t.columns.forEach((spec, j) => {
        const col = f.column(t.names[j]);
        const nums = cells[j].map(numberOf);
        const numeric = nums.every((x) => x !== undefined);
        assert.equal(col.kind, numeric ? "numeric" : "text", `column ${j}`);
        if (col.kind === "numeric") {
          for (let i = 0; i < nrow; i++) {
            const want = spec.kind === "numeric" ? spec.values[i] : nums[i]!;
            // -0 is written as "0"
            assert.ok(Object.is(col.values[i], want) || (want === 0 && col.values[i] === 0), `row ${i}: ${col.values[i]} vs ${want}`);
          }
        } else {
          assert.deepEqual(col.values, cells[j].map((s) => (s === "" || s === "NA" ? null : s)));
        }
      });
    }),
    { seed: SEED, numRuns: 3000 },
  );
});

/** Parsing must end in a Frame or a UserError: never another exception. */
function frameOrUserError(text: string): void {
  try {
    const f = parseDelimited(text, { source: "junk.csv" });
    assert.ok(f.nrow > 0 && f.names.length > 0);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    assert.ok(e.message.startsWith("junk.csv"), e.message);
    assert.ok(!e.message.includes("\n") && !e.message.includes("\r"), "one-line message");
  }
}

test("random bytes (decoded as UTF-8) give a Frame or a UserError, nothing else", () => {
  const decoder = new TextDecoder();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => frameOrUserError(decoder.decode(bytes))),
    { seed: SEED, numRuns: 3000 },
  );
});

test("random CSV-like text gives a Frame or a UserError, nothing else", () => {
  const piece = fc.constantFrom(",", '"', '""', "\n", "\r", "\r\n", " ", "\t", "a", "1", "NA", "\uFEFF", "\u0000", "\ufffd", "Inf", "-");
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }).map((a) => a.join("")), frameOrUserError),
    { seed: SEED, numRuns: 3000 },
  );
});
