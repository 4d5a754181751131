// Penalized iteratively reweighted least squares (PIRLS) for the conditional modes of a GLMM
// (Bates et al., lme4's glmer; MixedModels.jl's pirls!). For given θ (and β when it is held
// fixed) it finds u maximizing p(y | u) p(u): each step solves the weighted PLS problem on the
// same blocked system as the LMM, with step-halving on the penalized deviance.
import type { Family } from "../families/family.js";
import { type VectorKernels, vectorKernels } from "../families/kernels.js";
import type { ModelStructure } from "../formula/types.js";
import { PLSSystem } from "../lmm/system.js";
import type { ExtendedLikelihood, KeyColumn } from "./extended.js";
import { TwoPredictorRows } from "./zi-random.js";
import { type SysTerm, applyLambda, levelEffects, penalty, setLambdas } from "../lmm/reterms.js";

export interface PirlsResult {
  /** penalized deviance Σ devResid/φ + ‖u‖² at the mode */
  readonly pdev: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/** lme4's stage-2 evaluations' common start (GLMMState.lme4Start) */
export interface Lme4Start {
  /** working weights at lp0 */
  readonly w: Float64Array;
  /** working response at lp0 without the fixed part (offset + Xβ is subtracted per evaluation) */
  readonly z: Float64Array;
  /** the θ around which evaluations recur (the Hessian's centre) */
  readonly theta0: Float64Array;
  /**
   * ∂û/∂β_j from the current factor and weights (LaplaceGradient.modeSensitivity), or null: then
   * the first iterate's map is taken by unit steps in β, at theta0 only
   */
  readonly sensitivity: ((j: number, out: Float64Array) => void) | null;
  /** the first iterate as an affine function of β, per θ (key: the θ values joined) */
  readonly maps: Map<string, FirstIterate>;
}

/** u₁(β) = u + M (β − beta) at one θ (M: q × p column-major); ef: offset + X·beta */
interface FirstIterate {
  readonly beta: Float64Array;
  readonly u: Float64Array;
  readonly M: Float64Array;
  readonly ef: Float64Array;
}

/** Per-model working storage shared by the PIRLS runs of one fit. */
export class GLMMState {
  readonly ms: ModelStructure;
  /** the conditional model's random-effect terms */
  readonly terms: SysTerm[];
  /** the zero-inflation model's random-effect terms (θ after the conditional terms'), or none */
  readonly ziTerms: SysTerm[];
  /** with zi random effects: the system's two pseudo-rows per data row (zi-random.ts), else null */
  readonly two: TwoPredictorRows | null;
  /** the terms of the system and of u: the conditional ones, then the zi ones */
  private readonly allTerms: SysTerm[];
  readonly n: number;
  readonly p: number;
  readonly q: number;
  private _family!: Family;
  private kernels!: VectorKernels;
  get family(): Family {
    return this._family;
  }
  set family(f: Family) {
    this._family = f;
    this.kernels = vectorKernels(f);
  }
  /** dispersion φ (1 for binomial, Poisson, negative binomial) */
  phi = 1;
  readonly y: Float64Array;
  /** prior weights (binomial: trials × user weights) */
  readonly prior: Float64Array;
  readonly offset: Float64Array;
  /** stage-1 system (β inside PIRLS) and stage-2 system (β fixed) */
  readonly sysBeta: PLSSystem;
  readonly sysU: PLSSystem;
  // working vectors
  readonly eta: Float64Array;
  readonly mu: Float64Array;
  readonly w: Float64Array;
  readonly z: Float64Array;
  /** current conditional modes (spherical), in system order; warm start for the next call */
  u: Float64Array;
  beta: Float64Array;
  private readonly etaFixed: Float64Array;
  private readonly b: Float64Array;
  private readonly termOffset: Int32Array;

