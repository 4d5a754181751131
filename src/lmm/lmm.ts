// Linear mixed models: lme4's profiled deviance / REML criterion over θ (Bates et al. 2015),
// evaluated from the blocked Cholesky factor of PLSSystem and minimized by BOBYQA.
import { TooLargeError, UserError } from "../errors.js";
import { CrossedSchur } from "./crossed.js";
import { IterativeLMM } from "./iterative.js";
import type { ModelStructure } from "../formula/types.js";
import { cholInverse } from "../linalg/dense.js";
import { bobyqa } from "../optim/index.js";
import { bfgsBounded } from "../optim/bfgs.js";
import { hasAnalyticGradient, profiledGradient } from "./gradient.js";
import { ITERATIVE_FLOPS, iterativeReason, type PLSSystem, type SolverInfo, termsAndSystem } from "./system.js";
import { type SysTerm, sortTerms, thetaLower, thetaStart, thetaUpper, relCovariance, formulaOrder } from "./reterms.js";
import { conditionalVariances, ranefTables } from "./condvar.js";

/** Options of the LMM engine (lme4's lmer): REML or ML, starting θ, weights, evaluation limit, progress and solver (direct or iterative). */
export interface LMMOptions {
  /** REML (default) or ML */
  readonly reml?: boolean;
  /** starting θ (lme4 order over the system's sorted terms) */
  readonly thetaStart?: ArrayLike<number>;
  /** compute conditional variances of the random effects (default true) */
  readonly condVar?: boolean;
  /** prior weights (model rows): the residual variance of row i is σ²/w_i, as lmer's weights */
  readonly weights?: Float64Array;
  /** maximum objective evaluations */
  readonly maxfun?: number;
  /** called after every objective evaluation (progress display, cancellation by throwing) */
  readonly onProgress?: (info: ProgressInfo) => void;
  /**
   * "direct" (Cholesky: dense or sparse by cost), "iterative" (PCG + stochastic Lanczos
   * quadrature; crossed random intercepts only), or "auto" (default): direct unless its factor
   * would be too large or too slow (ITERATIVE_FLOPS) and the model suits the iterative route.
   */
  readonly solver?: "auto" | "direct" | "iterative";
  /** "auto": flops per factorization past which the iterative route takes the model (default ITERATIVE_FLOPS) */
  readonly flopBudget?: number;
  /** iterative route: seed of the probe vectors (default 1) */
  readonly seed?: number;
  /** iterative route: number of probe vectors (default: chosen for an MC SE of logLik below 0.01) */
  readonly probes?: number;
}

/** What a progress callback sees. */
export interface ProgressInfo {
  readonly stage: string;
  readonly evaluations: number;
  readonly objective: number;
}

/** One row of VarCorr: a variance (term2 null) or a covariance of a grouping factor's terms. */
export interface VarCorrEntry {
  readonly group: string;
  readonly term1: string;
  readonly term2: string | null;
  readonly variance?: number;
  readonly sd?: number;
  readonly corr?: number;
  /** on a structured term's first row: its covariance structure ("ar1", "cs", "homcs", "diag") */
  readonly structure?: string;
  /** on an ar1 / cs / homcs term's first row: the correlation parameter ρ */
  readonly rho?: number;
  /** on the first row of a term with a known covariance between levels: where K came from */
  readonly known?: string;
}

/** A grouping factor's conditional modes (lme4's ranef) with their conditional SDs. */
export interface RanefTable {
  readonly group: string;
  readonly levels: readonly string[];
  readonly cnames: readonly string[];
  /** per column: values per level */
  readonly values: Float64Array[];
  /** per column: conditional SD per level (null when not computed) */
  readonly condsd: Float64Array[] | null;
}

