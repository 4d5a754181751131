// The small-sample test of `glmm de`: the patient variance re-estimated by Laplace REML (β and the
// patient effects b integrated out jointly, as glmmTMB's REML = TRUE), the NB size held at its ML
// value; estimates are the joint mode at that variance and standard errors come from the Schur
// complement S = X'WX − Σ_j c_j c_jᵀ/(H_j + 1/s) of the joint Hessian. For a patient-level design
// the REML slope in s is analytic and a secant search finds its root in a few passes; otherwise a
// Newton search on the REML criterion's values.
import type { CellDesign } from "./design.js";
import type { NBGeneFitter, SmallSampleTest } from "./nbgene.js";
import { choleskyInverseDiag, cholSolve, lgammaRatio, S_MAX } from "./nbterms.js";

export class RemlSolver {
  private readonly f: NBGeneFitter;
  private readonly p: number;
  private readonly G: number;
  private readonly n: number;
  private readonly design: CellDesign;
  private readonly jR: Float64Array;
  private readonly jH: Float64Array;
  private readonly jW1: Float64Array;
  private readonly jC: Float64Array;
  private readonly jRX: Float64Array;
  private readonly jA: Float64Array;
  private readonly jS: Float64Array;
  private readonly jF: Float64Array;
  private readonly dBeta: Float64Array;
  private readonly dB: Float64Array;
  private readonly betaR: Float64Array;
  private readonly bR: Float64Array;

  constructor(f: NBGeneFitter) {
    this.f = f;
    const p = (this.p = f.p), G = (this.G = f.G);
    this.n = f.n;
    this.design = f.design;
    this.jR = new Float64Array(G);
    this.jH = new Float64Array(G);
    this.jW1 = new Float64Array(G);
    this.jC = new Float64Array(G * p);
    this.jRX = new Float64Array(G * p);
    this.jA = new Float64Array(p * p);
    this.jS = new Float64Array(p * p);
    this.jF = new Float64Array(p * p);
    this.dBeta = new Float64Array(p);
    this.dB = new Float64Array(G);
    this.betaR = new Float64Array(p);
    this.bR = new Float64Array(G);
  }


  /**
   * One pass at (β, b): per patient R_j = Σ r_c, H_j = Σ w_c and (cell-level X) the X-weighted sums;
   * A = X'WX. Returns Σ_c log NB(y_c) (without the y-and-k constants) when `value`.
   */
  jointPass(beta: Float64Array, b: Float64Array, phi: number, value: boolean): number {
    const p = this.p, G = this.G, n = this.n, d = this.design, gx = d.groupX, X = d.X;
    this.f.updateBase(beta);
    const base = this.f.base, nzPos = this.f.nzPos, nzY = this.f.nzY, nzStart = this.f.nzStart, gs = d.groupStart;
    const jR = this.jR, jH = this.jH, jC = this.jC, jRX = this.jRX, A = this.jA;
    A.fill(0);
    let total = 0;
    for (let j = 0; j < G; j++) {
      const e = Math.exp((gx ? this.f.eta0[j] : 0) + b[j]);
      let R = 0, H = 0, l = 0, W1 = 0;
      if (!gx) for (let k = 0; k < p; k++) { jC[j * p + k] = 0; jRX[j * p + k] = 0; }
      for (let c = gs[j]; c < gs[j + 1]; c++) {
        const mu = base[c] * e;
        const sc = 1 / (1 + mu * phi);
        const ms = mu * sc;
        const w = ms * sc;
        R -= ms;
        H += w;
        W1 += w * (2 * sc - 1);
        if (value) l -= Math.log1p(mu * phi) / phi;
        if (!gx) this.accumulateX(X, c, n, j, -ms, w);
      }
      for (let z = nzStart[j]; z < nzStart[j + 1]; z++) {
        const y = nzY[z], c = nzPos[z];
        const mu = base[c] * e;
        const sc = 1 / (1 + mu * phi);
        const ms = mu * sc;
        const dw = y * mu * phi * sc * sc;
        R += y * sc;
        H += dw;
        W1 += dw * (2 * sc - 1);
        if (value) l += y * Math.log(ms);
        if (!gx) this.accumulateX(X, c, n, j, y * sc, dw);
      }
      jR[j] = R;
      jH[j] = H;
      this.jW1[j] = W1;
      total += l;
      if (gx) {
        for (let k = 0; k < p; k++) {
          const xk = gx[j + k * G];
          jC[j * p + k] = xk * H;
          jRX[j * p + k] = xk * R;
          for (let m = 0; m <= k; m++) A[k + m * p] += xk * gx[j + m * G] * H;
        }
      }
    }
    return total;
  }

