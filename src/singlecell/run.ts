// Fitting genes one after another with one reusable fitter: the fast Laplace path, the general
// engine when it fails, and a failed result (with the reason) when both do — one bad gene never
// stops a run. Shared by the CLI's main thread and its worker threads.
import { UserError } from "../errors.js";
import type { CellDesign } from "./design.js";
import { fitGeneGLMM } from "./fallback.js";
import { type GeneFit, NBGeneFitter } from "./nbgene.js";

/** Counts by gene in compressed form: gene g's cells and counts are pos/y[indptr[g]..indptr[g+1]). */
export interface GeneCounts {
  readonly indptr: Int32Array;
  readonly pos: Int32Array;
  readonly y: Int32Array;
}

/** Options of {@link fitOneGene}: whether to fall back to the general engine. */
export interface RunOptions {
  /** refit with the general engine when the fast path fails (default true) */
  readonly fallback?: boolean;
  /** compute the small-sample (REML) test (default true) */
  readonly smallSample?: boolean;
  /** zero-inflated NB2 with a constant zero-inflation probability per gene (the general engine) */
  readonly zi?: boolean;
}

/** `--zi` of `glmm de` / de()'s zi: only "~ 1" (one zero-inflation probability per gene); undefined is none */
export function deZeroInflation(text: string | undefined, flag: string): boolean {
  if (text === undefined) return false;
  if (typeof text !== "string" || !/^\s*~\s*1\s*$/.test(text)) throw new UserError(`${flag} '${text}': glmm de takes a constant zero-inflation probability per gene, "~ 1"`);
  return true;
}

/** The row of a gene no estimate could be made for (NaN estimates, the message says why). */
export function failedFit(p: number, message: string): GeneFit {
  return {
    ok: false, beta: new Float64Array(p).fill(NaN), se: new Float64Array(p).fill(NaN), sdPatient: NaN, nbSize: NaN,
    logLik: NaN, converged: false, message, iterations: 0, evaluations: 0,
  };
}

/** Fit genes k = from .. to−1 of a block. */
export function fitGenes(fitter: NBGeneFitter, genes: GeneCounts, from = 0, to = genes.indptr.length - 1, options: RunOptions = {}): GeneFit[] {
  const out: GeneFit[] = [];
  for (let k = from; k < to; k++) out.push(fitOneGene(fitter, genes.pos.subarray(genes.indptr[k], genes.indptr[k + 1]), genes.y.subarray(genes.indptr[k], genes.indptr[k + 1]), options));
  return out;
}

/** Fit one gene with the fast NB GLMM fitter, falling back to the general engine when it fails. */
export function fitOneGene(fitter: NBGeneFitter, pos: Int32Array, y: Int32Array, options: RunOptions = {}): GeneFit {
  const d: CellDesign = fitter.design;
  if (options.zi) {
    // the fast path has no zero-inflation part: the general engine's (no REML small-sample test)
    if (pos.length === 0) return failedFit(d.p, "no nonzero counts");
    try {
      return fitGeneGLMM(d, pos, y, pos.length, { zi: true });
    } catch (e) {
      return failedFit(d.p, `the zero-inflated fit failed: ${(e as Error).message.split("\n")[0]}`);
    }
  }
  let fast: GeneFit;
  try {
    const nnz = fitter.setGene(pos, y);
    if (nnz === 0) return failedFit(d.p, "no nonzero counts");
    fast = fitter.fit({ smallSample: options.smallSample });
    if (fast.ok) return fast;
  } catch (e) {
    fast = failedFit(d.p, `internal error: ${(e as Error).message}`);
  }
  if (options.fallback === false) return fast;
  try {
    const r = fitGeneGLMM(d, pos, y);
    const note = `fast path failed (${fast.message}); fitted by the general GLMM engine`;
    return { ...r, message: r.message ? `${note}; ${r.message}` : note };
  } catch (e) {
    return failedFit(d.p, `${fast.message}; the general GLMM engine failed too: ${(e as Error).message.split("\n")[0]}`);
  }
}
