// Text summary in the layout of geepack's print(summary(geeglm)): coefficient table (Estimate,
// Std.err, Wald = z², Pr(>|W|)), correlation structure, estimated scale and correlation parameters
// with their standard errors, number of clusters and maximum cluster size.
import type { GeeResult } from "./types.js";

/** decimals so that every non-zero value shows `digits` significant digits (as R's format does) */
function decimalsFor(values: number[], digits: number): number {
  let dec = 0;
  for (const v of values) {
    if (!Number.isFinite(v) || v === 0) continue;
    dec = Math.max(dec, digits - 1 - Math.floor(Math.log10(Math.abs(v))));
  }
  return Math.min(dec, 10);
}

function column(values: number[], digits = 4): string[] {
  const dec = decimalsFor(values, digits);
  return values.map((v) => (Number.isFinite(v) ? v.toFixed(dec) : String(v)));
}

function formatP(p: number): string {
  if (!Number.isFinite(p)) return "NA";
  if (p < 2.2e-16) return "<2e-16";
  if (p < 1e-4) return p.toExponential(1).replace(/e([+-])(\d)$/, "e$10$2");
  return p.toPrecision(3);
}

function stars(p: number): string {
  return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : " ";
}

/** rows of cells → aligned text; first column (names) and an unnamed last column (stars) left-aligned */
function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const last = header.length - 1;
  const widths = header.map((_, j) => Math.max(...all.map((r) => (r[j] ?? "").length)));
  const left = (j: number) => j === 0 || (j === last && header[j] === "");
  return all.map((r) => r.map((c, j) => (left(j) ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join(" ").trimEnd());
}

const SE_LABEL = { "san.se": "robust sandwich (san.se)", md: "Mancl-DeRouen bias-corrected sandwich (md)", model: "model-based (naive)" } as const;

/** The text summary of a GEE fit (coefficients, working correlation, QIC), as `glmm gee` prints it. */
export function formatGeeSummary(r: GeeResult): string {
  const out: string[] = [];
  out.push(`GEE: family ${r.family} (link ${r.link}), ${r.nobs} observations in ${r.nclusters} clusters`);
  out.push(`Standard errors: ${SE_LABEL[r.stdErr]}`);
  out.push("");
  out.push(" Coefficients:");
  const est = column(r.fixef.map((f) => f.estimate));
  const se = column(r.fixef.map((f) => f.se));
  const wald = column(r.fixef.map((f) => f.statistic * f.statistic), 3);
  out.push(...table(
    ["", "Estimate", "Std.err", "Wald", "Pr(>|W|)", ""],
    r.fixef.map((f, j) => [f.term, est[j], se[j], wald[j], formatP(f.p), stars(f.p)]),
  ));
  out.push("---");
  out.push("Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1");
  out.push("");
  out.push(`Correlation structure = ${r.corstr}${r.mdep !== null ? ` (m = ${r.mdep})` : ""}`);
  if (r.scaleFixed) {
    out.push(`Scale is fixed at ${r.scale}.`);
  } else {
    out.push("Estimated Scale Parameters:");
    out.push("");
    const v = column([r.scale, r.scaleSe ?? NaN]);
    out.push(...table(["", "Estimate", "Std.err"], [["(Intercept)", v[0], v[1]]]));
  }
  if (r.alpha !== null) {
    out.push("  Link = identity");
    out.push("");
    out.push("Estimated Correlation Parameters:");
    const a = ([] as number[]).concat(r.alpha);
    const ae = column(a);
    const se2 = r.alphaSe ? column(r.alphaSe) : a.map(() => "NA");
    out.push(...table(["", "Estimate", "Std.err"], a.map((_, k) => [r.alphaNames[k], ae[k], se2[k]])));
  }
  out.push(`Number of clusters:   ${r.nclusters}  Maximum cluster size: ${r.maxClusterSize}`);
  if (r.qic) {
    const q = r.qic;
    out.push(`QIC: ${q.QIC.toFixed(3)}  QICu: ${q.QICu.toFixed(3)}  Quasi-likelihood: ${q.quasiLik.toFixed(3)}  CIC: ${q.CIC.toFixed(3)}`);
  }
  if (!r.converged) out.push(`Not converged after ${r.iterations} iterations.`);
  for (const w of r.warnings) out.push(`Warning: ${w}`);
  return out.join("\n") + "\n";
}
