// Parametric bootstrap, as lme4's bootMer + confint(method = "boot"): responses are simulated from
// the fitted model (new random effects and new noise), the model is refitted to each, and the
// percentile intervals of the refitted parameters (β, the random-effect SDs and correlations, σ)
// are reported, with boot.ci's interpolation between order statistics. Zero-inflated, hurdle,
// dispersion-formula and NB1 models are simulated as glmmTMB's simulate() and refitted with their
// parts: their zi.* and disp.* coefficients (named as the Wald intervals) and the zi random-effect
// SDs join the parameters. The generator is seeded, so
// a seed reproduces every replicate; `Bootstrap` runs one replicate per `step()` so a caller can
// show progress or (in a browser) yield between steps.
import { UserError } from "../errors.js";
import { qnorm } from "../families/special.js";
import { fitGLMM, type FittedGLMM } from "../glmm/glmm.js";
import { LinearMixedModel, type FittedLMM } from "../lmm/lmm.js";
import { glmmOptions, withResponse, type ModelFit } from "./model.js";
import { thetaToVarPar, varParInfo } from "./params.js";
import type { ConfintResult, ConfintRow } from "./profile.js";
import { Rng } from "./rng.js";
import { addRandomPart, drawRandomEffects, fixedPredictor, responseSampler } from "./simulate.js";
import { isExtendedFit } from "./simulate-zi.js";

/** Options of the parametric bootstrap (lme4's bootMer): number of refits, seed, progress. */
export interface BootstrapOptions {
  /** number of refits (default 1000) */
  readonly nsim?: number;
  /** generator seed (default 1) */
  readonly seed?: number;
  /** called after every replicate */
  readonly onProgress?: (done: number, total: number) => void;
}

/** The bootstrap's replicates (one row per refit) beside the original estimates. */
export interface BootstrapResult {
  /** parameter names: variance parameters (sd_, cor_, sigma), then the fixed effects */
  readonly names: string[];
  readonly estimate: Float64Array;
  /** replicate r, parameter k at [r·K + k] (NaN for a failed refit) */
  readonly replicates: Float64Array;
  readonly nsim: number;
  readonly seed: number;
  /** refits that failed or did not converge */
  readonly failures: number;
  readonly singular: number;
}

/** A parametric bootstrap in progress: call step() until done. */
export class Bootstrap {
  /** parameter names: variance parameters (sd_, cor_, sigma), then the fixed effects */
  readonly names: string[];
  /** the fitted model's values of the parameters */
  readonly estimate: Float64Array;
  /** one row of parameter values per refit, nsim × names.length */
  readonly replicates: Float64Array;
  /** number of refits requested */
  readonly nsim: number;
  /** generator seed */
  readonly seed: number;
  /** refits done so far */
  done = 0;
  /** refits that failed or did not converge */
  failures = 0;
  /** refits that ended singular */
  singular = 0;
  private readonly rng: Rng;
  private readonly m: ModelFit;
  private readonly fixed: Float64Array;
  private readonly draw: ReturnType<typeof responseSampler>;
  private readonly params: (f: FittedLMM | FittedGLMM) => Float64Array;
  private readonly glmmOptions: ReturnType<typeof glmmOptions> | null;

  constructor(m: ModelFit, options: BootstrapOptions = {}) {
    const nsim = options.nsim ?? 1000;
    if (!(Number.isInteger(nsim) && nsim >= 1)) throw new UserError(`the number of bootstrap refits must be a positive integer, not ${nsim}`);
    this.m = m;
    this.nsim = nsim;
    this.seed = options.seed ?? 1;
    this.rng = new Rng(this.seed);
    const f = m.fit;
    const withSigma = f.kind === "lmm";
    const info = varParInfo(f.terms, withSigma);
    // the extended likelihood's parts: the zi and (with a --disp formula) dispersion coefficients,
    // then the zi random effects' SDs (their θ follow the conditional terms')
    const ext = f.kind === "glmm" && isExtendedFit(m) ? f : null;
    const withDisp = m.options.disp !== undefined;
    const ziTerms = ext?.zi?.terms ?? [];
    const ziInfo = ziTerms.length > 0 ? varParInfo(ziTerms, false) : [];
    this.names = [...info.map((p) => p.name), ...f.xnames, ...(ext?.zi?.names ?? []).map((n) => `zi.${n}`), ...(withDisp ? ext?.disp?.names ?? [] : []).map((n) => `disp.${n}`), ...ziInfo.map((p) => `zi.${p.name}`)];
    const K = this.names.length;
    this.params = (r) => {
      const out = new Float64Array(K);
      out.set(thetaToVarPar(r.terms, info, r.theta, r.kind === "lmm" ? r.sigma : 1), 0);
      let k = info.length;
      out.set(r.beta, k);
      k += r.beta.length;
      if (r.kind === "glmm" && ext) {
        if (r.zi) { out.set(r.zi.estimate, k); k += r.zi.estimate.length; }
        if (withDisp && r.disp) { out.set(r.disp.estimate, k); k += r.disp.estimate.length; }
        if (ziInfo.length > 0 && r.zi?.terms && r.zi.theta) out.set(thetaToVarPar(r.zi.terms, ziInfo, [...r.theta, ...r.zi.theta], 1), k);
      }
      return out;
    };
    this.estimate = this.params(f);
    this.replicates = new Float64Array(nsim * K).fill(NaN);
    this.fixed = fixedPredictor(m);
    this.draw = responseSampler(m);
    this.glmmOptions = f.kind === "glmm" ? glmmOptions(m) : null;
  }

