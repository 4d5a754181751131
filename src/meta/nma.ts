// Network meta-analysis of arm-level binary data as the two-way binomial GLMM of Piepho, Williams
// & Madden (2012): logit(p_st) = study_s + treatment_t + u_st, with fixed study and treatment
// effects and a random study × treatment effect u_st ~ N(0, σ²) (so a contrast between two arms of
// one study varies between studies with variance τ² = 2σ²). It is fitted by the same engine as
// `glmm fit` with the formula  cbind(xi, ni - xi) ~ 0 + factor(study) + trt + (1 | study:trt),
// so both give the same numbers. Treatment effects are log odds ratios against the reference.
import { Frame, type Column } from "../data/frame.js";
import { compareText, factorFromNumbers, factorFromText, formatRNumber } from "../data/factor.js";
import { UserError } from "../errors.js";
import { pnorm, pnormUpper, qnorm } from "../families/special.js";
import { fit, type FitResult } from "../fit.js";
import type { FittedGLMM } from "../glmm/glmm.js";

/** The column names of the arm-level data of a network meta-analysis: study, treatment, events and totals. */
export interface NMAColumns {
  readonly study: string;
  readonly treatment: string;
  /** events per arm */
  readonly events: string;
  /** participants per arm */
  readonly n: string;
}

/** Options of {@link networkMetaAnalysis}: reference treatment, level, direction of good effects. */
export interface NMAOptions {
  /** reference treatment (default: the first level, as R orders them) */
  readonly reference?: string;
  /** confidence level (default 0.95) */
  readonly level?: number;
  /** for the ranking: are small log odds ratios good (netmeta's default) or bad (events are desirable)? */
  readonly smallValues?: "good" | "bad";
}

/** One treatment comparison: log odds ratio, SE and interval. */
export interface Comparison {
  /** log odds ratio of `treatment` versus `versus` */
  readonly treatment: string;
  readonly versus: string;
  readonly estimate: number;
  readonly se: number;
  readonly z: number;
  readonly p: number;
  readonly lower: number;
  readonly upper: number;
  /** studies that compare the two treatments directly (both arms present) */
  readonly directStudies: number;
}

/** A treatment's P-score (Rücker & Schwarzer 2015, netmeta's netrank) and rank. */
export interface PScore {
  readonly treatment: string;
  readonly pscore: number;
  readonly rank: number;
}

/** A pair of treatments compared directly, with the studies that compare them. */
export interface DirectEvidence {
  readonly a: string;
  readonly b: string;
  readonly studies: readonly string[];
}

/** A network meta-analysis: treatment effects against the reference, all comparisons, rankings, heterogeneity. */
export interface NMAResult {
  /** the data columns behind the formula's study, trt, xi and ni */
  readonly columns: NMAColumns;
  readonly reference: string;
  /** treatments in factor order (reference first) */
  readonly treatments: readonly string[];
  readonly level: number;
  readonly smallValues: "good" | "bad";
  /** the two-way GLMM as `glmm fit` returns it */
  readonly fit: FitResult;
  readonly formula: string;
  /** σ²: variance of the random study × treatment effects; τ² = 2σ²: heterogeneity of a contrast */
  readonly sigma2: number;
  readonly tau2: number;
  /** each treatment against the reference */
  readonly effects: readonly Comparison[];
  /** every unordered pair once: later treatment (factor order) versus earlier */
  readonly comparisons: readonly Comparison[];
  /** league[i][j]: log OR of treatments[i] versus treatments[j] (null on the diagonal) */
  readonly league: ReadonlyArray<ReadonlyArray<Comparison | null>>;
  /** P-scores (Rücker & Schwarzer 2015), best first */
  readonly pscores: readonly PScore[];
  /** pairs compared directly, with the studies that do */
  readonly direct: readonly DirectEvidence[];
  readonly studies: number;
  readonly arms: number;
  /** participants and events per treatment (factor order) */
  readonly participants: readonly number[];
  readonly events: readonly number[];
  readonly warnings: string[];
}

export const NMA_FORMULA_NUMERIC_STUDY = "cbind(xi, ni - xi) ~ 0 + factor(study) + trt + (1 | study:trt)";
export const NMA_FORMULA_TEXT_STUDY = "cbind(xi, ni - xi) ~ 0 + study + trt + (1 | study:trt)";

