// Variance components people report: the intraclass correlation (repeatability) and Nakagawa's
// marginal / conditional R², computed as R's performance::icc and performance::r2_nakagawa
// (insight::get_variance, insight 0.19) do:
//   σ²_f  the variance of the fixed-effect predictions Xβ over the fitted rows (n − 1 denominator);
//   σ²_r  the random-effect variance, the mean over rows of z_iᵀ Σ z_i summed over the terms (the
//         intercept variance for a random-intercept model);
//   σ²_ε  the residual variance on the latent (link) scale (Nakagawa & Schielzeth 2010; Nakagawa,
//         Johnson & Schielzeth 2017): σ² for an LMM; π²/3, 1, π²/6 for binomial logit, probit,
//         cloglog; log(1 + 1/μ) for Poisson and log(1 + 1/μ + 1/k) for the negative binomial (log
//         link; the lognormal approximation), with μ = exp(β₀) of the intercept-only model with the
//         same random effects and k the fitted size; 0.25 for Poisson with the sqrt link.
// adjusted ICC = σ²_r / (σ²_r + σ²_ε); conditional ICC = σ²_r / (σ²_f + σ²_r + σ²_ε);
// R²_m = σ²_f / total; R²_c = (σ²_f + σ²_r) / total.
import { UserError } from "../errors.js";
import { deparse } from "../formula/ast.js";
import { parseFormula } from "../formula/index.js";
import { expandTerms, splitBars } from "../formula/terms.js";
import type { FittedGLMM } from "../glmm/glmm.js";
import { groupDisplayNames } from "../report/names.js";
import { termCovariances } from "./marginal.js";
import { fitModel, type ModelFit } from "./model.js";
import { sideParameters } from "./predict-zi.js";
import { formulaOrder } from "../lmm/reterms.js";

/** The variance components behind ICC and R² (fixed, random by group, residual). */
export interface VarianceComponents {
  readonly fixed: number;
  /** total random-effect variance σ²_r */
  readonly random: number;
  /** per random-effect term (formula order) */
  readonly byGroup: { group: string; variance: number }[];
  /** residual (distribution-specific + dispersion) variance on the latent scale */
  readonly residual: number;
  /** how σ²_ε was obtained */
  readonly residualMethod: string;
  /** μ of the null model used for Poisson/NB (null otherwise) */
  readonly nullMu: number | null;
}

/** Intraclass correlation (adjusted, conditional) and R² (marginal, conditional), Nakagawa et al. */
export interface ICCResult {
  readonly components: VarianceComponents;
  readonly iccAdjusted: number;
  readonly iccConditional: number;
  readonly r2Marginal: number;
  readonly r2Conditional: number;
  readonly warnings: string[];
}

/** The formula with the fixed part replaced by 1 (random terms and offsets kept): insight's null model. */
export function nullFormula(formula: string): string {
  const ast = parseFormula(formula);
  const { fixed, bars } = splitBars(ast.rhs, ast.text);
  const parts = ["1"];
  if (fixed) for (const o of expandTerms(fixed, ast.text).offsets) parts.push(`offset(${deparse(o)})`);
  for (const b of bars) {
    const inner = `${deparse(b.lhs)} ${b.double ? "||" : "|"} ${deparse(b.group)}`;
    parts.push(b.kind ? `${b.kind}(${inner})` : `(${inner})`);
  }
  return `${ast.lhs ? deparse(ast.lhs) + " " : ""}~ ${parts.join(" + ")}`;
}

