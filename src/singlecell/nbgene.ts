// The per-gene negative binomial GLMM with one random intercept per patient, fitted by the Laplace
// approximation (as glmmTMB): y_c ~ NB2(μ_c, k), log μ_c = offset_c + x_cᵀβ + b_patient, b ~ N(0, s).
//
// With random intercepts only, the Laplace problem separates by patient: each mode b̂_j solves a 1-D
// equation b = s·Σ_{c∈j} r_c(b) (r = ∂ log NB/∂η), and
//   log L = Σ_c log NB(y_c | μ_c) − Σ_j [ b̂_j²/(2s) + ½ log(1 + s·H_j) ],   H_j = Σ_{c∈j} w_c,
// with w_c = −∂² log NB/∂η² (the observed information, as glmmTMB). Its gradient in (β, s, φ = 1/k)
// is analytic (envelope theorem for b̂, one implicit derivative of b̂ for the log-determinant); for
// a patient-level design (X constant within patients, the usual DE design) so is its Hessian (second
// implicit derivatives of b̂), else the Hessian is a forward difference of the gradient. The outer
// problem is a projected Newton method on p + 2 parameters, and the same Hessian gives the standard
// errors (sdreport's: β block of its inverse).
//
// Every quantity is written in μ and sc = 1/(1 + μφ): bounded as k → ∞, so the Poisson limit
// (φ → 0, a bound of the parameter space here) is an ordinary point. Cells with y = 0 have closed
// forms; each per-patient sum is a pass over the patient's cells as if all were zero plus a
// correction over the gene's few nonzero cells. No allocation per evaluation.
import { lgamma } from "../families/special.js";
import { choleskyInverseDiag, cholSolve, digammaRatio, lgammaRatio, S_MAX, trigammaRatio } from "./nbterms.js";
import { RemlSolver } from "./reml.js";
import type { CellDesign } from "./design.js";

/** Largest NB size reported: beyond it the data are Poisson (φ = 1/k is bounded below by its inverse). */
export const NB_SIZE_MAX = 1e8;
const PHI_MIN = 1 / NB_SIZE_MAX;
const PHI_MAX = 1e4;

/** One gene's negative-binomial GLMM fit: coefficients, SEs, patient SD, NB size, convergence and test. */
export interface GeneFit {
  /** false when no estimate could be made (then `message` says why) */
  readonly ok: boolean;
  readonly beta: Float64Array;
  readonly se: Float64Array;
  readonly sdPatient: number;
  readonly nbSize: number;
  readonly logLik: number;
  readonly converged: boolean;
  readonly message: string;
  readonly iterations: number;
  readonly evaluations: number;
  /** the small-sample test (REML patient variance), when computed */
  readonly test?: SmallSampleTest;
  /** zero-inflated fits (`glmm de --zi`): the logit of the zero-inflation probability and its SE */
  readonly zi?: { readonly estimate: number; readonly se: number };
}

/**
 * Wald t tests with the patient variance re-estimated by (Laplace) REML, the NB size held at its ML
 * value: ML underestimates the between-patient variance by about (patients − p)/patients, which
 * with few patients makes z tests of patient-level effects anti-conservative. Estimates are the
 * joint mode at the REML variance, standard errors from its Schur complement (as lme4/glmmTMB REML).
 */
export interface SmallSampleTest {
  readonly estimate: Float64Array;
  readonly se: Float64Array;
  readonly sdPatient: number;
}

/** Settings of the per-gene Newton fit: iteration limit, tolerance and the small-sample correction. */
export interface FitOptions {
  readonly maxIterations?: number;
  /** stop when the Newton decrement (in log-likelihood units) is below this */
  readonly tolerance?: number;
  /** also compute the small-sample (REML) test (default true) */
  readonly smallSample?: boolean;
}