/** Network meta-analysis of arm-level binary data as a two-way binomial GLMM (Piepho et al. 2012). */
export function networkMetaAnalysis(frame: Frame, cols: NMAColumns, options: NMAOptions = {}): NMAResult {
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new UserError(`the confidence level must be between 0 and 1, not ${level}`);
  const smallValues = options.smallValues ?? "good";
  const warnings: string[] = [];
  // ---- the arms, as a canonical frame (study, trt, xi, ni) for the formula
  const study = frame.column(cols.study);
  const trtCol = frame.column(cols.treatment);
  const ev = numericColumn(frame, cols.events);
  const nn = numericColumn(frame, cols.n);
  const keep: number[] = [];
  const missing: number[] = [];
  const label = (c: Column, r: number): string | null => {
    if (c.kind === "text") return c.values[r];
    return Number.isNaN(c.values[r]) ? null : formatRNumber(c.values[r]);
  };
  for (let r = 0; r < frame.nrow; r++) {
    if (label(study, r) === null || label(trtCol, r) === null || Number.isNaN(ev[r]) || Number.isNaN(nn[r])) { missing.push(r + 1); continue; }
    const e = ev[r], n = nn[r];
    if (!(e >= 0) || Math.floor(e) !== e || !Number.isFinite(e)) throw new UserError(`column '${cols.events}' of ${frame.source}, row ${r + 1}: ${e} is not a count (a whole number ≥ 0)`);
    if (!(n > 0) || Math.floor(n) !== n || !Number.isFinite(n)) throw new UserError(`column '${cols.n}' of ${frame.source}, row ${r + 1}: ${n} is not a number of participants (a whole number > 0)`);
    if (e > n) throw new UserError(`row ${r + 1} of ${frame.source}: ${e} events exceed the ${n} participants of the arm`);
    keep.push(r);
  }
  if (missing.length) warnings.push(`${missing.length} row${missing.length > 1 ? "s" : ""} with missing values left out (row${missing.length > 1 ? "s" : ""} ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", ..." : ""})`);
  if (keep.length === 0) throw new UserError(`${frame.source} has no complete arm`);
  const studyNumeric = study.kind === "numeric";
  const studyLabels = keep.map((r) => label(study, r)!);
  const trtLabels = keep.map((r) => label(trtCol, r)!);
  const trtFactor = factorFromText(trtLabels, null);
  const treatments0 = trtFactor.levels;
  const reference = options.reference ?? treatments0[0];
  if (!treatments0.includes(reference)) throw new UserError(`reference treatment '${reference}' is not a level of '${cols.treatment}' (levels: ${treatments0.join(", ")})`);
  const treatments = [reference, ...treatments0.filter((t) => t !== reference)];
  const studyFactor = studyNumeric
    ? factorFromNumbers(Float64Array.from(keep, (r) => (study as { values: Float64Array }).values[r]), null)
    : factorFromText(studyLabels, null);
  const studyLevels = studyFactor.levels;
  // arms per study; a treatment twice in one study would share one random effect: refuse
  const armsOf = new Map<string, Set<string>>();
  keep.forEach((_, i) => {
    const s = studyLabels[i], t = trtLabels[i];
    let set = armsOf.get(s);
    if (!set) armsOf.set(s, (set = new Set()));
    if (set.has(t)) throw new UserError(`study '${s}' has two arms of treatment '${t}' (row ${keep[i] + 1} of ${frame.source}): combine them into one arm`);
    set.add(t);
  });
  const single = [...armsOf].filter(([, s]) => s.size < 2).map(([k]) => k);
  if (single.length) warnings.push(`stud${single.length > 1 ? "ies" : "y"} ${single.join(", ")} ha${single.length > 1 ? "ve" : "s"} one arm only: no information on treatment effects`);
  checkConnected(treatments, armsOf);

  const columns: Column[] = [
    studyNumeric
      ? { kind: "numeric", name: "study", values: Float64Array.from(keep, (r) => (study as { values: Float64Array }).values[r]) }
      : { kind: "text", name: "study", values: studyLabels },
    { kind: "text", name: "trt", values: trtLabels },
    { kind: "numeric", name: "xi", values: Float64Array.from(keep, (r) => ev[r]) },
    { kind: "numeric", name: "ni", values: Float64Array.from(keep, (r) => nn[r]) },
  ];
  const data = new Frame(columns, keep.length, frame.source);
  const formula = studyNumeric ? NMA_FORMULA_NUMERIC_STUDY : NMA_FORMULA_TEXT_STUDY;
  const res = fit(data, formula, { family: "binomial", refLevels: { trt: reference } });
  const f = res.fit as FittedGLMM;
  for (const w of f.warnings) warnings.push(w);

  // ---- treatment effects d_t (d_ref = 0) and their covariance
  const K = treatments.length;
  const idx = treatments.map((t, i) => {
    if (i === 0) return -1;
    const j = f.xnames.indexOf(`trt${t}`);
    if (j < 0) throw new UserError(`the effect of treatment '${t}' is not estimable from these data`);
    return j;
  });
  const p = f.xnames.length;
  const d = idx.map((j) => (j < 0 ? 0 : f.beta[j]));
  const cov = (a: number, b: number) => (idx[a] < 0 || idx[b] < 0 ? 0 : f.vcov[idx[a] + idx[b] * p]);
  const zc = qnorm(1 - (1 - level) / 2);
  // direct evidence per pair
  const directStudies: string[][][] = treatments.map(() => treatments.map(() => []));
  for (const s of studyLevels) {
    const set = armsOf.get(s);
    if (!set) continue;
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) if (a !== b && set.has(treatments[a]) && set.has(treatments[b])) directStudies[a][b].push(s);
  }
  const compare = (a: number, b: number): Comparison => {
    const est = d[a] - d[b];
    const se = Math.sqrt(cov(a, a) + cov(b, b) - 2 * cov(a, b));
    const z = est / se;
    return { treatment: treatments[a], versus: treatments[b], estimate: est, se, z, p: 2 * pnormUpper(Math.abs(z)), lower: est - zc * se, upper: est + zc * se, directStudies: directStudies[a][b].length };
  };
  const league = treatments.map((_, a) => treatments.map((__, b) => (a === b ? null : compare(a, b))));
  const comparisons: Comparison[] = [];
  for (let a = 0; a < K; a++) for (let b = 0; b < a; b++) comparisons.push(league[a][b]!);
  const effects = treatments.slice(1).map((_, i) => league[i + 1][0]!);
  const direct: DirectEvidence[] = [];
  for (let a = 0; a < K; a++) for (let b = a + 1; b < K; b++) if (directStudies[a][b].length) direct.push({ a: treatments[a], b: treatments[b], studies: directStudies[a][b] });
  // participants and events per treatment
  const participants = treatments.map(() => 0), events = treatments.map(() => 0);
  keep.forEach((r, i) => {
    const t = treatments.indexOf(trtLabels[i]);
    participants[t] += nn[r];
    events[t] += ev[r];
  });
  const sigma2 = f.varcorr[0].variance!;
  return {
    columns: cols, reference, treatments, level, smallValues, fit: res, formula, sigma2, tau2: 2 * sigma2,
    effects, comparisons, league, pscores: pScores(treatments, league, smallValues), direct,
    studies: armsOf.size, arms: keep.length, participants, events, warnings,
  };
}

