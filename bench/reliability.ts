// Reliability at scale (issue 11): 10⁶ rows × (1 | g) with 10⁵ levels, gaussian and binomial,
// fitted by the real CLI (CSV → JSON, a child process) within 4 GiB. Prints seconds, peak resident
// memory, objective evaluations and whether the fit recovered the simulated truth.
//   node dist/bench/reliability.js [--rows N] [--levels L]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lpad, runCliJson } from "./cli.js";

const LIMIT_MB = 4096;

/** mulberry32 */
function rng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** y = 0.3 + 0.5 x + b_g + ε (b ~ N(0, 0.5²)) and a binary yb with the same linear predictor */
function writeData(path: string, n: number, levels: number): void {
  const r = rng(20250611);
  const normal = () => Math.sqrt(-2 * Math.log(r() || 1e-300)) * Math.cos(2 * Math.PI * r());
  const b = Float64Array.from({ length: levels }, () => 0.5 * normal());
  const chunks: string[] = ["y,yb,x,g\n"];
  let buf: string[] = [];
  for (let i = 0; i < n; i++) {
    const g = i % levels;
    const x = normal();
    const eta = 0.3 + 0.5 * x + b[g];
    buf.push(`${(eta + normal()).toFixed(4)},${r() < 1 / (1 + Math.exp(-eta)) ? 1 : 0},${x.toFixed(4)},g${g}`);
    if (buf.length === 100_000) { chunks.push(buf.join("\n") + "\n"); buf = []; }
  }
  if (buf.length) chunks.push(buf.join("\n") + "\n");
  writeFileSync(path, chunks.join(""));
}


export async function benchReliability(options: { rows?: number; levels?: number } = {}): Promise<void> {
  const n = options.rows ?? 1_000_000, levels = options.levels ?? 100_000;
  console.log(`\nReliability at scale: ${n} rows × (1 | g) with ${levels} levels, whole process (CSV → JSON), limit ${LIMIT_MB} MiB`);
  const dir = mkdtempSync(join(tmpdir(), "glmm-bench-rel-"));
  try {
    const file = join(dir, "big.csv");
    const t0 = performance.now();
    writeData(file, n, levels);
    console.log(`(data written in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    console.log(`${"family".padEnd(10)} ${lpad("seconds", 8)} ${lpad("RSS MB", 7)} ${lpad("evals", 6)} ${lpad("slope", 8)} ${lpad("sd(g)", 7)}  converged  verdict`);
    for (const [family, formula] of [["gaussian", "y ~ x + (1 | g)"], ["binomial", "yb ~ x + (1 | g)"]]) {
      const r = runCliJson(["fit", "--data", file, "--formula", formula, "--family", family, "--format", "json"]);
      if (!r.ok) {
        console.log(`${family.padEnd(10)} ${lpad(r.seconds.toFixed(1), 8)} ${lpad(r.rssMB ? r.rssMB.toFixed(0) : "-", 7)}  FAILED: ${r.err}`);
        continue;
      }
      const j = r.json;
      const slope = j.fixef.find((f: { term: string }) => f.term === "x").estimate as number;
      const sd = j.varcorr[0].sd as number;
      const right = j.nobs === n && j.groups.g === levels && Math.abs(slope - 0.5) < 0.02 && Math.abs(sd - 0.5) < 0.05;
      const inMemory = r.rssMB !== null && r.rssMB <= LIMIT_MB;
      const verdict = right && inMemory ? "ok" : `MISSED${right ? "" : " (estimates off)"}${inMemory ? "" : " (memory)"}`;
      console.log(`${family.padEnd(10)} ${lpad(r.seconds.toFixed(1), 8)} ${lpad(r.rssMB ? r.rssMB.toFixed(0) : "-", 7)} ${lpad(String(j.evaluations ?? "-"), 6)} ${lpad(slope.toFixed(4), 8)} ${lpad(sd.toFixed(3), 7)}  ${String(j.converged).padEnd(9)}  ${verdict}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// standalone: node dist/bench/reliability.js [--rows N] [--levels L]
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const a = process.argv.slice(2);
  const opt = (k: string) => (a.includes(k) ? Number(a[a.indexOf(k) + 1]) : undefined);
  benchReliability({ rows: opt("--rows"), levels: opt("--levels") });
}
