// Generalized linear mixed models: the Laplace approximation (and adaptive Gauss–Hermite
// quadrature for one scalar random-effect term) to the marginal likelihood, optimized in lme4's two
// stages: (1) θ by BOBYQA with β estimated inside PIRLS (lme4's nAGQ = 0), then (2) (θ, β) jointly
// with PIRLS over u only. A negative binomial size (or a gaussian/Gamma dispersion) is one more
// parameter, on the log scale, of both stages (glmmTMB estimates it jointly as well).
import { type SolverInfo, termsAndSystem } from "../lmm/system.js";
import { UserError } from "../errors.js";
import { type Family, makeFamily, NB_POISSON_LIMIT } from "../families/family.js";
import { pnormUpper } from "../families/special.js";
import { pchisqUpper } from "../inference/distributions.js";
import { jacobiEigen } from "../inference/satterthwaite.js";
import type { ModelStructure, ReTerm } from "../formula/types.js";
import { cholInverse, cholLower } from "../linalg/dense.js";
import { type SysTerm, sortTerms, sysTerm, thetaLower, thetaStart, thetaUpper } from "../lmm/reterms.js";
import { isSingular, varCorr, type ProgressInfo, type RanefTable, type VarCorrEntry } from "../lmm/lmm.js";
import { bobyqa } from "../optim/index.js";
import { bfgsBounded } from "../optim/bfgs.js";
import { standardizeRandom } from "./theta-scaling.js";
import { gaussHermite } from "./gauss-hermite.js";
import { GLMMState } from "./pirls.js";
import { hessianFD, hessianForward, hessianGradient, hessianCentralGradient, gradientForward, gradientMixed, activeInverse, type HessianResult } from "./hessian.js";
import { LaplaceGradient, analyticGradientSupported } from "./gradient.js";
import { FixedGradient, fixedGradientSupported } from "./gradient-fixed.js";
import { conditionalVariances, ranefTables } from "../lmm/condvar.js";
import { standardizeFixed, unstandardizeFit } from "./scaling.js";
import { type BaseKind, ExtendedLikelihood, type SideDesign } from "./extended.js";

/** Options of the GLMM engine (lme4's glmer, glmmTMB's families): family, link, nAGQ, weights, zero-inflation / dispersion / hurdle parts and optimizer settings. */
export interface GLMMOptions {
  readonly family: string | Family;
  readonly link?: string;
  /** quadrature points (1 = Laplace) */
  readonly nAGQ?: number;
  /** prior weights per row (in the model structure's row order) */
  readonly weights?: Float64Array;
  /** skip the Hessian (standard errors) */
  readonly noHessian?: boolean;
  /**
   * a warm start in the engine's stage-2 coordinates (θ̃, standardized β, extra parameters), e.g.
   * a nearby model's optimum: stage 1 is skipped and Newton starts from it when its deviance is
   * below `maxDeviance` (else, or when Newton fails, the full fit)
   */
  readonly start?: { readonly x: Float64Array; readonly maxDeviance: number };
  /**
   * vcov(β) for Laplace fits with Fisher's curvature: "lme4" (default; the inverse of lme4's
   * finite-difference Hessian of its own deviance evaluation, which lags one PIRLS step in log|L|,
   * so that standard errors agree with glmer's) or "laplace" (the Hessian of the exact Laplace
   * deviance; up to ~1–2% different from glmer's).
   */
  readonly vcov?: "lme4" | "laplace";
  readonly maxfun?: number;
  /** refuse (OverBudgetError) a direct factor costing more flops per evaluation (`--solver auto`'s rule) */
  readonly flopBudget?: number;
  /** called after every objective evaluation (progress display, cancellation by throwing) */
  readonly onProgress?: (info: ProgressInfo) => void;
  /**
   * Curvature in the Laplace approximation for non-canonical links (probit, cloglog, NB, Gamma-log,
   * sqrt, ...): "observed" (−∂²ℓ/∂η², the second-order expansion itself, as glmmTMB; the default)
   * or "expected" (Fisher's, as lme4's glmer). Canonical links have one curvature.
   */
  readonly information?: "expected" | "observed";
  /** use the analytic β-gradient in stage 2 where it applies (default true; false: differences only) */
  readonly analyticGradient?: boolean;
  /** zero-inflation design (glmmTMB's ziformula, fixed effects); with `hurdle`, the zero part */
  readonly zi?: SideDesign | null;
  /** dispersion design (glmmTMB's dispformula, log link) */
  readonly disp?: SideDesign | null;
  /** hurdle model: zero-truncated count for y > 0 (truncated_poisson, truncated_nbinom2) */
  readonly hurdle?: boolean;
  /**
   * the extended likelihood even without zi, disp or hurdle: a model without random effects is
   * then a GLM fit by maximum likelihood (the zero-inflation boundary check's model without
   * zero-inflation, when the zi model has no random effects)
   */
  readonly extended?: boolean;
}

/** the coefficients of a zero-inflation or dispersion part */
export interface SideFit {
  readonly names: readonly string[];
  readonly estimate: Float64Array;
  /** p × p column-major */
  readonly vcov: Float64Array;
  readonly rows: FixefRow[];
  /** the zero-inflation model's random effects (glmmTMB's VarCorr(m)$zi), when it has some */
  readonly varcorr?: VarCorrEntry[];
  /** their terms (system order) and θ */
  readonly terms?: readonly SysTerm[];
  readonly theta?: Float64Array;
  /** their conditional modes per term (system order; level-major, s per level), as the conditional part's ranef */
  readonly modes?: readonly Float64Array[];
  /** the same modes with their conditional SDs (the joint factor's inverse blocks), in formula order */
  readonly ranef?: RanefTable[];
  /** per model row, the part's linear predictor at the estimates (zi: the logit of π, its random effects at their modes; disp: the log dispersion) */
  readonly linear?: Float64Array;
}

/** One fixed-effect row of a GLMM summary: estimate, SE, z and p. */
export interface FixefRow {
  readonly term: string;
  readonly estimate: number;
  readonly se: number;
  readonly statistic: number;
  readonly p: number;
}

/** A fitted GLMM (lme4's glmerMod): fixed effects, variance components, conditional modes, log-likelihood and convergence information. */
export interface FittedGLMM {
  readonly kind: "glmm";
  readonly family: string;
  readonly link: string;
  readonly method: string;
  readonly nAGQ: number;
  readonly nobs: number;
  readonly xnames: readonly string[];
  readonly beta: Float64Array;
  readonly vcov: Float64Array;
  readonly fixef: FixefRow[];
  readonly theta: Float64Array;
  readonly terms: readonly SysTerm[];
  readonly logLik: number;
  readonly df: number;
  readonly AIC: number;
  readonly BIC: number;
  readonly deviance: number;
  readonly varcorr: VarCorrEntry[];
  readonly ranef: RanefTable[];
  readonly nbSize: number | null;
  readonly dispersion: number;
  readonly singular: boolean;
  readonly converged: boolean;
  readonly warnings: string[];
  /** the factorization of the penalized system */
  readonly solver: SolverInfo;
  readonly fitted: Float64Array;
  readonly eta: Float64Array;
  readonly evaluations: number;
  /** curvature of the Laplace approximation (GLMMOptions.information) */
  readonly information: "expected" | "observed";
  /** the iterative route: Monte Carlo standard error of logLik (stochastic log-determinant) */
  readonly logLikMCSE?: number;
  /** fixed effects whose estimates diverge (separation): no standard error */
  readonly diverging: readonly string[];
  /** zero-inflation (hurdle: zero) model, when there is one */
  readonly zi?: SideFit | null;
  /** dispersion model (the extended likelihood's families), log link */
  readonly disp?: SideFit | null;
  /** hurdle model (truncated count) */
  readonly hurdle?: boolean;
  /**
   * with a zero-inflation or dispersion part: the joint covariance of the conditional β, the zi and
   * the dispersion coefficients in that order (glmmTMB's vcov(full = TRUE) without the θ rows),
   * column-major; NaN for coefficients without a standard error. Its β block is the Hessian's, as vcov.
   */
  readonly vcovJoint?: Float64Array;
  /** the zero-inflation part at its boundary (π → 0): rows affected and the LRT without it */
  readonly ziBoundary?: { rows: number; lrt: { statistic: number; df: number; p: number; logLikWithout: number } };
  /** the extended families' own parameters (beta φ, tweedie φ and power, ordinal thresholds), natural scale */
  readonly familyParams?: FamilyParam[];
  /** the same parameters as the unconstrained coordinates (FamilyExtra.with takes them) */
  readonly familyExtra?: Float64Array;
}

export interface FamilyParam {
  readonly name: string;
  readonly estimate: number;
  /** by the delta method from the Hessian in the unconstrained coordinates (NaN without one) */
  readonly se: number;
}

/** a Hessian from Newton's iterations: `stale` when taken too far from the result for standard errors */
type NewtonHessian = HessianResult & { readonly stale?: boolean };

/** the outer parameters beside θ and β: an NB size, a dispersion, or a family's own (extended.ts) */
type ExtraKind = "none" | "nbsize" | "dispersion" | "ext" | "family";

/** Standard errors above this (deviance scale, the largest) get the refined Hessian (refinedHessian). */
const REFINE_SE = 1;

/** The largest standard error √(2·H⁻¹_kk) over k parameters (deviance-scale Hessian). */
function maxStandardError(inv: NonNullable<ReturnType<typeof activeInverse>>, k: number): number {
  let m = 0;
  for (let j = 0; j < k; j++) m = Math.max(m, Math.sqrt(2 * inv.get(j, j)));
  return m;
}

/**
 * Whether the deviance curves down in θ from a point with θ on its lower bounds where it is flat
 * (a zero gradient on the bound): the θ block over the free and the flat fixed coordinates is
 * then not positive definite. At Λ = 0 every first derivative vanishes (the deviance depends on
 * ΛΛᵀ), so a term whose variance the data want can sit there with a zero gradient.
 */
function curvesDown(h: HessianResult, fixed: readonly number[], nth: number): boolean {
  const K = h.gradient.length;
  const flat = fixed.filter((k) => k < nth && Math.abs(h.gradient[k]) < 1e-3);
  if (flat.length === 0) return false;
  const idx = [...Array(nth).keys()].filter((k) => !fixed.includes(k) || flat.includes(k));
  const m = idx.length;
  const B = new Float64Array(m * m);
  let scale = 0;
  for (const k of idx) scale = Math.max(scale, Math.abs(h.hessian[k * (K + 1)]));
  for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) B[a + b * m] = h.hessian[idx[a] + idx[b] * K] + (a === b ? 1e-6 * scale : 0);
  return cholLower(B, m) >= 0;
}

/** The GLMM engine (lme4's glmer): Laplace or adaptive Gauss–Hermite likelihood with PIRLS for the conditional modes, optimized in lme4's two stages. */
export class GeneralizedLinearMixedModel {
  /** the model structure (X, Z, terms) from the formula */
  readonly ms: ModelStructure;
  /** the random-effect terms in the system's order */
  readonly terms: SysTerm[];
  /** the zero-inflation model's random-effect terms (their θ follow the conditional terms') */
  readonly ziTerms: SysTerm[];
  /** PIRLS working storage shared by the fit's evaluations */
  readonly state: GLMMState;
  /** quadrature points (1 = Laplace) */
  readonly nAGQ: number;
  /** the outer parameter beside θ and β, if any (NB size, dispersion, a family's own) */
  readonly extra: ExtraKind;
  /** how many outer coordinates the extra parameters take */
  readonly nExtra: number;
  /** the response family and link */
  readonly family: Family;
  /** analytic ∂D/∂β for stage 2, when the family and terms allow it (without random effects: exact, with the Hessian) */
  readonly gradient: LaplaceGradient | FixedGradient | null;
  /** deviance evaluations so far */
  evaluations = 0;
  /** the last fit's optimum in the stage-2 coordinates (θ̃, β, extra): a nearby model's warm start */
  optimum: Float64Array | null = null;
  /** warnings about the input, reported with the fit */
  private readonly inputWarnings: string[] = [];
  /** the original X when ms.X is standardized: which rows each fixed effect touches (separation) */
  zeroPattern: Float64Array | null = null;
  private readonly onProgress?: (info: ProgressInfo) => void;
  private stage = "stage 1";
  /** without random effects: stage 1 runs (Newton from the start failed) */
  private stage1Needed = false;
  /** stage 1 holds zero-inflation logits that head to −∞ at their limit (off for the retry when that misled it) */
  private ziHold = true;
  /** Σ over rows of the constant c_i = log p(y_i | μ = y_i) is not used: we use full densities. */

