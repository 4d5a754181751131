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
import { readCovariances } from "../../src/cli/commands/model-flags.js";
import { fit } from "../../src/fit.js";
import { compareFit, glmmLogLikAtReference, type RefCase } from "./compare.js";
import { fromFitResult } from "../../src/inference/model.js";

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "..", "..", "..", "test", "fixtures");
const cases: RefCase[] = JSON.parse(readFileSync(join(fixtures, "reference", "cases.json"), "utf8")).cases;

/** the fit of a reference case, with what it needs to re-evaluate our objective */
function fitCase(c: RefCase) {
  const frame = readFrameFile(join(fixtures, "data", c.data));
  const o = c.options ?? {};
  const formula = o.project_formula || c.formula;
  const options = {
    family: c.family,
    reml: c.engine === "lmm" ? Boolean(o.REML) : undefined,
    nAGQ: o.nAGQ && o.nAGQ > 1 ? o.nAGQ : 1,
    refLevels: o.reference_levels,
    // a known covariance between levels: the tree beside the data (glmm_strains_phylogenetic)
    covariances: o.covariance === "phylo" ? readCovariances([`${/\(1 \| (\w+)\)/.exec(c.formula)![1]}=phylo:${join(fixtures, "data", o.tree)}`]) : undefined,
  };
  const res = fit(frame, formula, options);
  return { res, model: () => fromFitResult(frame, formula, options, res) };
}

for (const c of cases) {
  if (c.engine !== "lmm" && c.engine !== "glmm") continue;
  test(c.id, () => {
    const { res, model } = fitCase(c);
    const fails = compareFit(c, res.json, () => glmmLogLikAtReference(c, model()));
    assert.deepEqual(fails, [], `${c.id}: ${fails.join("; ")}`);
    assert.equal(res.json.nobs, c.reference.nobs);
  });
}

test("our objective at the reference's parameters reproduces the reference's logLik (every GLMM case)", () => {
  const bad: string[] = [];
  for (const c of cases) {
    if (c.engine !== "glmm") continue;
    const { res, model } = fitCase(c);
    const nAGQ = c.options?.nAGQ > 1 ? c.options.nAGQ : 1;
    const ll = glmmLogLikAtReference(c, model());
    if (ll === null || !(Math.abs(ll.atReference - c.reference.logLik) < 2e-3)) bad.push(`${c.id}: ${ll?.atReference} vs ${c.reference.logLik}`);
    // our objective at our parameters is our reported logLik (quadrature fits report a refined rule)
    if (ll && nAGQ === 1 && !(Math.abs(ll.atOurs - res.json.logLik) < 1e-8 * Math.abs(res.json.logLik))) bad.push(`${c.id}: objective ${ll.atOurs} vs reported ${res.json.logLik}`);
  }
  assert.deepEqual(bad, []);
});

test("a fit whose logLik is inflated cannot hide estimates that differ from the reference", () => {
  const c = cases.find((x) => x.id === "glmm_cbpp_laplace")!;
  const { res, model } = fitCase(c);
  const json = { ...res.json, logLik: res.json.logLik + 5, fixef: res.json.fixef.map((f) => ({ ...f, estimate: f.estimate + f.se! })) };
  const proof = () => glmmLogLikAtReference(c, model());
  const fails = compareFit(c, json, proof);
  assert.ok(fails.length === 1 && /beats the reference .* but our objective gives/.test(fails[0]) && /fixef \(Intercept\)/.test(fails[0]), `${fails.length}: ${fails.join(" | ")}`);
  assert.match(compareFit(c, json)[0], /unproven/);
});
