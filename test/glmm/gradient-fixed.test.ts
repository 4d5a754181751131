// The exact gradient and Hessian of models without random effects (src/glmm/gradient-fixed.ts):
// zero-inflation, hurdles, dispersion formulas, NB1 and beta, against central differences of the
// deviance itself (Richardson-extrapolated, steps 0.02 and 0.01: truncation below 1e-8, rounding
// ~1e-6), away from the optimum; and the fit they drive (Newton from the start) against the
// finite-difference route. Errors are measured on each entry's natural scale: H_ab against
// √(H_aa·H_bb), g_a against max(|g_a|, √H_aa) (one standard error's worth of deviance slope).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFrameFile } from "../../src/cli/io.js";
import { buildModel } from "../../src/formula/index.js";
import { GeneralizedLinearMixedModel, type GLMMOptions } from "../../src/glmm/glmm.js";
import type { SideDesign } from "../../src/glmm/extended.js";
import { FixedGradient } from "../../src/glmm/gradient-fixed.js";

const data = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures", "data");

interface Case { name: string; file: string; formula: string; family: string; link?: string; zi?: string; disp?: string; hurdle?: boolean }
const sal = "salamanders.csv", het = "sim_heterosced.csv", bd = "sim_beta_disp.csv";
const cases: Case[] = [
  { name: "ZIP", file: sal, formula: "count ~ spp + mined", family: "poisson", zi: "~ mined" },
  { name: "ZINB2", file: sal, formula: "count ~ spp + mined", family: "negative_binomial", zi: "~ mined" },
  { name: "ZINB1", file: sal, formula: "count ~ spp + mined", family: "nbinom1", zi: "~ mined" },
  { name: "hurdle Poisson", file: sal, formula: "count ~ spp + mined", family: "poisson", zi: "~ mined", hurdle: true },
  { name: "hurdle NB2", file: sal, formula: "count ~ mined", family: "negative_binomial", zi: "~ spp", hurdle: true },
  { name: "gaussian --disp", file: het, formula: "y ~ x", family: "gaussian", disp: "~ sex" },
  { name: "NB2 --disp", file: het, formula: "count ~ x", family: "negative_binomial", disp: "~ sex" },
  { name: "Gamma --disp", file: het, formula: "pos ~ x", family: "Gamma", link: "log", disp: "~ sex" },
  { name: "beta --disp", file: bd, formula: "y ~ x", family: "beta", disp: "~ s" },
  { name: "beta (family)", file: bd, formula: "y ~ x", family: "beta" },
];

function model(c: Case, analyticGradient = true): { m: GeneralizedLinearMixedModel; opts: GLMMOptions } {
  const frame = readFrameFile(join(data, c.file));
  const refLevels: Record<string, string> = c.file === sal ? { spp: "GP", mined: "yes" } : {};
  const side = (text: string): SideDesign => {
    const s = buildModel(frame, text, { refLevels });
    return { X: s.X, p: s.p, names: s.xnames };
  };
  const ms = buildModel(frame, c.formula, { refLevels });
  const opts: GLMMOptions = { family: c.family, link: c.link, zi: c.zi ? side(c.zi) : null, disp: c.disp ? side(c.disp) : null, hurdle: c.hurdle, analyticGradient };
  return { m: new GeneralizedLinearMixedModel(ms, opts), opts };
}

/** (4·D(h) − D(2h))/3 for a central difference D at step h: O(h⁴) */
const richardson = (d: (h: number) => number, h: number) => (4 * d(h) - d(2 * h)) / 3;

for (const c of cases) {
  test(`q = 0: exact gradient and Hessian = central differences of the deviance (${c.name})`, () => {
    const { m, opts } = model(c);
    assert.ok(m.gradient instanceof FixedGradient, "the exact q = 0 derivatives should apply");
    m.fit({ ...opts, noHessian: true });
    const p = m.ms.p;
    // away from the optimum: every coordinate moved by a tenth
    const x = Float64Array.from(m.optimum!, (v, j) => v + (j % 2 ? 0.1 : -0.1));
    const k = x.length;
    const f = (y: Float64Array) => m.objective2(y, 0, p);
    f(x);
    const g = new Float64Array(k), H = new Float64Array(k * k);
    m.gradient.gradientHessian(g, H);
    const at = (steps: [number, number][]) => {
      const y = Float64Array.from(x);
      for (const [j, s] of steps) y[j] += s;
      return f(y);
    };
    const f0 = f(x);
    const step = (j: number) => 1e-2 * Math.max(1, Math.abs(x[j]));
    const scale = (a: number) => Math.sqrt(Math.abs(H[a + a * k]));
    for (let a = 0; a < k; a++) {
      const ha = step(a);
      const ga = richardson((t) => (at([[a, t * ha]]) - at([[a, -t * ha]])) / (2 * t * ha), 1);
      assert.ok(Math.abs(g[a] - ga) <= 1e-5 * Math.max(Math.abs(ga), scale(a)), `${c.name} ∂D/∂x${a}: exact ${g[a]} vs differences ${ga}`);
      for (let b = a; b < k; b++) {
        const hb = step(b);
        const hab = a === b
          ? richardson((t) => (at([[a, t * ha]]) - 2 * f0 + at([[a, -t * ha]])) / (t * t * ha * ha), 1)
          : richardson((t) => (at([[a, t * ha], [b, t * hb]]) - at([[a, t * ha], [b, -t * hb]]) - at([[a, -t * ha], [b, t * hb]]) + at([[a, -t * ha], [b, -t * hb]])) / (4 * t * t * ha * hb), 1);
        assert.ok(Math.abs(H[a + b * k] - hab) <= 1e-5 * scale(a) * scale(b), `${c.name} ∂²D/∂x${a}∂x${b}: exact ${H[a + b * k]} vs differences ${hab}`);
        assert.equal(H[a + b * k], H[b + a * k]);
      }
    }
  });
}

for (const c of [cases[1], cases[3], cases[9]])
  test(`q = 0: Newton from the start on the exact Hessian = the finite-difference route, in far fewer evaluations (${c.name})`, () => {
    const a = model(c), b = model(c, false);
    const fa = a.m.fit(a.opts), fb = b.m.fit(b.opts);
    assert.ok(fa.logLik >= fb.logLik - 1e-7, `logLik ${fa.logLik} vs ${fb.logLik}`);
    assert.ok(fa.logLik - fb.logLik < 1e-4, `logLik ${fa.logLik} vs ${fb.logLik}`);
    const se = (v: Float64Array, j: number, p: number) => Math.sqrt(v[j + j * p]);
    const p = a.m.ms.p;
    for (let j = 0; j < p; j++) {
      assert.ok(Math.abs(fa.beta[j] - fb.beta[j]) <= 2e-3 * se(fb.vcov, j, p), `β${j}: ${fa.beta[j]} vs ${fb.beta[j]}`);
      assert.ok(Math.abs(se(fa.vcov, j, p) / se(fb.vcov, j, p) - 1) <= 5e-3, `SE β${j}: ${se(fa.vcov, j, p)} vs ${se(fb.vcov, j, p)}`);
    }
    // (on main before the exact Hessian: 300, 113 and 33 evaluations)
    assert.ok(a.m.evaluations <= 15, `${a.m.evaluations} evaluations (the finite-difference route: ${b.m.evaluations})`);
    assert.ok(a.m.evaluations * 3 <= b.m.evaluations, `${a.m.evaluations} vs ${b.m.evaluations} evaluations`);
  });
