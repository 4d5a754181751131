// Estimated marginal means (Searle, Speed & Milliken 1980; R's emmeans): the model's predictions on
// a reference grid — every level of every fixed-effect factor, numeric covariates at their means
// over the fitted rows (or at given values) — averaged with equal weights over the factors not
// asked for. Each mean is a linear function Lβ, so its SE is √(LVLᵀ); its df are Satterthwaite's
// for an LMM (as emmeans with lmer.df = "satterthwaite") and ∞ for a GLMM. On the response scale
// the mean and its interval are back-transformed and the SE is the delta method's. Pairwise
// differences come with Tukey (studentized range), Holm, Bonferroni, BH or no adjustment, per
// `by` group.
import type { Column } from "../data/frame.js";
import { Frame } from "../data/frame.js";
import { UserError } from "../errors.js";
import { links, type Link, type LinkName } from "../families/link.js";
import { pnormUpper, qnorm } from "../families/special.js";
import { columnsOf } from "../formula/ast.js";
import { parseFormula } from "../formula/index.js";
import { pt2, qt } from "./distributions.js";
import type { FittedGLM } from "../glm/glm.js";
import type { ModelFit } from "./model.js";
import { newDesign } from "./newdata.js";
import { termCovariances } from "./marginal.js";
import { ptukeyUpper, qtukeyUpper } from "./ptukey.js";
import { kenwardRoger, krDf, type DdfMethod } from "./kenward-roger.js";
import { Satterthwaite } from "./satterthwaite.js";
import { factorColumn, fixedTerms } from "./terms.js";
import { componentJacobian, hasZeroPart, sideRows } from "./predict-zi.js";
import { isExtendedFit } from "./simulate-zi.js";
import type { FittedGLMM } from "../glmm/glmm.js";

/**
 * Which part of a zero-inflated or hurdle model the means are of (glmmTMB's emm_basis component):
 * "cond" the count part (link log), "zi" the zero-inflation part (link logit), "response" the
 * expected response (1 − π)μ per grid point, averaged on the response scale.
 */
export type EmmComponent = "cond" | "zi" | "response";

/** p-value adjustments for families of contrasts, as emmeans names them. */
export type Adjust = "tukey" | "sidak" | "holm" | "bonferroni" | "BH" | "none";
/** Every {@link Adjust} value, for option checking. */
export const ADJUSTMENTS: readonly Adjust[] = ["tukey", "sidak", "holm", "bonferroni", "BH", "none"];
/** pairwise (all pairs), trt.vs.ctrl (every level against the first), consec (each level against the one before) */
export type ContrastKind = "pairwise" | "trt.vs.ctrl" | "consec";
/** The contrast families `--contrast` takes, as emmeans names them. */
export const CONTRASTS: readonly ContrastKind[] = ["pairwise", "trt.vs.ctrl", "consec"];
/** Custom contrasts: name → one coefficient per mean of a `by` group (emmeans' contrast(e, list(...))). */
export type CustomContrasts = Readonly<Record<string, readonly number[]>>;
/**
 * How the means average over the factors not in specs/by (emmeans' `weights`): equal; proportional to
 * the observed frequencies of the averaged-over level combinations; outer (products of their marginal
 * frequencies); cells (each cell's own frequencies); flat (equal over the cells that have data).
 */
export type EmmWeights = "equal" | "proportional" | "outer" | "cells" | "flat";
/** Every {@link EmmWeights} value, for option checking. */
export const EMM_WEIGHTS: readonly EmmWeights[] = ["equal", "proportional", "outer", "cells", "flat"];

