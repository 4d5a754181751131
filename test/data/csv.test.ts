import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { parseDelimited } from "../../src/data/csv.js";
import type { Column, Frame } from "../../src/data/frame.js";
import { UserError } from "../../src/errors.js";

// dist/test/data/ → repository root
const root = new URL("../../../", import.meta.url);
const dataDir = new URL("test/fixtures/data/", root);
const fixture = (name: string) => readFileSync(new URL(name, dataDir), "utf8");

const num = (f: Frame, name: string): Float64Array => {
  const c = f.column(name);
  assert.equal(c.kind, "numeric", `${name} should be numeric`);
  return c.values as Float64Array;
};
const txt = (f: Frame, name: string): ReadonlyArray<string | null> => {
  const c = f.column(name);
  assert.equal(c.kind, "text", `${name} should be text`);
  return c.values as ReadonlyArray<string | null>;
};
const parse = (s: string, source = "t.csv") => parseDelimited(s, { source });
/** assert a UserError whose message equals `msg` exactly (a string) or matches it (a RegExp) */
const throwsUser = (fn: () => unknown, msg: string | RegExp) =>
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    assert.ok(!e.message.includes("\n"), "message is one line");
    if (typeof msg === "string") assert.equal(e.message, msg);
    else assert.match(e.message, msg);
    return true;
  });

// --- the fixture files, against R's read.csv (test/fixtures/reference/csv_read.R) ---------------

interface RefColumn { name: string; kind: "numeric" | "text"; missing: number; distinct: number; sum?: number; first?: string; last?: string }
const reference = JSON.parse(readFileSync(new URL("test/fixtures/reference/csv_read.json", root), "utf8")) as Record<string, { nrow: number; columns: RefColumn[] }>;

test("every fixture CSV is read with the same shape, kinds, missing values and sums as R's read.csv", () => {
  const files = readdirSync(dataDir).filter((f) => f.endsWith(".csv")).sort();
  assert.deepEqual(files, Object.keys(reference).sort(), "reference covers every fixture (rerun csv_read.R)");
  for (const file of files) {
    const ref = reference[file];
    const f = parseDelimited(fixture(file), { source: file });
    assert.equal(f.source, file);
    assert.equal(f.nrow, ref.nrow, `${file} nrow`);
    assert.deepEqual(f.names, ref.columns.map((c) => c.name), `${file} names`);
    for (const rc of ref.columns) {
      const c: Column = f.column(rc.name);
      const where = `${file}:${rc.name}`;
      assert.equal(c.kind, rc.kind, `${where} kind`);
      if (c.kind === "numeric") {
        let missing = 0;
        let sum = 0;
        for (const x of c.values) if (Number.isNaN(x)) missing++; else sum += x;
        assert.equal(missing, rc.missing, `${where} missing`);
        assert.ok(Math.abs(sum - rc.sum!) <= 1e-9 * Math.max(1, Math.abs(rc.sum!)), `${where} sum ${sum} vs R ${rc.sum}`);
        assert.equal(new Set(c.values).size, rc.distinct, `${where} distinct`);
      } else {
        assert.equal(c.values.filter((v) => v === null).length, rc.missing, `${where} missing`);
        assert.equal(c.values[0], rc.first, `${where} first`);
        assert.equal(c.values[c.values.length - 1], rc.last, `${where} last`);
        assert.equal(new Set(c.values).size, rc.distinct, `${where} distinct`);
      }
    }
  }
});

test("sleepstudy: quoted \"308\" is numeric like read.csv; values exact", () => {
  const f = parse(fixture("sleepstudy.csv"), "sleepstudy.csv");
  assert.equal(f.nrow, 180);
  assert.equal(num(f, "Reaction")[0], 249.56);
  assert.equal(num(f, "Reaction")[1], 258.7047);
  assert.equal(num(f, "Days")[9], 9);
  assert.equal(num(f, "Subject")[0], 308);
  assert.equal(num(f, "Subject")[179], 372);
});

test("verbagg r2 is text, dietox Feed has NA as missing", () => {
  const v = parse(fixture("verbagg.csv"), "verbagg.csv");
  assert.deepEqual([...new Set(txt(v, "r2"))].sort(), ["N", "Y"]);
  assert.equal(num(v, "Anger")[0], 20);
  const d = parse(fixture("dietox.csv"), "dietox.csv");
  const feed = num(d, "Feed");
  assert.ok(Number.isNaN(feed[0]));
  assert.equal(feed[1], 5.200005);
  assert.equal(txt(d, "Evit")[0], "Evit000");
});

test("insteval (73k rows x 7) parses quickly", () => {
  const text = fixture("insteval.csv");
  const t0 = performance.now();
  const f = parse(text, "insteval.csv");
  const ms = performance.now() - t0;
  assert.equal(f.nrow, 73421);
  assert.equal(num(f, "d")[0], 1002);
  // ~60 ms cold on the development machine; the bound only catches accidental quadratic behaviour
  assert.ok(ms < 1000, `took ${ms.toFixed(0)} ms`);
});