  /** `sysBeta`: the system with X, when the caller has built it on these terms already (no zi terms) */
  constructor(ms: ModelStructure, terms: SysTerm[], family: Family, y: Float64Array, prior: Float64Array, ziTerms: SysTerm[] = [], sysBeta?: PLSSystem) {
    this.ms = ms;
    this.terms = terms;
    this.ziTerms = ziTerms;
    this.allTerms = [...terms, ...ziTerms];
    this.two = ziTerms.length > 0 ? new TwoPredictorRows(terms, ziTerms, ms.n) : null;
    const sysTerms = this.two ? this.two.terms : terms, rows = this.two ? 2 * ms.n : ms.n;
    this.n = ms.n;
    this.p = ms.p;
    this.family = family;
    this.y = y;
    this.prior = prior;
    this.offset = ms.offset ?? new Float64Array(ms.n);
    this.sysBeta = sysBeta ?? new PLSSystem(sysTerms, rows, ms.p);
    // (separation can leave a β direction without information: damp PIRLS steps along it)
    this.sysBeta.ridgeBeta = true;
    // (with zi random effects the system's X is rebuilt per row pass: two.fixedRows)
    if (!this.two) this.sysBeta.constantX = ms.X;
    this.sysU = new PLSSystem(sysTerms, rows, 0, undefined, this.sysBeta);
    const all = this.allTerms;
    this.termOffset = new Int32Array(all.length + 1);
    for (let t = 0; t < all.length; t++) this.termOffset[t + 1] = this.termOffset[t] + all[t].q;
    this.q = this.termOffset[all.length];
    const n = ms.n;
    this.eta = new Float64Array(n);
    this.mu = new Float64Array(n);
    this.w = new Float64Array(n);
    this.z = new Float64Array(n);
    this.etaFixed = new Float64Array(n);
    this.b = new Float64Array(this.q);
    this.u = new Float64Array(this.q);
    this.beta = new Float64Array(ms.p);
  }

  /** η_fixed = offset + Xβ */
  private fixedPart(beta: Float64Array, out: Float64Array): void {
    const { n, p } = this;
    const X = this.ms.X;
    out.set(this.offset);
    for (let j = 0; j < p; j++) {
      const bj = beta[j];
      if (bj === 0) continue;
      const c = j * n;
      for (let i = 0; i < n; i++) out[i] += X[c + i] * bj;
    }
  }

  /** η = η_fixed + Z Λ u (λ must be set), μ = g⁻¹(η); returns Σ devResid/φ + ‖u‖² */
  private evaluate(u: Float64Array, etaFixed: Float64Array): number {
    const { terms, b, eta, mu, y, prior, phi } = this;
    const all = this.allTerms;
    // b = Λu
    for (let t = 0; t < all.length; t++) applyLambda(all[t], u, this.termOffset[t], b, this.termOffset[t]);
    eta.set(etaFixed);
    for (let t = 0; t < terms.length; t++) this.addZb(terms[t], this.termOffset[t], eta);
    if (this.ext !== null && this.duplicatesFor !== this.ext) this.markDuplicates(this.ext);
    if (this.two) {
      // the zi predictor: its fixed part plus Z_zi b_zi
      const zeta = this.ext!.etaZi;
      zeta.set(this.ext!.etaZiFixed);
      for (let t = 0; t < this.ziTerms.length; t++) this.addZb(this.ziTerms[t], this.termOffset[terms.length + t], zeta);
    }
    const dev = this.ext ? this.ext.minus2LogLik(eta, mu, y, prior) : this.kernels.meanAndDeviance(eta, mu, y, prior);
    this.lastDev = dev;
    return dev / phi + this.penaltyOf(u);
  }

  /** the extended likelihood whose duplicate rows are marked */
  private duplicatesFor: ExtendedLikelihood | null = null;

  /** ext.markDuplicates with the conditional design's key per row: offset, X, every term's level and z */
  private markDuplicates(ext: ExtendedLikelihood): void {
    this.duplicatesFor = ext;
    const { n, p, offset } = this;
    const X = this.ms.X;
    const cols: KeyColumn[] = [{ values: offset, start: 0, stride: 1 }];
    for (let j = 0; j < p; j++) cols.push({ values: X, start: j * n, stride: 1 });
    for (const t of this.allTerms) {
      cols.push({ values: t.refs, start: 0, stride: 1 });
      for (let c = 0; c < t.s; c++) cols.push({ values: t.term.z, start: c, stride: t.s });
    }
    ext.markDuplicates(cols, this.prior);
  }