/** The fast per-gene NB2 GLMM (one random intercept per patient, Laplace, as glmmTMB), reused across the genes of one design. */
export class NBGeneFitter {
  /** the cells, patients and model matrix every gene is fitted on */
  readonly design: CellDesign;
  /** number of fixed effects */
  readonly p: number;
  /** parameters: β (p), s = σ², φ = 1/k */
  readonly m: number;
  /** number of cells */
  readonly n: number;
  /** number of patients (groups) */
  readonly G: number;
  private readonly groupOf: Int32Array;
  /** exp(offset) (patient-level X) or exp(offset + Xβ) (cell-level X)
   *  @internal */
  readonly base: Float64Array;
  private readonly baseBeta: Float64Array;
  private baseValid = false;
  /** per patient x_jᵀβ (patient-level X)
   *  @internal */
  readonly eta0: Float64Array;
  // the gene
  /** cells of the gene's nonzero counts, grouped by patient
   *  @internal */
  nzPos = new Int32Array(1024);
  /** the gene's nonzero counts, in nzPos's order
   *  @internal */
  nzY = new Float64Array(1024);
  /** per patient: start of its nonzero counts in nzPos/nzY (G + 1 offsets)
   *  @internal */
  readonly nzStart: Int32Array;
  private nnz = 0;
  /** the gene's distinct nonzero count values
   *  @internal */
  vals = new Float64Array(64);
  /** how many cells have each of vals
   *  @internal */
  cnts = new Float64Array(64);
  /** number of distinct values in vals
   *  @internal */
  nvals = 0;
  /** Σ log(y!) over the gene's counts (the likelihood's constant)
   *  @internal */
  lfactSum = 0;
  private readonly valSlot = new Int32Array(256).fill(-1);
  // per patient
  /** per patient: the mode b̂_j of the random intercept (the start of the next search)
   *  @internal */
  readonly b: Float64Array;
  private readonly bSave: Float64Array;
  private readonly yTot: Float64Array;
  // accumulators and work
  private readonly accRX: Float64Array;
  private readonly accHX: Float64Array;
  private readonly accWX: Float64Array;
  private readonly x: Float64Array;
  private readonly xt: Float64Array;
  private readonly g: Float64Array;
  private readonly gt: Float64Array;
  private readonly H: Float64Array;
  private readonly Hn: Float64Array;
  private readonly L: Float64Array;
  private readonly d: Float64Array;
  private readonly dir: Float64Array;
  private readonly lower: Float64Array;
  private readonly upper: Float64Array;
  private readonly free: Int32Array;
  /** index of the intercept column of X (all ones), or −1 */
  private readonly icpt: number;
  /** per patient Σ exp(offset) and Σ exp(2·offset) (patient-level X) or Σ exp(offset) */
  private readonly e1: Float64Array;
  private readonly e2: Float64Array;
  /** likelihood evaluations of the current gene's fit */
  evaluations = 0;
  private reml: RemlSolver | null = null;

  constructor(design: CellDesign) {
    this.design = design;
    const n = (this.n = design.n);
    const p = (this.p = design.p);
    const G = (this.G = design.nGroups);
    const m = (this.m = p + 2);
    this.groupOf = new Int32Array(n);
    for (let j = 0; j < G; j++) this.groupOf.fill(j, design.groupStart[j], design.groupStart[j + 1]);
    this.base = new Float64Array(n);
    this.baseBeta = new Float64Array(p);
    if (design.groupX) for (let c = 0; c < n; c++) this.base[c] = Math.exp(design.offset[c]);
    this.eta0 = new Float64Array(G);
    this.nzStart = new Int32Array(G + 1);
    this.b = new Float64Array(G);
    this.bSave = new Float64Array(G);
    this.yTot = new Float64Array(G);
    this.accRX = new Float64Array(p);
    this.accHX = new Float64Array(p);
    this.accWX = new Float64Array(p);
    this.x = new Float64Array(m);
    this.xt = new Float64Array(m);
    this.g = new Float64Array(m);
    this.gt = new Float64Array(m);
    this.H = new Float64Array(m * m);
    this.Hn = new Float64Array(m * m);
    this.L = new Float64Array(m * m);
    this.d = new Float64Array(m);
    this.dir = new Float64Array(m);
    this.lower = new Float64Array(m).fill(-Infinity);
    this.upper = new Float64Array(m).fill(Infinity);
    this.lower[p] = 0;
    this.upper[p] = S_MAX;
    this.lower[p + 1] = PHI_MIN;
    this.upper[p + 1] = PHI_MAX;
    this.free = new Int32Array(m);
    let icpt = -1;
    for (let k = 0; k < p && icpt < 0; k++) {
      let ones = true;
      for (let c = 0; c < n; c++) if (design.X[c + k * n] !== 1) { ones = false; break; }
      if (ones) icpt = k;
    }
    this.icpt = icpt;
    this.e1 = new Float64Array(G);
    this.e2 = new Float64Array(G);
    for (let j = 0; j < G; j++)
      for (let c = design.groupStart[j]; c < design.groupStart[j + 1]; c++) {
        const e = Math.exp(design.offset[c]);
        this.e1[j] += e;
        this.e2[j] += e * e;
      }
  }