  /** true once all nsim refits are done */
  get finished(): boolean {
    return this.done >= this.nsim;
  }

  /** simulate one response, refit, store the parameters */
  step(): void {
    if (this.finished) return;
    const m = this.m, f = m.fit;
    const eta = Float64Array.from(this.fixed);
    addRandomPart(eta, f.terms, drawRandomEffects(f.terms, f.theta, f.kind === "lmm" ? f.sigma : 1, this.rng));
    const y = this.draw(eta, this.rng);
    const K = this.names.length;
    try {
      const ms = withResponse(m.ms, y);
      let out: Float64Array;
      let ok: boolean;
      let sing: boolean;
      if (f.kind === "lmm") {
        const r = new LinearMixedModel(ms, { reml: f.reml }).fit({ reml: f.reml, thetaStart: f.theta, condVar: false });
        out = this.params(r);
        ok = r.converged;
        sing = r.singular;
      } else {
        const r = fitGLMM(ms, { ...this.glmmOptions!, noHessian: true });
        out = this.params(r);
        ok = r.converged;
        sing = r.singular;
      }
      if (!ok) this.failures++;
      if (sing) this.singular++;
      this.replicates.set(out, this.done * K);
    } catch (e) {
      if (e instanceof UserError || e instanceof Error) this.failures++;
      else throw e;
    }
    this.done++;
  }

  /** the replicates so far, as a {@link BootstrapResult} */
  result(): BootstrapResult {
    return { names: this.names, estimate: this.estimate, replicates: this.replicates, nsim: this.done, seed: this.seed, failures: this.failures, singular: this.singular };
  }
}

/** Run the whole bootstrap synchronously (progress through options.onProgress). */
export function parametricBootstrap(m: ModelFit, options: BootstrapOptions = {}): BootstrapResult {
  const b = new Bootstrap(m, options);
  while (!b.finished) {
    b.step();
    options.onProgress?.(b.done, b.nsim);
  }
  return b.result();
}

/** boot.ci's percentile limit: order statistic (R+1)α, interpolated on the normal scale between neighbours */
export function percentile(sorted: Float64Array, alpha: number): number {
  const R = sorted.length;
  if (R === 0) return NaN;
  const rk = (R + 1) * alpha;
  if (Number.isInteger(rk) && rk >= 1 && rk <= R) return sorted[rk - 1];
  const k = Math.floor(rk);
  if (k < 1) return sorted[0];
  if (k >= R) return sorted[R - 1];
  const a = qnorm(alpha), lo = qnorm(k / (R + 1)), hi = qnorm((k + 1) / (R + 1));
  return sorted[k - 1] + ((a - lo) / (hi - lo)) * (sorted[k] - sorted[k - 1]);
}

/** One parameter's percentile interval with the replicates' SE and bias. */
export interface BootstrapSummaryRow extends ConfintRow {
  /** SD of the replicates */
  readonly se: number;
  /** mean of the replicates minus the estimate */
  readonly bias: number;
}

/** Percentile bootstrap intervals (confint(method = "boot")) with the number of refits, failures and singular refits. */
export interface BootstrapConfint extends ConfintResult {
  readonly rows: BootstrapSummaryRow[];
  readonly nsim: number;
  readonly failures: number;
  readonly seed: number;
}

/** Percentile intervals, bootstrap SEs and biases from a bootstrap result. */
export function bootstrapConfint(b: BootstrapResult, level = 0.95): BootstrapConfint {
  const K = b.names.length;
  const alpha = (1 - level) / 2;
  const rows: BootstrapSummaryRow[] = b.names.map((name, k) => {
    const vals: number[] = [];
    for (let r = 0; r < b.nsim; r++) {
      const v = b.replicates[r * K + k];
      if (Number.isFinite(v)) vals.push(v);
    }
    const sorted = Float64Array.from(vals).sort();
    const mean = vals.reduce((a, c) => a + c, 0) / Math.max(1, vals.length);
    const sd = Math.sqrt(vals.reduce((a, c) => a + (c - mean) * (c - mean), 0) / Math.max(1, vals.length - 1));
    return { parameter: name, estimate: b.estimate[k], lower: percentile(sorted, alpha), upper: percentile(sorted, 1 - alpha), se: sd, bias: mean - b.estimate[k] };
  });
  const warnings: string[] = [];
  if (b.failures > 0) warnings.push(`${b.failures} of ${b.nsim} refits failed or did not converge (their values are kept when available)`);
  if (b.singular > 0) warnings.push(`${b.singular} of ${b.nsim} refits were singular (a variance estimated as zero)`);
  return { method: "boot", level, rows, warnings, nsim: b.nsim, failures: b.failures, seed: b.seed };
}
