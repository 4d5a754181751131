// One-stage meta-analysis of 2×2 tables as binomial GLMMs: metafor's rma.glmm(measure = "OR") with
// the unconditional models UM.FS (fixed study intercepts, random treatment effect) and UM.RS
// (random study intercepts too, uncorrelated). Every arm enters the binomial likelihood as it is:
// no continuity correction. The ½ correction is used only for the per-study odds ratios shown in
// the study table and the forest plot (and in I², as metafor does).
import { UserError } from "../errors.js";
import { pnormUpper, qnorm } from "../families/special.js";
import { pchisqUpper } from "../inference/distributions.js";
import { binomialSaturated } from "./binomial.js";
import { type ArmRow, armDesign, bothArms, type Study2x2 } from "./design.js";
import { fitBinomialGLM } from "./glm.js";
import { fitBinomialGLMM } from "./glmm-fit.js";
import { invSPD } from "../linalg/dense.js";

/** rma.glmm's models for 2×2 tables: unconditional fixed (UM.FS) or random (UM.RS) study effects. */
export type MetaModel = "UM.FS" | "UM.RS";

/** Options of {@link rmaGLMM} (metafor's rma.glmm): model, nAGQ, level. */
export interface MetaOptions {
  /** "UM.FS" (default) or "UM.RS" */
  readonly model?: MetaModel;
  /** quadrature points for UM.FS (default 7, metafor's); UM.RS is always Laplace (1), as in metafor */
  readonly nAGQ?: number;
  /** confidence level (default 0.95) */
  readonly level?: number;
  /** skip the saturated model (the heterogeneity tests) */
  readonly skipHeterogeneity?: boolean;
}

/** Which arms of a 2x2 table have no events: none, one ("single") or both ("double"). */
export type ZeroKind = "none" | "single" | "double";

/** One study's 2x2 table with its log odds ratio and zero status. */
export interface StudyRow {
  readonly label: string;
  readonly ai: number;
  readonly n1i: number;
  readonly ci: number;
  readonly n2i: number;
  /** observed log odds ratio (½ added to every cell when one is 0), null for double-zero studies
   *  left out of the likelihood */
  readonly yi: number | null;
  readonly vi: number | null;
  readonly ciLower: number | null;
  readonly ciUpper: number | null;
  /** ½ was added to the cells for yi/vi (display only) */
  readonly corrected: boolean;
  /** "single": a cell is 0; "double": no events (or only events) in both arms */
  readonly zeros: ZeroKind;
  /** whether the study enters the likelihood */
  readonly inLikelihood: boolean;
}

/** A test statistic with its df and p (heterogeneity or the overall effect). */
export interface TestResult {
  readonly statistic: number;
  readonly df: number;
  readonly p: number;
}

/** A one-stage meta-analysis: pooled log odds ratio, heterogeneity, per-study rows. */
export interface MetaResult {
  readonly measure: "OR";
  readonly model: MetaModel;
  readonly method: string;
  readonly nAGQ: number;
  readonly level: number;
  /** studies in the table / in the likelihood */
  readonly kTotal: number;
  readonly k: number;
  /** pooled log odds ratio and its Wald (z) inference */
  readonly estimate: number;
  readonly se: number;
  readonly z: number;
  readonly p: number;
  readonly ciLower: number;
  readonly ciUpper: number;
  /** prediction interval for a new study's log odds ratio: estimate ± z·√(se² + τ²) */
  readonly piLower: number;
  readonly piUpper: number;
  readonly tau2: number;
  readonly tau: number;
  /** UM.RS: variance of the random study intercepts */
  readonly sigma2: number | null;
  /** metafor's I² and H² (τ² against the typical within-study variance of the observed log ORs) */
  readonly I2: number;
  readonly H2: number;
  /** the maximized marginal log-likelihood (UM.FS: by quadrature, refined to 1e-9) */
  readonly logLik: number;
  /** metafor's fit.stats "ll" for UM.FS: saturated log-likelihood − ½ glmer deviance() (the conditional
   *  deviance at the modes); equal to logLik for UM.RS */
  readonly logLikMetafor: number;
  readonly AIC: number;
  readonly BIC: number;
  /** the fixed-effect (τ² = 0) model of the same type */
  readonly fixedEffect: { readonly estimate: number; readonly se: number; readonly ciLower: number; readonly ciUpper: number; readonly logLik: number };
  /** metafor's tests for heterogeneity: the saturated model (one log OR per study) against the
   *  fixed-effect model, by Wald and by likelihood ratio; and the likelihood-ratio test of τ² = 0 */
  readonly heterogeneity: { readonly wald: TestResult | null; readonly lrt: TestResult | null; readonly tau2LRT: TestResult };
  readonly studies: StudyRow[];
  readonly converged: boolean;
  readonly warnings: string[];
}