  /** out += Z_t b_t (b = Λu of the last evaluate) */
  private addZb(t: SysTerm, off: number, out: Float64Array): void {
    const { s, term, refs } = t;
    const { n, b } = this;
    const zz = term.z;
    if (s === 1) for (let i = 0; i < n; i++) out[i] += zz[i] * b[off + refs[i]];
    else
      for (let i = 0; i < n; i++) {
        const bo = off + refs[i] * s;
        let acc = 0;
        for (let c = 0; c < s; c++) acc += zz[i * s + c] * b[bo + c];
        out[i] += acc;
      }
  }

  /** A from the working weights of the last weights() call; X for stage 1 (β in the system) */
  private accumulate(sys: PLSSystem, X: Float64Array | null): void {
    const two = this.two;
    if (!two) return sys.accumulate(this.w, X, this.z);
    sys.accumulate(two.w, X ? two.fixedRows(X, this.p) : null, two.z);
  }

  /** working weights and response at the current η, μ; zOffset is subtracted from z (final: the Laplace curvature) */
  private weights(zOffset: Float64Array, final = false): void {
    const { eta, mu, w, z, y, prior, phi } = this;
    if (this.two) return this.two.split(this.ext!, eta, y, prior, zOffset, this.allTerms, !final && this.clipSteps);
    if (this.ext) return this.ext.working(eta, y, prior, zOffset, w, z, !final ? "step" : "observed");
    this.kernels.working(eta, mu, y, prior, phi, zOffset, w, z, !final ? "step" : this.observedInformation ? "observed" : "expected");
    if (this.observedInformation) this.observedWeights(zOffset);
  }

  /**
   * Starting values as R's glm.fit: η from the family's μ_start(y), one weighted least-squares
   * solve for β, then IRLS (PIRLS at θ = 0) to the GLM fit. Without it a far-off start (counts in
   * the millions, say) can leave PIRLS creeping toward the mode.
   */
  initialize(): void {
    const { n, y, prior, eta, mu, terms } = this;
    const fam = this.family;
    for (let i = 0; i < n; i++) {
      const m = fam.muStart(y[i], prior[i] || 1);
      mu[i] = m;
      eta[i] = fam.link.linkfun(m);
    }
    const theta0 = new Float64Array(this.allTerms.reduce((a, t) => a + t.ntheta, 0));
    this.weights(this.offset);
    this.accumulate(this.sysBeta, this.ms.X);
    if (this.sysBeta.updateL(theta0)) {
      const { beta } = this.sysBeta.solve();
      if (beta.every(Number.isFinite)) this.beta = Float64Array.from(beta);
    }
    this.u = new Float64Array(this.q);
    this.pirls(theta0, true);
  }

