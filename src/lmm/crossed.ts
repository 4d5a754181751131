// The PLS system Ω = ΛᵀZᵀWZΛ + I of scalar intercept terms, held as passes over the rows instead of
// a factor: the iterative route for large crossed factors (users × items), where any Cholesky
// fills in. Term 0 (the most levels) is eliminated exactly — its block of Ω is diagonal — and the
// rest is its Schur complement
//   S = Ω_RR − Ω_R0 Ω₀₀⁻¹ Ω_0R,
// applied in one pass over the rows grouped by their term-0 level (never formed). The iterative
// kernels see Ŝ = D^{-1/2} S D^{-1/2}, D = diag(S) (Jacobi), whose diagonal is 1: then
// log|Ω| = Σ log Ω₀₀ + Σ log D + log|Ŝ|. Storage: 4-byte rest indices and one weight per row.
import type { SysTerm } from "./reterms.js";

export class CrossedSchur {
  readonly n: number;
  /** number of rest terms */
  readonly R: number;
  readonly q0: number;
  readonly qR: number;
  /** rows sorted by term-0 level: group l holds sorted positions grpPtr[l] .. grpPtr[l+1) */
  readonly grpPtr: Int32Array;
  /** per sorted position and rest term: the rest index (roff[t] + level) */
  readonly ridx: Int32Array;
  /** per sorted position: the data row */
  readonly rowOf: Int32Array;
  /** per sorted position: the row's weight */
  readonly wt: Float64Array;
  /** Σ w per term-0 level and per rest index */
  readonly d0: Float64Array;
  readonly dR: Float64Array;
  // at the current θ
  lam0 = 1;
  /** per rest index: λ of its term */
  readonly lamR: Float64Array;
  /** Ω₀₀ (diagonal) */
  readonly om0: Float64Array;
  /** diag(S) */
  readonly D: Float64Array;
  /** λ_R / √D per rest index */
  readonly sc: Float64Array;
  private readonly T: Float64Array[] = [];

  constructor(readonly terms: readonly SysTerm[], n: number) {
    this.n = n;
    const R = terms.length - 1;
    this.R = R;
    const t0 = terms[0];
    this.q0 = t0.nl;
    let qR = 0;
    const roff: number[] = [];
    for (let t = 1; t <= R; t++) {
      roff.push(qR);
      qR += terms[t].nl;
    }
    this.qR = qR;
    // counting sort of the rows by term-0 level
    const grpPtr = new Int32Array(this.q0 + 1);
    for (let i = 0; i < n; i++) grpPtr[t0.refs[i] + 1]++;
    for (let l = 0; l < this.q0; l++) grpPtr[l + 1] += grpPtr[l];
    const fill = grpPtr.slice(0, this.q0);
    const rowOf = new Int32Array(n);
    for (let i = 0; i < n; i++) rowOf[fill[t0.refs[i]]++] = i;
    const ridx = new Int32Array(n * R);
    for (let s = 0; s < n; s++) for (let t = 0; t < R; t++) ridx[s * R + t] = roff[t] + terms[t + 1].refs[rowOf[s]];
    this.grpPtr = grpPtr;
    this.rowOf = rowOf;
    this.ridx = ridx;
    this.wt = new Float64Array(n);
    this.d0 = new Float64Array(this.q0);
    this.dR = new Float64Array(qR);
    this.lamR = new Float64Array(qR);
    this.om0 = new Float64Array(this.q0);
    this.D = new Float64Array(qR);
    this.sc = new Float64Array(qR);
    this.setWeights(null);
  }

  /** the terms this route serves: two or more scalar intercept terms without a known covariance */
  static eligible(terms: readonly SysTerm[]): boolean {
    return terms.length >= 2 && terms.every((t) => t.s === 1 && t.kfac === null && t.kprec === null && !t.tree && t.term.z.every((v) => v === 1));
  }

  /** row weights (null = 1) */
  setWeights(w: Float64Array | null): void {
    const { n, R, wt, d0, dR, ridx, grpPtr, rowOf } = this;
    d0.fill(0);
    dR.fill(0);
    for (let l = 0; l < this.q0; l++)
      for (let s = grpPtr[l]; s < grpPtr[l + 1]; s++) {
        const v = w ? w[rowOf[s]] : 1;
        wt[s] = v;
        d0[l] += v;
        for (let t = 0; t < R; t++) dR[ridx[s * R + t]] += v;
      }
    void n;
  }

