// Every lme4/glmmTMB reference case of test/fixtures/reference/cases.json (copied from
// shared/reference, lme4 1.1-31 and glmmTMB 1.1.5 on R 4.2.2), fitted through the library and
// judged with the conformance runner's tolerances (logLik not lower by > 0.001; fixed effects
// within 2% of their SE; SEs within 2%; RE SDs within 2%; correlations within 0.02; σ within 0.1%).
// Every estimate is compared even when our logLik is higher; a higher logLik excuses differences
// only when our objective at the reference's parameters reproduces its logLik (compare.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFrameFile } from "../../src/cli/io.js";
import { fit } from "../../src/fit.js";
import { compareFit, glmmLogLikAtReference, type RefCase } from "./compare.js";
import { fromFitResult } from "../../src/inference/model.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "..", "..", "..", "test", "fixtures");
const cases: RefCase[] = JSON.parse(readFileSync(join(fixtures, "reference", "cases.json"), "utf8")).cases;

// not yet built: known covariance (issue 7)
const pending = new Set(["glmm_strains_phylogenetic"]);

for (const c of cases) {
  if (c.engine !== "lmm" && c.engine !== "glmm") continue;
  test(c.id, { skip: pending.has(c.id) ? "known covariance not built yet" : false }, () => {
    const frame = readFrameFile(join(fixtures, "data", c.data));
    const o = c.options ?? {};
    const res = fit(frame, o.project_formula || c.formula, {
      family: c.family,
      reml: c.engine === "lmm" ? Boolean(o.REML) : undefined,
      nAGQ: o.nAGQ && o.nAGQ > 1 ? o.nAGQ : 1,
      refLevels: o.reference_levels,
    });
    const fails = compareFit(c, res.json, () => glmmLogLikAtReference(c, fromFitResult(frame, o.project_formula || c.formula, { family: c.family }, res)));
    assert.deepEqual(fails, [], `${c.id}: ${fails.join("; ")}`);
    assert.equal(res.json.nobs, c.reference.nobs);
  });
}

test("our objective at the reference's parameters reproduces the reference's logLik (every GLMM case)", () => {
  const bad: string[] = [];
  for (const c of cases) {
    if (c.engine !== "glmm" || pending.has(c.id)) continue;
    const frame = readFrameFile(join(fixtures, "data", c.data));
    const o = c.options ?? {};
    const formula = o.project_formula || c.formula;
    const nAGQ = o.nAGQ && o.nAGQ > 1 ? o.nAGQ : 1;
    const res = fit(frame, formula, { family: c.family, nAGQ, refLevels: o.reference_levels });
    const ll = glmmLogLikAtReference(c, fromFitResult(frame, formula, { family: c.family, nAGQ, refLevels: o.reference_levels }, res));
    if (ll === null || !(Math.abs(ll.atReference - c.reference.logLik) < 2e-3)) bad.push(`${c.id}: ${ll?.atReference} vs ${c.reference.logLik}`);
    // our objective at our parameters is our reported logLik (quadrature fits report a refined rule)
    if (ll && nAGQ === 1 && !(Math.abs(ll.atOurs - res.json.logLik) < 1e-8 * Math.abs(res.json.logLik))) bad.push(`${c.id}: objective ${ll.atOurs} vs reported ${res.json.logLik}`);
  }
  assert.deepEqual(bad, []);
});

test("a fit whose logLik is inflated cannot hide estimates that differ from the reference", () => {
  const c = cases.find((x) => x.id === "glmm_cbpp_laplace")!;
  const frame = readFrameFile(join(fixtures, "data", c.data));
  const res = fit(frame, c.formula, { family: c.family });
  const json = { ...res.json, logLik: res.json.logLik + 5, fixef: res.json.fixef.map((f) => ({ ...f, estimate: f.estimate + f.se! })) };
  const proof = () => glmmLogLikAtReference(c, fromFitResult(frame, c.formula, { family: c.family }, res));
  const fails = compareFit(c, json, proof);
  assert.ok(fails.length === 1 && /beats the reference .* but our objective gives/.test(fails[0]) && /fixef \(Intercept\)/.test(fails[0]), `${fails.length}: ${fails.join(" | ")}`);
  assert.match(compareFit(c, json)[0], /unproven/);
});