/** A fitted LMM (lme4's lmerMod): fixed effects, variance components, conditional modes, REML/ML criterion and convergence information. */
export interface FittedLMM {
  readonly kind: "lmm";
  readonly reml: boolean;
  readonly nobs: number;
  readonly p: number;
  readonly xnames: readonly string[];
  readonly beta: Float64Array;
  /** p×p column-major */
  readonly vcov: Float64Array;
  readonly sigma: number;
  readonly theta: Float64Array;
  readonly terms: readonly SysTerm[];
  /** −2 log-likelihood (REML criterion for REML fits) */
  readonly objective: number;
  readonly logLik: number;
  /** number of parameters: p + θ + σ */
  readonly df: number;
  readonly AIC: number;
  readonly BIC: number;
  readonly varcorr: VarCorrEntry[];
  readonly ranef: RanefTable[];
  readonly fitted: Float64Array;
  readonly residuals: Float64Array;
  readonly singular: boolean;
  readonly converged: boolean;
  readonly evaluations: number;
  readonly warnings: string[];
  /** the factorization of the penalized system */
  readonly solver: SolverInfo;
  /** iterative route: the Monte Carlo standard error of logLik (absent on the exact routes) */
  readonly logLikMCSE?: number;
}

/** The LMM engine (lme4's lmer): the penalized least squares system and the profiled (RE)ML deviance, optimized over θ. */
export class LinearMixedModel {
  /** the model structure (X, Z, terms) from the formula */
  readonly ms: ModelStructure;
  /** the random-effect terms in the system's order */
  readonly terms: SysTerm[];
  /** the penalized least squares system, updated for each θ */
  readonly system: PLSSystem;
  /** REML (true) or ML criterion */
  readonly reml: boolean;
  /** the checked response */
  readonly y: Float64Array;
  /** objective evaluations so far */
  evaluations = 0;
  private readonly onProgress?: (info: ProgressInfo) => void;

  /** `flopBudget`: refuse (OverBudgetError) a factor costing more per evaluation */
  constructor(ms: ModelStructure, options: LMMOptions = {}, flopBudget = Infinity) {
    this.onProgress = options.onProgress;
    const y = checkedResponse(ms);
    this.y = y;
    this.ms = ms;
    this.reml = options.reml ?? true;
    const n = ms.n;
    ({ terms: this.terms, system: this.system } = termsAndSystem(ms.reTerms, n, ms.p, {}, undefined, flopBudget));
    const w = options.weights ?? null;
    if (w) for (let i = 0; i < n; i++) if (w[i] > 0) this.logWeights += Math.log(w[i]);
    this.system.accumulate(w, ms.X, y);
  }

  /** Σ log w_i: the weighted densities' normalizing constant (0 without weights) */
  private logWeights = 0;

  /** −2 log-likelihood (ML) or the REML criterion at θ; +∞ when Ω(θ) is not positive definite. */
  objective(theta: ArrayLike<number>): number {
    this.evaluations++;
    const obj = this.deviance(theta);
    this.onProgress?.({ stage: this.reml ? "REML" : "ML", evaluations: this.evaluations, objective: obj });
    return obj;
  }

  /** The objective at θ without counting an evaluation or reporting progress (diagnostics after a fit). */
  deviance(theta: ArrayLike<number>): number {
    const sys = this.system;
    if (!sys.updateL(theta)) return Infinity;
    const n = this.ms.n, p = this.ms.p;
    const r2 = sys.pwrss();
    const ldZ = sys.logdetZ();
    const obj = (this.reml
      ? ldZ + sys.logdetX() + (n - p) * (1 + Math.log((2 * Math.PI * r2) / (n - p)))
      : ldZ + n * (1 + Math.log((2 * Math.PI * r2) / n))) - this.logWeights;
    return obj;
  }