  /**
   * PIRLS at θ. With updateBeta, β is re-estimated with u (stage 1); otherwise β = this.beta is
   * fixed. Leaves the system factored at the mode's weights (for log|L|) and u, β, η, μ current.
   */
  pirls(theta: ArrayLike<number>, updateBeta: boolean, maxIter = 60, tol = 1e-15, stepTolGiven?: number): PirlsResult {
    // (the default's getter read on every call, not only when stepTolGiven is missing: V8 compiles
    // this function during stage 1, which always gives it, and the first stage-2 call deoptimized it)
    const newton = this.newtonSteps;
    const stepTol = stepTolGiven !== undefined ? stepTolGiven : newton ? 1e-6 : 1e-9;
    // (both read on every call, and the trial evaluation below one call for both stages: stage 2's
    // first call found no type feedback for its own branches and deoptimized the stage-1 code)
    const sysBeta = this.sysBeta, sysU = this.sysU;
    const sys = updateBeta ? sysBeta : sysU;
    setLambdas(this.allTerms, theta);
    const { q, p } = this;
    let u: Float64Array = this.u;
    let beta: Float64Array = this.beta;
    const ef = this.etaFixed;
    this.fixedPart(beta, ef);
    let pdev = this.evaluate(u, ef);
    if (!Number.isFinite(pdev)) {
      // a bad warm start (e.g. after an extreme θ): restart from u = 0
      u = this.u = new Float64Array(q);
      pdev = this.evaluate(u, ef);
    }
    const uNew = (this.scratchU ??= new Float64Array(q));
    const bNew = new Float64Array(p);
    const efTry = (this.scratchEta ??= new Float64Array(this.n));
    let uTry: Float64Array = new Float64Array(q);
    let bTry: Float64Array = new Float64Array(p);
    let converged = false;
    let it = 0;
    for (; it < maxIter; it++) {
      this.weights(updateBeta ? this.offset : ef);
      this.accumulate(sys, updateBeta ? this.ms.X : null);
      let ok = sys.updateL(theta);
      if (!ok && this.two) {
        // an indefinite joint Hessian (zi random effects, far from the mode): a positive step metric
        this.clipSteps = true;
        this.weights(updateBeta ? this.offset : ef);
        this.accumulate(sys, updateBeta ? this.ms.X : null);
        ok = sys.updateL(theta);
        this.clipSteps = false;
      }
      if (!ok) break;
      const sol = sys.solve();
      uNew.set(sol.u);
      if (updateBeta) bNew.set(sol.beta);
      // step-halving on the penalized deviance
      let f = 1;
      let accepted = false;
      let pdevTry = pdev;
      for (let h = 0; h < 12; h++) {
        for (let k = 0; k < q; k++) uTry[k] = u[k] + f * (uNew[k] - u[k]);
        if (updateBeta) {
          for (let j = 0; j < p; j++) bTry[j] = beta[j] + f * (bNew[j] - beta[j]);
          this.fixedPart(bTry, efTry);
        }
        pdevTry = this.evaluate(uTry, updateBeta ? efTry : ef);
        if (Number.isFinite(pdevTry) && pdevTry <= pdev + 1e-12 * Math.abs(pdev)) { accepted = true; break; }
        f /= 2;
      }
      if (!accepted) {
        // no decrease possible along the step: we are at the mode up to rounding
        if (updateBeta) this.fixedPart(beta, ef);
        this.evaluate(u, ef);
        converged = true;
        break;
      }
      const change = pdev - pdevTry;
      // size of the step actually taken, relative to the modes
      let step = 0, size = 1;
      for (let k = 0; k < q; k++) { step = Math.max(step, Math.abs(uTry[k] - u[k])); size = Math.max(size, Math.abs(uTry[k])); }
      if (updateBeta) for (let j = 0; j < p; j++) { step = Math.max(step, Math.abs(bTry[j] - beta[j])); size = Math.max(size, Math.abs(bTry[j])); }
      // swap buffers: the accepted point becomes current, the old one the next trial's storage
      [u, uTry] = [uTry, u];
      if (updateBeta) { [beta, bTry] = [bTry, beta]; ef.set(efTry); }
      pdev = pdevTry;
      // Stop on the step, not only on the penalized deviance: the deviance is flat at the mode,
      // but log|L| is not, so an error δ in u moves the Laplace objective by O(δ) — noise that a
      // finite-difference Hessian would magnify. Newton steps shrink quadratically, so a full step
      // below 1e-9 means the mode is within rounding.
      // With Newton steps (canonical link, or the observed information) the error left after a
      // full step δ is O(δ²): a step below 1e-6 leaves ~1e-12.
      if (f === 1 && step < stepTol * size) { converged = true; it++; break; }
      if (change < tol * (Math.abs(pdev) + 0.1) && step < 1e-6 * size) { converged = true; it++; break; }
    }
    this.u = u;
    this.beta = beta;
    this.lastConverged = converged;
    // factor at the mode's weights, for log|L_Z| (observed or Fisher information)
    this.weights(updateBeta ? this.offset : ef, true);
    this.accumulate(sys, updateBeta ? this.ms.X : null);
    sys.updateL(theta);
    return { pdev, iterations: it, converged };
  }