  accumulateX(X: Float64Array, c: number, n: number, j: number, r: number, w: number): void {
    const p = this.p, jC = this.jC, jRX = this.jRX, A = this.jA;
    for (let k = 0; k < p; k++) {
      const xk = X[c + k * n];
      jRX[j * p + k] += xk * r;
      jC[j * p + k] += xk * w;
      for (let m = 0; m <= k; m++) A[k + m * p] += xk * X[c + m * n] * w;
    }
  }

  /**
   * The Schur complement S = X'WX − Σ_j c_j c_jᵀ/(H_j + 1/s) into jS (lower, p×p) from the sums of
   * the last pass, and (when `step`) the Newton step of the joint mode into dBeta/dB. Returns log det S or NaN.
   */
  schur(b: Float64Array, s: number, step: boolean): number {
    const p = this.p, G = this.G, S = this.jS, A = this.jA, jC = this.jC, jH = this.jH, jR = this.jR, jRX = this.jRX;
    const rhs = this.dBeta;
    for (let k = 0; k < p; k++) for (let m = 0; m <= k; m++) S[k + m * p] = A[k + m * p];
    rhs.fill(0);
    for (let j = 0; j < G; j++) {
      const Dj = s > 0 ? jH[j] + 1 / s : Infinity;
      const gb = s > 0 ? jR[j] - b[j] / s : 0;
      for (let k = 0; k < p; k++) {
        rhs[k] += jRX[j * p + k];
        if (s > 0) {
          rhs[k] -= (jC[j * p + k] * gb) / Dj;
          for (let m = 0; m <= k; m++) S[k + m * p] -= (jC[j * p + k] * jC[j * p + m]) / Dj;
        }
      }
    }
    for (let k = 0; k < p; k++) for (let m = k + 1; m < p; m++) S[k + m * p] = S[m + k * p];
    const F = this.jF;
    F.set(S.subarray(0, p * p));
    if (!cholSolve(F, p, rhs)) return NaN;
    let logdet = 0;
    for (let k = 0; k < p; k++) logdet += 2 * Math.log(F[k + k * p]);
    if (step) {
      for (let j = 0; j < G; j++) {
        if (!(s > 0)) { this.dB[j] = 0; continue; }
        let v = jR[j] - b[j] / s;
        for (let k = 0; k < p; k++) v -= jC[j * p + k] * rhs[k];
        this.dB[j] = v / (jH[j] + 1 / s);
      }
    }
    return logdet;
  }

  /** Joint mode of (β, b) at (s, φ) by Newton from the current bR/betaR; false if it fails. */
  jointMode(s: number, phi: number): boolean {
    const p = this.p, G = this.G, beta = this.betaR, b = this.bR;
    if (!(s > 0)) b.fill(0);
    for (let it = 0; it < 50; it++) {
      this.jointPass(beta, b, phi, false);
      if (Number.isNaN(this.schur(b, s, true))) return false;
      let mx = 0;
      for (let k = 0; k < p; k++) mx = Math.max(mx, Math.abs(this.dBeta[k]));
      for (let j = 0; j < G; j++) mx = Math.max(mx, Math.abs(this.dB[j]));
      const f = mx > 2 ? 2 / mx : 1;
      for (let k = 0; k < p; k++) beta[k] += f * this.dBeta[k];
      for (let j = 0; j < G; j++) b[j] += f * this.dB[j];
      if (mx < 1e-10) return true;
    }
    return false;
  }

  /** The Laplace REML criterion at (s, φ): the joint mode, then its log density and log-determinants. */
  remlValue(s: number, phi: number): number {
    if (!this.jointMode(s, phi)) return NaN;
    const b = this.bR;
    let v = this.jointPass(this.betaR, b, phi, true) + this.constTerm(phi);
    for (let j = 0; j < this.G; j++) v -= (s > 0 ? (b[j] * b[j]) / (2 * s) : 0) + 0.5 * Math.log1p(s * this.jH[j]);
    const ld = this.schur(b, s, false);
    return Number.isNaN(ld) ? NaN : v - 0.5 * ld;
  }

  constTerm(phi: number): number {
    let t = -this.f.lfactSum;
    for (let v = 0; v < this.f.nvals; v++) t += this.f.cnts[v] * lgammaRatio(this.f.vals[v], phi);
    return t;
  }

