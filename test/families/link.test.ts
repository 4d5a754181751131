// Every family × link's log density and deviance from η, and the binomial links' derivatives of
// log μ and log(1 − μ), at |η| up to 40 against 60-digit references
// (test/fixtures/reference/link_logdensity.py, mpmath). A clamped μ misses these by whole units.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { makeFamily, links, type LinkName } from "../../src/families/index.js";
import { logPhi } from "../../src/families/special.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures");
const ref = JSON.parse(readFileSync(join(fixtures, "reference", "link_logdensity.json"), "utf8"));

const close = (got: number, want: number, rel: number) => Math.abs(got - want) <= rel * Math.max(1, Math.abs(want));

test("log density and deviance from η: every family × link, |η| ≤ 40, to 1e-12", () => {
  const bad: string[] = [];
  const seen = new Set<string>();
  for (const c of ref.densities) {
    const fam = makeFamily(c.family, c.link, c.size ?? 1);
    seen.add(`${c.family}/${c.link}`);
    const ld = fam.logDensityEta(c.y, c.eta, c.wt, c.phi);
    const dv = fam.devResidEta(c.y, c.eta, c.wt);
    if (!close(ld, c.logDensity, 1e-12)) bad.push(`${c.family}/${c.link} y=${c.y} η=${c.eta}: log density ${ld} want ${c.logDensity}`);
    if (!close(dv, c.devResid, 1e-12)) bad.push(`${c.family}/${c.link} y=${c.y} η=${c.eta}: deviance ${dv} want ${c.devResid}`);
  }
  assert.deepEqual(bad, []);
  assert.equal(seen.size, 16, "every allowed family × link is covered");
});

test("the μ-based density agrees with the η-based one where μ is representable", () => {
  for (const c of ref.densities) {
    if (Math.abs(c.eta) > 1) continue; // beyond, R's clamped μ (linkinv) is not the exact one
    const fam = makeFamily(c.family, c.link, c.size ?? 1);
    const ld = fam.logDensity(c.y, fam.link.linkinv(c.eta), c.wt, c.phi);
    assert.ok(close(ld, c.logDensity, 1e-10), `${c.family}/${c.link} η=${c.eta}: ${ld} vs ${c.logDensity}`);
    const dv = fam.devResid(c.y, fam.link.linkinv(c.eta), c.wt);
    assert.ok(close(dv, c.devResid, 1e-10), `${c.family}/${c.link} η=${c.eta}: deviance ${dv} vs ${c.devResid}`);
  }
});

test("log μ, log(1 − μ) and their first two η-derivatives for logit, probit, cloglog, log", () => {
  const d = new Float64Array(4);
  for (const c of ref.derivatives) {
    const link = links[c.link as LinkName];
    assert.ok(close(link.logMu(c.eta), c.logMu, 1e-13), `${c.link} log μ at ${c.eta}: ${link.logMu(c.eta)} vs ${c.logMu}`);
    assert.ok(close(link.log1mMu(c.eta), c.log1mMu, 1e-13), `${c.link} log(1−μ) at ${c.eta}: ${link.log1mMu(c.eta)} vs ${c.log1mMu}`);
    link.logDerivs!(c.eta, d);
    for (let k = 0; k < 4; k++) assert.ok(Math.abs(d[k] - c.d[k]) <= 1e-11 * Math.abs(c.d[k]) + 1e-300, `${c.link} derivative ${k} at ${c.eta}: ${d[k]} vs ${c.d[k]}`);
    // log|dμ/dη| = log μ + log a′ (logit, probit, cloglog: a′ > 0)
    if (c.d[0] > 1e-300) assert.ok(close(link.logMuEta(c.eta), c.logMu + Math.log(c.d[0]), 1e-9), `${c.link} log μ′ at ${c.eta}`);
  }
});

test("log Φ across the switch points of its three branches", () => {
  // references: mpmath log(ncdf(x)), 60 digits
  const want: [number, number][] = [
    [-29.999, -454.2912111961238], [-30.001, -454.3512777154588], [-38, -726.5572160188201],
    [3, -0.0013508099647481938], [0, -0.6931471805599453], [1e-3, -0.6923496142726883],
  ];
  for (const [x, v] of want) assert.ok(close(logPhi(x), v, 1e-13), `log Φ(${x}) = ${logPhi(x)} want ${v}`);
  assert.equal(logPhi(-Infinity), -Infinity);
});

test("η outside the link's range gives −∞ log density, not NaN", () => {
  assert.equal(makeFamily("binomial", "log").logDensityEta(0.5, 0.1, 4, 1), -Infinity);
  assert.equal(makeFamily("poisson", "sqrt").logDensityEta(2, -0.3, 1, 1), -Infinity);
  assert.equal(makeFamily("poisson", "identity").logDensityEta(2, -0.3, 1, 1), -Infinity);
  assert.equal(makeFamily("Gamma", "inverse").logDensityEta(2, -0.3, 1, 1), -Infinity);
  assert.equal(makeFamily("binomial", "log").devResidEta(0.5, 0.1, 4), Infinity);
});