  constructor(ms: ModelStructure, options: GLMMOptions) {
    const fam = typeof options.family === "string" ? makeFamily(options.family, options.link) : options.family;
    if (!ms.response) throw new UserError("a GLMM needs a response (left-hand side of the formula)");
    // (the extended likelihood's family/link checks first: they say what to change)
    const spec = options.zi || options.disp || options.hurdle || options.extended || fam.name === "nbinom1" ? extendedSpec(fam, ms.n, options) : null;
    // (the extended likelihood without random effects: the Laplace objective is the likelihood itself, as glmmTMB's)
    if (ms.reTerms.length === 0 && !spec && !fam.extra) throw new UserError("the formula has no random-effect terms such as (1 | group)");
    this.ms = ms;
    this.family = fam;
    this.onProgress = options.onProgress;
    const { y, prior, warnings } = glmmResponse(ms, fam, options.weights);
    this.inputWarnings.push(...warnings);
    // dense known covariances in precision form: no q³ product per PIRLS step
    const { terms, system } = termsAndSystem(ms.reTerms, ms.n, ms.p, { densePrecision: true }, undefined, options.flopBudget);
    this.terms = terms;
    this.ziTerms = spec?.zi?.reTerms?.length ? ziSysTerms(spec.zi.reTerms, this.terms) : [];
    // the prebuilt system has the conditional terms only: with zi terms the state builds its own
    this.state = new GLMMState(ms, this.terms, fam, y, prior, this.ziTerms, this.ziTerms.length ? undefined : system);
    if (fam.extra) this.checkExtendedResponse(fam, y, options.weights !== undefined);
    // the observed information by default (glmmTMB); it matters only for non-canonical links
    this.state.observedInformation = (options.information ?? "observed") === "observed";
    this.nAGQ = options.nAGQ ?? 1;
    if (this.nAGQ > 1 && (this.terms.length !== 1 || this.terms[0].s !== 1 || this.terms[0].kfac !== null || this.terms[0].tree !== null || this.terms[0].kprec !== null))
      throw new UserError(`--nagq ${this.nAGQ} needs a single scalar random-effect term such as (1 | group); use --nagq 1 (Laplace)`);
    if (this.nAGQ < 1 || this.nAGQ > 100 || !Number.isInteger(this.nAGQ)) throw new UserError(`--nagq must be an integer from 1 to 100`);
    this.extra = fam.extra ? "family" : fam.name === "negative_binomial" ? "nbsize" : fam.estimatesDispersion ? "dispersion" : "none";
    if (spec) {
      this.state.ext = new ExtendedLikelihood(spec, y);
      if (this.nAGQ > 1) throw new UserError("--nagq > 1 is not available with --zi, --disp, hurdle or nbinom1 families; use --nagq 1 (Laplace)");
      this.extra = "ext";
    }
    this.nExtra = this.extra === "none" ? 0 : this.extra === "family" ? fam.extra!.start(y, prior).length : this.extra === "ext" ? this.state.ext!.nPar : 1;
    const analytic = options.analyticGradient !== false;
    this.gradient = analytic && fixedGradientSupported(this.state) ? new FixedGradient(this.state) : analytic && analyticGradientSupported(this.state, this.nAGQ) ? new LaplaceGradient(this.state) : null;
  }

  /** the exact gradient and Hessian of a model without random effects, when they are in use */
  private get exactFixed(): FixedGradient | null {
    return this.gradient instanceof FixedGradient ? this.gradient : null;
  }

  private setExtra(v: ArrayLike<number>): void {
    if (this.extra === "ext") this.state.ext!.setParams(v);
    else if (this.extra === "nbsize") this.state.family = this.family.withSize!(Math.exp(v[0]));
    else if (this.extra === "dispersion") this.state.phi = Math.exp(v[0]);
    else if (this.extra === "family") this.state.family = this.family.extra!.with(v);
  }

  /** the response checks of the extended families (the binomial-type trials come in as prior weights) */
  private checkExtendedResponse(fam: Family, y: Float64Array, weighted: boolean): void {
    const { ms } = this;
    const name = ms.response!.name;
    const bad = (i: number, what: string) => new UserError(`family ${fam.name} needs ${what}; data row ${ms.rows[i] + 1} of '${name}' is ${y[i]}`);
    for (let i = 0; i < y.length; i++) {
      if (fam.name === "beta" && !(y[i] > 0 && y[i] < 1)) throw bad(i, "a response strictly between 0 and 1");
      if (fam.name === "tweedie" && !(y[i] >= 0)) throw bad(i, "a non-negative response");
      if (fam.name === "ordinal" && !(y[i] >= 1 && Number.isInteger(y[i]))) throw bad(i, "an ordered category (1, 2, ...)");
    }
    if (fam.name === "betabinomial") {
      if (ms.response!.kind !== "cbind") throw new UserError("family betabinomial needs a cbind(successes, failures) response");
      if (weighted) throw new UserError("family betabinomial takes its trials from cbind(successes, failures); --weights is not supported with it");
    }
  }

  /**
   * −2 log-likelihood (Laplace or AGQ) at θ with β either estimated by PIRLS (stage 1) or fixed.
   */
  deviance(theta: ArrayLike<number>, beta: Float64Array | null): number {
    this.evaluations++;
    const st = this.state;
    if (beta) st.beta.set(beta);
    const r = st.pirls(theta, beta === null);
    if (!Number.isFinite(r.pdev)) return Infinity;
    const sys = beta === null ? st.sysBeta : st.sysU;
    if (!sys.ok) return Infinity;
    const d = this.nAGQ > 1 ? this.agqDeviance() : st.minus2LogDensity() + st.sqrU() + sys.logdetZ();
    this.onProgress?.({ stage: this.stage, evaluations: this.evaluations, objective: d });
    return d;
  }

  /** Adaptive Gauss–Hermite quadrature for one scalar term, around the PIRLS mode. */
  private agqDeviance(nodesCount = this.nAGQ): number {
    const st = this.state;
    const t = this.terms[0];
    const nl = t.nl;
    const refs = t.term.refs, zz = t.term.z;
    const th = t.lambda[0];
    const L = st.sysU.ok ? st.sysU.L00 : st.sysBeta.L00;
    const { nodes, weights } = gaussHermite(nodesCount);
    const K = nodes.length;
    const fam = st.family;
    const n = st.n;
    // log-sum per level and node
    const acc = new Float64Array(nl * K);
    const etaHat = st.eta;
    for (let i = 0; i < n; i++) {
      if (st.prior[i] === 0) continue;
      const l = refs[i];
      const sd = 1 / L[l];
      const dz = zz[i] * th * Math.SQRT2 * sd;
      for (let k = 0; k < K; k++) {
        const eta = etaHat[i] + dz * nodes[k];
        acc[l * K + k] += fam.logDensityEta(st.y[i], eta, st.prior[i], st.phi);
      }
    }
    let total = 0;
    for (let l = 0; l < nl; l++) {
      const uh = st.u[l];
      const sd = 1 / L[l];
      let mx = -Infinity;
      const terms = new Float64Array(K);
      for (let k = 0; k < K; k++) {
        const uk = uh + Math.SQRT2 * sd * nodes[k];
        const v = Math.log(weights[k]) + nodes[k] * nodes[k] + acc[l * K + k] - (uk * uk) / 2;
        terms[k] = v;
        if (v > mx) mx = v;
      }
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp(terms[k] - mx);
      total += mx + Math.log(s) + Math.log(Math.SQRT2 * sd) - 0.5 * Math.log(2 * Math.PI);
    }
    return -2 * total;
  }