  /**
   * Load a gene: its nonzero cells as design positions and counts (any order; positions < 0 are
   * skipped). Counts must be non-negative integers. Returns the number of nonzero cells.
   */
  setGene(pos: ArrayLike<number>, y: ArrayLike<number>, count = pos.length): number {
    const G = this.G;
    const st = this.nzStart;
    st.fill(0);
    let nnz = 0;
    for (let i = 0; i < count; i++) if (pos[i] >= 0 && y[i] !== 0) { st[this.groupOf[pos[i]] + 1]++; nnz++; }
    if (this.nzPos.length < nnz) { this.nzPos = new Int32Array(nnz * 2); this.nzY = new Float64Array(nnz * 2); }
    for (let j = 0; j < G; j++) st[j + 1] += st[j];
    const fill = this.bSave; // scratch
    for (let j = 0; j < G; j++) fill[j] = st[j];
    this.yTot.fill(0);
    for (let i = 0; i < count; i++) {
      const c = pos[i], v = y[i];
      if (c < 0 || v === 0) continue;
      if (!(v > 0) || Math.floor(v) !== v) throw new RangeError(`count ${v} is not a non-negative integer`);
      const j = this.groupOf[c];
      const z = fill[j]++;
      this.nzPos[z] = c;
      this.nzY[z] = v;
      this.yTot[j] += v;
    }
    this.nnz = nnz;
    // distinct count values: the lgamma/digamma terms depend on y and k only (small counts through
    // a table, the rest through a map)
    this.nvals = 0;
    const slot = this.valSlot;
    let big: Map<number, number> | null = null;
    for (let z = 0; z < nnz; z++) {
      const v = this.nzY[z];
      let k = v < slot.length ? slot[v] : (big ??= new Map()).get(v) ?? -1;
      if (k < 0) {
        if (this.nvals === this.vals.length) {
          const nv = new Float64Array(this.vals.length * 2); nv.set(this.vals); this.vals = nv;
          const nc = new Float64Array(this.cnts.length * 2); nc.set(this.cnts); this.cnts = nc;
        }
        k = this.nvals++;
        this.vals[k] = v;
        this.cnts[k] = 0;
        if (v < slot.length) slot[v] = k; else big!.set(v, k);
      }
      this.cnts[k]++;
    }
    this.lfactSum = 0;
    for (let k = 0; k < this.nvals; k++) {
      const v = this.vals[k];
      this.lfactSum += this.cnts[k] * lgamma(v + 1);
      if (v < slot.length) slot[v] = -1;
    }
    this.b.fill(0);
    return nnz;
  }

  /** exp(offset [+ Xβ]) per cell, or x_jᵀβ per patient, for β = x[0..p)
   *  @internal */
  updateBase(x: Float64Array): void {
    const p = this.p, d = this.design;
    if (d.groupX) {
      const G = this.G;
      for (let j = 0; j < G; j++) {
        let e = 0;
        for (let k = 0; k < p; k++) e += d.groupX[j + k * G] * x[k];
        this.eta0[j] = e;
      }
      return;
    }
    if (this.baseValid) {
      let same = true;
      for (let k = 0; k < p; k++) if (this.baseBeta[k] !== x[k]) { same = false; break; }
      if (same) return;
    }
    const n = this.n, X = d.X, off = d.offset, base = this.base;
    for (let c = 0; c < n; c++) {
      let e = off[c];
      for (let k = 0; k < p; k++) e += X[c + k * n] * x[k];
      base[c] = Math.exp(e);
    }
    for (let k = 0; k < p; k++) this.baseBeta[k] = x[k];
    this.baseValid = true;
  }

