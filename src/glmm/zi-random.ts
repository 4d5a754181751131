// Random effects in the zero-inflation formula (glmmTMB's ziformula = ~ x + (1 | g)): the inner
// problem has two linear predictors per row, η (conditional) and ζ (logit of the zero
// probability), each with its own Z and Λ, and the joint negative Hessian of −ℓ in (u_cond, u_zi)
// is Σ_i Z̃_iᵀ W_i Z̃_i with a 2×2 W_i per row (cross term −∂²ℓ/∂η∂ζ at the mixture's zeros).
// It goes onto the same PLS system as every GLMM: W_i = λ₁v₁v₁ᵀ + λ₂v₂v₂ᵀ (its eigen-
// decomposition) turns row i into two pseudo-rows with scalar weights λ₁, λ₂ whose design rows are
// v_kᵀZ̃_i — the conditional terms' columns times v_k's first component, the zi terms' columns
// times its second. The system's terms are the conditional terms and the zi terms over 2n rows;
// their sparsity pattern (which levels share a row) is that of the data, only the values of the
// pseudo-rows' z change with the weights.
import { type SysTerm, sysTerm } from "../lmm/reterms.js";
import { reTerm } from "../formula/remat.js";
import type { ExtendedLikelihood } from "./extended.js";

export class TwoPredictorRows {
  /** data rows (the system has 2n) */
  readonly n: number;
  /** the system's terms: the conditional ones, then the zi ones, on 2n pseudo-rows */
  readonly terms: SysTerm[];
  /** pseudo-row weights λ_k, working responses and (stage 1) the X rows v_k[0]·x_i */
  readonly w: Float64Array;
  readonly z: Float64Array;
  X: Float64Array | null = null;
  /** per pseudo-row: the weight of the conditional (vc) and zi (vz) predictor in v_k */
  private readonly vc: Float64Array;
  private readonly vz: Float64Array;
  private readonly nCond: number;
  private readonly H: Float64Array;

  constructor(cond: readonly SysTerm[], zi: readonly SysTerm[], n: number) {
    this.n = n;
    this.nCond = cond.length;
    const dbl = (r: Int32Array) => {
      const o = new Int32Array(2 * n);
      o.set(r, 0);
      o.set(r, n);
      return o;
    };
    // (the lambdas are shared with the originals: setLambdas on either sets both)
    this.terms = [...cond, ...zi].map((t) => sysTerm({ ...t, refs: dbl(t.refs), term: reTerm({ ...t.term, refs: dbl(t.term.refs), z: new Float64Array(2 * n * t.s) }) }));
    this.w = new Float64Array(2 * n);
    this.z = new Float64Array(2 * n);
    this.vc = new Float64Array(2 * n);
    this.vz = new Float64Array(2 * n);
    this.H = new Float64Array(5 * n);
  }

  /** hypot2's arguments and result (doubles passed to a call V8 does not inline are boxed) */
  private readonly hy = new Float64Array(3);

