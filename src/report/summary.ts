// Text summaries in lme4's layout (print(summary(fit))).
import type { FitJSON } from "./json.js";
import { displayName, fixed, fmt, formatColumn, formatP, formatTable, signifStars } from "./table.js";

function quantiles(x: ArrayLike<number>): number[] {
  const s = Float64Array.from(x).sort();
  const q = (p: number) => {
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    return s[lo] + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]) - s[lo]);
  };
  return [0, 0.25, 0.5, 0.75, 1].map(q);
}

export interface SummaryInput {
  readonly json: FitJSON;
  readonly formula: string;
  readonly dataName: string;
  /** scaled (LMM) or Pearson (GLMM) residuals */
  readonly scaledResiduals: ArrayLike<number>;
  /** p×p correlation of fixed effects (column-major), or null */
  readonly corrFixef: Float64Array | null;
  /** list the warnings at the end (default); the CLI prints them on stderr instead */
  readonly warnings?: boolean;
}

/** The text summary of a fit, laid out as R's summary of an lm/glm or lme4 fit. */
export function fitSummary(inp: SummaryInput): string {
  const j = inp.json;
  if (j.method === "least squares" || j.method.startsWith("IRLS")) return fixedSummary(inp);
  const out: string[] = [];
  const isLMM = j.family === "gaussian" && j.link === "identity" && (j.method === "REML" || j.method === "ML");
  // a zero-inflation or dispersion model without random effects (glmmTMB's: the Laplace step is void)
  const noRandom = j.varcorr.length === 0 && !j.zi_varcorr;
  if (isLMM) {
    out.push(`Linear mixed model fit by ${j.method === "REML" ? "REML" : "maximum likelihood"}`);
  } else {
    const how = j.method === "Laplace" ? "Laplace Approximation" : j.method.replace(/ \(nAGQ = (\d+)\)$/, ", nAGQ = $1");
    out.push(noRandom ? "Generalized linear model fit by maximum likelihood" : `Generalized linear mixed model fit by maximum likelihood (${how})`);
    out.push(` Family: ${j.family === "negative_binomial" ? `Negative Binomial(${fmt(j.nb_size ?? NaN, 4)})` : j.family}  ( ${j.link} )`);
  }
  out.push(`Formula: ${inp.formula}`);
  out.push(`   Data: ${inp.dataName}`);
  out.push("");
  if (isLMM && j.method === "REML") {
    out.push(`REML criterion at convergence: ${fixed(-2 * j.logLik, 1)}`);
  } else {
    const dfResid = j.nobs - j.df;
    const rows = [["AIC", "BIC", "logLik", "deviance", "df.resid"], [fixed(j.AIC, 1), fixed(j.BIC, 1), fixed(j.logLik, 1), fixed(-2 * j.logLik, 1), String(dfResid)]];
    out.push(formatTable(rows, { header: true, align: "right" }));
  }
  // the iterative route's log-determinant is a Monte Carlo estimate: say how precise
  if (j.solver?.method) out.push(`Solver: ${j.solver.method}${j.logLikMCSE !== undefined ? `; logLik ± ${fixed(j.logLikMCSE, 4)} (Monte Carlo SE)` : ""}${j.solver.reason ? `; --solver auto: ${j.solver.reason}` : ""}`);
  if (j.nb_size !== null && !isLMM) out.push(`Negative binomial size (nb_size): ${fmt(j.nb_size, 4)}`);
  if (j.family === "nbinom1" && !j.disp?.some((d) => d.term !== "(Intercept)")) out.push(`Dispersion parameter for nbinom1 family (phi): ${fmt(j.sigma, 4)}`);
  if (j.zi_boundary) out.push(`Zero-inflation at its boundary for ${j.zi_boundary.rows} rows: LRT against no zero-inflation chi-square = ${fixed(j.zi_boundary.statistic, 3)}, df = ${j.zi_boundary.df}, p = ${formatP(j.zi_boundary.p)}`);
  if (j.family_params && j.family !== "ordinal") out.push(...j.family_params.map((f) => `${familyParamLabel(j.family, f.name)}: ${fmt(f.estimate, 4)} (SE ${fmt(f.se, 3)})`));
  out.push("");
  // (an ordinal response has no residuals: clmm prints none)
  if (j.family !== "ordinal") {
    out.push("Scaled residuals: ");
    const q = quantiles(inp.scaledResiduals);
    out.push(formatTable([["Min", "1Q", "Median", "3Q", "Max"], q.map((v) => fixed(v, 4))], { header: true, align: "right" }));
    out.push("");
  }
  if (noRandom) out.push(`Number of obs: ${j.nobs}`);
  else {
    out.push("Random effects:");
    // glmmTMB's layout when the zero-inflation model has random effects too: one table per model
    if (j.zi_varcorr) out.push("Conditional model:");
    const residual = isLMM || j.family === "gaussian" || j.family === "Gamma" ? j.sigma : null;
    out.push(varcorrTable(j.varcorr, residual));
    if (j.zi_varcorr) out.push("Zero-inflation model:", varcorrTable(j.zi_varcorr, null));
    // say which terms are not lme4's plain ones: a known covariance between levels, a structure
    for (const v of j.varcorr) {
      if (v.known !== undefined) out.push(` ${v.group}: levels correlated by the known covariance of ${v.known}`);
      if (v.structure !== undefined) out.push(` ${v.group}: ${v.structure} covariance${v.rho !== undefined ? `, rho = ${fmt(v.rho, 4)}` : ""}`);
    }
    const grp = Object.entries(j.groups).map(([g, n]) => `${g}, ${n}`).join("; ");
    out.push(`Number of obs: ${j.nobs}, groups:  ${grp}`);
  }
  out.push("");
  out.push("Fixed effects:");
  const fx: string[][] = [];
  if (isLMM) {
    const withP = j.fixef.some((f) => f.p !== null);
    fx.push(["", "Estimate", "Std. Error", ...(withP ? ["df", "t value", "Pr(>|t|)", ""] : ["t value"])]);
    const [est, se] = estimateColumns(j.fixef);
    const df = j.fixef.map((f) => fixed(f.df, 3)); // as lmerTest prints it
    j.fixef.forEach((f, i) =>
      fx.push([displayName(f.term), est[i], se[i], ...(withP ? [df[i], fixed(f.statistic, 3), formatP(f.p), signifStars(f.p)] : [fixed(f.statistic, 3)])]));
  } else zTable(fx, j.fixef);
  // glmmTMB's layout: the conditional model's table, then the zero-inflation and dispersion models'
  if (j.zi || j.disp) out.push("Conditional model:");
  out.push(formatTable(fx, { header: true, align: "right", firstLeft: true }));
  for (const [title, rows] of [["Zero-inflation model:", j.zi], ["Dispersion model:", j.disp]] as const) {
    if (!rows || rows.length === 0) continue;
    const t: string[][] = [];
    zTable(t, rows);
    out.push("", title, formatTable(t, { header: true, align: "right", firstLeft: true }));
  }
  if (!isLMM || j.fixef.some((f) => f.p !== null)) out.push("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1");
  if (j.family === "ordinal" && j.family_params) {
    // as ordinal::clmm's summary
    out.push("");
    out.push("Threshold coefficients:");
    const [est, se] = estimateColumns(j.family_params.map((f) => ({ term: f.name, estimate: f.estimate, se: f.se, statistic: f.estimate / f.se, p: null })));
    const th = [["", "Estimate", "Std. Error", "z value"], ...j.family_params.map((f, i) => [f.name, est[i], se[i], fixed(f.estimate / f.se, 3)])];
    out.push(formatTable(th, { header: true, align: "right", firstLeft: true }));
  }
  if (inp.corrFixef && j.fixef.length > 1 && j.fixef.length <= 12) {
    out.push("");
    out.push("Correlation of Fixed Effects:");
    const p = j.fixef.length;
    // rows by full name; columns by unique abbreviations (lme4 abbreviates both, but "fctr(p" and
    // "fctr(p.1" do not say which level is which)
    const names = j.fixef.map((f) => displayName(f.term));
    const abbrev = uniqueAbbreviations(names);
    const rows: string[][] = [["", ...abbrev.slice(0, p - 1)]];
    for (let a = 1; a < p; a++) {
      const r = [names[a]];
      for (let b = 0; b < p - 1; b++) r.push(b < a ? fixed(inp.corrFixef[a + b * p], 3) : "");
      rows.push(r);
    }
    out.push(formatTable(rows, { header: true, align: "right", firstLeft: true }));
  }
  if (j.singular) out.push("\nboundary (singular) fit: see the warnings");
  if (j.warnings.length && inp.warnings !== false) {
    out.push("");
    for (const w of j.warnings) out.push(`warning: ${w}`);
  }
  return out.join("\n") + "\n";
}