test("family/link compatibility: R's allowed links only, with a one-line error naming them", () => {
  const allowed: Record<string, string[]> = {
    gaussian: ["identity", "log", "inverse"], binomial: ["logit", "probit", "cloglog", "log"], poisson: ["log", "identity", "sqrt"],
    negative_binomial: ["log", "identity", "sqrt"], Gamma: ["inverse", "identity", "log"],
  };
  for (const [fam, ok] of Object.entries(allowed))
    for (const ln of Object.keys(links)) {
      if (ok.includes(ln)) assert.equal(makeFamily(fam, ln).link.name, ln);
      else assert.throws(() => makeFamily(fam, ln), new RegExp(`link '${ln}' is not available for family ${fam} \\(use ${ok.join(", ")}\\)$`));
    }
  assert.throws(() => makeFamily("poisson", "logistic"), /unknown link 'logistic' \(use logit, probit, cloglog, log, identity, inverse, sqrt\)$/);
  assert.equal(makeFamily("Gamma").link.name, "inverse");
  assert.equal(makeFamily("binomial").link.name, "logit");
});

test("prior weights enter the gaussian log density and the Gamma deviance", () => {
  const g = makeFamily("gaussian");
  // a weight w is a variance φ/w: log N(1.3; 0.4, 1.7/2)
  assert.ok(Math.abs(g.logDensity(1.3, 0.4, 2, 1.7) - (-0.5 * Math.log(2 * Math.PI * 0.85) - (0.9 * 0.9) / (2 * 0.85))) < 1e-14);
  const G = makeFamily("Gamma");
  assert.ok(Math.abs(G.devResid(2.5, 2, 3) - 3 * G.devResid(2.5, 2, 1)) < 1e-14 && G.devResid(2.5, 2, 1) > 0);
  assert.ok(Math.abs(g.devResid(1.3, 0.4, 2) - 2 * 0.81) < 1e-14);
});

test("linkfun inverts linkinv; dμ/dη is exp(log|μ′|) with μ′'s sign; R's clamps in the tails", () => {
  const domain: Record<string, number[]> = {
    logit: [-8, -1, 0.3, 5], probit: [-5, -0.5, 0.3, 5], cloglog: [-8, -1, 0.3, 2.5], log: [-8, -0.3, 2, 20],
    identity: [0.2, 3, 40], inverse: [0.2, 3, 40], sqrt: [0.2, 3, 40],
  };
  for (const [name, etas] of Object.entries(domain)) {
    const l = links[name as LinkName];
    for (const eta of etas) {
      assert.ok(Math.abs(l.linkfun(l.linkinv(eta)) - eta) <= 1e-9 * Math.max(1, Math.abs(eta)), `${name} linkfun(linkinv(${eta})) = ${l.linkfun(l.linkinv(eta))}`);
      const me = l.muEta(eta);
      assert.ok(close(me, (name === "inverse" ? -1 : 1) * Math.exp(l.logMuEta(eta)), 1e-13), `${name} μ′(${eta}) = ${me}`);
      assert.ok(close(l.linkinv(eta), Math.exp(l.logMu(eta)), 1e-13), `${name} μ(${eta})`);
    }
  }
  // R 4.2: binomial(link)$linkinv(c(-40, 40)), $mu.eta(c(-40, 0.3, 40)); poisson()$linkinv(-40)
  const R: Record<string, number[]> = {
    logit: [2.2204460492503126e-16, 0.99999999999999978, 2.2204460492503131e-16, 0.24445831169074586, 2.2204460492503131e-16],
    probit: [2.2204460492503284e-16, 0.99999999999999978, 2.2204460492503131e-16, 0.38138781546052414, 2.2204460492503131e-16],
    cloglog: [2.2204460492503131e-16, 0.99999999999999978, 2.2204460492503131e-16, 0.34998716115842166, 2.2204460492503131e-16],
  };
  for (const [name, v] of Object.entries(R)) {
    const l = links[name as LinkName];
    const got = [l.linkinv(-40), l.linkinv(40), l.muEta(-40), l.muEta(0.3), l.muEta(40)];
    // (probit's clamp goes through qnorm/pnorm: 2e-14 apart from R's)
    got.forEach((g, k) => assert.ok(Math.abs(g - v[k]) <= 1e-13 * v[k], `${name} [${k}]: ${g} vs ${v[k]}`));
  }
  assert.equal(links.log.linkinv(-40), 2.2204460492503131e-16);
  assert.equal(links.log.muEta(-40), 2.2204460492503131e-16);
  // the edges: μ = 1 exactly under the log link, and e^η below the smallest double under cloglog
  assert.equal(links.log.log1mMu(0), -Infinity);
  assert.ok(Number.isNaN(links.log.log1mMu(0.1)));
  const d = new Float64Array(4);
  links.cloglog.logDerivs!(-800, d);
  assert.deepEqual(Array.from(d), [1, 0, -0, -0]);
});

test("validMu: each family's range of μ, open at its ends", () => {
  const b = makeFamily("binomial"), p = makeFamily("poisson"), nb = makeFamily("negative_binomial", "log", 2), G = makeFamily("Gamma");
  for (const f of [b, p, nb, G]) assert.equal(f.validMu(0), false, `${f.name} μ = 0`);
  assert.equal(b.validMu(1), false);
  assert.equal(b.validMu(0.5), true);
  for (const f of [p, nb, G]) {
    assert.equal(f.validMu(Infinity), false, `${f.name} μ = ∞`);
    assert.equal(f.validMu(3), true);
    assert.equal(f.validMu(-1), false);
  }
  assert.equal(makeFamily("gaussian").validMu(-5), true);
});