/** Options of {@link emmeans}: specs, by, type (link or response), contrasts, adjustment and level. */
export interface EmmeansOptions {
  /** the factors (or multi-valued covariates) whose means are wanted */
  readonly specs: readonly string[];
  /** separate tables (and contrast families) per level combination of these */
  readonly by?: readonly string[];
  /** covariate values (numbers) or factor levels (labels) to use instead of the mean / all levels */
  readonly at?: Readonly<Record<string, readonly string[]>>;
  /** "link" (default) or "response" (back-transformed; no-op for the identity link) */
  readonly type?: "link" | "response";
  /** p-value adjustment of the contrasts (default "tukey"; "none" for custom contrasts, as emmeans) */
  readonly adjust?: Adjust;
  /** confidence level (default 0.95) */
  readonly level?: number;
  /** which contrasts (default "pairwise"), or custom ones by name */
  readonly contrast?: ContrastKind | CustomContrasts;
  /** weights of the averaging over the other factors (default "equal") */
  readonly weights?: EmmWeights;
  /**
   * type "response" of a GLMM: emmeans' second-order bias adjustment of the back-transform,
   * g⁻¹(η) + σ²/2·(g⁻¹)''(η), for the mean over the random effects
   */
  readonly biasAdjust?: boolean;
  /** σ of the bias adjustment (default: √ of the sum of the random-effect variances) */
  readonly sigma?: number;
  /** LMM df: "satterthwaite" (default) or "kenward-roger" (then also the KR-adjusted vcov, as emmeans' lmer.df = "kenward-roger") */
  readonly ddf?: DdfMethod;
  /** zero-inflated and hurdle models: the part (default "cond") */
  readonly component?: EmmComponent;
}

/** One estimated marginal mean (emmeans row): levels, estimate, SE, df and interval. */
export interface EmmRow {
  /** level of every spec and by variable */
  readonly levels: Readonly<Record<string, string>>;
  /** mean on the link scale, or on the response scale for type "response" */
  readonly estimate: number;
  readonly se: number;
  readonly df: number;
  readonly lower: number;
  readonly upper: number;
}

/** One contrast of estimated marginal means with its test (emmeans's contrast()). */
export interface EmmContrastRow {
  readonly by: Readonly<Record<string, string>>;
  /** "a - b" (link scale), or "a / b" for a ratio back-transformed from the log or logit scale */
  readonly contrast: string;
  readonly estimate: number;
  readonly se: number;
  readonly df: number;
  /** t (LMM) or z (GLMM), on the link scale */
  readonly statistic: number;
  /** adjusted within its by group */
  readonly p: number;
  /** confidence limits (on the estimate's scale), simultaneous by result.ciAdjust */
  readonly lower: number;
  readonly upper: number;
}

/** The result of {@link emmeans}: the means and contrast tables. */
export interface EmmeansResult {
  readonly specs: readonly string[];
  readonly by: readonly string[];
  readonly link: string;
  readonly type: "link" | "response";
  /** what the contrasts' estimates are: "difference", "ratio" (log) or "odds.ratio" (logit) */
  readonly contrastScale: "difference" | "ratio" | "odds.ratio";
  /**
   * the scale the contrasts are tested on, as emmeans names it: "log odds ratio" (logit link) or
   * "log" (log link) when every contrast sums to zero; null when they are differences on another
   * link scale (emmeans' "Note: contrasts are still on the … scale") or the link is the identity
   */
  readonly contrastTransform: "log odds ratio" | "log" | null;
  /**
   * "residual": a model without random effects, n − p as emmeans for lm and gaussian/Gamma glm; and
   * nobs − number of parameters for glmmTMB's models (zero-inflation, dispersion formulas, NB1), as its emm_basis
   */
  readonly dfMethod: "Satterthwaite" | "Kenward-Roger" | "asymptotic" | "residual";
  /** the grid variables the means are averaged over (emmeans' "Results are averaged over the levels of") */
  readonly averagedOver: readonly string[];
  readonly component: EmmComponent;
  /** the p-value adjustment applied (tukey becomes sidak for non-pairwise contrasts, as in emmeans) */
  readonly adjust: Adjust;
  /** the adjustment of the contrasts' confidence limits (holm and BH fall back to bonferroni, as in emmeans) */
  readonly ciAdjust: Adjust;
  /** the contrast family, or "custom" */
  readonly contrast: ContrastKind | "custom";
  readonly weights: EmmWeights;
  /** σ of the bias adjustment of the response-scale means, or null when not adjusted */
  readonly biasAdjustSigma: number | null;
  readonly level: number;
  /** covariates held fixed, with their values */
  readonly covariates: Readonly<Record<string, number>>;
  readonly means: EmmRow[];
  readonly contrasts: EmmContrastRow[];
  readonly warnings: string[];
}

/** a grid variable; for a factor, `codes` maps each fitted row to its value index (-1 when not in the grid) */
interface GridVar { readonly name: string; readonly values: string[]; readonly numeric: boolean; readonly codes?: Int32Array }

function mean(col: Float64Array, rows: Int32Array): number {
  let s = 0;
  for (const r of rows) s += col[r];
  return s / rows.length;
}