/**
 * P-scores (Rücker & Schwarzer 2015): P_i = mean over j ≠ i of Φ((d_i − d_j)/se_ij) when large
 * values are good, Φ((d_j − d_i)/se_ij) when small values are good — the mean extent of certainty
 * that treatment i is better than another, the frequentist analogue of SUCRA.
 */
export function pScores(treatments: readonly string[], league: ReadonlyArray<ReadonlyArray<Comparison | null>>, smallValues: "good" | "bad"): PScore[] {
  const K = treatments.length;
  const sign = smallValues === "good" ? -1 : 1;
  const ps = treatments.map((t, i) => {
    let s = 0;
    for (let j = 0; j < K; j++) if (j !== i) { const c = league[i][j]!; s += pnorm((sign * c.estimate) / c.se); }
    return { treatment: t, pscore: K > 1 ? s / (K - 1) : NaN };
  });
  const order = ps.map((_, i) => i).sort((a, b) => ps[b].pscore - ps[a].pscore || compareText(ps[a].treatment, ps[b].treatment));
  return order.map((i, r) => ({ ...ps[i], rank: r + 1 }));
}

function numericColumn(frame: Frame, name: string): Float64Array {
  const c = frame.column(name);
  if (c.kind !== "numeric") {
    const bad = c.values.findIndex((v) => v !== null);
    throw new UserError(`column '${name}' of ${frame.source} must hold counts; row ${bad + 1} has '${c.values[bad]}'`);
  }
  return c.values;
}

/** Treatments joined by shared studies must form one network; otherwise name the parts. */
function checkConnected(treatments: readonly string[], armsOf: ReadonlyMap<string, ReadonlySet<string>>): void {
  const parent = new Map(treatments.map((t) => [t, t]));
  const find = (t: string): string => {
    let r = t;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(t, r);
    return r;
  };
  for (const set of armsOf.values()) {
    const [first, ...rest] = [...set];
    for (const t of rest) parent.set(find(t), find(first));
  }
  const parts = new Map<string, string[]>();
  for (const t of treatments) {
    const r = find(t);
    if (!parts.has(r)) parts.set(r, []);
    parts.get(r)!.push(t);
  }
  if (parts.size > 1)
    throw new UserError(`the network is disconnected: no study links ${[...parts.values()].map((g) => `{${g.join(", ")}}`).join(" and ")}; analyse the parts separately`);
}
