// Fixed-effects model matrices against R's model.matrix(), rank-deficient matrices against lme4's
// lFormula() (which columns it drops), random-effect terms against lFormula()'s reTrms.
// Reference: test/fixtures/reference/model_matrix.json, made by model_matrix.R on
// model_matrix_data.csv.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { buildModel } from "../../src/formula/index.js";
import { fixtures, loadCsv, readJson } from "./fixtures.js";

interface FixedRef { formula: string; colnames: string[]; rows: number[]; assign: number[]; X: number[] }
interface RankRef { formula: string; colnames: string[] | string; dropped: string[] | string; X: number[] }
interface TermRef { group: string; cnames: string[] | string; levels: string[] | string; refs: number[]; z: number[] }
interface Ref { fixed: FixedRef[]; rank_deficient: RankRef[]; random: { formula: string; terms: TermRef[] }[] }

const ref = readJson<Ref>("reference", "model_matrix.json");
const frame = loadCsv(join(fixtures, "reference", "model_matrix_data.csv"));
const TOL = 1e-10;
const arr = <T>(x: T[] | T): T[] => (Array.isArray(x) ? x : [x]);

// jsonlite writes 15 significant digits: compare relative to the magnitude
function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= TOL * Math.max(1, Math.abs(b));
}

test("the reference covers the required kinds of formulas", () => {
  const fs = ref.fixed.map((c) => c.formula);
  for (const f of ["y ~ a * b", "y ~ a * x", "y ~ x * z", "y ~ 0 + a", "y ~ a + b - 1", "y ~ scale(x) + log(z)", "y ~ factor(d)", "y ~ a/b"]) {
    assert.ok(fs.includes(f), f);
  }
  assert.ok(ref.fixed.length >= 10 && ref.rank_deficient.length >= 1);
});

for (const c of ref.fixed) {
  test(`model.matrix(${c.formula})`, () => {
    const m = buildModel(frame, c.formula);
    const n = c.rows.length;
    assert.equal(m.n, n);
    assert.deepEqual(Array.from(m.rows, (r) => r + 1), c.rows);
    // R's model.matrix() keeps aliased columns; buildModel drops them like lme4 does
    const all = [...m.xnames, ...m.droppedColumns];
    assert.deepEqual([...all].sort(), [...c.colnames].sort());
    if (c.formula === "y ~ a:b") assert.deepEqual(m.droppedColumns, ["ab:bv"]);
    else assert.deepEqual(m.xnames, c.colnames);
    m.xnames.forEach((name, j) => {
      const k = c.colnames.indexOf(name);
      assert.equal(m.assign![j], c.assign[k], `assign of ${name}`);
      for (let i = 0; i < n; i++) {
        const got = m.X[j * n + i], want = c.X[k * n + i];
        assert.ok(close(got, want), `${name} row ${i + 1}: ${got} vs R ${want}`);
      }
    });
  });
}

for (const c of ref.rank_deficient) {
  test(`lme4 drops the same columns: ${c.formula}`, () => {
    const m = buildModel(frame, c.formula);
    assert.deepEqual(m.xnames, arr(c.colnames));
    assert.deepEqual(m.droppedColumns, arr(c.dropped));
    assert.ok(m.warnings.some((w) => w.includes("rank deficient") && arr(c.dropped).every((d) => w.includes(d))));
    for (let i = 0; i < c.X.length; i++) assert.ok(close(m.X[i], c.X[i]));
  });
}

for (const c of ref.random) {
  test(`random-effect terms of ${c.formula} match lFormula()`, () => {
    const m = buildModel(frame, c.formula);
    assert.equal(m.reTerms.length, c.terms.length);
    // lme4 orders terms by number of levels; match by group and column names
    for (const t of c.terms) {
      const cn = arr(t.cnames);
      const mine = m.reTerms.find((r) => r.group === t.group && JSON.stringify(r.cnames) === JSON.stringify(cn));
      assert.ok(mine, `term ${t.group} [${cn}] in ${JSON.stringify(m.reTerms.map((r) => [r.group, r.cnames]))}`);
      assert.deepEqual(mine.levels, arr(t.levels));
      assert.deepEqual(Array.from(mine.refs), t.refs);
      assert.equal(mine.z.length, t.z.length);
      for (let i = 0; i < t.z.length; i++) assert.ok(close(mine.z[i], t.z[i]), `z[${i}]`);
    }
  });
}
