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
import type { ModelFit } from "./model.js";
import { newDesign } from "./newdata.js";
import { ptukeyUpper, qtukeyUpper } from "./ptukey.js";
import { kenwardRoger, krDf, type DdfMethod } from "./kenward-roger.js";
import { Satterthwaite } from "./satterthwaite.js";
import { factorColumn, fixedTerms } from "./terms.js";

/** p-value adjustments for families of contrasts, as emmeans names them. */
export type Adjust = "tukey" | "sidak" | "holm" | "bonferroni" | "BH" | "none";
/** Every {@link Adjust} value, for option checking. */
export const ADJUSTMENTS: readonly Adjust[] = ["tukey", "sidak", "holm", "bonferroni", "BH", "none"];
/** pairwise (all pairs), trt.vs.ctrl (every level against the first), consec (each level against the one before) */
export type ContrastKind = "pairwise" | "trt.vs.ctrl" | "consec";
/** The contrast families `--contrast` takes, as emmeans names them. */
export const CONTRASTS: readonly ContrastKind[] = ["pairwise", "trt.vs.ctrl", "consec"];

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
  /** p-value adjustment of the pairwise contrasts (default "tukey") */
  readonly adjust?: Adjust;
  /** confidence level (default 0.95) */
  readonly level?: number;
  /** which contrasts (default "pairwise") */
  readonly contrast?: ContrastKind;
  /** LMM df: "satterthwaite" (default) or "kenward-roger" (then also the KR-adjusted vcov, as emmeans' lmer.df = "kenward-roger") */
  readonly ddf?: DdfMethod;
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
  readonly dfMethod: "Satterthwaite" | "Kenward-Roger" | "asymptotic";
  /** the p-value adjustment applied (tukey becomes sidak for non-pairwise contrasts, as in emmeans) */
  readonly adjust: Adjust;
  /** the adjustment of the contrasts' confidence limits (holm and BH fall back to bonferroni, as in emmeans) */
  readonly ciAdjust: Adjust;
  readonly contrast: ContrastKind;
  readonly level: number;
  /** covariates held fixed, with their values */
  readonly covariates: Readonly<Record<string, number>>;
  readonly means: EmmRow[];
  readonly contrasts: EmmContrastRow[];
  readonly warnings: string[];
}