/** a "Estimate, Std. Error, z value, Pr(>|z|)" table's rows (header first) */
function zTable(fx: string[][], rows: FitJSON["fixef"]): void {
  fx.push(["", "Estimate", "Std. Error", "z value", "Pr(>|z|)", ""]);
  const [est, se] = estimateColumns(rows);
  rows.forEach((f, i) => fx.push([displayName(f.term), est[i], se[i], fixed(f.statistic, 3), formatP(f.p), signifStars(f.p)]));
}

/** Estimates and standard errors formatted together, as R's printCoefmat: decimal points aligned. */
function estimateColumns(fixef: FitJSON["fixef"]): [string[], string[]] {
  const both = formatColumn([...fixef.map((f) => f.estimate), ...fixef.map((f) => f.se)], 4);
  return [both.slice(0, fixef.length), both.slice(fixef.length)];
}

/**
 * R's abbreviate(minlength = 6): drop lower-case vowels from the right (never the first
 * character), then other lower-case letters from the right, then truncate.
 */
function abbreviate(s: string, width = 6): string {
  if (s === "(Intercept)") return "(Intr)";
  // interactions: abbreviate each factor, as R's abbreviate does word by word ("FT:SPM")
  if (s.includes(":")) return s.split(":").map((part) => abbreviate(part, 3)).join(":");
  const c = [...s];
  for (const drop of [/[aeiou]/, /[a-z]/]) {
    for (let i = c.length - 1; i > 0 && c.length > width; i--) if (drop.test(c[i])) c.splice(i, 1);
  }
  return c.join("").slice(0, width);
}