  /** Fit in lme4's two stages (θ with β inside PIRLS, then θ and β jointly) and summarize. */
  fit(options: GLMMOptions): FittedGLMM {
    const st = this.state;
    // θ: the conditional terms', then the zero-inflation terms'
    const terms = [...this.terms, ...this.ziTerms];
    const nth = terms.reduce((a, t) => a + t.ntheta, 0);
    const p = this.ms.p;
    const warnings: string[] = [...this.inputWarnings];
    const maxfun = options.maxfun ?? 20000;
    // starting β: a GLM fit (θ = 0 makes PIRLS an IRLS for β)
    let extra0: Float64Array = new Float64Array(this.nExtra);
    if (this.extra === "nbsize") extra0[0] = Math.log(this.momentSize());
    if (this.extra === "ext") extra0 = this.extendedStart(false);
    if (this.extra === "family") extra0 = this.family.extra!.start(st.y, st.prior);
    this.setExtra(extra0);
    st.initialize();
    if (this.extra === "nbsize") {
      // the size from the GLM fit's residuals (the marginal variance above also holds the covariates' effects)
      extra0[0] = Math.log(this.residualSize());
      this.setExtra(extra0);
    }
    if (this.extra === "ext") {
      extra0 = this.extendedStart(true);
      this.setExtra(extra0);
    }
    const ne = extra0.length;
    // the optimizers move θ̃, the factors of standardized random-effect columns (theta-scaling.ts)
    const tmap = standardizeRandom(terms);
    const th = (x: Float64Array) => (tmap ? tmap.toTheta(x) : x);
    // ---- stage 1: θ (and the extra parameter) with β inside PIRLS
    const lower1 = thetaLower(terms);
    const th0 = thetaStart(terms);
    const hasExtra = ne > 0;
    const x1 = hasExtra ? Float64Array.from([...th0, ...extra0]) : th0;
    const extLimit = this.extendedLimits();
    const lo1 = hasExtra ? Float64Array.from([...lower1, ...extLimit.map((v) => -v)]) : lower1;
    const upper1 = thetaUpper(terms);
    const up1 = hasExtra ? Float64Array.from([...upper1, ...extLimit]) : upper1;
    // the modes and β at the best point so far: stage 2 starts from them without evaluating it again
    let best1 = { f: Infinity, x: x1, u: st.u, beta: st.beta };
    const f1 = (x: Float64Array) => {
      if (hasExtra) this.setExtra(x.subarray(nth));
      const v = this.laplaceStage1(th(x).subarray(0, nth));
      if (v < best1.f) best1 = { f: v, x: Float64Array.from(x), u: Float64Array.from(st.u), beta: Float64Array.from(st.beta) };
      return v;
    };
    // A zero-inflation logit heading to −∞ (π → 0 for its rows) leaves the deviance flat along it
    // and BOBYQA crawls after it (ZINB2 on Salamanders: 500 of 980 evaluations for 0.5 deviance
    // units). Once the best point has one below ZI_HOLD it is held at its limit and BOBYQA goes on
    // over the others (newtonAtZiLimit finishes the same way; ziHoldJustified checks the result).
    const ziOff = this.extra === "ext" ? nth : -1;
    const pz = ziOff >= 0 ? this.state.ext!.pz : 0;
    const loS = Float64Array.from(lo1), upS = Float64Array.from(up1);
    // (a logit drifts when it is below ZI_HOLD and so is every row's fixed zi predictor it enters:
    // an intercept that goes down while a contrast comes up keeps some rows' π)
    const drifting = (x: Float64Array) => {
      const out: number[] = [];
      for (let k = ziOff; k < ziOff + pz; k++) if (x[k] < ZI_HOLD && loS[k] < upS[k] && this.ziRowsBelow(x.subarray(ziOff, ziOff + pz), k - ziOff)) out.push(k);
      return out;
    };
    const f1h = pz > 0 && this.ziHold ? (x: Float64Array) => {
      const prev = best1.f;
      const v = f1(x);
      if (v < prev && drifting(x).length > 0) throw new ZiDrift();
      return v;
    } : f1;
    let r1!: ReturnType<typeof bobyqa>;
    let start1 = x1;
    const ev1 = this.evaluations;
    const warm = options.start?.x.length === nth + p + ne ? options.start.x : null;
    const fromStart = !warm && this.exactFixed !== null && !this.stage1Needed;
    // (a start far from its own optimum costs Newton more steps than stage 1 would: the full fit)
    if (warm && !(this.objective2(th(warm), nth, p) < options.start!.maxDeviance)) return this.fit({ ...options, start: undefined });
    const f2 = (x: Float64Array) => this.objective2(th(x), nth, p);
    // With the analytic gradient over β and the zi/dispersion coefficients (θ by differences),
    // stage 1 can run BFGS on the stage-2 deviance itself (quasiStage1): from two outer
    // coefficients beside θ (dispersion formulas, hurdles) that costs half of BOBYQA's evaluations
    // over (θ, extra) or less. Zero-inflated models keep BOBYQA until a logit drifts (below): from
    // the start BFGS lands in a worse local optimum of Salamanders' ZINB2 (glmmTMB's, 2.4 lower).
    const quasi = !warm && this.extra === "ext" && this.ziTerms.length === 0 && this.gradient !== null && this.gradient.size === p + ne;
    const zeroInflated = pz > 0 && !this.state.ext!.spec.hurdle;
    // stage 1's β when BFGS found it (stage-2 layout), and the stage-1 layout of such a point
    let beta1q = null as Float64Array | null;
    const outer = (x: Float64Array) => Float64Array.from([...x.subarray(0, nth), ...x.subarray(nth + p)]);
    const runQuasi = (x0: Float64Array) => {
      const q = this.quasiStage1(f2, x0, loS, upS, lower1, upper1, nth, p, pz > 0 && this.ziHold ? (x) => drifting(outer(x)) : null);
      for (const k of q.held) loS[k] = upS[k] = lo1[k];
      r1 = { x: outer(q.x), fval: q.f, nfev: q.nfev, converged: q.converged, message: q.message };
      beta1q = q.x.slice(nth, nth + p);
    };
    const joined = (x: Float64Array, beta: Float64Array) => Float64Array.from([...x.subarray(0, nth), ...beta, ...x.subarray(nth)]);
    // (a warm start: its θ and extra stand for stage 1's result, its β for stage 1's below)
    if (warm) r1 = { x: Float64Array.from([...warm.subarray(0, nth), ...warm.subarray(nth + p)]), fval: NaN, nfev: 0, converged: true, message: "warm start" };
    // (no random effects, exact Hessians: Newton from the GLM start and the moment-based extras;
    // the full route when it fails)
    else if (fromStart) r1 = { x: x1, fval: NaN, nfev: 0, converged: true, message: "no random effects" };
    else if (quasi && !zeroInflated && ne >= 2) runQuasi(joined(x1, st.beta));
    else for (;;) {
      try {
        r1 = bobyqa(f1h, start1, { lower: loS, upper: upS, rhobeg: 0.2, rhoend: 1e-2, maxfun: maxfun - (this.evaluations - ev1) });
        break;
      } catch (e) {
        if (!(e instanceof ZiDrift)) throw e;
        start1 = Float64Array.from(best1.x);
        for (const k of drifting(start1)) start1[k] = loS[k] = upS[k] = lo1[k];
        // (the held point's own value: it may lie above the drifting one's)
        best1 = { ...best1, f: Infinity };
        // with the gradient, BFGS from the held point instead of BOBYQA's rebuilt model around it
        // (ZINB2 on Salamanders: 115 evaluations from the hold to BOBYQA's stop, 6 to BFGS's)
        if (quasi) {
          f1(start1);
          runQuasi(joined(start1, st.beta));
          break;
        }
      }
    }
    const held1 = pz > 0 && loS.some((v, k) => k >= ziOff && v === upS[k]);
    if (!r1.converged) warnings.push(`the optimizer did not converge in stage 1 (${r1.message})`);
    if (!beta1q && best1.x.every((v, k) => v === r1.x[k])) {
      if (hasExtra) this.setExtra(r1.x.subarray(nth));
      st.u = Float64Array.from(best1.u);
      st.beta = Float64Array.from(best1.beta);
      // (a warm start: its check left the state at it; stage 1's PIRLS β block serves only schurStart, null with this gradient)
    } else if (!beta1q && !(warm && this.gradient && this.gradient.size > p)) f1(r1.x);
    const beta1 = warm ? Float64Array.from(warm.subarray(nth, nth + p)) : beta1q ?? Float64Array.from(st.beta);
    // lme4's stage-2 deviance restarts PIRLS from the stage-1 linear predictor (its lp0)
    const u1 = Float64Array.from(st.u);
    const lp0 = this.lme4Curvature() && options.vcov !== "laplace" ? st.linearPredictor(th(r1.x).subarray(0, nth), u1, beta1) : null;
    // ---- stage 2: (θ, β, extra) jointly, PIRLS over u
    const x2 = new Float64Array(nth + p + ne);
    x2.set(r1.x.subarray(0, nth), 0);
    x2.set(beta1, nth);
    if (hasExtra) x2.set(r1.x.subarray(nth), nth + p);
    const lo2 = new Float64Array(x2.length).fill(-Infinity);
    lo2.set(lower1, 0);
    lo2.set(lo1.subarray(nth), nth + p);
    const up2 = new Float64Array(x2.length).fill(Infinity);
    up2.set(upper1, 0);
    up2.set(up1.subarray(nth), nth + p);
    this.stage = "stage 2";
    // Stage 2 by Newton's method on the finite-difference Hessian that the standard errors need
    // anyway (stage 1 lands close, so one or two steps suffice); BOBYQA when Newton cannot be used
    // (a θ on its boundary that wants to leave it, an indefinite Hessian, no decrease).
    let h: NewtonHessian | null = null;
    let xs: Float64Array;
    let fval: number;
    let converged = r1.converged;
    // (with lme4's vcov the standard errors come from its own Hessian taken at the result)
    const lme4Se = lp0 !== null && !options.noHessian;
    // (with logits held in stage 1 the full Hessian is singular along them: straight to the held Newton)
    const stage2Newton = () => held1 ? this.newtonAtZiLimit(f2, x2, lo2, up2, nth, p, true) : this.newton(f2, x2, lo2, up2, nth, this.schurStart(p), lme4Se, null, warm !== null && options.noHessian === true) ?? (warm ? null : this.newtonAtZiLimit(f2, x2, lo2, up2, nth, p));
    // Newton does not start where BFGS stopped with a θ on its bound (at Λ = 0 the gradient
    // vanishes, and a rounding of −3e-9 "wants to leave" it: NB2 with (x | g) on sim_heterosced)
    // or an indefinite Hessian: stage 1's BOBYQA from there, as without the gradient, then Newton
    // (θ on a bound from inside it: from the bound BOBYQA's interpolation points keep it there)
    const bobyqaStage1 = () => {
      const xo = outer(x2);
      for (let k = 0; k < nth; k++) if (xo[k] === loS[k]) xo[k] += 0.05;
      const rb = bobyqa(f1, xo, { lower: loS, upper: upS, rhobeg: 0.05, rhoend: 1e-2, maxfun });
      f1(rb.x);
      x2.set(rb.x.subarray(0, nth), 0);
      x2.set(st.beta, nth);
      x2.set(rb.x.subarray(nth), nth + p);
    };
    const onBound = beta1q !== null && x2.subarray(0, nth).some((v, k) => v === lower1[k]);
    if (onBound) bobyqaStage1();
    let nw = stage2Newton();
    if (!nw && beta1q && !onBound) {
      bobyqaStage1();
      nw = stage2Newton();
    }
    if (!nw && warm) {
      this.stage = "stage 1";
      return this.fit({ ...options, start: undefined });
    }
    if (!nw && fromStart) {
      this.stage = "stage 1";
      this.stage1Needed = true;
      return this.fit(options);
    }
    if (nw) {
      xs = nw.x; fval = nw.f; h = nw.h;
    } else {
      // BOBYQA in coordinates scaled by each parameter's rough standard error, so one trust
      // region radius suits all of them
      const scale = this.stage2Scales(x2, nth, p, hasExtra);
      const toX = (xt: Float64Array) => {
        const x = new Float64Array(xt.length);
        for (let k = 0; k < xt.length; k++) x[k] = x2[k] + scale[k] * xt[k];
        return x;
      };
      const loT = new Float64Array(x2.length);
      const upT = new Float64Array(x2.length);
      for (let k = 0; k < x2.length; k++) {
        loT[k] = Number.isFinite(lo2[k]) ? (lo2[k] - x2[k]) / scale[k] : -Infinity;
        upT[k] = Number.isFinite(up2[k]) ? (up2[k] - x2[k]) / scale[k] : Infinity;
      }
      // BOBYQA in rounds of 100 evaluations per coordinate; after a round that has not converged,
      // Newton from its best point (with the boundary checks): near a boundary BOBYQA can crawl
      // for thousands of evaluations where Newton, once close, finishes in a few steps
      const fT = (xt: Float64Array) => f2(toX(xt));
      const round = 100 * x2.length;
      let r2 = bobyqa(fT, new Float64Array(x2.length), { lower: loT, upper: upT, rhobeg: 0.5, rhoend: 1e-5, maxfun: Math.min(round, maxfun) });
      let used = r2.nfev;
      let nw2: ReturnType<typeof this.newton> = null;
      while (!r2.converged && used < maxfun) {
        nw2 = this.newton(f2, toX(r2.x), lo2, up2, nth);
        if (nw2 && nw2.f <= r2.fval) break;
        nw2 = null;
        r2 = bobyqa(fT, r2.x, { lower: loT, upper: upT, rhobeg: 0.05, rhoend: 1e-5, maxfun: Math.min(round, maxfun - used) });
        used += r2.nfev;
      }
      if (nw2) {
        xs = nw2.x; fval = nw2.f; h = nw2.h;
      } else {
        xs = toX(r2.x);
        fval = r2.fval;
        converged &&= r2.converged;
        if (!r2.converged) warnings.push(`the optimizer did not converge (${r2.message}); try rescaling covariates`);
        // snap tiny θ to the boundary when that costs nothing
        const snapped = Float64Array.from(xs);
        let snappedAny = false;
        for (let k = 0; k < nth; k++) if (lo2[k] === 0 && snapped[k] > 0 && snapped[k] < 1e-4) { snapped[k] = 0; snappedAny = true; }
        if (snappedAny) {
          const fs = f2(snapped);
          if (fs <= fval + 1e-6) { xs = snapped; fval = fs; }
        }
      }
    }
    // a logit held in stage 1 must not want to come back from its limit: else the unheld route
    if (held1 && !this.ziHoldJustified(f2, xs, fval, lo2, nth + p, pz)) {
      this.ziHold = false;
      return this.fit(options);
    }
    // ---- standard errors from the Hessian in (θ, β[, extra]), as lme4 (and glmmTMB's sdreport)
    let vcov = new Float64Array(p * p).fill(NaN);
    let diverging: number[] = [];
    let sideInv: ReturnType<typeof activeInverse> = null;
    const ne2 = this.extra === "family" ? ne : 0;
    const vExtra = new Float64Array(ne2 * ne2).fill(NaN);
    if (!options.noHessian) {
      // (with the extended likelihood's analytic block: 1 + k evaluations and the θ pairs instead of k²)
      h ??= this.gradient && this.extra === "ext" ? this.hessianAnalytic(f2, xs, nth, null) : hessianFD(f2, xs);
      // (the exact Hessian has no step to refine)
      if (this.extra === "ext" && !this.exactFixed) h = this.refinedHessian(f2, xs, h, lo2, nth);
      // zero-inflation coefficients held at their limit (π → 0 or 1 for their rows): no SE
      const atLimit: number[] = [];
      for (let k = nth + p; k < xs.length; k++) if (Math.abs(xs[k]) >= up2[k] - 1e-3) atLimit.push(k);
      let inv = activeInverse(h.hessian, xs, lo2, nth, atLimit);
      // vcov(β) as lme4's (use.hessian = TRUE): its deriv12 Hessian of its own deviance function
      const hl = lp0 ? this.lme4Hessian(th(xs), nth, p, lp0, lo2) : null;
      const invL = hl ? activeInverse(hl, th(xs), lo2, nth) : null;
      // Separation drives some β to ±∞ while the others stay identified: their SEs come from the
      // Hessian with the diverging coordinates held (the rows those touch carry no information).
      diverging = this.divergingTerms(f2, xs, nth, p);
      if (h.stale && (!invL || diverging.length > 0)) {
        // Newton stopped with the Hessian of its last step's start, counting on lme4's: the
        // standard errors need one at the result after all
        h = this.gradient ? this.hessianAnalytic(f2, xs, nth, null) : hessianFD(f2, xs);
        inv = activeInverse(h.hessian, xs, lo2, nth, atLimit);
      }
      if (diverging.length > 0) {
        inv = activeInverse(h.hessian, xs, lo2, nth, [...atLimit, ...diverging.map((j) => nth + j)]);
        warnings.push(divergingWarning(diverging.map((j) => this.ms.xnames[j])));
      }
      sideInv = inv;
      if (inv) {
        const vin = diverging.length === 0 && invL ? invL : inv;
        for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) vcov[a + b * p] = diverging.includes(a) || diverging.includes(b) ? NaN : 2 * vin.get(nth + a, nth + b);
        for (let a = 0; a < ne2; a++) for (let b = 0; b < ne2; b++) vExtra[a + b * ne2] = 2 * inv.get(nth + p + a, nth + p + b);
        // convergence check: scaled gradient H⁻¹g (lme4's check.conv.grad)
        const maxScaled = inv.maxScaledGradient(h.gradient);
        if (maxScaled > 2e-3) {
          warnings.push(`model may not have converged: max|scaled gradient| = ${maxScaled.toPrecision(3)} (> 0.002); try rescaling covariates or a simpler random-effect structure`);
          converged = false;
        }
      } else {
        warnings.push("the Hessian of the deviance is not positive definite: standard errors unavailable; the model may be overparameterized or not converged");
        converged = false;
      }
    }
    this.optimum = Float64Array.from(xs);
    // final state at the optimum
    if (hasExtra) this.setExtra(xs.subarray(nth + p)); // summarize evaluates at xs
    const fitted = this.summarize(th(xs), nth, p, vcov, converged, warnings, diverging);
    if (this.extra === "ext") {
      const side = this.sideFits(xs, nth + p, sideInv);
      if (this.ziTerms.length === 0 || !side.zi) return { ...fitted, ...side, hurdle: options.hurdle ?? false };
      // the zi random effects: θ after the conditional terms' (their λ are set by the last evaluation)
      const nthC = nth - this.ziTerms.reduce((a, t) => a + t.ntheta, 0);
      const zi: SideFit = { ...side.zi, varcorr: varCorr(this.ziTerms, 1), terms: this.ziTerms, theta: Float64Array.from(th(xs).subarray(nthC, nth)), modes: this.state.currentZiB(), ranef: ranefTables(this.ziTerms, this.state.currentZiB(), condVarGLMM(this.state)?.slice(this.terms.length) ?? null) };
      return { ...fitted, ...side, zi, theta: fitted.theta.slice(0, nthC), hurdle: options.hurdle ?? false };
    }
    if (this.extra !== "family") return fitted;
    const familyParams = st.family.extra!.report().map(({ name, estimate, grad }) => {
      let v = 0;
      for (let a = 0; a < ne2; a++) for (let b = 0; b < ne2; b++) v += grad[a] * vExtra[a + b * ne2] * grad[b];
      return { name, estimate, se: Math.sqrt(v) };
    });
    return { ...fitted, familyParams, familyExtra: Float64Array.from(xs.subarray(nth + p)) };
  }

  /**
   * Fixed effects driven to ±∞ by separation: columns of X whose every row with a non-zero entry
   * has y on the boundary of its range (0, or binomial 1) and μ within 1e-6 of it. Only checked
   * when some β moves η by more than 10 (cheap pre-filter: a diverging estimate is large).
   */
  private divergingTerms(f2: (x: Float64Array) => number, xs: Float64Array, nth: number, p: number): number[] {
    const fam = this.family.name;
    if (fam !== "binomial" && fam !== "poisson" && fam !== "negative_binomial") return [];
    const X = this.zeroPattern ?? this.ms.X;
    const n = this.ms.n;
    const cand: number[] = [];
    for (let j = 0; j < p; j++) {
      let mx = 0;
      for (let i = 0; i < n; i++) mx = Math.max(mx, Math.abs(this.ms.X[i + j * n]));
      if (mx * Math.abs(xs[nth + j]) > 10) cand.push(j);
    }
    if (cand.length === 0) return [];
    f2(xs);
    const atBoundary = this.boundaryRows();
    return cand.filter((j) => {
      let touched = 0;
      for (let i = 0; i < n; i++) {
        if (X[i + j * n] === 0) continue;
        if (!atBoundary[i]) return false;
        touched++;
      }
      return touched > 0 && touched < n;
    });
  }

  /**
   * Rows fitted at the boundary of the response's range (y = 0 or binomial 1, μ within 1e-6 of
   * it; or weight 0) at the current state: separation drives them there. Empty for other families.
   */
  boundaryRows(): Uint8Array {
    const fam = this.family.name;
    const { y, mu, prior, n } = this.state;
    const out = new Uint8Array(n);
    if (fam !== "binomial" && fam !== "poisson" && fam !== "negative_binomial") return out;
    for (let i = 0; i < n; i++) out[i] = prior[i] === 0 || (y[i] === 0 && mu[i] < 1e-6) || (fam === "binomial" && y[i] === 1 && 1 - mu[i] < 1e-6) ? 1 : 0;
    return out;
  }

  /**
   * Newton iterations with a finite-difference Hessian from x0; null when they cannot be trusted.
   * Parameters on their lower bound stay there (and must not want to leave it).
   */
  private newton(f: (x: Float64Array) => number, x0: Float64Array, lower: Float64Array, upper: Float64Array, nth: number, betaH: Float64Array | null = null, seElsewhere = false, free: readonly number[] | null = null, noSE = false): { x: Float64Array; f: number; h: NewtonHessian } | null {
    let x: Float64Array = Float64Array.from(x0);
    let fx = f(x);
    if (!Number.isFinite(fx)) return null;
    const p = this.ms.p;
    let atX = true; // the state (modes, factor) is that of x
    // The first step may take the β block from the PIRLS Schur complement (a few percent off the
    // Laplace Hessian: good enough to step with, not for the standard errors). When the standard
    // errors come from elsewhere every step does, as long as it converges fast (the scaled
    // gradient down tenfold a step); then the gradient is polished further below.
    let schur = betaH !== null;
    let lastScaled = Infinity;
    // the last full Hessian, when the next step may take it again (see below)
    let reuse: HessianResult | null = null;
    // the point and gradient the reused Hessian's step left from (its SR1 update), and how many such steps
    let prev: { x: Float64Array; g: Float64Array } | null = null;
    let quasiRun = 0;
    for (let iter = 0; iter < 8 + quasiRun; iter++) {
      let approx = schur && (iter === 0 || seElsewhere);
      const reusing: boolean = reuse !== null && !approx;
      // (when the last evaluation was at x, its state serves the Hessian's base point)
      let h: HessianResult = reusing ? sr1Updated(reuse!, prev, x, gradientForward(f, x, reuse!.hessian)) : this.gradient ? this.hessianAnalytic(f, x, nth, approx ? betaH : null, atX ? fx : undefined, free) : this.hessianWarm(f, x, approx ? betaH : null, nth);
      reuse = null;
      let exact = activeInverse(h.hessian, x, lower, nth);
      // Stage 1 may land so close that the approximate Hessian's decrement (within a few percent of
      // the true one) is already small: then its β block differenced (p(p + 3)/2 + 1 evaluations)
      // makes it the full Hessian the standard errors need, instead of a fresh one (k(k + 3)/2 + 1).
      // (Only for the extended likelihood's models, whose references were checked with it: the
      // result moves within the optimizer's tolerance, which the printed ordinal/tweedie docs show.)
      if (approx && exact && this.extra === "ext" && !seElsewhere && !this.gradient && exact.newtonStep(h.gradient).reduce((a, v, i) => a - v * h.gradient[i], 0) < 5e-3) {
        h = this.withBetaBlock(f, x, h, nth, p);
        exact = activeInverse(h.hessian, x, lower, nth);
        approx = schur = false;
        if (!exact) { atX = false; continue; }
      }
      if (!exact && approx) { schur = false; atX = false; continue; } // the approximate β block does not serve: the full one
      // (the saddle-free step also from the start of a model without random effects: its exact
      // Hessian can be indefinite there, between the GLM start and a zero-inflated optimum)
      const inv = exact ?? (this.ziTerms.length > 0 || this.exactFixed ? dampedInverse(h.hessian, x, lower, nth) : null);
      if (!inv) return null;
      // wants to leave the boundary: downhill, or flat and curving down (at Λ = 0 the deviance is
      // stationary in every direction, as it depends on ΛΛᵀ: only the curvature tells)
      for (const k of inv.fixed) if (h.gradient[k] < 0) return null;
      if (inv.fixed.length > 0 && curvesDown(h, inv.fixed, nth)) return null;
      const scaled = inv.maxScaledGradient(h.gradient);
      if (approx && scaled > 0.1 * lastScaled) schur = false;
      lastScaled = scaled;
      const d = inv.newtonStep(h.gradient);
      let dec = 0;
      for (let k = 0; k < d.length; k++) dec -= h.gradient[k] * d[k];
      let t = 1;
      let xn: Float64Array | null = null;
      let fn = fx;
      for (let ls = 0; ls < 8; ls++, t /= 2) {
        const y = new Float64Array(x.length);
        let feasible = true;
        for (let k = 0; k < x.length; k++) {
          y[k] = x[k] + t * d[k];
          if (y[k] < lower[k] || y[k] > upper[k]) feasible = false;
        }
        if (!feasible) continue;
        const fy = f(y);
        if (fy <= fx + 1e-9 * Math.abs(fx)) { xn = y; fn = fy; break; }
      }
      // Near the optimum a full Newton step leaves an error of order decrement²: with the
      // decrement below 0.01 (deviance units) the step lands within rounding of the optimum, and
      // the Hessian at x (a few hundredths of an SE away) serves the standard errors — provided
      // the variance parameters barely moved: a β's SE scales with θ (an intercept's roughly as
      // θ), so a step of 0.5% in θ would leave 0.5% in the SEs. Those get one more Hessian (when
      // Hessians are cheap, i.e. from the analytic β-gradient) unless the standard errors come
      // from another Hessian taken at the result (`seElsewhere`: lme4's); then h is `stale`.
      // Coordinates in the analytic block (the extended likelihood's zi and dispersion
      // coefficients besides β) do not hold the stop: a zi part drifting to its boundary moves its
      // logits by units along a flat direction at every step; the result is `stale` then, and
      // fit() takes the Hessian at it (1 + k evaluations and the θ pairs).
      // (`noSE`: no standard errors wanted, only the optimum: from a decrement of 0.1 the gradient
      // passes below, each k + 1 evaluations, finish what another Hessian would)
      if (exact && dec < (noSE ? 0.1 : 1e-2) && (t === 1 || dec < 1e-7) && (!approx || seElsewhere) && (!xn || !this.gradient || seElsewhere || noSE || smallStep(x, xn, nth, this.analyticBlock(nth, free).nb))) {
        let xf = xn && fn <= fx ? xn : x;
        let ff = xn && fn <= fx ? fn : fx;
        // the gradient where we stop (for the convergence check); polish with the same Hessian
        // while it still points somewhere (each pass costs 2k evaluations, a Hessian k²).
        // f(xf) is known, and current in the state when xf was the last point evaluated.
        const block = this.gradient ? this.analyticBlock(nth, free) : null;
        const grad = (xg: Float64Array, fg: number | null) => (block ? gradientMixed(f, block.grad, xg, h.hessian, nth, block.nb, fg) : gradientForward(f, xg, h.hessian));
        let g = grad(xf, xf === xn ? ff : null);
        // (without the last Hessian, or with the approximate one, polish further: another Newton
        // step would have left ~1e-8)
        const polishTol = seElsewhere || noSE ? 1e-6 : 1e-4;
        let slow = false;
        // (the previous Hessian converges linearly, at a rate of about 0.2 on Salamanders' ZINB2
        // with zi random effects: more passes, each k + 1 evaluations against a Hessian's k²/2)
        for (let polish = 0; polish < (seElsewhere || reusing || noSE ? 6 : 3) && inv.maxScaledGradient(g) > polishTol; polish++) {
          if ((approx || reusing) && polish > 0 && inv.maxScaledGradient(g) > (reusing ? 0.5 : 0.1) * lastScaled) { slow = true; break; }
          lastScaled = inv.maxScaledGradient(g);
          const dd = inv.newtonStep(g);
          const y = new Float64Array(xf.length);
          let feasible = true;
          for (let k = 0; k < y.length; k++) {
            y[k] = xf[k] + dd[k];
            if (y[k] < lower[k] || y[k] > upper[k]) feasible = false;
          }
          const fy = feasible ? f(y) : Infinity;
          if (!(fy <= ff)) break;
          xf = y;
          ff = fy;
          g = grad(xf, ff);
        }
        // (the previous Hessian must have polished the gradient away: else a fresh one from here)
        if ((reusing || noSE) && inv.maxScaledGradient(g) > polishTol) slow = true;
        // (the exact Hessian without random effects costs one evaluation: always taken at the result)
        if (!slow) return { x: xf, f: ff, h: { ...h, gradient: g, stale: approx || reusing || (this.gradient !== null && !smallStep(x, xf, nth, p)) || (this.exactFixed !== null && xf !== x) } };
        // the approximate (or previous) Hessian converges slowly here: on from the polished point with a fresh full one
        schur = false;
        x = xf;
        fx = ff;
        atX = false;
        continue;
      }
      if (!xn) {
        // no decrease along the approximate (or previous) Hessian's step: retry with a fresh full one
        if (approx || reusing) { schur = false; atX = false; continue; }
        return null;
      }
      // A whole step with a small decrement ends in the quadratic region, where this Hessian
      // still serves the last step and polish when the standard errors take a fresh one at the
      // result anyway (refinedHessian: standard errors above a unit): a forward gradient (k
      // evaluations) instead of a Hessian (k²/2). The result is `stale`: if the refined Hessian
      // is not taken after all, fit() takes one at the result.
      // On a non-convex stretch (an indefinite Hessian, or a step cut short) the same holds once the
      // Hessian is updated between steps (SR1, which may stay indefinite): up to QUASI_STEPS
      // gradients of k + 1 evaluations each instead of fresh Hessians of k²/2.
      const quasi = !approx && inv.fixed.length === 0 && this.ziTerms.length > 0 && !this.gradient && !seElsewhere && maxStandardError(inv, x.length) > REFINE_SE;
      if (quasi && !reusing && exact && t === 1 && dec < 0.1) reuse = h;
      else if (quasi && (!exact || t < 1 || reusing) && quasiRun < QUASI_STEPS) { reuse = h; quasiRun++; }
      if (reuse) prev = { x, g: h.gradient };
      x = xn;
      fx = fn;
      atX = true;
    }
    return null;
  }

  /** h with its β block replaced by forward differences at x (hessianWarm over β alone) */
  private withBetaBlock(f: (x: Float64Array) => number, x: Float64Array, h: HessianResult, nth: number, p: number): HessianResult {
    const k = x.length;
    const fb = (b: Float64Array) => {
      const y = Float64Array.from(x);
      y.set(b, nth);
      return f(y);
    };
    const hb = this.hessianWarm(fb, x.slice(nth, nth + p)).hessian;
    const H = Float64Array.from(h.hessian);
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) H[nth + a + (nth + b) * k] = hb[a + b * p];
    return { ...h, hessian: H };
  }

  /**
   * Whether lme4's glmer is the reference for the curvature: Laplace, no dispersion or size
   * parameter, and Fisher's information (canonical links, or information = "expected").
   */
  private lme4Curvature(): boolean {
    if (this.nAGQ !== 1 || this.extra !== "none") return false;
    const f = this.family;
    const canonical = (f.name === "binomial" && f.link.name === "logit") || (f.name === "poisson" && f.link.name === "log");
    return canonical || !this.state.observedInformation;
  }

  /**
   * The Hessian that lme4's vcov inverts: central differences (as its deriv12, to O(δ²); the
   * cross terms from two points instead of four) of the deviance as lme4 evaluates it
   * (GLMMState.laplaceLme4, from lp0). Null when a θ lies within δ of its bound
   * (lme4's one-sided differences there are not worth copying), an evaluation fails, or the
   * k² + k + 1 evaluations (less two per separable pair of fixed effects) would cost more than
   * 1e8 row-evaluations. Where points share a θ (θ̂, and with the analytic mode sensitivities each
   * one-coordinate step in θ) their first PIRLS iterate comes from one affine map in β.
   * The β block is taken in the fit's internal (possibly standardized) coordinates: the result
   * is the same Hessian, to the O(δ²) of the differences.
   */
  private lme4Hessian(xs: Float64Array, nth: number, p: number, lp0: Float64Array, lower: Float64Array): Float64Array | null {
    for (let k = 0; k < nth; k++) if (xs[k] - 1e-4 < lower[k]) return null;
    const k = xs.length;
    const zero = separableColumns(this.ms, this.terms);
    const skip = zero ? (i: number, j: number) => i >= nth && zero(i - nth, j - nth) : undefined;
    // PIRLS runs (k² + k + 1 less the separable pairs): beyond ~1e8 row-evaluations the exact
    // Laplace Hessian stands in
    let pairs = 0;
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) if (!skip?.(i, j)) pairs++;
    if ((1 + 2 * k + 2 * pairs) * this.state.n > 1e8) return null;
    const st = this.state;
    const lg = this.gradient;
    const start = st.lme4Start(lp0, xs.subarray(0, nth), lg ? (j, out) => lg.modeSensitivity(j, out) : null);
    const f = (x: Float64Array) => st.laplaceLme4(x.subarray(0, nth), x.subarray(nth, nth + p), start);
    const h = hessianFD(f, xs, undefined, 1e-4, undefined, skip).hessian;
    // leave the state at the optimum's exact modes for what follows
    this.objective2(xs, nth, p);
    return h.every(Number.isFinite) ? h : null;
  }

  /**
   * 2·L_X L_Xᵀ from the stage-1 factor at its mode: the Hessian of the deviance in β with θ and u
   * profiled as PIRLS sees them (the Schur complement), φ = 1 scale.
   */
  private betaHessianPIRLS(p: number): Float64Array | null {
    const sys = this.state.sysBeta;
    if (!sys.ok || p === 0) return null;
    const H = new Float64Array(p * p);
    const LX = sys.xFactor();
    for (let a = 0; a < p; a++)
      for (let b = 0; b < p; b++) {
        let acc = 0;
        for (let c = 0; c <= Math.min(a, b); c++) acc += LX[a + c * p] * LX[b + c * p];
        H[a + b * p] = (2 * acc) / this.state.phi;
      }
    return H;
  }

  /** Rough standard errors of the stage-2 parameters, for scaling the optimizer's coordinates. */
  private stage2Scales(x2: Float64Array, nth: number, p: number, hasExtra: boolean): Float64Array {
    const sc = new Float64Array(x2.length);
    for (let k = 0; k < nth; k++) sc[k] = Math.max(0.02, 0.1 * Math.abs(x2[k]));
    const sys = this.state.sysBeta;
    const LX = sys.xFactor();
    const V = p > 0 ? cholInverse(LX, p) : new Float64Array(0);
    for (let j = 0; j < p; j++) {
      const se = Math.sqrt(V[j + j * p] * this.state.phi);
      sc[nth + j] = Number.isFinite(se) && se > 0 ? se : 0.1 * Math.max(1, Math.abs(x2[nth + j]));
    }
    // (zero-inflation logits: a unit; their standard errors run from 0.3 to several units)
    const pz = this.extra === "ext" ? this.state.ext!.pz : 0;
    for (let k = nth + p; k < x2.length; k++) sc[k] = k - nth - p < pz ? 1 : 0.1;
    return sc;
  }

  /** stage 1 objective: θ with β from PIRLS (always Laplace, as lme4's nAGQ = 0 stage) */
  private laplaceStage1(theta: ArrayLike<number>): number {
    this.evaluations++;
    const st = this.state;
    // stage 1 only finds a start for stage 2 (to 2e-3 in θ): a looser PIRLS step test suffices
    const r = st.pirls(theta, true, 60, 1e-15, this.state.family.link.name === "log" || this.state.family.link.name === "logit" ? 1e-4 : 1e-7);
    if (!Number.isFinite(r.pdev) || !st.sysBeta.ok) return Infinity;
    const d = st.minus2LogDensity() + st.sqrU() + st.sysBeta.logdetZ();
    this.onProgress?.({ stage: this.stage, evaluations: this.evaluations, objective: d });
    return d;
  }

  /**
   * Stage 1 by BFGS on the stage-2 deviance f2 over x = (θ̃, β, extra) from x0: the analytic
   * gradient of the β/extra block from each accepted point's evaluation, θ by forward differences
   * (nth more). Stops at a predicted decrease of 0.01 (ftol): Newton finishes from there.
   * `loS`/`upS` are the outer (stage-1 layout: θ, extra) bounds, `lower`/`upper` θ's. With
   * `drifting` (outer indices of zero-inflation logits heading to −∞ at a point), those are held at
   * their lower limit from the first accepted point that has one, as stage 1's BOBYQA does; `held`
   * lists them (outer indices).
   */
  private quasiStage1(f2: (x: Float64Array) => number, x0: Float64Array, loS: Float64Array, upS: Float64Array, lower: Float64Array, upper: Float64Array, nth: number, p: number, drifting: ((x: Float64Array) => number[]) | null, ftol = 1e-2): { x: Float64Array; f: number; nfev: number; converged: boolean; message: string; held: number[] } {
    const lg = this.gradient!;
    const K = x0.length;
    // bounds in the stage-2 layout (β free)
    const lo = new Float64Array(K).fill(-Infinity), up = new Float64Array(K).fill(Infinity);
    lo.set(lower, 0);
    up.set(upper, 0);
    lo.set(loS.subarray(nth), nth + p);
    up.set(upS.subarray(nth), nth + p);
    // (BFGS asks for the gradient at the point its line search accepted, just evaluated: the state is at it)
    let last: Float64Array | null = null, lastF = NaN;
    const gb = new Float64Array(lg.size);
    let driftAt: Float64Array | null = null;
    const fg = (x: Float64Array, g: Float64Array | null): number => {
      const v = g && last && last.every((w, k) => w === x[k]) ? lastF : f2(x);
      last = Float64Array.from(x);
      lastF = v;
      if (!g || !Number.isFinite(v)) return v;
      lg.betaGradient(gb);
      g.set(gb, nth);
      for (let k = 0; k < nth; k++) {
        const h = 1e-4 * Math.max(Math.abs(x[k]), 1);
        const y = Float64Array.from(x);
        y[k] += h;
        g[k] = (f2(y) - v) / h;
      }
      last = null;
      if (drifting && drifting(x).length > 0) {
        driftAt = Float64Array.from(x);
        throw new ZiDrift();
      }
      return v;
    };
    const held: number[] = [];
    let start = x0, nfev = 0;
    for (;;) {
      try {
        // (stopOnceScaled: a start near an optimum has a small gradient, which the initial step cap's
        // predicted decrease would take for convergence)
        const r = bfgsBounded(fg, start, { lower: lo, upper: up, ftol, maxit: 500, stopOnceScaled: true });
        return { x: r.x, f: r.fval, nfev: nfev + r.nfev, converged: r.converged, message: r.message, held };
      } catch (e) {
        if (!(e instanceof ZiDrift)) throw e;
        start = driftAt!;
        for (const k of drifting!(start)) {
          held.push(k);
          start[k + p] = lo[k + p] = up[k + p] = loS[k];
        }
        nfev += 1;
      }
    }
  }

  /**
   * hessianForward with PIRLS warm starts predicted to second order: the modes at x + h_i give
   * du/dx_i, and each x + h_i + h_j starts from u₀ + Δu_i + Δu_j, off by O(h²) — so its PIRLS
   * converges in one Newton step instead of two (the pairs are most of the k² evaluations).
   */
  private hessianWarm(f: (x: Float64Array) => number, x0: Float64Array, betaH: Float64Array | null = null, nth = 0): HessianResult {
    const st = this.state;
    let u0 = st.u;
    const du: Float64Array[] = [];
    const p = this.ms.p;
    return hessianForward(f, x0, 1e-4, {
      known: (i, j) => (betaH && i >= nth && j >= nth && i < nth + p && j < nth + p ? betaH[i - nth + (j - nth) * p] : null),
      before: (i, j) => {
        if (i < 0) return;
        if (j < 0) { st.u = Float64Array.from(u0); return; }
        const start = new Float64Array(u0.length);
        for (let c = 0; c < start.length; c++) start[c] = u0[c] + du[i][c] + du[j][c];
        st.u = start;
      },
      after: (i, j) => {
        if (i < 0) u0 = Float64Array.from(st.u);
        else if (j < 0) du[i] = Float64Array.from(st.u, (v, c) => v - u0[c]);
      },
    });
  }

  /** ∂D/∂β (and the extended likelihood's coefficients: out's length) at the last stage-2 evaluation */
  private readonly betaGradient = (out: Float64Array): void => this.gradient!.betaGradient(out);

  /**
   * The analytic block of the stage-2 vector: [nth, nth + nb) — β, and with the extended
   * likelihood its zi and dispersion coefficients. `free`: the full coordinates of a reduced vector
   * (newtonAtZiLimit holds some zi coefficients), θ and β among them in place.
   */
  private analyticBlock(nth: number, free: readonly number[] | null): { grad: (out: Float64Array) => void; nb: number } {
    const lg = this.gradient!;
    if (!free) return { grad: this.betaGradient, nb: lg.size };
    const full = new Float64Array(lg.size);
    const idx = free.slice(nth).map((k) => k - nth);
    return { grad: (out) => { lg.betaGradient(full); for (let a = 0; a < idx.length; a++) out[a] = full[idx[a]]; }, nb: idx.length };
  }

  /**
   * The first Newton step's β block from the PIRLS Schur complement — unless the analytic block
   * covers more than β (the extended likelihood): the full Hessian costs barely more there.
   */
  private schurStart(p: number): Float64Array | null {
    return this.gradient && this.gradient.size > p ? null : this.betaHessianPIRLS(p);
  }

  /**
   * The stage-2 Hessian from the analytic β-gradient (hessianGradient: 1 + k evaluations, plus
   * pairs of the θ/extra coordinates), with hessianWarm's PIRLS warm starts.
   */
  private hessianAnalytic(f: (x: Float64Array) => number, x0: Float64Array, nth: number, betaH: Float64Array | null, f0?: number, free: readonly number[] | null = null): HessianResult {
    const exact = this.exactFixed;
    if (exact) return exactHessian(exact, f, x0, f0, free);
    const st = this.state;
    const q = st.q, p = this.ms.p;
    const lg = this.gradient!;
    let u0 = st.u;
    const du: Float64Array[] = [];
    // ∂û/∂β_j at x0 (column j at j·q): a step h in β_j moves the modes by h·∂û/∂β_j to first order,
    // so PIRLS from that start needs one Newton step instead of two
    const sens = new Float64Array(betaH ? 0 : p * q);
    const block = this.analyticBlock(nth, free);
    return hessianGradient(f, block.grad, x0, nth, block.nb, { known: block.nb === p ? betaH : null, f0, hooks: {
      before: (i, j) => {
        if (i < 0) return;
        const start = new Float64Array(q);
        if (j >= 0) for (let c = 0; c < q; c++) start[c] = u0[c] + du[i][c] + du[j][c];
        else if (i >= nth && i < nth + p && !betaH) {
          const hi = 1e-4 * Math.max(Math.abs(x0[i]), 1), o = (i - nth) * q;
          for (let c = 0; c < q; c++) start[c] = u0[c] + hi * sens[o + c];
        } else start.set(u0);
        st.u = start;
      },
      after: (i, j) => {
        if (i < 0) {
          u0 = Float64Array.from(st.u);
          if (!betaH) for (let b = 0; b < p; b++) lg.modeSensitivity(b, sens.subarray(b * q, (b + 1) * q));
        } else if (j < 0) {
          const d = new Float64Array(q);
          for (let c = 0; c < q; c++) d[c] = st.u[c] - u0[c];
          du[i] = d;
        }
      },
    } });
  }

  /** the stage-2 deviance at x = (θ, β[, extra]) (public for tests of the Hessians) */
  objective2(x: Float64Array, nth: number, p: number): number {
    if (this.extra !== "none") this.setExtra(x.subarray(nth + p));
    return this.deviance(x.subarray(0, nth), x.subarray(nth, nth + p));
  }

  /**
   * Starting values of the extended likelihood's outer parameters: zero-inflation at 10% (a
   * hurdle: the observed share of zeros) on the intercept, the dispersion from the moments of y
   * or, after the GLM start (`afterGLM`), of its residuals.
   */
  private extendedStart(afterGLM: boolean): Float64Array {
    const ext = this.state.ext!;
    const x = new Float64Array(ext.nPar);
    const { zi, disp, base, hurdle } = ext.spec;
    const { y, mu, prior, n } = this.state;
    if (zi) {
      const j = zi.names.indexOf("(Intercept)");
      let zeros = 0, tot = 0;
      for (let i = 0; i < n; i++) { tot += prior[i]; if (y[i] === 0) zeros += prior[i]; }
      const share = Math.min(Math.max(zeros / Math.max(tot, 1), 0.01), 0.99);
      // (with zi random effects glmmTMB's start, π = 0.5: from 10%, ZINB2 on Salamanders ends in a
      // worse local optimum)
      if (j >= 0) x[j] = hurdle ? Math.log(share / (1 - share)) : this.ziTerms.length > 0 ? 0 : Math.log(0.1 / 0.9);
    }
    if (disp) {
      const j = disp.names.indexOf("(Intercept)");
      let v = 1;
      const m = (f: (i: number) => number, g: (i: number) => number) => {
        let a = 0, b = 0;
        for (let i = 0; i < n; i++) if (prior[i] > 0 && (!hurdle || y[i] > 0)) { a += prior[i] * f(i); b += prior[i] * g(i); }
        return a / b;
      };
      let mean = 0;
      for (let i = 0; i < n; i++) mean += y[i] / n;
      const centre = (i: number) => (afterGLM ? mu[i] : mean);
      if (base === "nbinom2") v = afterGLM ? this.residualSize() : this.momentSize();
      else if (base === "nbinom1") v = Math.min(Math.max(m((i) => (y[i] - centre(i)) ** 2 - centre(i), (i) => centre(i)), 0.05), 100);
      else if (base === "gaussian") v = Math.max(m((i) => (y[i] - centre(i)) ** 2, () => 1), 1e-8);
      else if (base === "Gamma") v = 1 / Math.max(m((i) => ((y[i] - centre(i)) / centre(i)) ** 2, () => 1), 1e-8);
      // beta: Var = μ(1 − μ)/(1 + φ)
      else if (base === "beta") v = Math.min(Math.max(m((i) => centre(i) * (1 - centre(i)), (i) => (y[i] - centre(i)) ** 2) - 1, 0.1), 1e4);
      if (j >= 0) x[ext.pz + j] = Math.log(v);
    }
    return x;
  }

  /**
   * Central differences with steps of 2% of each parameter's standard error (from the first
   * Hessian), when some standard error exceeds a unit: zero-inflation coefficients have standard
   * errors up to a few units, where steps of 1e-4 leave the curvature in the rounding of the
   * deviance (5–8% off on Salamanders' ZINB2). Kept when every step stays inside
   * the bounds and the result is positive definite. The gradient (convergence check) stays the
   * small-step one: with steps this large a skewed likelihood's third derivative would bias it.
   */
  private refinedHessian(f2: (x: Float64Array) => number, xs: Float64Array, h: HessianResult, lo: Float64Array, nth: number): HessianResult {
    const inv = activeInverse(h.hessian, xs, lo, nth);
    if (!inv || inv.fixed.length > 0) return h;
    const steps = new Float64Array(xs.length);
    let maxSE = 0;
    for (let k = 0; k < xs.length; k++) {
      const se = Math.sqrt(2 * inv.get(k, k));
      maxSE = Math.max(maxSE, se);
      steps[k] = Math.min(Math.max(0.02 * se, 1e-5), 0.5);
      if (!Number.isFinite(steps[k]) || xs[k] - steps[k] < lo[k]) return h;
    }
    // standard errors below a unit: the first Hessian is accurate to well under 1% (k² evaluations saved)
    if (maxSE <= REFINE_SE) return h;
    // PIRLS starts: the optimum's modes for the single steps ±h_i, and for the pairs the modes
    // predicted from the singles' (u₀ + Δu_i + Δu_j, off by O(h²): on Salamanders' ZINB2 with zi
    // random effects 708 PIRLS iterations instead of 988; the modes are a converged PIRLS's either way)
    const st = this.state, q = st.q;
    const u0 = Float64Array.from(st.u);
    const du = new Map<number, Float64Array>(); // key 2i (+h_i) or 2i + 1 (−h_i)
    const moved: number[] = [];
    const fw = (x: Float64Array) => {
      moved.length = 0;
      for (let k = 0; k < x.length; k++) if (x[k] !== xs[k]) moved.push(2 * k + (x[k] < xs[k] ? 1 : 0));
      const start = Float64Array.from(u0);
      if (moved.length === 2 && du.has(moved[0]) && du.has(moved[1])) {
        const a = du.get(moved[0])!, b = du.get(moved[1])!;
        for (let c = 0; c < q; c++) start[c] += a[c] + b[c];
      }
      st.u = start;
      const v = f2(x);
      if (moved.length === 1) du.set(moved[0], Float64Array.from(st.u, (w, c) => w - u0[c]));
      return v;
    };
    // (with the analytic gradient: its central differences, 2k evaluations, for all but the θ pairs)
    const block = this.gradient ? this.analyticBlock(nth, null) : null;
    const h2 = block ? hessianCentralGradient(fw, block.grad, xs, nth, block.nb, steps) : hessianFD(fw, xs, undefined, 1e-4, steps);
    st.u = u0;
    return activeInverse(h2.hessian, xs, lo, nth) ? { ...h2, gradient: h.gradient } : h;
  }

  /**
   * A zero-inflation part heading to its boundary leaves the likelihood flat along the logits that
   * go to −∞ (Newton's Hessian is singular there, BOBYQA crawls). Those beyond −5 at the stage-1
   * estimate (π below 0.7% where they act alone) are put at their limit and Newton is run on the
   * others; the result is kept only if it improves on the start. With `atLimitOnly` (stage 1 held
   * some) the held ones are those at their limit. The Hessian returned is the free coordinates'
   * (zero rows for the held ones, which the standard errors drop).
   */
  private newtonAtZiLimit(f2: (x: Float64Array) => number, x2: Float64Array, lo: Float64Array, up: Float64Array, nth: number, p: number, atLimitOnly = false): { x: Float64Array; f: number; h: NewtonHessian } | null {
    if (this.extra !== "ext" || this.state.ext!.pz === 0) return null;
    const off = nth + p, pz = this.state.ext!.pz;
    const held: number[] = [];
    // (atLimitOnly: those stage 1 held)
    for (let k = off; k < off + pz; k++) if (atLimitOnly ? x2[k] === lo[k] : x2[k] < ZI_HOLD) held.push(k);
    if (held.length === 0) return null;
    const free: number[] = [];
    for (let k = 0; k < x2.length; k++) if (!held.includes(k)) free.push(k);
    const base = Float64Array.from(x2);
    for (const k of held) base[k] = lo[k];
    const expand = (xr: Float64Array) => {
      const x = Float64Array.from(base);
      free.forEach((k, a) => (x[k] = xr[a]));
      return x;
    };
    const pick = (v: Float64Array) => Float64Array.from(free, (k) => v[k]);
    const f0 = held.every((k) => x2[k] === base[k]) ? Infinity : f2(x2);
    const fr = (xr: Float64Array) => f2(expand(xr));
    const nw = this.newton(fr, pick(base), pick(lo), pick(up), nth, this.schurStart(p), false, free);
    if (!nw || !(nw.f <= f0)) return null;
    // the standard errors from the free coordinates' Hessian (the held ones are dropped from
    // them): Newton's last, or a fresh one at the result when that one was taken too far away
    const hr = !nw.h.stale ? nw.h : this.gradient ? this.hessianAnalytic(fr, nw.x, nth, null, undefined, free) : hessianFD(fr, nw.x);
    const k = x2.length, kr = free.length;
    const hessian = new Float64Array(k * k), gradient = new Float64Array(k);
    free.forEach((i, a) => {
      gradient[i] = hr.gradient[a];
      free.forEach((j, b) => (hessian[i + j * k] = hr.hessian[a + b * kr]));
    });
    return { x: expand(nw.x), f: nw.f, h: { ...hr, hessian, gradient, stale: false } };
  }

  /** whether every row that zero-inflation coefficient j enters has its fixed zi predictor (at z) below ZI_HOLD */
  private ziRowsBelow(z: ArrayLike<number>, j: number): boolean {
    const { X, p } = this.state.ext!.spec.zi!;
    const n = this.state.n;
    for (let i = 0; i < n; i++) {
      if (X[i + j * n] === 0) continue;
      let e = 0;
      for (let c = 0; c < p; c++) e += X[i + c * n] * z[c];
      if (!(e < ZI_HOLD)) return false;
    }
    return true;
  }

  /**
   * Whether the zero-inflation logits held at their limit stay there: each one moved back to
   * ZI_HOLD − 3 (π about 3e-4 where it acts alone) must not lower the deviance by more than 1e-3
   * (Salamanders' ZINB2: sppDF there lowers it by 3e-4, as it did on the unheld route, which
   * holds it at the end as well). Leaves the state at xs.
   */
  private ziHoldJustified(f2: (x: Float64Array) => number, xs: Float64Array, fval: number, lo: Float64Array, off: number, pz: number): boolean {
    let ok = true;
    for (let k = off; k < off + pz && ok; k++) {
      if (xs[k] !== lo[k]) continue;
      const y = Float64Array.from(xs);
      y[k] = ZI_HOLD - 3;
      ok = f2(y) >= fval - 1e-3;
    }
    f2(xs);
    return ok;
  }

  /**
   * Box limits of the outer zero-inflation (±20 on the logit scale: π within 2e-9 of 0 or 1) and
   * dispersion (±30 on the log scale) coefficients: a zero-inflation part that heads to its
   * boundary stops there instead of drifting through the optimizer's whole budget.
   */
  private extendedLimits(): number[] {
    if (this.extra !== "ext") return new Array<number>(this.nExtra).fill(Infinity);
    const ext = this.state.ext!;
    return [...new Array<number>(ext.pz).fill(20), ...new Array<number>(ext.pd).fill(30)];
  }

  /** the zero-inflation and dispersion coefficients with their standard errors */
  private sideFits(xs: Float64Array, off: number, inv: ReturnType<typeof activeInverse>): { zi: SideFit | null; disp: SideFit | null; vcovJoint: Float64Array } {
    const ext = this.state.ext!;
    const nth = off - this.ms.p, p = this.ms.p;
    const part = (d: SideDesign | null, o: number): SideFit | null => {
      if (!d) return null;
      const k = d.p;
      const estimate = Float64Array.from(xs.subarray(off + o, off + o + k));
      const vcov = new Float64Array(k * k).fill(NaN);
      const held = (a: number) => inv!.fixed.includes(off + o + a);
      if (inv) for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) vcov[a + b * k] = held(a) || held(b) ? NaN : 2 * inv.get(off + o + a, off + o + b);
      const rows = d.names.map((term, j) => {
        const se = Math.sqrt(vcov[j + j * k]);
        const z = estimate[j] / se;
        return { term, estimate: estimate[j], se, statistic: z, p: 2 * pnormUpper(Math.abs(z)) };
      });
      return { names: d.names, estimate, vcov, rows, linear: Float64Array.from(d === ext.spec.zi ? ext.etaZi : ext.etaD) };
    };
    // the joint covariance of β, the zi and the dispersion coefficients (glmmTMB's vcov(full = TRUE) without θ)
    const K = p + ext.pz + ext.pd;
    const vcovJoint = new Float64Array(K * K).fill(NaN);
    const out = (a: number) => !inv || inv.fixed.includes(nth + a);
    for (let a = 0; a < K; a++) for (let b = 0; b < K; b++) if (!out(a) && !out(b)) vcovJoint[a + b * K] = 2 * inv!.get(nth + a, nth + b);
    return { zi: part(ext.spec.zi, 0), disp: part(ext.spec.disp, ext.pz), vcovJoint };
  }

  /** A moment estimate of the NB size from the marginal mean and variance, for the GLM start. */
  private momentSize(): number {
    const st = this.state;
    const y = st.y;
    let m = 0, v = 0;
    for (const yi of y) m += yi;
    m /= y.length;
    for (const yi of y) v += (yi - m) * (yi - m);
    v /= Math.max(1, y.length - 1);
    const k = v > m ? (m * m) / (v - m) : 10;
    return Math.min(Math.max(k, 0.05), 1e3);
  }

  /** The NB size from the GLM fit's residuals: Var(y) = μ + μ²/k, by moments. */
  private residualSize(): number {
    const { y, mu, prior, n } = this.state;
    let num = 0, den = 0;
    for (let i = 0; i < n; i++) {
      if (prior[i] === 0) continue;
      const r = y[i] - mu[i];
      num += prior[i] * (r * r - mu[i]);
      den += prior[i] * mu[i] * mu[i];
    }
    const k = num > 0 ? den / num : 1e3;
    return Math.min(Math.max(k, 0.05), 1e3);
  }

  private summarize(xs: Float64Array, nth: number, p: number, vcov: Float64Array, converged: boolean, warnings: string[], diverging: number[]): FittedGLMM {
    const st = this.state;
    const ms = this.ms;
    const theta = Float64Array.from(xs.subarray(0, nth));
    const beta = Float64Array.from(xs.subarray(nth, nth + p));
    const dev = this.deviance(theta, beta);
    if (!st.lastConverged) warnings.push("PIRLS did not converge to the conditional modes at the estimates: the Laplace likelihood and standard errors are approximate; check for separation or extreme values");
    // With quadrature, the reported log-likelihood is the marginal likelihood at the estimates with
    // the rule refined until it stops changing (to 1e-9): the exact value, not the nAGQ-point
    // approximation that was maximized (that one is kept as `objective`).
    let logLik = -dev / 2;
    if (this.nAGQ > 1) {
      let prev = dev;
      for (let k = Math.max(this.nAGQ * 2, 20); k <= 100; k = Math.min(100, k * 2)) {
        const d = this.agqDeviance(k);
        const done = Math.abs(d - prev) < 2e-9 || k === 100;
        prev = d;
        if (done) break;
      }
      logLik = -prev / 2;
    }
    const npar = xs.length;
    const n = ms.n;
    const fixef: FixefRow[] = [];
    for (let j = 0; j < p; j++) {
      const se = Math.sqrt(vcov[j + j * p]);
      const z = beta[j] / se;
      fixef.push({ term: ms.xnames[j], estimate: beta[j], se, statistic: z, p: 2 * pnormUpper(Math.abs(z)) });
    }
    const varcorr = varCorr(this.terms, this.extra === "dispersion" && this.family.name === "gaussian" ? st.phi : 1);
    // ranef with conditional SDs from the factor at the mode (σ = 1 scale)
    const bs = st.currentB();
    const cv = condVarGLMM(st);
    const ranef = ranefTables(this.terms, bs, cv);
    const ext = st.ext;
    // the extended likelihood with an intercept-only dispersion part: its one parameter as usual
    const disp0 = ext && ext.spec.disp?.p === 1 && ext.spec.disp.names[0] === "(Intercept)" ? Math.exp(xs[nth + p + ext.pz]) : NaN;
    const nbSize = this.extra === "nbsize" ? st.family.size! : ext?.spec.base === "nbinom2" ? (Number.isNaN(disp0) ? null : disp0) : null;
    if (nbSize !== null && nbSize > NB_POISSON_LIMIT / 10) warnings.push("the negative binomial size is at the Poisson limit: the data show no overdispersion beyond the random effects; a Poisson GLMM fits as well");
    const singular = isSingular(this.terms, theta) || (this.ziTerms.length > 0 && isSingular(this.ziTerms, theta));
    return {
      kind: "glmm", family: this.family.name, link: this.family.link.name,
      method: this.nAGQ > 1 ? `Adaptive Gauss-Hermite Quadrature (nAGQ = ${this.nAGQ})` : "Laplace",
      nAGQ: this.nAGQ, nobs: n, xnames: ms.xnames, beta, vcov, fixef, theta, terms: this.terms,
      logLik, df: npar, AIC: -2 * logLik + 2 * npar, BIC: -2 * logLik + Math.log(n) * npar, deviance: dev,
      varcorr, ranef, nbSize, dispersion: ext ? extendedDispersion(ext.spec.base, disp0) : st.phi, singular, converged, warnings,
      // reported μ as R's fitted(): through the family's linkinv, which keeps μ inside (0, 1)
      fitted: Float64Array.from(st.eta, (e) => this.family.link.linkinv(e)), eta: Float64Array.from(st.eta), evaluations: this.evaluations, solver: st.sysBeta.solverInfo,
      diverging: diverging.map((j) => ms.xnames[j]), information: st.observedInformation ? "observed" : "expected",
    };
  }
}