  /**
   * −log L (Laplace) at x = (β, s, φ), and its gradient into `grad` when given. The modes b̂ start
   * from the previous evaluation's (warm start). With `hess` (m×m, column-major) and a patient-level
   * design, also the exact Hessian (returns true in `this.hessExact`); otherwise hess is untouched.
   */
  evaluate(x: Float64Array, grad: Float64Array | null, hess: Float64Array | null = null): number {
    this.evaluations++;
    const p = this.p, G = this.G;
    const s = x[p], phi = x[p + 1];
    if (!(s >= 0) || !(phi > 0)) return Infinity;
    this.updateBase(x);
    const d = this.design;
    const gx = d.groupX;
    const base = this.base, nzPos = this.nzPos, nzY = this.nzY, nzStart = this.nzStart, gs = d.groupStart;
    const n = this.n;
    // the terms of log NB that depend on y and k only, through the distinct counts
    let total = -this.lfactSum;
    let gphi = 0;
    const exact = !!(hess && grad && gx);
    this.hessExact = exact;
    let hpp = 0;
    for (let v = 0; v < this.nvals; v++) {
      const y = this.vals[v], w = this.cnts[v];
      total += w * lgammaRatio(y, phi);
      if (grad) gphi += w * digammaRatio(y, phi);
      if (exact) hpp += w * trigammaRatio(y, phi);
    }
    if (grad) grad.fill(0);
    if (exact) { hess!.fill(0); hess![this.m * this.m - 1] = hpp; }
    let gs2 = 0;
    const RX = this.accRX, HX = this.accHX, WX = this.accWX;
    for (let j = 0; j < G; j++) {
      const c0 = gs[j], c1 = gs[j + 1], z0 = nzStart[j], z1 = nzStart[j + 1];
      const a = gx ? this.eta0[j] : 0;
      // ---- the mode b̂_j: F(b) = s·R(b) − b is decreasing; Newton inside a bracket
      let bj = 0;
      if (s > 0) {
        bj = this.b[j];
        let lo = -Infinity, hi = Infinity;
        for (let it = 0; it < 100; it++) {
          const e = Math.exp(a + bj);
          let R = 0, H = 0;
          for (let c = c0; c < c1; c++) {
            const mu = base[c] * e;
            const sc = 1 / (1 + mu * phi);
            const ms = mu * sc;
            R -= ms;
            H += ms * sc;
          }
          for (let z = z0; z < z1; z++) {
            const y = nzY[z];
            const mu = base[nzPos[z]] * e;
            const sc = 1 / (1 + mu * phi);
            R += y * sc;
            H += y * mu * phi * sc * sc;
          }
          const F = s * R - bj;
          if (F > 0) lo = bj; else hi = bj;
          let step = F / (1 + s * H);
          if (step > 3) step = 3; else if (step < -3) step = -3;
          let nb = bj + step;
          if (!(nb > lo && nb < hi)) nb = lo > -Infinity && hi < Infinity ? 0.5 * (lo + hi) : nb;
          const done = Math.abs(nb - bj) <= 1e-12 * (1 + Math.abs(bj));
          bj = nb;
          if (done || !(hi - lo > 1e-14 * (1 + Math.abs(bj)))) break;
        }
        this.b[j] = bj;
      }
      // ---- log L_j and the sums its gradient needs, at b̂_j
      const e = Math.exp(a + bj);
      let l = 0, R = 0, H = 0, W1 = 0, RP = 0, HP = 0, LP = 0;
      let W2 = 0, W1P = 0, RPP = 0, HPP = 0, LPP = 0;
      if (exact) {
        for (let c = c0; c < c1; c++) {
          const mu = base[c] * e;
          const q = mu * phi;
          const sc = 1 / (1 + q);
          const ms = mu * sc;
          const w = ms * sc;
          const t = 1 - sc;
          const t2 = 2 * sc - 1;
          const lq = Math.log1p(q);
          const ms2 = ms * ms;
          l -= lq / phi;
          R -= ms;
          H += w;
          W1 += w * t2;
          W2 += w * (t2 * t2 - 2 * sc * t);
          RP += ms2;
          HP -= 2 * ms2 * sc;
          W1P -= 2 * ms2 * sc * (3 * sc - 1);
          RPP -= 2 * ms2 * ms;
          HPP += 6 * ms2 * ms * sc;
          if (q < 1e-3) {
            LP += mu * mu * (0.5 - (2 / 3) * q + 0.75 * q * q);
            LPP += mu * mu * mu * (-2 / 3 + 1.5 * q - 2.4 * q * q + (10 / 3) * q * q * q);
          } else {
            const gq = lq - q * sc;
            LP += gq / (phi * phi);
            LPP += ms2 / phi - (2 * gq) / (phi * phi * phi);
          }
        }
      } else if (gx || !grad) {
        for (let c = c0; c < c1; c++) {
          const mu = base[c] * e;
          const q = mu * phi;
          const sc = 1 / (1 + q);
          const ms = mu * sc;
          const w = ms * sc;
          const lq = Math.log1p(q);
          l -= lq / phi;
          if (grad) {
            R -= ms;
            H += w;
            W1 += w * (2 * sc - 1);
            RP += ms * ms;
            HP -= 2 * ms * ms * sc;
            LP += q < 1e-4 ? mu * mu * (0.5 - (2 / 3) * q + 0.75 * q * q) : (lq - q * sc) / (phi * phi);
          } else {
            H += w;
          }
        }
      } else {
        RX.fill(0); HX.fill(0); WX.fill(0);
        const X = d.X;
        for (let c = c0; c < c1; c++) {
          const mu = base[c] * e;
          const q = mu * phi;
          const sc = 1 / (1 + q);
          const ms = mu * sc;
          const w = ms * sc;
          const w1 = w * (2 * sc - 1);
          const lq = Math.log1p(q);
          l -= lq / phi;
          R -= ms;
          H += w;
          W1 += w1;
          RP += ms * ms;
          HP -= 2 * ms * ms * sc;
          LP += q < 1e-4 ? mu * mu * (0.5 - (2 / 3) * q + 0.75 * q * q) : (lq - q * sc) / (phi * phi);
          for (let k = 0; k < p; k++) {
            const xv = X[c + k * n];
            RX[k] -= xv * ms;
            HX[k] += xv * w;
            WX[k] += xv * w1;
          }
        }
      }
      for (let z = z0; z < z1; z++) {
        const y = nzY[z];
        const c = nzPos[z];
        const mu = base[c] * e;
        const q = mu * phi;
        const sc = 1 / (1 + q);
        const ms = mu * sc;
        l += y * Math.log(ms);
        const dw = y * q * sc * sc;
        H += dw;
        if (grad) {
          const dw1 = dw * (2 * sc - 1);
          R += y * sc;
          W1 += dw1;
          RP -= y * ms * sc;
          HP += y * ms * sc * (2 * sc - 1);
          LP -= y * ms;
          if (exact) {
            const t = 1 - sc, t2 = 2 * sc - 1;
            const v2 = t2 * t2 - 2 * sc * t;
            W2 += dw * v2;
            W1P += y * ms * sc * v2;
            RPP += 2 * y * ms * ms * sc;
            HPP += y * ms * ms * sc * (6 * t - 4);
            LPP += y * ms * ms;
          }
          if (!gx) {
            const X = d.X;
            for (let k = 0; k < p; k++) {
              const xv = X[c + k * n];
              RX[k] += xv * y * sc;
              HX[k] += xv * dw;
              WX[k] += xv * dw1;
            }
          }
        }
      }
      const D = 1 + s * H;
      total += l - (s > 0 ? (bj * bj) / (2 * s) : 0) - 0.5 * Math.log(D);
      if (grad) {
        const hd = s / (2 * D);
        if (gx) {
          const t = R - hd * (W1 - (W1 * s * H) / D);
          for (let k = 0; k < p; k++) grad[k] += gx[j + k * G] * t;
        } else {
          for (let k = 0; k < p; k++) grad[k] += RX[k] - hd * (WX[k] - (W1 * s * HX[k]) / D);
        }
        gs2 += 0.5 * R * R - (0.5 / D) * ((s * W1 * R) / D + H);
        gphi += LP - hd * (HP + (W1 * s * RP) / D);
      }
      if (exact) this.patientHessian(hess!, j, s, D, R, H, W1, W2, RP, HP, W1P, RPP, HPP, LPP);
    }
    if (grad) {
      grad[p] = gs2;
      grad[p + 1] = gphi;
      for (let k = 0; k < this.m; k++) grad[k] = -grad[k];
    }
    if (exact) {
      const m = this.m;
      for (let i = 0; i < m; i++)
        for (let k = 0; k <= i; k++) {
          const v = -hess![i + k * m];
          hess![i + k * m] = v;
          hess![k + i * m] = v;
        }
    }
    return -total;
  }

