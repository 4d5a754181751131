// Two large crossed factors (issue 22): users × items with Zipf item popularity, the shape of
// rating data (MovieLens) and item-response data. Simulated with a fixed seed:
//   y = 3 + 0.3x + u_user (sd 0.5) + v_item (sd 0.7) + N(0, 1),  x ~ N(0, 1);
// each user rates a lognormal number of distinct items (mean `perUser`), drawn with probability
// ∝ rank^−0.9. Fitted through the real CLI (ML): the iterative route where the Cholesky factor
// would not fit (20,000 × 20,000), and both routes side by side where the exact one runs.
//   node dist/bench/crossed.js [--only ID] [--big]    (--big adds 200,000 × 20,000, 20 M rows)
//   node dist/bench/crossed.js --seeds 20             (is the reported MC SE honest? see seedSpread)
import { createWriteStream, existsSync, mkdirSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Rng } from "../src/inference/rng.js";
import { lpad, pad, runCliJson } from "./cli.js";

export interface CrossedDesign { id: string; users: number; items: number; perUser: number }

/** The design's rows as CSV text lines (header first), streamed to `write`. */
export function simulateCrossed(d: CrossedDesign, write: (chunk: string) => void, seed = 20261206): number {
  const r = new Rng(seed);
  const cdf = new Float64Array(d.items);
  let acc = 0;
  for (let j = 0; j < d.items; j++) cdf[j] = acc += Math.pow(j + 1, -0.9);
  for (let j = 0; j < d.items; j++) cdf[j] /= acc;
  const v = Float64Array.from({ length: d.items }, () => 0.7 * r.normal());
  // item labels shuffled, so that popularity is not the label order
  const label = Int32Array.from({ length: d.items }, (_, j) => j);
  for (let j = d.items - 1; j > 0; j--) {
    const k = Math.floor(r.random() * (j + 1));
    const t = label[j]; label[j] = label[k]; label[k] = t;
  }
  const seen = new Int32Array(d.items).fill(-1);
  write("y,x,user,item\n");
  let rows = 0;
  const sdlog = 0.8, mulog = Math.log(d.perUser) - sdlog * sdlog / 2;
  for (let u = 0; u < d.users; u++) {
    const uu = 0.5 * r.normal();
    const want = Math.min(Math.floor(d.items / 2), Math.max(1, Math.round(Math.exp(mulog + sdlog * r.normal()))));
    const lines: string[] = [];
    for (let got = 0, tries = 0; got < want && tries < 50 * want; tries++) {
      const p = r.random();
      let lo = 0, hi = d.items - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid] < p) lo = mid + 1; else hi = mid;
      }
      if (seen[lo] === u) continue;
      seen[lo] = u;
      got++;
      const x = r.normal();
      const y = 3 + 0.3 * x + uu + v[lo] + r.normal();
      lines.push(`${y.toFixed(4)},${x.toFixed(4)},u${u},i${label[lo]}\n`);
    }
    rows += lines.length;
    write(lines.join(""));
  }
  return rows;
}

/** the design as a CSV file in the bench folder (made once) */
export async function crossedFile(d: CrossedDesign): Promise<string> {
  return simulatedFile(`crossed_${d.id}.csv`, (write) => simulateCrossed(d, write));
}

/** a simulated CSV file `name` in the bench folder, written once by `simulate` */
export async function simulatedFile(name: string, simulate: (write: (chunk: string) => void) => void): Promise<string> {
  const dir = join(tmpdir(), "glmm-bench");
  const file = join(dir, name);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = file + ".part";
  const out = createWriteStream(tmp);
  simulate((s) => { out.write(s); });
  await new Promise<void>((res, rej) => out.end((e?: Error) => (e ? rej(e) : res())));
  renameSync(tmp, file);
  return file;
}

/**
 * Is the reported Monte Carlo SE of logLik honest? Refits one design with `seeds` probe seeds
 * (--solver-seed 1..seeds) and the exact route once, and prints the SD of logLik over the seeds, the
 * mean reported SE, their ratio, and the mean and largest error against the exact logLik.
 */
export function seedSpread(label: string, base: readonly string[], seeds: number): void {
  const ex = runCliJson([...base, "--solver", "direct"], 1 << 30);
  if (!ex.ok) { console.log(`${label}: the direct route failed: ${ex.err}`); return; }
  const ll: number[] = [], se: number[] = [], secs: number[] = [], probes: number[] = [];
  for (let s = 1; s <= seeds; s++) {
    const g = runCliJson([...base, "--solver", "iterative", "--solver-seed", String(s)], 1 << 30);
    if (!g.ok) { console.log(`${label} seed ${s}: ERROR ${g.err}`); continue; }
    ll.push(g.json.logLik);
    se.push(g.json.logLikMCSE);
    secs.push(g.seconds);
    probes.push(g.json.solver.probes);
  }
  const k = ll.length;
  if (k < 2) return;
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  const m = mean(ll);
  const sd = Math.sqrt(ll.reduce((a, v) => a + (v - m) ** 2, 0) / (k - 1));
  const mse = Math.sqrt(mean(se.map((v) => v * v)));
  const err = ll.map((v) => v - ex.json.logLik);
  // the mean error's own SE (sd/√k): a bias is visible only beyond it
  console.log(`${label}: ${k} seeds, probes ${Math.min(...probes)}–${Math.max(...probes)}, ${mean(secs).toFixed(1)} s per fit (direct ${ex.seconds.toFixed(1)} s)`);
  console.log(`  exact logLik ${ex.json.logLik.toFixed(4)}; SD over seeds ${sd.toFixed(5)}; reported MC SE (rms) ${mse.toFixed(5)}; ratio SD/SE ${(sd / mse).toFixed(2)}`);
  console.log(`  error vs exact: mean ${mean(err).toFixed(5)} (± ${(sd / Math.sqrt(k)).toFixed(5)}), largest |error| ${Math.max(...err.map(Math.abs)).toFixed(5)}, RMS ${Math.sqrt(mean(err.map((v) => v * v))).toFixed(5)}`);
}