/** quasi-Newton steps newton() may take on updated Hessians before it takes a fresh one */
const QUASI_STEPS = 8;

/**
 * The symmetric rank-one update of h's Hessian with the step from prev.x to x and the change of
 * the gradient to g (Nocedal & Wright §6.2), skipped when its denominator is too small to trust.
 * Unlike BFGS it may leave the Hessian indefinite, as it is on the stretches where it serves.
 */
function sr1Updated(h: HessianResult, prev: { x: Float64Array; g: Float64Array } | null, x: Float64Array, g: Float64Array): HessianResult {
  if (!prev) return { ...h, gradient: g };
  const k = x.length;
  const H = Float64Array.from(h.hessian);
  const s = Float64Array.from(x, (v, i) => v - prev.x[i]);
  const r = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    let acc = g[i] - prev.g[i];
    for (let j = 0; j < k; j++) acc -= H[i + j * k] * s[j];
    r[i] = acc;
  }
  let rs = 0, rr = 0, ss = 0;
  for (let i = 0; i < k; i++) { rs += r[i] * s[i]; rr += r[i] * r[i]; ss += s[i] * s[i]; }
  if (Math.abs(rs) > 1e-8 * Math.sqrt(rr * ss)) for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) H[i + j * k] += (r[i] * r[j]) / rs;
  return { ...h, hessian: H, gradient: g };
}