  /** η = offset + Xβ + ZΛ(θ)u for the given parameters (e.g. the stage-1 end, lme4's lp0) */
  linearPredictor(theta: ArrayLike<number>, u: Float64Array, beta: Float64Array): Float64Array {
    setLambdas(this.allTerms, theta);
    const ef = new Float64Array(this.n);
    this.fixedPart(beta, ef);
    this.evaluate(u, ef);
    return Float64Array.from(this.eta);
  }

  /**
   * The start of lme4's stage-2 deviance evaluations (glmerLaplace) from the linear predictor eta0
   * (lme4's lp0, the stage-1 end): the working weights and response there, the same for every
   * evaluation (the fixed part is subtracted per evaluation: z − Xβ is affine in β).
   */
  lme4Start(eta0: Float64Array, theta0: ArrayLike<number>, sensitivity: Lme4Start["sensitivity"]): Lme4Start {
    const { n, eta, mu, y, prior } = this;
    eta.set(eta0);
    this.lastDev = this.kernels.meanAndDeviance(eta, mu, y, prior);
    this.weights(new Float64Array(n), true);
    return { w: Float64Array.from(this.w), z: Float64Array.from(this.z), theta0: Float64Array.from(theta0), sensitivity, maps: new Map() };
  }

  /**
   * The first PIRLS iterate of laplaceLme4 from lp0 at (θ, β). Its weights are those at lp0 and its
   * working response is affine in β, so at a θ where evaluations recur (the Hessian's centre, and
   * with the sensitivities each one-coordinate step from it, which pairs with every β step) it is
   * kept as u₁(β) = u₁(β₀) + M (β − β₀): one factorization per θ instead of one per evaluation.
   * M is exact up to rounding (from the factor's solves, or unit steps in β). Null when it fails.
   */
  private lme4FirstIterate(start: Lme4Start, theta: ArrayLike<number>, beta: Float64Array): Float64Array | null {
    const { q, p } = this;
    let moved = 0;
    for (let k = 0; k < theta.length; k++) if (theta[k] !== start.theta0[k]) moved++;
    const reuse = p > 0 && (moved === 0 || (moved === 1 && start.sensitivity !== null));
    const key = reuse ? Array.prototype.join.call(theta, ",") : "";
    const map = reuse ? start.maps.get(key) : undefined;
    if (map) {
      // (the fixed part from the map's too: the β steps touch one or two columns)
      const u = Float64Array.from(map.u);
      const ef = this.etaFixed, X = this.ms.X, n = this.n;
      ef.set(map.ef);
      for (let j = 0; j < p; j++) {
        const d = beta[j] - map.beta[j];
        if (d === 0) continue;
        for (let c = 0; c < q; c++) u[c] += map.M[c + j * q] * d;
        for (let i = 0, o = j * n; i < n; i++) ef[i] += X[o + i] * d;
      }
      setLambdas(this.terms, theta);
      return u;
    }
    const u = this.lme4Solve(start, theta, beta);
    if (!u || !reuse) return u;
    const M = new Float64Array(q * p);
    if (start.sensitivity) {
      // −(ΛᵀZᵀW₀ZΛ + I)⁻¹ΛᵀZᵀW₀X_j from the factor just taken (its weights are lp0's)
      this.w.set(start.w);
      for (let j = 0; j < p; j++) start.sensitivity(j, M.subarray(j * q, (j + 1) * q));
    } else {
      const b = Float64Array.from(beta);
      for (let j = 0; j < p; j++) {
        b[j] += 1;
        const uj = this.lme4Solve(start, theta, b);
        b[j] = beta[j];
        if (!uj) return null;
        for (let c = 0; c < q; c++) M[c + j * q] = uj[c] - u[c];
      }
      // (the state back at (θ, β) for the evaluation)
      this.fixedPart(beta, this.etaFixed);
    }
    start.maps.set(key, { beta: Float64Array.from(beta), u: Float64Array.from(u), M, ef: Float64Array.from(this.etaFixed) });
    return u;
  }

