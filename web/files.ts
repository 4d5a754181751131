// Download files of a fit, as CSV text (RFC 4180 quoting).
import type { FitResult } from "../src/fit.js";
import type { EmmeansResult } from "../src/inference/emmeans.js";
import type { FitJSON } from "../src/report/json.js";
import type { CaterpillarRow } from "../src/report/plots/caterpillar.js";
import { plotResiduals } from "../src/report/plots/fitdata.js";

const cell = (v: unknown): string => {
  if (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v))) return "NA";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

export function toCsv(header: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [header, ...rows].map((r) => r.map(cell).join(",")).join("\n") + "\n";
}

export const fixefCsv = (j: FitJSON) =>
  toCsv(["term", "estimate", "se", "statistic", "df", "p"], j.fixef.map((f) => [f.term, f.estimate, f.se, f.statistic, f.df ?? null, f.p]));

export const varcorrCsv = (j: FitJSON) =>
  toCsv(["group", "term1", "term2", "variance", "sd", "corr"], [
    ...j.varcorr.map((v) => [v.group, v.term1, v.term2, v.variance ?? null, v.sd ?? null, v.corr ?? null]),
    ...(j.family === "gaussian" || j.family === "Gamma" ? [["Residual", null, null, j.sigma * j.sigma, j.sigma, null]] : []),
  ]);

export const ranefCsv = (rows: readonly CaterpillarRow[]) =>
  toCsv(["group", "term", "level", "estimate", "condsd"], rows.map((r) => [r.group, r.term, r.level, r.estimate, r.se ?? null]));

/** One line per observation used: data row (1-based), response, fitted value, residual. */
export function observationsCsv(res: FitResult): string {
  const { fitted, residuals, pearson } = plotResiduals(res);
  const y = res.model.response?.y;
  const rows: unknown[][] = [];
  for (let i = 0; i < fitted.length; i++) rows.push([res.model.rows[i] + 1, y ? y[i] : null, fitted[i], residuals[i]]);
  return toCsv(["row", "response", "fitted", pearson ? "pearson_residual" : "residual"], rows);
}

/** The marginal means of one factor: level, estimate, SE, df (Inf for a GLMM) and confidence limits. */
export const emmeansCsv = (r: EmmeansResult) =>
  toCsv([...r.specs, "estimate", "se", "df", "lower", "upper"], r.means.map((m) => [...r.specs.map((s) => m.levels[s]), m.estimate, m.se, Number.isFinite(m.df) ? m.df : "Inf", m.lower, m.upper]));

/** Their contrasts with the adjusted p-values and (simultaneous) limits. */
export const contrastsCsv = (r: EmmeansResult) =>
  toCsv(["contrast", "estimate", "se", "df", "statistic", "p", "lower", "upper"], r.contrasts.map((c) => [c.contrast, c.estimate, c.se, Number.isFinite(c.df) ? c.df : "Inf", c.statistic, c.p, c.lower, c.upper]));