/** Classify a study's zero cells as metafor does (drop00: no events, or only events, in both arms). */
export function zeroKind(s: Study2x2): ZeroKind {
  const bi = s.n1i - s.ai, di = s.n2i - s.ci;
  if ((s.ai === 0 && s.ci === 0) || (bi === 0 && di === 0)) return "double";
  return s.ai === 0 || s.ci === 0 || bi === 0 || di === 0 ? "single" : "none";
}

/** Observed log odds ratio and its variance, with ½ added to every cell when one is 0 (escalc's default). */
export function observedLogOR(s: Study2x2): { yi: number; vi: number; corrected: boolean } {
  let a = s.ai, b = s.n1i - s.ai, c = s.ci, d = s.n2i - s.ci;
  const corrected = a === 0 || b === 0 || c === 0 || d === 0;
  if (corrected) { a += 0.5; b += 0.5; c += 0.5; d += 0.5; }
  return { yi: Math.log((a * d) / (b * c)), vi: 1 / a + 1 / b + 1 / c + 1 / d, corrected };
}

/** Random-effects meta-analysis of 2x2 tables as a one-stage binomial GLMM, as metafor's rma.glmm(measure = "OR"). */
export function rmaGLMM(all: readonly Study2x2[], options: MetaOptions = {}): MetaResult {
  const model = options.model ?? "UM.FS";
  if (model !== "UM.FS" && model !== "UM.RS") throw new UserError(`--model must be UM.FS or UM.RS, not '${model}'`);
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new UserError(`the confidence level must be between 0 and 1 (e.g. 95 or 0.95), not ${level}`);
  let nAGQ = options.nAGQ ?? (model === "UM.FS" ? 7 : 1);
  const warnings: string[] = [];
  if (model === "UM.RS" && nAGQ > 1) {
    warnings.push(`UM.RS has two random-effect terms, so it is fitted by the Laplace approximation (nAGQ = 1), as metafor does; nAGQ = ${nAGQ} ignored`);
    nAGQ = 1;
  }
  const zeros = all.map(zeroKind);
  // Under UM.FS a study with no events (or only events) in both arms has its fixed intercept at ∓∞,
  // where its likelihood is 1 whatever the treatment effect: it carries no information and is left
  // out exactly (metafor's drop00). Under UM.RS the random intercepts keep it finite: it stays in.
  const inLik = zeros.map((z) => model === "UM.RS" || z !== "double");
  const studies = all.filter((_, i) => inLik[i]);
  const k = studies.length;
  const dropped = all.length - k;
  if (dropped > 0)
    warnings.push(`${dropped} stud${dropped > 1 ? "ies have" : "y has"} no events (or only events) in both arms: ${dropped > 1 ? "they carry" : "it carries"} no information under UM.FS and ${dropped > 1 ? "are" : "is"} left out of the likelihood (listed in the study table)`);
  if (k < 2) throw new UserError(`a random-effects meta-analysis needs at least 2 informative studies; there ${k === 1 ? "is 1" : `are ${k}`}`);
  // complete separation: the likelihood grows without bound as β → ±∞
  const separated = [
    [studies.every((s) => s.ai === 0), "no treated arm has an event", "-Inf"],
    [studies.every((s) => s.ai === s.n1i), "every treated participant has the event", "+Inf"],
    [studies.every((s) => s.ci === 0), "no control arm has an event", "+Inf"],
    [studies.every((s) => s.ci === s.n2i), "every control participant has the event", "-Inf"],
  ] as const;
  for (const [hit, what, inf] of separated)
    if (hit) throw new UserError(`${what}: the pooled log odds ratio has no finite estimate (its maximum likelihood is at ${inf})`);

  const rows = bothArms(k);
  const group1 = (r: ArmRow) => (r.treated ? 1 : 0);
  const half = { cname: "group", treated: 0.5, control: -0.5 };
  const intercepts = { cname: "(Intercept)", treated: 1, control: 1 };
  const studyDummies = studies.map((_, j) => ({ name: `study${j + 1}`, value: (r: ArmRow) => (r.study === j ? 1 : 0) }));

  // ---- the random-effects model
  const ms = model === "UM.FS"
    ? armDesign(studies, rows, { fixed: [{ name: "intrcpt", value: group1 }, ...studyDummies], random: [half] }, "UM.FS")
    : armDesign(studies, rows, { fixed: [{ name: "intrcpt", value: group1 }, { name: "const", value: () => 1 }], random: [intercepts, half] }, "UM.RS");
  const re = fitBinomialGLMM(ms, nAGQ);
  const beta = re.fit.beta[0];
  const se = re.se[0];
  const varcorr = re.fit.varcorr;
  const tau2 = varcorr.find((v) => v.term1 === "group")!.variance!;
  const sigma2 = model === "UM.RS" ? varcorr.find((v) => v.term1 === "(Intercept)")!.variance! : null;
  for (const w of re.fit.warnings) warnings.push(`random-effects model: ${w}`);
  if (!Number.isFinite(se)) warnings.push("the standard error of the pooled effect is not available (the Hessian is not positive definite)");

  // ---- the fixed-effect model (τ² = 0)
  const arms = armArrays(studies, rows);
  let fe: MetaResult["fixedEffect"];
  if (model === "UM.FS") {
    const X = designMatrix(rows, [group1, ...studyDummies.map((d) => d.value)]);
    const g = fitBinomialGLM(X, rows.length, k + 1, arms.events, arms.trials);
    if (!g.converged) warnings.push("the fixed-effect model (binomial GLM) did not converge");
    fe = withCI(g.beta[0], Math.sqrt(g.vcov[0]), g.logLik, level);
  } else {
    const msFE = armDesign(studies, rows, { fixed: [{ name: "intrcpt", value: group1 }, { name: "const", value: () => 1 }], random: [intercepts] }, "UM.RS, tau2 = 0");
    const g = fitBinomialGLMM(msFE, 1);
    for (const w of g.fit.warnings) warnings.push(`fixed-effect model: ${w}`);
    fe = withCI(g.fit.beta[0], g.se[0], g.fit.logLik, level);
  }

  // ---- the saturated model (one log OR per study): metafor's heterogeneity tests
  let wald: TestResult | null = null, lrt: TestResult | null = null;
  if (!options.skipHeterogeneity) {
    const sat = model === "UM.FS" ? saturatedFS(studies) : saturatedRS(studies, warnings);
    const df = k - 1;
    const lr = Math.max(0, -2 * (fe.logLik - sat.logLik));
    lrt = { statistic: lr, df, p: pchisqUpper(lr, df) };
    if (sat.wald !== null) wald = { statistic: Math.max(0, sat.wald), df, p: pchisqUpper(Math.max(0, sat.wald), df) };
    if (sat.infinite > 0)
      warnings.push(`${sat.infinite} stud${sat.infinite > 1 ? "ies have" : "y has"} ${model === "UM.FS" ? "a zero cell" : "no events (or only events) in the treated arm"}, so ${sat.infinite > 1 ? "their" : "its"} own log odds ratio in the saturated model is infinite: ${sat.infinite > 1 ? "they add" : "it adds"} nothing to the Wald heterogeneity statistic (df kept at k - 1, as in metafor)`);
  }
  const lrTau = Math.max(0, 2 * (re.fit.logLik - fe.logLik));
  // τ² = 0 is on the boundary: the null distribution is ½χ²₀ + ½χ²₁
  const tau2LRT: TestResult = { statistic: lrTau, df: 1, p: lrTau > 0 ? 0.5 * pchisqUpper(lrTau, 1) : 1 };

  // ---- study table, I² (metafor: typical variance from the observed log ORs of the studies in the likelihood)
  const table: StudyRow[] = all.map((s, i) => {
    const base = { label: s.label, ai: s.ai, n1i: s.n1i, ci: s.ci, n2i: s.n2i, zeros: zeros[i], inLikelihood: inLik[i] };
    if (!inLik[i]) return { ...base, yi: null, vi: null, ciLower: null, ciUpper: null, corrected: false };
    const o = observedLogOR(s);
    const h = qnorm(1 - (1 - level) / 2) * Math.sqrt(o.vi);
    return { ...base, yi: o.yi, vi: o.vi, ciLower: o.yi - h, ciUpper: o.yi + h, corrected: o.corrected };
  });
  let sw = 0, sw2 = 0, kyi = 0;
  for (const r of table) if (r.vi !== null) { sw += 1 / r.vi; sw2 += 1 / (r.vi * r.vi); kyi++; }
  const vt = (kyi - 1) / (sw - sw2 / sw);
  const I2 = (100 * tau2) / (vt + tau2);
  const H2 = tau2 / vt + 1;

  const zcrit = qnorm(1 - (1 - level) / 2);
  const z = beta / se;
  const hp = zcrit * Math.sqrt(se * se + tau2);
  // metafor's parameter counts: UM.FS β, k intercepts, τ²; UM.RS β, intercept, σ², τ²; on 2k arms
  const parms = model === "UM.FS" ? k + 2 : 4;
  const logLik = re.fit.logLik;
  return {
    measure: "OR", model,
    method: `ML, ${nAGQ > 1 ? `adaptive Gauss-Hermite quadrature (${nAGQ} points)` : "Laplace approximation"}`,
    nAGQ, level, kTotal: all.length, k,
    estimate: beta, se, z, p: 2 * pnormUpper(Math.abs(z)), ciLower: beta - zcrit * se, ciUpper: beta + zcrit * se,
    piLower: beta - hp, piUpper: beta + hp,
    tau2, tau: Math.sqrt(tau2), sigma2, I2, H2,
    logLik, logLikMetafor: model === "UM.FS" ? metaforLogLikFS(studies, re.fit.fitted) : logLik,
    AIC: -2 * logLik + 2 * parms, BIC: -2 * logLik + parms * Math.log(2 * k),
    fixedEffect: fe, heterogeneity: { wald, lrt, tau2LRT }, studies: table,
    converged: re.fit.converged, warnings,
  };
}

