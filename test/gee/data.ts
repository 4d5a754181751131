// Test-only helpers: a minimal CSV split for the fixture files (no quotes inside fields) and model
// matrices built by hand, so the GEE tests do not depend on the formula layer.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const here = dirname(fileURLToPath(import.meta.url));
// dist/test/gee -> project root
export const root = join(here, "..", "..", "..");

export type Table = Record<string, string[]>;

export function readCsv(name: string): Table {
  const text = readFileSync(join(root, "test", "fixtures", "data", name), "utf8").trim();
  const lines = text.split(/\r?\n/);
  const unq = (s: string) => s.trim().replace(/^"(.*)"$/, "$1");
  const head = lines[0].split(",").map(unq);
  const t: Table = {};
  for (const h of head) t[h] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(",").map(unq);
    head.forEach((h, j) => t[h].push(f[j]));
  }
  return t;
}

export function num(t: Table, col: string, rows?: number[]): Float64Array {
  const v = t[col];
  const idx = rows ?? v.map((_, i) => i);
  return Float64Array.from(idx, (i) => (v[i] === "NA" ? NaN : Number(v[i])));
}

/** integer codes of a column (or of several columns combined), in order of first appearance */
export function codes(t: Table, cols: string[], rows?: number[]): Int32Array {
  const n = t[cols[0]].length;
  const idx = rows ?? Array.from({ length: n }, (_, i) => i);
  const map = new Map<string, number>();
  return Int32Array.from(idx, (i) => {
    const key = cols.map((c) => t[c][i]).join("\u0000");
    if (!map.has(key)) map.set(key, map.size);
    return map.get(key)!;
  });
}
