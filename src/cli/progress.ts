// One progress bar on stderr for every long loop (de's genes, bootstrap refits, simulate-sc's genes,
// profile limits). On a terminal it redraws one line (at most ten times a second); when stderr is a
// file or pipe it writes a line at every 10%, so logs stay short. stdout is never touched, so
// `--format json > out.json` stays clean.
//
// The ETA uses the rate since the first item finished, not since the start: start-up (worker
// threads, reading counts) and the first parallel batch otherwise make the first estimate hours
// for a run of seconds. It is shown once a few items have finished and a second has passed.

export interface Progress {
  update(done: number, total: number): void;
  /** end the bar (a newline on a terminal) */
  finish(): void;
}

export interface ProgressOptions {
  readonly enabled?: boolean;
  readonly stream?: NodeJS.WriteStream;
  readonly width?: number;
  /** what is counted ("genes", "refits"); with it the bar also shows the rate */
  readonly unit?: string;
}

/** seconds as 4.2s, 42s, 7:05 or 1:02:03 */
export function duration(ms: number): string {
  if (ms < 10000) return `${(ms / 1000).toFixed(1)}s`;
  const t = Math.round(ms / 1000);
  if (t < 60) return `${t}s`;
  const h = Math.floor(t / 3600), m = Math.floor((t % 3600) / 60), s = t % 60;
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${String(s).padStart(2, "0")}` : `${m}:${String(s).padStart(2, "0")}`;
}

/** the remaining time from the rate since the first finished item; null while too early to say */
export function estimateRemaining(first: { at: number; done: number } | null, now: number, done: number, total: number): number | null {
  if (!first || done >= total) return null;
  const items = done - first.done, ms = now - first.at;
  if (items < 3 || ms < 1000) return null;
  return (ms / items) * (total - done);
}

export function progressBar(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false) return { update() {}, finish() {} };
  const tty = Boolean(stream.isTTY);
  const width = options.width ?? 30;
  const start = Date.now();
  let first: { at: number; done: number } | null = null;
  let lastDraw = 0;
  let lastDecile = -1;
  let drawn = false;
  let last = { done: 0, total: 1 };
  const line = (done: number, total: number) => {
    const now = Date.now();
    const frac = total > 0 ? done / total : 1;
    const filled = Math.round(frac * width);
    const elapsed = now - start;
    const remaining = estimateRemaining(first, now, done, total);
    const eta = done < total ? ` eta ${remaining === null ? "…" : duration(remaining)}` : "";
    const perSecond = done / (elapsed / 1000);
    const rate = options.unit && elapsed > 0 ? ` ${perSecond >= 100 ? Math.round(perSecond) : perSecond.toPrecision(2)} ${options.unit}/s` : "";
    return `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}% ${done}/${total}${options.unit ? ` ${options.unit}` : ""} ${duration(elapsed)}${rate}${eta}`;
  };
  return {
    update(done, total) {
      last = { done, total };
      if (first === null && done > 0) first = { at: Date.now(), done };
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && done < total) return;
        lastDraw = now;
        stream.write(`\r${line(done, total)}\x1b[K`);
        drawn = true;
      } else {
        const decile = Math.floor((10 * done) / Math.max(1, total));
        if (decile === lastDecile) return;
        lastDecile = decile;
        stream.write(line(done, total) + "\n");
      }
    },
    finish() {
      if (tty) {
        stream.write(`\r${line(last.done, last.total)}\x1b[K\n`);
      } else if (!drawn && lastDecile < 10) {
        stream.write(line(last.done, last.total) + "\n");
      }
    },
  };
}