const label = (x: number) => String(Number(x.toPrecision(12)));

/** The reference grid's variables, and the covariates held at one value. */
function gridVariables(m: ModelFit, at: Readonly<Record<string, readonly string[]>>): { vars: GridVar[]; fixed: Map<string, number> } {
  const ft = fixedTerms(m);
  const vars: GridVar[] = [];
  const fixed = new Map<string, number>();
  const seen = new Set<string>();
  const inTerm = new Set(ft.terms.flatMap((t) => t.vars));
  ft.variables.forEach((v, k) => {
    if (!inTerm.has(k)) return;
    if (v.factor) {
      const col = factorColumn(v.expr);
      if (col === null) throw new UserError(`emmeans: the factor '${v.label}' is not a data column (use a column or factor(column))`);
      if (seen.has(col)) return;
      seen.add(col);
      let levels = [...v.factor.levels];
      if (at[col]) {
        const bad = at[col].filter((l) => !levels.includes(l));
        if (bad.length) throw new UserError(`--at ${col}: '${bad[0]}' is not a level of '${col}' (levels: ${levels.join(", ")})`);
        levels = [...at[col]];
      }
      const toGrid = new Int32Array(v.factor.levels.length).fill(-1);
      levels.forEach((l, gi) => { toGrid[v.factor!.levels.indexOf(l)] = gi; });
      vars.push({ name: col, values: levels, numeric: false, codes: Int32Array.from(v.factor.codes, (c) => (c >= 0 ? toGrid[c] : -1)) });
      return;
    }
    for (const col of columnsOf(v.expr)) {
      if (seen.has(col)) continue;
      seen.add(col);
      const c = m.frame.column(col);
      if (c.kind !== "numeric") continue;
      if (at[col]) {
        const xs = at[col].map((s) => {
          const x = Number(s);
          if (s.trim() === "" || !Number.isFinite(x)) throw new UserError(`--at ${col}: '${s}' is not a number`);
          return x;
        });
        if (xs.length === 1) fixed.set(col, xs[0]);
        else vars.push({ name: col, values: xs.map(label), numeric: true });
      } else fixed.set(col, mean(c.values, m.ms.rows));
    }
  });
  for (const name of Object.keys(at)) if (!seen.has(name)) throw new UserError(`--at ${name}: '${name}' is not a variable of the fixed effects`);
  return { vars, fixed };
}

/** The model matrix of the grid rows (first grid variable varying fastest). */
function gridDesign(m: ModelFit, vars: readonly GridVar[], fixed: ReadonlyMap<string, number>): { X: Float64Array; G: number; index: number[][]; frame: Frame } {
  const G = vars.reduce((g, v) => g * v.values.length, 1);
  if (G > 1e5) throw new UserError(`the reference grid would have ${G.toExponential(2)} rows (every level combination of ${vars.map((v) => v.name).join(", ")}); restrict it with --at NAME=LEVELS`);
  const index: number[][] = [];
  for (let g = 0; g < G; g++) {
    let r = g;
    index.push(vars.map((v) => { const i = r % v.values.length; r = Math.floor(r / v.values.length); return i; }));
  }
  const ast = parseFormula(m.formula);
  const first = m.ms.rows[0];
  const cols: Column[] = [];
  for (const name of new Set(columnsOf(ast.rhs))) {
    const c = m.frame.column(name);
    const vi = vars.findIndex((v) => v.name === name);
    if (vi >= 0) {
      const vals = index.map((ix) => vars[vi].values[ix[vi]]);
      cols.push(c.kind === "numeric" ? { kind: "numeric", name, values: Float64Array.from(vals, Number) } : { kind: "text", name, values: vals });
    } else if (c.kind === "numeric") {
      // a covariate only in an offset or a random slope: any value does; its mean
      cols.push({ kind: "numeric", name, values: new Float64Array(G).fill(fixed.get(name) ?? mean(c.values, m.ms.rows)) });
    } else cols.push({ kind: "text", name, values: new Array(G).fill(c.values[first]) });
  }
  const frame = new Frame(cols, G, "the reference grid");
  const nd = newDesign(m, frame);
  if (nd.n !== G) throw new Error("emmeans: reference grid rows were dropped");
  return { X: nd.X, G, index, frame };
}

