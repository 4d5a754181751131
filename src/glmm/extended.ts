// Conditional likelihoods beyond "one family, one dispersion" (glmmTMB's ziformula and
// dispformula): a zero-inflation part (logit of the probability of a structural zero), hurdles
// (zeros from that binomial part, positives from the zero-truncated count) and a dispersion per
// row from a log-linear formula. They enter the Laplace approximation as the per-row log density
// ℓ_i(η_i) and its first two η-derivatives: PIRLS steps with w = −ℓ″ (kept positive) and the
// Laplace determinant uses the observed −ℓ″, as TMB. The fixed effects of these parts are outer
// parameters (rows of the stage-1/stage-2 parameter vectors), like the NB size before them.
import { digamma, lgamma, lgammaShift, trigamma } from "../families/special.js";
import { betaDerivs, betaLogDensity } from "../families/extended.js";
import type { WeightMode } from "../families/kernels.js";
import type { ReTerm } from "../formula/types.js";

/** count and continuous conditional families the extended likelihood handles */
export type BaseKind = "poisson" | "nbinom2" | "nbinom1" | "gaussian" | "Gamma" | "beta";

/** one side model's fixed-effects design (n × p, column-major) */
export interface SideDesign {
  readonly X: Float64Array;
  readonly p: number;
  readonly names: readonly string[];
  /** random-effect terms of the side formula on the main model's rows (zero-inflation only) */
  readonly reTerms?: readonly ReTerm[];
}

export interface ExtendedSpec {
  readonly base: BaseKind;
  /** zero-truncated count for y > 0, zeros from the zi part (glmmTMB's truncated_* families) */
  readonly hurdle: boolean;
  /** the zero-inflation (hurdle: zero-probability) design, or null */
  readonly zi: SideDesign | null;
  /** the dispersion design (intercept only without --disp), null for Poisson */
  readonly disp: SideDesign | null;
}

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * The dispersion parameter per row is exp(X_d β_d), in glmmTMB's parametrization: the NB2 size
 * θ, the NB1 φ (Var = μ(1 + φ)), the gaussian residual variance σ², the Gamma shape (1/φ,
 * φ the squared coefficient of variation), the beta precision φ — as glmmTMB 1.1.5's betad.
 */
export class ExtendedLikelihood {
  readonly spec: ExtendedSpec;
  readonly n: number;
  readonly pz: number;
  readonly pd: number;
  /** logit of the zero probability per row (with the zi random effects when there are some) */
  readonly etaZi: Float64Array;
  /** its fixed part X_zi β_zi */
  readonly etaZiFixed: Float64Array;
  /** log of the dispersion parameter per row */
  readonly etaD: Float64Array;
  private readonly lfact: Float64Array;
  /** base()'s [ℓ, ℓ′, ℓ″, ℓ₀, ℓ₀′, ℓ₀″, μ] */
  private readonly out = new Float64Array(7);
  /** per row exp(etaD) and log1p of it, updated with etaD */
  private readonly expD: Float64Array;
  private readonly log1pD: Float64Array;
  private readonly keyD: Float64Array;
  /** NB2's y-and-k constant per row (nbConst) and the k it was computed for */
  private readonly nbKey: Float64Array;
  private readonly nbVal: Float64Array;
  /**
   * per row log1p(e^−|ζ|) at the ζ in zKey: softplus(ζ) and softplus(−ζ) share it, and without zi
   * random effects ζ changes only with the outer parameters — once per evaluation, not per row pass
   */
  private readonly zKey: Float64Array;
  private readonly zLp: Float64Array;
  /**
   * row()'s ℓ′ and ℓ″ per row at the (η, ζ) in dEta, dZeta, from the last minus2LogLik: PIRLS weights
   * the point it has just evaluated, so working() reads them instead of recomputing the row
   */
  private readonly dEta: Float64Array;
  private readonly dZeta: Float64Array;
  private readonly d1: Float64Array;
  private readonly d2: Float64Array;
  /** minus2LogLik's ℓ per row (unweighted), for the duplicates of the row */
  private readonly lrow: Float64Array;
  /**
   * per row the first earlier row with the same response, prior weight and designs (every
   * predictor's), or −1; null when no row repeats one. Such a row has the same ℓ and derivatives
   * at the same (η, ζ): counts with categorical predictors repeat (Salamanders: 354 distinct of
   * 644), and the row densities are most of an evaluation's arithmetic
   */
  duplicateOf: Int32Array | null = null;
  /** Gamma: gammaShapeTerm of the shape per row, updated with etaD */
  private readonly gammaD: Float64Array;
  /** beta: lgamma of the precision per row, updated with etaD; log y (also Gamma's) and log(1 − y) per row */
  private readonly lgD: Float64Array;
  private readonly logY: Float64Array;
  private readonly log1mY: Float64Array;
  /** beta: the log density per row at (η, φ) of its last evaluation (PIRLS weights the point the deviance just took) */
  private readonly betaEta: Float64Array;
  private readonly betaPhi: Float64Array;
  private readonly betaVal: Float64Array;
  /** beta: the expected information of the last base() row (PIRLS steps where −ℓ″ ≤ 0) */
  private info = 0;
  /** beta: info per row beside d1, d2 (working() reads it with them) */
  private readonly dInfo: Float64Array;
  private readonly d3 = new Float64Array(3);

