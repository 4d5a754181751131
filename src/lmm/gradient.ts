// Analytic gradient of the profiled deviance (ML) or REML criterion w.r.t. θ, for models whose
// random-effect terms have Λ linear in θ: scalar terms (a known covariance included: Λ_k = θ_k·L_K
// is still θ_k times a constant) and vector terms with an unstructured or diagonal λ (lower
// triangular, one θ per free entry). From the blocked factor at θ, for θ_j at λ_k's entry (r, c):
//   ∂ld/∂θ_j = 2·[(nl_k I − S_k) λ_k⁻¹]_{c,r},   ∂r²/∂θ_j = −2·[λ_k⁻ᵀ U_k]_{r,c}
// where S_k = Σ_levels (Ω⁻¹)_ℓℓ (the s×s diagonal blocks of the inverse of the Z part (ML) or of
// the Z and X parts together (REML)), U_k = Σ_levels u_ℓu_ℓᵀ, and ld = log|L_Z|² (+ log|L_X|²).
// (∂ld = tr(Ω⁻¹∂Ω), ∂Ω = ÊᵀAΛ + ΛᵀAÊ with Ê = I ⊗ ∂λ, and ΛᵀA = (Ω − I)Λ⁻¹ on the Z part; the
// residual term follows from the PLS normal equations ΛᵀZᵀe = u, so Zᵀe = Λ⁻ᵀu.) For a scalar term
// these reduce to (2/θ)(q − tr) and −2‖u‖²/θ. The blocks S_k need the diagonal blocks of the
// inverse: the dense rest part is inverted once (q³/6 flops, less than one factorization), the
// sparse one by selected inversion, and each level of the first term costs O(nnz · s₀).
import type { PLSSystem } from "./system.js";
import type { SysTerm } from "./reterms.js";
import { lowerInverse } from "../linalg/dense.js";

/**
 * true when the analytic gradient applies: every term has Λ linear in θ (scalar; vector with an
 * unstructured or diagonal λ and no known covariance) and is not a sparse tree or precision-form
 * term, whose penalty is not ‖u‖².
 */
export function hasAnalyticGradient(sys: PLSSystem): boolean {
  return sys.terms.every((t) => t.tree === null && t.kprec === null && (t.s === 1 || (t.kfac === null && (t.kind === "us" || t.kind === "diag"))));
}

/** true when every term is scalar (the optimizer then works in sinh-transformed θ throughout) */
export function allScalar(sys: PLSSystem): boolean {
  return sys.terms.every((t) => t.s === 1);
}

/**
 * Gradient at the θ of the last successful `updateL`. `u` are the conditional modes from
 * `sys.solve()`, in system order.
 */
export function profiledGradient(sys: PLSSystem, theta: ArrayLike<number>, u: Float64Array, reml: boolean, n: number, smooth = false): Float64Array {
  const { dld, dr2, r2 } = smooth ? gradientPartsSmooth(sys, theta, reml, 1e-5, 1e-7) : gradientParts(sys, theta, u, reml);
  const nu = reml ? n - sys.p : n;
  return dld.map((v, k) => v + (nu * dr2[k]) / r2);
}

/**
 * gradientParts at θ that also holds across a singular λ. A vector term's formula needs λ⁻¹; near a
 * singular λ (a diagonal entry ≈ 0, as in most maximal models) the gradient, smooth in θ, is taken
 * as the mean of the gradients at θ ± εv, v the diagonals below `near0`: O(ε²) off, a smooth bias
 * (differences of it do not amplify it), where the formula's own rounding grows as 1/|λ_cc|. The
 * system is left factored at θ unless `restore` is false. (The optimizer smooths only within 1e-7 of singular, where the
 * formula's rounding, ~1e-16·nl/|λ_cc| relative, would matter; Satterthwaite, which differences
 * gradients, within 1e-3.)
 */
export function gradientPartsSmooth(sys: PLSSystem, theta: ArrayLike<number>, reml: boolean, eps = 1e-4, near0 = 10 * eps, restore = true): { dld: Float64Array; dr2: Float64Array; r2: number } {
  const k = theta.length;
  const near = new Float64Array(k);
  let any = false;
  for (const t of sys.terms)
    if (t.s > 1) t.diagMask.forEach((d, i) => { if (d && Math.abs(theta[t.thetaOffset + i]) < near0) { near[t.thetaOffset + i] = 1; any = true; } });
  if (!any) return gradientParts(sys, theta, sys.solve().u, reml);
  const r2 = sys.pwrss();
  const at = (sign: number) => {
    const tv = Float64Array.from(theta, (v, i) => v + sign * eps * near[i]);
    sys.updateL(tv);
    return gradientParts(sys, tv, sys.solve().u, reml);
  };
  const a = at(1), b = at(-1);
  if (restore) sys.updateL(theta);
  return { dld: a.dld.map((v, i) => (v + b.dld[i]) / 2), dr2: a.dr2.map((v, i) => (v + b.dr2[i]) / 2), r2 };
}

