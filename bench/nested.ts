// Multilevel designs (issue: the sparse engine): pupils in classes in schools (and schools in
// regions), a binary outcome of visits to clinicians in clinics, and two designs with slopes
// (kb07's maximal crossed model; statsmodels' vcomp_2 variance components), simulated with a fixed seed,
// fitted through the real CLI (whole process, CSV → JSON, ML) and, where R with lme4 is installed,
// by lme4 on the same CSV in the same run: seconds, peak memory, logLik difference.
//   node dist/bench/nested.js [--max-schools N] [--no-r]
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../src/inference/rng.js";
import { lpad, pad, runCliJson } from "./cli.js";

interface Design { id: string; schools: number; regions: boolean; binary: boolean; formula: string; kind?: "kb07" | "vcomp"; rows?: number }

/**
 * Schools of 4 classes of 5 pupils; x ~ N(0,1); y = 1 + 0.5x + u_school (sd 1) + u_class (sd 0.5)
 * + N(0,1), or for the binary version (clinics of 4 clinicians of 5 visits) logit p = −0.5 + 0.5x
 * + u_clinic (sd 1) + u_clinician (sd 0.5); with regions, 50 schools per region (u_region sd 0.5).
 */
function simulate(d: Design, seed = 20261206): string {
  const file = join(tmpdir(), "glmm-bench", `${d.id}.csv`);
  if (existsSync(file)) return file;
  mkdirSync(join(tmpdir(), "glmm-bench"), { recursive: true });
  if (d.kind) {
    writeFileSync(file, (d.kind === "kb07" ? simulateKb07 : simulateVcomp)(new Rng(seed)));
    return file;
  }
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

/**
 * kb07-style (Kronmüller & Barr 2007 as MixedModels.jl ships it): 56 subjects × 32 items, each pair
 * once, three ±0.5 within factors S, P, C; correlated intercepts and slopes by subject and by item.
 */
function simulateKb07(r: Rng): string {
  const lines = ["rt,S,P,C,subj,item"];
  const effects = (sds: number[], rho: number) => {
    // equicorrelated normal vector: a shared and an own part
    const z0 = r.normal();
    return sds.map((sd) => sd * (Math.sqrt(rho) * z0 + Math.sqrt(1 - rho) * r.normal()));
  };
  const subj = Array.from({ length: 56 }, () => effects([300, 80, 60, 40], 0.3));
  const item = Array.from({ length: 32 }, () => effects([350, 50, 100, 30], 0.4));
  for (let s = 0; s < 56; s++)
    for (let i = 0; i < 32; i++) {
      const S = (i + s) % 2 ? 0.5 : -0.5, P = Math.floor(i / 2) % 2 ? 0.5 : -0.5, C = Math.floor(i / 4) % 2 ? 0.5 : -0.5;
      const u = subj[s], w = item[i];
      const rt = 2180 + 70 * S + 330 * P + 80 * C + u[0] + w[0] + (u[1] + w[1]) * S + (u[2] + w[2]) * P + (u[3] + w[3]) * C + 700 * r.normal();
      lines.push(`${rt.toFixed(1)},${S},${P},${C},S${s},I${i}`);
    }
  return lines.join("\n") + "\n";
}

/**
 * statsmodels' test_vcomp_2 design: 100 groups of 16 rows, correlated slopes on z1 and z2 per
 * group, and two variance components nested in the groups (4 and 8 levels each).
 */
function simulateVcomp(r: Rng): string {
  const lines = ["y,x1,x2,z1,z2,groups,v1,v2"];
  for (let g = 0; g < 100; g++) {
    const a = r.normal(), b = 0.5 * a + 0.8 * r.normal();
    const c1 = Array.from({ length: 4 }, () => 0.7 * r.normal()), c2 = Array.from({ length: 8 }, () => 0.5 * r.normal());
    for (let k = 0; k < 16; k++) {
      const x1 = r.normal(), x2 = r.normal(), z1 = r.normal(), z2 = r.normal();
      const y = 1 + 0.5 * x1 - 0.3 * x2 + a * z1 + b * z2 + c1[k % 4] + c2[k % 8] + r.normal();
      lines.push(`${y.toFixed(5)},${x1.toFixed(5)},${x2.toFixed(5)},${z1.toFixed(5)},${z2.toFixed(5)},g${g},a${k % 4},b${k % 8}`);
    }
  }
  return lines.join("\n") + "\n";
}

function lme4(d: Design, file: string): { seconds: number; logLik: number } | null {
  const call = d.binary ? `glmer(${d.formula}, data = d, family = binomial)` : `lmer(${d.formula}, data = d, REML = FALSE)`;
  const script = `suppressMessages(library(lme4)); d <- read.csv("${file}"); m <- ${call}; cat(sprintf("%.8f", as.numeric(logLik(m))), "\\n")`;
  const t0 = process.hrtime.bigint();
  const p = spawnSync("Rscript", ["-e", script], { encoding: "utf8" });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (p.status !== 0) return null;
  return { seconds, logLik: Number(p.stdout.trim().split(/\s+/).pop()) };
}

export async function benchNested(maxSchools = 200_000, withR = true): Promise<void> {
  const designs = ([
    { id: "nested_5000", schools: 5000, regions: false, binary: false, formula: "y ~ x + (1 | school/class)" },
    { id: "nested_20000", schools: 20_000, regions: false, binary: false, formula: "y ~ x + (1 | school/class)" },
    { id: "three_level_20000", schools: 20_000, regions: true, binary: false, formula: "y ~ x + (1 | region/school/class)" },
    { id: "binary_clinic_5000", schools: 5000, regions: false, binary: true, formula: "y ~ x + (1 | clinic/clinician)" },
    { id: "nested_200000", schools: 200_000, regions: false, binary: false, formula: "y ~ x + (1 | school/class)" },
    { id: "kb07_maximal", schools: 0, rows: 1792, kind: "kb07", regions: false, binary: false, formula: "rt ~ 1 + S * P * C + (1 + S + P + C | subj) + (1 + S + P + C | item)" },
    { id: "vcomp2_style", schools: 0, rows: 1600, kind: "vcomp", regions: false, binary: false, formula: "y ~ x1 + x2 + (0 + z1 + z2 | groups) + (1 | groups:v1) + (1 | groups:v2)" },
  ] as Design[]).filter((d) => d.schools <= maxSchools);
  const haveR = withR && spawnSync("Rscript", ["-e", "library(lme4)"], { encoding: "utf8" }).status === 0;
  console.log(`\nMultilevel designs (whole process, ML; target ≤ 0.5× lme4, logLik ≥ lme4's − 1e-3)${haveR ? "" : " — R/lme4 not installed: glmm only"}`);
  console.log(`${pad("design", 20)} ${lpad("rows", 9)} ${lpad("glmm s", 8)} ${lpad("RSS MB", 7)} ${lpad("lme4 s", 8)} ${lpad("ratio", 6)} ${lpad("ΔlogLik", 9)}  route`);
  for (const d of designs) {
    const file = simulate(d);
    const rows = d.rows ?? d.schools * 20;
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
