// The analytic β-gradient of the stage-2 Laplace deviance (src/glmm/gradient.ts) against central
// finite differences of the deviance itself, away from the optimum (so the gradient is far from
// zero), for each supported family and for the system's blocks: a single scalar term, vector-valued
// terms in term 0 and in the rest, and several crossed/nested terms (qR > 0). Then the Hessian built
// from it against lme4's central-difference scheme, and whole fits with and without it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFrameFile } from "../../src/cli/io.js";
import { buildModel } from "../../src/formula/index.js";
import { GeneralizedLinearMixedModel } from "../../src/glmm/glmm.js";
import { analyticGradientSupported } from "../../src/glmm/gradient.js";
import { hessianFD, hessianGradient, activeInverse } from "../../src/glmm/hessian.js";

const data = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures", "data");

interface Case {
  name: string;
  file: string;
  formula: string;
  family: string;
  link?: string;
  /** θ for every entry (a vector term's off-diagonal entries get 0.1) */
  theta: number;
  /** NB size */
  size?: number;
}

const cases: Case[] = [
  { name: "negative binomial, one scalar term (salamanders)", file: "salamanders.csv", formula: "count ~ mined + spp + (1 | site)", family: "negative_binomial", theta: 0.7, size: 1.3 },
  { name: "binomial logit, cbind response (cbpp)", file: "cbpp.csv", formula: "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)", family: "binomial", theta: 0.8 },
  { name: "Poisson, three nested/crossed terms (grouseticks)", file: "grouseticks.csv", formula: "TICKS ~ factor(YEAR) + scale(HEIGHT) + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION)", family: "poisson", theta: 0.6 },
  { name: "binomial, two crossed terms (VerbAgg)", file: "verbagg.csv", formula: "r2 ~ Anger + Gender + btype + situ + (1 | id) + (1 | item)", family: "binomial", theta: 0.9 },
  { name: "binomial, vector term in the rest (VerbAgg, (Gender | item))", file: "verbagg.csv", formula: "r2 ~ Anger + Gender + btype + situ + (1 | id) + (Gender | item)", family: "binomial", theta: 0.5 },
  { name: "binomial, vector term 0 (sleepstudy, (Days | Subject))", file: "sleepstudy_fast.csv", formula: "fast ~ Days + (Days | Subject)", family: "binomial", theta: 0.4 },
  { name: "Gamma log, dispersion (sleepstudy)", file: "sleepstudy.csv", formula: "Reaction ~ Days + (1 | Subject)", family: "Gamma", link: "log", theta: 0.2 },
];

function model(c: Case): GeneralizedLinearMixedModel {
  const ms = buildModel(readFrameFile(join(data, c.file)), c.formula);
  return new GeneralizedLinearMixedModel(ms, { family: c.family, link: c.link });
}

/** a point away from the optimum: θ as given, β = the GLM start moved by ±0.1 */
function point(m: GeneralizedLinearMixedModel, c: Case): { theta: Float64Array; beta: Float64Array } {
  const st = m.state;
  if (c.size) st.family = m.family.withSize!(c.size);
  if (c.family === "Gamma") st.phi = 0.01;
  st.initialize();
  const theta = new Float64Array(m.terms.reduce((a, t) => a + t.ntheta, 0));
  for (const t of m.terms) for (let k = 0; k < t.ntheta; k++) theta[t.thetaOffset + k] = t.diagMask[k] ? c.theta : 0.1;
  const beta = Float64Array.from(st.beta, (b, j) => b + (j % 2 ? 0.1 : -0.1));
  return { theta, beta };
}

for (const c of cases) {
  test(`analytic ∂D/∂β = central differences: ${c.name}`, () => {
    const m = model(c);
    assert.ok(m.gradient, "the analytic gradient should apply");
    const { theta, beta } = point(m, c);
    const p = beta.length;
    const d0 = m.deviance(theta, beta);
    assert.ok(Number.isFinite(d0));
    const g = new Float64Array(p);
    m.gradient!.betaGradient(g);
    const fd = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      const h = 1e-4 * Math.max(1, Math.abs(beta[j]));
      const bp = Float64Array.from(beta), bm = Float64Array.from(beta);
      bp[j] += h;
      bm[j] -= h;
      fd[j] = (m.deviance(theta, bp) - m.deviance(theta, bm)) / (2 * h);
    }
    const scale = Math.max(1, ...Array.from(g, Math.abs));
    // away from the optimum the gradient is far from zero (the comparison means something)
    assert.ok(scale > 1, `|g| = ${scale}`);
    // central differences are good to ~1e-8 relative here (PIRLS converged to ~1e-12); dropping
    // the log-determinant's part (Xᵀ(a − W∘v)) changes the gradient by O(1)
    for (let j = 0; j < p; j++) assert.ok(Math.abs(g[j] - fd[j]) <= 1e-6 * scale, `β${j}: analytic ${g[j]} vs differences ${fd[j]} (scale ${scale})`);
  });
}

