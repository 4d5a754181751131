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
import { Rng } from "../inference/rng.js";
import { cholInverse, cholLower } from "../linalg/dense.js";
import { blockCG, blockLanczos, lanczosQuadrature, ritzPairs, type BlockOperator } from "../linalg/iterative/krylov.js";
import { bobyqa } from "../optim/index.js";
import { ranefTables } from "./condvar.js";
import { CrossedSchur } from "./crossed.js";
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

// Ŝ's spectrum is a cluster at 1 plus a few outliers (the overall mean's direction): Gauss
// quadrature of log is converged to ~1e-6 in 10 steps on the bench designs, and the outliers' Ritz
// pairs in fewer than 25
const LANCZOS_STEPS = 12;
const RITZ_STEPS = 25;
const MAX_PROBES = 256;

export class IterativeLMM {
  readonly terms: SysTerm[];
  readonly op: CrossedSchur;
  readonly reml: boolean;
  readonly y: Float64Array;
  readonly n: number;
  readonly p: number;
  evaluations = 0;
  probes: number;
  private readonly seed: number;
  private readonly G: Float64Array;
  private readonly FtF: Float64Array;
  private logWeights = 0;
  private probeCache = new Float64Array(0);
  private probeCols = 0;
  private readonly start: Float64Array;
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
    this.seed = options.seed ?? 1;
    const r = new Rng(this.seed * 7919 + 17);
    this.start = Float64Array.from({ length: this.op.qR }, () => r.normal());
    this.probes = options.probes ?? 16;
  }

  /** the first k Rademacher probes (a prefix of one seeded stream: more probes keep the first ones) */
  private probeBlock(k: number): Float64Array {
    const qR = this.op.qR;
    if (this.probeCols < k) {
      const cols = new Float64Array(qR * k);
      cols.set(this.probeCache);
      const r = new Rng(this.seed);
      for (let c = 0; c < k; c++) for (let j = 0; j < qR; j++) {
        const v = r.nextUint32() & 1 ? 1 : -1;
        if (c >= this.probeCols) cols[c * qR + j] = v;
      }
      this.probeCache = cols;
      this.probeCols = k;
    }
    // column-major cache → interleaved block
    const Z = new Float64Array(qR * k);
    for (let c = 0; c < k; c++) for (let j = 0; j < qR; j++) Z[j * k + c] = this.probeCache[c * qR + j];
    return Z;
  }

  /** The (RE)ML criterion at θ and its parts; null when θ is not admissible. */
  evaluate(theta: ArrayLike<number>): Evaluation {
    const { op, p, n } = this;
    const q0 = op.q0, qR = op.qR, k = p + 1;
    op.setTheta(theta);
    const A: BlockOperator = op.applyHat;
    // 1. Ritz pairs: deflation and control variates
    const rz = ritzPairs(A, this.start, qR, Math.min(RITZ_STEPS, qR));
    const sel: number[] = [];
    for (let i = 0; i < rz.m; i++) {
      const lam = rz.values[i];
      if (lam > 0 && rz.residuals[i] <= 1e-3 * Math.max(1, lam) && Math.abs(gfun(lam)) > 1e-3) sel.push(i);
    }
    const nd = sel.length;
    const V = new Float64Array(qR * nd), lamd = new Float64Array(nd);
    sel.forEach((i, a) => { V.set(rz.vectors.subarray(i * qR, (i + 1) * qR), a * qR); lamd[a] = rz.values[i]; });
    const precond: BlockOperator = (X, Y, kk) => {
      Y.set(X);
      const d = new Float64Array(kk);
      for (let a = 0; a < nd; a++) {
        d.fill(0);
        const v = V.subarray(a * qR, (a + 1) * qR);
        for (let j = 0; j < qR; j++) for (let c = 0; c < kk; c++) d[c] += v[j] * X[j * kk + c];
        const f = 1 / lamd[a] - 1;
        for (let j = 0; j < qR; j++) for (let c = 0; c < kk; c++) Y[j * kk + c] += f * d[c] * v[j];
      }
    };
    // 2. solves: Ω u = Λ G, by the Schur complement on term 0
    const lam0 = op.lam0;
    const b0 = new Float64Array(q0 * k), bR = new Float64Array(qR * k);
    for (let i = 0; i < q0 * k; i++) b0[i] = lam0 * this.G[i];
    for (let j = 0; j < qR; j++) for (let c = 0; c < k; c++) bR[j * k + c] = op.lamR[j] * this.G[(q0 + j) * k + c];
    const t0 = new Float64Array(q0 * k);
    for (let l = 0; l < q0; l++) for (let c = 0; c < k; c++) t0[l * k + c] = b0[l * k + c] / op.om0[l];
    const rR = new Float64Array(qR * k);
    op.omegaR0(t0, rR, k);
    for (let j = 0; j < qR; j++) {
      const s = 1 / Math.sqrt(op.D[j]);
      for (let c = 0; c < k; c++) rR[j * k + c] = (bR[j * k + c] - rR[j * k + c]) * s;
    }
    const cg = blockCG(A, rR, qR, k, { tol: 1e-10, maxit: 2000, precond: nd > 0 ? precond : null });
    this.cgIters += cg.iterations;
    const uR = cg.x;
    for (let j = 0; j < qR; j++) {
      const s = 1 / Math.sqrt(op.D[j]);
      for (let c = 0; c < k; c++) uR[j * k + c] *= s;
    }
    const u0 = new Float64Array(q0 * k);
    op.omega0R(uR, u0, k);
    for (let l = 0; l < q0; l++) for (let c = 0; c < k; c++) u0[l * k + c] = (b0[l * k + c] - u0[l * k + c]) / op.om0[l];
    // M = [X y]ᵀW[X y] − bᵀΩ⁻¹b
    const M = new Float64Array(k * k);
    for (let a = 0; a < k; a++)
      for (let b = 0; b <= a; b++) {
        let s = 0;
        for (let l = 0; l < q0; l++) s += b0[l * k + a] * u0[l * k + b];
        for (let j = 0; j < qR; j++) s += bR[j * k + a] * uR[j * k + b];
        M[a + b * k] = this.FtF[a + b * k] - s;
      }
    const L = Float64Array.from(M);
    const bad = cholLower(L, k);
    if (bad >= 0 && bad < k - 1) throw new UserError("the fixed-effect columns are linearly dependent given the random effects");
    if (bad === k - 1) L[k * k - 1] = 0;
    const r2 = L[k * k - 1] ** 2;
    let ldX = 0;
    for (let j = 0; j < p; j++) ldX += 2 * Math.log(L[j + j * k]);
    // β from L_X β = (y row of L)
    const beta = new Float64Array(p);
    for (let j = p - 1; j >= 0; j--) {
      let s = L[p + j * k];
      for (let i = j + 1; i < p; i++) s -= L[i + j * k] * beta[i];
      beta[j] = s / L[j + j * k];
    }
    // 3. log|Ŝ| by SLQ with control variates
    const kp = this.probes;
    const Z = this.probeBlock(kp);
    const lz = blockLanczos(A, Z, qR, kp, Math.min(LANCZOS_STEPS, qR));
    const perProbe = new Float64Array(kp);
    const gd = Array.from(lamd, gfun);
    let gsum = 0;
    for (const g of gd) gsum += g;
    for (let c = 0; c < kp; c++) {
      const quad = qR * lanczosQuadrature(lz.alpha[c], lz.beta[c], lz.steps[c], Math.log);
      let est = quad - qR * (lz.alpha[c][0] - 1) + gsum;
      for (let a = 0; a < nd; a++) {
        const v = V.subarray(a * qR, (a + 1) * qR);
        let d = 0;
        for (let j = 0; j < qR; j++) d += v[j] * Z[j * kp + c];
        est -= gd[a] * d * d;
      }
      perProbe[c] = est;
    }
    let mean = 0;
    for (const v of perProbe) mean += v;
    mean /= kp;
    let ss = 0;
    for (const v of perProbe) ss += (v - mean) ** 2;
    const se = kp > 1 ? Math.sqrt(ss / (kp - 1) / kp) : NaN;
    const ldZ = op.logdetKnown() + mean;
    const deviance = (this.reml
      ? ldZ + ldX + (n - p) * (1 + Math.log((2 * Math.PI * r2) / (n - p)))
      : ldZ + n * (1 + Math.log((2 * Math.PI * r2) / n))) - this.logWeights;
    // u = u_y − U_X β (the y column minus the X columns' solutions)
    const u0y = new Float64Array(q0), uRy = new Float64Array(qR);
    for (let l = 0; l < q0; l++) {
      let s = u0[l * k + p];
      for (let j = 0; j < p; j++) s -= u0[l * k + j] * beta[j];
      u0y[l] = s;
    }
    for (let i = 0; i < qR; i++) {
      let s = uR[i * k + p];
      for (let j = 0; j < p; j++) s -= uR[i * k + j] * beta[j];
      uRy[i] = s;
    }
    return { deviance, se, perProbe, beta, u0: u0y, uR: uRy, r2, L, cgIterations: cg.iterations };
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
    if (this.options.probes === undefined) this.probes = this.probesFor(this.evaluate(th0).perProbe, target);
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
      this.probes = this.probesFor(ev.perProbe, target);
    }
    if (!converged) warnings.push(`the optimizer did not converge (${message})`);
    const seLL = ev.se / 2;
    if (seLL > target) warnings.push(`the Monte Carlo standard error of logLik is ${seLL.toPrecision(2)} with ${this.probes} probe vectors (target ${target})`);
    return this.summarize(th, ev, nfev, converged, warnings);
  }

  private probesFor(perProbe: Float64Array, target: number): number {
    const k = perProbe.length;
    let m = 0;
    for (const v of perProbe) m += v;
    m /= k;
    let ss = 0;
    for (const v of perProbe) ss += (v - m) ** 2;
    const sd = Math.sqrt(ss / Math.max(1, k - 1));
    // deviance SE ≤ 2·target·0.8 (a margin for the spread's own sampling error)
    const need = Math.ceil((sd / (1.6 * target)) ** 2);
    // whole blocks of 8: the matrix-vector kernel serves eight probes per pass
    return Math.min(MAX_PROBES, Math.max(8, 8 * Math.ceil(need / 8)));
  }

  /** the route's description for `describe` and the JSON */
  solverInfo(seLL: number | null): SolverInfo {
    return {
      route: "iterative", restSize: this.op.qR + this.p + 1, factorEntries: 0, flops: 0,
      method: `iterative (PCG + SLQ, ${this.probes} probes${seLL === null ? "" : `, MC SE of logLik ${seLL.toPrecision(2)}`})`,
      probes: this.probes, ...(seLL === null ? {} : { logLikMCSE: seLL }),
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
    return {
      kind: "lmm", reml: this.reml, nobs: n, p, xnames: ms.xnames, beta: ev.beta, vcov, sigma, theta, terms,
      objective: ev.deviance, logLik, df, AIC: -2 * logLik + 2 * df, BIC: -2 * logLik + Math.log(n) * df,
      varcorr: varCorr(terms, sigma2), ranef: ranefTables(terms, bs, null), fitted, residuals,
      singular: isSingular(terms, theta), converged, evaluations: nfev, warnings, solver: this.solverInfo(seLL), logLikMCSE: seLL,
    };
  }
}

/** log λ − λ + 1: what log λ leaves after its first-order (trace-zero) part */
function gfun(lam: number): number {
  return Math.log(lam) - lam + 1;
}