  /** set by evaluate: whether it filled the exact Hessian */
  hessExact = false;

  /**
   * Add patient j's second derivatives of log L_j in (a_j = x_jᵀβ, s, φ) to the lower triangle of
   * hess (in β, s, φ). The mode moves with the parameters: first and second implicit derivatives
   * of b̂ enter through the log-determinant; every term with 1/s is written in its finite form
   * (b̂ = s·R at the mode), so s = 0 is an ordinary point.
   */
  private patientHessian(hess: Float64Array, j: number, s: number, D: number,
    R: number, H: number, W1: number, W2: number, RP: number, HP: number, W1P: number, RPP: number, HPP: number, LPP: number): void {
    const p = this.p, m = this.m, G = this.G, gx = this.design.groupX!;
    const D2 = D * D, D3 = D2 * D;
    // implicit derivatives of the mode: first (a, s, φ) and second
    const ba = (-s * H) / D, bs = R / D, bp = (s * RP) / D;
    const baa = (-s * W1) / D3;
    const bas = (-s * W1 * R) / D2 - H / D2 + (s * s * H * W1 * R) / D3;
    const bap = (s / D) * (-HP - W1 * bp - HP * ba - W1 * ba * bp);
    const bss = (-2 * R * H) / D2 - (s * W1 * R * R) / D3;
    const bsp = RP / D2 - (s * HP * R) / D2 - (s * s * W1 * R * RP) / D3;
    const bpp = (s / D) * (RPP - 2 * HP * bp - W1 * bp * bp);
    // total derivatives of D = 1 + s·H(b̂)
    const Db = s * W1, Dbb = s * W2;
    const Dab = s * W2, Dsb = W1, Dpb = s * W1P;
    const Da = s * W1 + Db * ba, Ds = H + Db * bs, Dp = s * HP + Db * bp;
    const Daa = s * W2 + 2 * Dab * ba + Dbb * ba * ba + Db * baa;
    const Das = W1 + Dab * bs + Dsb * ba + Dbb * ba * bs + Db * bas;
    const Dap = s * W1P + Dab * bp + Dpb * ba + Dbb * ba * bp + Db * bap;
    const Dss = 2 * Dsb * bs + Dbb * bs * bs + Db * bss;
    const Dsp = HP + Dsb * bp + Dpb * bs + Dbb * bs * bp + Db * bsp;
    const Dpp = s * HPP + 2 * Dpb * bp + Dbb * bp * bp + Db * bpp;
    // log L_j = 𝒢 − ½ log 𝒟
    const h = (g: number, dd: number, d1: number, d2: number) => g - 0.5 * (dd / D - (d1 * d2) / D2);
    const Laa = h(-H / D, Daa, Da, Da);
    const Las = h((-H * R) / D, Das, Da, Ds);
    const Lap = h(RP / D, Dap, Da, Dp);
    const Lss = h((-R * R * H) / D, Dss, Ds, Ds);
    const Lsp = h((R * RP) / D, Dsp, Ds, Dp);
    const Lpp = h(LPP + (s * RP * RP) / D, Dpp, Dp, Dp);
    for (let k = 0; k < p; k++) {
      const xk = gx[j + k * G];
      if (xk === 0) continue;
      for (let l = 0; l <= k; l++) hess[k + l * m] += xk * gx[j + l * G] * Laa;
      hess[p + k * m] += xk * Las;
      hess[p + 1 + k * m] += xk * Lap;
    }
    hess[p + p * m] += Lss;
    hess[p + 1 + p * m] += Lsp;
    hess[p + 1 + (p + 1) * m] += Lpp;
  }

