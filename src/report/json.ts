// The JSON form of a fitted model (shared/conformance/CONTRACT.md): plain numbers, R's names.
import type { SolverInfo } from "../lmm/system.js";
import type { FittedLMM, VarCorrEntry } from "../lmm/lmm.js";
import type { FittedGLMM } from "../glmm/glmm.js";
import type { FittedGLM } from "../glm/glm.js";
import { groupDisplayNames, ngrps } from "./names.js";
import { type SysTerm, formulaOrder } from "../lmm/reterms.js";

/** Any fitted model the engines return: an LMM, a GLMM or a GLM. */
export type FittedModel = FittedLMM | FittedGLMM | FittedGLM;

/** The JSON of a fit (`glmm fit --format json`, CONTRACT.md). */
export interface FitJSON {
  family: string;
  link: string;
  method: string;
  formula?: string;
  nobs: number;
  dropped?: number;
  groups: Record<string, number>;
  logLik: number;
  df: number;
  AIC: number;
  BIC: number;
  deviance?: number;
  REML?: number | null;
  fixef: Array<{ term: string; estimate: number; se: number; statistic: number; df?: number | null; p: number | null }>;
  /** zero-inflation model (logit link; a hurdle's zero model), when there is one: glmmTMB's fixef(m)$zi */
  zi?: Array<{ term: string; estimate: number; se: number; statistic: number; p: number | null }>;
  /** dispersion model (log link), when the family has an extended dispersion part: glmmTMB's fixef(m)$disp */
  disp?: Array<{ term: string; estimate: number; se: number; statistic: number; p: number | null }>;
  /** "hurdle" for the truncated_ families */
  model?: string;
  /** zero-inflation at its boundary (π → 0): rows affected and the LRT against the model without it */
  zi_boundary?: { rows: number; statistic: number; df: number; p: number; logLik_without: number };
  varcorr: Array<{ group: string; term1: string; term2: string | null; variance?: number; sd?: number; corr?: number; structure?: string; rho?: number; known?: string }>;
  /** the zero-inflation model's random effects, when it has some (glmmTMB's VarCorr(m)$zi), as varcorr */
  zi_varcorr?: FitJSON["varcorr"];
  sigma: number;
  nb_size: number | null;
  theta: number[];
  singular: boolean;
  converged: boolean;
  warnings: string[];
  ranef: Record<string, Record<string, unknown>>;
  /** objective evaluations the optimizers used */
  evaluations: number;
  /** how the penalized system was factored (mixed models only) */
  solver?: SolverInfo;
  /** beta/betabinomial/tweedie/ordinal: the family's own parameters (phi, power, thresholds "1|2", ...) */
  family_params?: Array<{ name: string; estimate: number; se: number }>;
  /** iterative route: the Monte Carlo standard error of logLik */
  logLikMCSE?: number;
}

/** JSON numbers: non-finite values become null (JSON has no NaN). */
const num = (x: number): number => (Number.isFinite(x) ? x : (null as unknown as number));

