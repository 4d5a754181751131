// Test-only: main-effects design from a formula "y ~ a + b + ..." on a Table (text columns become
// treatment dummies named column+level, levels sorted, first level dropped), as R's model.matrix does.
import { type Table, num } from "./data.js";

export interface Design { X: Float64Array; xnames: string[]; y: Float64Array; n: number }

export function design(t: Table, formula: string, rows?: number[]): Design {
  const [lhs, rhs] = formula.split("~").map((s) => s.trim());
  const idx = rows ?? t[lhs].map((_, i) => i);
  const n = idx.length;
  const cols: Float64Array[] = [new Float64Array(n).fill(1)];
  const xnames = ["(Intercept)"];
  for (const term of rhs.split("+").map((s) => s.trim())) {
    const vals = idx.map((i) => t[term][i]);
    if (vals.every((v) => v !== "" && !Number.isNaN(Number(v)))) {
      cols.push(num(t, term, idx));
      xnames.push(term);
    } else {
      const levels = Array.from(new Set(t[term])).sort();
      for (const lev of levels.slice(1)) {
        cols.push(Float64Array.from(vals, (v) => (v === lev ? 1 : 0)));
        xnames.push(term + lev);
      }
    }
  }
  const X = new Float64Array(n * cols.length);
  cols.forEach((c, j) => X.set(c, j * n));
  return { X, xnames, y: num(t, lhs, idx), n };
}
