// The extended families (beta, betabinomial, tweedie, ordinal) against glmmTMB / ordinal::clmm,
// whole process each side (CSV → fit → printed log-likelihood): the median of three glmm runs
// against one Rscript run (skipped without R and the packages). Target ≤ 0.33× (issue 21).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { lpad, pad, root, runCliJson } from "./cli.js";

const data = (f: string) => join(root, "test", "fixtures", "data", f);

const cases: { id: string; args: string[]; r: string }[] = [
  {
    id: "ordinal_wine_clmm", args: ["--data", data("wine.csv"), "--formula", "rating ~ temp + contact + (1 | judge)", "--family", "ordinal"],
    r: `suppressMessages(library(ordinal)); d <- read.csv("${data("wine.csv")}"); d$rating <- factor(d$rating, ordered = TRUE); d$judge <- factor(d$judge); cat(sprintf("%.10f", logLik(clmm(rating ~ temp + contact + (1 | judge), data = d))))`,
  },
  {
    id: "beta_sim_glmmTMB", args: ["--data", data("beta_sim.csv"), "--formula", "y ~ x + (1 | g)", "--family", "beta"],
    r: `suppressMessages(library(glmmTMB)); d <- read.csv("${data("beta_sim.csv")}"); cat(sprintf("%.10f", logLik(glmmTMB(y ~ x + (1 | g), family = beta_family(), data = d))))`,
  },
  {
    id: "betabinomial_sim_glmmTMB", args: ["--data", data("betabinomial_sim.csv"), "--formula", "cbind(k, n - k) ~ x + (1 | g)", "--family", "betabinomial"],
    r: `suppressMessages(library(glmmTMB)); d <- read.csv("${data("betabinomial_sim.csv")}"); cat(sprintf("%.10f", logLik(glmmTMB(cbind(k, n - k) ~ x + (1 | g), family = betabinomial(), data = d))))`,
  },
  {
    id: "tweedie_sim_glmmTMB", args: ["--data", data("tweedie_sim.csv"), "--formula", "y ~ x + (1 | g)", "--family", "tweedie"],
    r: `suppressMessages(library(glmmTMB)); d <- read.csv("${data("tweedie_sim.csv")}"); cat(sprintf("%.10f", logLik(glmmTMB(y ~ x + (1 | g), family = tweedie(), data = d))))`,
  },
];

function rSeconds(script: string): { seconds: number; logLik: number } | null {
  const t0 = process.hrtime.bigint();
  const p = spawnSync("Rscript", ["-e", script], { encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return p.status === 0 ? { seconds, logLik: Number(p.stdout.trim()) } : null;
}

export function benchExtended(): void {
  console.log("\nExtended families: whole process, glmm (median of 3) vs R (glmmTMB 1.1.5 / ordinal::clmm)");
  console.log(`${pad("case", 26)} ${lpad("glmm s", 7)} ${lpad("R s", 6)} ${lpad("ratio", 6)} ${lpad("ΔlogLik", 9)}  target ≤ 0.33`);
  for (const c of cases) {
    const runs = [0, 1, 2].map(() => runCliJson(["fit", ...c.args, "--format", "json"])).sort((a, b) => a.seconds - b.seconds);
    const g = runs[1];
    const r = rSeconds(c.r);
    if (!g.ok) { console.log(`${pad(c.id, 26)} ERROR ${g.err}`); continue; }
    const ratio = r ? g.seconds / r.seconds : NaN;
    const dll = r ? g.json.logLik - r.logLik : NaN;
    console.log(`${pad(c.id, 26)} ${lpad(g.seconds.toFixed(2), 7)} ${lpad(r ? r.seconds.toFixed(2) : "-", 6)} ${lpad(r ? ratio.toFixed(2) : "-", 6)} ${lpad(r ? dll.toExponential(1) : "-", 9)}  ${r ? (ratio <= 0.33 ? "ok" : "MISSED") : "(no R)"}`);
  }
}