  /** The Laplace log-likelihood at given β, σ and NB size (modes solved from scratch). */
  logLik(beta: ArrayLike<number>, sigma: number, size: number): number {
    const x = new Float64Array(this.m);
    for (let k = 0; k < this.p; k++) x[k] = beta[k];
    x[this.p] = sigma * sigma;
    x[this.p + 1] = 1 / size;
    this.b.fill(0);
    return -this.evaluate(x, null);
  }

  /** Forward-difference Hessian of −log L from analytic gradients (g at x given), symmetrized. */
  private hessian(x: Float64Array, g: Float64Array): void {
    const m = this.m, H = this.H, xt = this.xt, gt = this.gt, p = this.p;
    this.bSave.set(this.b);
    for (let i = 0; i < m; i++) {
      xt.set(x);
      const scale = i < p ? Math.max(1, Math.abs(x[i])) : Math.max(Math.abs(x[i]), 1e-2);
      let h = 1e-6 * scale;
      if (x[i] + h > this.upper[i]) h = -h;
      xt[i] = x[i] + h;
      h = xt[i] - x[i];
      this.evaluate(xt, gt);
      for (let r = 0; r < m; r++) H[r + i * m] = (gt[r] - g[r]) / h;
      this.b.set(this.bSave);
    }
    for (let i = 0; i < m; i++)
      for (let j = i + 1; j < m; j++) {
        const v = 0.5 * (H[i + j * m] + H[j + i * m]);
        H[i + j * m] = v;
        H[j + i * m] = v;
      }
  }