function adjustP(ps: number[], method: Adjust, tukey: (i: number) => number): number[] {
  const n = ps.length;
  if (method === "none") return ps.slice();
  if (method === "tukey") return ps.map((_, i) => tukey(i));
  if (method === "bonferroni") return ps.map((p) => Math.min(1, n * p));
  if (method === "sidak") return ps.map((p) => 1 - Math.pow(1 - p, n));
  const order = ps.map((p, i) => ({ p, i }));
  const out = new Array<number>(n);
  if (method === "holm") {
    order.sort((a, b) => a.p - b.p);
    let run = 0;
    order.forEach((o, r) => { run = Math.max(run, Math.min(1, (n - r) * o.p)); out[o.i] = run; });
  } else {
    order.sort((a, b) => b.p - a.p);
    let run = 1;
    order.forEach((o, r) => { run = Math.min(run, (n / (n - r)) * o.p); out[o.i] = Math.min(1, run); });
  }
  return out;
}

/**
 * The fixed-effect factors that {@link emmeans} takes as specs (data columns, or factor(column)), in
 * formula order; empty when there are none or the model's factors are not data columns.
 */
export function emmeansFactors(m: ModelFit): string[] {
  try {
    return gridVariables(m, {}).vars.filter((v) => !v.numeric).map((v) => v.name);
  } catch (e) {
    if (e instanceof UserError) return [];
    throw e;
  }
}

