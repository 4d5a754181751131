// Analytic gradient of the profiled deviance (ML) or REML criterion for models whose random-effect
// terms are all scalar (a known covariance included: Λ_k = θ_k·L_K is still θ_k times a constant),
// from the blocked factor at θ:
//   ∂d/∂θ_k = (2/θ_k)·(q_k − tr_k(Ω⁻¹)) − ν · 2‖u_k‖² / (θ_k r²)
// where Ω is the Z part of the system (ML) or the Z and X parts together (REML), tr_k is the trace
// of its inverse over term k's block, ν = n (ML) or n − p (REML), and u_k the conditional modes.
// (∂ log|Ω| = tr(Ω⁻¹ ∂Ω) with ∂Ω/∂θ_k = (D_k(Ω − I) + (Ω − I)D_k)/θ_k for Λ = θ_k on block k; the
// residual term follows from the PLS normal equations ΛᵀZᵀe = u.) The traces need the diagonal of
// the inverse: the dense rest part is inverted once (q³/6 flops, less than one factorization) and
// each level of the first term costs O(nnz · q_rest).
import type { PLSSystem } from "./system.js";
import { lowerInverse } from "../linalg/dense.js";

/** true when the analytic gradient applies: every term scalar and unstructured (not a sparse tree, whose penalty is not ‖u‖²) */
export function hasAnalyticGradient(sys: PLSSystem): boolean {
  return sys.terms.every((t) => t.s === 1 && t.tree === null && t.kprec === null);
}

/**
 * Gradient at the θ of the last successful `updateL`. `u` are the conditional modes from
 * `sys.solve()`, in system order.
 */
export function profiledGradient(sys: PLSSystem, theta: ArrayLike<number>, u: Float64Array, reml: boolean, n: number): Float64Array {
  const { dld, dr2, r2 } = gradientParts(sys, theta, u, reml);
  const nu = reml ? n - sys.p : n;
  return dld.map((v, k) => v + (nu * dr2[k]) / r2);
}

/**
 * The two pieces of the profiled objective's gradient: ∂ld/∂θ (ld = log|L_Z|², plus log|L_X|² for
 * REML) and ∂r²/∂θ, at the θ of the last `updateL` (zero for θ_k on the boundary).
 */
export function gradientParts(sys: PLSSystem, theta: ArrayLike<number>, u: Float64Array, reml: boolean): { dld: Float64Array; dr2: Float64Array; r2: number } {
  const { terms, qR, m, p } = sys;
  const qq = qR + (reml ? p : 0);
  const tr = sys.sparse !== null ? sparseTraces(sys, qq) : denseTraces(sys, qq);
  const r = sys.restDiag(m - 1);
  const r2 = r * r;
  const dld = new Float64Array(theta.length);
  const dr2 = new Float64Array(theta.length);
  let off = 0;
  terms.forEach((t, k) => {
    const th = theta[t.thetaOffset];
    let uu = 0;
    for (let j = off; j < off + t.q; j++) uu += u[j] * u[j];
    off += t.q;
    // the objective is even in θ_k (odd derivatives); on the boundary they vanish
    const ath = Math.abs(th);
    if (ath > 1e-10) {
      dld[t.thetaOffset] = (2 / th) * (t.q - tr[k]);
      dr2[t.thetaOffset] = (-2 * uu) / th;
    }
  });
  return { dld, dr2, r2 };
}

/** Traces of Ω⁻¹ per term (system order) from the dense rest factor: L_RR⁻¹ once, then per level. */
function denseTraces(sys: PLSSystem, qq: number): Float64Array {
  const { terms, first, rest, m, LRR, LR0, L00, nl0, rowPtr, rowIdx } = sys;
  // Minv = (leading qq×qq block of L_RR)⁻¹, lower triangular, column-major
  const Minv = lowerInverse(LRR, m, qq);
  const tr = new Float64Array(terms.length);
  let ti = 0;
  if (first) {
    const xr = new Float64Array(qq);
    let acc = 0;
    for (let l = 0; l < nl0; l++) {
      const w = 1 / L00[l];
      let d = w * w;
      const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0;
      let lo = qq;
      for (let a = 0; a < nr; a++) {
        const row = rowIdx[r0 + a];
        if (row >= qq) break;
        const g = -LR0[r0 + a] * w; // s₀ = 1: column values at r0 + a
        if (g === 0) continue;
        if (row < lo) {
          xr.fill(0, row, lo);
          lo = row;
        }
        const mc = row * qq;
        for (let i = row; i < qq; i++) xr[i] += Minv[mc + i] * g;
      }
      for (let i = lo; i < qq; i++) d += xr[i] * xr[i];
      xr.fill(0, lo, qq);
      acc += d;
    }
    tr[ti++] = acc;
  }
  // rest terms: column norms of Minv
  for (let t = 0; t < rest.length; t++, ti++) {
    const off = sys.roff[t];
    let acc = 0;
    for (let c = off; c < off + rest[t].q; c++) {
      const cc = c * qq;
      for (let i = c; i < qq; i++) acc += Minv[cc + i] * Minv[cc + i];
    }
    tr[ti] = acc;
  }
  return tr;
}

/**
 * Traces of Ω⁻¹ per term from the sparse rest factor: G = (L_qq L_qqᵀ)⁻¹ on the factor's pattern
 * (selected inversion), then for term-0 level l with column v of L_R0 (rows < qq) and pivot L₀₀,
 * (Ω⁻¹)_ll = (1 + vᵀGv)/L₀₀², every pair of v's rows being in the pattern; a rest term's trace is
 * the sum of G's diagonal over its rows.
 */
function sparseTraces(sys: PLSSystem, qq: number): Float64Array {
  const { terms, first, rest, LR0, L00, nl0, rowPtr, rowIdx } = sys;
  const sp = sys.sparse!;
  const G = sp.selectedInverse(qq);
  const { diagPos } = sp;
  const tr = new Float64Array(terms.length);
  let ti = 0;
  if (first) {
    let acc = 0;
    const B = new Float64Array(LR0.length);
    for (let l = 0; l < nl0; l++) {
      const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0;
      sp.levelProduct(G, LR0, l, r0, nr, 1, rowIdx, qq, B);
      let quad = 0;
      for (let a = r0; a < r0 + nr; a++) quad += LR0[a] * B[a];
      const w = 1 / L00[l];
      acc += w * w * (1 + quad);
    }
    tr[ti++] = acc;
  }
  for (let t = 0; t < rest.length; t++, ti++) {
    const off = sys.roff[t];
    let acc = 0;
    for (let c = off; c < off + rest[t].q; c++) acc += G[diagPos[c]];
    tr[ti] = acc;
  }
  return tr;
}
