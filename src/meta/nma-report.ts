// The network meta-analysis as text, JSON (the `glmm fit` JSON of the two-way model plus the
// comparisons, league table, P-scores and direct evidence) and SVG (network graph, forest plot of
// every treatment against the reference).
import { fmt, formatTable } from "../report/table.js";
import { forestPlotSVG } from "../report/svg/forest.js";
import { networkGraphSVG } from "../report/svg/network.js";
import { fmtP, withNotes } from "./meta-report.js";
import type { Comparison, NMAResult } from "./nma.js";

const num = (x: number): number | null => (Number.isFinite(x) ? x : null);
const pct = (level: number) => `${Math.round(level * 1000) / 10}%`;
const f2 = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(2) : x.toPrecision(2)) : "NA");

function comparisonJSON(c: Comparison): Record<string, unknown> {
  return {
    treatment: c.treatment, versus: c.versus, estimate: num(c.estimate), se: num(c.se), zval: num(c.z), pval: num(c.p),
    ci_lb: num(c.lower), ci_ub: num(c.upper), or: num(Math.exp(c.estimate)), or_ci_lb: num(Math.exp(c.lower)), or_ci_ub: num(Math.exp(c.upper)),
    direct_studies: c.directStudies,
  };
}

/** `glmm fit`'s JSON of the two-way model, with the network meta-analysis added. */
export function nmaToJSON(r: NMAResult): Record<string, unknown> {
  return {
    ...r.fit.json,
    nma: {
      reference: r.reference, treatments: r.treatments, level: r.level, small_values: r.smallValues,
      studies: r.studies, arms: r.arms, participants: r.participants, events: r.events,
      sigma2: num(r.sigma2), tau2: num(r.tau2),
      effects: r.effects.map(comparisonJSON),
      comparisons: r.comparisons.map(comparisonJSON),
      league: {
        treatments: r.treatments,
        note: "cell [i][j]: log odds ratio of treatments[i] versus treatments[j]",
        estimate: r.league.map((row) => row.map((c) => (c ? num(c.estimate) : null))),
        ci_lb: r.league.map((row) => row.map((c) => (c ? num(c.lower) : null))),
        ci_ub: r.league.map((row) => row.map((c) => (c ? num(c.upper) : null))),
        se: r.league.map((row) => row.map((c) => (c ? num(c.se) : null))),
      },
      pscores: r.pscores.map((p) => ({ treatment: p.treatment, pscore: num(p.pscore), rank: p.rank })),
      direct: r.direct.map((d) => ({ a: d.a, b: d.b, n_studies: d.studies.length, studies: d.studies })),
      warnings: r.warnings,
    },
  };
}

