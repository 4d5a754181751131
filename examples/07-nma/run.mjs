// 7. Network meta-analysis: which smoking-cessation intervention works best — no contact, self-help,
// individual or group counselling — when no trial compared all four? 24 trials, arm-level quit counts,
// the two-way binomial GLMM of Piepho et al. (2012): fixed study and treatment effects, a random
// study × treatment effect. League table and P-score ranking (quitting is good: large ORs are better).
import { join } from "node:path";
import { networkMetaAnalysis, nmaNetworkSVG } from "../../dist/src/entry/engine.js";
import { writeFileAtomic } from "../../dist/src/cli/io.js";
import { fmt, isMain, outDir, printer, readData, shown } from "../lib.mjs";

export async function main(options = {}) {
  const log = printer(options);
  const out = outDir(import.meta.url, options);
  const nma = networkMetaAnalysis(readData("hasselblad1998.csv"),
    { study: "study", treatment: "trt", events: "xi", n: "ni" },
    { reference: "no_contact", smallValues: "bad" });
  writeFileAtomic(join(out, "network.svg"), nmaNetworkSVG(nma));

  const T = nma.treatments;
  const orCell = (c) => (c ? `${Math.exp(c.estimate).toFixed(2)} (${Math.exp(c.lower).toFixed(2)}-${Math.exp(c.upper).toFixed(2)})` : "");
  const res = {
    treatments: T,
    effects: Object.fromEntries(nma.effects.map((e) => [e.treatment, { estimate: e.estimate, se: e.se, direct: e.directStudies }])),
    league: nma.league.map((row) => row.map((c) => (c ? c.estimate : null))),
    leagueSE: nma.league.map((row) => row.map((c) => (c ? c.se : null))),
    pscores: Object.fromEntries(nma.pscores.map((p) => [p.treatment, p.pscore])),
    ranking: nma.pscores.map((p) => p.treatment),
    sigma2: nma.sigma2, tau2: nma.tau2, logLik: nma.fit.json.logLik, studies: nma.studies, arms: nma.arms,
  };
  const w = Math.max(...T.map((t) => t.length)) + 2;
  log(
    `Smoking cessation network: ${res.studies} studies, ${res.arms} arms, ${T.length} treatments; reference no_contact`,
    `  heterogeneity: sigma² ${fmt(res.sigma2)} per arm, tau² = 2 sigma² = ${fmt(res.tau2)} for a log odds ratio`,
    `  league table: OR of quitting, ROW vs COLUMN (95% CI)`,
    `  ${"".padEnd(w)}${T.map((t) => t.padEnd(18)).join("")}`.trimEnd(),
    ...T.map((t, i) => `  ${t.padEnd(w)}${T.map((_, j) => (i === j ? t : orCell(nma.league[i][j])).padEnd(18)).join("")}`.trimEnd()),
    `  ranking by P-score: ${nma.pscores.map((p) => `${p.rank}. ${p.treatment} ${p.pscore.toFixed(3)}`).join(", ")}`,
    `  network graph: ${shown(join(out, "network.svg"))}`,
  );
  return res;
}

if (isMain(import.meta.url)) await main();