  /** θ: one λ per term (system order) */
  setTheta(theta: ArrayLike<number>): void {
    const { R, q0, qR, grpPtr, ridx, wt, lamR, om0, D, sc, dR, d0 } = this;
    const lam0 = theta[this.terms[0].thetaOffset];
    this.lam0 = lam0;
    for (let t = 0; t < R; t++) {
      const lam = theta[this.terms[t + 1].thetaOffset];
      const o = t === 0 ? 0 : this.restOffset(t);
      lamR.fill(lam, o, o + this.terms[t + 1].nl);
    }
    for (let l = 0; l < q0; l++) om0[l] = lam0 * lam0 * d0[l] + 1;
    for (let j = 0; j < qR; j++) D[j] = lamR[j] * lamR[j] * dR[j] + 1;
    // − Σ_l Ω_jl² / Ω_ll: Ω_jl sums the weights of group l's rows at j (a pair may repeat)
    const acc = new Float64Array(qR);
    const touched = new Int32Array(Math.max(1, maxGroup(grpPtr) * R));
    for (let l = 0; l < q0; l++) {
      let nt = 0;
      for (let s = grpPtr[l]; s < grpPtr[l + 1]; s++)
        for (let t = 0; t < R; t++) {
          const j = ridx[s * R + t];
          if (acc[j] === 0) touched[nt++] = j;
          acc[j] += wt[s];
        }
      const f = (lam0 * lam0) / om0[l];
      for (let a = 0; a < nt; a++) {
        const j = touched[a];
        const c = acc[j];
        D[j] -= f * lamR[j] * lamR[j] * c * c;
        acc[j] = 0;
      }
    }
    for (let j = 0; j < qR; j++) sc[j] = lamR[j] / Math.sqrt(D[j]);
  }

  private restOffset(t: number): number {
    let o = 0;
    for (let a = 1; a <= t; a++) o += this.terms[a].nl;
    return o;
  }

  private scratch(i: number, len: number): Float64Array {
    if (!this.T[i] || this.T[i].length < len) this.T[i] = new Float64Array(len);
    return this.T[i].subarray(0, len);
  }

  /** Y ← Ŝ X for k interleaved vectors of length qR */
  readonly applyHat = (X: Float64Array, Y: Float64Array, k: number): void => {
    const { R, q0, qR, grpPtr, ridx, wt, sc, om0, D, lam0 } = this;
    const T = this.scratch(0, qR * k), U = this.scratch(1, qR * k);
    for (let j = 0, o = 0; j < qR; j++) for (let c = 0; c < k; c++, o++) T[o] = sc[j] * X[o];
    U.fill(0);
    const g = this.scratch(2, k);
    const l2 = lam0 * lam0;
    if (R === 1 && k === 1) {
      // the common case (two crossed factors, one vector), without the inner loops
      for (let l = 0; l < q0; l++) {
        const s0 = grpPtr[l], s1 = grpPtr[l + 1];
        let acc = 0;
        for (let s = s0; s < s1; s++) acc += wt[s] * T[ridx[s]];
        const h = (l2 * acc) / om0[l];
        for (let s = s0; s < s1; s++) U[ridx[s]] += wt[s] * (T[ridx[s]] - h);
      }
    } else if (R === 1) {
      // two crossed factors, a block of k vectors: the k values of one rest index are adjacent;
      // eight columns at a time in locals (2× faster than an inner loop over the columns)
      let c0 = 0;
      for (; c0 + 8 <= k; c0 += 8) applyPair8(this, T, U, k, c0);
      for (; c0 < k; c0++)
        for (let l = 0; l < q0; l++) {
          const s0 = grpPtr[l], s1 = grpPtr[l + 1];
          let acc = 0;
          for (let s = s0; s < s1; s++) acc += wt[s] * T[ridx[s] * k + c0];
          const h = (l2 * acc) / om0[l];
          for (let s = s0; s < s1; s++) {
            const b = ridx[s] * k + c0;
            U[b] += wt[s] * (T[b] - h);
          }
        }
    } else {
      for (let l = 0; l < q0; l++) {
        const s0 = grpPtr[l], s1 = grpPtr[l + 1];
        g.fill(0);
        for (let s = s0; s < s1; s++) {
          const w = wt[s];
          for (let t = 0; t < R; t++) {
            const b = ridx[s * R + t] * k;
            for (let c = 0; c < k; c++) g[c] += w * T[b + c];
          }
        }
        const f = l2 / om0[l];
        for (let c = 0; c < k; c++) g[c] *= f;
        for (let s = s0; s < s1; s++) {
          const w = wt[s];
          for (let c = 0; c < k; c++) {
            let r = -g[c];
            for (let t = 0; t < R; t++) r += T[ridx[s * R + t] * k + c];
            const v = w * r;
            for (let t = 0; t < R; t++) U[ridx[s * R + t] * k + c] += v;
          }
        }
      }
    }
    for (let j = 0, o = 0; j < qR; j++) {
      const a = sc[j], e = 1 / D[j];
      for (let c = 0; c < k; c++, o++) Y[o] = a * U[o] + e * X[o];
    }
  };