/** Estimated marginal means and their pairwise contrasts. */
export function emmeans(m: ModelFit, options: EmmeansOptions): EmmeansResult {
  if (m.fit.kind === "glmm" && m.fit.family === "ordinal") throw new UserError("emmeans is not available for an ordinal model (its thresholds stand in for the intercept)");
  const specs = [...options.specs], by = [...(options.by ?? [])];
  const type = options.type ?? "link";
  const adjust = options.adjust ?? "tukey";
  const level = options.level ?? 0.95;
  if (!ADJUSTMENTS.includes(adjust)) throw new UserError(`the adjustment must be one of ${ADJUSTMENTS.join(", ")}, not '${adjust}'`);
  if (!(level > 0 && level < 1)) throw new UserError(`the confidence level must be between 0 and 1, not ${level}`);
  if (specs.length === 0) throw new UserError("emmeans needs at least one factor to average over the others (e.g. --specs treatment)");
  const { vars, fixed } = gridVariables(m, options.at ?? {});
  const names = vars.map((v) => v.name);
  for (const s of [...specs, ...by]) {
    if (!names.includes(s)) throw new UserError(`'${s}' is not a factor of the fixed effects${names.length ? ` (factors: ${names.join(", ")})` : " (the model has none; give a covariate several values with --at)"}`);
  }
  if (new Set([...specs, ...by]).size !== specs.length + by.length) throw new UserError("a variable is given twice in the specs and --by");
  const component = options.component ?? "cond";
  if (!["cond", "zi", "response"].includes(component)) throw new UserError(`the component must be cond, zi or response, not '${component as string}'`);
  if (component !== "cond" && !hasZeroPart(m)) throw new UserError(`component '${component}' is for zero-inflated and hurdle models (--zi); this model has the conditional part only`);
  const side = component === "cond" ? [] : sideColumns(m, vars);
  const { X, G, index, frame } = gridDesign(m, vars, fixed);
  const f = m.fit;
  const kr = f.kind === "lmm" && options.ddf === "kenward-roger" ? kenwardRoger(m.ms, f, m.weights) : null;
  const sat = f.kind === "lmm" && !kr ? new Satterthwaite(m.ms, f) : null;
  const warnings = sat ? [...sat.warnings] : [];
  if (component === "zi") for (const c of [...specs, ...by]) if (side.includes(c)) warnings.push(`'${c}' is not in the zero-inflation formula: its means are all the same`);
  // glmmTMB's models (zero-inflation, dispersion formulas, NB1): t with the residual df, as its emm_basis;
  // lm and gaussian/Gamma glm: n − p, as emm_basis.lm
  const resDf = isExtendedFit(m) ? f.nobs - (f as FittedGLMM).df : residualDf(f);
  let link: Link = f.kind === "lmm" ? links.identity : links[f.link as LinkName];
  // the means are l·β for a cell's l; for the response component l also carries the cell's value
  // in a last coordinate (β = 1 there, no variance), so that contrasts stay linear in l
  let p = m.ms.p, beta = f.beta, V = kr ? kr.phiA : f.vcov, Xg = X;
  if (component === "zi") {
    const zi = (f as FittedGLMM).zi!;
    p = zi.estimate.length; beta = zi.estimate; V = zi.vcov; link = links.logit;
    Xg = sideRows(m, m.options.zi!, zi, Int32Array.from({ length: G }, (_, g) => g), frame).X;
  } else if (component === "response") {
    const g = f as FittedGLMM;
    const eta = new Float64Array(G).fill(offsetMean(m));
    for (let j = 0; j < m.ms.p; j++) for (let i = 0; i < G; i++) eta[i] += X[i + j * G] * g.beta[j];
    const { value, J, K } = componentJacobian(m, X, eta, Int32Array.from({ length: G }, (_, i) => i), "response", frame);
    p = K + 1;
    Xg = new Float64Array(G * p);
    Xg.set(J);
    Xg.set(value, K * G);
    beta = new Float64Array(p);
    beta[K] = 1;
    V = new Float64Array(p * p);
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) V[a + b * p] = g.vcovJoint![a + b * K];
    link = links.identity;
  }
  const dfOf = (l: Float64Array) => (kr ? krDf(kr, [l]).denDf : sat ? sat.df(l) : resDf ?? Infinity);
  const lin = (l: Float64Array) => {
    let est = 0, v = 0;
    for (let a = 0; a < p; a++) {
      est += l[a] * beta[a];
      let r = 0;
      for (let b = 0; b < p; b++) r += V[a + b * p] * l[b];
      v += l[a] * r;
    }
    return { est, se: Math.sqrt(v), df: dfOf(l) };
  };
  // cells: one linear function per (specs, by) combination, specs varying fastest within by groups
  const si = specs.map((s) => names.indexOf(s)), bi = by.map((s) => names.indexOf(s));
  const nSpec = si.reduce((g, i) => g * vars[i].values.length, 1);
  const nBy = bi.reduce((g, i) => g * vars[i].values.length, 1);
  const L = Array.from({ length: nBy * nSpec }, () => new Float64Array(p));
  // an offset() term enters every count-part mean at its average over the fitted rows (emmeans' `.offset.`)
  const offMean = component === "cond" ? offsetMean(m) : 0;
  const levelsOf = (c: number, which: number[]) => {
    const out: Record<string, string> = {};
    for (const i of which) { out[vars[i].name] = vars[i].values[c % vars[i].values.length]; c = Math.floor(c / vars[i].values.length); }
    return out;
  };
  const cellOf = (ix: number[], which: number[]) => which.reduceRight((c, i) => c * vars[i].values.length + ix[i], 0);
  const weights = options.weights ?? "equal";
  if (!EMM_WEIGHTS.includes(weights)) throw new UserError(`the weights must be one of ${EMM_WEIGHTS.join(", ")}, not '${weights}'`);
  const w = gridWeights(m, vars, index, [...si, ...bi], weights);
  const total = new Float64Array(nBy * nSpec);
  for (let g = 0; g < G; g++) {
    const c = cellOf(index[g], bi) * nSpec + cellOf(index[g], si);
    total[c] += w[g];
    if (w[g] !== 0) for (let j = 0; j < p; j++) L[c][j] += w[g] * Xg[g + j * G];
  }
  L.forEach((l, c) => {
    if (!(total[c] > 0)) throw new UserError(`emmeans: no observations in the cell ${Object.entries({ ...levelsOf(c % nSpec, si), ...levelsOf(Math.floor(c / nSpec), bi) }).map(([k, v]) => `${k} = ${v}`).join(", ")}, so it has no ${weights} weights`);
    for (let j = 0; j < p; j++) l[j] /= total[c];
  });
  const response = type === "response" && link.name !== "identity";
  if (options.biasAdjust && component !== "cond") throw new UserError("the bias adjustment applies to the conditional component's means");
  if (options.biasAdjust && type !== "response") throw new UserError("the bias adjustment applies to response-scale means (type \"response\")");
  if (options.biasAdjust && response && options.sigma === undefined && (f.terms?.length ?? 0) === 0) throw new UserError("the bias adjustment needs sigma: the model has no random effects");
  const biasSigma = options.biasAdjust && response ? options.sigma ?? totalRandomSD(m) : null;
  if (biasSigma !== null && !(biasSigma >= 0 && Number.isFinite(biasSigma))) throw new UserError(`sigma of the bias adjustment must be a non-negative number, not ${biasSigma}`);
  const back = biasSigma === null ? link : biasAdjusted(link, biasSigma);
  const quant = (df: number) => (Number.isFinite(df) ? qt(1 - (1 - level) / 2, df) : qnorm(1 - (1 - level) / 2));
  const means: EmmRow[] = L.map((l, c) => {
    const lc = lin(l);
    const est = lc.est + offMean, se = lc.se, df = lc.df;
    const q = quant(df);
    let row = { estimate: est, se, df, lower: est - q * se, upper: est + q * se };
    if (response) {
      const a = back.linkinv(row.lower), b = back.linkinv(row.upper);
      row = { estimate: back.linkinv(est), se: Math.abs(back.muEta(est)) * se, df, lower: Math.min(a, b), upper: Math.max(a, b) };
    }
    return { levels: { ...levelsOf(c % nSpec, si), ...levelsOf(Math.floor(c / nSpec), bi) }, ...row };
  });
  // contrasts within each by group, in emmeans' order and labels (pairwise: 1-2, 1-3, ..., 2-3, ...;
  // trt.vs.ctrl: 2-1, 3-1, ...; consec: 2-1, 3-2, ...)
  // emmeans' contrast labels: a numeric level gets its variable's name, one with an operator parentheses
  const levelText = (name: string, l: string) => (/^[-+]?[0-9.]/.test(l) ? `${name}${l}` : /[-+*/]/.test(l) ? `(${l})` : l);
  const specLabel = (c: number) => Object.entries(levelsOf(c, si)).map(([k, l]) => levelText(k, l)).join(" ");
  const spec = options.contrast ?? "pairwise";
  const custom = typeof spec === "object" ? customContrasts(spec, nSpec, Array.from({ length: nSpec }, (_, c) => specLabel(c))) : null;
  const kind = custom ? "custom" : (spec as ContrastKind);
  if (!custom && !CONTRASTS.includes(kind as ContrastKind)) throw new UserError(`the contrast must be one of ${CONTRASTS.join(", ")} or custom coefficients, not '${kind}'`);
  // a contrast is back-transformed to a ratio only when every contrast's coefficients sum to zero (as emmeans)
  const logRatio = (link.name === "log" || link.name === "logit") && (!custom || custom.every((c) => c.zeroSum));
  const ratioLink = response && logRatio;
  const contrastScale = !ratioLink ? "difference" : link.name === "log" ? "ratio" : "odds.ratio";
  const contrasts: EmmContrastRow[] = [];
  const sep = contrastScale === "difference" ? " - " : " / ";
  const cs: { name: string; coef: Float64Array }[] = custom ?? [];
  const pair = (i: number, j: number) => {
    const coef = new Float64Array(nSpec);
    coef[i] = 1; coef[j] = -1;
    cs.push({ name: `${specLabel(i)}${sep}${specLabel(j)}`, coef });
  };
  if (kind === "pairwise") for (let i = 0; i < nSpec; i++) for (let j = i + 1; j < nSpec; j++) pair(i, j);
  else if (!custom) for (let i = 1; i < nSpec; i++) pair(i, kind === "consec" ? i - 1 : 0);
  // Tukey's range distribution fits one family of all pairs only: emmeans uses Šidák otherwise;
  // custom contrasts are not adjusted unless asked (emmeans' default for a list of contrasts)
  const family = cs.length;
  const adjustOf = custom && options.adjust === undefined ? "none" : adjust;
  const pAdjust: Adjust = family < 2 ? "none" : adjustOf === "tukey" && kind !== "pairwise" ? "sidak" : adjustOf;
  const ciAdjust: Adjust = pAdjust === "holm" || pAdjust === "BH" ? "bonferroni" : pAdjust;
  const alpha = 1 - level;
  // per df, once: the contrasts of a model with one residual or asymptotic df share it, and a
  // Tukey quantile with finite df costs ~0.4 s (21 pairs of 7 means: 8 s without the cache)
  const criticalByDf = new Map<number, number>();
  const critical = (df: number): number => {
    const hit = criticalByDf.get(df);
    if (hit !== undefined) return hit;
    const qd = (pr: number) => (Number.isFinite(df) ? qt(pr, df) : qnorm(pr));
    const c = ciAdjust === "tukey" ? qtukeyUpper(alpha, nSpec, df) / Math.SQRT2
      : ciAdjust === "bonferroni" ? qd(1 - alpha / (2 * family))
      : ciAdjust === "sidak" ? qd(1 - (1 - Math.pow(level, 1 / family)) / 2)
      : qd(1 - alpha / 2);
    criticalByDf.set(df, c);
    return c;
  };
  for (let b = 0; b < nBy; b++) {
    const raw: { name: string; est: number; se: number; df: number; t: number; p: number }[] = [];
    for (const { name, coef } of cs) {
      const l = new Float64Array(p);
      coef.forEach((k, i) => { if (k !== 0) for (let a = 0; a < p; a++) l[a] += k * L[b * nSpec + i][a]; });
      const { est, se, df } = lin(l);
      const t = est / se;
      const pr = Number.isFinite(df) ? pt2(t, df) : 2 * pnormUpper(Math.abs(t));
      raw.push({ name, est, se, df, t, p: pr });
    }
    const adj = adjustP(raw.map((r) => r.p), pAdjust, (i) => ptukeyUpper(Math.SQRT2 * Math.abs(raw[i].t), nSpec, raw[i].df));
    raw.forEach((r, i) => {
      const ratio = contrastScale !== "difference";
      const e = ratio ? Math.exp(r.est) : r.est;
      const h = critical(r.df) * r.se;
      const lo = ratio ? Math.exp(r.est - h) : r.est - h, hi = ratio ? Math.exp(r.est + h) : r.est + h;
      contrasts.push({ by: levelsOf(b, bi), contrast: r.name, estimate: e, se: ratio ? e * r.se : r.se, df: r.df, statistic: r.t, p: adj[i], lower: lo, upper: hi });
    });
  }
  return {
    specs, by, link: link.name, type, contrastScale, contrastTransform: !logRatio ? null : link.name === "logit" ? "log odds ratio" : "log",
    dfMethod: kr ? "Kenward-Roger" : sat ? "Satterthwaite" : resDf !== null ? "residual" : "asymptotic", component,
    averagedOver: vars.filter((v, i) => !si.includes(i) && !bi.includes(i) && v.values.length > 1).map((v) => v.name), adjust: pAdjust, ciAdjust, contrast: kind, weights, biasAdjustSigma: biasSigma, level,
    covariates: Object.fromEntries(fixed), means, contrasts, warnings,
  };
}