  /** Starting values: a Poisson GLM for β, then moment estimates of s and φ around it. */
  private start(x: Float64Array): void {
    const p = this.p, n = this.n, G = this.G, d = this.design, gx = d.groupX;
    x.fill(0);
    let ytot = 0;
    for (let j = 0; j < G; j++) ytot += this.yTot[j];
    let etot = 0;
    for (let j = 0; j < G; j++) etot += this.e1[j];
    // the intercept (a column of ones), if any, starts at the pooled log rate
    if (this.icpt >= 0) x[this.icpt] = Math.log((ytot + 0.5) / etot);
    // Poisson Newton steps on β (fixed effects only): X'(y − μ), X'diag(μ)X — per patient when
    // X is patient-level, else per cell
    const A = this.L, gr = this.gt;
    for (let it = 0; it < 25 && p > 0; it++) {
      A.fill(0);
      gr.fill(0);
      if (gx) {
        for (let j = 0; j < G; j++) {
          let e = 0;
          for (let k = 0; k < p; k++) e += gx[j + k * G] * x[k];
          const mj = this.e1[j] * Math.exp(e);
          for (let k = 0; k < p; k++) {
            const xk = gx[j + k * G];
            gr[k] += xk * (this.yTot[j] - mj);
            for (let l = 0; l <= k; l++) A[k + l * p] += xk * gx[j + l * G] * mj;
          }
        }
      } else {
        for (let c = 0; c < n; c++) {
          let e = d.offset[c];
          for (let k = 0; k < p; k++) e += d.X[c + k * n] * x[k];
          const m = Math.exp(e);
          for (let k = 0; k < p; k++) {
            const xk = d.X[c + k * n];
            gr[k] -= xk * m;
            for (let l = 0; l <= k; l++) A[k + l * p] += xk * d.X[c + l * n] * m;
          }
        }
        for (let z = 0; z < this.nnz; z++) {
          const c = this.nzPos[z];
          for (let k = 0; k < p; k++) gr[k] += d.X[c + k * n] * this.nzY[z];
        }
      }
      for (let k = 0; k < p; k++) A[k + k * p] += 1e-8 * (1 + A[k + k * p]);
      if (!cholSolve(A, p, gr)) break;
      let mx = 0;
      for (let k = 0; k < p; k++) mx = Math.max(mx, Math.abs(gr[k]));
      const f = mx > 3 ? 3 / mx : 1;
      for (let k = 0; k < p; k++) x[k] += f * gr[k];
      if (mx < 1e-6) break;
    }
    // per-patient log ratios observed/fitted → s; the variance beyond them → φ (moments)
    this.updateBase(x);
    let so = 0, sv = 0, ng = 0;
    let den = 0;
    const oj = this.bSave;
    for (let j = 0; j < G; j++) {
      const c0 = d.groupStart[j], c1 = d.groupStart[j + 1];
      const ea = gx ? Math.exp(this.eta0[j]) : 1;
      let M: number;
      if (gx) M = this.e1[j] * ea;
      else { M = 0; for (let c = c0; c < c1; c++) M += this.base[c]; }
      const o = c1 > c0 ? Math.log((this.yTot[j] + 0.5) / (M + 0.5)) : 0;
      oj[j] = o;
      if (c1 > c0) { so += o * o; sv += 1 / (this.yTot[j] + 1); ng++; }
      const f = ea * Math.exp(o);
      if (gx) den += this.e2[j] * f * f;
      else for (let c = c0; c < c1; c++) { const mm = this.base[c] * f; den += mm * mm; }
      this.b[j] = f; // scratch: base_c·f is the start's fitted mean
    }
    let num = den;
    for (let z = 0; z < this.nnz; z++) {
      const c = this.nzPos[z], y = this.nzY[z];
      const mm = this.base[c] * this.b[this.groupOf[c]];
      num += y * y - 2 * y * mm - y;
    }
    const s0 = ng > 0 ? (so - sv) / ng : 0.1;
    x[p] = Math.min(Math.max(s0, 0.01), 4);
    x[p + 1] = Math.min(Math.max(den > 0 ? num / den : 0.1, 1e-3), 10);
    this.b.fill(0);
  }