function withCI(estimate: number, se: number, logLik: number, level: number): MetaResult["fixedEffect"] {
  const h = qnorm(1 - (1 - level) / 2) * se;
  return { estimate, se, ciLower: estimate - h, ciUpper: estimate + h, logLik };
}

function armArrays(studies: readonly Study2x2[], rows: readonly ArmRow[]): { events: Float64Array; trials: Float64Array } {
  const events = new Float64Array(rows.length), trials = new Float64Array(rows.length);
  rows.forEach((r, i) => {
    const s = studies[r.study];
    events[i] = r.treated ? s.ai : s.ci;
    trials[i] = r.treated ? s.n1i : s.n2i;
  });
  return { events, trials };
}

function designMatrix(rows: readonly ArmRow[], cols: ReadonlyArray<(r: ArmRow) => number>): Float64Array {
  const n = rows.length;
  const X = new Float64Array(n * cols.length);
  cols.forEach((f, j) => rows.forEach((r, i) => { X[i + j * n] = f(r); }));
  return X;
}

interface Saturated {
  readonly logLik: number;
  readonly wald: number | null;
  /** studies whose own log OR is infinite */
  readonly infinite: number;
}

/**
 * UM.FS's saturated model fits every arm exactly: its log-likelihood is the sum of the arms'
 * saturated terms, and each study's log OR has the Wald variance 1/a + 1/b + 1/c + 1/d,
 * independent between studies, so the Wald test of their equality is Cochran's Q on the
 * uncorrected log ORs. A study with a zero cell has an infinite log OR with infinite variance:
 * weight 0 (the limit of what a GLM fit approaches).
 */