/**
 * The exact gradient and Hessian without random effects (nth = 0): one evaluation at x0 (none
 * when f0 is given, the state being at x0). `free`: the coordinates of a reduced vector.
 */
function exactHessian(exact: FixedGradient, f: (x: Float64Array) => number, x0: Float64Array, f0: number | undefined, free: readonly number[] | null): HessianResult {
  if (f0 === undefined) f(Float64Array.from(x0));
  const K = exact.size, g = new Float64Array(K), H = new Float64Array(K * K);
  exact.gradientHessian(g, H);
  if (!free) return { gradient: g, hessian: H, evaluations: f0 === undefined ? 1 : 0 };
  const k = free.length;
  const gr = Float64Array.from(free, (i) => g[i]), Hr = new Float64Array(k * k);
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) Hr[a + b * k] = H[free[a] + free[b] * K];
  return { gradient: gr, hessian: Hr, evaluations: f0 === undefined ? 1 : 0 };
}

/**
 * An indefinite Hessian made positive definite by the absolute values of its eigenvalues (floored
 * at 1e-4 of the largest): the "saddle-free" Newton step, which moves along a direction of
 * negative curvature as far as along a positive one. Zero-inflation random effects leave
 * non-convex stretches between stage 1's end and the optimum (ZINB2 on Salamanders), where BOBYQA
 * would crawl for thousands of evaluations.
 */