  /** Optimize the criterion over θ (lme4's lmer fit) and summarize the result. */
  fit(options: LMMOptions = {}): FittedLMM {
    const th0 = options.thetaStart ? Float64Array.from(options.thetaStart) : thetaStart(this.terms);
    const lower = thetaLower(this.terms);
    const upper = thetaUpper(this.terms);
    let res: { x: Float64Array; fval: number; nfev: number; converged: boolean; message: string };
    if (hasAnalyticGradient(this.system)) {
      res = this.fitGradient(th0, options.maxfun);
      if (!res.converged) {
        // BOBYQA from where the quasi-Newton search stopped
        const f = (th: Float64Array) => this.objective(th);
        const r = bobyqa(f, res.x, { lower, upper, rhobeg: 0.2, rhoend: 2e-7, maxfun: options.maxfun ?? 10000 });
        res = { ...r, nfev: r.nfev + res.nfev };
      }
    } else {
      const f = (th: Float64Array) => this.objective(th);
      res = bobyqa(f, th0, { lower, upper, rhobeg: 0.2, rhoend: 2e-7, maxfun: options.maxfun ?? 10000 });
    }
    let theta = Float64Array.from(res.x);
    let fval = res.fval;
    const warnings: string[] = [];
    // snap diagonal θ that are essentially zero onto the boundary (lme4/MixedModels do the same)
    const snapped = Float64Array.from(theta);
    let changed = false;
    for (const t of this.terms) {
      let k = t.thetaOffset;
      for (const d of t.diagMask) {
        if (d && snapped[k] !== 0 && snapped[k] < 1e-5) { snapped[k] = 0; changed = true; }
        k++;
      }
    }
    if (changed) {
      const fs = this.objective(snapped);
      if (fs <= fval + 1e-6) { theta = snapped; fval = fs; }
    }
    if (!res.converged) warnings.push(`the optimizer did not converge (${res.message})`);
    const fitted = this.summarize(theta, fval, res.nfev, res.converged, warnings, options.condVar ?? true);
    // σ ≈ 0 next to the spread of y: the model reproduces the response, and its variances are not identified
    const y = this.y, my = y.reduce((a, v) => a + v, 0) / y.length, sdy = Math.sqrt(y.reduce((a, v) => a + (v - my) ** 2, 0) / y.length);
    if (fitted.sigma <= 1e-6 * sdy || sdy === 0) fitted.warnings.push(`the residual standard deviation is essentially zero (σ = ${fitted.sigma.toPrecision(2)}): the model fits the response exactly, so the variance components are not reliable`);
    return fitted;
  }

  /** most BFGS restarts after convergence (vector terms) */
  static restarts = 1;

  /**
   * Quasi-Newton minimization with the analytic gradient, in ψ: a scalar term's θ is θ₀·sinh(ψ),
   * a vector term's λ entries are θ = ψ. The sinh map is log-like for θ ≫ θ₀ (so terms of very
   * different size are equally easy) and linear through 0, where the deviance, even in θ, has an
   * ordinary interior minimum in ψ for a singular fit: no bound, no vanishing gradient on a
   * boundary. A vector term's diagonal is left unmapped: when it goes to 0 (most maximal models)
   * the sinh map's flat valley stops BFGS short (kb07 ML: 2e-4 above BOBYQA); unbounded, its
   * deviance is still even in each column of λ, and a column whose diagonal ends negative is negated
   * at the end (λλᵀ is unchanged).
   */
  private fitGradient(th0: Float64Array, maxfun?: number): { x: Float64Array; fval: number; nfev: number; converged: boolean; message: string } {
    const T0 = 0.01;
    const diag = this.terms.flatMap((t) => t.diagMask.map((d) => d && t.s === 1));
    const toTheta = (psi: Float64Array) => psi.map((v, k) => (diag[k] ? T0 * Math.sinh(v) : v));
    let lastPsi: Float64Array | null = null;
    let lastF = NaN;
    const nev0 = this.evaluations;
    const fg = (psi: Float64Array, g: Float64Array | null) => {
      const th = toTheta(psi);
      // the gradient reuses the factor of the evaluation just made at the same point
      const same = lastPsi !== null && lastPsi.every((v, i) => v === psi[i]);
      const f = same ? lastF : this.objective(th);
      lastPsi = Float64Array.from(psi);
      lastF = f;
      if (g && Number.isFinite(f)) {
        const gt = profiledGradient(this.system, th, this.system.solve().u, this.reml, this.ms.n, true);
        for (let k = 0; k < g.length; k++) g[k] = diag[k] ? gt[k] * T0 * Math.cosh(psi[k]) : gt[k];
      }
      return f;
    };
    const psi0 = Float64Array.from(th0, (v, k) => (diag[k] ? Math.asinh(v / T0) : v));
    const opts = { ftol: 1e-12, ftolRel: 1e-12, maxStep0: 1, maxit: maxfun ?? 500 };
    let r = bfgsBounded(fg, psi0, opts);
    // In the flat valley of a singular vector term the Hessian approximation can go stale and stop
    // short: restart from a fresh one until a restart no longer improves the objective.
    const restarts = this.terms.some((t) => t.s > 1) ? LinearMixedModel.restarts : 0;
    for (let k = 0; k < restarts && r.converged; k++) {
      const r2 = bfgsBounded(fg, r.x, opts);
      const gain = r.fval - r2.fval;
      if (r2.fval <= r.fval) r = { ...r2, converged: r2.converged };
      if (!(gain > 1e-9 * Math.max(1, Math.abs(r.fval)))) break;
    }
    const x = toTheta(r.x);
    for (const t of this.terms) {
      const o = t.thetaOffset, s = t.s;
      if (s === 1 || t.kind === "diag") {
        for (let k = o; k < o + t.ntheta; k++) x[k] = Math.abs(x[k]);
        continue;
      }
      // lme4's order: column c holds rows c..s−1, its diagonal first
      for (let c = 0, k = o; c < s; k += s - c, c++) if (x[k] < 0) for (let r2 = 0; r2 < s - c; r2++) x[k + r2] = -x[k + r2];
    }
    return { ...r, x, nfev: this.evaluations - nev0 };
  }