/**
 * The df of a model without random effects, as emmeans' emm_basis.lm: lm() and a gaussian or Gamma
 * glm() have the residual df n − p (their dispersion is estimated); other GLMs and GEEs none (null).
 */
function residualDf(f: ModelFit["fit"]): number | null {
  const g = f as unknown as Partial<FittedGLM> & { kind: string };
  if (g.kind !== "glm" || g.dfResidual === undefined) return null;
  return g.family === "gaussian" || g.family === "Gamma" ? g.dfResidual : null;
}

/** the mean of the model's offset over the fitted rows (0 without one) */
function offsetMean(m: ModelFit): number {
  let s = 0;
  if (m.ms.offset) { for (const v of m.ms.offset) s += v; s /= m.ms.n; }
  return s;
}

/**
 * The zero-inflation / dispersion formulas' variables must be on the reference grid, which is built
 * from the conditional formula's; returns the grid factors the zi formula does not use.
 */
function sideColumns(m: ModelFit, vars: readonly GridVar[]): string[] {
  const names = new Set(vars.map((v) => v.name));
  const cond = new Set(columnsOf(parseFormula(m.formula).rhs));
  for (const text of [m.options.zi, m.options.disp]) {
    if (text === undefined) continue;
    for (const c of columnsOf(parseFormula(text).rhs)) if (!cond.has(c)) throw new UserError(`emmeans: '${c}' of ${text === m.options.zi ? "--zi" : "--disp"} is not in the conditional formula, so it is not on the reference grid`);
  }
  const zi = m.options.zi === undefined ? new Set<string>() : new Set(columnsOf(parseFormula(m.options.zi).rhs));
  return [...names].filter((n) => !zi.has(n));
}

