// The meta-analysis as text (metafor's print layout), as JSON (CONTRACT.md: estimate, se, tau2,
// logLik, and the rest) and as a forest plot (SVG).
import { formatTable } from "../report/table.js";
import { forestPlotSVG, type ForestRow } from "../report/svg/forest.js";
import { ratioLabel, shortNumber } from "../report/svg/svg.js";
import type { MetaResult, TestResult } from "./rma-glmm.js";

const num = (x: number | null): number | null => (x === null || !Number.isFinite(x) ? null : x);
/** fixed decimals, as metafor prints */
const f4 = (x: number | null, d = 4): string => (x === null || !Number.isFinite(x) ? "NA" : x.toFixed(d));

/** p-value as metafor prints it */
export function fmtP(p: number): string {
  if (!Number.isFinite(p)) return "NA";
  return p < 1e-4 ? "<.0001" : p.toFixed(4).replace(/^0/, "");
}

/** The JSON of a meta-analysis (`glmm meta --format json`). */
export function metaToJSON(r: MetaResult): Record<string, unknown> {
  const test = (t: TestResult | null) => (t ? { statistic: num(t.statistic), df: t.df, p: num(t.p) } : null);
  return {
    measure: r.measure, model: r.model, method: r.method, nAGQ: r.nAGQ, level: r.level,
    k: r.k, k_total: r.kTotal,
    estimate: num(r.estimate), se: num(r.se), zval: num(r.z), pval: num(r.p), ci_lb: num(r.ciLower), ci_ub: num(r.ciUpper),
    or: num(Math.exp(r.estimate)), or_ci_lb: num(Math.exp(r.ciLower)), or_ci_ub: num(Math.exp(r.ciUpper)),
    pi_lb: num(r.piLower), pi_ub: num(r.piUpper),
    tau2: num(r.tau2), tau: num(r.tau), sigma2: num(r.sigma2), I2: num(r.I2), H2: num(r.H2),
    logLik: num(r.logLik), logLik_metafor: num(r.logLikMetafor), AIC: num(r.AIC), BIC: num(r.BIC),
    fixed_effect: { estimate: num(r.fixedEffect.estimate), se: num(r.fixedEffect.se), ci_lb: num(r.fixedEffect.ciLower), ci_ub: num(r.fixedEffect.ciUpper), logLik: num(r.fixedEffect.logLik) },
    heterogeneity: { wald: test(r.heterogeneity.wald), lrt: test(r.heterogeneity.lrt), tau2_lrt: test(r.heterogeneity.tau2LRT) },
    studies: r.studies.map((s) => ({
      label: s.label, ai: s.ai, n1i: s.n1i, ci: s.ci, n2i: s.n2i, yi: num(s.yi), vi: num(s.vi),
      ci_lb: num(s.ciLower), ci_ub: num(s.ciUpper), corrected: s.corrected, zeros: s.zeros, in_likelihood: s.inLikelihood,
    })),
    converged: r.converged, warnings: r.warnings,
  };
}

const MODEL_TEXT = {
  "UM.FS": "unconditional model with fixed study effects (UM.FS): fixed study intercepts, random treatment effect",
  "UM.RS": "unconditional model with random study effects (UM.RS): random study intercepts and random treatment effect, uncorrelated",
};