  /**
   * dℓ_R/ds for a patient-level design, at the joint mode for s (computed here). There
   * S = Σ_j x_j x_jᵀ κ_j with κ_j = H_j/(1 + s·H_j), and the mode moves with s by
   * dβ = −S⁻¹ Σ_j x_j H_j R_j/(1 + s·H_j), db_j = (R_j − s·H_j·x_jᵀdβ)/(1 + s·H_j), which changes
   * H_j by W1_j·(x_jᵀdβ + db_j). NaN when the mode cannot be found.
   */
  remlSlope(s: number, phi: number): number {
    if (!this.jointMode(s, phi)) return NaN;
    const p = this.p, G = this.G, gx = this.design.groupX!;
    const jR = this.jR, jH = this.jH, jW1 = this.jW1;
    const S = this.jS, F = this.jF, v = this.dBeta;
    S.fill(0);
    v.fill(0);
    for (let j = 0; j < G; j++) {
      const kj = jH[j] / (1 + s * jH[j]);
      const rj = (jH[j] * jR[j]) / (1 + s * jH[j]);
      for (let k = 0; k < p; k++) {
        const xk = gx[j + k * G];
        v[k] -= xk * rj;
        for (let l = 0; l <= k; l++) S[k + l * p] += xk * gx[j + l * G] * kj;
      }
    }
    for (let k = 0; k < p; k++) for (let l = k + 1; l < p; l++) S[k + l * p] = S[l + k * p];
    F.set(S.subarray(0, p * p));
    if (!cholSolve(F, p, v)) return NaN; // v = dβ/ds; F holds the factor of S
    let slope = 0;
    const xs = this.dB; // scratch: x_j
    for (let j = 0; j < G; j++) {
      const Hj = jH[j], Dj = 1 + s * Hj;
      let xdb = 0;
      for (let k = 0; k < p; k++) xdb += gx[j + k * G] * v[k];
      const dbj = (jR[j] - s * Hj * xdb) / Dj;
      const dH = jW1[j] * (xdb + dbj);
      const dk = (dH - Hj * Hj) / (Dj * Dj);
      // x_jᵀ S⁻¹ x_j through the factor
      for (let k = 0; k < p; k++) xs[k] = gx[j + k * G];
      for (let i = 0; i < p; i++) {
        let t = xs[i];
        for (let k = 0; k < i; k++) t -= F[i + k * p] * xs[k];
        xs[i] = t / F[i + i * p];
      }
      let q = 0;
      for (let k = 0; k < p; k++) q += xs[k] * xs[k];
      slope += 0.5 * jR[j] * jR[j] - (0.5 * (Hj + s * dH)) / Dj - 0.5 * dk * q;
    }
    return slope;
  }

  /**
   * REML in s for a patient-level design: the root of dℓ_R/ds on s ≥ 0 by a safeguarded secant
   * method on F(s) = (s + v)²·dℓ_R/ds, nearly linear since the patient effects behave like a
   * variance component over a sampling variance v ≈ mean 1/H_j: dℓ_R/ds ≈ (df/2)(ŝ − s)/(s + v)².
   * Started from ML's s scaled by patients/df.
   */
  remlTestPatientLevel(sML: number, phi: number): SmallSampleTest | null {
    const p = this.p, G = this.G;
    const dfe = Math.max(1, G - p);
    let s0 = Math.min(Math.max((sML * G) / dfe, 1e-4), S_MAX);
    let d0 = this.remlSlope(s0, phi);
    if (!Number.isFinite(d0)) return null;
    let v = 0, nv = 0;
    for (let j = 0; j < G; j++) if (this.jH[j] > 0) { v += 1 / this.jH[j]; nv++; }
    v = nv > 0 ? v / nv : 0;
    let lo = 0, hi = S_MAX; // the root is in [lo, hi]: the slope is > 0 below it and < 0 above
    let dlo = NaN;
    if (d0 > 0) { lo = s0; dlo = d0; } else hi = s0;
    let s1 = Math.min(Math.max(s0 + (2 * d0 * (s0 + v) * (s0 + v)) / dfe, s0 / 10), s0 * 10, S_MAX);
    let s = s0, at = s0;
    for (let it = 0; it < 60; it++) {
      const d1 = this.remlSlope(s1, phi);
      if (!Number.isFinite(d1)) return null;
      at = s1;
      if (d1 > 0) { lo = s1; dlo = d1; } else hi = s1;
      s = s1;
      if (Math.abs(s1 - s0) <= 1e-6 * Math.max(s1, 1e-6) || d1 === 0) break;
      if (Number.isNaN(dlo) && hi < 1e-8) { s = 0; break; }
      const F0 = d0 * (s0 + v) * (s0 + v), F1 = d1 * (s1 + v) * (s1 + v);
      let sn = F1 !== F0 ? s1 - (F1 * (s1 - s0)) / (F1 - F0) : NaN;
      if (!(sn > lo && sn < hi)) sn = hi >= S_MAX ? Math.min(4 * lo + 1e-3, S_MAX) : Number.isNaN(dlo) ? hi / 10 : 0.5 * (lo + hi);
      s0 = s1; d0 = d1; s1 = sn;
    }
    if (lo === 0 && Number.isNaN(dlo)) {
      // never a positive slope: the maximum is on the boundary if the slope at 0 is not positive
      const dz = this.remlSlope(0, phi);
      at = 0;
      if (Number.isFinite(dz) && dz <= 0) s = 0;
    }
    if (at !== s && !Number.isFinite(this.remlSlope(s, phi))) return null;
    // the factor of S at s (from remlSlope) gives the standard errors
    const S = Float64Array.from(this.jS.subarray(0, p * p));
    const inv = choleskyInverseDiag(S, p);
    if (!inv) return null;
    return { estimate: Float64Array.from(this.betaR), se: inv.map(Math.sqrt), sdPatient: Math.sqrt(s) };
  }