  constructor(spec: ExtendedSpec, y: Float64Array) {
    this.spec = spec;
    this.n = y.length;
    this.pz = spec.zi?.p ?? 0;
    this.pd = spec.disp?.p ?? 0;
    this.etaZi = new Float64Array(this.n).fill(-Infinity);
    this.etaZiFixed = new Float64Array(this.n).fill(-Infinity);
    this.etaD = new Float64Array(this.n);
    this.expD = new Float64Array(this.n).fill(1);
    this.keyD = new Float64Array(this.n);
    this.log1pD = new Float64Array(this.n).fill(Math.log1p(1));
    this.nbKey = new Float64Array(this.n).fill(NaN);
    this.nbVal = new Float64Array(this.n);
    this.zKey = new Float64Array(this.n).fill(NaN);
    this.zLp = new Float64Array(this.n);
    this.dEta = new Float64Array(this.n).fill(NaN);
    this.dZeta = new Float64Array(this.n);
    this.d1 = new Float64Array(this.n);
    this.d2 = new Float64Array(this.n);
    this.lrow = new Float64Array(this.n);
    this.ys = y;
    const nb = spec.base === "beta" ? this.n : 0, ng = spec.base === "Gamma" ? this.n : 0;
    this.lgD = new Float64Array(nb).fill(lgamma(1));
    this.logY = Float64Array.from(y.subarray(0, Math.max(nb, ng)), Math.log);
    this.gammaD = new Float64Array(ng).fill(gammaShapeTerm(1));
    this.log1mY = Float64Array.from(y.subarray(0, nb), (v) => Math.log1p(-v));
    this.betaEta = new Float64Array(nb).fill(NaN);
    this.betaPhi = new Float64Array(nb);
    this.betaVal = new Float64Array(nb);
    this.dInfo = new Float64Array(nb);
    this.lfact = Float64Array.from(y, (v) => (spec.base === "gaussian" || spec.base === "Gamma" || spec.base === "beta" ? 0 : lgamma(v + 1)));
  }

