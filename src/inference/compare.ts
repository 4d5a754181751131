// Likelihood-ratio tests between nested mixed models with an AIC/BIC table, as lme4's anova():
// LMMs fitted by REML are refitted by ML first (REML likelihoods of models with different fixed
// effects are not comparable), models are ordered by their number of parameters, and each is
// tested against the one before it.
import { UserError } from "../errors.js";
import { pchisqUpper } from "./distributions.js";
import { refitML, type ModelFit } from "./model.js";

/** One model's row in a comparison. */
export interface CompareRow {
  /** the model's label (m1, m2, ... in the order given, or the caller's) */
  readonly name: string;
  readonly formula: string;
  readonly npar: number;
  readonly AIC: number;
  readonly BIC: number;
  readonly logLik: number;
  /** −2 logLik */
  readonly deviance: number;
  /** LRT against the previous row (null on the first row) */
  readonly chisq: number | null;
  readonly df: number | null;
  readonly p: number | null;
}

/** A likelihood-ratio comparison of models (lme4's anova(m1, m2)). */
export interface CompareResult {
  readonly rows: CompareRow[];
  /** true when REML fits were refitted by ML */
  readonly refitted: boolean;
  readonly warnings: string[];
}

/**
 * Compare fitted models on the same data. `refit` (default true) refits REML LMMs by ML, as
 * anova(refit = TRUE) does; with refit false, REML fits are compared as they are (valid only when
 * their fixed effects are identical).
 */
export function compareModels(models: readonly ModelFit[], options: { names?: readonly string[]; refit?: boolean } = {}): CompareResult {
  if (models.length < 2) throw new UserError("model comparison needs at least two models (repeat --formula)");
  const names = options.names ?? models.map((_, i) => `m${i + 1}`);
  const warnings: string[] = [];
  const n0 = models[0].ms.n;
  const resp0 = models[0].ms.response?.name;
  models.forEach((m, i) => {
    if (m.ms.n !== n0) {
      throw new UserError(`models were fitted to different numbers of rows (${names[0]}: ${n0}, ${names[i]}: ${m.ms.n}); missing values in a variable only one model uses change the data — remove those rows first`);
    }
    if (m.ms.response?.name !== resp0) throw new UserError(`models have different responses ('${resp0}' and '${m.ms.response?.name}')`);
    const fam = m.fit.kind === "lmm" ? "gaussian" : m.fit.family;
    const fam0 = models[0].fit.kind === "lmm" ? "gaussian" : models[0].fit.family;
    if (fam !== fam0) throw new UserError(`models have different families (${fam0} and ${fam}); their likelihoods are not comparable`);
    const hurdle = (x: ModelFit) => x.fit.kind === "glmm" && x.fit.hurdle === true;
    if (hurdle(m) !== hurdle(models[0])) throw new UserError(`a hurdle model and a model without a hurdle are not nested (${names[0]} and ${names[i]})`);
  });
  const refit = options.refit ?? true;
  let refitted = false;
  const fits = models.map((m) => {
    if (refit && m.fit.kind === "lmm" && m.fit.reml) {
      refitted = true;
      return refitML(m);
    }
    return m;
  });
  if (!refit && fits.some((m) => m.fit.kind === "lmm" && m.fit.reml)) {
    const x0 = fits[0].ms.xnames.join(",");
    if (fits.some((m) => m.ms.xnames.join(",") !== x0)) warnings.push("REML fits with different fixed effects are being compared: their likelihoods are not comparable (refit with ML)");
  }
  const entries = fits.map((m, i) => ({ m, name: names[i], order: i }));
  entries.sort((a, b) => a.m.fit.df - b.m.fit.df || a.order - b.order);
  const rows: CompareRow[] = [];
  let prev: { logLik: number; npar: number } | null = null;
  for (const e of entries) {
    const f = e.m.fit;
    const npar = f.df;
    const logLik = f.logLik;
    let chisq: number | null = null, df: number | null = null, p: number | null = null;
    if (prev) {
      df = npar - prev.npar;
      chisq = Math.max(0, 2 * (logLik - prev.logLik));
      p = df > 0 ? pchisqUpper(chisq, df) : null;
      if (df === 0) warnings.push(`${e.name} has as many parameters as the model before it: the models are not nested, compare their AIC/BIC instead`);
      if (logLik < prev.logLik - 1e-3 && df > 0) warnings.push(`${e.name} has more parameters but a lower log-likelihood than the model before it: the models may not be nested, or a fit did not converge`);
    }
    rows.push({ name: e.name, formula: modelLabel(e.m), npar, AIC: f.AIC, BIC: f.BIC, logLik, deviance: -2 * logLik, chisq, df, p });
    prev = { logLik, npar };
  }
  // a test that adds a zero-inflation part has its null on the boundary (π = 0)
  for (let i = 1; i < entries.length; i++) {
    const a = entries[i - 1].m.fit, b = entries[i].m.fit;
    if (a.kind === "glmm" && b.kind === "glmm" && !b.hurdle && !a.zi && b.zi) {
      warnings.push("a test that adds zero-inflation has its null hypothesis on the boundary (zero-inflation probability = 0): the χ² p-value is conservative");
      break;
    }
  }
  // a test that adds variance parameters has its null on the boundary (a variance at zero)
  for (let i = 1; i < entries.length; i++) {
    if (nsd(entries[i].m) !== nsd(entries[i - 1].m)) {
      warnings.push("a test that adds random-effect variances has its null hypothesis on the boundary (variance = 0): the χ² p-value is conservative");
      break;
    }
  }
  return { rows, refitted, warnings };
}

/** the formula, with the zero-inflation and dispersion parts (glmmTMB's ziformula, dispformula) when there are */
function modelLabel(m: ModelFit): string {
  const f = m.fit;
  if (f.kind !== "glmm") return m.formula;
  const zi = f.zi && m.options.zi !== undefined ? `, zi ${m.options.zi.trim()}` : "";
  const disp = f.disp && m.options.disp !== undefined ? `, disp ${m.options.disp.trim()}` : "";
  return m.formula + zi + disp;
}

/** number of random-effect standard deviations (diagonal θ entries) */
function nsd(m: ModelFit): number {
  return m.fit.terms.reduce((a, t) => a + t.s, 0);
}