  /** Everything a fitted model reports, at θ. */
  summarize(theta: Float64Array, fval: number, nfev: number, converged: boolean, warnings: string[], condVar = true): FittedLMM {
    const ms = this.ms, sys = this.system, n = ms.n, p = ms.p;
    const obj = this.objective(theta);
    if (!Number.isFinite(obj)) throw new UserError("the fit is degenerate: the objective is not finite at the optimum (is the response fitted exactly, with no residual variation?)");
    const { u, beta } = sys.solve();
    const r2 = sys.pwrss();
    const sigma2 = r2 / (this.reml ? n - p : n);
    const sigma = Math.sqrt(sigma2);
    // vcov(β) = σ² (L_X L_Xᵀ)⁻¹
    const LX = sys.xFactor();
    const vcov = p > 0 ? cholInverse(LX, p) : new Float64Array(0);
    for (let i = 0; i < vcov.length; i++) vcov[i] *= sigma2;
    // random effects
    const bs = sys.bFromU(u);
    const cv = condVar ? conditionalVariances(sys, sigma2) : null;
    const ranef = ranefTables(this.terms, bs, cv);
    // fitted values
    const fitted = new Float64Array(n);
    for (let j = 0; j < p; j++) {
      const bj = beta[j];
      for (let i = 0; i < n; i++) fitted[i] += ms.X[i + j * n] * bj;
    }
    if (ms.offset) for (let i = 0; i < n; i++) fitted[i] += ms.offset[i];
    this.terms.forEach((t, ti) => {
      const { s, term } = t;
      const b = bs[ti];
      for (let i = 0; i < n; i++) {
        const l = term.refs[i];
        let acc = 0;
        for (let c = 0; c < s; c++) acc += term.z[i * s + c] * b[l * s + c];
        fitted[i] += acc;
      }
    });
    const yv = ms.response!.y;
    const residuals = new Float64Array(n);
    for (let i = 0; i < n; i++) residuals[i] = yv[i] - fitted[i];
    const varcorr = varCorr(this.terms, sigma2);
    const singular = isSingular(this.terms, theta);
    const nth = theta.length;
    const df = p + nth + 1;
    const logLik = -obj / 2;
    const fit: FittedLMM = {
      kind: "lmm", reml: this.reml, nobs: n, p, xnames: ms.xnames, beta, vcov, sigma, theta, terms: this.terms,
      objective: obj, logLik, df, AIC: -2 * logLik + 2 * df, BIC: -2 * logLik + Math.log(n) * df,
      varcorr, ranef, fitted, residuals, singular, converged, evaluations: nfev, warnings, solver: sys.solverInfo,
    };
    fittedModels.set(fit, this);
    return fit;
  }
}

/** the model each fit was summarized from (its A and symbolic analysis stay valid for later work at other θ) */
const fittedModels = new WeakMap<FittedLMM, LinearMixedModel>();

/** The model a fitted LMM came from, if this object is the fit's own: diagnostics and Satterthwaite reuse its analysis. */
export function fittedModel(fit: FittedLMM): LinearMixedModel | undefined {
  return fittedModels.get(fit);
}

/**
 * The response an LMM fits (y minus any offset), after the checks every route makes: a response,
 * random-effect terms, more rows than fixed effects and than any factor's levels, a varying y.
 */