  /** Maximize the REML criterion over s ≥ 0 (Newton on central differences), then the t-test pieces. */
  test(betaML: Float64Array, sML: number, phi: number): SmallSampleTest | null {
    const p = this.p;
    this.betaR.set(betaML);
    this.bR.set(this.f.b);
    if (this.design.groupX) return this.remlTestPatientLevel(sML, phi);
    let s = Math.min(Math.max(sML * 1.25, 1e-4), S_MAX);
    let f = this.remlValue(s, phi);
    if (!Number.isFinite(f)) return null;
    const saveB = new Float64Array(this.G), saveBeta = new Float64Array(p);
    for (let it = 0; it < 30; it++) {
      saveB.set(this.bR); saveBeta.set(this.betaR);
      const h = 1e-3 * Math.max(s, 1e-3);
      let d1: number, d2: number;
      if (s - h > 0) {
        const fp = this.remlValue(s + h, phi);
        this.bR.set(saveB); this.betaR.set(saveBeta);
        const fm = this.remlValue(s - h, phi);
        this.bR.set(saveB); this.betaR.set(saveBeta);
        d1 = (fp - fm) / (2 * h);
        d2 = (fp - 2 * f + fm) / (h * h);
      } else {
        const f1 = this.remlValue(s + h, phi);
        this.bR.set(saveB); this.betaR.set(saveBeta);
        const f2 = this.remlValue(s + 2 * h, phi);
        this.bR.set(saveB); this.betaR.set(saveBeta);
        d1 = (-3 * f + 4 * f1 - f2) / (2 * h);
        d2 = (f - 2 * f1 + f2) / (h * h);
      }
      if (!Number.isFinite(d1) || !Number.isFinite(d2)) return null;
      if (s <= 0 && d1 <= 0) break; // the maximum is on the boundary
      let step = d2 < 0 ? -d1 / d2 : Math.sign(d1) * Math.max(s, 0.01);
      step = Math.max(Math.min(step, Math.max(s, 0.05)), -s);
      let accepted = false;
      for (let ls = 0; ls < 30; ls++, step /= 2) {
        const sn = Math.min(Math.max(s + step, 0), S_MAX);
        const fn = this.remlValue(sn, phi);
        if (Number.isFinite(fn) && fn >= f - 1e-12 * Math.abs(f)) { s = sn; f = fn; accepted = true; break; }
        this.bR.set(saveB); this.betaR.set(saveBeta);
      }
      if (!accepted || Math.abs(step) < 1e-7 * Math.max(s, 1e-3)) break;
    }
    // estimates and standard errors at the REML variance
    if (!Number.isFinite(this.remlValue(s, phi))) return null;
    this.jointPass(this.betaR, this.bR, phi, false);
    if (Number.isNaN(this.schur(this.bR, s, false))) return null;
    const S = Float64Array.from(this.jS.subarray(0, p * p));
    const inv = choleskyInverseDiag(S, p);
    if (!inv) return null;
    return { estimate: Float64Array.from(this.betaR), se: inv.map(Math.sqrt), sdPatient: Math.sqrt(s) };
  }
}