// --- quoting, delimiters, BOM -----------------------------------------------------------------

test("quoted fields hold delimiters, newlines (LF and CRLF) and doubled quotes", () => {
  const f = parse('name,n,note\n"Smith, J.",1,"said ""hi"""\n"two\nlines",2,"crlf\r\ninside"\r\n"",3,x\n');
  assert.deepEqual(txt(f, "name"), ["Smith, J.", "two\nlines", null]);
  assert.deepEqual([...num(f, "n")], [1, 2, 3]);
  assert.deepEqual(txt(f, "note"), ['said "hi"', "crlf\r\ninside", "x"]);
});

test("unquoted text is trimmed, quoted text is kept exactly; spaces around quotes are allowed", () => {
  const f = parse('a,b,c\n  x y  , " p " ,  "q"  \nz,r, 5 \n');
  assert.deepEqual(txt(f, "a"), ["x y", "z"]);
  assert.deepEqual(txt(f, "b"), [" p ", "r"]);
  assert.deepEqual(txt(f, "c"), ["q", "5"]);
  // quotes inside an unquoted field are literal
  assert.deepEqual(txt(parse('a\n5"\nab"c\n'), "a"), ['5"', 'ab"c']);
});

test("header names are trimmed, quoted or not", () => {
  assert.deepEqual(parse(' y , " x "\n1,2\n').names, ["y", "x"]);
});

test("line endings: LF, CRLF, lone CR; blank lines and a missing final newline", () => {
  for (const s of ["a,b\n1,2\n3,4\n", "a,b\r\n1,2\r\n3,4\r\n", "a,b\r1,2\r3,4\r", "a,b\n1,2\n3,4", "\na,b\n\n1,2\n\n\n3,4\n\n"]) {
    const f = parse(s);
    assert.deepEqual(f.names, ["a", "b"], JSON.stringify(s));
    assert.deepEqual([...num(f, "a")], [1, 3], JSON.stringify(s));
    assert.deepEqual([...num(f, "b")], [2, 4], JSON.stringify(s));
  }
});

test("TSV: detected from the header, or given; a comma in a TSV value is data", () => {
  const f = parse("y\tgroup\n1.5\ta,b\n2\tc\n");
  assert.deepEqual([...num(f, "y")], [1.5, 2]);
  assert.deepEqual(txt(f, "group"), ["a,b", "c"]);
  // header has tabs and commas: comma wins unless told
  const s = "a,b\tc\n1,2\t3\n";
  assert.deepEqual(parse(s).names, ["a", "b\tc"]);
  assert.deepEqual(parseDelimited(s, { delimiter: "\t" }).names, ["a,b", "c"]);
  assert.deepEqual(parseDelimited("a;b\n1;2\n", { delimiter: ";" }).names, ["a", "b"]);
  // a space delimiter: spaces are separators, not padding around quotes
  const sp = parseDelimited('a b c\n1  "x"\n', { delimiter: " " });
  assert.deepEqual(num(sp, "a")[0], 1);
  assert.ok(Number.isNaN(num(sp, "b")[0]));
  assert.deepEqual(txt(sp, "c"), ["x"]);
  // a tab inside a quoted header name does not count
  assert.deepEqual(parse('"a\tb",c\n1,2\n').names, ["a\tb", "c"]);
  throwsUser(() => parseDelimited("a,b\n1,2\n", { delimiter: "ab", source: "t.csv" }), /^t\.csv: delimiter must be one character/);
});

test("a UTF-8 byte-order mark is stripped", () => {
  const f = parse("\uFEFFy,x\n1,2\n");
  assert.deepEqual(f.names, ["y", "x"]);
  assert.equal(parse('\uFEFF"y"\n1\n').names[0], "y");
});

test("missing values: empty and NA; NaN is a (missing) number; Inf and -Inf kept", () => {
  const f = parse('x,y,s\n1,NA,a\n,2,NA\nNaN,Inf,""\n"NA",-Inf,\n 4 , +Inf ,b\n');
  const x = num(f, "x");
  assert.deepEqual([x[0], x[4]], [1, 4]);
  assert.ok(Number.isNaN(x[1]) && Number.isNaN(x[2]) && Number.isNaN(x[3]));
  const y = num(f, "y");
  assert.ok(Number.isNaN(y[0]));
  assert.deepEqual([y[1], y[2], y[3], y[4]], [2, Infinity, -Infinity, Infinity]);
  assert.deepEqual(txt(f, "s"), ["a", null, null, null, "b"]);
  // an all-missing column is numeric (all NaN)
  assert.ok(num(parse("a,b\nNA,1\n,2\n"), "a").every(Number.isNaN));
});