test("analytic gradient: only where the PIRLS weights are the observed information, Laplace, no known covariance", () => {
  const salam = buildModel(readFrameFile(join(data, "salamanders.csv")), "count ~ mined + spp + (1 | site)");
  const cbpp = buildModel(readFrameFile(join(data, "cbpp.csv")), "cbind(incidence, size - incidence) ~ factor(period) + (1 | herd)");
  const on = (ms: typeof cbpp, family: string, link?: string, nAGQ = 1) => {
    const m = new GeneralizedLinearMixedModel(ms, { family, link, nAGQ });
    return m.gradient !== null && analyticGradientSupported(m.state, nAGQ);
  };
  assert.equal(on(salam, "negative_binomial"), true);
  assert.equal(on(salam, "poisson"), true);
  assert.equal(on(cbpp, "binomial"), true);
  assert.equal(on(cbpp, "binomial", "probit"), false);
  assert.equal(on(cbpp, "binomial", "cloglog"), false);
  assert.equal(on(cbpp, "binomial", "logit", 5), false);
  assert.equal(on(salam, "poisson", "sqrt"), false);
  assert.equal(new GeneralizedLinearMixedModel(cbpp, { family: "binomial", analyticGradient: false }).gradient, null);
});

test("Hessian from the analytic gradient agrees with lme4's central scheme (salamanders, at the optimum)", () => {
  const c = cases[0];
  const m = model(c);
  const fit = m.fit({ family: c.family });
  const nth = fit.theta.length, p = fit.beta.length;
  const x = new Float64Array(nth + p + 1);
  x.set(fit.theta);
  x.set(fit.beta, nth);
  x[nth + p] = Math.log(fit.nbSize!);
  const f = (y: Float64Array) => m.objective2(y, nth, p);
  const grad = (out: Float64Array) => m.gradient!.betaGradient(out);
  const lower = new Float64Array(x.length).fill(-Infinity);
  const se = (H: Float64Array) => {
    const inv = activeInverse(H, x, lower, nth)!;
    return Array.from({ length: p }, (_, a) => Math.sqrt(2 * inv.get(nth + a, nth + a)));
  };
  const ref = se(hessianFD(f, x).hessian);
  const got = se(hessianGradient(f, grad, x, nth, p).hessian);
  for (let j = 0; j < p; j++) assert.ok(Math.abs(got[j] / ref[j] - 1) < 2e-4, `se ${j}: ${got[j]} vs ${ref[j]}`);
  // and the fit's own standard errors are those at (or within rounding of) its optimum
  for (let j = 0; j < p; j++) assert.ok(Math.abs(fit.fixef[j].se / ref[j] - 1) < 2e-3, `fit se ${j}: ${fit.fixef[j].se} vs ${ref[j]}`);
});

for (const c of [cases[1], cases[6]]) {
  test(`fit with and without the analytic gradient: same optimum and standard errors (${c.name})`, () => {
    const ms = buildModel(readFrameFile(join(data, c.file)), c.formula);
    const a = new GeneralizedLinearMixedModel(ms, { family: c.family, link: c.link }).fit({ family: c.family, link: c.link });
    const b = new GeneralizedLinearMixedModel(ms, { family: c.family, link: c.link, analyticGradient: false }).fit({ family: c.family, link: c.link, analyticGradient: false });
    assert.ok(Math.abs(a.logLik - b.logLik) < 1e-6, `logLik ${a.logLik} vs ${b.logLik}`);
    assert.ok(a.evaluations < b.evaluations, `evaluations ${a.evaluations} vs ${b.evaluations}`);
    a.fixef.forEach((r, j) => {
      const s = b.fixef[j];
      assert.ok(Math.abs(r.estimate - s.estimate) < 1e-3 * s.se, `${r.term}: ${r.estimate} vs ${s.estimate}`);
      assert.ok(Math.abs(r.se / s.se - 1) < 1e-2, `${r.term} se: ${r.se} vs ${s.se}`);
    });
  });
}

for (const c of [cases[0], cases[2], cases[5]]) {
  test(`mode sensitivity ∂û/∂β = central differences of the PIRLS modes: ${c.name}`, () => {
    const m = model(c);
    const { theta, beta } = point(m, c);
    const st = m.state;
    const q = st.q;
    m.deviance(theta, beta);
    const u0 = Float64Array.from(st.u);
    const sens = new Float64Array(q);
    for (const j of [0, beta.length - 1]) {
      m.gradient!.modeSensitivity(j, sens);
      const h = 1e-4;
      const modes = (d: number) => {
        const b = Float64Array.from(beta);
        b[j] += d;
        st.u = Float64Array.from(u0);
        m.deviance(theta, b);
        return Float64Array.from(st.u);
      };
      const up = modes(h), dn = modes(-h);
      st.u = Float64Array.from(u0);
      m.deviance(theta, beta);
      const scale = Math.max(1e-3, ...Array.from(sens, Math.abs));
      for (let k = 0; k < q; k++) {
        const fd = (up[k] - dn[k]) / (2 * h);
        assert.ok(Math.abs(sens[k] - fd) <= 1e-5 * scale, `β${j}, u${k}: ${sens[k]} vs ${fd}`);
      }
    }
  });
}