function dampedInverse(H: Float64Array, x: Float64Array, lower: Float64Array, nth: number): ReturnType<typeof activeInverse> {
  const k = x.length;
  const { values, vectors } = jacobiEigen(H, k);
  const top = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const Hm = new Float64Array(k * k);
  for (let e = 0; e < k; e++) {
    const l = Math.max(Math.abs(values[e]), 1e-4 * top);
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) Hm[a + b * k] += l * vectors[a + e * k] * vectors[b + e * k];
  }
  return activeInverse(Hm, x, lower, nth);
}

/**
 * The zero-inflation model's random-effect terms for the system: sorted as the conditional ones,
 * their θ numbered after the conditional terms'. Trees and known covariances stay conditional-only.
 */
function ziSysTerms(reTerms: readonly ReTerm[], cond: readonly SysTerm[]): SysTerm[] {
  if (reTerms.some((t) => t.covariance?.K || t.covariance?.tree) || cond.some((t) => t.kfac || t.kprec || t.tree))
    throw new UserError("random effects in the zero-inflation model cannot be combined with known covariances (phylogeny, relatedness) yet");
  const off = cond.reduce((a, t) => a + t.ntheta, 0);
  return sortTerms(reTerms).map((t) => sysTerm({ ...t, thetaOffset: t.thetaOffset + off }));
}