  /** Fit the loaded gene. */
  fit(options: FitOptions = {}): GeneFit {
    const p = this.p, m = this.m;
    const maxIt = options.maxIterations ?? 100;
    const tol = options.tolerance ?? 1e-9;
    this.evaluations = 0;
    const x = this.x, g = this.g, H = this.H, L = this.L, dvec = this.d, lower = this.lower, upper = this.upper, free = this.free;
    const fail = (message: string, iterations: number): GeneFit => ({
      ok: false, beta: new Float64Array(p).fill(NaN), se: new Float64Array(p).fill(NaN), sdPatient: NaN, nbSize: NaN,
      logLik: NaN, converged: false, message, iterations, evaluations: this.evaluations,
    });
    if (this.nnz === 0) return fail("no nonzero counts", 0);
    this.start(x);
    // the exact Hessian comes with each evaluation for patient-level designs; otherwise forward
    // differences of the gradient
    const Hn = this.Hn;
    let f = this.evaluate(x, g, H);
    let haveH = this.hessExact;
    if (!Number.isFinite(f)) return fail("the log-likelihood is not finite at the starting values", 0);
    const xn = new Float64Array(m), gn = new Float64Array(m);
    let converged = false;
    let iter = 0;
    let nfree = 0;
    for (; iter < maxIt; iter++) {
      if (!haveH) this.hessian(x, g);
      // free set: parameters not held at a bound by their gradient
      nfree = 0;
      for (let i = 0; i < m; i++) {
        const atLo = x[i] <= lower[i] && g[i] > 0;
        const atHi = x[i] >= upper[i] && g[i] < 0;
        if (!atLo && !atHi) free[nfree++] = i;
      }
      // Newton direction on the free set, Levenberg–Marquardt damping when the Hessian is not PD
      let lambda = 0;
      let ok = false;
      for (let tries = 0; tries < 30; tries++) {
        for (let a = 0; a < nfree; a++)
          for (let b2 = 0; b2 < nfree; b2++) L[a + b2 * nfree] = H[free[a] + free[b2] * m] + (a === b2 ? lambda * Math.max(1e-8, Math.abs(H[free[a] * (m + 1)])) : 0);
        for (let a = 0; a < nfree; a++) dvec[a] = -g[free[a]];
        if (cholSolve(L, nfree, dvec)) { ok = true; break; }
        lambda = lambda === 0 ? 1e-4 : lambda * 10;
      }
      if (!ok) return fail("the Hessian could not be made positive definite", iter);
      let dec = 0;
      for (let a = 0; a < nfree; a++) dec -= g[free[a]] * dvec[a];
      // scatter the direction, capped so that one step cannot run far from the data
      const dir = this.dir;
      dir.fill(0);
      for (let a = 0; a < nfree; a++) dir[free[a]] = dvec[a];
      let cap = 1;
      for (let k = 0; k < p; k++) cap = Math.min(cap, 3 / Math.max(3, Math.abs(dir[k])));
      cap = Math.min(cap, (2 * Math.max(x[p], 0.25)) / Math.max(2 * Math.max(x[p], 0.25), Math.abs(dir[p])));
      cap = Math.min(cap, (3 * Math.max(x[p + 1], 0.1)) / Math.max(3 * Math.max(x[p + 1], 0.1), Math.abs(dir[p + 1])));
      if (lambda === 0 && dec < tol) { converged = true; break; }
      // projected backtracking line search (Armijo)
      let t = cap;
      let accepted = false;
      this.bSave.set(this.b);
      for (let ls = 0; ls < 40; ls++, t *= 0.5) {
        let slope = 0;
        for (let i = 0; i < m; i++) {
          let v = x[i] + t * dir[i];
          if (v < lower[i]) v = lower[i];
          if (v > upper[i]) v = upper[i];
          xn[i] = v;
          slope += g[i] * (v - x[i]);
        }
        const fn = this.evaluate(xn, gn, Hn);
        if (Number.isFinite(fn) && fn <= f + 1e-4 * Math.min(slope, 0) && (fn < f || slope === 0)) {
          accepted = true;
          x.set(xn);
          g.set(gn);
          haveH = this.hessExact;
          if (haveH) H.set(Hn);
          const df = f - fn;
          f = fn;
          if (lambda === 0 && t === 1 && dec < 1e-7 && df < 1e-10) converged = true;
          break;
        }
        this.b.set(this.bSave);
        if (slope === 0) break;
      }
      if (converged) { if (!haveH) this.hessian(x, g); break; }
      if (!accepted) {
        // no decrease possible: converged within rounding if the model predicted almost none
        if (dec < 1e-6) { converged = true; break; }
        return fail(`the optimizer made no progress (Newton decrement ${dec.toExponential(2)})`, iter);
      }
    }
    if (!converged) return fail(`no convergence in ${maxIt} Newton iterations`, iter);
    // standard errors: β block of the inverse Hessian over the parameters off their bounds
    nfree = 0;
    for (let i = 0; i < m; i++) if (!(x[i] <= lower[i] || x[i] >= upper[i])) free[nfree++] = i;
    for (let a = 0; a < nfree; a++) for (let b2 = 0; b2 < nfree; b2++) L[a + b2 * nfree] = H[free[a] + free[b2] * m];
    const se = new Float64Array(p).fill(NaN);
    const inv = choleskyInverseDiag(L, nfree);
    let seMsg = "";
    if (inv) {
      for (let a = 0; a < nfree; a++) if (free[a] < p) se[free[a]] = Math.sqrt(inv[a]);
    } else seMsg = "the Hessian is not positive definite: no standard errors";
    const beta = Float64Array.from(x.subarray(0, p));
    const msgs: string[] = [];
    if (x[p + 1] <= PHI_MIN) msgs.push(`nb_size at the Poisson limit (capped at ${NB_SIZE_MAX.toExponential(0)})`);
    if (x[p] <= 0) msgs.push("sd_patient at 0 (boundary)");
    if (x[p] >= S_MAX) msgs.push("sd_patient at its upper bound 10");
    if (x[p + 1] >= PHI_MAX) msgs.push("nb_size at its lower bound 1e-4");
    if (seMsg) msgs.push(seMsg);
    // an estimate running off to ±∞ (the counts are zero in a whole group, e.g. in every disease
    // patient) stops where the likelihood is flat: a huge SE says so
    let diverged = false;
    for (let k = 0; k < p; k++)
      if (se[k] > 1e3) { diverged = true; msgs.push(`the estimate of '${this.design.xnames[k]}' diverges (se ${se[k].toPrecision(3)}): no counts in a whole group of cells`); }
    let test: SmallSampleTest | undefined;
    if (options.smallSample !== false && !diverged) {
      this.reml ??= new RemlSolver(this);
      test = this.reml.test(beta, x[p], x[p + 1]) ?? undefined;
      if (!test) msgs.push("the REML refit for the small-sample test failed: t test on the ML fit");
    }
    return {
      ok: true, beta, se, sdPatient: Math.sqrt(x[p]), nbSize: 1 / x[p + 1], logLik: -f,
      converged: !seMsg && !diverged, message: msgs.join("; "), iterations: iter, evaluations: this.evaluations, test,
    };
  }

}