/** Check custom contrasts against the number of means per group; flag the ones summing to zero. */
function customContrasts(spec: CustomContrasts, nSpec: number, labels: readonly string[]): { name: string; coef: Float64Array; zeroSum: boolean }[] {
  const names = Object.keys(spec);
  if (names.length === 0) throw new UserError("custom contrasts: no contrast given");
  return names.map((name) => {
    const k = spec[name];
    if (name.trim() === "") throw new UserError("custom contrasts: a contrast has an empty name");
    if (!Array.isArray(k) || k.length !== nSpec) throw new UserError(`contrast '${name}' has ${Array.isArray(k) ? k.length : 0} coefficients, but there are ${nSpec} means per group (${labels.join(", ")})`);
    if (!k.every((x) => typeof x === "number" && Number.isFinite(x))) throw new UserError(`contrast '${name}': every coefficient must be a finite number`);
    const scale = Math.max(...k.map(Math.abs));
    if (scale === 0) throw new UserError(`contrast '${name}' has only zero coefficients`);
    const sum = k.reduce((a, x) => a + x, 0);
    return { name, coef: Float64Array.from(k), zeroSum: Math.abs(sum) <= 1e-8 * scale };
  });
}

/**
 * Weight of every grid point in its cell's average (emmeans' `weights`). The frequencies are those
 * of the fitted rows (summing prior weights when the model has them, as emmeans' `.wgt.`), per
 * combination of factor levels; covariate values all share their factor combination's frequency.
 */
