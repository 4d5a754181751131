// The iterative route of the Laplace GLMM with crossed scalar intercept terms (binomial item
// responses: persons × items), on the LMM's machinery (lmm/crossed.ts, lmm/crossed-krylov.ts):
// every PIRLS step solves Ω = ΛᵀZᵀWZΛ + I by preconditioned CG on the Schur complement of term 0
// with the row weights W of the step, and log|Ω| at the mode is estimated by stochastic Lanczos
// quadrature with the same seeded probes at every evaluation (a smooth, deterministic objective).
// The two stages are the direct route's (glmm.ts): (1) θ by BOBYQA with β inside PIRLS (lme4's
// nAGQ = 0), (2) (θ, β) jointly by BOBYQA with PIRLS over u. vcov(β) is the β block of the joint
// PIRLS system at the optimum with its final weights, (XᵀWX − XᵀWZΛ Ω⁻¹ ΛᵀZᵀWX)⁻¹ (lme4's
// use.hessian = FALSE), not the Hessian of the Laplace deviance the direct route inverts.
import { UserError } from "../errors.js";
import { type Family, makeFamily } from "../families/family.js";
import { type VectorKernels, vectorKernels } from "../families/kernels.js";
import { pnormUpper } from "../families/special.js";
import type { ModelStructure } from "../formula/types.js";
import { cholInverse, cholLower, solveLower, solveLowerT } from "../linalg/dense.js";
import { hessianFD } from "./hessian.js";
import { ranefTables } from "../lmm/condvar.js";
import { CrossedSchur } from "../lmm/crossed.js";
import { CONDVAR_PROBES, type Deflation, deflation, type IterativeCondVar, iterativeCondVar, jointSolve, lambdaRhs, MAX_PROBES, ProbeSet, probesFor, slqLogdet, solveOmega } from "../lmm/crossed-krylov.js";
import { isSingular, type ProgressInfo, varCorr } from "../lmm/lmm.js";
import { type SysTerm, sortTerms, thetaLower, thetaStart } from "../lmm/reterms.js";
import type { SolverInfo } from "../lmm/system.js";
import { bobyqa } from "../optim/index.js";
import { type FittedGLMM, type FixefRow, glmmResponse } from "./glmm.js";

/** Options of the iterative Laplace GLMM: family and link, prior weights, probes and optimizer limits. */
export interface IterativeGLMMOptions {
  readonly family: string | Family;
  readonly link?: string;
  readonly weights?: Float64Array;
  /** seed of the probe vectors (default 1) */
  readonly seed?: number;
  /** probe vectors; default: chosen so that the MC SE of logLik is below `targetSE` */
  readonly probes?: number;
  /** target Monte Carlo SE of logLik at the optimum (default 0.01) */
  readonly targetSE?: number;
  readonly maxfun?: number;
  /** curvature of the Laplace determinant for non-canonical links (default "observed", as the direct route) */
  readonly information?: "expected" | "observed";
  readonly onProgress?: (info: ProgressInfo) => void;
  /** why `--solver auto` chose this route (the JSON's solver.reason) */
  readonly reason?: string;
}

/** The Laplace deviance at one point and its Monte Carlo parts. */
interface LaplaceValue {
  readonly deviance: number;
  /** MC SE of the deviance (2 × that of logLik) */
  readonly se: number;
  readonly perProbe: Float64Array;
}

/** The iterative Laplace GLMM (see the file comment). */
export class IterativeGLMM {
  readonly terms: SysTerm[];
  readonly op: CrossedSchur;
  readonly family: Family;
  readonly n: number;
  readonly p: number;
  probes: number;
  evaluations = 0;
  private readonly kernels: VectorKernels;
  private readonly y: Float64Array;
  private readonly prior: Float64Array;
  private readonly offset: Float64Array;
  /** X by rows (n × p interleaved), for crossZ */
  private readonly Xr: Float64Array;
  private readonly probeSet: ProbeSet;
  /** per rest term: its offset in uR */
  private readonly roff: Int32Array;
  private readonly satValue: number;
  private readonly mode: "expected" | "observed";
  // current state: modes (spherical), β, η, μ, working weights and response
  u0: Float64Array;
  uR: Float64Array;
  beta: Float64Array;
  private readonly eta: Float64Array;
  private readonly mu: Float64Array;
  private readonly w: Float64Array;
  private readonly z: Float64Array;
  private lastDev = NaN;
  private defl: Deflation | null = null;
  private stage = "stage 1";
  /** the last joint solve's (p+1)² factor (stage 1, and vcov) */
  private lastL: Float64Array | null = null;
  private lastPirlsConverged = true;
  /** what the response's checks warn about (glmmResponse) */
  private readonly inputWarnings: string[];

