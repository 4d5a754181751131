// The iterative route of a linear mixed model with crossed scalar intercept terms (users × items):
// lme4's profiled deviance with every solve by preconditioned conjugate gradients and log|Ω| by
// stochastic Lanczos quadrature (SLQ), so one evaluation costs passes over the rows — memory
// O(n + levels), no factor. Per θ:
//   1. Ritz pairs of Ŝ (crossed.ts) from one Lanczos run with full reorthogonalization, from a
//      fixed seeded start: the few outlying eigenvalues (the direction of the overall mean has an
//      eigenvalue near 0) deflate the CG preconditioner, M⁻¹ = I + V(Λ⁻¹ − I)Vᵀ, and serve as
//      control variates of the trace estimate.
//   2. p + 1 CG solves for Ω⁻¹ΛᵀZᵀW[X y]; the (p+1)² Schur complement of [X y] gives β, r² and
//      log|L_X|² exactly as the Cholesky route does.
//   3. log|Ŝ| = tr log Ŝ by Hutchinson with Rademacher probes and Lanczos quadrature, with two
//      control variates of known expectation: zᵀ(Ŝ − I)z (tr = 0, since diag Ŝ = 1) and
//      Σ g(λᵢ)(vᵢᵀz)² over the Ritz pairs (expectation Σ g(λᵢ)), g(λ) = log λ − λ + 1; the
//      estimator stays unbiased whatever the Ritz pairs' accuracy, and its variance is what the
//      bulk of the spectrum leaves (small: Ŝ's bulk eigenvalues cluster at 1).
// The probes are fixed across θ (common random numbers): the optimizer sees a smooth, deterministic
// objective, and the same seed gives the same fit. The Monte Carlo standard error is reported.
import { UserError } from "../errors.js";
import type { ModelStructure } from "../formula/types.js";
import { cholInverse } from "../linalg/dense.js";
import { bobyqa } from "../optim/index.js";
import { ranefTables } from "./condvar.js";
import { CrossedSchur } from "./crossed.js";
import { CONDVAR_PROBES, deflation, type IterativeCondVar, iterativeCondVar, jointSolve, MAX_PROBES, ProbeSet, probesFor, slqLogdet } from "./crossed-krylov.js";
import type { FittedLMM, ProgressInfo } from "./lmm.js";
import { checkedResponse, isSingular, varCorr } from "./lmm.js";
import { type SysTerm, sortTerms, thetaLower, thetaStart } from "./reterms.js";
import type { SolverInfo } from "./system.js";

export interface IterativeOptions {
  readonly reml?: boolean;
  readonly weights?: Float64Array;
  /** seed of the probe vectors (default 1) */
  readonly seed?: number;
  /** probe vectors; default: chosen so that the MC SE of logLik is below `targetSE` */
  readonly probes?: number;
  /** target Monte Carlo SE of logLik at the optimum (default 0.01) */
  readonly targetSE?: number;
  readonly maxfun?: number;
  readonly onProgress?: (info: ProgressInfo) => void;
  /** why `--solver auto` chose this route (the JSON's solver.reason) */
  readonly reason?: string;
  /** conditional variances of the random effects, by a stochastic diagonal estimate (default true) */
  readonly condVar?: boolean;
}

/** One evaluation's parts. */
interface Evaluation {
  readonly deviance: number;
  /** MC SE of the deviance (= 2 × that of logLik) */
  readonly se: number;
  /** per-probe estimates of log|Ŝ| */
  readonly perProbe: Float64Array;
  readonly beta: Float64Array;
  readonly u0: Float64Array;
  readonly uR: Float64Array;
  readonly r2: number;
  /** (p+1)² factor of the [X y] Schur complement */
  readonly L: Float64Array;
  readonly cgIterations: number;
}

export class IterativeLMM {
  readonly terms: SysTerm[];
  readonly op: CrossedSchur;
  readonly reml: boolean;
  readonly y: Float64Array;
  readonly n: number;
  readonly p: number;
  evaluations = 0;
  probes: number;
  private readonly G: Float64Array;
  private readonly FtF: Float64Array;
  private logWeights = 0;
  private readonly probeSet: ProbeSet;
  private cgIters = 0;

