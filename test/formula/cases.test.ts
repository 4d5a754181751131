// For every lmm/glmm/gee case of cases.json, buildModel names the same fixed effects as the
// reference (lme4/glmmTMB fixef, geepack coef) and the same grouping factors with the same numbers
// of levels (ngrps), on the same number of rows (nobs).
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildModel, groupingFactor } from "../../src/formula/index.js";
import { dataFrame, readJson } from "./fixtures.js";

interface RefCase {
  id: string;
  data: string;
  formula: string;
  engine: string;
  options: { project_formula?: string; reference_levels?: Record<string, string>; id?: string } | unknown[];
  reference: { fixef?: Record<string, number>; coef?: Record<string, number>; ngrps?: Record<string, number>; nobs?: number; nclusters?: number };
}

const cases = readJson<{ cases: RefCase[] }>("reference", "cases.json").cases
  .filter((c) => c.engine === "lmm" || c.engine === "glmm" || c.engine === "gee");

/** The reference calls within(x, g) "x_within" and between(x, g) "x_between"; spaces are ignored. */
function normalise(name: string): string {
  return name
    .replace(/within\(\s*([^,]+?)\s*,[^)]*\)/g, "$1_within")
    .replace(/between\(\s*([^,]+?)\s*,[^)]*\)/g, "$1_between")
    .replace(/\s+/g, "");
}

/** Group names compare by their ':'-separated parts in any order. */
function groupKey(name: string): string {
  return name.split(":").sort().join(":");
}

test("cases.json has lmm, glmm and gee cases to check", () => {
  assert.ok(cases.length >= 20, `only ${cases.length} cases`);
});

for (const c of cases) {
  test(`reference case ${c.id}: fixed-effect names, groups, nobs`, () => {
    const o = Array.isArray(c.options) ? {} : c.options;
    const formula = o.project_formula ?? c.formula;
    const m = buildModel(dataFrame(c.data), formula, { refLevels: o.reference_levels });
    const ref = c.reference.fixef ?? c.reference.coef;
    assert.ok(ref, "reference has fixef or coef");
    assert.deepEqual(m.xnames.map(normalise), Object.keys(ref).map(normalise));
    assert.equal(m.X.length, m.n * m.p);
    if (c.reference.nobs !== undefined) assert.equal(m.n, c.reference.nobs);
    if (c.reference.ngrps) {
      const got: Record<string, number> = {};
      for (const t of m.reTerms) got[groupKey(t.group)] = t.levels.length;
      const want: Record<string, number> = {};
      for (const [g, k] of Object.entries(c.reference.ngrps)) want[groupKey(g)] = k;
      assert.deepEqual(got, want);
    }
    if (c.engine === "gee" && o.id) {
      const g = groupingFactor(dataFrame(c.data), o.id, m.rows);
      assert.equal(g.levels.length, c.reference.nclusters);
      assert.equal(g.refs.length, m.n);
    }
  });
}
