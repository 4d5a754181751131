// Population-averaged (marginal) effects of a GLMM. A GLMM's coefficients are conditional on the
// random effects: for a non-identity link the mean response of the population,
// μᴾᴬ_i = ∫ g⁻¹(x_iβ + z_i b) φ(b; 0, Σ) db, is not g⁻¹(x_iβ). Because z_i b is normal with
// variance v_i = Σ_terms z_iᵀ Σ_t z_i, the integral is one-dimensional for every model and is done by
// Gauss–Hermite quadrature (closed form for the log link). The marginalized coefficients are the
// least-squares fit of g(μᴾᴬ) on X (Hedeker et al. 2018; GLMMadaptive's marginal_coefs); their
// standard errors follow by the delta method from the joint covariance of (θ, β) (2 H⁻¹ of the
// deviance). They estimate what GEE estimates, so they can be compared with `glmm gee`.
import { UserError } from "../errors.js";
import type { Link } from "../families/link.js";
import { gaussHermite } from "../glmm/gauss-hermite.js";
import { activeInverse, hessianFD } from "../glmm/hessian.js";
import type { FittedGLMM } from "../glmm/glmm.js";
import { cholLower, solveLower, solveLowerT } from "../linalg/dense.js";
import type { FittedLMM } from "../lmm/lmm.js";
import { thetaLower, type SysTerm } from "../lmm/reterms.js";
import { glmmEngine, setFittedExtra, type ModelFit } from "./model.js";
import { jacobian } from "./numderiv.js";
import { lambdaAt } from "./simulate.js";

const GH_POINTS = 40;

/** Σ_t per system term (s×s): σ²λλᵀ for an LMM, λλᵀ for a GLMM */
export function termCovariances(f: FittedLMM | FittedGLMM, theta: ArrayLike<number> = f.theta): Float64Array[] {
  const s2 = f.kind === "lmm" ? f.sigma * f.sigma : 1;
  return f.terms.map((t) => covarianceOf(t, theta, s2));
}

function covarianceOf(t: SysTerm, theta: ArrayLike<number>, scale: number): Float64Array {
  const s = t.s;
  const lam = lambdaAt(t, theta);
  const C = new Float64Array(s * s);
  for (let i = 0; i < s; i++)
    for (let j = 0; j < s; j++) {
      let acc = 0;
      for (let k = 0; k <= Math.min(i, j); k++) acc += lam[i + k * s] * lam[j + k * s];
      C[i + j * s] = scale * acc;
    }
  return C;
}

/** E[g⁻¹(η + √v·Z)], Z standard normal */
export function marginalMean(link: Link, eta: number, v: number): number {
  if (link.name === "identity" || !(v > 0)) return link.linkinv(eta);
  if (link.name === "log") return Math.exp(eta + v / 2);
  return normalMean(link.linkinv, eta, v);
}

/** E[g(η + √v·Z)], Z standard normal, by Gauss–Hermite quadrature */
export function normalMean(g: (x: number) => number, eta: number, v: number): number {
  if (!(v > 0)) return g(eta);
  const { nodes, weights } = gaussHermite(GH_POINTS);
  const sd = Math.sqrt(2 * v);
  let s = 0;
  for (let k = 0; k < nodes.length; k++) s += weights[k] * g(eta + sd * nodes[k]);
  return s / Math.sqrt(Math.PI);
}

/** One coefficient on both scales: the GLMM's conditional one beside the population-averaged (marginal) one. */
export interface MarginalCoefRow {
  readonly term: string;
  /** the GLMM's (conditional) coefficient and SE */
  readonly conditional: number;
  readonly conditionalSE: number;
  /** the population-averaged coefficient and its delta-method SE */
  readonly marginal: number;
  readonly marginalSE: number;
}

/** Population-averaged (marginal) coefficients of a GLMM with the mean responses they imply. */
export interface MarginalResult {
  readonly link: string;
  readonly rows: MarginalCoefRow[];
  /** mean of the fitted rows' population-averaged responses, and of the responses at b = 0 */
  readonly meanResponse: number;
  readonly meanResponseAtZero: number;
  readonly warnings: string[];
}

/** per row of the model: variance of the random part */
function modelRowVariances(m: ModelFit, theta: ArrayLike<number>): Float64Array {
  const f = m.fit;
  const cov = termCovariances(f, theta);
  const v = new Float64Array(m.ms.n);
  f.terms.forEach((t, ti) => {
    const S = cov[ti], s = t.s, z = t.term.z;
    for (let i = 0; i < v.length; i++) {
      let acc = 0;
      for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) acc += z[i * s + a] * S[a + b * s] * z[i * s + b];
      v[i] += acc;
    }
  });
  return v;
}

