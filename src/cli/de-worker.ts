// Worker threads for `glmm de`: each holds the cell design and one reusable gene fitter, and fits
// the blocks of genes it is sent. The same module file is the worker's entry point: loaded in a
// worker thread with the tag below, it starts serving (this also works when the CLI is bundled into
// one file, since the worker then loads that file). node:worker_threads (and the streams it loads)
// is required only by a worker or a pool: every other run of the CLI loads this file too.
import { createRequire } from "node:module";
import type { Worker } from "node:worker_threads";
import type { CellDesign } from "../singlecell/design.js";
import type { GeneFit } from "../singlecell/nbgene.js";
import { NBGeneFitter } from "../singlecell/nbgene.js";
import { fitGenes, type RunOptions } from "../singlecell/run.js";

const TAG = "glmm-de-worker";
const workerThreads = (): typeof import("node:worker_threads") => createRequire(import.meta.url)("node:worker_threads") as typeof import("node:worker_threads");

export interface DeTask {
  readonly id: number;
  readonly indptr: Int32Array;
  readonly pos: Int32Array;
  readonly y: Int32Array;
}

interface Reply {
  readonly id: number;
  readonly fits?: GeneFit[];
  readonly error?: string;
}

function serve(): void {
  const { parentPort, workerData } = workerThreads();
  const design = workerData.design as CellDesign;
  const options = workerData.options as RunOptions;
  const fitter = new NBGeneFitter(design);
  parentPort!.on("message", (t: DeTask) => {
    let reply: Reply;
    try {
      reply = { id: t.id, fits: fitGenes(fitter, t, 0, t.indptr.length - 1, options) };
    } catch (e) {
      reply = { id: t.id, error: (e as Error).stack ?? String(e) };
    }
    parentPort!.postMessage(reply);
  });
}

// (a worker is started with the tag as its argument: the main thread's check costs no require)
if (process.argv.includes(TAG)) {
  const { isMainThread, workerData } = workerThreads();
  if (!isMainThread && workerData && (workerData as { tag?: string }).tag === TAG) serve();
}

/** A fixed set of worker threads fitting gene blocks; tasks queue until a worker is free. */
export class DePool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Array<{ task: DeTask; resolve: (f: GeneFit[]) => void; reject: (e: Error) => void }> = [];
  private readonly pending = new Map<number, { resolve: (f: GeneFit[]) => void; reject: (e: Error) => void; worker: Worker }>();
  private failure: Error | null = null;

  constructor(threads: number, design: CellDesign, options: RunOptions) {
    for (let i = 0; i < threads; i++) {
      const w = new (workerThreads().Worker)(new URL(import.meta.url), { argv: [TAG], workerData: { tag: TAG, design, options } });
      w.on("message", (r: Reply) => {
        const p = this.pending.get(r.id);
        if (!p) return;
        this.pending.delete(r.id);
        if (r.error) p.reject(new Error(`worker failed: ${r.error}`));
        else p.resolve(r.fits!);
        this.release(w);
      });
      w.on("error", (e) => this.fail(e instanceof Error ? e : new Error(String(e))));
      w.on("exit", (code) => { if (code !== 0) this.fail(new Error(`a worker thread exited with code ${code}`)); });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  run(task: DeTask): Promise<GeneFit[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const w = this.idle.pop();
      if (w) this.dispatch(w, task, resolve, reject);
      else this.queue.push({ task, resolve, reject });
    });
  }

  private dispatch(w: Worker, task: DeTask, resolve: (f: GeneFit[]) => void, reject: (e: Error) => void): void {
    this.pending.set(task.id, { resolve, reject, worker: w });
    w.postMessage(task, [task.indptr.buffer, task.pos.buffer, task.y.buffer] as ArrayBuffer[]);
  }

  private release(w: Worker): void {
    const next = this.queue.shift();
    if (next) this.dispatch(w, next.task, next.resolve, next.reject);
    else this.idle.push(w);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    for (const q of this.queue) q.reject(e);
    this.queue.length = 0;
  }

  async close(): Promise<void> {
    this.failure ??= new Error("pool closed");
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