function saturatedFS(studies: readonly Study2x2[]): Saturated {
  let ll = 0, sw = 0, swy = 0, swy2 = 0, infinite = 0;
  for (const s of studies) {
    ll += binomialSaturated(s.ai, s.n1i) + binomialSaturated(s.ci, s.n2i);
    const a = s.ai, b = s.n1i - s.ai, c = s.ci, d = s.n2i - s.ci;
    if (a === 0 || b === 0 || c === 0 || d === 0) { infinite++; continue; }
    const y = Math.log((a * d) / (b * c));
    const w = 1 / (1 / a + 1 / b + 1 / c + 1 / d);
    sw += w; swy += w * y; swy2 += w * y * y;
  }
  const q = sw > 0 ? swy2 - (swy * swy) / sw : 0;
  return { logLik: ll, wald: q, infinite };
}

/**
 * UM.RS's saturated model: random study intercepts, a constant and one log OR per study. A study
 * whose treated arm has no events (or only events) has its log OR at ∓∞, where that arm's
 * likelihood is 1: the arm and its parameter are left out (the exact limit). The Wald statistic
 * tests the equality of the remaining log ORs.
 */
function saturatedRS(studies: readonly Study2x2[], warnings: string[]): Saturated {
  const k = studies.length;
  const finite = studies.map((s) => s.ai > 0 && s.ai < s.n1i);
  const rows: ArmRow[] = [];
  for (let i = 0; i < k; i++) {
    if (finite[i]) rows.push({ study: i, treated: true });
    rows.push({ study: i, treated: false });
  }
  const idx = studies.map((_, i) => i).filter((i) => finite[i]);
  const fixed = [
    { name: "const", value: () => 1 },
    ...idx.map((j) => ({ name: `study${j + 1}:group`, value: (r: ArmRow) => (r.study === j && r.treated ? 1 : 0) })),
  ];
  const ms = armDesign(studies, rows, { fixed, random: [{ cname: "(Intercept)", treated: 1, control: 1 }] }, "UM.RS saturated");
  const g = fitBinomialGLMM(ms, 1);
  for (const w of g.fit.warnings) warnings.push(`saturated model: ${w}`);
  const m = idx.length;
  let wald: number | null = null;
  if (m >= 2) {
    // contrasts θ_j − θ_last, j < last
    const th = g.fit.beta.subarray(1);
    const V = (a: number, b: number) => g.vcov[(a + 1) + (b + 1) * ms.p];
    const r = m - 1;
    const C = new Float64Array(r * r);
    const d = new Float64Array(r);
    for (let a = 0; a < r; a++) {
      d[a] = th[a] - th[m - 1];
      for (let b = 0; b < r; b++) C[a + b * r] = V(a, b) - V(a, m - 1) - V(m - 1, b) + V(m - 1, m - 1);
    }
    const Ci = invSPD(C, r);
    if (Ci) {
      wald = 0;
      for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) wald += d[a] * Ci[a + b * r] * d[b];
    } else warnings.push("the saturated model's covariance matrix is not positive definite: no Wald heterogeneity test");
  } else wald = 0;
  return { logLik: g.fit.logLik, wald, infinite: k - m };
}

/**
 * metafor's "ll" for UM.FS: the saturated log-likelihood minus half of glmer's deviance(), which
 * for a GLMM is the sum of the squared deviance residuals at the conditional modes.
 */
function metaforLogLikFS(studies: readonly Study2x2[], fitted: Float64Array): number {
  let ll = 0, dev = 0;
  studies.forEach((s, i) => {
    for (const [y, n, mu] of [[s.ai, s.n1i, fitted[2 * i]], [s.ci, s.n2i, fitted[2 * i + 1]]]) {
      ll += binomialSaturated(y, n);
      const p = y / n;
      dev += 2 * ((y === 0 ? 0 : y * Math.log(p / mu)) + (y === n ? 0 : (n - y) * Math.log((1 - p) / (1 - mu))));
    }
  });
  return ll - dev / 2;
}