/**
 * The extended likelihood's specification for a family: counts (Poisson, NB2, NB1) with the log
 * link, gaussian with the identity link, Gamma with the log link, beta with the logit link (its
 * precision φ); the dispersion part defaults to an intercept (glmmTMB's dispformula = ~1), Poisson has none.
 */
function extendedSpec(fam: Family, n: number, o: GLMMOptions): { base: BaseKind; hurdle: boolean; zi: SideDesign | null; disp: SideDesign | null } {
  const kinds: Partial<Record<string, [BaseKind, string]>> = {
    poisson: ["poisson", "log"], negative_binomial: ["nbinom2", "log"], nbinom1: ["nbinom1", "log"], gaussian: ["gaussian", "identity"], Gamma: ["Gamma", "log"], beta: ["beta", "logit"],
  };
  const k = kinds[fam.name];
  const what = o.hurdle ? "a hurdle (truncated) family" : o.zi ? "--zi" : o.disp ? "--disp" : `family ${fam.name}`;
  if (!k) throw new UserError(`${what} is available for poisson, nbinom2, nbinom1${o.zi || o.hurdle ? "" : ", gaussian, Gamma and beta"}, not ${fam.name}`);
  if (fam.link.name !== k[1]) throw new UserError(`${what} with family ${fam.name} needs the ${k[1]} link, not ${fam.link.name}`);
  if ((o.zi || o.hurdle) && (k[0] === "gaussian" || k[0] === "Gamma" || k[0] === "beta")) throw new UserError(`${o.hurdle ? "a hurdle model" : "--zi"} needs a count family (poisson, nbinom2, nbinom1), not ${fam.name}`);
  if (o.disp && k[0] === "poisson") throw new UserError("--disp: family poisson has no dispersion parameter (use nbinom2 or nbinom1)");
  if (o.hurdle && k[0] === "nbinom1") throw new UserError("hurdle models are available as truncated_poisson and truncated_nbinom2");
  const disp = k[0] === "poisson" ? null : o.disp ?? { X: new Float64Array(n).fill(1), p: 1, names: ["(Intercept)"] };
  return { base: k[0], hurdle: o.hurdle ?? false, zi: o.zi ?? null, disp };
}

/**
 * The reported dispersion of an extended fit with one dispersion parameter a: gaussian σ² = a,
 * Gamma φ = 1/a (a is the shape), NB1 φ = a, the beta precision φ = a; NaN when it varies by row.
 */
function extendedDispersion(base: BaseKind, a: number): number {
  if (base === "Gamma") return 1 / a;
  if (base === "gaussian" || base === "nbinom1" || base === "beta") return a;
  return 1;
}

/**
 * Pairs of fixed-effect columns whose rows fall in different groups of rows that no random effect
 * links (connected components of rows sharing a level of some term; a term with correlated levels
 * links all its rows): the deviance is a sum over those groups, so the cross derivative of the
 * two coefficients is zero and a finite-difference Hessian need not evaluate it (a network
 * meta-analysis' study intercepts: most of its pairs). Null when every column meets every other.
 */
function separableColumns(ms: ModelStructure, terms: readonly SysTerm[]): ((a: number, b: number) => boolean) | null {
  const { n, p, X } = ms;
  if (p < 2) return null;
  const parent = new Int32Array(n).map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  for (const t of terms) {
    const linked = t.kfac !== null || t.kprec !== null || t.tree !== null;
    const firstRow = new Int32Array(linked ? 1 : t.nl).fill(-1);
    for (let i = 0; i < n; i++) {
      const l = linked ? 0 : t.refs[i];
      if (firstRow[l] < 0) firstRow[l] = i;
      else parent[find(i)] = find(firstRow[l]);
    }
  }
  // per column, its components (sorted)
  const comps: Int32Array[] = [];
  for (let j = 0; j < p; j++) {
    const set = new Set<number>();
    for (let i = 0; i < n; i++) if (X[i + j * n] !== 0) set.add(find(i));
    comps.push(Int32Array.from(set).sort());
  }
  const disjoint = (a: Int32Array, b: Int32Array) => {
    for (let x = 0, y = 0; x < a.length && y < b.length; ) {
      if (a[x] === b[y]) return false;
      if (a[x] < b[y]) x++;
      else y++;
    }
    return true;
  };
  const zero = new Uint8Array(p * p);
  let any = false;
  for (let a = 0; a < p; a++)
    for (let b = a + 1; b < p; b++)
      if (disjoint(comps[a], comps[b])) { zero[a + b * p] = zero[b + a * p] = 1; any = true; }
  return any ? (a, b) => zero[a + b * p] === 1 : null;
}

