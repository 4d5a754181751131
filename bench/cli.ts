// The benchmarks' one way to run the real CLI as a child process: wall time, the peak resident
// memory it reports on stderr with GLMM_STATS=1, its output, and the last stderr line on failure.
// Plus the column padding of the printed tables.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface CliRun {
  readonly seconds: number;
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** peak resident memory in MB (null when the process did not report it) */
  readonly rssMB: number | null;
  /** the process's CPU time (user + system) in seconds (null when it did not report it) */
  readonly cpuSeconds: number | null;
  /** the last non-empty stderr line of a failed run */
  readonly err?: string;
}

export function runCli(args: readonly string[], maxBuffer = 1 << 29): CliRun {
  const t0 = process.hrtime.bigint();
  const p = spawnSync(process.execPath, [join(root, "bin", "glmm.js"), ...args], {
    cwd: root, encoding: "utf8", env: { ...process.env, GLMM_STATS: "1" }, maxBuffer,
  });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const stderr = p.stderr ?? "";
  const stats = stderr.split("\n").find((l) => l.startsWith("glmm-stats "));
  const parsed = stats ? JSON.parse(stats.slice(11)) : null;
  const rssMB = parsed ? parsed.maxRSS / 1024 : null;
  const cpuSeconds = parsed?.cpu !== undefined ? parsed.cpu / 1e6 : null;
  const ok = p.status === 0;
  return { seconds, ok, stdout: p.stdout ?? "", stderr, rssMB, cpuSeconds, err: ok ? undefined : (stderr || String(p.error ?? "")).trim().split("\n").filter(Boolean).pop() };
}

export const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
export const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);

/** runCli for a command that prints JSON: the parsed output of a successful run */
export function runCliJson(args: readonly string[], maxBuffer?: number): { seconds: number; rssMB: number | null; cpuSeconds: number | null; ok: boolean; json?: any; err?: string } {
  const r = runCli(args, maxBuffer);
  const base = { seconds: r.seconds, rssMB: r.rssMB, cpuSeconds: r.cpuSeconds };
  return r.ok ? { ...base, ok: true, json: JSON.parse(r.stdout) } : { ...base, ok: false, err: r.err };
}