/** Abbreviations made unique by a numeric suffix where two terms would print the same. */
function uniqueAbbreviations(names: readonly string[]): string[] {
  const out = names.map((n) => abbreviate(n));
  const seen = new Map<string, number>();
  return out.map((a) => {
    const k = seen.get(a) ?? 0;
    seen.set(a, k + 1);
    return k === 0 ? a : `${a}.${k}`;
  });
}

/** A model without random effects, in the layout of R's summary.lm / summary.glm. */
function fixedSummary(inp: SummaryInput): string {
  const j = inp.json;
  const out: string[] = [];
  const isLM = j.method === "least squares";
  out.push(isLM ? "Linear model fit by least squares" : `Generalized linear model fit by maximum likelihood (IRLS)`);
  if (!isLM) out.push(` Family: ${j.family === "negative_binomial" ? `Negative Binomial(${fmt(j.nb_size ?? NaN, 4)})` : j.family}  ( ${j.link} )`);
  out.push(`Formula: ${inp.formula}`);
  out.push(`   Data: ${inp.dataName}`);
  out.push("");
  out.push(isLM ? "Residuals:" : "Pearson residuals:");
  const q = quantiles(inp.scaledResiduals);
  out.push(formatTable([["Min", "1Q", "Median", "3Q", "Max"], q.map((v) => fixed(v, 4))], { header: true, align: "right" }));
  out.push("");
  out.push("Coefficients:");
  const useT = j.fixef.some((f) => f.df !== null && f.df !== undefined);
  const fx: string[][] = [["", "Estimate", "Std. Error", useT ? "t value" : "z value", useT ? "Pr(>|t|)" : "Pr(>|z|)", ""]];
  const [est, se] = estimateColumns(j.fixef);
  j.fixef.forEach((f, i) => fx.push([displayName(f.term), est[i], se[i], fixed(f.statistic, 3), formatP(f.p), signifStars(f.p)]));
  out.push(formatTable(fx, { header: true, align: "right", firstLeft: true }));
  out.push("---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1");
  out.push("");
  const dfRes = j.nobs - j.fixef.length;
  if (isLM) out.push(`Residual standard error: ${fmt(j.sigma, 4)} on ${dfRes} degrees of freedom`);
  else out.push(`Residual deviance: ${fmt(j.deviance ?? NaN, 6)} on ${dfRes} degrees of freedom`);
  out.push(`logLik: ${fixed(j.logLik, 3)} (df = ${j.df}), AIC: ${fixed(j.AIC, 2)}, BIC: ${fixed(j.BIC, 2)}; ${j.nobs} observations`);
  if (j.warnings.length && inp.warnings !== false) {
    out.push("");
    for (const w of j.warnings) out.push(`warning: ${w}`);
  }
  return out.join("\n") + "\n";
}

/** how a family's own parameter is named in the summary (glmmTMB's wording) */
function familyParamLabel(family: string, name: string): string {
  if (name === "power") return "Tweedie power";
  return `Dispersion parameter for ${family} family (${name})`;
}

/** lme4's random-effects table (Groups, Name, Variance, Std.Dev.[, Corr]), with a Residual row when `sigma` is given */
function varcorrTable(varcorr: FitJSON["varcorr"], sigma: number | null): string {
  const re: string[][] = [];
  const hasCorr = varcorr.some((v) => v.corr !== undefined);
  re.push(["Groups", "Name", "Variance", "Std.Dev.", ...(hasCorr ? ["Corr"] : [])]);
  let lastGroup = "";
  const groupsInOrder: string[] = [];
  for (const v of varcorr) if (v.term2 === null && !groupsInOrder.includes(v.group)) groupsInOrder.push(v.group);
  for (const g of groupsInOrder) {
    const diag = varcorr.filter((v) => v.group === g && v.term2 === null);
    diag.forEach((v, i) => {
      const corrs = hasCorr
        ? diag.slice(0, i).map((w) => {
            const c = varcorr.find((x) => x.group === g && x.term1 === w.term1 && x.term2 === v.term1);
            return c?.corr !== undefined ? fixed(c.corr, 2) : "";
          }).join(" ")
        : undefined;
      re.push([g === lastGroup ? "" : g, displayName(v.term1), fmt(v.variance ?? NaN, 4), fmt(v.sd ?? NaN, 4), ...(hasCorr ? [corrs ?? ""] : [])]);
      lastGroup = g;
    });
  }
  if (sigma !== null) re.push(["Residual", "", fmt(sigma * sigma, 4), fmt(sigma, 4), ...(hasCorr ? [""] : [])]);
  return formatTable(re, { header: true, align: "left", indent: 1 });
}