test("numeric detection: decimal forms are numbers; hex, thousands separators, words are text", () => {
  const f = parse("a\n1e5\n.5\n5.\n-3\n+2\n1E-3\n0.0\n");
  assert.deepEqual([...num(f, "a")], [1e5, 0.5, 5, -3, 2, 1e-3, 0]);
  for (const bad of ["0x10", "1,5", "1 2", "1e", "e5", "-", "1.2.3", "TRUE", "3a"]) {
    const g = parse(`a\n1\n"${bad}"\n`);
    assert.deepEqual(txt(g, "a"), ["1", bad], bad);
  }
  // infinities by name in any case, and "." as a missing value (said in the frame's notes)
  assert.deepEqual([...num(parse("a\n1\nInfinity\ninf\n-INF\n"), "a")], [1, Infinity, Infinity, -Infinity]);
  const dot = parse("a\n1\n.\n", "d.csv");
  assert.ok(Number.isNaN(num(dot, "a")[1]));
  assert.deepEqual(dot.notes, ["d.csv: column 'a': '.' read as missing (1 field, first at data row 2); --na sets the missing spellings"]);
  // text columns keep numbers as written
  assert.deepEqual(txt(parse("a\n007\nx\n"), "a"), ["007", "x"]);
});

// --- errors -------------------------------------------------------------------------------------

test("empty input, header only", () => {
  throwsUser(() => parse("", "x.csv"), "x.csv is empty");
  throwsUser(() => parse("\uFEFF \n\r\n", "x.csv"), "x.csv is empty");
  throwsUser(() => parse("a,b,c\n", "x.csv"), "x.csv has a header but no data rows");
  throwsUser(() => parse("a,b,c\n\n\n", "x.csv"), "x.csv has a header but no data rows");
  throwsUser(() => parse("a,b,c", "x.csv"), "x.csv has a header but no data rows");
});

test("ragged rows name the file line (header = row 1, lines inside quotes counted)", () => {
  const lines = fixture("insteval.csv").split("\n");
  lines[16] = lines[16].split(",").slice(0, 5).join(",");
  throwsUser(() => parse(lines.join("\n"), "insteval.csv"), "insteval.csv: row 17 has 5 fields, the header has 7");
  throwsUser(() => parse('a,b\n"x\ny",1\n1,2,3\n', "t.csv"), "t.csv: row 4 has 3 fields, the header has 2");
  throwsUser(() => parse("a,b\n1,2\n\n3\n", "t.csv"), "t.csv: row 4 has 1 field, the header has 2");
  throwsUser(() => parse("a,b\r\n1,2\r\n1,2,\r\n", "t.csv"), "t.csv: row 3 has 3 fields, the header has 2");
});

test("binary junk is rejected as not a text file", () => {
  throwsUser(() => parse("a,b\n1,\0\n", "x.csv"), "x.csv does not look like a text CSV/TSV file (it contains NUL bytes)");
  // what a UTF-8 decoder makes of a gzip/PNG-like byte soup
  const bytes = new Uint8Array(2000);
  let s = 12345;
  for (let i = 0; i < bytes.length; i++) { s = (s * 1103515245 + 12345) >>> 0; bytes[i] = 128 + (s >>> 25); }
  const junk = new TextDecoder().decode(bytes);
  throwsUser(() => parse(junk, "x.csv"), /^x\.csv does not look like a text CSV\/TSV file/);
  // a stray replacement character in real text is tolerated
  assert.deepEqual(txt(parse("a\ncaf\uFFFD\nb\n"), "a"), ["caf\uFFFD", "b"]);
});

test("unterminated quote and text after a closing quote name row and column", () => {
  throwsUser(() => parse('a,b\n1,2\n3,"oops\n4,5\n', "t.csv"), "t.csv: row 3, column 'b': a quoted field is never closed (unterminated quote)");
  throwsUser(() => parse('"a,b\n1,2\n', "t.csv"), "t.csv: row 1, field 1: a quoted field is never closed (unterminated quote)");
  throwsUser(() => parse('a,b\n1,"x"y\n', "t.csv"), /^t\.csv: row 2, column 'b': unexpected text after a closing quote/);
});

test("empty or duplicate header names", () => {
  throwsUser(() => parse("a,,c\n1,2,3\n", "t.csv"), "t.csv: column 2 of the header has no name");
  throwsUser(() => parse('a,"  ",c\n1,2,3\n', "t.csv"), "t.csv: column 2 of the header has no name");
  throwsUser(() => parse("a,b,c,\n1,2,3,\n", "t.csv"), "t.csv: column 4 of the header has no name");
  throwsUser(() => parse("a,b, a\n1,2,3\n", "t.csv"), "t.csv: column name 'a' appears twice in the header (columns 1 and 3)");
});

test("default source name is 'data'", () => {
  throwsUser(() => parseDelimited(""), "data is empty");
  assert.equal(parseDelimited("a\n1\n").source, "data");
});