  /** the first iterate from lp0 at (θ, β) by a factorization and solve (null when it fails) */
  private lme4Solve(start: Lme4Start, theta: ArrayLike<number>, beta: Float64Array): Float64Array | null {
    const { n, z } = this;
    const ef = this.etaFixed;
    setLambdas(this.terms, theta);
    this.fixedPart(beta, ef);
    for (let i = 0; i < n; i++) z[i] = start.z[i] - ef[i];
    this.sysU.accumulate(start.w, null, z);
    if (!this.sysU.updateL(theta)) return null;
    return Float64Array.from(this.sysU.solve().u);
  }

  /**
   * The Laplace deviance as lme4's stage-2 deviance function evaluates it (glmerLaplace): PIRLS in
   * u with β fixed, started each time from the same linear predictor (lme4's lp0, the stage-1 end:
   * `start`), stopped when the penalized deviance changes by less than tol relative, and log|L|
   * taken from the factor of the last iteration, whose weights lag one step behind the returned
   * modes. The lag is O(step) in log|L| and has a curvature of its own, which is why lme4's
   * finite-difference Hessian (and so vcov(β)) differs from the exact Laplace one by up to a few
   * percent; this reproduces it. Leaves u, η, μ at the result (the factor is not refreshed).
   */
  laplaceLme4(theta: ArrayLike<number>, beta: Float64Array, start: Lme4Start, tol = 1e-7): number {
    const { n, q, z } = this;
    const sys = this.sysU;
    this.beta.set(beta);
    let u = this.lme4FirstIterate(start, theta, beta);
    if (u === null) return Infinity;
    const ef = this.etaFixed;
    let old = this.evaluate(u, ef);
    if (!Number.isFinite(old)) return Infinity;
    let ok = false;
    for (let it = 1; it < 30; it++) {
      this.weights(ef, true);
      sys.accumulate(this.w, null, z);
      if (!sys.updateL(theta)) return Infinity;
      const prev = u;
      u = Float64Array.from(sys.solve().u);
      let pdev = this.evaluate(u, ef);
      if (Math.abs((old - pdev) / pdev) < tol) { ok = true; break; }
      // lme4's step halving: back toward the previous modes while the deviance went up
      for (let k = 0; k < 10 && pdev > old; k++) {
        for (let c = 0; c < q; c++) u[c] = (prev[c] + u[c]) / 2;
        pdev = this.evaluate(u, ef);
      }
      if (!Number.isFinite(pdev)) return Infinity;
      old = pdev;
    }
    this.u = u;
    if (!ok || n === 0) return Infinity;
    return this.minus2LogDensity() + this.penaltyOf(u) + sys.logdetZ();
  }

  /**
   * Use the observed (not expected) information in the Laplace log-determinant, as glmmTMB/TMB
   * do; false: Fisher's, as lme4's glmer. They differ only for non-canonical links.
   */
  observedInformation = false;

  /**
   * The extended conditional likelihood (zero-inflation, hurdle, dispersion formula, NB1), or
   * null: then "deviance" values are −2 log-likelihoods with every constant and φ = 1.
   */
  ext: ExtendedLikelihood | null = null;

  /** PIRLS steps are Newton steps: canonical link (Fisher = observed information) or observed weights */
  private get newtonSteps(): boolean {
    if (this.ext) return true;
    const f = this.family;
    const canonical = (f.name === "binomial" && f.link.name === "logit") || (f.name === "poisson" && f.link.name === "log") || (f.name === "gaussian" && f.link.name === "identity");
    // (not the extended families: where −ℓ″ < 0 on some row (beta) their steps take another curvature
    // there, and converge linearly)
    return canonical || (this.observedInformation && f.link.name === "log" && (f.name === "negative_binomial" || f.name === "Gamma"));
  }

