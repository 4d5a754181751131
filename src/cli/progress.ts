// A progress bar on stderr for long loops (bootstrap refits). On a terminal it redraws one line
// (at most ten times a second); when stderr is a file or pipe it writes a line at every 10%, so logs
// stay short. stdout is never touched, so `--format json > out.json` stays clean.

export interface Progress {
  update(done: number, total: number): void;
  /** end the bar (a newline on a terminal) */
  finish(): void;
}

export interface ProgressOptions {
  readonly enabled?: boolean;
  readonly stream?: NodeJS.WriteStream;
  readonly width?: number;
}

const seconds = (ms: number) => (ms < 10000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`);

export function progressBar(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.enabled === false) return { update() {}, finish() {} };
  const tty = Boolean(stream.isTTY);
  const width = options.width ?? 30;
  const start = Date.now();
  let lastDraw = 0;
  let lastDecile = -1;
  let drawn = false;
  let last = { done: 0, total: 1 };
  const line = (done: number, total: number) => {
    const frac = total > 0 ? done / total : 1;
    const filled = Math.round(frac * width);
    const elapsed = Date.now() - start;
    const eta = done > 0 && done < total ? ` eta ${seconds((elapsed / done) * (total - done))}` : "";
    return `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}% ${done}/${total} ${seconds(elapsed)}${eta}`;
  };
  return {
    update(done, total) {
      last = { done, total };
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