/** insight::get_variance for the families performance supports here. */
export function varianceComponents(m: ModelFit, options: { nullModel?: ModelFit } = {}): VarianceComponents & { warnings: string[] } {
  const f = m.fit;
  const ms = m.ms;
  // (a zero-inflation or dispersion model may have none)
  if (ms.reTerms.length === 0) throw new UserError(`'${m.formula}' has no random-effect terms: ICC and R² need a mixed model`);
  const n = ms.n, p = ms.p;
  const warnings: string[] = [];
  // σ²_f
  const fx = new Float64Array(n);
  // constant columns (the intercept) only shift Xβ: leaving them out keeps an intercept-only
  // model's σ²_f exactly 0 rather than rounding noise (2e-30)
  for (let j = 0; j < p; j++) {
    const col = ms.X.subarray(j * n, (j + 1) * n);
    if (col.every((v) => v === col[0])) continue;
    for (let i = 0; i < n; i++) fx[i] += col[i] * f.beta[j];
  }
  let mean = 0;
  for (const v of fx) mean += v;
  mean /= n;
  let fixed = 0;
  for (const v of fx) fixed += (v - mean) * (v - mean);
  fixed /= n - 1;
  // σ²_r per term
  const cov = termCovariances(f);
  const names = groupDisplayNames(f.terms);
  const order = formulaOrder(f.terms);
  const byGroup = order.map((ti) => {
    const t = f.terms[ti];
    const S = cov[ti], s = t.s, z = t.term.z;
    let acc = 0;
    for (let i = 0; i < n; i++) for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) acc += z[i * s + a] * S[a + b * s] * z[i * s + b];
    return { group: names.get(ti)!, variance: acc / n };
  });
  if (f.terms.some((t) => t.s > 1)) warnings.push("the model has random slopes: the random-effect variance is averaged over the rows (z'Σz), so the ICC depends on the covariates' scale and origin");
  const random = byGroup.reduce((a, g) => a + g.variance, 0);
  let residual: number, residualMethod: string, nullMu: number | null = null;
  if (f.kind === "lmm") {
    residual = f.sigma * f.sigma;
    residualMethod = "residual variance σ²";
  } else {
    const g = f as FittedGLMM;
    const key = `${g.family}/${g.link}`;
    switch (key) {
      case "binomial/logit": residual = (Math.PI * Math.PI) / 3; residualMethod = "π²/3 (logit)"; break;
      case "binomial/probit": residual = 1; residualMethod = "1 (probit)"; break;
      // the cumulative link model's latent variable: logistic or standard normal errors
      case "ordinal/logit": residual = (Math.PI * Math.PI) / 3; residualMethod = "π²/3 (cumulative logit)"; break;
      case "ordinal/probit": residual = 1; residualMethod = "1 (cumulative probit)"; break;
      case "binomial/cloglog": residual = (Math.PI * Math.PI) / 6; residualMethod = "π²/6 (cloglog)"; break;
      case "poisson/sqrt": residual = 0.25; residualMethod = "0.25 (sqrt link)"; break;
      case "poisson/log":
      case "negative_binomial/log":
      case "nbinom1/log":
      case "tweedie/log":
      case "beta/logit":
      case "betabinomial/logit": {
        const r = distributionVariance(m, g, options.nullModel);
        residual = r.residual; residualMethod = r.method; nullMu = r.nullMu;
        if (nullMu < 6 && g.link === "log") warnings.push(`the null model's mean μ = ${nullMu.toPrecision(3)} is small (< 6): the lognormal approximation of the latent residual variance is rough`);
        break;
      }
      default:
        throw new UserError(`ICC and R² on the latent scale are available for gaussian, binomial (logit, probit, cloglog), ordinal, Poisson (log, sqrt), negative binomial and nbinom1 (log; zero-inflated too), tweedie, beta and betabinomial models, not ${g.family} with the ${g.link} link`);
    }
  }
  return { fixed, random, byGroup, residual, residualMethod, nullMu, warnings };
}

/**
 * The distribution-specific variance σ²_d on the latent scale by the lognormal approximation
 * (Nakagawa, Johnson & Schielzeth 2017): log(1 + V/μ²), V the observation-level variance at the
 * null model's mean μ (its intercept through the inverse link; the null model has the same random
 * effects and zero-inflation / dispersion parts):
 *   Poisson V = μ; NB2 μ + μ²/k; NB1 μ(1 + φ); tweedie φμᵖ (performance 0.10.2 / insight 0.19);
 *   beta and betabinomial μ(1 − μ)/(1 + φ) with μ = plogis(β₀) (insight ≥ 0.20, which corrected
 *   0.19's exp(β₀) for these logit-link families);
 *   zero-inflated Poisson and NB: V = the mean over the rows of the mixture's variance,
 *   (1 − π)(μ_i + μ_i²/k) + π(1 − π)μ_i² with μ_i the fitted conditional means (insight's Zuur et
 *   al. 2012 form; for NB insight 0.19 writes μ²(π² + π) for the last term, which is not the
 *   variance of the mixture: the exact π(1 − π)μ² is used here).
 */
