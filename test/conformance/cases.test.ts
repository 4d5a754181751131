// Every lme4/glmmTMB reference case of test/fixtures/reference/cases.json (copied from
// shared/reference, lme4 1.1-31 and glmmTMB 1.1.5 on R 4.2.2), fitted through the library and
// judged with the conformance runner's tolerances (logLik not lower by > 0.001; fixed effects
// within 2% of their SE; SEs within 2%; RE SDs within 2%; correlations within 0.02; σ within 0.1%).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFrameFile } from "../../src/cli/io.js";
import { readCovariances } from "../../src/cli/commands/model-flags.js";
import { fit } from "../../src/fit.js";
import { compareFit, type RefCase } from "./compare.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "..", "..", "..", "test", "fixtures");
const cases: RefCase[] = JSON.parse(readFileSync(join(fixtures, "reference", "cases.json"), "utf8")).cases;

for (const c of cases) {
  if (c.engine !== "lmm" && c.engine !== "glmm") continue;
  test(c.id, () => {
    const frame = readFrameFile(join(fixtures, "data", c.data));
    const o = c.options ?? {};
    const res = fit(frame, o.project_formula || c.formula, {
      family: c.family,
      reml: c.engine === "lmm" ? Boolean(o.REML) : undefined,
      nAGQ: o.nAGQ && o.nAGQ > 1 ? o.nAGQ : 1,
      refLevels: o.reference_levels,
      // a known covariance between levels: the tree beside the data (glmm_strains_phylogenetic)
      covariances: o.covariance === "phylo" ? readCovariances([`${/\(1 \| (\w+)\)/.exec(c.formula)![1]}=phylo:${join(fixtures, "data", o.tree)}`]) : undefined,
    });
    const fails = compareFit(c, res.json);
    assert.deepEqual(fails, [], `${c.id}: ${fails.join("; ")}`);
    assert.equal(res.json.nobs, c.reference.nobs);
  });
}