function gridWeights(m: ModelFit, vars: readonly GridVar[], index: readonly number[][], kept: readonly number[], weights: EmmWeights): Float64Array {
  const G = index.length;
  const out = new Float64Array(G);
  if (weights === "equal") return out.fill(1);
  const fac = vars.map((v, i) => (v.codes ? i : -1)).filter((i) => i >= 0);
  const key = (ix: readonly number[], which: readonly number[]) => which.reduce((c, i) => c * vars[i].values.length + ix[i], 0);
  const freq = new Map<number, number>();
  const n = m.ms.n;
  for (let r = 0; r < n; r++) {
    const ix = vars.map((v) => (v.codes ? v.codes[r] : 0));
    if (fac.some((i) => ix[i] < 0)) continue;
    const k = key(ix, fac);
    freq.set(k, (freq.get(k) ?? 0) + (m.weights ? m.weights[r] : 1));
  }
  const wgt = index.map((ix) => freq.get(key(ix, fac)) ?? 0);
  if (weights === "cells") return Float64Array.from(wgt);
  if (weights === "flat") return Float64Array.from(wgt, (x) => (x > 0 ? 1 : 0));
  // proportional/outer: one weight per combination of the averaged-over variables (summed over the kept ones)
  const avg = vars.map((_, i) => i).filter((i) => !kept.includes(i) && vars[i].values.length > 1);
  const table = new Map<number, number>();
  index.forEach((ix, g) => { const k = key(ix, avg); table.set(k, (table.get(k) ?? 0) + wgt[g]); });
  if (weights === "proportional") return Float64Array.from(index, (ix) => table.get(key(ix, avg))!);
  // outer: the product of the averaged-over variables' marginal frequencies
  const margins = avg.map((i) => {
    const mg = new Float64Array(vars[i].values.length);
    const seen = new Set<number>();
    index.forEach((ix) => { const k = key(ix, avg); if (!seen.has(k)) { seen.add(k); mg[ix[i]] += table.get(k)!; } });
    return mg;
  });
  return Float64Array.from(index, (ix) => avg.reduce((w, i, d) => w * margins[d][ix[i]], 1));
}

/** √ of the sum of the random-effect variances (the diagonal of every term's covariance) */
function totalRandomSD(m: ModelFit): number {
  const f = m.fit;
  let v = 0;
  termCovariances(f).forEach((S, t) => { const s = f.terms[t].s; for (let a = 0; a < s; a++) v += S[a + a * s]; });
  return Math.sqrt(v);
}

/**
 * emmeans' bias-adjusted inverse link (.make.bias.adj.link): g⁻¹(η) + σ²/2·(g⁻¹)''(η), with its
 * derivative, by emmeans' central differences of step 5e-4 on dμ/dη, so the numbers are emmeans'.
 */
function biasAdjusted(link: Link, sigma: number): Pick<Link, "linkinv" | "muEta"> {
  const s22 = (sigma * sigma) / 2, h = 5e-4;
  const der2 = (eta: number) => 1000 * (link.muEta(eta + h) - link.muEta(eta - h));
  return {
    linkinv: (eta) => link.linkinv(eta) + s22 * der2(eta),
    muEta: (eta) => link.muEta(eta) + 1000 * s22 * (der2(eta + h) - der2(eta - h)),
  };
}