/**
 * The two pieces of the profiled objective's gradient: ∂ld/∂θ (ld = log|L_Z|², plus log|L_X|² for
 * REML) and ∂r²/∂θ, at the θ of the last `updateL` (zero for a term whose λ is singular: θ_k on
 * the boundary, where the objective, even in each column of λ, has vanishing derivatives).
 */
export function gradientParts(sys: PLSSystem, theta: ArrayLike<number>, u: Float64Array, reml: boolean): { dld: Float64Array; dr2: Float64Array; r2: number } {
  const { terms, qR, m, p } = sys;
  const qq = qR + (reml ? p : 0);
  const S = sys.sparse !== null ? sparseBlockSums(sys, qq) : denseBlockSums(sys, qq);
  const r = sys.restDiag(m - 1);
  const r2 = r * r;
  const dld = new Float64Array(theta.length);
  const dr2 = new Float64Array(theta.length);
  let off = 0;
  terms.forEach((t, k) => {
    const o = off;
    off += t.q;
    if (t.s === 1) {
      const th = theta[t.thetaOffset];
      if (Math.abs(th) <= 1e-10) return;
      let uu = 0;
      for (let j = o; j < o + t.q; j++) uu += u[j] * u[j];
      dld[t.thetaOffset] = (2 / th) * (t.q - S[k][0]);
      dr2[t.thetaOffset] = (-2 * uu) / th;
      return;
    }
    vectorTermGradient(t, S[k], u, o, dld, dr2);
  });
  return { dld, dr2, r2 };
}

/** A vector term's entries of ∂ld/∂θ and ∂r²/∂θ (see the head of the file), from its λ at θ. */
function vectorTermGradient(t: SysTerm, S: Float64Array, u: Float64Array, o: number, dld: Float64Array, dr2: Float64Array): void {
  const { s, nl, lambda } = t;
  for (let c = 0; c < s; c++) if (!(Math.abs(lambda[c + c * s]) > 1e-10)) return;
  // Li = λ⁻¹ (lower triangular, column-major)
  const Li = new Float64Array(s * s);
  for (let c = 0; c < s; c++) {
    Li[c + c * s] = 1 / lambda[c + c * s];
    for (let i = c + 1; i < s; i++) {
      let acc = 0;
      for (let k = c; k < i; k++) acc += lambda[i + k * s] * Li[k + c * s];
      Li[i + c * s] = -acc / lambda[i + i * s];
    }
  }
  // U = Σ_ℓ u_ℓu_ℓᵀ
  const U = new Float64Array(s * s);
  for (let l = 0; l < nl; l++) {
    const b = o + l * s;
    for (let j = 0; j < s; j++) {
      const uj = u[b + j];
      for (let i = 0; i < s; i++) U[i + j * s] += u[b + i] * uj;
    }
  }
  // B = (nl I − S) λ⁻¹ and C = λ⁻ᵀ U at the entries θ maps to
  const entry = (r: number, c: number, j: number) => {
    let b = 0, cc = 0;
    for (let k = r; k < s; k++) b += ((k === c ? nl : 0) - S[c + k * s]) * Li[k + r * s];
    for (let k = r; k < s; k++) cc += Li[k + r * s] * U[k + c * s];
    dld[j] = 2 * b;
    dr2[j] = -2 * cc;
  };
  let j = t.thetaOffset;
  if (t.kind === "diag") for (let c = 0; c < s; c++) entry(c, c, j++);
  else for (let c = 0; c < s; c++) for (let r = c; r < s; r++) entry(r, c, j++);
}

/** W = L⁻¹ of one s×s lower block at L[o …] (column-major), into W */
export function lowerBlockInverse(L: Float64Array, o: number, s: number, W: Float64Array): void {
  W.fill(0);
  for (let c = 0; c < s; c++) {
    W[c + c * s] = 1;
    for (let k = c; k < s; k++) {
      const xk = (W[k + c * s] /= L[o + k + k * s]);
      for (let i = k + 1; i < s; i++) W[i + c * s] -= L[o + i + k * s] * xk;
    }
  }
}

/** out += Wᵀ Q W (s×s, column-major) */
function addSandwich(W: Float64Array, Q: Float64Array, s: number, out: Float64Array): void {
  for (let a = 0; a < s; a++)
    for (let b = 0; b < s; b++) {
      let acc = 0;
      for (let i = 0; i < s; i++) {
        const wia = W[i + a * s];
        if (wia === 0) continue;
        for (let j = 0; j < s; j++) acc += wia * Q[i + j * s] * W[j + b * s];
      }
      out[a + b * s] += acc;
    }
}

/**
 * Per term (system order), S = Σ_levels of its s×s diagonal blocks of Ω⁻¹ (full, column-major),
 * from the dense rest factor: L_RR⁻¹ once, then per level.
 */