/** The text report of a meta-analysis, laid out as metafor's rma.glmm print. */
export function metaSummary(r: MetaResult, dataName?: string): string {
  const L: string[] = [];
  const pct = `${Math.round(r.level * 1000) / 10}%`;
  L.push(`Random-effects meta-analysis of 2x2 tables: one-stage binomial GLMM (as metafor's rma.glmm)`);
  L.push(`  Model: ${MODEL_TEXT[r.model]}; treatment coded +1/2 (treated), -1/2 (control) in the random part`);
  L.push(`  Fit: ${r.method}; no continuity correction in the likelihood`);
  L.push(`  Data: ${dataName ? dataName + ", " : ""}${r.kTotal} studies, ${r.k} in the likelihood; measure: log odds ratio`);
  L.push("");
  L.push(`tau^2 (heterogeneity of the log odds ratio):  ${f4(r.tau2)}`);
  L.push(`tau:                                          ${f4(r.tau)}`);
  if (r.sigma2 !== null) L.push(`sigma^2 (variance of the study intercepts):   ${f4(r.sigma2)}`);
  L.push(`I^2 (share of total variability):             ${r.I2.toFixed(2)}%`);
  L.push(`H^2 (total / sampling variability):           ${f4(r.H2)}`);
  L.push("");
  const h = r.heterogeneity;
  L.push(`Tests for heterogeneity (saturated model vs fixed-effect model):`);
  if (h.wald) L.push(`  Wald(df = ${h.wald.df}) = ${f4(h.wald.statistic)}, p ${pLabel(h.wald.p)}`);
  if (h.lrt) L.push(`  LRT(df = ${h.lrt.df})  = ${f4(h.lrt.statistic)}, p ${pLabel(h.lrt.p)}`);
  L.push(`Likelihood-ratio test of tau^2 = 0 (random vs fixed-effect model, boundary: 1/2 chi^2_0 + 1/2 chi^2_1):`);
  L.push(`  LRT = ${f4(h.tau2LRT.statistic)}, p ${pLabel(h.tau2LRT.p)}`);
  L.push("");
  L.push(`Pooled effect (Wald z tests and ${pct} Wald confidence intervals):`);
  const rows = [
    ["", "estimate", "se", "zval", "pval", "ci.lb", "ci.ub"],
    ["log OR", f4(r.estimate), f4(r.se), f4(r.z), fmtP(r.p), f4(r.ciLower), f4(r.ciUpper)],
    ["OR", f4(Math.exp(r.estimate)), "", "", "", f4(Math.exp(r.ciLower)), f4(Math.exp(r.ciUpper))],
  ];
  L.push(formatTable(rows, { firstLeft: true, indent: 2 }));
  L.push(`  ${pct} prediction interval for a new study's OR: ${f4(Math.exp(r.piLower))} to ${f4(Math.exp(r.piUpper))} (log OR ± z·sqrt(se² + tau²))`);
  const fe = r.fixedEffect;
  L.push(`  Fixed-effect model (tau^2 = 0): log OR ${f4(fe.estimate)} (se ${f4(fe.se)}), OR ${f4(Math.exp(fe.estimate))} [${f4(Math.exp(fe.ciLower))}, ${f4(Math.exp(fe.ciUpper))}], logLik ${f4(fe.logLik)}`);
  L.push("");
  L.push(`logLik ${f4(r.logLik)} (marginal${r.nAGQ > 1 ? ", by quadrature" : ", Laplace"})   AIC ${f4(r.AIC)}   BIC ${f4(r.BIC)}`);
  if (r.model === "UM.FS") L.push(`  (metafor's fit.stats "ll" for this model is ${f4(r.logLikMetafor)}: saturated log-likelihood - deviance(glmer)/2)`);
  L.push("");
  L.push("Studies (observed log odds ratios; † = 1/2 added to every cell for this display only):");
  const st = [["study", "ai", "n1i", "ci", "n2i", "log OR", "ci.lb", "ci.ub"]];
  const notes = [""];
  for (const s of r.studies) {
    notes.push(!s.inLikelihood ? "double zero: no information under UM.FS, not in the likelihood" : s.zeros === "double" ? "double zero (in the likelihood)" : s.zeros === "single" ? "zero cell" : "");
    st.push([
      s.label + (s.corrected ? " †" : ""), String(s.ai), String(s.n1i), String(s.ci), String(s.n2i),
      s.yi === null ? "-" : f4(s.yi), s.ciLower === null ? "-" : f4(s.ciLower), s.ciUpper === null ? "-" : f4(s.ciUpper),
    ]);
  }
  L.push(withNotes(formatTable(st, { firstLeft: true, indent: 2 }), notes));
  if (!r.converged) L.push("", "Warning: the random-effects model may not have converged.");
  for (const w of r.warnings) L.push(`Note: ${w}`);
  return L.join("\n");
}

/** A table with a left-aligned free-text column appended to its lines. */
export function withNotes(table: string, notes: readonly string[]): string {
  const lines = table.split("\n");
  const w = Math.max(...lines.map((l) => l.length));
  return lines.map((l, i) => (notes[i] ? `${l.padEnd(w)}  ${notes[i]}` : l)).join("\n");
}

function pLabel(p: number): string {
  const s = fmtP(p);
  return s.startsWith("<") ? `< ${s.slice(1)}` : `= ${s}`;
}

/** Forest plot: observed study ORs (½-corrected where marked), the pooled OR and the prediction interval. */
export function metaForestSVG(r: MetaResult, title?: string): string {
  const rows: ForestRow[] = r.studies.map((s) => ({
    label: s.label,
    estimate: s.yi, lower: s.ciLower, upper: s.ciUpper,
    weight: s.vi === null ? 0 : 1 / s.vi,
    mark: s.corrected ? " †" : "",
    note: s.inLikelihood ? undefined : "double zero: no information",
    right: s.yi === null ? `${s.ai}/${s.n1i} vs ${s.ci}/${s.n2i}: not estimable` : undefined,
  }));
  const pct = `${Math.round(r.level * 1000) / 10}%`;
  const or = (v: number) => ratioLabel(Math.exp(v));
  return forestPlotSVG(rows, [
    { label: `${r.model} random effects`, estimate: r.estimate, lower: r.ciLower, upper: r.ciUpper, kind: "diamond" },
    { label: "Prediction interval", estimate: r.estimate, lower: r.piLower, upper: r.piUpper, kind: "interval", right: `[${or(r.piLower)}, ${or(r.piUpper)}]` },
  ], {
    title: title ?? `Odds ratios (${r.model}, ${pct} CI)`,
    xLabel: "Odds ratio (log scale)",
    ratio: true,
    rightHeader: `OR [${pct} CI]`,
    footnotes: [
      `tau² = ${shortNumber(r.tau2)}, I² = ${r.I2.toFixed(1)}%; pooled estimate by ${r.method}, no continuity correction.`,
      ...(r.studies.some((s) => s.corrected) ? ["† study OR shown with 1/2 added to every cell (display only)."] : []),
    ],
  });
}
