// Multilevel designs (issue: the sparse engine): pupils in classes in schools (and schools in
// regions), and a binary outcome of visits to clinicians in clinics, simulated with a fixed seed,
// fitted through the real CLI (whole process, CSV → JSON, ML) and, where R with lme4 is installed,
// by lme4 on the same CSV in the same run: seconds, peak memory, logLik difference.
//   node dist/bench/nested.js [--max-schools N] [--no-r]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../src/inference/rng.js";
import { lpad, pad, runCliJson } from "./cli.js";

interface Design { id: string; schools: number; regions: boolean; binary: boolean; formula: string }

/**
 * Schools of 4 classes of 5 pupils; x ~ N(0,1); y = 1 + 0.5x + u_school (sd 1) + u_class (sd 0.5)
 * + N(0,1), or for the binary version (clinics of 4 clinicians of 5 visits) logit p = −0.5 + 0.5x
 * + u_clinic (sd 1) + u_clinician (sd 0.5); with regions, 50 schools per region (u_region sd 0.5).
 */
function simulate(d: Design, seed = 20261206): string {
  const file = join(tmpdir(), "glmm-bench", `${d.id}.csv`);
  if (existsSync(file)) return file;
  mkdirSync(join(tmpdir(), "glmm-bench"), { recursive: true });
  const r = new Rng(seed);
  const lines: string[] = [d.binary ? "y,x,clinic,clinician" : d.regions ? "y,x,region,school,class" : "y,x,school,class"];
  let ur = 0;
  for (let s = 0; s < d.schools; s++) {
    if (d.regions && s % 50 === 0) ur = 0.5 * r.normal();
    const us = r.normal();
    for (let c = 0; c < 4; c++) {
      const uc = 0.5 * r.normal();
      for (let k = 0; k < 5; k++) {
        const x = r.normal();
        let y: number;
        if (d.binary) y = r.random() < 1 / (1 + Math.exp(-(-0.5 + 0.5 * x + us + uc))) ? 1 : 0;
        else y = 1 + 0.5 * x + ur + us + uc + r.normal();
        const g = d.regions ? `r${Math.floor(s / 50)},s${s},c${c}` : `s${s},c${c}`;
        lines.push(`${d.binary ? y : y.toFixed(5)},${x.toFixed(5)},${g}`);
      }
    }
  }
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

function lme4(d: Design, file: string): { seconds: number; logLik: number } | null {
  const call = d.binary ? `glmer(${d.formula}, data = d, family = binomial)` : `lmer(${d.formula}, data = d, REML = FALSE)`;
  const script = `suppressMessages(library(lme4)); d <- read.csv("${file}"); m <- ${call}; cat(as.numeric(logLik(m)), "\\n")`;
  const t0 = process.hrtime.bigint();
  const p = spawnSync("Rscript", ["-e", script], { encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (p.status !== 0) return null;
  return { seconds, logLik: Number(p.stdout.trim().split(/\s+/).pop()) };
}

export async function benchNested(maxSchools = 200_000, withR = true): Promise<void> {
  const designs: Design[] = [
    { id: "nested_5000", schools: 5000, regions: false, binary: false, formula: "y ~ x + (1 | school/class)" },
    { id: "nested_20000", schools: 20_000, regions: false, binary: false, formula: "y ~ x + (1 | school/class)" },
    { id: "three_level_20000", schools: 20_000, regions: true, binary: false, formula: "y ~ x + (1 | region/school/class)" },
    { id: "binary_clinic_5000", schools: 5000, regions: false, binary: true, formula: "y ~ x + (1 | clinic/clinician)" },
    { id: "nested_200000", schools: 200_000, regions: false, binary: false, formula: "y ~ x + (1 | school/class)" },
  ].filter((d) => d.schools <= maxSchools);
  const haveR = withR && spawnSync("Rscript", ["-e", "library(lme4)"], { encoding: "utf8" }).status === 0;
  console.log(`\nMultilevel designs (whole process, ML; target ≤ 0.5× lme4, logLik ≥ lme4's − 1e-3)${haveR ? "" : " — R/lme4 not installed: glmm only"}`);
  console.log(`${pad("design", 20)} ${lpad("rows", 9)} ${lpad("glmm s", 8)} ${lpad("RSS MB", 7)} ${lpad("lme4 s", 8)} ${lpad("ratio", 6)} ${lpad("ΔlogLik", 9)}  route`);
  for (const d of designs) {
    const file = simulate(d);
    const rows = d.schools * 20;
    const args = ["fit", "--data", file, "--formula", d.formula, "--format", "json"];
    if (d.binary) args.push("--family", "binomial"); else args.push("--ml");
    const g = runCliJson(args);
    const ref = haveR && rows <= 400_000 ? lme4(d, file) : null;
    const ll = g.ok ? g.json.logLik as number : NaN;
    const ratio = ref ? (g.seconds / ref.seconds).toFixed(2) : "-";
    const dll = ref ? (ll - ref.logLik).toExponential(1) : "-";
    console.log(`${pad(d.id, 20)} ${lpad(rows.toLocaleString("en"), 9)} ${lpad(g.seconds.toFixed(2), 8)} ${lpad(g.rssMB ? g.rssMB.toFixed(0) : "-", 7)} ${lpad(ref ? ref.seconds.toFixed(2) : "-", 8)} ${lpad(ratio, 6)} ${lpad(dll, 9)}  ${g.ok ? g.json.solver?.route ?? "" : "ERROR " + g.err}`);
  }
}

if (process.argv[1]?.endsWith("nested.js")) {
  const args = process.argv.slice(2);
  const max = args.includes("--max-schools") ? Number(args[args.indexOf("--max-schools") + 1]) : 200_000;
  await benchNested(max, !args.includes("--no-r"));
}