function denseBlockSums(sys: PLSSystem, qq: number): Float64Array[] {
  const { first, rest, m, LRR, LR0, L00, nl0, s0, rowPtr, rowIdx } = sys;
  // Minv = (leading qq×qq block of L_RR)⁻¹, lower triangular, column-major
  const Minv = lowerInverse(LRR, m, qq);
  const out: Float64Array[] = [];
  if (first && s0 === 1) {
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
    out.push(Float64Array.of(acc));
  } else if (first) {
    // a vector first term: per level, W = L₀₀[l]⁻¹ and the block WᵀW + X_RᵀX_R, X_R = Minv · (V_l W)
    const S = new Float64Array(s0 * s0);
    const W = new Float64Array(s0 * s0), I = new Float64Array(s0 * s0);
    for (let c = 0; c < s0; c++) I[c + c * s0] = 1;
    const XR = new Float64Array(qq * s0);
    for (let l = 0; l < nl0; l++) {
      const o = l * s0 * s0;
      lowerBlockInverse(L00, o, s0, W);
      addSandwich(W, I, s0, S);
      const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = s0 * r0;
      let lo = qq;
      for (let a = 0; a < nr; a++) {
        const row = rowIdx[r0 + a];
        if (row >= qq) break;
        if (row < lo) {
          for (let c = 0; c < s0; c++) XR.fill(0, c * qq + row, c * qq + lo);
          lo = row;
        }
        const mc = row * qq;
        for (let c = 0; c < s0; c++) {
          let g = 0;
          for (let k = c; k < s0; k++) g += LR0[vb + a + k * nr] * W[k + c * s0];
          if (g === 0) continue;
          const xc = c * qq;
          for (let i = row; i < qq; i++) XR[xc + i] += Minv[mc + i] * g;
        }
      }
      for (let a = 0; a < s0; a++)
        for (let b = 0; b <= a; b++) {
          let acc = 0;
          for (let i = lo; i < qq; i++) acc += XR[i + a * qq] * XR[i + b * qq];
          S[a + b * s0] += acc;
          if (a !== b) S[b + a * s0] += acc;
        }
      for (let c = 0; c < s0; c++) XR.fill(0, c * qq + lo, c * qq + qq);
    }
    out.push(S);
  }
  // rest terms: (L⁻ᵀL⁻¹) blocks = column dot products of Minv over the term's units
  for (let t = 0; t < rest.length; t++) {
    const off = sys.roff[t], s = rest[t].s;
    const S = new Float64Array(s * s);
    for (let l = 0; l < rest[t].nl; l++)
      for (let a = 0; a < s; a++)
        for (let b = 0; b <= a; b++) {
          const ca = (off + l * s + a) * qq, cb = (off + l * s + b) * qq;
          let acc = 0;
          for (let i = off + l * s + a; i < qq; i++) acc += Minv[ca + i] * Minv[cb + i];
          S[a + b * s] += acc;
          if (a !== b) S[b + a * s] += acc;
        }
    out.push(S);
  }
  return out;
}

/**
 * The same block sums from the sparse rest factor: G = (L_qq L_qqᵀ)⁻¹ on the factor's pattern
 * (selected inversion), then for term-0 level l with column block V_l of L_R0 (rows < qq) and
 * W = L₀₀[l]⁻¹, (Ω⁻¹)_ll = Wᵀ(I + V_lᵀGV_l)W, every pair of V_l's rows being in the pattern; a rest
 * level's block is G's (a unit's own block is in the pattern).
 */
function sparseBlockSums(sys: PLSSystem, qq: number): Float64Array[] {
  const { first, rest, LR0, L00, nl0, s0, rowPtr, rowIdx } = sys;
  const sp = sys.sparse!;
  const G = sp.selectedInverse(qq);
  const { diagPos } = sp;
  const out: Float64Array[] = [];
  if (first) {
    const S = new Float64Array(s0 * s0);
    const B = new Float64Array(s0 > 1 ? LR0.length : 0);
    const W = new Float64Array(s0 * s0), Q = new Float64Array(s0 * s0);
    for (let l = 0; l < nl0; l++) {
      const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = s0 * r0;
      if (s0 === 1) {
        const w = 1 / L00[l];
        S[0] += w * w * (1 + sp.levelQuad(G, LR0, l, r0, nr, rowIdx, qq));
        continue;
      }
      sp.levelProduct(G, LR0, l, r0, nr, s0, rowIdx, qq, B);
      for (let c = 0; c < s0; c++)
        for (let d = 0; d <= c; d++) {
          let acc = c === d ? 1 : 0;
          for (let a = 0; a < nr; a++) acc += LR0[vb + a + c * nr] * B[vb + a + d * nr];
          Q[c + d * s0] = acc;
          Q[d + c * s0] = acc;
        }
      lowerBlockInverse(L00, l * s0 * s0, s0, W);
      addSandwich(W, Q, s0, S);
    }
    out.push(S);
  }
  for (let t = 0; t < rest.length; t++) {
    const off = sys.roff[t], s = rest[t].s;
    const S = new Float64Array(s * s);
    if (s === 1) {
      for (let c = off; c < off + rest[t].q; c++) S[0] += G[diagPos[c]];
    } else {
      const pos = sp.unitBlockPositions(t, off, s, rest[t].nl);
      for (let l = 0, k = 0; l < rest[t].nl; l++)
        for (let b = 0; b < s; b++) for (let a = 0; a < s; a++) S[a + b * s] += G[pos[k++]];
    }
    out.push(S);
  }
  return out;
}