export function checkedResponse(ms: ModelStructure): Float64Array {
  if (!ms.response) throw new UserError("a linear mixed model needs a response (left-hand side of the formula)");
  if (ms.reTerms.length === 0) throw new UserError("the formula has no random-effect terms such as (1 | group)");
  // no residual degrees of freedom: the (RE)ML criterion is log(0)
  if (ms.n <= ms.p) throw new UserError(`the model has ${ms.p} fixed-effect columns for ${ms.n} observations: a linear mixed model needs more observations than fixed effects`);
  // lme4's check.nobs.vs.nlev: one observation per level confounds the effect with the residual (not so under a known covariance)
  for (const t of ms.reTerms) if (!t.covariance?.K && !t.covariance?.tree && t.levels.length >= ms.n) throw new UserError(`grouping factor '${t.group}' has ${t.levels.length} levels for ${ms.n} observations: a linear mixed model needs fewer levels than observations (the random effect and the residual cannot be told apart)`);
  let y = ms.response.y;
  if (ms.offset) {
    y = Float64Array.from(y);
    for (let i = 0; i < ms.n; i++) y[i] -= ms.offset[i];
  }
  if (y.every((v) => v === y[0])) throw new UserError(`the response '${ms.response.name}' is the same (${y[0]}) in every row used: there is nothing to model`);
  return y;
}

/** Variances, SDs and correlations per term, in formula order, scaled by σ². */
export function varCorr(terms: readonly SysTerm[], sigma2: number): VarCorrEntry[] {
  const out: VarCorrEntry[] = [];
  const sorted = formulaOrder(terms).map((i) => terms[i]);
  for (const t of sorted) {
    const C = relCovariance(t);
    const s = t.s;
    const sd = (i: number) => Math.sqrt(C[i + i * s] * sigma2);
    for (let i = 0; i < s; i++) {
      const e: VarCorrEntry = { group: t.term.group, term1: t.term.cnames[i], term2: null, variance: C[i + i * s] * sigma2, sd: sd(i) };
      if (i > 0) { out.push(e); continue; }
      const structured = t.kind !== "us" && s > 1;
      // for ar1 / cs / homcs, ρ is the correlation of the first two columns
      const rho = structured && t.kind !== "diag" ? C[1] / Math.sqrt(C[0] * C[1 + s]) : undefined;
      out.push({ ...e, ...(structured ? { structure: t.kind } : {}), ...(rho !== undefined ? { rho } : {}), ...(t.kfac || t.tree || t.kprec ? { known: t.term.covariance?.source ?? "K" } : {}) });
    }
    for (let j = 0; j < s; j++)
      for (let i = j + 1; i < s; i++) {
        const den = Math.sqrt(C[i + i * s] * C[j + j * s]);
        out.push({ group: t.term.group, term1: t.term.cnames[j], term2: t.term.cnames[i], corr: den > 0 ? C[i + j * s] / den : NaN });
      }
  }
  return out;
}

/** lme4's isSingular: a diagonal element of some λ at (or within 1e-4 of) zero. */
export function isSingular(terms: readonly SysTerm[], theta: ArrayLike<number>, tol = 1e-4): boolean {
  for (const t of terms) {
    let k = t.thetaOffset;
    for (const d of t.diagMask) {
      if (d && theta[k] < tol) return true;
      k++;
    }
  }
  return false;
}

/** Fit a linear mixed model (library entry point). */
export function fitLMM(ms: ModelStructure, options: LMMOptions = {}): FittedLMM {
  const solver = options.solver ?? "auto";
  const iterative = (reason?: string) => new IterativeLMM(ms, { ...options, reason }).fit();
  if (solver === "iterative") return iterative();
  // auto: crossed intercepts leave a factor too large or too slow for the iterative route
  const eligible = solver === "auto" && CrossedSchur.eligible(sortTerms(ms.reTerms));
  let model: LinearMixedModel;
  try {
    model = new LinearMixedModel(ms, options, eligible ? options.flopBudget ?? ITERATIVE_FLOPS : Infinity);
  } catch (e) {
    if (eligible && e instanceof TooLargeError) return iterative(iterativeReason(e));
    throw e;
  }
  return model.fit(options);
}