/** the moderate design of the seed study (the exact route runs in seconds) */
export const SEED_DESIGN: CrossedDesign = { id: "2k_x_2k", users: 2000, items: 2000, perUser: 30 };

export async function benchCrossed(options: { only?: string; big?: boolean } = {}): Promise<void> {
  const designs: CrossedDesign[] = [
    { id: "5k_x_5k", users: 5000, items: 5000, perUser: 40 },
    { id: "20k_x_20k", users: 20_000, items: 20_000, perUser: 135 },
    ...(options.big ? [{ id: "200k_x_20k", users: 200_000, items: 20_000, perUser: 100 }] : []),
  ].filter((d) => !options.only || d.id.includes(options.only));
  console.log(`\nTwo crossed factors, y ~ x + (1 | user) + (1 | item), ML (whole process, CSV read included; iterative target < 120 s, < 2 GB at 20k × 20k${options.big ? "; < 20 min, < 8 GB at 200k × 20k" : ""})`);
  console.log(`${pad("design", 12)} ${lpad("rows", 10)} ${pad("route", 10)} ${lpad("s", 8)} ${lpad("RSS MB", 7)} ${lpad("logLik", 16)} ${lpad("MC SE", 7)} ${lpad("ΔlogLik", 8)} ${lpad("Δvar %", 14)} ${lpad("Δβ/SE %", 9)}`);
  for (const d of designs) {
    const file = await crossedFile(d);
    const base = ["fit", "--data", file, "--formula", "y ~ x + (1 | user) + (1 | item)", "--ml", "--ddf", "none", "--format", "json"];
    const it = runCliJson([...base, "--solver", "iterative"], 1 << 30);
    // the exact route where it fits (the 5k design); the others would be refused
    const ex = d.users <= 5000 ? runCliJson([...base, "--solver", "direct"], 1 << 30) : null;
    for (const [route, g] of [["iterative", it], ["direct", ex]] as const) {
      if (!g) continue;
      if (!g.ok) { console.log(`${pad(d.id, 12)} ${lpad("", 10)} ${pad(route, 10)} ${lpad(g.seconds.toFixed(1), 8)} ${lpad(g.rssMB ? g.rssMB.toFixed(0) : "-", 7)} ERROR ${g.err}`); continue; }
      const j = g.json;
      let dvar = "-", dll = "-", dbeta = "-";
      if (route === "iterative" && ex?.ok) {
        const e = ex.json;
        dll = (j.logLik - e.logLik).toFixed(4);
        dvar = j.varcorr.map((v: any, k: number) => (100 * (v.variance / e.varcorr[k].variance - 1)).toFixed(2)).join("/") + `/${(100 * ((j.sigma / e.sigma) ** 2 - 1)).toFixed(2)}`;
        dbeta = j.fixef.map((f: any, k: number) => (100 * Math.abs(f.estimate - e.fixef[k].estimate) / e.fixef[k].se).toFixed(2)).join("/");
      }
      console.log(`${pad(d.id, 12)} ${lpad(String(j.nobs), 10)} ${pad(route, 10)} ${lpad(g.seconds.toFixed(1), 8)} ${lpad(g.rssMB ? g.rssMB.toFixed(0) : "-", 7)} ${lpad(j.logLik.toFixed(4), 16)} ${lpad(j.logLikMCSE !== undefined ? j.logLikMCSE.toFixed(4) : "-", 7)} ${lpad(dll, 8)} ${lpad(dvar, 14)} ${lpad(dbeta, 9)}  ${j.solver?.method ?? j.solver?.route ?? ""}`);
    }
  }
  if (!options.big) console.log("(200,000 × 20,000, 20 M rows: node dist/bench/crossed.js --big)");
}

if (process.argv[1]?.endsWith("crossed.js")) {
  const args = process.argv.slice(2);
  if (args.includes("--seeds")) {
    const file = await crossedFile(SEED_DESIGN);
    seedSpread(`LMM ${SEED_DESIGN.id}, y ~ x + (1 | user) + (1 | item), ML`, ["fit", "--data", file, "--formula", "y ~ x + (1 | user) + (1 | item)", "--ml", "--ddf", "none", "--format", "json"], Number(args[args.indexOf("--seeds") + 1]) || 20);
  } else await benchCrossed({ only: args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined, big: args.includes("--big") });
}