/** The CONTRACT.md JSON of a fit (`glmm fit --format json`). */
export function fitToJSON(fit: FittedModel, extra: { formula?: string; dropped?: number; warnings?: string[] } = {}): FitJSON {
  if (fit.kind === "glm") {
    const useT = fit.family === "gaussian" || fit.family === "Gamma";
    return {
      family: fit.family, link: fit.link, method: fit.method, formula: extra.formula,
      nobs: fit.nobs, dropped: extra.dropped, groups: {},
      logLik: num(fit.logLik), df: fit.df, AIC: num(fit.AIC), BIC: num(fit.BIC), deviance: num(fit.deviance),
      fixef: fit.fixef.map((f) => ({ term: f.term, estimate: num(f.estimate), se: num(f.se), statistic: num(f.statistic), df: useT ? fit.dfResidual : null, p: num(f.p) })),
      varcorr: [], sigma: num(fit.sigma), nb_size: fit.nbSize === null ? null : num(fit.nbSize), theta: [],
      singular: false, converged: fit.converged, warnings: [...(extra.warnings ?? []), ...fit.warnings], ranef: {}, evaluations: fit.evaluations,
    };
  }
  const names = groupDisplayNames(fit.terms);
  const byGroupOrder = formulaOrder(fit.terms);
  const varcorr = varcorrJSON(fit.terms, fit.varcorr);
  // keyed by user column names: null-prototype objects ('__proto__' is a name like any other), and a
  // coefficient whose name is taken ('levels', 'condsd_x') is written back-quoted, as R quotes names
  const ranef: FitJSON["ranef"] = Object.create(null);
  fit.ranef.forEach((r, k) => {
    const ti = byGroupOrder[k];
    const o: Record<string, unknown> = Object.create(null);
    o.levels = r.levels;
    const reserved = new Set(["levels", ...r.cnames.map((c) => `condsd_${c}`)]);
    r.cnames.forEach((c, j) => {
      const key = reserved.has(c) ? `\`${c}\`` : c;
      o[key] = Array.from(r.values[j], num);
      if (r.condsd) o[`condsd_${key}`] = Array.from(r.condsd[j], num);
    });
    ranef[names.get(ti)!] = o;
  });
  const warnings = [...(extra.warnings ?? []), ...fit.warnings];
  if (fit.kind === "lmm") {
    const p = fit.p;
    return {
      family: "gaussian", link: "identity", method: fit.reml ? "REML" : "ML", formula: extra.formula,
      nobs: fit.nobs, dropped: extra.dropped, groups: ngrps(fit.terms),
      logLik: num(fit.logLik), df: fit.df, AIC: num(fit.AIC), BIC: num(fit.BIC),
      REML: fit.reml ? num(fit.objective) : null,
      fixef: fit.xnames.map((term, j) => {
        const se = Math.sqrt(fit.vcov[j + j * p]);
        return { term, estimate: num(fit.beta[j]), se: num(se), statistic: num(fit.beta[j] / se), p: null };
      }),
      varcorr, sigma: num(fit.sigma), nb_size: null, theta: Array.from(fit.theta),
      singular: fit.singular, converged: fit.converged, warnings, ranef, evaluations: fit.evaluations, solver: fit.solver,
      ...(fit.logLikMCSE !== undefined ? { logLikMCSE: num(fit.logLikMCSE) } : {}),
    };
  }
  const rows = (rs: readonly { term: string; estimate: number; se: number; statistic: number; p: number }[]) =>
    rs.map((f) => ({ term: f.term, estimate: num(f.estimate), se: num(f.se), statistic: num(f.statistic), p: num(f.p) }));
  return {
    family: fit.hurdle ? `truncated_${fit.family === "poisson" ? "poisson" : "nbinom2"}` : fit.family, link: fit.link, method: fit.method, formula: extra.formula,
    ...(fit.hurdle ? { model: "hurdle" } : {}),
    nobs: fit.nobs, dropped: extra.dropped, groups: ngrps(fit.terms),
    logLik: num(fit.logLik), df: fit.df, AIC: num(fit.AIC), BIC: num(fit.BIC), deviance: num(fit.deviance),
    fixef: rows(fit.fixef),
    ...(fit.zi ? { zi: rows(fit.zi.rows) } : {}),
    ...(fit.zi?.varcorr && fit.zi.terms ? { zi_varcorr: varcorrJSON(fit.zi.terms, fit.zi.varcorr) } : {}),
    ...(fit.disp ? { disp: rows(fit.disp.rows) } : {}),
    ...(fit.ziBoundary ? { zi_boundary: { rows: fit.ziBoundary.rows, statistic: num(fit.ziBoundary.lrt.statistic), df: fit.ziBoundary.lrt.df, p: num(fit.ziBoundary.lrt.p), logLik_without: num(fit.ziBoundary.lrt.logLikWithout) } } : {}),
    varcorr, sigma: fit.family === "gaussian" || fit.family === "Gamma" || fit.family === "nbinom1" ? num(fit.family === "nbinom1" ? fit.dispersion : Math.sqrt(fit.dispersion)) : 1,
    nb_size: fit.nbSize === null ? null : num(fit.nbSize), theta: Array.from(fit.theta),
    singular: fit.singular, converged: fit.converged, warnings, ranef, evaluations: fit.evaluations, solver: fit.solver,
    ...(fit.logLikMCSE !== undefined ? { logLikMCSE: num(fit.logLikMCSE) } : {}),
    ...(fit.familyParams ? { family_params: fit.familyParams.map((f) => ({ name: f.name, estimate: num(f.estimate), se: num(f.se) })) } : {}),
  };
}

/** varCorr entries (formula order of the terms) with the groups' display names */
function varcorrJSON(terms: readonly SysTerm[], vc: readonly VarCorrEntry[]): FitJSON["varcorr"] {
  const names = groupDisplayNames(terms);
  const byGroupOrder = formulaOrder(terms);
  const varcorr: FitJSON["varcorr"] = [];
  let vi = 0;
  for (const ti of byGroupOrder) {
    const t = terms[ti];
    const count = t.s + (t.s * (t.s - 1)) / 2;
    for (let k = 0; k < count; k++, vi++) {
      const v = vc[vi];
      const e: FitJSON["varcorr"][number] = { group: names.get(ti)!, term1: v.term1, term2: v.term2 };
      if (v.variance !== undefined) e.variance = num(v.variance);
      if (v.sd !== undefined) e.sd = num(v.sd);
      if (v.corr !== undefined) e.corr = num(v.corr);
      if (v.structure !== undefined) e.structure = v.structure;
      if (v.rho !== undefined) e.rho = num(v.rho);
      if (v.known !== undefined) e.known = v.known;
      varcorr.push(e);
    }
  }
  return varcorr;
}