  /**
   * Newton weights w = −∂² log p / ∂η² and working response z = η + score / w (NB2, log link:
   * w = k μ (k + y) / (k + μ)², score = k (y − μ) / (k + μ)). The mode is the same as with Fisher
   * scoring, but convergence is quadratic and log|L| is the observed-information one (glmmTMB's).
   */
  private observedWeights(zOffset: Float64Array): void {
    const { n, mu, w, z, y, eta, prior, family, phi } = this;
    if (family.name === "Gamma" && family.link.name === "log") {
      // log p = (−y/μ − log μ)/φ + …: w = (y/μ)/φ, score = (y/μ − 1)/φ
      for (let i = 0; i < n; i++) {
        if (prior[i] === 0) continue;
        const r = y[i] / mu[i];
        w[i] = (prior[i] * r) / phi;
        z[i] = eta[i] - zOffset[i] + (r - 1) / r;
      }
      return;
    }
    if (family.name !== "negative_binomial" || family.link.name !== "log") return;
    const k = family.size!;
    if (!(k < 1e12)) return;
    for (let i = 0; i < n; i++) {
      if (prior[i] === 0) continue;
      const kk = k + mu[i];
      const wi = (prior[i] * k * mu[i] * (k + y[i])) / (kk * kk);
      const score = (prior[i] * k * (y[i] - mu[i])) / kk;
      w[i] = wi;
      z[i] = eta[i] - zOffset[i] + score / wi;
    }
  }

  /** the zi random effects' PIRLS steps take |eigenvalues| of the per-row Hessians (zi-random.ts) */
  private clipSteps = false;
  /** Σ devResid at the last evaluated μ */
  private lastDev = NaN;
  /** whether the last PIRLS run converged */
  lastConverged = true;
  /** work arrays reused across PIRLS calls */
  private scratchU: Float64Array | null = null;
  private scratchEta: Float64Array | null = null;
  /** Σ prior weight per distinct response value (for the NB saturated constant) */
  private countWeights: Map<number, number> | null = null;
  /** −2 Σ log p(y | μ = y) (the saturated model), cached per family parameter */
  private satKey = NaN;
  private satValue = 0;

  /**
   * −2 Σ log p(y | μ) at the current μ, with every constant: the deviance plus the saturated
   * model's −2 log-likelihood, which depends only on y and the family's parameters (so the
   * lgamma work is done once per NB size or dispersion, not per evaluation).
   */
  minus2LogDensity(): number {
    if (this.ext) return this.lastDev;
    const { n, y, prior, family, phi } = this;
    if (family.logLikDeviance) return this.lastDev;
    const key = family.name === "negative_binomial" ? family.size! : phi;
    if (key !== this.satKey) {
      let s = 0;
      if (family.name === "negative_binomial") {
        // the NB density is linear in the prior weight: one lgamma per distinct count, not per row
        this.countWeights ??= weightsByValue(y, prior);
        for (const [v, wsum] of this.countWeights) s += wsum * family.logDensity(v, v, 1, phi);
      } else for (let i = 0; i < n; i++) if (prior[i] !== 0) s += family.logDensity(y[i], y[i], prior[i], phi);
      this.satValue = -2 * s;
      this.satKey = key;
    }
    return this.lastDev / phi + this.satValue;
  }

  /** ‖u‖² (uᵀQu on a tree term's segment) */
  sqrU(): number {
    return this.penaltyOf(this.u);
  }

  private penaltyOf(u: Float64Array): number {
    const { termOffset } = this;
    const terms = this.allTerms;
    let s = 0;
    for (let t = 0; t < terms.length; t++) s += penalty(terms[t], u, termOffset[t]);
    return s;
  }

  /** b = Λu for the current θ (set by the last pirls call), per conditional term in system order */
  currentB(): Float64Array[] {
    return this.terms.map((t, ti) => Float64Array.from(levelEffects(t, this.b.subarray(this.termOffset[ti], this.termOffset[ti + 1]))));
  }

  /** the same for the zero-inflation model's terms */
  currentZiB(): Float64Array[] {
    const k = this.terms.length;
    return this.ziTerms.map((t, ti) => Float64Array.from(levelEffects(t, this.b.subarray(this.termOffset[k + ti], this.termOffset[k + ti + 1]))));
  }
}

function weightsByValue(y: Float64Array, prior: Float64Array): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < y.length; i++) if (prior[i] !== 0) m.set(y[i], (m.get(y[i]) ?? 0) + prior[i]);
  return m;
}
