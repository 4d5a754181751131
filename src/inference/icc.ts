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
  const order = f.terms.map((_, i) => i).sort((a, b) => f.terms[a].formulaIndex - f.terms[b].formulaIndex);
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
      case "negative_binomial/log": {
        const nm = options.nullModel ?? fitModel(m.frame, nullFormula(m.formula), m.options);
        nullMu = Math.exp(nm.fit.beta[0]);
        const cv2 = 1 / nullMu + (g.family === "negative_binomial" ? 1 / g.nbSize! : 0);
        residual = Math.log1p(cv2);
        residualMethod = g.family === "poisson" ? "log(1 + 1/μ), lognormal approximation" : "log(1 + 1/μ + 1/size), lognormal approximation";
        if (nullMu < 6) warnings.push(`the null model's mean μ = ${nullMu.toPrecision(3)} is small (< 6): the lognormal approximation of the latent residual variance is rough`);
        break;
      }
      default:
        throw new UserError(`ICC and R² on the latent scale are available for gaussian, binomial (logit, probit, cloglog), ordinal, Poisson (log, sqrt) and negative binomial (log) models, not ${g.family} with the ${g.link} link`);
    }
  }
  return { fixed, random, byGroup, residual, residualMethod, nullMu, warnings };
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