function distributionVariance(m: ModelFit, g: FittedGLMM, nullModel?: ModelFit): { residual: number; method: string; nullMu: number } {
  if (g.hurdle) throw new UserError("ICC and R² are not available for hurdle models (the latent-scale variance of a zero-truncated count is not defined by Nakagawa et al.)");
  const disp = g.disp ?? null;
  if (disp && (disp.names.length !== 1 || disp.names[0] !== "(Intercept)")) throw new UserError("ICC and R² need one dispersion parameter: not available with a --disp formula");
  const nm = nullModel ?? fitModel(m.frame, nullFormula(m.formula), m.options);
  const b0 = nm.fit.beta[0];
  const par = new Map((g.familyParams ?? []).map((p) => [p.name, p.estimate]));
  const zi = g.zi ?? null;
  if (g.family === "beta" || g.family === "betabinomial") {
    // (beta with --disp "~ 1": its one precision is the dispersion model's intercept)
    const mu = 1 / (1 + Math.exp(-b0)), phi = disp ? Math.exp(disp.estimate[0]) : par.get("phi")!;
    return { residual: Math.log1p((1 - mu) / (mu * (1 + phi))), method: "log(1 + (1 − μ)/(μ(1 + φ))), lognormal approximation", nullMu: mu };
  }
  const mu = Math.exp(b0);
  if (g.family === "tweedie") {
    const phi = par.get("phi")!, power = par.get("power")!;
    return { residual: Math.log1p(phi * Math.pow(mu, power - 2)), method: "log(1 + φμ^(p−2)), lognormal approximation", nullMu: mu };
  }
  // the count part's dispersion: NB2 size k, NB1 φ
  const a = disp ? Math.exp(disp.estimate[0]) : g.family === "negative_binomial" ? g.nbSize! : NaN;
  const variance = (x: number) => (g.family === "poisson" ? x : g.family === "negative_binomial" ? x + (x * x) / a : x * (1 + a));
  if (zi) {
    // π with the zi part's random effects at their modes, as insight's predict(type = "zprob")
    const pi = sideParameters(m, m.ms.rows, undefined, true).logitZi!;
    let v = 0;
    for (let i = 0; i < g.eta.length; i++) {
      const p = 1 / (1 + Math.exp(-pi[i])), mi = Math.exp(g.eta[i]);
      v += (1 - p) * variance(mi) + p * (1 - p) * mi * mi;
    }
    v /= g.eta.length;
    return { residual: Math.log1p(v / (mu * mu)), method: "log(1 + V/μ²), V the zero-inflated mixture's mean variance, lognormal approximation", nullMu: mu };
  }
  const what = g.family === "poisson" ? "1/μ" : g.family === "negative_binomial" ? "1/μ + 1/size" : "(1 + φ)/μ";
  return { residual: Math.log1p(variance(mu) / (mu * mu)), method: `log(1 + ${what}), lognormal approximation`, nullMu: mu };
}

/** ICC (adjusted and conditional) and marginal / conditional R². */
export function iccR2(m: ModelFit, options: { nullModel?: ModelFit } = {}): ICCResult {
  const c = varianceComponents(m, options);
  const { warnings, ...components } = c;
  const total = c.fixed + c.random + c.residual;
  if (m.fit.singular) warnings.push("the fit is singular (a variance at zero): the ICC and R² may be unreliable");
  return {
    components,
    iccAdjusted: c.random / (c.random + c.residual),
    iccConditional: c.random / total,
    r2Marginal: c.fixed / total,
    r2Conditional: (c.fixed + c.random) / total,
    warnings,
  };
}