  /**
   * Marks duplicate rows (duplicateOf) from the caller's key columns (its conditional design:
   * offset, X, random-effect terms) with the response, the prior weight and the side designs added
   * here; rows of prior weight 0 are never marked nor referenced. Two rows are duplicates when every
   * key value is equal (±0 alike, NaN equal to NaN: what comparing the values' decimal strings did).
   */
  markDuplicates(cols: readonly KeyColumn[], prior: Float64Array): void {
    const { n, spec } = this;
    const all: KeyColumn[] = [{ values: this.ys, start: 0, stride: 1 }, { values: prior, start: 0, stride: 1 }, ...cols];
    for (const side of [spec.zi, spec.disp]) if (side) for (let j = 0; j < side.p; j++) all.push({ values: side.X, start: j * n, stride: 1 });
    const K = all.length;
    // row-major keys, −0 as 0 and every NaN as one NaN (so that equal keys have equal bits)
    const key = new Float64Array(n * K);
    for (let c = 0; c < K; c++) {
      const { values, start, stride } = all[c];
      for (let i = 0; i < n; i++) {
        const v = values[start + i * stride];
        key[i * K + c] = v === 0 ? 0 : v === v ? v : NaN;
      }
    }
    const bits = new Int32Array(key.buffer);
    // per hash of a key, the first rows of the distinct keys with that hash
    const firsts = new Map<number, number[]>();
    const dup = new Int32Array(n).fill(-1);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (prior[i] === 0) continue;
      let h = 0x811c9dc5;
      for (let k = 2 * i * K; k < 2 * (i + 1) * K; k++) h = Math.imul(h ^ bits[k], 0x01000193);
      const rows = firsts.get(h);
      let first = -1;
      if (rows !== undefined) for (const r of rows) if (sameKey(key, r * K, i * K, K)) { first = r; break; }
      if (first >= 0) { dup[i] = first; any = true; }
      else if (rows !== undefined) rows.push(i);
      else firsts.set(h, [i]);
    }
    this.duplicateOf = any ? dup : null;
  }

  /** number of outer parameters: zi fixed effects then dispersion fixed effects */
  get nPar(): number {
    return this.pz + this.pd;
  }

  /** set the per-row zi logits and log-dispersions from x = (β_zi, β_disp) */
  setParams(x: ArrayLike<number>): void {
    const { n, pz, pd, spec } = this;
    this.cache2?.eta.fill(NaN);
    this.dEta.fill(NaN);
    if (spec.zi) {
      linear(spec.zi.X, n, pz, x, 0, this.etaZiFixed);
      this.etaZi.set(this.etaZiFixed);
    }
    if (spec.disp) {
      linear(spec.disp.X, n, pd, x, pz, this.etaD);
      const { etaD, expD, log1pD } = this;
      for (let i = 0; i < n; i++) {
        if (etaD[i] === this.keyD[i]) continue;
        expD[i] = Math.exp(etaD[i]);
        log1pD[i] = Math.log1p(expD[i]);
        if (spec.base === "beta") this.lgD[i] = lgamma(expD[i]);
        else if (spec.base === "Gamma") this.gammaD[i] = gammaShapeTerm(expD[i]);
        this.keyD[i] = etaD[i];
      }
    }
  }

  /**
   * Base log density at η for row i with its dispersion into out: [ℓ, ℓ′, ℓ″, ℓ₀, ℓ₀′, ℓ₀″, μ]
   * (ℓ₀ = log p(0 | η), counts only; μ the conditional mean), derivatives in η. Without `derivs` only ℓ and ℓ₀ (the
   * deviance's evaluations: NB1's digamma and trigamma skipped).
   */
  private base(i: number, y: number, eta: number, derivs = true): Float64Array {
    this.ye[0] = y; this.ye[1] = eta;
    return this.baseAt(i, derivs);
  }

  /**
   * (y, η) of the row cores, passed through this array: V8 boxes a double argument (and result)
   * of a call it does not inline — one heap number per row per PIRLS pass, most of a fit's garbage
   */
  private readonly ye = new Float64Array(2);

  /** base() at the (y, η) in this.ye */
  private baseAt(i: number, derivs: boolean): Float64Array {
    const o = this.out, y = this.ye[0], eta = this.ye[1];
    switch (this.spec.base) {
      case "poisson": {
        const mu = Math.exp(eta);
        o[0] = (y === 0 ? 0 : y * eta) - mu - this.lfact[i];
        o[1] = y - mu;
        o[2] = -mu;
        o[3] = -mu; o[4] = -mu; o[5] = -mu; o[6] = mu;
        break;
      }
      case "nbinom2": {
        const k = this.expD[i], mu = Math.exp(eta), lk = this.etaD[i];
        // softplus(t) and softplus(−t) share log1p(e^−|t|)
        const t = eta - lk, lp = Math.log1p(Math.exp(-Math.abs(t)));
        const l0 = -k * (t > 0 ? t + lp : lp);
        if (y !== 0 && this.nbKey[i] !== k) this.nbConstUpdate(i);
        o[0] = (y === 0 ? 0 : this.nbVal[i] - y * (t < 0 ? -t + lp : lp)) + l0;
        const km = k + mu;
        o[1] = (k * (y - mu)) / km;
        o[2] = (-k * mu * (k + y)) / (km * km);
        o[3] = l0; o[4] = (-k * mu) / km; o[5] = (-k * k * mu) / (km * km); o[6] = mu;
        break;
      }
      case "nbinom1": {
        // size k = μ/φ, success probability 1/(1 + φ)
        const k = Math.exp(eta - this.etaD[i]), l1p = this.log1pD[i];
        const l0 = -k * l1p;
        if (y === 0) {
          o[0] = l0; o[1] = l0; o[2] = l0;
        } else {
          o[0] = lgamma(y + k) - lgamma(k) - this.lfact[i] + l0 + y * (this.etaD[i] - l1p);
          if (derivs) {
            const dpsi = digamma(y + k) - digamma(k);
            o[1] = k * (dpsi - l1p);
            o[2] = o[1] + k * k * (trigamma(y + k) - trigamma(k));
          }
        }
        o[3] = l0; o[4] = l0; o[5] = l0; o[6] = Math.exp(eta);
        break;
      }
      case "gaussian": {
        const r = y - eta, a = this.expD[i];
        o[0] = -0.5 * (LOG_2PI + this.etaD[i]) - (r * r) / (2 * a);
        o[1] = r / a;
        o[2] = -1 / a;
        o[6] = eta;
        break;
      }
      case "Gamma": {
        // shape s, scale μ/s (log link)
        const s = this.expD[i], r = y * Math.exp(-eta);
        // (the shape's term and log y kept per row: the same sum, left to right, as written out)
        o[0] = this.gammaD[i] - s * eta + (s - 1) * this.logY[i] - s * r;
        o[1] = s * (r - 1);
        o[2] = -s * r;
        o[6] = Math.exp(eta);
        break;
      }
      case "beta": {
        const phi = this.expD[i];
        if (this.betaEta[i] !== eta || this.betaPhi[i] !== phi) {
          this.betaVal[i] = betaLogDensity(this.logY[i], this.log1mY[i], eta, phi, this.lgD[i]);
          this.betaEta[i] = eta; this.betaPhi[i] = phi;
        }
        o[0] = this.betaVal[i];
        if (derivs) {
          const d = this.d3;
          betaDerivs(this.logY[i], this.log1mY[i], eta, phi, d);
          o[1] = d[0]; o[2] = d[1]; this.info = d[2];
        }
        o[6] = 1 / (1 + Math.exp(-eta));
        break;
      }
    }
    return o;
  }

  /**
   * nbVal[i] = lgamma(y + k) − lgamma(y + 1) − lgamma(k) of NB2's row i (y > 0, y and k = expD[i]
   * from this.ye), kept per row while its k stays; computed once per distinct count and k
   */
  private nbConstUpdate(i: number): void {
    const y = this.ye[0], k = this.expD[i];
    const j = (this.yIndex ??= distinctIndex(this.ys)).index[i];
    const { memoK, memoV } = this.yIndex!;
    if (memoK[j] !== k) {
      memoV[j] = lgammaShift(y, k) - lgamma(k);
      memoK[j] = k;
    }
    this.nbVal[i] = memoV[j];
    this.nbKey[i] = k;
  }
  /** the response (for nbConstUpdate's index of distinct counts) */
  private readonly ys: Float64Array;
  private yIndex: DistinctIndex | null = null;

  /**
   * Row log density ℓ and its η-derivatives d1, d2 (into res[0..2]), with the zero-inflation or
   * hurdle mixture applied; with `derivs` false only ℓ.
   */
  row(i: number, y: number, eta: number, res: Float64Array, derivs = true): void {
    this.ye[0] = y; this.ye[1] = eta;
    this.rowAt(i, res, derivs);
  }

  /** row() at the (y, η) in this.ye */
  private rowAt(i: number, res: Float64Array, derivs: boolean): void {
    const b = this.baseAt(i, derivs);
    const y = this.ye[0], ez = this.etaZi[i];
    if (this.spec.hurdle) {
      // log π for zeros; log(1 − π) + ℓ − log(1 − p₀) for positives (softplus(±ζ) by zlp)
      const lz = this.zlp(i, ez);
      if (y === 0) { res[0] = -(ez < 0 ? -ez + lz : lz); res[1] = 0; res[2] = 0; return; }
      const l0 = b[3];
      const lp = log1mexp(l0); // log(1 − p₀)
      const s = Math.exp(l0 - lp); // p₀/(1 − p₀)
      res[0] = -(ez > 0 ? ez + lz : lz) + b[0] - lp;
      res[1] = b[1] + s * b[4];
      res[2] = b[2] + s * b[5] + s * (1 + s) * b[4] * b[4];
      return;
    }
    if (ez === -Infinity) { res[0] = b[0]; res[1] = b[1]; res[2] = b[2]; return; }
    const lp = this.zlp(i, ez);
    if (y !== 0) { res[0] = -(ez > 0 ? ez + lp : lp) + b[0]; res[1] = b[1]; res[2] = b[2]; return; }
    // zero: log(π + (1 − π)p₀); r = the posterior probability of a count-process zero
    const lz = -(ez < 0 ? -ez + lp : lp), lc = -(ez > 0 ? ez + lp : lp) + b[0];
    const m = Math.max(lz, lc);
    // (the larger term's exp(0) = 1 exactly: one exp per zero row instead of two)
    const l = m + Math.log(lz >= lc ? 1 + Math.exp(lc - m) : Math.exp(lz - m) + 1);
    res[0] = l;
    if (!derivs) return;
    const r = Math.exp(lc - l);
    res[1] = r * b[1];
    res[2] = r * b[2] + r * (1 - r) * b[1] * b[1];
    // (row2 reads these: the log densities of the two sources of a zero)
    this.lzc[0] = lz; this.lzc[1] = lc;
  }
  private readonly lzc = new Float64Array(2);

  /** log1p(e^−|ζ|) of row i (softplus(ζ) = max(ζ, 0) + it, bit for bit), kept while its ζ stays */
  private zlp(i: number, ez: number): number {
    if (this.zKey[i] !== ez) {
      this.zLp[i] = Math.log1p(Math.exp(-Math.abs(ez)));
      this.zKey[i] = ez;
    }
    return this.zLp[i];
  }

  /**
   * Row log density and its derivatives in both linear predictors (η, and the zi logit ζ):
   * res = [ℓ, ℓ_η, ℓ_ηη, ℓ_ζ, ℓ_ζζ, ℓ_ηζ] — the inner problem with zi random effects.
   */
  row2(i: number, y: number, eta: number, res: Float64Array): void {
    this.ye[0] = y; this.ye[1] = eta;
    this.row2At(i, res);
  }

  /** row2() at the (y, η) in this.ye */
  private row2At(i: number, res: Float64Array): void {
    this.rowAt(i, res, true);
    const y = this.ye[0], ez = this.etaZi[i];
    const pi = 1 / (1 + Math.exp(-ez));
    res[4] = -pi * (1 - pi);
    res[5] = 0;
    if (this.spec.hurdle || y !== 0) { res[3] = this.spec.hurdle && y === 0 ? 1 - pi : -pi; return; }
    // zero of the mixture: r = P(count-process zero | y = 0), ∂r/∂ζ = −r(1 − r); row left b = base(i, y, η)
    const r = ez === -Infinity ? 1 : 1 / (1 + Math.exp(this.lzc[0] - this.lzc[1]));
    res[3] = 1 - r - pi;
    res[4] += r * (1 - r);
    res[5] = -r * (1 - r) * this.out[1];
  }

  /**
   * Per row the joint working quantities of the two predictors, prior-weighted: the negative
   * Hessian (a = −ℓ_ηη, b = −ℓ_ζζ, c = −ℓ_ηζ) and the gradient (g1 = ℓ_η, g2 = ℓ_ζ), into
   * out[5i .. 5i+5).
   */
  working2(eta: Float64Array, y: Float64Array, prior: Float64Array, out: Float64Array): void {
    const res = this.out6, ye = this.ye;
    const n = this.n, zeta = this.etaZi;
    // (the deviance's evaluations keep row2's derivatives from now on: PIRLS weights the point it just evaluated)
    const c = (this.cache2 ??= { eta: new Float64Array(n).fill(NaN), zeta: new Float64Array(n), d: new Float64Array(5 * n) });
    const d = c.d;
    for (let i = 0; i < n; i++) {
      const wt = prior[i], o = 5 * i;
      if (wt === 0) { out.fill(0, o, o + 5); continue; }
      if (c.eta[i] === eta[i] && c.zeta[i] === zeta[i]) {
        out[o] = -wt * d[o + 1]; out[o + 1] = -wt * d[o + 3]; out[o + 2] = -wt * d[o + 4];
        out[o + 3] = wt * d[o]; out[o + 4] = wt * d[o + 2];
        continue;
      }
      ye[0] = y[i]; ye[1] = eta[i];
      this.row2At(i, res);
      out[o] = -wt * res[2]; out[o + 1] = -wt * res[4]; out[o + 2] = -wt * res[5];
      out[o + 3] = wt * res[1]; out[o + 4] = wt * res[3];
    }
  }
  private readonly out6 = new Float64Array(6);
  /** row2's [ℓ_η, ℓ_ηη, ℓ_ζ, ℓ_ζζ, ℓ_ηζ] per row at the (η, ζ) of the last minus2LogLik, once working2 is in use */
  private cache2: { eta: Float64Array; zeta: Float64Array; d: Float64Array } | null = null;

  /** −2 Σ prior·ℓ at η; μ ← the conditional mean exp(η) (identity for gaussian, inverse logit for beta) */
  minus2LogLik(eta: Float64Array, mu: Float64Array, y: Float64Array, prior: Float64Array): number {
    const ident = this.spec.base === "gaussian", logit = this.spec.base === "beta";
    const c = this.cache2;
    let s = 0;
    const ye = this.ye, o6 = this.out;
    const dup = this.duplicateOf, lrow = this.lrow, etaD = this.etaD;
    if (c) {
      const res = this.out6, zeta = this.etaZi, d = c.d;
      for (let i = 0; i < this.n; i++) {
        if (prior[i] === 0) { mu[i] = Math.exp(eta[i]); continue; }
        const j = dup === null ? -1 : dup[i], o = 5 * i;
        if (j >= 0 && c.eta[j] === eta[i] && c.zeta[j] === zeta[i] && etaD[j] === etaD[i]) {
          // (a duplicate of row j, evaluated above at the same (η, ζ))
          const oj = 5 * j;
          d[o] = d[oj]; d[o + 1] = d[oj + 1]; d[o + 2] = d[oj + 2]; d[o + 3] = d[oj + 3]; d[o + 4] = d[oj + 4];
          mu[i] = mu[j];
          lrow[i] = lrow[j];
        } else {
          ye[0] = y[i]; ye[1] = eta[i];
          this.row2At(i, res);
          mu[i] = o6[6];
          lrow[i] = res[0];
          d[o] = res[1]; d[o + 1] = res[2]; d[o + 2] = res[3]; d[o + 3] = res[4]; d[o + 4] = res[5];
        }
        s += prior[i] * lrow[i];
        c.eta[i] = eta[i]; c.zeta[i] = zeta[i];
      }
      return Number.isNaN(s) ? Infinity : -2 * s;
    }
    const res = this.out2, zeta = this.etaZi, { dEta, dZeta, d1, d2, dInfo } = this;
    for (let i = 0; i < this.n; i++) {
      if (prior[i] === 0) { mu[i] = ident ? eta[i] : logit ? 1 / (1 + Math.exp(-eta[i])) : Math.exp(eta[i]); continue; }
      const j = dup === null ? -1 : dup[i];
      if (j >= 0 && dEta[j] === eta[i] && dZeta[j] === zeta[i] && etaD[j] === etaD[i]) {
        mu[i] = mu[j]; lrow[i] = lrow[j]; d1[i] = d1[j]; d2[i] = d2[j];
        if (logit) dInfo[i] = dInfo[j];
      } else {
        ye[0] = y[i]; ye[1] = eta[i];
        this.rowAt(i, res, true);
        mu[i] = o6[6];
        lrow[i] = res[0]; d1[i] = res[1]; d2[i] = res[2];
        if (logit) dInfo[i] = this.info;
      }
      s += prior[i] * lrow[i];
      dEta[i] = eta[i]; dZeta[i] = zeta[i];
    }
    return Number.isNaN(s) ? Infinity : -2 * s;
  }
  private readonly out2 = new Float64Array(3);

  /**
   * Working weights w = −ℓ″ and response z = η − zOffset + ℓ′/w: Newton steps, and the Laplace
   * determinant of the observed information as TMB's. A zero in the inflection of its mixture has
   * −ℓ″ < 0; the rows of its level keep the system positive definite in practice (the PIRLS steps
   * stay Newton steps: fast, and modes accurate enough for finite-difference Hessians). Only
   * "expected" replaces such a row's weight by its count-process curvature.
   */
  working(eta: Float64Array, y: Float64Array, prior: Float64Array, zOffset: Float64Array, w: Float64Array, z: Float64Array, mode: WeightMode): void {
    const res = this.out2, zeta = this.etaZi, ye = this.ye, { dEta, dZeta, d1, d2, dInfo } = this;
    const beta = this.spec.base === "beta";
    for (let i = 0; i < this.n; i++) {
      const wt = prior[i];
      // (a hurdle's zero carries no information on η)
      if (wt === 0 || (this.spec.hurdle && y[i] === 0)) { w[i] = 0; z[i] = eta[i] - zOffset[i]; continue; }
      let info: number;
      if (dEta[i] === eta[i] && dZeta[i] === zeta[i]) { res[1] = d1[i]; res[2] = d2[i]; info = beta ? dInfo[i] : 0; }
      else { ye[0] = y[i]; ye[1] = eta[i]; this.rowAt(i, res, true); info = this.info; }
      let wi = -wt * res[2];
      // (a beta row far from its mean has ℓ″ > 0: PIRLS steps take its expected information, as the beta family's)
      if (beta && mode !== "observed" && (mode === "expected" || !(wi > 0))) wi = wt * info;
      else if (mode === "expected" && !(wi > 1e-12)) {
        const b = this.base(i, y[i], eta[i]);
        wi = Math.max(-wt * b[2], 1e-8);
      }
      w[i] = wi;
      z[i] = eta[i] - zOffset[i] + (wi !== 0 ? (wt * res[1]) / wi : 0);
    }
  }

  /** zero probability π_i of the zi part (0 without one) */
  zeroProb(i: number): number {
    const e = this.etaZi[i];
    return e === -Infinity ? 0 : 1 / (1 + Math.exp(-e));
  }
}