  /** out_R (qR×k) ← Ω_R0 x0 (q0×k) */
  omegaR0(x0: Float64Array, out: Float64Array, k: number): void {
    this.offDiagonal(x0, out, k, true);
  }

  /** out0 (q0×k) ← Ω_0R xR (qR×k) */
  omega0R(xR: Float64Array, out: Float64Array, k: number): void {
    this.offDiagonal(xR, out, k, false);
  }

  /** Ω_R0 x (toRest) or Ω_0R x: the same entries λ₀ λ_j w, read in either direction */
  private offDiagonal(x: Float64Array, out: Float64Array, k: number, toRest: boolean): void {
    const { R, q0, grpPtr, ridx, wt, lamR, lam0 } = this;
    out.fill(0);
    for (let l = 0; l < q0; l++)
      for (let s = grpPtr[l]; s < grpPtr[l + 1]; s++) {
        const w = wt[s] * lam0;
        for (let t = 0; t < R; t++) {
          const j = ridx[s * R + t];
          const f = w * lamR[j];
          const a = toRest ? j * k : l * k, b = toRest ? l * k : j * k;
          for (let c = 0; c < k; c++) out[a + c] += f * x[b + c];
        }
      }
  }

  /** ZᵀW F for k interleaved row vectors F (n×k, data-row order): (q0 + qR)×k, without Λ */
  crossZ(F: Float64Array, k: number): Float64Array {
    const { R, q0, grpPtr, ridx, wt, rowOf } = this;
    const out = new Float64Array((q0 + this.qR) * k);
    for (let l = 0; l < q0; l++)
      for (let s = grpPtr[l]; s < grpPtr[l + 1]; s++) {
        const w = wt[s], i = rowOf[s] * k;
        for (let c = 0; c < k; c++) {
          const v = w * F[i + c];
          out[l * k + c] += v;
          for (let t = 0; t < R; t++) out[(q0 + ridx[s * R + t]) * k + c] += v;
        }
      }
    return out;
  }

  /** Σ log Ω₀₀ + Σ log D: the exactly known part of log|Ω| */
  logdetKnown(): number {
    let s = 0;
    for (let l = 0; l < this.q0; l++) s += Math.log(this.om0[l]);
    for (let j = 0; j < this.qR; j++) s += Math.log(this.D[j]);
    return s;
  }
}

/** applyHat's inner pass for two crossed factors, columns c0 .. c0 + 7 of a k-column block */
function applyPair8(op: CrossedSchur, T: Float64Array, U: Float64Array, k: number, c0: number): void {
  const { q0, grpPtr, ridx, wt, om0, lam0 } = op;
  const l2 = lam0 * lam0;
  for (let l = 0; l < q0; l++) {
    const s0 = grpPtr[l], s1 = grpPtr[l + 1];
    let g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0;
    for (let s = s0; s < s1; s++) {
      const w = wt[s], b = ridx[s] * k + c0;
      g0 += w * T[b]; g1 += w * T[b + 1]; g2 += w * T[b + 2]; g3 += w * T[b + 3];
      g4 += w * T[b + 4]; g5 += w * T[b + 5]; g6 += w * T[b + 6]; g7 += w * T[b + 7];
    }
    const f = l2 / om0[l];
    g0 *= f; g1 *= f; g2 *= f; g3 *= f; g4 *= f; g5 *= f; g6 *= f; g7 *= f;
    for (let s = s0; s < s1; s++) {
      const w = wt[s], b = ridx[s] * k + c0;
      U[b] += w * (T[b] - g0); U[b + 1] += w * (T[b + 1] - g1); U[b + 2] += w * (T[b + 2] - g2); U[b + 3] += w * (T[b + 3] - g3);
      U[b + 4] += w * (T[b + 4] - g4); U[b + 5] += w * (T[b + 5] - g5); U[b + 6] += w * (T[b + 6] - g6); U[b + 7] += w * (T[b + 7] - g7);
    }
  }
}

function maxGroup(ptr: Int32Array): number {
  let m = 0;
  for (let l = 0; l + 1 < ptr.length; l++) m = Math.max(m, ptr[l + 1] - ptr[l]);
  return m;
}