  constructor(readonly ms: ModelStructure, private readonly options: IterativeOptions = {}) {
    const y = checkedResponse(ms);
    const terms = sortTerms(ms.reTerms);
    if (!CrossedSchur.eligible(terms)) throw new UserError("the iterative solver serves random intercepts of two or more grouping factors, such as (1 | user) + (1 | item), without slopes or known covariances");
    this.terms = terms;
    this.reml = options.reml ?? true;
    const n = ms.n, p = ms.p;
    this.n = n;
    this.p = p;
    this.y = y;
    this.op = new CrossedSchur(terms, n);
    const w = options.weights ?? null;
    this.op.setWeights(w);
    if (w) for (let i = 0; i < n; i++) if (w[i] > 0) this.logWeights += Math.log(w[i]);
    // [X y] interleaved by row, its cross-products with Z (θ-free) and with itself
    const k = p + 1;
    const F = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < p; j++) F[i * k + j] = ms.X[i + j * n];
      F[i * k + p] = y[i];
    }
    this.G = this.op.crossZ(F, k);
    this.FtF = new Float64Array(k * k);
    for (let i = 0; i < n; i++) {
      const wi = w ? w[i] : 1;
      for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) this.FtF[a + b * k] += wi * F[i * k + a] * F[i * k + b];
    }
    this.probeSet = new ProbeSet(options.seed ?? 1, this.op.qR);
    this.probes = options.probes ?? 16;
  }

  /** The (RE)ML criterion at θ and its parts; null when θ is not admissible. */
  evaluate(theta: ArrayLike<number>): Evaluation {
    const { op, p, n } = this;
    op.setTheta(theta);
    // 1. Ritz pairs: deflation and control variates
    const defl = deflation(op, this.probeSet.start);
    // 2. solves: Ω u = Λ G, by the Schur complement on term 0; β and r² from [X y]'s Schur complement
    const sol = jointSolve(op, defl, this.G, this.FtF, p);
    this.cgIters += sol.iterations;
    const { beta, L, r2, ldX } = sol;
    // 3. log|Ŝ| by SLQ with control variates
    const { perProbe, mean, se } = slqLogdet(op, defl, this.probeSet.block(this.probes), this.probes);
    const ldZ = op.logdetKnown() + mean;
    const deviance = (this.reml
      ? ldZ + ldX + (n - p) * (1 + Math.log((2 * Math.PI * r2) / (n - p)))
      : ldZ + n * (1 + Math.log((2 * Math.PI * r2) / n))) - this.logWeights;
    return { deviance, se, perProbe, beta, u0: sol.u0, uR: sol.uR, r2, L, cgIterations: sol.iterations };
  }

  objective(theta: ArrayLike<number>): number {
    this.evaluations++;
    for (let i = 0; i < theta.length; i++) if (!(theta[i] >= 0)) return Infinity;
    const d = this.evaluate(theta).deviance;
    this.options.onProgress?.({ stage: this.reml ? "REML" : "ML", evaluations: this.evaluations, objective: d });
    return d;
  }

  fit(): FittedLMM {
    const target = this.options.targetSE ?? 0.01;
    const th0 = thetaStart(this.terms);
    const lower = thetaLower(this.terms);
    // pilot: the per-probe spread at the start fixes the number of probes (logLik SE = deviance SE / 2)
    if (this.options.probes === undefined) this.probes = probesFor(this.evaluate(th0).perProbe, target);
    let th = th0, nfev = 0, converged = true, message = "";
    const warnings: string[] = [];
    let ev: Evaluation;
    for (let round = 0; ; round++) {
      const res = bobyqa((x) => this.objective(x), th, { lower, rhobeg: round === 0 ? 0.2 : 0.02, rhoend: 1e-4, maxfun: this.options.maxfun ?? 500 });
      nfev += res.nfev;
      converged = res.converged;
      message = res.message;
      th = Float64Array.from(res.x);
      ev = this.evaluate(th);
      // at the optimum the spread may be larger than at the start: more probes, and refine
      if (this.options.probes !== undefined || ev.se / 2 <= target || this.probes >= MAX_PROBES || round >= 1) break;
      this.probes = probesFor(ev.perProbe, target);
    }
    if (!converged) warnings.push(`the optimizer did not converge (${message})`);
    const seLL = ev.se / 2;
    if (seLL > target) warnings.push(`the Monte Carlo standard error of logLik is ${seLL.toPrecision(2)} with ${this.probes} probe vectors (target ${target})`);
    return this.summarize(th, ev, nfev, converged, warnings);
  }

  /** the route's description for `describe` and the JSON */
  solverInfo(seLL: number | null, cv: IterativeCondVar | null = null): SolverInfo {
    return {
      route: "iterative", restSize: this.op.qR + this.p + 1, factorEntries: 0, flops: 0,
      method: `iterative (PCG + SLQ, ${this.probes} probes${seLL === null ? "" : `, MC SE of logLik ${seLL.toPrecision(2)}`})`,
      probes: this.probes, ...(seLL === null ? {} : { logLikMCSE: seLL }), ...(this.options.reason ? { reason: this.options.reason } : {}),
      ...(cv ? { condsd: { probes: cv.probes, maxRelSE: cv.maxRelSE, medianRelSE: cv.medianRelSE } } : {}),
    };
  }

  private summarize(theta: Float64Array, ev: Evaluation, nfev: number, converged: boolean, warnings: string[]): FittedLMM {
    const { ms, n, p, terms, op } = this;
    const sigma2 = ev.r2 / (this.reml ? n - p : n);
    const sigma = Math.sqrt(sigma2);
    const k = p + 1;
    const LX = new Float64Array(p * p);
    for (let j = 0; j < p; j++) for (let i = j; i < p; i++) LX[i + j * p] = ev.L[i + j * k];
    const vcov = p > 0 ? cholInverse(LX, p) : new Float64Array(0);
    for (let i = 0; i < vcov.length; i++) vcov[i] *= sigma2;
    for (const t of terms) t.lambda[0] = theta[t.thetaOffset];
    // b = Λu per term (system order)
    const bs: Float64Array[] = [Float64Array.from(ev.u0, (v) => v * op.lam0)];
    let off = 0;
    for (let t = 1; t < terms.length; t++) {
      const nl = terms[t].nl;
      bs.push(Float64Array.from(ev.uR.subarray(off, off + nl), (v, j) => v * op.lamR[off + j]));
      off += nl;
    }
    const fitted = new Float64Array(n);
    for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) fitted[i] += ms.X[i + j * n] * ev.beta[j];
    if (ms.offset) for (let i = 0; i < n; i++) fitted[i] += ms.offset[i];
    terms.forEach((t, ti) => { for (let i = 0; i < n; i++) fitted[i] += bs[ti][t.term.refs[i]]; });
    const yv = ms.response!.y;
    const residuals = Float64Array.from(fitted, (f, i) => yv[i] - f);
    const logLik = -ev.deviance / 2;
    const df = p + theta.length + 1;
    const seLL = ev.se / 2;
    // conditional variances by the stochastic diagonal estimator (op is at θ: evaluate(θ) came last)
    const cv = this.options.condVar === false ? null : iterativeCondVar(op, deflation(op, this.probeSet.start), this.probeSet.block(CONDVAR_PROBES), CONDVAR_PROBES, sigma2);
    return {
      kind: "lmm", reml: this.reml, nobs: n, p, xnames: ms.xnames, beta: ev.beta, vcov, sigma, theta, terms,
      objective: ev.deviance, logLik, df, AIC: -2 * logLik + 2 * df, BIC: -2 * logLik + Math.log(n) * df,
      varcorr: varCorr(terms, sigma2), ranef: ranefTables(terms, bs, cv?.cv ?? null), fitted, residuals,
      singular: isSingular(terms, theta), converged, evaluations: nfev, warnings, solver: this.solverInfo(seLL, cv), logLikMCSE: seLL,
    };
  }
}