/** one component of the rows' keys for markDuplicates: values[start + i·stride] for row i */
export interface KeyColumn {
  readonly values: ArrayLike<number>;
  readonly start: number;
  readonly stride: number;
}

/** key[a .. a+K) equals key[b .. b+K) (NaN equal to NaN) */
function sameKey(key: Float64Array, a: number, b: number, K: number): boolean {
  for (let c = 0; c < K; c++) {
    const u = key[a + c], v = key[b + c];
    if (u !== v && (u === u || v === v)) return false;
  }
  return true;
}

/** per row the index of its value among the distinct values, and a memo (key, value) per distinct value */
interface DistinctIndex {
  readonly index: Int32Array;
  readonly memoK: Float64Array;
  readonly memoV: Float64Array;
}

function distinctIndex(y: ArrayLike<number>): DistinctIndex {
  const seen = new Map<number, number>();
  const index = new Int32Array(y.length);
  for (let i = 0; i < y.length; i++) {
    let j = seen.get(y[i]);
    if (j === undefined) seen.set(y[i], (j = seen.size));
    index[i] = j;
  }
  return { index, memoK: new Float64Array(seen.size).fill(NaN), memoV: new Float64Array(seen.size) };
}

/** −lgamma(s) + s log s: the part of the Gamma log density with shape s that does not depend on η or y */
function gammaShapeTerm(s: number): number {
  return -lgamma(s) + s * Math.log(s);
}

/** log(1 − e^x) for x < 0, accurate at both ends */
export function log1mexp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** out = X x[off .. off+p) */
function linear(X: Float64Array, n: number, p: number, x: ArrayLike<number>, off: number, out: Float64Array): void {
  out.fill(0);
  for (let j = 0; j < p; j++) {
    const b = x[off + j];
    if (b === 0) continue;
    for (let i = 0; i < n; i++) out[i] += X[i + j * n] * b;
  }
}