interface GridVar { readonly name: string; readonly values: string[]; readonly numeric: boolean }

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
      vars.push({ name: col, values: levels, numeric: false });
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
function gridDesign(m: ModelFit, vars: readonly GridVar[], fixed: ReadonlyMap<string, number>): { X: Float64Array; G: number; index: number[][] } {
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
  const nd = newDesign(m, new Frame(cols, G, "the reference grid"));
  if (nd.n !== G) throw new Error("emmeans: reference grid rows were dropped");
  return { X: nd.X, G, index };
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
  const { X, G, index } = gridDesign(m, vars, fixed);
  const f = m.fit;
  const p = m.ms.p;
  const kr = f.kind === "lmm" && options.ddf === "kenward-roger" ? kenwardRoger(m.ms, f, m.weights) : null;
  const sat = f.kind === "lmm" && !kr ? new Satterthwaite(m.ms, f) : null;
  const warnings = sat ? [...sat.warnings] : [];
  const link: Link = f.kind === "lmm" ? links.identity : links[f.link as LinkName];
  const beta = f.beta, V = kr ? kr.phiA : f.vcov;
  const dfOf = (l: Float64Array) => (kr ? krDf(kr, [l]).denDf : sat ? sat.df(l) : Infinity);
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
  // an offset() term enters every mean at its average over the fitted rows (emmeans' `.offset.`)
  let offMean = 0;
  if (m.ms.offset) { for (const v of m.ms.offset) offMean += v; offMean /= m.ms.n; }
  const count = new Int32Array(nBy * nSpec);
  const cellOf = (ix: number[], which: number[]) => which.reduceRight((c, i) => c * vars[i].values.length + ix[i], 0);
  for (let g = 0; g < G; g++) {
    const c = cellOf(index[g], bi) * nSpec + cellOf(index[g], si);
    count[c]++;
    for (let j = 0; j < p; j++) L[c][j] += X[g + j * G];
  }
  L.forEach((l, c) => { for (let j = 0; j < p; j++) l[j] /= count[c]; });
  const levelsOf = (c: number, which: number[]) => {
    const out: Record<string, string> = {};
    for (const i of which) { out[vars[i].name] = vars[i].values[c % vars[i].values.length]; c = Math.floor(c / vars[i].values.length); }
    return out;
  };
  const response = type === "response" && link.name !== "identity";
  const quant = (df: number) => (Number.isFinite(df) ? qt(1 - (1 - level) / 2, df) : qnorm(1 - (1 - level) / 2));
  const means: EmmRow[] = L.map((l, c) => {
    const lc = lin(l);
    const est = lc.est + offMean, se = lc.se, df = lc.df;
    const q = quant(df);
    let row = { estimate: est, se, df, lower: est - q * se, upper: est + q * se };
    if (response) {
      const a = link.linkinv(row.lower), b = link.linkinv(row.upper);
      row = { estimate: link.linkinv(est), se: Math.abs(link.muEta(est)) * se, df, lower: Math.min(a, b), upper: Math.max(a, b) };
    }
    return { levels: { ...levelsOf(c % nSpec, si), ...levelsOf(Math.floor(c / nSpec), bi) }, ...row };
  });
  // contrasts within each by group, in emmeans' order and labels (pairwise: 1-2, 1-3, ..., 2-3, ...;
  // trt.vs.ctrl: 2-1, 3-1, ...; consec: 2-1, 3-2, ...)
  const contrastScale = response && link.name === "log" ? "ratio" : response && link.name === "logit" ? "odds.ratio" : "difference";
  const contrasts: EmmContrastRow[] = [];
  // emmeans' contrast labels: a numeric level gets its variable's name, one with an operator parentheses
  const levelText = (name: string, l: string) => (/^[-+]?[0-9.]/.test(l) ? `${name}${l}` : /[-+*/]/.test(l) ? `(${l})` : l);
  const specLabel = (c: number) => Object.entries(levelsOf(c, si)).map(([k, l]) => levelText(k, l)).join(" ");
  const kind = options.contrast ?? "pairwise";
  if (!CONTRASTS.includes(kind)) throw new UserError(`the contrast must be one of ${CONTRASTS.join(", ")}, not '${kind}'`);
  const pairs: [number, number][] = [];
  if (kind === "pairwise") for (let i = 0; i < nSpec; i++) for (let j = i + 1; j < nSpec; j++) pairs.push([i, j]);
  else for (let i = 1; i < nSpec; i++) pairs.push([i, kind === "consec" ? i - 1 : 0]);
  // Tukey's range distribution fits one family of all pairs only: emmeans uses Šidák otherwise
  const family = pairs.length;
  const pAdjust: Adjust = family < 2 ? "none" : adjust === "tukey" && kind !== "pairwise" ? "sidak" : adjust;
  const ciAdjust: Adjust = pAdjust === "holm" || pAdjust === "BH" ? "bonferroni" : pAdjust;
  const alpha = 1 - level;
  const critical = (df: number): number => {
    const qd = (pr: number) => (Number.isFinite(df) ? qt(pr, df) : qnorm(pr));
    if (ciAdjust === "tukey") return qtukeyUpper(alpha, nSpec, df) / Math.SQRT2;
    if (ciAdjust === "bonferroni") return qd(1 - alpha / (2 * family));
    if (ciAdjust === "sidak") return qd(1 - (1 - Math.pow(level, 1 / family)) / 2);
    return qd(1 - alpha / 2);
  };
  for (let b = 0; b < nBy; b++) {
    const raw: { name: string; est: number; se: number; df: number; t: number; p: number }[] = [];
    for (const [i, j] of pairs) {
      const l = L[b * nSpec + i].map((x, a) => x - L[b * nSpec + j][a]);
      const { est, se, df } = lin(l);
      const t = est / se;
      const pr = Number.isFinite(df) ? pt2(t, df) : 2 * pnormUpper(Math.abs(t));
      raw.push({ name: `${specLabel(i)}${contrastScale === "difference" ? " - " : " / "}${specLabel(j)}`, est, se, df, t, p: pr });
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
    specs, by, link: link.name, type, contrastScale,
    dfMethod: kr ? "Kenward-Roger" : sat ? "Satterthwaite" : "asymptotic", adjust: pAdjust, ciAdjust, contrast: kind, level,
    covariates: Object.fromEntries(fixed), means, contrasts, warnings,
  };
}