  constructor(readonly ms: ModelStructure, private readonly options: IterativeGLMMOptions) {
    const fam = typeof options.family === "string" ? makeFamily(options.family, options.link) : options.family;
    if (fam.name !== "binomial" && fam.name !== "poisson")
      throw new UserError(`the iterative solver serves gaussian, binomial and poisson models so far, not family ${fam.name}; fit this model with the direct solver`);
    if (!ms.response) throw new UserError("a GLMM needs a response (left-hand side of the formula)");
    const terms = sortTerms(ms.reTerms);
    if (!CrossedSchur.eligible(terms)) throw new UserError("the iterative solver serves random intercepts of two or more grouping factors, such as (1 | user) + (1 | item), without slopes or known covariances");
    this.terms = terms;
    this.family = fam;
    this.kernels = vectorKernels(fam);
    this.mode = options.information ?? "observed";
    const n = ms.n, p = ms.p;
    this.n = n;
    this.p = p;
    const { y, prior, warnings } = glmmResponse(ms, fam, options.weights);
    this.inputWarnings = warnings;
    this.y = y;
    this.prior = prior;
    this.offset = ms.offset ? Float64Array.from(ms.offset) : new Float64Array(n);
    this.Xr = new Float64Array(n * p);
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) this.Xr[i * p + j] = ms.X[i + j * n];
    this.op = new CrossedSchur(terms, n);
    this.probeSet = new ProbeSet(options.seed ?? 1, this.op.qR);
    this.probes = options.probes ?? 16;
    this.roff = new Int32Array(terms.length);
    for (let t = 2; t < terms.length; t++) this.roff[t] = this.roff[t - 1] + terms[t - 1].nl;
    // −2 Σ log p(y | μ = y): the saturated model's, so that deviance + it = −2 log p(y | μ)
    let s = 0;
    for (let i = 0; i < n; i++) if (prior[i] !== 0) s += fam.logDensity(y[i], y[i], prior[i], 1);
    this.satValue = -2 * s;
    this.u0 = new Float64Array(this.op.q0);
    this.uR = new Float64Array(this.op.qR);
    this.beta = new Float64Array(p);
    this.eta = new Float64Array(n);
    this.mu = new Float64Array(n);
    this.w = new Float64Array(n);
    this.z = new Float64Array(n);
  }

  /** η = offset + Xβ + ZΛu at θ; returns the deviance plus ‖u‖² (the penalized deviance) */
  private evaluate(theta: ArrayLike<number>, u0: Float64Array, uR: Float64Array, beta: Float64Array): number {
    const { n, p, terms, eta, Xr, roff } = this;
    const t0 = terms[0], lam0 = theta[t0.thetaOffset];
    for (let i = 0; i < n; i++) {
      let e = this.offset[i];
      for (let j = 0; j < p; j++) e += Xr[i * p + j] * beta[j];
      eta[i] = e + lam0 * u0[t0.refs[i]];
    }
    for (let t = 1; t < terms.length; t++) {
      const lam = theta[terms[t].thetaOffset], refs = terms[t].refs, o = roff[t];
      for (let i = 0; i < n; i++) eta[i] += lam * uR[o + refs[i]];
    }
    const dev = this.kernels.meanAndDeviance(eta, this.mu, this.y, this.prior);
    this.lastDev = dev;
    let pen = 0;
    for (const v of u0) pen += v * v;
    for (const v of uR) pen += v * v;
    return dev + pen;
  }

  /**
   * Working weights at the current η and the operator at (θ, W). The deflation is refreshed for
   * the Laplace weights only: PIRLS steps precondition with the last one (any positive Ritz values
   * give a valid preconditioner; near the mode they are nearly current), which saves one Lanczos
   * run per step.
   */
  private prepare(theta: ArrayLike<number>, zOffset: Float64Array, mode: "step" | "expected" | "observed"): void {
    this.kernels.working(this.eta, this.mu, this.y, this.prior, 1, zOffset, this.w, this.z, mode);
    this.op.setWeights(this.w);
    this.op.setTheta(theta);
    if (mode !== "step" || this.defl === null) this.defl = deflation(this.op, this.probeSet.start);
  }

  /** the solve of one PIRLS step: new (u, β) jointly, or new u with β fixed */
  private step(joint: boolean): { u0: Float64Array; uR: Float64Array; beta: Float64Array | null } {
    const { op, n, p, z, w } = this;
    if (joint) {
      const k = p + 1;
      const F = new Float64Array(n * k);
      const FtF = new Float64Array(k * k);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < p; j++) F[i * k + j] = this.Xr[i * p + j];
        F[i * k + p] = z[i];
        const wi = w[i], o = i * k;
        for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) FtF[a + b * k] += wi * F[o + a] * F[o + b];
      }
      const sol = jointSolve(op, this.defl!, op.crossZ(F, k), FtF, p);
      this.lastL = sol.L;
      return { u0: sol.u0, uR: sol.uR, beta: sol.beta };
    }
    const { b0, bR } = lambdaRhs(op, op.crossZ(z, 1), 1);
    const sol = solveOmega(op, this.defl!, b0, bR, 1, this.uR);
    return { u0: sol.u0, uR: sol.uR, beta: null };
  }

  /**
   * PIRLS at θ (β jointly, or β = this.beta fixed) with step-halving on the penalized deviance,
   * from the current modes. Leaves the operator at the mode's weights (for log|Ω|).
   */
  pirls(theta: ArrayLike<number>, joint: boolean, maxIter = 50): { pdev: number; converged: boolean } {
    const { n, p } = this;
    const fixedEta = new Float64Array(n);
    const zOffsetFixed = (beta: Float64Array) => {
      for (let i = 0; i < n; i++) {
        let e = this.offset[i];
        for (let j = 0; j < p; j++) e += this.Xr[i * p + j] * beta[j];
        fixedEta[i] = e;
      }
      return fixedEta;
    };
    const zOffset = joint ? this.offset : zOffsetFixed(this.beta);
    let pdev = this.evaluate(theta, this.u0, this.uR, this.beta);
    if (!Number.isFinite(pdev)) {
      this.u0.fill(0);
      this.uR.fill(0);
      pdev = this.evaluate(theta, this.u0, this.uR, this.beta);
    }
    let converged = false;
    const q0 = this.op.q0, qR = this.op.qR;
    const u0T = new Float64Array(q0), uRT = new Float64Array(qR), bT = new Float64Array(p);
    for (let it = 0; it < maxIter && !converged; it++) {
      this.prepare(theta, zOffset, "step");
      const s = this.step(joint);
      let f = 1, accepted = false, pTry = pdev;
      for (let h = 0; h < 12; h++) {
        for (let l = 0; l < q0; l++) u0T[l] = this.u0[l] + f * (s.u0[l] - this.u0[l]);
        for (let j = 0; j < qR; j++) uRT[j] = this.uR[j] + f * (s.uR[j] - this.uR[j]);
        if (s.beta) for (let j = 0; j < p; j++) bT[j] = this.beta[j] + f * (s.beta[j] - this.beta[j]);
        else bT.set(this.beta);
        pTry = this.evaluate(theta, u0T, uRT, bT);
        if (Number.isFinite(pTry) && pTry <= pdev + 1e-12 * Math.abs(pdev)) { accepted = true; break; }
        f /= 2;
      }
      if (!accepted) {
        // no decrease along the step: the mode up to rounding
        this.evaluate(theta, this.u0, this.uR, this.beta);
        converged = true;
        break;
      }
      let stepMax = 0, size = 1;
      const track = (a: Float64Array, b: Float64Array) => {
        for (let k = 0; k < a.length; k++) { stepMax = Math.max(stepMax, Math.abs(a[k] - b[k])); size = Math.max(size, Math.abs(a[k])); }
      };
      track(u0T, this.u0);
      track(uRT, this.uR);
      if (joint) track(bT, this.beta);
      this.u0.set(u0T);
      this.uR.set(uRT);
      this.beta.set(bT);
      pdev = pTry;
      // Newton steps (canonical links) shrink quadratically: a full step below 1e-7 leaves ~1e-14
      if (f === 1 && stepMax < 1e-7 * size) converged = true;
    }
    // the operator at the mode's weights (the Laplace curvature)
    this.prepare(theta, joint ? this.offset : zOffsetFixed(this.beta), this.mode === "observed" ? "observed" : "expected");
    this.lastPirlsConverged = converged;
    return { pdev, converged };
  }

  /** the Laplace deviance at the current mode: −2 log p(y | u) + ‖u‖² + log|Ω| (SLQ) */
  private laplace(pdev: number): LaplaceValue {
    const { perProbe, mean, se } = slqLogdet(this.op, this.defl!, this.probeSet.block(this.probes), this.probes);
    return { deviance: pdev + this.satValue + this.op.logdetKnown() + mean, se, perProbe };
  }

  private objective1(theta: Float64Array): number {
    this.evaluations++;
    for (const v of theta) if (!(v >= 0)) return Infinity;
    const r = this.pirls(theta, true);
    const d = Number.isFinite(r.pdev) ? this.laplace(r.pdev).deviance : Infinity;
    this.options.onProgress?.({ stage: this.stage, evaluations: this.evaluations, objective: d });
    return d;
  }

  private value2(x: Float64Array, nth: number): LaplaceValue | null {
    const theta = x.subarray(0, nth);
    for (const v of theta) if (!(v >= 0)) return null;
    this.beta.set(x.subarray(nth));
    const r = this.pirls(theta, false);
    return Number.isFinite(r.pdev) ? this.laplace(r.pdev) : null;
  }

  private objective2(x: Float64Array, nth: number): number {
    this.evaluations++;
    const d = this.value2(x, nth)?.deviance ?? Infinity;
    this.options.onProgress?.({ stage: this.stage, evaluations: this.evaluations, objective: d });
    return d;
  }

  /** Fit in the direct route's two stages and summarize. */
  fit(): FittedGLMM {
    const { n, p, terms } = this;
    const nth = terms.length;
    const target = this.options.targetSE ?? 0.01;
    const maxfun = this.options.maxfun ?? 2000;
    const warnings: string[] = [...this.inputWarnings];
    // start: the GLM (θ = 0: PIRLS is IRLS for β), from η = g(μ_start(y))
    const fam = this.family;
    for (let i = 0; i < n; i++) this.eta[i] = fam.link.linkfun(fam.muStart(this.y[i], this.prior[i] || 1));
    // (μ as well: the working weights of some families read it)
    this.kernels.meanAndDeviance(this.eta, this.mu, this.y, this.prior);
    const zero = new Float64Array(nth);
    this.prepare(zero, this.offset, "step");
    const b0 = this.step(true).beta!;
    if (b0.every(Number.isFinite)) this.beta.set(b0);
    this.pirls(zero, true);
    // ---- stage 1: θ with β inside PIRLS; the pilot's per-probe spread fixes the number of probes
    const th0 = thetaStart(terms), lower = thetaLower(terms);
    if (this.options.probes === undefined) {
      const r = this.pirls(th0, true);
      this.probes = probesFor(this.laplace(r.pdev).perProbe, target);
    }
    const r1 = bobyqa((x) => this.objective1(x), th0, { lower, rhobeg: 0.2, rhoend: 1e-2, maxfun });
    if (!r1.converged) warnings.push(`the optimizer did not converge in stage 1 (${r1.message})`);
    this.pirls(r1.x, true);
    // ---- stage 2: (θ, β) jointly, β in units of its stage-1 standard error
    this.stage = "stage 2";
    const x2 = Float64Array.from([...r1.x, ...this.beta]);
    const scale = new Float64Array(nth + p).fill(1);
    const se1 = this.betaVcovDiag();
    for (let j = 0; j < p; j++) scale[nth + j] = Number.isFinite(se1[j]) && se1[j] > 0 ? Math.sqrt(se1[j]) : 1;
    const toX = (t: Float64Array) => Float64Array.from(t, (v, k) => x2[k] + scale[k] * v);
    const loT = Float64Array.from(x2, (v, k) => (k < nth ? (lower[k] - v) / scale[k] : -Infinity));
    let xs = x2, converged = r1.converged, ev: LaplaceValue | null = null;
    const f2 = (t: Float64Array) => this.objective2(toX(t), nth);
    let ts: Float64Array = new Float64Array(nth + p);
    for (let round = 0; ; round++) {
      // Newton on finite differences of the (smooth, fixed-probe) deviance: stage 1 lands close,
      // so two or three steps of 1 + 2k + k(k−1) evaluations replace BOBYQA's crawl; BOBYQA when
      // Newton cannot be used (a variance at its bound, an indefinite Hessian)
      const nw = this.newton2(f2, ts, loT);
      if (nw) {
        ts = nw.t;
        converged = r1.converged && nw.converged;
        if (!nw.converged) warnings.push("Newton's method did not converge in stage 2");
      } else {
        const r2 = bobyqa(f2, ts, { lower: loT, rhobeg: round === 0 ? 0.2 : 0.02, rhoend: 1e-4, maxfun });
        converged = r1.converged && r2.converged;
        if (!r2.converged) warnings.push(`the optimizer did not converge (${r2.message})`);
        ts = Float64Array.from(r2.x);
      }
      xs = toX(ts);
      ev = this.value2(xs, nth);
      if (!ev) throw new UserError("the iterative GLMM fit ended at an inadmissible point; fit this model with the direct solver");
      // at the optimum the spread may exceed the pilot's: more probes, and refine once
      if (this.options.probes !== undefined || ev.se / 2 <= target || this.probes >= MAX_PROBES || round >= 1) break;
      this.probes = probesFor(ev.perProbe, target);
    }
    const seLL = ev.se / 2;
    if (seLL > target) warnings.push(`the Monte Carlo standard error of logLik is ${seLL.toPrecision(2)} with ${this.probes} probe vectors (target ${target})`);
    if (!this.lastPirlsConverged) warnings.push("PIRLS did not converge to the conditional modes at the estimates: the Laplace likelihood is approximate");
    return this.summarize(xs, nth, ev, converged, warnings);
  }

  /**
   * Newton's method on f (stage 2's scaled coordinates, unit steps ≈ one SE) from t0, with central
   * differences (step 1e-3) and step-halving; null when it cannot be used: a coordinate within two
   * steps of its lower bound, an indefinite Hessian, or no decrease along the first step.
   */
  private newton2(f: (t: Float64Array) => number, t0: Float64Array, lower: Float64Array): { t: Float64Array; converged: boolean } | null {
    const k = t0.length, hstep = 1e-3;
    let t = Float64Array.from(t0);
    for (let it = 0; it < 6; it++) {
      if (t.some((v, i) => v - 2 * hstep < lower[i])) return null;
      const h = hessianFD(f, t, undefined, hstep, new Float64Array(k).fill(hstep));
      const f0 = f(t);
      const L = Float64Array.from(h.hessian);
      if (!h.gradient.every(Number.isFinite) || cholLower(L, k) >= 0) return it > 0 ? { t, converged: false } : null;
      // d = −H⁻¹g by the factor
      const d = Float64Array.from(h.gradient, (v) => -v);
      solveLower(L, k, d);
      solveLowerT(L, k, d);
      let dec = 0;
      for (let i = 0; i < k; i++) dec -= h.gradient[i] * d[i];
      // the deviance's decrement below 1e-6: converged (far below the Monte Carlo error)
      if (dec < 1e-6) return { t, converged: true };
      let accepted = false;
      for (let a = 1; a >= 1 / 64; a /= 2) {
        const tn = Float64Array.from(t, (v, i) => Math.max(lower[i], v + a * d[i]));
        if (f(tn) < f0) { t = tn; accepted = true; break; }
      }
      if (!accepted) return dec < 1e-3 ? { t, converged: true } : it > 0 ? { t, converged: false } : null;
    }
    return { t, converged: false };
  }

  /**
   * diag of (XᵀWX − XᵀWZΛ Ω⁻¹ ΛᵀZᵀWX)⁻¹ at the current modes: one joint solve with the current
   * weights (the joint system's β block; the z column is not used).
   */
  private betaVcov(): Float64Array {
    const p = this.p, k = p + 1;
    this.step(true);
    const L = this.lastL!;
    const LX = new Float64Array(p * p);
    for (let j = 0; j < p; j++) for (let i = j; i < p; i++) LX[i + j * p] = L[i + j * k];
    return p > 0 ? cholInverse(LX, p) : new Float64Array(0);
  }

  private betaVcovDiag(): Float64Array {
    const V = this.betaVcov(), p = this.p;
    return Float64Array.from({ length: p }, (_, j) => V[j + j * p]);
  }

  /** the route's description for `describe` and the JSON */
  private solverInfo(seLL: number, cv: IterativeCondVar): SolverInfo {
    return {
      route: "iterative", restSize: this.op.qR + this.p + 1, factorEntries: 0, flops: 0,
      method: `iterative (PCG + SLQ, ${this.probes} probes, MC SE of logLik ${seLL.toPrecision(2)}; vcov(β) from the PIRLS system)`,
      probes: this.probes, logLikMCSE: seLL, ...(this.options.reason ? { reason: this.options.reason } : {}),
      condsd: { probes: cv.probes, maxRelSE: cv.maxRelSE, medianRelSE: cv.medianRelSE },
    };
  }

  private summarize(xs: Float64Array, nth: number, ev: LaplaceValue, converged: boolean, warnings: string[]): FittedGLMM {
    const { ms, n, p, terms, op } = this;
    const theta = Float64Array.from(xs.subarray(0, nth));
    const beta = Float64Array.from(xs.subarray(nth));
    // value2 left the modes, η and the operator (at the Laplace weights) at xs
    const vcov = this.betaVcov();
    const fixef: FixefRow[] = [];
    for (let j = 0; j < p; j++) {
      const se = Math.sqrt(vcov[j + j * p]);
      const zst = beta[j] / se;
      fixef.push({ term: ms.xnames[j], estimate: beta[j], se, statistic: zst, p: 2 * pnormUpper(Math.abs(zst)) });
    }
    for (const t of terms) t.lambda[0] = theta[t.thetaOffset];
    const bs: Float64Array[] = [Float64Array.from(this.u0, (v) => v * op.lam0)];
    for (let t = 1; t < terms.length; t++) {
      const o = this.roff[t], nl = terms[t].nl;
      bs.push(Float64Array.from(this.uR.subarray(o, o + nl), (v, j) => v * op.lamR[o + j]));
    }
    // conditional variances at the Laplace weights (this.defl is theirs), as lme4's condVar
    const cv = iterativeCondVar(op, this.defl!, this.probeSet.block(CONDVAR_PROBES), CONDVAR_PROBES, 1);
    const logLik = -ev.deviance / 2;
    const npar = xs.length;
    const seLL = ev.se / 2;
    return {
      kind: "glmm", family: this.family.name, link: this.family.link.name, method: "Laplace", nAGQ: 1, nobs: n,
      xnames: ms.xnames, beta, vcov, fixef, theta, terms, logLik, df: npar, AIC: -2 * logLik + 2 * npar, BIC: -2 * logLik + Math.log(n) * npar,
      deviance: ev.deviance, varcorr: varCorr(terms, 1), ranef: ranefTables(terms, bs, cv.cv), nbSize: null, dispersion: 1,
      singular: isSingular(terms, theta), converged, warnings,
      fitted: Float64Array.from(this.eta, (e) => this.family.link.linkinv(e)), eta: Float64Array.from(this.eta), evaluations: this.evaluations,
      solver: this.solverInfo(seLL, cv), information: this.mode, diverging: [], logLikMCSE: seLL,
    };
  }
}

/** Fit a binomial or Poisson GLMM with crossed random intercepts on the iterative route. */
export function fitGLMMIterative(ms: ModelStructure, options: IterativeGLMMOptions): FittedGLMM {
  return new IterativeGLMM(ms, options).fit();
}