/** The text report of a network meta-analysis: effects against the reference, league table and P-scores. */
export function nmaSummary(r: NMAResult, dataName?: string): string {
  const L: string[] = [];
  const lv = pct(r.level);
  L.push("Network meta-analysis: two-way binomial GLMM (Piepho, Williams & Madden 2012)");
  L.push(`  Formula: ${r.formula}   (Laplace approximation, as lme4's glmer)`);
  const c = r.columns;
  if (c.study !== "study" || c.treatment !== "trt" || c.events !== "xi" || c.n !== "ni")
    L.push(`  (study, trt, xi, ni are the data columns ${c.study}, ${c.treatment}, ${c.events}, ${c.n})`);
  L.push(`  Data: ${dataName ? dataName + ", " : ""}${r.studies} studies, ${r.arms} arms, ${r.treatments.length} treatments; reference: ${r.reference}`);
  L.push(`  logLik ${fmt(r.fit.json.logLik, 7)}   AIC ${fmt(r.fit.json.AIC, 7)}   BIC ${fmt(r.fit.json.BIC, 7)}`);
  L.push("");
  L.push(`sigma^2 (random study x treatment effects): ${fmt(r.sigma2)}   => tau^2 of a log odds ratio = 2 sigma^2 = ${fmt(r.tau2)}`);
  L.push("");
  L.push(`Treatment effects against ${r.reference} (log odds ratios, Wald z, ${lv} CI):`);
  const eff = [["treatment", "log OR", "se", "zval", "pval", "OR", "ci.lb", "ci.ub", "direct"]];
  for (const c of r.effects) eff.push([c.treatment, c.estimate.toFixed(4), c.se.toFixed(4), c.z.toFixed(3), fmtP(c.p), f2(Math.exp(c.estimate)), f2(Math.exp(c.lower)), f2(Math.exp(c.upper)), String(c.directStudies)]);
  L.push(formatTable(eff, { firstLeft: true, indent: 2 }));
  L.push("");
  L.push(`League table: odds ratio of the ROW treatment versus the COLUMN treatment, ${lv} CI (network estimates)`);
  const head = ["", ...r.treatments];
  const rows = r.league.map((row, i) => [r.treatments[i], ...row.map((c, j) => (c ? `${f2(Math.exp(c.estimate))} (${f2(Math.exp(c.lower))}-${f2(Math.exp(c.upper))})` : r.treatments[j]))]);
  L.push(formatTable([head, ...rows], { firstLeft: true, indent: 2 }));
  L.push("");
  L.push(`Ranking by P-score (Rücker & Schwarzer 2015; ${r.smallValues === "good" ? "small" : "large"} log odds ratios are better):`);
  L.push("  P_i = mean over j != i of Phi((d_i - d_j) / se(d_i - d_j))" + (r.smallValues === "good" ? " with the sign reversed" : "") + ": the mean certainty that i beats another treatment");
  const ps = [["treatment", "P-score", "rank"]];
  for (const p of r.pscores) ps.push([p.treatment, p.pscore.toFixed(4), String(p.rank)]);
  L.push(formatTable(ps, { firstLeft: true, indent: 2 }));
  L.push("");
  L.push("Direct evidence: number of studies comparing each pair directly (all estimates above are network estimates):");
  const de = [["comparison", "studies"]];
  const notes = [""];
  for (let a = 0; a < r.treatments.length; a++)
    for (let b = a + 1; b < r.treatments.length; b++) {
      const d = r.direct.find((x) => x.a === r.treatments[a] && x.b === r.treatments[b]);
      de.push([`${r.treatments[b]} vs ${r.treatments[a]}`, String(d ? d.studies.length : 0)]);
      notes.push(d ? `(${d.studies.join(", ")})` : "indirect evidence only");
    }
  L.push(withNotes(formatTable(de, { firstLeft: true, indent: 2 }), notes));
  for (const w of r.warnings) L.push(`Note: ${w}`);
  return L.join("\n");
}

/** The network graph of a network meta-analysis as SVG (node size: participants; edge width: studies). */
export function nmaNetworkSVG(r: NMAResult, title?: string): string {
  return networkGraphSVG(
    r.treatments.map((t, i) => ({ id: t, size: r.participants[i] })),
    r.direct.map((d) => ({ from: d.a, to: d.b, weight: d.studies.length })),
    { title: title ?? `Network of ${r.studies} studies (edge labels: studies comparing the pair directly)`, footnote: "Node area grows with the number of participants; edge width with the number of studies." },
  );
}

/** The forest plot of a network meta-analysis's effects against the reference, as SVG. */
export function nmaForestSVG(r: NMAResult, title?: string): string {
  const lv = pct(r.level);
  return forestPlotSVG(
    r.effects.map((c) => ({ label: c.treatment, estimate: c.estimate, lower: c.lower, upper: c.upper, weight: 1 / (c.se * c.se) })),
    [],
    {
      title: title ?? `Odds ratios against ${r.reference} (${lv} CI, network estimates)`,
      xLabel: "Odds ratio (log scale)", ratio: true, leftHeader: "Treatment", rightHeader: `OR [${lv} CI]`,
      footnotes: [`Two-way binomial GLMM; tau² = ${fmt(r.tau2)}. P-scores: ${r.pscores.map((p) => `${p.treatment} ${p.pscore.toFixed(2)}`).join(", ")}.`],
    },
  );
}
