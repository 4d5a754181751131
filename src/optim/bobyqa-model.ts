/**
 * The state BOBYQA carries between iterations (Powell 2009, DAMTP 2009/NA06, sections 2–4):
 * the interpolation points, the quadratic model that interpolates f at them, and the inverse H
 * of the interpolation (KKT) matrix W = [A P; Pᵀ 0], A_jk = ½(x_j·x_k)², P_k = (1, x_kᵀ).
 *
 * H = [Ω Ξᵀ; Ξ Υ] is stored as Powell does: Ω = Z Zᵀ (npt × (npt−n−1), so Ω stays positive
 * semidefinite of the right rank under rounding), and BMAT holds the rows of Ξ and Υ that belong
 * to the n linear terms (the constant-term row/column of H is never needed). Column t of H gives the
 * Lagrange function ℓ_t: its Hessian Σ_k Ω_kt x_k x_kᵀ and its gradient at the base point Ξ e_t.
 *
 * All points are relative to `xbase`. Matrices are column-major Float64Arrays.
 */
export class BobyqaModel {
  readonly n: number;
  readonly npt: number;
  /** Columns of Z: npt − n − 1. */
  readonly nz: number;
  /** Rows of BMAT: npt + n. */
  readonly ndim: number;
  readonly xbase: Float64Array;
  /** xpt(k, j) = xpt[k + npt*j]. */
  readonly xpt: Float64Array;
  readonly fval: Float64Array;
  /** bmat(i, j) = bmat[i + ndim*j]; rows < npt: Ξᵀ, rows ≥ npt: Υ (symmetric n×n). */
  readonly bmat: Float64Array;
  /** zmat(k, c) = zmat[k + npt*c]. */
  readonly zmat: Float64Array;
  /** Explicit part of the model Hessian (n×n, symmetric, both triangles kept). */
  readonly hq: Float64Array;
  /** Implicit part of the model Hessian: Σ_k pq_k x_k x_kᵀ. */
  readonly pq: Float64Array;
  /** Model gradient at xopt. */
  readonly gopt: Float64Array;
  readonly xopt: Float64Array;
  /** Bounds relative to xbase: sl ≤ 0 ≤ su at the base point. */
  readonly sl: Float64Array;
  readonly su: Float64Array;
  kopt = 0;