  /**
   * Pseudo-rows at the current η (ext.etaZi holds ζ): weights, working responses relative to the
   * offsets (offC for η, the zi fixed part for ζ, as in PIRLS' z = η − offset + ℓ′/w) and the terms'
   * pseudo-row z values. A mixture's zero is convex in ζ where P(zero from the count) is uncertain
   * (−ℓ_ζζ = π(1−π) − r(1−r) < 0), so W_i can be indefinite and, far from the mode, so can the
   * whole system: PIRLS steps with it (Newton's) when the system is positive definite, else with
   * |λ_k| (`clip`: a descent direction, step halving does the rest); the Laplace factor at the mode
   * takes the observed W_i.
   */
  split(ext: ExtendedLikelihood, eta: Float64Array, y: Float64Array, prior: Float64Array, offC: Float64Array, original: readonly SysTerm[], clip: boolean): void {
    const { n, H, w, z, vc, vz } = this;
    const hy = this.hy;
    ext.working2(eta, y, prior, H);
    const zeta = ext.etaZi, zf = ext.etaZiFixed, dup = ext.duplicateOf;
    for (let i = 0; i < n; i++) {
      const o = 5 * i;
      const a = H[o], b = H[o + 1], c = H[o + 2], g1 = H[o + 3], g2 = H[o + 4];
      const j = dup === null ? -1 : dup[i], oj = 5 * j;
      if (j >= 0 && H[oj] === a && H[oj + 1] === b && H[oj + 2] === c && H[oj + 3] === g1 && H[oj + 4] === g2 && eta[j] - offC[j] === eta[i] - offC[i] && zeta[j] - zf[j] === zeta[i] - zf[i]) {
        // (a duplicate row at the same point: the same pseudo-rows)
        vc[i] = vc[j]; vz[i] = vz[j]; vc[n + i] = vc[n + j]; vz[n + i] = vz[n + j];
        w[i] = w[j]; z[i] = z[j]; w[n + i] = w[n + j]; z[n + i] = z[n + j];
        continue;
      }
      let l1 = a, l2 = b, c1 = 1, z1 = 0, c2 = 0, z2 = 1;
      if (c !== 0) {
        hy[0] = (a - b) / 2; hy[1] = c;
        hypot2(hy);
        const m = (a + b) / 2, r = hy[2];
        l1 = m + r;
        l2 = m - r;
        // eigenvector of λ₁ from the better-conditioned of (c, λ₁ − a) and (λ₁ − b, c); v₂ ⊥ v₁
        let e1 = c, e2 = l1 - a;
        if (Math.abs(l1 - b) > Math.abs(e2)) { e1 = l1 - b; e2 = c; }
        hy[0] = e1; hy[1] = e2;
        hypot2(hy);
        const nv = hy[2];
        c1 = e1 / nv; z1 = e2 / nv;
        c2 = -z1; z2 = c1;
      }
      if (clip) { l1 = Math.abs(l1); l2 = Math.abs(l2); }
      const r1 = eta[i] - offC[i], r2 = zeta[i] - zf[i];
      vc[i] = c1; vz[i] = z1; vc[n + i] = c2; vz[n + i] = z2;
      w[i] = l1;
      z[i] = c1 * r1 + z1 * r2 + (l1 !== 0 ? (c1 * g1 + z1 * g2) / l1 : 0);
      w[n + i] = l2;
      z[n + i] = c2 * r1 + z2 * r2 + (l2 !== 0 ? (c2 * g1 + z2 * g2) / l2 : 0);
    }
    this.terms.forEach((t, k) => {
      const v = k < this.nCond ? vc : vz;
      const src = original[k].term.z, dst = t.term.z, s = t.s;
      for (let i = 0; i < 2 * n; i++) {
        const f = v[i], base = (i < n ? i : i - n) * s;
        for (let col = 0; col < s; col++) dst[i * s + col] = f * src[base + col];
      }
    });
  }

  /** the fixed-effects rows of the pseudo-rows (stage 1: β in the system): X scaled by v_k's conditional weight */
  fixedRows(X: Float64Array, p: number): Float64Array {
    const { n, vc } = this;
    const out = (this.X ??= new Float64Array(2 * n * p));
    for (let j = 0; j < p; j++) {
      const xo = j * n, oo = j * 2 * n;
      for (let i = 0; i < n; i++) {
        out[oo + i] = vc[i] * X[xo + i];
        out[oo + n + i] = vc[n + i] * X[xo + i];
      }
    }
    return out;
  }
}

/**
 * h[2] = Math.hypot(h[0], h[1]), bit for bit (V8's algorithm: scaled by the larger magnitude, the
 * squares summed with Kahan's compensation) without its cost: V8's builtin boxes every result, and
 * the allocation (two per zero row per PIRLS iteration) kept the garbage collector busy.
 */
function hypot2(h: Float64Array): void {
  const x = Math.abs(h[0]), y = Math.abs(h[1]);
  const max = x > y ? x : y;
  if (x === Infinity || y === Infinity) h[2] = Infinity;
  else if (Number.isNaN(x) || Number.isNaN(y)) h[2] = NaN;
  else if (max === 0) h[2] = 0;
  else {
    // (with two terms Kahan's compensation is exactly 0: the first square is ≤ 1 and added to 0)
    const n1 = x / max, n2 = y / max;
    h[2] = Math.sqrt(n1 * n1 + n2 * n2) * max;
  }
}
