// A one-line status on stderr for fits of unknown length (InstEval-sized models take seconds): only
// on a terminal, only after the first second, redrawn at most ten times a second, erased at the end.
import type { ProgressInfo } from "../lmm/lmm.js";

export interface StatusLine {
  readonly onProgress: (info: ProgressInfo) => void;
  done(): void;
}

export function fitStatus(label = "fitting", stream: NodeJS.WriteStream = process.stderr): StatusLine {
  if (!stream.isTTY) return { onProgress: () => {}, done: () => {} };
  const start = Date.now();
  let last = 0;
  let shown = false;
  return {
    onProgress(info) {
      const now = Date.now();
      if (now - start < 1000 || now - last < 100) return;
      last = now;
      shown = true;
      const obj = Number.isFinite(info.objective) ? info.objective.toFixed(2) : "…";
      stream.write(`\r\x1b[2K${label} (${info.stage}): ${info.evaluations} evaluations, −2 log L ${obj}, ${((now - start) / 1000).toFixed(1)}s`);
    },
    done() {
      if (shown) stream.write("\r\x1b[2K");
    },
  };
}