function condVarGLMM(st: GLMMState): Float64Array[] | null {
  return st.sysU.ok ? conditionalVariances(st.sysU, 1) : null;
}

/**
 * Whether a Newton step left the variance parameters (θ and the extra parameter: every coordinate
 * outside β) within 0.2% (or 2e-4 near zero) of where the Hessian was taken.
 */
function smallStep(x: Float64Array, y: Float64Array, nth: number, p: number): boolean {
  for (let k = 0; k < x.length; k++) {
    if (k >= nth && k < nth + p) continue;
    if (Math.abs(y[k] - x[k]) > 2e-3 * Math.max(Math.abs(x[k]), 0.1)) return false;
  }
  return true;
}

/**
 * The response and prior weights of a GLMM (binomial proportions × trials), checked for the family:
 * one-line errors naming the row; `warnings` for what R warns about (non-integer successes).
 */
export function glmmResponse(ms: ModelStructure, fam: Family, weights?: Float64Array): { y: Float64Array; prior: Float64Array; warnings: string[] } {
  const n = ms.n;
  const resp = ms.response;
  if (!resp) throw new UserError("a GLMM needs a response (left-hand side of the formula)");
  const warnings: string[] = [];
  const y = Float64Array.from(resp.y);
  const prior = new Float64Array(n).fill(1);
  if (weights) for (let i = 0; i < n; i++) prior[i] = weights[i];
  if (fam.name === "binomial" || fam.name === "betabinomial") {
    if (resp.trials) for (let i = 0; i < n; i++) prior[i] *= resp.trials[i];
    for (let i = 0; i < n; i++) {
      if (!(y[i] >= 0 && y[i] <= 1)) throw new UserError(`binomial response must be in [0, 1] (or cbind(successes, failures)); row ${ms.rows[i] + 2} has ${y[i]}`);
    }
    // R's "non-integer #successes in a binomial glm!": proportions need their trials as weights
    let bad = -1;
    for (let i = 0; i < n && bad < 0; i++) {
      const s = y[i] * prior[i];
      if (Math.abs(s - Math.round(s)) > 1e-7 * Math.max(1, s)) bad = i;
    }
    if (bad >= 0)
      warnings.push(`non-integer number of successes in a binomial model (data row ${ms.rows[bad] + 1}: ${y[bad]}${prior[bad] !== 1 ? ` × ${prior[bad]} trials` : ""}): proportions need their numbers of trials as --weights, or use cbind(successes, failures)`);
  } else if (resp.kind !== "numeric") {
    throw new UserError(`family ${fam.name} needs a numeric response; '${resp.name}' is ${resp.kind === "cbind" ? "cbind()" : "text"}`);
  }
  if (fam.name === "poisson" || fam.name === "negative_binomial" || fam.name === "nbinom1") {
    for (let i = 0; i < n; i++)
      if (!(y[i] >= 0) || Math.floor(y[i]) !== y[i]) throw new UserError(`family ${fam.name} needs non-negative integer counts; data row ${ms.rows[i] + 1} of '${resp.name}' is ${y[i]}`);
  }
  if (fam.name === "Gamma") {
    for (let i = 0; i < n; i++) if (!(y[i] > 0)) throw new UserError(`family Gamma needs a positive response; data row ${ms.rows[i] + 1} of '${resp.name}' is ${y[i]}`);
  }
  return { y, prior, warnings };
}

/** Fit a GLMM (library entry point), in the standardized fixed-effects parametrization (scaling.ts). */
export function fitGLMM(ms: ModelStructure, options: GLMMOptions): FittedGLMM {
  let { f, boundary, optimum } = fitStandardized(ms, options);
  // Separation along a combination of columns (an all-zero level that is the reference: the
  // intercept and every contrast of its factor diverge together): refit with that direction as
  // one column, where the single-column handling applies, and map back.
  const dir = options.noHessian ? null : divergingDirection(ms, f.beta, boundary);
  if (dir) {
    const { X, p, n } = ms;
    const X2 = Float64Array.from(X);
    const k = dir.pivot;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < p; j++) acc += X[i + j * n] * dir.d[j];
      X2[i + k * n] = acc;
    }
    // (rounding in d leaves ~1e-14 on the other rows: they are exactly 0)
    let big = 0;
    for (let i = 0; i < n; i++) big = Math.max(big, Math.abs(X2[i + k * n]));
    for (let i = 0; i < n; i++) if (Math.abs(X2[i + k * n]) < 1e-8 * big) X2[i + k * n] = 0;
    const f2 = fitStandardized({ ...ms, X: X2 }, options).f;
    if (f2.logLik >= f.logLik - 1e-6 && f2.diverging.length === 1 && f2.diverging[0] === ms.xnames[k]) {
      f = mapDirection(f2, dir.d, k, f.beta[k]);
      optimum = null;
    }
  }
  return options.zi && !options.hurdle ? ziBoundaryCheck(ms, options, f, optimum) : f;
}

function fitStandardized(ms: ModelStructure, options: GLMMOptions): { f: FittedGLMM; boundary: Uint8Array; optimum: Float64Array | null } {
  const sc = standardizeFixed(ms);
  if (!sc) {
    const model = new GeneralizedLinearMixedModel(ms, options);
    const f = model.fit(options);
    return { f, boundary: model.boundaryRows(), optimum: model.optimum };
  }
  const model = new GeneralizedLinearMixedModel(sc.ms, options);
  model.zeroPattern = ms.X;
  const f = unstandardizeFit(model.fit(options), sc.T);
  return { f, boundary: model.boundaryRows(), optimum: model.optimum };
}

/** the separation warning naming the diverging terms */
function divergingWarning(names: readonly string[]): string {
  const m = names.length > 1;
  return `estimate${m ? "s" : ""} of ${names.join(", ")} diverge${m ? "" : "s"}: every row ${m ? "they touch" : "it touches"} is fitted at the boundary of the response's range (separation); standard error${m ? "s" : ""} NA, the other standard errors are conditional on ${m ? "them" : "it"}`;
}

/**
 * A direction d in β-space (d[pivot] = 1, two or more non-zero entries) that moves η only on rows
 * fitted at the boundary, along which the estimate has gone far (|Xd·β| > 10 there): the null
 * space of the other rows' X. Null when there is none, or it is a single column (handled as such).
 */
function divergingDirection(ms: ModelStructure, beta: Float64Array, boundary: Uint8Array): { d: Float64Array; pivot: number } | null {
  const { X, p, n } = ms;
  let nb = 0;
  for (let i = 0; i < n; i++) nb += boundary[i];
  if (nb === 0 || nb === n || p < 2) return null;
  const G = new Float64Array(p * p);
  for (let a = 0; a < p; a++) for (let b = 0; b <= a; b++) {
    let acc = 0;
    for (let i = 0; i < n; i++) if (!boundary[i]) acc += X[i + a * n] * X[i + b * n];
    G[a + b * p] = G[b + a * p] = acc;
  }
  const { values, vectors } = jacobiEigen(G, p);
  const top = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let e = 0; e < p; e++) {
    if (Math.abs(values[e]) > 1e-10 * top) continue;
    const v = vectors.subarray(e * p, (e + 1) * p);
    let pivot = 0;
    for (let j = 1; j < p; j++) if (Math.abs(v[j]) > Math.abs(v[pivot]) * (1 + 1e-8)) pivot = j;
    const d = Float64Array.from(v, (x) => (Math.abs(x) < 1e-8 * Math.abs(v[pivot]) ? 0 : x / v[pivot]));
    if (d.filter((x) => x !== 0).length < 2) continue;
    // how far the estimate has gone along it, on the boundary rows
    let far = 0;
    for (let i = 0; i < n; i++) {
      if (!boundary[i]) continue;
      let xd = 0;
      for (let j = 0; j < p; j++) xd += X[i + j * n] * d[j];
      if (xd === 0) continue;
      let eta = 0;
      for (let j = 0; j < p; j++) eta += X[i + j * n] * beta[j];
      far = Math.max(far, Math.abs(eta));
    }
    if (far > 10) return { d, pivot };
  }
  return null;
}

/**
 * Back from the fit with column `pivot` replaced by X d (β' coordinates) to the original columns:
 * β = T β' with T = I but column pivot = d. Every β_j with d_j ≠ 0 diverges (NA); the others keep
 * their standard errors, conditional on the diverging direction as for a single column.
 */
function mapDirection(f: FittedGLMM, d: Float64Array, pivot: number, first: number): FittedGLMM {
  const p = f.beta.length;
  // (the refit's diverging coordinate may have run much further, e.g. to 1e70, which would swamp
  // the other coordinates it is added to: the first fit's point along it is as good)
  const bk = Math.abs(f.beta[pivot]) > Math.abs(first) ? first : f.beta[pivot];
  const beta = Float64Array.from(f.beta, (b, j) => (j === pivot ? d[j] * bk : b + d[j] * bk));
  const vcov = f.vcov.map((v, k) => (d[k % p] !== 0 || d[Math.floor(k / p)] !== 0 ? NaN : v));
  const div = f.xnames.filter((_, j) => d[j] !== 0);
  const fixef: FixefRow[] = f.fixef.map((r, j) => {
    const se = Math.sqrt(vcov[j + j * p]);
    const z = beta[j] / se;
    return { ...r, estimate: beta[j], se, statistic: z, p: 2 * pnormUpper(Math.abs(z)) };
  });
  const single = divergingWarning([f.xnames[pivot]]);
  const warnings = f.warnings.map((w) => (w === single ? divergingWarning(div) : w));
  // (the joint covariance of a zi / dispersion model: the same rows NA)
  const K = f.vcovJoint ? Math.round(Math.sqrt(f.vcovJoint.length)) : 0;
  const out = (a: number) => a < p && d[a] !== 0;
  const vcovJoint = f.vcovJoint?.map((v, k) => (out(k % K) || out(Math.floor(k / K)) ? NaN : v));
  return { ...f, beta, vcov, fixef, diverging: div, warnings, ...(vcovJoint ? { vcovJoint } : {}) };
}

/** a zero-inflation logit below this (π under 0.7% where it acts alone) heads to its limit */
const ZI_HOLD = -5;

/** thrown from stage 1's objective to restart BOBYQA with a drifting zero-inflation logit held */
class ZiDrift extends Error {}

/** fitted zero-inflation probabilities below this are "at the boundary" */
const ZI_BOUNDARY = 1e-4;

/**
 * A zero-inflation part driven to its boundary (π → 0 for some or all rows: a coefficient heads
 * to −∞, its standard error meaningless) is reported as such, with the likelihood-ratio test
 * against the model without zero-inflation (χ² with one df per zi coefficient; conservative on
 * the boundary).
 */
function ziBoundaryCheck(ms: ModelStructure, options: GLMMOptions, f: FittedGLMM, optimum: Float64Array | null): FittedGLMM {
  const zi = options.zi!, n = ms.n;
  let atZero = 0;
  for (let i = 0; i < n; i++) {
    let e = 0;
    for (let j = 0; j < zi.p; j++) e += zi.X[i + j * n] * f.zi!.estimate[j];
    if (1 / (1 + Math.exp(-e)) < ZI_BOUNDARY) atZero++;
  }
  if (atZero === 0) return f;
  // The model without zi is nearly the fit at the boundary (π ≈ 0 for the rows that matter): it
  // starts from this optimum without the zi coordinates (the engine falls back to the full fit).
  const nthC = f.theta.length, nth = nthC + (f.zi?.theta?.length ?? 0), p = ms.p;
  // (only when its deviance comes within 10 of the zi model's: farther, stage 1 lands closer)
  const x = optimum ? Float64Array.from([...optimum.subarray(0, nthC), ...optimum.subarray(nth, nth + p), ...optimum.subarray(nth + p + zi.p)]) : null;
  const start = x ? { x, maxDeviance: -2 * f.logLik + 10 } : undefined;
  // (without random effects the model without zi is a GLM: the extended likelihood fits it)
  const f0 = fitGLMM(ms, { ...options, zi: null, noHessian: true, start, extended: ms.reTerms.length === 0 });
  const stat = Math.max(0, 2 * (f.logLik - f0.logLik));
  const pv = pchisqUpper(stat, zi.p);
  const where = atZero === n ? "every row" : `${atZero} of ${n} rows`;
  const msg = `the zero-inflation probability goes to 0 (boundary) for ${where}: the zero-inflation coefficients heading to −∞ have no meaningful standard error; likelihood-ratio test against the model without zero-inflation: chi-square = ${stat.toPrecision(4)}, df = ${zi.p}, p = ${pv.toPrecision(3)}`;
  // the scaled-gradient check measures the drift toward the boundary, not a failed optimization
  const warnings = f.warnings.filter((w) => !w.startsWith("model may not have converged: max|scaled gradient|"));
  const converged = f.converged || warnings.length < f.warnings.length;
  return { ...f, warnings: [...warnings, msg], converged, ziBoundary: { rows: atZero, lrt: { statistic: stat, df: zi.p, p: pv, logLikWithout: f0.logLik } } };
}
