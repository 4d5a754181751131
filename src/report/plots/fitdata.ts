// From a fitted model to the data of its diagnostic plots: the caterpillar rows, residuals against
// fitted values, the QQ series of the conditional modes. Shared by `glmm plot`, `glmm fit --plot`
// and the playground's worker, so all three draw the same thing.
import type { FitResult } from "../../fit.js";
import type { FittedGLMM } from "../../glmm/glmm.js";
import type { FitJSON } from "../json.js";
import { caterpillarSpec, type CaterpillarRow } from "./caterpillar.js";
import { qqSpec, type QQSeries } from "./qq.js";
import { residualSpec } from "./residuals.js";
import type { PlotSpec } from "./spec.js";

/** Caterpillar rows from the JSON ranef block ({group: {levels, term: [...], condsd_term: [...]}}). */
export function ranefRows(ranef: FitJSON["ranef"]): CaterpillarRow[] {
  const out: CaterpillarRow[] = [];
  for (const [group, block] of Object.entries(ranef)) {
    const levels = block.levels as string[];
    for (const [key, vals] of Object.entries(block)) {
      if (key === "levels" || key.startsWith("condsd_")) continue;
      const est = vals as (number | null)[];
      const sd = block[`condsd_${key}`] as (number | null)[] | undefined;
      levels.forEach((level, i) => out.push({ group, term: key, level, estimate: est[i] ?? NaN, se: sd ? sd[i] : null }));
    }
  }
  return out;
}

/** QQ series: one per (group, term), labelled "group: term". */
export function ranefSeries(ranef: FitJSON["ranef"]): QQSeries[] {
  const out: QQSeries[] = [];
  for (const [group, block] of Object.entries(ranef))
    for (const [key, vals] of Object.entries(block)) {
      if (key === "levels" || key.startsWith("condsd_")) continue;
      out.push({ label: `${group}: ${key}`, values: (vals as (number | null)[]).map((v) => v ?? NaN) });
    }
  return out;
}

/**
 * Residuals the plots and the summary use: y − fitted for an LMM; Pearson residuals
 * (y − μ)/√(φ V(μ)/w) for a GLMM (binomial w = trials), as lme4's resid(fit, "pearson").
 */
export function plotResiduals(result: FitResult): { fitted: Float64Array; residuals: Float64Array; pearson: boolean } {
  const f = result.fit;
  if (f.kind === "lmm") return { fitted: f.fitted, residuals: f.residuals, pearson: false };
  const resp = result.model.response;
  const n = f.fitted.length;
  const r = new Float64Array(n);
  if (!resp) return { fitted: f.fitted, residuals: r.fill(NaN), pearson: true };
  if (f.kind === "glmm" && (f.zi || f.disp || f.hurdle)) return extendedResiduals(f, resp.y);
  for (let i = 0; i < n; i++) {
    const mu = f.fitted[i];
    const w = resp.trials ? resp.trials[i] : 1;
    const fp = f.kind === "glmm" ? f.familyParams : undefined;
    const phi = fp?.[0]?.estimate ?? NaN;
    const v =
      f.family === "binomial" ? (mu * (1 - mu)) / w
      : f.family === "beta" ? (mu * (1 - mu)) / (1 + phi)
      : f.family === "betabinomial" ? (mu * (1 - mu) * (1 + (w - 1) / (phi + 1))) / w
      : f.family === "tweedie" ? phi * Math.pow(mu, fp?.[1]?.estimate ?? NaN)
      : f.family === "ordinal" ? NaN
      : f.family === "poisson" ? mu
      : f.family === "negative_binomial" ? mu + (mu * mu) / (f.nbSize ?? Infinity)
      : f.family === "Gamma" ? mu * mu * f.dispersion
      : f.dispersion;
    r[i] = (resp.y[i] - mu) / Math.sqrt(v);
  }
  return { fitted: f.fitted, residuals: r, pearson: true };
}

/**
 * Zero-inflated, hurdle, dispersion-formula and NB1 fits: the fitted values are the expected
 * response E y (glmmTMB's fitted(): (1 − π)μ, a hurdle's (1 − π)μ/(1 − p₀)) and the Pearson
 * residuals (y − E y)/√Var y use the whole distribution's variance with each row's dispersion
 * (glmmTMB's betad: NB2 size, NB1 φ, σ², Gamma shape, beta precision):
 * (1 − π)V(μ) + π(1 − π)μ² for zero-inflation (glmmTMB's residuals(type = "pearson")), the
 * zero-truncated count's moments for a hurdle.
 */
function extendedResiduals(f: FittedGLMM, y: Float64Array): { fitted: Float64Array; residuals: Float64Array; pearson: boolean } {
  const n = f.fitted.length;
  const fitted = new Float64Array(n), r = new Float64Array(n);
  const zi = f.zi?.linear, disp = f.disp?.linear;
  for (let i = 0; i < n; i++) {
    const mu = f.fitted[i], k = disp ? Math.exp(disp[i]) : NaN;
    // the count (or continuous) family's variance at μ with the row's dispersion parameter
    const v = f.family === "poisson" ? mu
      : f.family === "negative_binomial" ? mu + (mu * mu) / k
      : f.family === "nbinom1" ? mu * (1 + k)
      : f.family === "Gamma" ? (mu * mu) / k
      : f.family === "beta" ? (mu * (1 - mu)) / (1 + k)
      : k; // gaussian: σ²
    const pi = zi ? 1 / (1 + Math.exp(-zi[i])) : 0;
    let m = mu, w = v;
    if (f.hurdle) {
      // zero-truncated moments: E y² = (V + μ²)/(1 − p₀) over the positives
      const p0 = f.family === "poisson" ? Math.exp(-mu) : Math.pow(k / (k + mu), k);
      m = mu / (1 - p0);
      w = (v + mu * mu) / (1 - p0) - m * m;
    }
    fitted[i] = (1 - pi) * m;
    r[i] = (y[i] - fitted[i]) / Math.sqrt((1 - pi) * w + pi * (1 - pi) * m * m);
  }
  return { fitted, residuals: r, pearson: true };
}

/** A fit's three diagnostic plot specs. */
export interface FitPlotSpecs {
  readonly caterpillar: PlotSpec;
  readonly residuals: PlotSpec;
  readonly qq: PlotSpec;
}

/** The three diagnostic plots of a fit, keyed by their file stem (caterpillar.svg, ...). */
export function fitPlotSpecs(result: FitResult, options: { level?: number } = {}): FitPlotSpecs {
  const { fitted, residuals, pearson } = plotResiduals(result);
  const lmm = result.fit.kind === "lmm";
  const response = result.model.response?.name;
  return {
    caterpillar: caterpillarSpec(ranefRows(result.json.ranef), { level: options.level }),
    residuals: residualSpec(fitted, residuals, {
      xTitle: lmm ? `Fitted ${response ?? "values"}` : "Fitted mean μ",
      yTitle: pearson ? "Pearson residuals" : "Residuals",
    }),
    qq: qqSpec(ranefSeries(result.json.ranef), { title: "Normal QQ plot of the random effects", yTitle: "Conditional modes" }),
  };
}