  constructor(n: number, npt: number, xbase: Float64Array, lower: Float64Array, upper: Float64Array) {
    this.n = n;
    this.npt = npt;
    this.nz = npt - n - 1;
    this.ndim = npt + n;
    this.xbase = Float64Array.from(xbase);
    this.xpt = new Float64Array(npt * n);
    this.fval = new Float64Array(npt);
    this.bmat = new Float64Array(this.ndim * n);
    this.zmat = new Float64Array(npt * this.nz);
    this.hq = new Float64Array(n * n);
    this.pq = new Float64Array(npt);
    this.gopt = new Float64Array(n);
    this.xopt = new Float64Array(n);
    this.sl = new Float64Array(n);
    this.su = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      this.sl[j] = lower[j] - xbase[j];
      this.su[j] = upper[j] - xbase[j];
    }
  }

  /** Absolute coordinates of a point given relative to xbase; exact bound values where it sits on sl/su. */
  absolute(xrel: Float64Array, lower: Float64Array, upper: Float64Array): Float64Array {
    const out = new Float64Array(this.n);
    for (let j = 0; j < this.n; j++) {
      let v = Math.min(Math.max(this.xbase[j] + xrel[j], lower[j]), upper[j]);
      if (xrel[j] <= this.sl[j]) v = lower[j];
      if (xrel[j] >= this.su[j]) v = upper[j];
      out[j] = v;
    }
    return out;
  }

  /** out = ∇²Q v (model Hessian times v). */
  hessVec(v: Float64Array, out: Float64Array): void {
    const { n, npt, xpt, hq, pq } = this;
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += hq[i + n * j] * v[j];
      out[i] = s;
    }
    for (let k = 0; k < npt; k++) {
      if (pq[k] === 0) continue;
      let t = 0;
      for (let j = 0; j < n; j++) t += xpt[k + npt * j] * v[j];
      t *= pq[k];
      for (let j = 0; j < n; j++) out[j] += t * xpt[k + npt * j];
    }
  }

  /** Diagonal element (j, j) of the model Hessian. */
  hessDiag(j: number): number {
    const { n, npt, xpt, pq } = this;
    let s = this.hq[j + n * j];
    for (let k = 0; k < npt; k++) {
      const x = xpt[k + npt * j];
      s += pq[k] * x * x;
    }
    return s;
  }

  /** Ω_kt = Σ_c Z(k,c) Z(t,c) for all k: the Hessian weights of Lagrange function t. */
  omegaColumn(t: number, out: Float64Array): void {
    const { npt, nz, zmat } = this;
    out.fill(0, 0, npt);
    for (let c = 0; c < nz; c++) {
      const zt = zmat[t + npt * c];
      if (zt === 0) continue;
      for (let k = 0; k < npt; k++) out[k] += zt * zmat[k + npt * c];
    }
  }

  /** Ω_kk: the α of the updating formula for replacing point k. */
  omegaDiag(k: number): number {
    const { npt, nz, zmat } = this;
    let s = 0;
    for (let c = 0; c < nz; c++) {
      const z = zmat[k + npt * c];
      s += z * z;
    }
    return s;
  }

  distSqToOpt(k: number): number {
    const { n, npt, xpt, xopt } = this;
    let s = 0;
    for (let j = 0; j < n; j++) {
      const d = xpt[k + npt * j] - xopt[j];
      s += d * d;
    }
    return s;
  }

  xoptSq(): number {
    let s = 0;
    for (let j = 0; j < this.n; j++) s += this.xopt[j] * this.xopt[j];
    return s;
  }

  /**
   * Values at xopt + d of all Lagrange functions (vlag[0..npt)) and the Ξw-type terms
   * (vlag[npt..npt+n)), and β = ½‖x‖⁴ − wᵀHw, for the step d from xopt. Uses w(x) − w(xopt) so the
   * products stay of the size of ‖d‖ rather than ‖x‖ (then H w(xopt) = e_kopt).
   */
  lagrangeAt(d: Float64Array, vlag: Float64Array): number {
    const { n, npt, nz, ndim, xpt, xopt, bmat, zmat, kopt } = this;
    const wt = new Float64Array(npt);
    for (let k = 0; k < npt; k++) {
      let xd = 0;
      let xo = 0;
      let bd = 0;
      for (let j = 0; j < n; j++) {
        const x = xpt[k + npt * j];
        xd += x * d[j];
        xo += x * xopt[j];
        bd += bmat[k + ndim * j] * d[j];
      }
      wt[k] = xd * (0.5 * xd + xo);
      vlag[k] = bd;
    }
    let beta = 0;
    for (let c = 0; c < nz; c++) {
      let zw = 0;
      for (let k = 0; k < npt; k++) zw += zmat[k + npt * c] * wt[k];
      beta -= zw * zw;
      for (let k = 0; k < npt; k++) vlag[k] += zw * zmat[k + npt * c];
    }
    let dsq = 0;
    let dx = 0;
    let bsum = 0;
    for (let j = 0; j < n; j++) {
      dsq += d[j] * d[j];
      dx += d[j] * xopt[j];
      let bw = 0;
      for (let k = 0; k < npt; k++) bw += wt[k] * bmat[k + ndim * j];
      bsum += bw * d[j];
      let v = bw;
      for (let i = 0; i < n; i++) v += bmat[npt + i + ndim * j] * d[i];
      vlag[npt + j] = v;
      bsum += v * d[j];
    }
    const xoptsq = this.xoptSq();
    beta = dx * dx + dsq * (xoptsq + dx + dx + 0.5 * dsq) + beta - bsum;
    vlag[kopt] += 1;
    return beta;
  }

  /**
   * Replace interpolation point `knew` in H (Powell's rank-two updating formula, with Ω kept as
   * Z Zᵀ). vlag and beta are those of the new point; denom = σ = αβ + τ² must be positive.
   */
  updateH(knew: number, vlag: Float64Array, beta: number, denom: number): void {
    const { n, npt, nz, ndim, bmat, zmat } = this;
    // Givens rotations of the columns of Z (Z Zᵀ unchanged) so that only Z(knew, 0) is non-zero.
    let zmax = 0;
    for (let i = 0; i < zmat.length; i++) zmax = Math.max(zmax, Math.abs(zmat[i]));
    const ztest = 1e-20 * zmax;
    for (let c = 1; c < nz; c++) {
      const zc = zmat[knew + npt * c];
      if (Math.abs(zc) > ztest) {
        const z0 = zmat[knew];
        const r = Math.hypot(z0, zc);
        const ca = z0 / r;
        const sb = zc / r;
        for (let i = 0; i < npt; i++) {
          const a = zmat[i];
          const b = zmat[i + npt * c];
          zmat[i] = ca * a + sb * b;
          zmat[i + npt * c] = ca * b - sb * a;
        }
      }
      zmat[knew + npt * c] = 0;
    }
    // hcol = H e_knew (without the constant-term row).
    const hcol = new Float64Array(ndim);
    const zk = zmat[knew];
    for (let i = 0; i < npt; i++) hcol[i] = zk * zmat[i];
    for (let j = 0; j < n; j++) hcol[npt + j] = bmat[knew + ndim * j];
    const alpha = hcol[knew];
    const tau = vlag[knew];
    vlag[knew] -= 1; // vlag now holds H w − e_knew
    // Ω⁺ = Ω + σ⁻¹[α uuᵀ − β zzᵀ + τ(zuᵀ + uzᵀ)] with u = e_t − Hw collapses to a new first column of Z.
    const sq = Math.sqrt(denom);
    const ta = tau / sq;
    const tb = zk / sq;
    for (let i = 0; i < npt; i++) zmat[i] = ta * zmat[i] - tb * vlag[i];
    // The same formula for the columns of H that belong to the linear terms (Ξ and Υ).
    for (let j = 0; j < n; j++) {
      const jp = npt + j;
      const ca = (alpha * vlag[jp] - tau * hcol[jp]) / denom;
      const cb = (-beta * hcol[jp] - tau * vlag[jp]) / denom;
      for (let i = 0; i < npt + j + 1; i++) bmat[i + ndim * j] += ca * vlag[i] + cb * hcol[i];
    }
    for (let j = 0; j < n; j++) for (let i = 0; i < j; i++) bmat[npt + j + ndim * i] = bmat[npt + i + ndim * j];
  }

  /**
   * After point knew has been replaced in H by xnew with value f, change the model by the multiple
   * diff = f − Q(xnew) of the new Lagrange function ℓ_knew (the least-Frobenius-change update).
   */
  updateModel(knew: number, xnew: Float64Array, diff: number): void {
    const { n, npt, ndim, xpt, hq, pq, bmat, xopt, gopt } = this;
    // The old point's implicit Hessian weight moves into the explicit part before the point moves.
    const pold = pq[knew];
    if (pold !== 0) {
      for (let j = 0; j < n; j++) {
        const xj = xpt[knew + npt * j];
        for (let i = 0; i < n; i++) hq[i + n * j] += pold * xpt[knew + npt * i] * xj;
      }
    }
    pq[knew] = 0;
    for (let j = 0; j < n; j++) xpt[knew + npt * j] = xnew[j];
    const om = new Float64Array(npt);
    this.omegaColumn(knew, om);
    for (let k = 0; k < npt; k++) pq[k] += diff * om[k];
    // Gradient of diff·ℓ_knew at xopt: Ξ e_knew + Σ_k Ω_k,knew (x_k·xopt) x_k.
    for (let j = 0; j < n; j++) gopt[j] += diff * bmat[knew + ndim * j];
    for (let k = 0; k < npt; k++) {
      let xo = 0;
      for (let j = 0; j < n; j++) xo += xpt[k + npt * j] * xopt[j];
      const t = diff * om[k] * xo;
      if (t === 0) continue;
      for (let j = 0; j < n; j++) gopt[j] += t * xpt[k + npt * j];
    }
  }

  /** Make xopt the new base point (keeps the products in H small; Powell does this when ‖d‖² ≤ 10⁻³‖xopt‖²). */
  shiftBase(): void {
    const { n, npt, ndim, xpt, xopt, bmat, hq, pq } = this;
    // The Lagrange functions do not change; only their gradients at the base (Ξ) and Υ do.
    // Ξ_new e_t = ∇ℓ_t(xopt) = Ξ e_t + Σ_k Ω_kt (x_k·xopt) x_k.
    const xo = new Float64Array(npt);
    for (let k = 0; k < npt; k++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += xpt[k + npt * j] * xopt[j];
      xo[k] = s;
    }
    const om = new Float64Array(npt);
    const v = new Float64Array(n);
    for (let t = 0; t < npt; t++) {
      this.omegaColumn(t, om);
      v.fill(0);
      for (let k = 0; k < npt; k++) {
        const c = om[k] * xo[k];
        if (c === 0) continue;
        for (let j = 0; j < n; j++) v[j] += c * xpt[k + npt * j];
      }
      for (let j = 0; j < n; j++) bmat[t + ndim * j] += v[j];
    }
    // Implicit Hessian Σ pq_k x_k x_kᵀ re-expressed around the new base: the difference goes to hq.
    let psum = 0;
    const u = new Float64Array(n);
    for (let k = 0; k < npt; k++) {
      psum += pq[k];
      if (pq[k] === 0) continue;
      for (let j = 0; j < n; j++) u[j] += pq[k] * xpt[k + npt * j];
    }
    for (let j = 0; j < n; j++) u[j] -= 0.5 * psum * xopt[j];
    for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) hq[i + n * j] += u[i] * xopt[j] + xopt[i] * u[j];
    // Move the points and bounds.
    for (let j = 0; j < n; j++) {
      const s = xopt[j];
      for (let k = 0; k < npt; k++) xpt[k + npt * j] -= s;
      this.sl[j] -= s;
      this.su[j] -= s;
      this.xbase[j] += s;
      xopt[j] = 0;
    }
    this.recomputeUpsilon();
  }

  /** Υ = −Ξ A Ξᵀ (from H W = I: Ξ A + Υ Pᵀ = 0 and Ξ P = I), in the current coordinates. */
  recomputeUpsilon(): void {
    const { n, npt, ndim, xpt, bmat } = this;
    const a = new Float64Array(npt * npt);
    for (let k = 0; k < npt; k++) {
      for (let l = 0; l <= k; l++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += xpt[k + npt * j] * xpt[l + npt * j];
        a[k + npt * l] = a[l + npt * k] = 0.5 * s * s;
      }
    }
    const ax = new Float64Array(npt);
    for (let j = 0; j < n; j++) {
      // ax = A Ξᵀ e_j
      for (let k = 0; k < npt; k++) {
        let s = 0;
        for (let l = 0; l < npt; l++) s += a[k + npt * l] * bmat[l + ndim * j];
        ax[k] = s;
      }
      for (let i = 0; i <= j; i++) {
        let s = 0;
        for (let k = 0; k < npt; k++) s += bmat[k + ndim * i] * ax[k];
        bmat[npt + i + ndim * j] = -s;
        bmat[npt + j + ndim * i] = -s;
      }
    }
  }

  /**
   * The interpolating quadratic with least Frobenius norm of its whole Hessian (not of its change):
   * gradient at xopt into g, Hessian weights into lam. Powell switches to it when its gradient is
   * much smaller than the current model's for three trust-region steps in a row.
   */
  leastNormModel(g: Float64Array, lam: Float64Array): void {
    const { n, npt, nz, ndim, xpt, xopt, zmat, bmat, fval, kopt } = this;
    const fd = new Float64Array(npt);
    for (let k = 0; k < npt; k++) fd[k] = fval[k] - fval[kopt];
    lam.fill(0, 0, npt);
    for (let c = 0; c < nz; c++) {
      let s = 0;
      for (let k = 0; k < npt; k++) s += zmat[k + npt * c] * fd[k];
      for (let k = 0; k < npt; k++) lam[k] += s * zmat[k + npt * c];
    }
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < npt; k++) s += bmat[k + ndim * j] * fd[k];
      g[j] = s;
    }
    for (let k = 0; k < npt; k++) {
      let xo = 0;
      for (let j = 0; j < n; j++) xo += xpt[k + npt * j] * xopt[j];
      const t = lam[k] * xo;
      for (let j = 0; j < n; j++) g[j] += t * xpt[k + npt * j];
    }
  }
}
