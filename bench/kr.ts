// Kenward–Roger at scale (issue 20): glmm's blocked route (src/inference/kenward-roger.ts) on the
// whole InstEval, y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service), REML — pbkrtest cannot run
// there (it forms n×n matrices: 73,421² doubles are 43 GB each) — and on leading rows of InstEval,
// where it can, side by side: the KR step alone on each side (after the fit: glmm's kenwardRoger +
// the F test of service, pbkrtest's vcovAdj + Lb_ddf, as lmerTest calls them; for one df the
// F scaling is 1), the ratio, and the agreement of the F
// test's denominator df and F and of Φ_A's diagonal.
//   node dist/bench/kr.js [--rows 1000,2000] [--no-r]
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDelimited } from "../src/data/csv.js";
import { fit } from "../src/fit.js";
import { kenwardRoger, krTest } from "../src/inference/kenward-roger.js";
import type { FittedLMM } from "../src/lmm/lmm.js";
import { lpad, pad, root, runCliJson } from "./cli.js";

const FORMULA = "y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service)";
const INSTEVAL = join(root, "test", "fixtures", "data", "insteval.csv");

interface Ours { fitS: number; krS: number; q: number; denDf: number; F: number; va: number[]; route: string }

/** fit, then the KR step alone (timed): Φ_A and the F test of service */
function ours(file: string): Ours {
  const fr = parseDelimited(readFileSync(file, "utf8"));
  let t = performance.now();
  const r = fit(fr, FORMULA, { ddf: "none" });
  const f = r.fit as FittedLMM;
  const fitS = (performance.now() - t) / 1000;
  t = performance.now();
  const kr = kenwardRoger(r.model, f);
  const test = krTest(kr, f.beta, [[0, 1]]);
  const krS = (performance.now() - t) / 1000;
  return { fitS, krS, q: f.terms.reduce((a, u) => a + u.q, 0), denDf: test.denDf, F: test.F, va: [kr.phiA[0], kr.phiA[3]], route: kr.route };
}

/** pbkrtest's time for the same step, and its numbers (null without R/pbkrtest) */
function pbkrtest(file: string): { seconds: number; F: number; denDf: number; va: number[] } | null {
  const script = `suppressMessages({ library(lme4); library(pbkrtest) })
d <- read.csv("${file}"); d$s <- factor(d$s); d$d <- factor(d$d); d$dept <- factor(d$dept)
m <- lmer(y ~ 1 + service + (1 | s) + (1 | d) + (1 | dept:service), data = d)
L <- matrix(c(0, 1), 1)
t0 <- proc.time()[["elapsed"]]
Va <- vcovAdj(m); ddf <- Lb_ddf(L, vcov(m), Va)
t1 <- proc.time()[["elapsed"]]
F <- as.numeric((L %*% fixef(m))^2 / (L %*% as.matrix(Va) %*% t(L)))
cat(sprintf("%.4f %.12g %.12g %.12g %.12g\\n", t1 - t0, F, ddf, Va[1, 1], Va[2, 2]))`;
  const p = spawnSync("Rscript", ["-e", script], { encoding: "utf8" });
  if (p.status !== 0) return null;
  const v = p.stdout.trim().split(/\s+/).map(Number);
  return { seconds: v[0], F: v[1], denDf: v[2], va: [v[3], v[4]] };
}

/** the first `rows` rows of InstEval as a CSV in the temp folder */
function leadingRows(rows: number): string {
  const dir = join(tmpdir(), "glmm-bench");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `insteval_${rows}.csv`);
  const lines = readFileSync(INSTEVAL, "utf8").split("\n");
  writeFileSync(file, lines.slice(0, rows + 1).join("\n") + "\n");
  return file;
}

export function benchKR(options: { rows?: number[]; withR?: boolean } = {}): void {
  const haveR = (options.withR ?? true) && spawnSync("Rscript", ["-e", "library(pbkrtest)"], { encoding: "utf8" }).status === 0;
  console.log(`\nKenward–Roger, ${FORMULA} (REML): the KR step alone (Φ_A + F test of service), glmm vs pbkrtest${haveR ? "" : " — R/pbkrtest not installed: glmm only"}`);
  // the whole InstEval: in-process KR time, and the CLI's whole process with and without KR (peak RSS)
  const full = ours(INSTEVAL);
  const base = ["--data", INSTEVAL, "--formula", FORMULA, "--format", "json"];
  const withKR = runCliJson(["fixef", ...base, "--ddf", "kenward-roger"]);
  const noKR = runCliJson(["fit", ...base, "--ddf", "none"]);
  console.log(`KR on InstEval: 73,421 rows, q = ${full.q}: fit ${full.fitS.toFixed(2)} s, KR ${full.krS.toFixed(2)} s (${full.route} route; F ${full.F.toPrecision(6)} on 1 and ${full.denDf.toFixed(2)} df); ` +
    `whole process glmm fixef --ddf kenward-roger ${withKR.ok ? withKR.seconds.toFixed(1) + " s, " + (withKR.rssMB?.toFixed(0) ?? "-") + " MB" : "ERROR " + withKR.err} vs glmm fit --ddf none ${noKR.ok ? noKR.seconds.toFixed(1) + " s, " + (noKR.rssMB?.toFixed(0) ?? "-") + " MB" : "ERROR " + noKR.err}; pbkrtest: n×n matrices of 43 GB, not run`);
  console.log(`${pad("rows", 7)} ${lpad("q", 6)} ${lpad("glmm KR s", 10)} ${lpad("pbkrtest s", 11)} ${lpad("ratio", 7)} ${lpad("ddf", 10)} ${lpad("Δddf rel", 9)} ${lpad("ΔF rel", 8)} ${lpad("ΔΦ_A rel", 9)}  route`);
  for (const rows of options.rows ?? [1000, 2000]) {
    const file = leadingRows(rows);
    const g = ours(file);
    const r = haveR ? pbkrtest(file) : null;
    const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);
    const dva = r ? Math.max(rel(g.va[0], r.va[0]), rel(g.va[1], r.va[1])) : NaN;
    console.log(`${pad(String(rows), 7)} ${lpad(String(g.q), 6)} ${lpad(g.krS.toFixed(3), 10)} ${lpad(r ? r.seconds.toFixed(2) : "-", 11)} ${lpad(r ? (g.krS / r.seconds).toExponential(1) : "-", 7)} ${lpad(g.denDf.toFixed(3), 10)} ${lpad(r ? rel(g.denDf, r.denDf).toExponential(1) : "-", 9)} ${lpad(r ? rel(g.F, r.F).toExponential(1) : "-", 8)} ${lpad(r ? dva.toExponential(1) : "-", 9)}  ${g.route}`);
  }
}

if (process.argv[1]?.endsWith("kr.js")) {
  const a = process.argv.slice(2);
  const rows = a.includes("--rows") ? a[a.indexOf("--rows") + 1].split(",").map(Number) : undefined;
  benchKR({ rows, withR: !a.includes("--no-r") });
}