/** Marginalized coefficients beside the conditional ones. */
export function marginalCoefficients(m: ModelFit, link: Link): MarginalResult {
  const f = m.fit;
  // (its η is not a mean: the response scale is a probability per category)
  if (f.kind === "glmm" && f.family === "ordinal") throw new UserError("population-averaged coefficients are not available for an ordinal model");
  // (the mean of a zero-inflated or hurdle model is (1 − π)·μ: its population average is not a
  // function of the count part's η alone; predict averages each part over its own random effects)
  if (f.kind === "glmm" && (f.hurdle || f.zi)) throw new UserError(`population-averaged coefficients are for the conditional mean; the mean of a ${f.hurdle ? "hurdle" : "zero-inflated"} model also depends on its zero part: use 'glmm predict --level marginal' for its population-averaged means`);
  const ms = m.ms;
  const n = ms.n, p = ms.p;
  const warnings: string[] = [];
  // (XᵀX) factor for the least-squares projections
  const XtX = new Float64Array(p * p);
  for (let a = 0; a < p; a++)
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += ms.X[i + a * n] * ms.X[i + b * n];
      XtX[a + b * p] = s;
    }
  if (cholLower(XtX, p) >= 0) throw new Error("marginalCoefficients: XᵀX is singular");
  const nth = f.theta.length;
  const compute = (par: Float64Array): Float64Array => {
    const theta = par.subarray(0, nth), beta = par.subarray(nth);
    const v = modelRowVariances(m, theta);
    const rhs = new Float64Array(p);
    for (let i = 0; i < n; i++) {
      let eta = ms.offset ? ms.offset[i] : 0;
      for (let j = 0; j < p; j++) eta += ms.X[i + j * n] * beta[j];
      const mu = marginalMean(link, eta, v[i]);
      const g = link.linkfun(mu) - (ms.offset ? ms.offset[i] : 0);
      for (let j = 0; j < p; j++) rhs[j] += ms.X[i + j * n] * g;
    }
    solveLower(XtX, p, rhs);
    solveLowerT(XtX, p, rhs);
    return rhs;
  };
  const par0 = Float64Array.from([...f.theta, ...f.beta]);
  const bm = compute(par0);
  // joint covariance of (θ, β): for a GLMM from the Hessian of the deviance; for an LMM the marginal
  // coefficients equal the conditional ones (identity link), so β's vcov suffices
  let se = new Float64Array(p).fill(NaN);
  if (link.name === "identity") {
    for (let j = 0; j < p; j++) se[j] = Math.sqrt(f.vcov[j + j * p]);
  } else if (f.kind === "glmm") {
    const cov = jointCovariance(m);
    if (!cov) warnings.push("the Hessian of the deviance is not positive definite: standard errors of the marginal coefficients are unavailable");
    else {
      const K = nth + p;
      const J = jacobian(compute, par0, { d: 1e-4 }); // p×K
      se = new Float64Array(p);
      for (let a = 0; a < p; a++) {
        let s = 0;
        for (let i = 0; i < K; i++) {
          const ji = J[a + i * p];
          if (ji === 0) continue;
          for (let j = 0; j < K; j++) s += ji * cov[i + j * K] * J[a + j * p];
        }
        se[a] = Math.sqrt(s);
      }
    }
  }
  // mean responses
  const v = modelRowVariances(m, f.theta);
  let mPA = 0, m0 = 0;
  for (let i = 0; i < n; i++) {
    let eta = ms.offset ? ms.offset[i] : 0;
    for (let j = 0; j < p; j++) eta += ms.X[i + j * n] * f.beta[j];
    mPA += marginalMean(link, eta, v[i]);
    m0 += link.linkinv(eta);
  }
  const rows = f.xnames.map((term, j) => ({
    term, conditional: f.beta[j], conditionalSE: Math.sqrt(f.vcov[j + j * p]), marginal: bm[j], marginalSE: se[j],
  }));
  return { link: link.name, rows, meanResponse: mPA / n, meanResponseAtZero: m0 / n, warnings };
}

/** Covariance of (θ, β) of a GLMM: 2 H⁻¹ of the deviance, H by finite differences (extra parameter fixed). */
function jointCovariance(m: ModelFit): Float64Array | null {
  const f = m.fit as FittedGLMM;
  const engine = glmmEngine(m);
  setFittedExtra(engine, f);
  const nth = f.theta.length, p = f.beta.length, K = nth + p;
  const dev = (x: Float64Array) => engine.deviance(x.subarray(0, nth), x.subarray(nth));
  const x0 = Float64Array.from([...f.theta, ...f.beta]);
  const h = hessianFD(dev, x0);
  const lower = new Float64Array(K).fill(-Infinity);
  lower.set(thetaLower(engine.terms), 0);
  const inv = activeInverse(h.hessian, x0, lower, nth);
  if (!inv) return null;
  const C = new Float64Array(K * K);
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) C[i + j * K] = 2 * inv.get(i, j);
  return C;
}
