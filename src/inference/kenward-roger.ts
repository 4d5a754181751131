// Kenward–Roger (1997) for LMM fixed effects, as pbkrtest's vcovAdj / KRmodcomp / Lb_ddf (which
// lmerTest uses for ddf = "Kenward-Roger"). V = Σ_r γ_r G_r is linear in the variance parameters
// γ (each term's covariance entries, lower triangle, and σ²), G = Z E Zᵀ for a term entry, I for
// σ². With W = V⁻¹ and Φ = (XᵀWX)⁻¹:
//   P_r = −XᵀW G_r W X,  Q_rs = XᵀW G_r W G_s W X,  K_rs = tr(W G_r W G_s)
//   I_rs = K_rs − 2 tr(Φ Q_rs) + tr(Φ P_r Φ P_s)   (twice the REML expected information), Ω = 2 I⁻¹
//   Φ_A = Φ + 2 Φ [Σ_rs Ω_rs (Q_rs − P_r Φ P_s)] Φ
// and the df and F scaling from A1, A2 of the contrast. No n×n matrix is formed.
//
// The default route works in the spherical u-space of the fit's blocked factor (system.ts), where
// with Ẑ = ZΛ and N = Ω⁻¹ = (ẐᵀẐ + I)⁻¹:
//   W Ẑ = σ⁻² Ẑ N,  ẐᵀWẐ = σ⁻² (I − N) =: σ⁻² K̃,  ẐᵀW²Ẑ = σ⁻⁴ (K̃ − K̃²),  σ⁴ tr W² = n − 2 tr K̃ + tr K̃²
// and a term entry's E_r = Λ M_r Λᵀ (M_r = λ⁻¹ e_ab λ⁻ᵀ per level). So every K_rs is a contraction
// tr(M_r K̃ M_s K̃), and P, Q need N applied to q×p matrices only. With the factor's blocks
// (term 0 block diagonal L₀₀, its sparse columns L_R0, the rest R dense) and Y = L_R0 L₀₀⁻¹,
// H = (L_RR L_RRᵀ)⁻¹ (qR × qR, the rest's Schur complement inverted):
//   N₀₀ = D + YᵀHY (D = L₀₀⁻ᵀL₀₀⁻¹ block diagonal),  N_0R = −YᵀH,  N_RR = H,
// so the contractions need, per term-0 entry r, F_r = Y M_r Yᵀ (qR × qR, from the sparse columns)
// and one product F_r H; the rest are level sums and qR² passes. Cost: O(Σ_l nnz_l² s₀² + qR³ (1 +
// s₀(s₀+1)/2)) time and 8 qR² (2 + s₀(s₀+1)/2) bytes — never q×q (InstEval: q₀ = 2,972 students in
// the block-diagonal part, qR = 1,156). A variance at (or near) zero makes that term's λ⁻¹ unusable:
// its parameters are then taken in Z's own columns (zeroTerms: N applied to those q_S columns, q_S²
// matrices), still without q×q. The reference route below holds the q×q matrices dense (up to
// KR_MAX_Q random effects), by Woodbury W = σ⁻²(I − Z S Zᵀ), S = Λ (ΛᵀZᵀZΛ + I)⁻¹ Λᵀ; it runs when
// the fit's system has no block-diagonal first term (a tree, a second block), and tests compare.
import { TooLargeError, UserError } from "../errors.js";
import type { ModelStructure } from "../formula/types.js";
import { cholInverse, cholLower, gemmAcc, gemmSubNN, lowerInverse, symmetrize } from "../linalg/dense.js";
import { LinearMixedModel, fittedModel, type FittedLMM } from "../lmm/lmm.js";
import { lambdaInto, type SysTerm } from "../lmm/reterms.js";
import { pfUpper, pt2 } from "./distributions.js";

/** the largest number of random effects for which the dense reference route runs */
export const KR_MAX_Q = 2000;

/** the memory the blocked route may take for its qR × qR matrices (bytes) */
const KR_MAX_BYTES = 6 * 2 ** 30;

/** a λ diagonal entry (a relative SD) below this counts as a variance at zero: λ⁻¹ would lose digits */
const KR_MIN_LAMBDA = 1e-4;

/** Kenward–Roger pieces of an LMM fit: the adjusted covariance of β and what its df and F scaling need. */
export interface KenwardRoger {
  readonly p: number;
  /** vcov(β̂) unadjusted, Φ (p×p) */
  readonly phi: Float64Array;
  /** the adjusted covariance Φ_A (p×p), pbkrtest's vcovAdj */
  readonly phiA: Float64Array;
  /** P_r (p×p each) and Ω = 2 I⁻¹ (g×g) */
  readonly P: Float64Array[];
  readonly omega: Float64Array;
  /** how it was computed: from the blocked factor, or with dense q×q matrices */
  readonly route: "blocked" | "dense";
}

/** Entries (row, column) of one E_r: for each level, (a, b) and (b, a) of that term's block. */
type Pattern = Int32Array;

/**
 * The patterns of a term's variance parameters (its covariance's lower triangle by columns, the
 * diagonal only for a diag term) with its columns from `off`, level-major.
 */
function termPatterns(t: Pick<SysTerm, "s" | "nl" | "kind">, off: number): Pattern[] {
  const out: Pattern[] = [];
  for (let b = 0; b < t.s; b++)
    for (let a = b; a < t.s; a++) {
      if (a !== b && t.kind === "diag") continue;
      const e: number[] = [];
      for (let l = 0; l < t.nl; l++) {
        const r1 = off + l * t.s + a, r2 = off + l * t.s + b;
        e.push(r1, r2);
        if (a !== b) e.push(r2, r1);
      }
      out.push(Int32Array.from(e));
    }
  return out;
}

/** pbkrtest's vcovAdj for a REML LMM fit (the blocked route; the dense one when the system has no block-diagonal first term). */
export function kenwardRoger(ms: ModelStructure, fit: FittedLMM, weights: Float64Array | null = null): KenwardRoger {
  if (!fit.reml) throw new UserError("Kenward-Roger's method is only available for REML fits (drop --ml)");
  if (weights) throw new UserError("Kenward-Roger is not available with prior weights; use --ddf satterthwaite");
  for (const t of fit.terms) {
    if (t.kfac || t.tree || t.kprec || t.nest) throw new UserError("Kenward-Roger is not available for terms with a known covariance (--covariance)");
    if (t.kind !== "us" && t.kind !== "diag" && t.s > 1) throw new UserError(`Kenward-Roger is not available for a structured (${t.kind}) covariance`);
  }
  const kr = kenwardRogerBlocked(ms, fit);
  if (kr) return kr;
  const q = fit.terms.reduce((a, t) => a + t.q, 0);
  if (q > KR_MAX_Q) throw new UserError(`Kenward-Roger: this random-effects structure needs the dense route, which holds q×q matrices: ${q} random effects exceed its limit of ${KR_MAX_Q}; use --ddf satterthwaite`);
  return kenwardRogerDense(ms, fit);
}

/**
 * The dense reference route: q×q matrices (q ≤ KR_MAX_Q), any θ. kenwardRoger() calls it when the
 * system has no block-diagonal first term; tests compare the blocked route with it.
 */
export function kenwardRogerDense(ms: ModelStructure, fit: FittedLMM): KenwardRoger {
  const n = ms.n, p = ms.p;
  const terms = fit.terms;
  const q = terms.reduce((a, t) => a + t.q, 0);
  if (q > KR_MAX_Q) throw new UserError(`Kenward-Roger (dense route): ${q} random effects exceed its limit of ${KR_MAX_Q}`);
  const s2 = fit.sigma * fit.sigma;
  const X = ms.X;
  // Z (n×q) as per-row column lists: term t's columns at off + level·s + c
  const offs: number[] = [];
  let o = 0;
  for (const t of terms) { offs.push(o); o += t.q; }
  // A = ZᵀZ, ZX = ZᵀX by rows
  const A = new Float64Array(q * q), ZX = new Float64Array(q * p);
  const cols = new Int32Array(q), vals = new Float64Array(q);
  for (let i = 0; i < n; i++) {
    let m = 0;
    terms.forEach((t, k) => {
      const base = offs[k] + t.refs[i] * t.s;
      for (let c = 0; c < t.s; c++) {
        const z = t.s === 1 ? t.term.z[i] : t.term.z[i * t.s + c];
        if (z !== 0) { cols[m] = base + c; vals[m++] = z; }
      }
    });
    for (let a = 0; a < m; a++) {
      for (let b = 0; b < m; b++) A[cols[a] + cols[b] * q] += vals[a] * vals[b];
      for (let j = 0; j < p; j++) ZX[cols[a] + j * q] += vals[a] * X[i + j * n];
    }
  }
  const XX = new Float64Array(p * p);
  for (let a = 0; a < p; a++)
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += X[i + a * n] * X[i + b * n];
      XX[a + b * p] = s;
      XX[b + a * p] = s;
    }
  // Λ (q×q, block diagonal by level)
  const Lam = new Float64Array(q * q);
  terms.forEach((t, k) => {
    const lam = new Float64Array(t.s * t.s);
    lambdaInto(t, fit.theta, lam);
    for (let l = 0; l < t.nl; l++) {
      const b0 = offs[k] + l * t.s;
      for (let r = 0; r < t.s; r++) for (let c = 0; c <= r; c++) Lam[b0 + r + (b0 + c) * q] = lam[r + c * t.s];
    }
  });
  // S = Λ (ΛᵀAΛ + I)⁻¹ Λᵀ
  const AL = mul(A, q, q, Lam, q);
  const C = mulTN(Lam, q, q, AL, q);
  for (let i = 0; i < q; i++) C[i + i * q] += 1;
  if (cholLower(C, q) >= 0) throw new UserError("Kenward-Roger: the random-effects system is not positive definite");
  const Ci = cholInverse(C, q);
  const S = mulNT(mul(Lam, q, q, Ci, q), q, q, Lam, q);
  const inv = 1 / s2;
  // K = ZᵀWZ, T = ZᵀWX, XWX
  const SA = mul(S, q, q, A, q);
  const K = axpby(inv, A, -inv, mulTN(SA, q, q, A, q)); // A − A S A (S, A symmetric)
  const SZX = mul(S, q, q, ZX, p);
  const T = axpby(inv, ZX, -inv, mul(A, q, q, SZX, p));
  const XWX = axpby(inv, XX, -inv, mulTN(ZX, q, p, SZX, p));
  // second powers: ZᵀW²Z, ZᵀW²X, XᵀW²X, XᵀW³X, tr W, tr W²
  const KS = mul(K, q, q, S, q);
  const K2 = axpby(inv, K, -inv, mul(KS, q, q, A, q));
  const T2 = axpby(inv, T, -inv, mul(KS, q, q, ZX, p));
  const XW2X = axpby(inv, XWX, -inv, mulTN(T, q, p, SZX, p));
  const XW3X = axpby(inv, XW2X, -inv, mulTN(T2, q, p, SZX, p));
  let trAS = 0, trKS = 0;
  for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) { trAS += A[i + j * q] * S[j + i * q]; trKS += K[i + j * q] * S[j + i * q]; }
  const trW = inv * (n - trAS);
  const trW2 = inv * (trW - trKS);
  // the variance parameters: per term, its covariance's lower triangle (diagonal only for diag terms), then σ²
  const pats: Pattern[] = terms.flatMap((t, k) => termPatterns(t, offs[k]));
  const g = pats.length + 1;
  const res = g - 1;
  const phi = spdInverse(XWX, p, "XᵀV⁻¹X");
  // P_r = −MᵀE_r M (M = T), residual: −XᵀW²X
  const P: Float64Array[] = [];
  for (let r = 0; r < g; r++) P.push(r === res ? XW2X.map((v) => -v) : bilinear(pats[r], T, T, q, p).map((v) => -v));
  // K E_s T for the random entries (q×p)
  const KET: Float64Array[] = pats.map((e) => mul(K, q, q, applyE(e, T, q, p), p));
  const Q = (r: number, s: number): Float64Array => {
    if (r === res && s === res) return XW3X;
    if (r === res) return transpose(bilinear(pats[s], T, T2, q, p), p);
    if (s === res) return bilinear(pats[r], T, T2, q, p);
    return bilinear(pats[r], T, KET[s], q, p);
  };
  const ktrace = (r: number, s: number): number => {
    if (r === res && s === res) return trW2;
    if (r === res || s === res) {
      const e = pats[r === res ? s : r];
      let t = 0;
      for (let m = 0; m < e.length; m += 2) t += K2[e[m + 1] + e[m] * q];
      return t;
    }
    // tr(E_r K E_s K) = Σ_{(i,j)∈E_r} Σ_{(k,l)∈E_s} K[j,k] K[l,i]
    const er = pats[r], es = pats[s];
    let t = 0;
    for (let m = 0; m < er.length; m += 2) {
      const i = er[m], j = er[m + 1];
      for (let h = 0; h < es.length; h += 2) t += K[j + es[h] * q] * K[es[h + 1] + i * q];
    }
    return t;
  };
  return assemble(p, g, phi, P, Q, ktrace, "dense");
}

/**
 * Φ_A, Ω from Φ, the P_r, Q_rs (by pair) and K_rs = tr(W G_r W G_s) (by pair), both routes: the
 * expected information, its inverse and the adjustment.
 */
function assemble(p: number, g: number, phi: Float64Array, P: Float64Array[], Q: (r: number, s: number) => Float64Array, ktrace: (r: number, s: number) => number, route: "blocked" | "dense"): KenwardRoger {
  const Qs: Float64Array[] = new Array(g * g);
  const info = new Float64Array(g * g);
  const PhiP = P.map((Pr) => mul(phi, p, p, Pr, p));
  for (let r = 0; r < g; r++)
    for (let s = r; s < g; s++) {
      const Qrs = Q(r, s);
      Qs[r + s * g] = Qrs;
      Qs[s + r * g] = transpose(Qrs, p);
      const v = ktrace(r, s) - 2 * traceProd(phi, Qrs, p) + traceProd(PhiP[r], PhiP[s], p);
      info[r + s * g] = v;
      info[s + r * g] = v;
    }
  const omega = spdInverse(info, g, "the expected information of the variance parameters").map((v) => 2 * v);
  const U = new Float64Array(p * p);
  for (let r = 0; r < g; r++)
    for (let s = 0; s < g; s++) {
      const w = omega[r + s * g];
      const PPP = mul(P[r], p, p, PhiP[s], p);
      const Qrs = Qs[r + s * g];
      for (let e = 0; e < p * p; e++) U[e] += w * (Qrs[e] - PPP[e]);
    }
  const PUP = mul(mul(phi, p, p, U, p), p, p, phi, p);
  const phiA = Float64Array.from(phi, (v, e) => v + 2 * PUP[e]);
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) { const m = (phiA[a + b * p] + phiA[b + a * p]) / 2; phiA[a + b * p] = m; phiA[b + a * p] = m; }
  return { p, phi, phiA, P, omega, route };
}

/** One variance parameter of a term in u-space: M = λ⁻¹ e_ab λ⁻ᵀ on each level's s×s block. */
interface UParam {
  /** index of the term in the system (0 = the block-diagonal first term) */
  readonly t: number;
  /** the s×s block, full, column-major */
  readonly m: Float64Array;
  /** its coefficient in the identity: Σ_k c_k M_k = I on the term's block (c = λλᵀ at (a, b)) */
  readonly c: number;
}

/**
 * The blocked route (see the head of this file), or null when the fit has no block-diagonal first
 * term: then the dense route. Terms with a (near) singular λ go through zeroTerms.
 */
function kenwardRogerBlocked(ms: ModelStructure, fit: FittedLMM): KenwardRoger | null {
  const sys = (fittedModel(fit) ?? new LinearMixedModel(ms, { reml: true })).system;
  const first = sys.first;
  if (first === null || sys.tree !== null || sys.second !== null) return null;
  if (!sys.updateL(fit.theta)) throw new UserError("Kenward-Roger: the random-effects system is not positive definite");
  const terms = sys.terms;
  const n = ms.n, p = ms.p;
  const s2 = fit.sigma * fit.sigma, inv = 1 / s2;
  const s0 = first.s, nl0 = sys.nl0, q0 = nl0 * s0, qR = sys.qR, q = q0 + qR;
  // u-space offsets of the terms: term 0 level-major, then the rest at q0 + roff
  const uoff = terms.map((_, t) => (t === 0 ? 0 : q0 + sys.roff[t - 1]));
  // the parameters, in fit.terms order (the dense route's order), each term's lower triangle by columns
  const params: UParam[] = [];
  // a term with a variance at (or near) zero: its parameters in Z's own columns (see zeroTerms)
  const zparams: { t: number; e: Pattern }[] = [];
  const soff: number[] = terms.map(() => -1);
  let qS = 0;
  // every parameter in the dense route's order: ≥ 0 an index in params, < 0 −1 − an index in zparams
  const order: number[] = [];
  for (const ft of fit.terms) {
    // (the system may be a new one on the same model: match the terms by their place in the formula)
    const t = terms.findIndex((u) => u.formulaIndex === ft.formulaIndex);
    const s = ft.s;
    const lam = new Float64Array(s * s);
    lambdaInto(ft, fit.theta, lam);
    let singular = false;
    for (let a = 0; a < s; a++) if (!(Math.abs(lam[a + a * s]) >= KR_MIN_LAMBDA)) singular = true;
    if (singular) {
      soff[t] = qS;
      for (const e of termPatterns(ft, qS)) {
        order.push(-1 - zparams.length);
        zparams.push({ t, e });
      }
      qS += ft.q;
      continue;
    }
    const li = lowerInverse(lam, s, s);
    for (let b = 0; b < s; b++)
      for (let a = b; a < s; a++) {
        if (a !== b && ft.kind === "diag") continue;
        // λ⁻¹ (e_ab + e_ba) λ⁻ᵀ: columns a, b of λ⁻¹ (rows ≥ their index)
        const m = new Float64Array(s * s);
        for (let i = 0; i < s; i++)
          for (let j = 0; j < s; j++) {
            let v = li[i + a * s] * li[j + b * s];
            if (a !== b) v += li[i + b * s] * li[j + a * s];
            m[i + j * s] = v;
          }
        let c = 0;
        for (let k = 0; k <= b; k++) c += lam[a + k * s] * lam[b + k * s];
        order.push(params.length);
        params.push({ t, m, c });
      }
  }
  const np = params.length;
  const in0 = params.map((pr, k) => (pr.t === 0 ? k : -1)).filter((k) => k >= 0);
  const bytes = 8 * qR * qR * (2 + in0.length) + 8 * qS * (3 * (q0 + qR) + 2 * qS);
  if (bytes > KR_MAX_BYTES)
    throw new TooLargeError(`Kenward-Roger: the ${qR.toLocaleString("en")} random effects outside the first term (${first.term.group}) need ${in0.length + 2} dense ${qR.toLocaleString("en")}² matrices (${(bytes / 2 ** 30).toFixed(1)} GiB, over the ${KR_MAX_BYTES / 2 ** 30} GiB this route takes); use --ddf satterthwaite`);
  const { rowPtr, rowIdx, LR0, L00, A00 } = sys;
  const lam0 = first.lambda;
  // per level of term 0: Y_l = L_R0,l L₀₀,l⁻¹ (its Z rows, nz[l] of them), D_l = L₀₀⁻ᵀL₀₀⁻¹ and
  // D̃_l = I − D_l = D_l λᵀA₀₀λ (no cancellation for small λ)
  const nz = new Int32Array(nl0);
  const Y = new Float64Array(LR0.length);
  const ss = s0 * s0;
  const D = new Float64Array(nl0 * ss), Dt = new Float64Array(nl0 * ss);
  const Aful = new Float64Array(ss), lo = new Float64Array(ss);
  for (let l = 0; l < nl0; l++) {
    const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = s0 * r0, o = l * ss;
    let z = 0;
    while (z < nr && rowIdx[r0 + z] < qR) z++;
    nz[l] = z;
    for (let a = 0; a < z; a++)
      for (let c = s0 - 1; c >= 0; c--) {
        let v = LR0[vb + a + c * nr];
        for (let k = c + 1; k < s0; k++) v -= Y[vb + a + k * nr] * L00[o + k + c * s0];
        Y[vb + a + c * nr] = v / L00[o + c + c * s0];
      }
    for (let c = 0; c < s0; c++) for (let r = c; r < s0; r++) lo[r + c * s0] = L00[o + r + c * s0];
    const li = lowerInverse(lo, s0, s0);
    for (let i = 0; i < s0; i++)
      for (let j = 0; j < s0; j++) {
        let v = 0;
        for (let k = Math.max(i, j); k < s0; k++) v += li[k + i * s0] * li[k + j * s0];
        D[o + i + j * s0] = v;
      }
    for (let c = 0; c < s0; c++) for (let r = c; r < s0; r++) { Aful[r + c * s0] = A00[o + r + c * s0]; Aful[c + r * s0] = A00[o + r + c * s0]; }
    const C = mul(mulTN(lam0, s0, s0, Aful, s0), s0, s0, lam0, s0);
    Dt.set(mul(D.subarray(o, o + ss), s0, s0, C, s0), o);
  }
  // H = (L_RR L_RRᵀ)⁻¹ on the rest's random effects
  const H = new Float64Array(qR * qR);
  if (qR > 0) {
    // the factor's leading block, inverted densely (qR³/3 flops); the sparse route's is in its own order
    const sp = sys.sparse;
    const Lz = sp !== null ? sp.denseLeading(qR) : null;
    const X = Lz !== null ? lowerInverse(Lz, qR, qR) : lowerInverse(sys.LRR, sys.m, qR);
    const Hf = sp !== null ? new Float64Array(qR * qR) : H;
    gemmAcc(true, false, qR, qR, qR, 1, X, 0, qR, X, 0, qR, Hf, 0, qR, { aUpper: true, lowerOnly: true });
    symmetrize(Hf, qR);
    if (sp !== null) {
      const perm = sp.perm;
      for (let j = 0; j < qR; j++) {
        const pj = perm[j] * qR;
        for (let i = 0; i < qR; i++) H[perm[i] + pj] = Hf[i + j * qR];
      }
    }
  }
  // G_l = Y_lᵀ H Y_l
  const G = new Float64Array(nl0 * ss);
  const w = new Float64Array(Math.max(1, ...Array.from(nz)) * s0);
  for (let l = 0; l < nl0; l++) {
    const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = s0 * r0, z = nz[l];
    for (let a = 0; a < z; a++) {
      const ha = rowIdx[r0 + a] * qR;
      for (let c = 0; c < s0; c++) {
        let v = 0;
        for (let b = 0; b < z; b++) v += H[ha + rowIdx[r0 + b]] * Y[vb + b + c * nr];
        w[a + c * z] = v;
      }
    }
    for (let c = 0; c < s0; c++)
      for (let d = 0; d < s0; d++) {
        let v = 0;
        for (let a = 0; a < z; a++) v += Y[vb + a + c * nr] * w[a + d * z];
        G[l * ss + c + d * s0] = v;
      }
  }
  // per term-0 parameter: FH_k = (Y M_k Yᵀ) H
  const FH: Float64Array[] = [];
  if (qR > 0) {
    const F = new Float64Array(qR * qR);
    const ym = new Float64Array(w.length);
    for (const k of in0) {
      const m = params[k].m;
      F.fill(0);
      for (let l = 0; l < nl0; l++) {
        const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = s0 * r0, z = nz[l];
        for (let a = 0; a < z; a++)
          for (let c = 0; c < s0; c++) {
            let v = 0;
            for (let d = 0; d < s0; d++) v += Y[vb + a + d * nr] * m[d + c * s0];
            ym[a + c * z] = v;
          }
        for (let b = 0; b < z; b++) {
          const fb = rowIdx[r0 + b] * qR;
          for (let a = 0; a < z; a++) {
            let v = 0;
            for (let c = 0; c < s0; c++) v += ym[a + c * z] * Y[vb + b + c * nr];
            F[fb + rowIdx[r0 + a]] += v;
          }
        }
      }
      // (the rank-4 kernel computes C −= A B: 25–35% faster than gemmAcc here)
      const out = new Float64Array(qR * qR);
      gemmSubNN(qR, qR, qR, F, 0, qR, H, 0, qR, out, 0, qR);
      for (let i = 0; i < out.length; i++) out[i] = -out[i];
      FH.push(out);
    }
  }
  // the contractions C_rs = tr(M_r K̃ M_s K̃) and tr(M_r K̃)
  const Cm = new Float64Array(np * np);
  const diagK = new Float64Array(np);
  const kt = (i: number, j: number) => (i === j ? 1 : 0) - H[i + j * qR]; // K̃ on the rest
  // term 0 × term 0
  for (let x = 0; x < in0.length; x++)
    for (let y = x; y < in0.length; y++) {
      const mr = params[in0[x]].m, ms2 = params[in0[y]].m;
      let v = 0;
      for (let l = 0; l < nl0; l++) {
        const dt = Dt.subarray(l * ss, (l + 1) * ss), gl = G.subarray(l * ss, (l + 1) * ss);
        v += tr4(mr, dt, ms2, dt, s0) - tr4(mr, dt, ms2, gl, s0) - tr4(ms2, dt, mr, gl, s0);
      }
      if (qR > 0) {
        const A = FH[x], B = FH[y];
        for (let j = 0; j < qR; j++) for (let i = 0; i < qR; i++) v += A[i + j * qR] * B[j + i * qR];
      }
      Cm[in0[x] + in0[y] * np] = v;
      Cm[in0[y] + in0[x] * np] = v;
    }
  for (const k of in0) {
    const m = params[k].m;
    let v = 0;
    for (let l = 0; l < nl0; l++) for (let a = 0; a < s0; a++) for (let b = 0; b < s0; b++) v += m[a + b * s0] * (Dt[l * ss + b + a * s0] - G[l * ss + b + a * s0]);
    diagK[k] = v;
  }
  // term 0 × rest: tr(M_s H F_r H), from the diagonal blocks of H F_r H
  const restTerms = terms.map((_, t) => t).filter((t) => t > 0);
  for (let x = 0; x < in0.length; x++)
    for (const t of restTerms) {
      const { s, nl } = terms[t];
      const o = uoff[t] - q0;
      const blocks = new Float64Array(s * s);
      for (let lv = 0; lv < nl; lv++)
        for (let a = 0; a < s; a++)
          for (let b = 0; b < s; b++) {
            const ia = o + lv * s + a, ib = o + lv * s + b;
            let v = 0;
            for (let j = 0; j < qR; j++) v += H[j + ia * qR] * FH[x][j + ib * qR];
            blocks[a + b * s] += v;
          }
      params.forEach((pr, k) => {
        if (pr.t !== t) return;
        let v = 0;
        for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) v += pr.m[a + b * s] * blocks[b + a * s];
        Cm[in0[x] + k * np] = v;
        Cm[k + in0[x] * np] = v;
      });
    }
  // rest × rest: Σ over level pairs of tr(m_r X m_s Xᵀ), X the (lv, lv') block of K̃, through the
  // tensor T[a, b, c, d] = Σ X[b, c] X[a, d] of each pair of terms
  for (const t of restTerms)
    for (const u of restTerms) {
      if (u < t) continue;
      const st = terms[t].s, su = terms[u].s;
      const ot = uoff[t] - q0, ou = uoff[u] - q0;
      const T = new Float64Array(st * st * su * su);
      for (let lv = 0; lv < terms[t].nl; lv++)
        for (let lw = 0; lw < terms[u].nl; lw++)
          for (let a = 0; a < st; a++)
            for (let d = 0; d < su; d++) {
              const xad = kt(ot + lv * st + a, ou + lw * su + d);
              if (xad === 0) continue;
              for (let b = 0; b < st; b++)
                for (let c = 0; c < su; c++) T[a + st * (b + st * (c + su * d))] += kt(ot + lv * st + b, ou + lw * su + c) * xad;
            }
      params.forEach((pr, k) => {
        if (pr.t !== t) return;
        params.forEach((ps, k2) => {
          if (ps.t !== u) return;
          let v = 0;
          for (let a = 0; a < st; a++)
            for (let b = 0; b < st; b++)
              for (let c = 0; c < su; c++)
                for (let d = 0; d < su; d++) v += pr.m[a + b * st] * ps.m[c + d * su] * T[a + st * (b + st * (c + su * d))];
          Cm[k + k2 * np] = v;
          Cm[k2 + k * np] = v;
        });
      });
    }
  for (const t of restTerms) {
    const { s, nl } = terms[t];
    const o = uoff[t] - q0;
    params.forEach((pr, k) => {
      if (pr.t !== t) return;
      let v = 0;
      for (let lv = 0; lv < nl; lv++) for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) v += pr.m[a + b * s] * kt(o + lv * s + b, o + lv * s + a);
      diagK[k] = v;
    });
  }
  let trK = 0;
  for (let l = 0; l < nl0; l++) for (let a = 0; a < s0; a++) trK += Dt[l * ss + a + a * s0] - G[l * ss + a + a * s0];
  for (let i = 0; i < qR; i++) trK += 1 - H[i + i * qR];
  // the identity J = Σ c_k M_k: tr(M_r K̃ J K̃) and tr(K̃²) by linearity
  const CJ = new Float64Array(np);
  for (let r = 0; r < np; r++) for (let k = 0; k < np; k++) CJ[r] += params[k].c * Cm[k + r * np];
  let CJJ = 0;
  for (let k = 0; k < np; k++) CJJ += params[k].c * CJ[k];

  // N B for a q×p B: z = H (Y b₀ − b_R), N B = [D b₀ + Yᵀ z; −z]
  const applyN = (B: Float64Array, nc = p): Float64Array => {
    const out = new Float64Array(q * nc);
    const wv = new Float64Array(qR), zv = new Float64Array(qR);
    for (let j = 0; j < nc; j++) {
      const bo = j * q;
      for (let i = 0; i < qR; i++) wv[i] = -B[bo + q0 + i];
      for (let l = 0; l < nl0; l++) {
        const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = s0 * r0;
        for (let c = 0; c < s0; c++) {
          const bc = B[bo + l * s0 + c];
          if (bc === 0) continue;
          for (let a = 0; a < nz[l]; a++) wv[rowIdx[r0 + a]] += Y[vb + a + c * nr] * bc;
        }
      }
      zv.fill(0);
      for (let k = 0; k < qR; k++) {
        const wk = wv[k];
        if (wk === 0) continue;
        const hk = k * qR;
        for (let i = 0; i < qR; i++) zv[i] += H[hk + i] * wk;
      }
      for (let l = 0; l < nl0; l++) {
        const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = s0 * r0, o = l * ss;
        for (let c = 0; c < s0; c++) {
          let v = 0;
          for (let d = 0; d < s0; d++) v += D[o + c + d * s0] * B[bo + l * s0 + d];
          for (let a = 0; a < nz[l]; a++) v += Y[vb + a + c * nr] * zv[rowIdx[r0 + a]];
          out[bo + l * s0 + c] = v;
        }
      }
      for (let i = 0; i < qR; i++) out[bo + q0 + i] = -zv[i];
    }
    return out;
  };
  // M_k B for a q×p B (zero outside the term's block)
  const applyM = (k: number, B: Float64Array): Float64Array => {
    const { t, m } = params[k];
    const { s, nl } = terms[t];
    const out = new Float64Array(q * p);
    for (let j = 0; j < p; j++)
      for (let lv = 0; lv < nl; lv++) {
        const o = j * q + uoff[t] + lv * s;
        for (let a = 0; a < s; a++) {
          let v = 0;
          for (let b = 0; b < s; b++) v += m[a + b * s] * B[o + b];
          out[o + a] = v;
        }
      }
    return out;
  };
  // R̂ = ΛᵀZᵀX (q×p)
  const X = ms.X;
  const Rh = new Float64Array(q * p);
  terms.forEach((t, ti) => {
    const { s, refs } = t;
    const z = t.term.z;
    for (let i = 0; i < n; i++) {
      const base = uoff[ti] + refs[i] * s;
      for (let c = 0; c < s; c++) {
        const zc = z[i * s + c];
        if (zc === 0) continue;
        for (let j = 0; j < p; j++) Rh[base + c + j * q] += zc * X[i + j * n];
      }
    }
    if (s === 1) {
      const th = t.lambda[0];
      for (let j = 0; j < p; j++) for (let lv = 0; lv < t.nl; lv++) Rh[uoff[ti] + lv + j * q] *= th;
      return;
    }
    const lam = t.lambda, tmp = new Float64Array(s);
    for (let j = 0; j < p; j++)
      for (let lv = 0; lv < t.nl; lv++) {
        const o = uoff[ti] + lv * s + j * q;
        for (let a = 0; a < s; a++) {
          let v = 0;
          for (let b = a; b < s; b++) v += lam[b + a * s] * Rh[o + b];
          tmp[a] = v;
        }
        for (let a = 0; a < s; a++) Rh[o + a] = tmp[a];
      }
  });
  const NR = applyN(Rh);
  const Th = NR.map((v) => v * inv); // ẐᵀWX
  const Th2 = applyN(Th).map((v) => v * inv); // ẐᵀW²X
  const LX = sys.xFactor(); // XᵀV⁻¹X = σ⁻² L_X L_Xᵀ
  const XWX = mulNT(LX, p, p, LX, p).map((v) => v * inv);
  const XW2X = axpby(inv, XWX, -inv, mulTN(Th, q, p, NR, p));
  const XW3X = axpby(inv, XW2X, -inv, mulTN(Th2, q, p, NR, p));
  const phi = spdInverse(XWX, p, "XᵀV⁻¹X");
  const MT = params.map((_, k) => applyM(k, Th));
  // U_s = K̃ M_s T̂ = M_s T̂ − N M_s T̂
  const Us = MT.map((mt) => axpby(1, mt, -1, applyN(mt)));
  const Qreg = (r: number, s: number): Float64Array => mulTN(MT[r], q, p, Us[s], p).map((v) => v * inv);
  const z = zeroTerms(ms, terms, uoff, q, soff, qS, zparams, params, inv, Rh, Th, MT, applyN);
  if (z) {
    // K̃'s columns of the zero terms enter tr K̃² and tr(M_r K̃²) beside the identity's regular part
    for (let r = 0; r < np; r++) CJ[r] += z.cjAdd[r];
    CJJ += z.cjjAdd;
  }
  // the variance parameters in the dense route's order, then σ² (I)
  const g = order.length + 1, res = order.length;
  const P: Float64Array[] = [];
  for (let r = 0; r < g; r++) {
    const o = order[r];
    P.push((r === res ? XW2X : o >= 0 ? mulTN(Th, q, p, MT[o], p) : z!.P(-1 - o)).map((v) => -v));
  }
  const Q = (r: number, s: number): Float64Array => {
    if (r === res && s === res) return XW3X;
    if (r === res) return transpose(Q(s, r), p);
    const o = order[r];
    if (s === res) return o >= 0 ? mulTN(MT[o], q, p, Th2, p) : z!.Qres(-1 - o);
    const o2 = order[s];
    if (o >= 0 && o2 >= 0) return Qreg(o, o2);
    if (o < 0 && o2 < 0) return z!.Qzz(-1 - o, -1 - o2);
    return o < 0 ? z!.Qzr(-1 - o, o2) : transpose(z!.Qzr(-1 - o2, o), p);
  };
  const i2 = inv * inv;
  const ktrace = (r: number, s: number): number => {
    if (r === res && s === res) return i2 * (n - 2 * trK + CJJ);
    if (r === res || s === res) {
      const k = order[r === res ? s : r];
      return k >= 0 ? i2 * (diagK[k] - CJ[k]) : z!.Kres(-1 - k);
    }
    const o = order[r], o2 = order[s];
    if (o >= 0 && o2 >= 0) return i2 * Cm[o + o2 * np];
    if (o < 0 && o2 < 0) return z!.Kzz(-1 - o, -1 - o2);
    return o < 0 ? z!.Kzr(-1 - o, o2) : z!.Kzr(-1 - o2, o);
  };
  return assemble(p, g, phi, P, Q, ktrace, "blocked");
}

/** The pieces a term with a variance at zero adds to the blocked route (see zeroTerms). */
interface ZeroPieces {
  /** XᵀW G_z W X (P_z = −this), XᵀW G_z W² X, XᵀW G_z W G_z' W X, XᵀW G_z W G_r W X (r regular) */
  P(z: number): Float64Array;
  Qres(z: number): Float64Array;
  Qzz(z: number, z2: number): Float64Array;
  Qzr(z: number, r: number): Float64Array;
  /** tr(W G_z W), tr(W G_z W G_z'), tr(W G_z W G_r) */
  Kres(z: number): number;
  Kzz(z: number, z2: number): number;
  Kzr(z: number, r: number): number;
  /** what K̃'s columns of the zero terms add to tr(M_r K̃²) (per regular r) and to tr K̃² */
  cjAdd: Float64Array;
  cjjAdd: number;
}

/**
 * Terms with a variance at (or near) zero: λ⁻¹ is unusable, so their G_z = Z_z E_z Z_zᵀ (pbkrtest
 * keeps a variance at zero as a parameter) are taken in Z_z's own columns (q_S of them in all),
 * while Ẑ = ZΛ and N stay those of the fit (a zero λ gives zero columns of Ẑ, N = I there). With
 * B = N Ẑᵀ Z_S (q × q_S, by N applied to q_S columns) and W = σ⁻²(I − Ẑ N Ẑᵀ):
 *   Z_SᵀWẐ = σ⁻² Bᵀ,  Z_SᵀWZ_S = σ⁻² C,  C = Z_SᵀZ_S − Z_SᵀẐ B,  Z_SᵀW²Z_S = σ⁻⁴ (C − BᵀB),
 *   Z_SᵀWX = σ⁻² (Z_SᵀX − Bᵀ R̂),  Z_SᵀW²X = σ⁻² (Z_SᵀWX − Bᵀ ẐᵀWX)
 * — q_S × q, q_S² and q_S × p matrices only; no n×n and no q×q. The σ² traces tr K̃², tr(M_r K̃²)
 * sum over all of u-space: K̃ = I − N on the zero terms' columns (zero for λ = 0) adds its part.
 */
function zeroTerms(ms: ModelStructure, terms: readonly SysTerm[], uoff: readonly number[], q: number, soff: readonly number[], qS: number,
  zparams: readonly { t: number; e: Pattern }[], params: readonly UParam[], inv: number, Rh: Float64Array, Th: Float64Array,
  MT: readonly Float64Array[], applyN: (B: Float64Array, nc: number) => Float64Array): ZeroPieces | null {
  if (qS === 0) return null;
  const n = ms.n, p = ms.p, X = ms.X;
  // Ẑᵀ Z_S (q × q_S), Z_SᵀZ_S, Z_SᵀX, row by row
  const ZhZs = new Float64Array(q * qS), ZsZs = new Float64Array(qS * qS), ZsX = new Float64Array(qS * p);
  const hc: number[] = [], hv: number[] = [], sc: number[] = [], sv: number[] = [];
  for (let i = 0; i < n; i++) {
    hc.length = hv.length = sc.length = sv.length = 0;
    terms.forEach((t, ti) => {
      const { s, refs } = t;
      const z = t.term.z, lam = t.lambda;
      const base = uoff[ti] + refs[i] * s;
      for (let c = 0; c < s; c++) {
        let v = 0;
        for (let b = c; b < s; b++) v += z[i * s + b] * lam[b + c * s];
        if (v !== 0) { hc.push(base + c); hv.push(v); }
      }
      if (soff[ti] >= 0) for (let c = 0; c < s; c++) if (z[i * s + c] !== 0) { sc.push(soff[ti] + refs[i] * s + c); sv.push(z[i * s + c]); }
    });
    for (let a = 0; a < sc.length; a++) {
      const ca = sc[a], va = sv[a];
      for (let b = 0; b < hc.length; b++) ZhZs[hc[b] + ca * q] += hv[b] * va;
      for (let b = 0; b < sc.length; b++) ZsZs[sc[b] + ca * qS] += sv[b] * va;
      for (let j = 0; j < p; j++) ZsX[ca + j * qS] += va * X[i + j * n];
    }
  }
  const B = applyN(ZhZs, qS);
  const C = axpby(1, ZsZs, -1, mulTN(ZhZs, q, qS, B, qS));
  const TzW = axpby(inv, ZsX, -inv, mulTN(B, q, qS, Rh, p));
  const Tz2 = axpby(inv, TzW, -inv, mulTN(B, q, qS, Th, p));
  const CmB = axpby(1, C, -1, mulTN(B, q, qS, B, qS));
  // K̃ = I − N on the zero terms' u-space columns
  const Eu = new Float64Array(q * qS);
  terms.forEach((t, ti) => { if (soff[ti] >= 0) for (let j = 0; j < t.q; j++) Eu[uoff[ti] + j + (soff[ti] + j) * q] = 1; });
  const KS = axpby(1, Eu, -1, applyN(Eu, qS));
  const cjAdd = new Float64Array(params.length);
  params.forEach((pr, k) => {
    const { s, nl } = terms[pr.t];
    let v = 0;
    for (let j = 0; j < qS; j++)
      for (let lv = 0; lv < nl; lv++) {
        const o = j * q + uoff[pr.t] + lv * s;
        for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) v += KS[o + a] * pr.m[a + b * s] * KS[o + b];
      }
    cjAdd[k] = v;
  });
  let cols = 0, own = 0;
  for (let j = 0; j < qS; j++) for (let i = 0; i < q; i++) cols += KS[i + j * q] ** 2;
  terms.forEach((t, ti) => {
    if (soff[ti] < 0) return;
    for (let j = 0; j < qS; j++) for (let i = 0; i < t.q; i++) own += KS[uoff[ti] + i + j * q] ** 2;
  });
  const CET = zparams.map((zp) => mul(C, qS, qS, applyE(zp.e, TzW, qS, p), p));
  const BtMT = MT.map((mt) => mulTN(B, q, qS, mt, p));
  const i2 = inv * inv;
  const pairSum = (e: Pattern, M: Float64Array, m: number) => { let t = 0; for (let h = 0; h < e.length; h += 2) t += M[e[h + 1] + e[h] * m]; return t; };
  return {
    P: (z) => bilinear(zparams[z].e, TzW, TzW, qS, p),
    Qres: (z) => bilinear(zparams[z].e, TzW, Tz2, qS, p),
    Qzz: (z, z2) => bilinear(zparams[z].e, TzW, CET[z2], qS, p).map((v) => v * inv),
    Qzr: (z, r) => bilinear(zparams[z].e, TzW, BtMT[r], qS, p).map((v) => v * inv),
    Kres: (z) => i2 * pairSum(zparams[z].e, CmB, qS),
    Kzz: (z, z2) => {
      const er = zparams[z].e, es = zparams[z2].e;
      let t = 0;
      for (let m = 0; m < er.length; m += 2) {
        const i = er[m], j = er[m + 1];
        for (let h = 0; h < es.length; h += 2) t += C[j + es[h] * qS] * C[es[h + 1] + i * qS];
      }
      return i2 * t;
    },
    Kzr: (z, r) => {
      // tr(M_r B E_z Bᵀ) over term r's diagonal blocks
      const e = zparams[z].e, { t: tr, m } = params[r];
      const { s, nl } = terms[tr];
      let t = 0;
      for (let h = 0; h < e.length; h += 2) {
        const bi = e[h] * q, bj = e[h + 1] * q;
        for (let lv = 0; lv < nl; lv++) {
          const o = uoff[tr] + lv * s;
          for (let a = 0; a < s; a++) {
            const ba = B[bj + o + a];
            if (ba === 0) continue;
            for (let b = 0; b < s; b++) t += ba * m[a + b * s] * B[bi + o + b];
          }
        }
      }
      return i2 * t;
    },
    cjAdd, cjjAdd: 2 * cols - own,
  };
}

/** tr(A B C D) for s×s matrices */
function tr4(A: Float64Array, B: Float64Array, C: Float64Array, D: Float64Array, s: number): number {
  if (s === 1) return A[0] * B[0] * C[0] * D[0];
  return traceProd(mul(A, s, s, B, s), mul(C, s, s, D, s), s);
}


/** A Kenward–Roger F test of L β = 0 (pbkrtest's KRmodcomp): F scaled, numerator and denominator df, p. */
export interface KRTest {
  /** numerator df (rank of L) and the KR denominator df */
  readonly numDf: number;
  readonly denDf: number;
  /** F with Φ_A, unscaled (pbkrtest's FstatU), and the scaling λ: F = λ·FstatU */
  readonly Funscaled: number;
  readonly scaling: number;
  readonly F: number;
  readonly p: number;
}

/** The KR F test of Lβ = 0 (L: rows of length p, full row rank), as pbkrtest's KRmodcomp. */
export function krTest(kr: KenwardRoger, beta: ArrayLike<number>, L: readonly ArrayLike<number>[]): KRTest {
  const { denDf, A2, q } = krDf(kr, L);
  const { p, phiA } = kr;
  const Lb = L.map((l) => dot(l, beta, p));
  const M = new Float64Array(q * q);
  for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) M[a + b * q] = bilinearForm(L[a], phiA, L[b], p);
  const Mi = spdInverse(M, q, "L Φ_A Lᵀ");
  let wald = 0;
  for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) wald += Lb[a] * Mi[a + b * q] * Lb[b];
  const Fu = wald / q;
  const scaling = Math.abs(denDf - 2) < 1e-2 ? 1 : (denDf * (1 - A2 / q)) / (denDf - 2);
  const F = Fu * scaling;
  return { numDf: q, denDf, Funscaled: Fu, scaling, F, p: pfUpper(F, q, denDf) };
}

/** t test of lᵀβ with the KR df (pbkrtest's Lb_ddf) and SE from Φ_A, as lmerTest's contest1D. */
export function krContrast(kr: KenwardRoger, beta: ArrayLike<number>, l: ArrayLike<number>): { estimate: number; se: number; df: number; t: number; p: number } {
  const estimate = dot(l, beta, kr.p);
  const se = Math.sqrt(bilinearForm(l, kr.phiA, l, kr.p));
  const df = krDf(kr, [l]).denDf;
  const t = estimate / se;
  return { estimate, se, df, t, p: pt2(t, df) };
}

/** KR denominator df of the hypothesis L (q rows), with A2 for the F scaling. */
export function krDf(kr: KenwardRoger, L: readonly ArrayLike<number>[]): { denDf: number; A2: number; q: number } {
  const { p, phi, P, omega } = kr;
  const q = L.length;
  const g = P.length;
  // Θ = Lᵀ (L Φ Lᵀ)⁻¹ L
  const M = new Float64Array(q * q);
  for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) M[a + b * q] = bilinearForm(L[a], phi, L[b], p);
  const Mi = spdInverse(M, q, "L Φ Lᵀ");
  const Theta = new Float64Array(p * p);
  for (let a = 0; a < q; a++)
    for (let b = 0; b < q; b++) {
      const m = Mi[a + b * q];
      if (m === 0) continue;
      for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) Theta[i + j * p] += L[a][i] * m * L[b][j];
    }
  const ThPhi = mul(Theta, p, p, phi, p);
  const u = P.map((Pr) => mul(mul(ThPhi, p, p, Pr, p), p, p, phi, p));
  const tr = u.map((m) => { let t = 0; for (let i = 0; i < p; i++) t += m[i + i * p]; return t; });
  let A1 = 0, A2 = 0;
  for (let r = 0; r < g; r++)
    for (let s = 0; s < g; s++) {
      const w = omega[r + s * g];
      A1 += w * tr[r] * tr[s];
      A2 += w * traceProd(u[r], u[s], p);
    }
  const B = (A1 + 6 * A2) / (2 * q);
  const gg = ((q + 1) * A1 - (q + 4) * A2) / ((q + 2) * A2);
  const den = 3 * q + 2 * (1 - gg);
  const c1 = gg / den, c2 = (q - gg) / den, c3 = (q + 2 - gg) / den;
  let V0 = 1 + c1 * B;
  const V1 = 1 - c2 * B, V2 = 1 - c3 * B;
  if (Math.abs(V0) < 1e-10) V0 = 0;
  const ratio = V1 === 0 ? 0 : (1 - A2 / q) / V1; // pbkrtest's .divZero
  const rho = (ratio * ratio * V0) / (q * V2);
  return { denDf: 4 + (q + 2) / (q * rho - 1), A2, q };
}

// ---- small dense helpers (column-major)

/** C = A (m×k) · B (k×n) */
function mul(A: Float64Array, m: number, k: number, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let j = 0; j < n; j++)
    for (let c = 0; c < k; c++) {
      const b = B[c + j * k];
      if (b === 0) continue;
      const ao = c * m, co = j * m;
      for (let i = 0; i < m; i++) C[co + i] += A[ao + i] * b;
    }
  return C;
}

/** C = Aᵀ (A: k×m) · B (k×n) */
function mulTN(A: Float64Array, k: number, m: number, B: Float64Array, n: number): Float64Array {
  const C = new Float64Array(m * n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < m; i++) {
      let s = 0;
      const ao = i * k, bo = j * k;
      for (let c = 0; c < k; c++) s += A[ao + c] * B[bo + c];
      C[i + j * m] = s;
    }
  return C;
}

/** C = A (m×k) · Bᵀ (B: n×k) */
function mulNT(A: Float64Array, m: number, k: number, B: Float64Array, n: number): Float64Array {
  return mul(A, m, k, transposeRect(B, n, k), n);
}

function transposeRect(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) T[j + i * n] = A[i + j * m];
  return T;
}

const transpose = (A: Float64Array, p: number) => transposeRect(A, p, p);

/** a·X + b·Y */
function axpby(a: number, X: Float64Array, b: number, Y: Float64Array): Float64Array {
  return Float64Array.from(X, (v, i) => a * v + b * Y[i]);
}

/** tr(A B) for p×p A, B */
function traceProd(A: Float64Array, B: Float64Array, p: number): number {
  let t = 0;
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) t += A[i + j * p] * B[j + i * p];
  return t;
}

/** M1ᵀ E M2 (p×p) for q×p M1, M2 and the pattern E */
function bilinear(e: Pattern, M1: Float64Array, M2: Float64Array, q: number, p: number): Float64Array {
  const out = new Float64Array(p * p);
  for (let m = 0; m < e.length; m += 2) {
    const i = e[m], j = e[m + 1];
    for (let b = 0; b < p; b++) {
      const v = M2[j + b * q];
      if (v === 0) continue;
      for (let a = 0; a < p; a++) out[a + b * p] += M1[i + a * q] * v;
    }
  }
  return out;
}

/** E M (q×p) */
function applyE(e: Pattern, M: Float64Array, q: number, p: number): Float64Array {
  const out = new Float64Array(q * p);
  for (let m = 0; m < e.length; m += 2) {
    const i = e[m], j = e[m + 1];
    for (let b = 0; b < p; b++) out[i + b * q] += M[j + b * q];
  }
  return out;
}

function spdInverse(M: Float64Array, k: number, what: string): Float64Array {
  const L = Float64Array.from(M);
  if (cholLower(L, k) >= 0) throw new UserError(`Kenward-Roger: ${what} is not positive definite (a variance at zero?)`);
  return cholInverse(L, k);
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>, p: number): number {
  let s = 0;
  for (let i = 0; i < p; i++) s += a[i] * b[i];
  return s;
}

/** aᵀ M b for p-vectors a, b and a p×p M (column-major) */
export function bilinearForm(a: ArrayLike<number>, M: Float64Array, b: ArrayLike<number>, p: number): number {
  let s = 0;
  for (let i = 0; i < p; i++) {
    if (a[i] === 0) continue;
    let r = 0;
    for (let j = 0; j < p; j++) r += M[i + j * p] * b[j];
    s += a[i] * r;
  }
  return s;
}

/** Coefficient t tests with KR SEs and df (lmerTest's summary(ddf = "Kenward-Roger")). */
export function krTable(ms: ModelStructure, fit: FittedLMM, weights: Float64Array | null = null): { term: string; estimate: number; se: number; df: number; t: number; p: number }[] {
  const kr = kenwardRoger(ms, fit, weights);
  return fit.xnames.map((term, j) => {
    const l = new Float64Array(fit.p);
    l[j] = 1;
    return { term, ...krContrast(kr, fit.beta, l) };
  });
}

/** Denominator degrees of freedom for LMM t and F tests: lmerTest's Satterthwaite or Kenward–Roger. */
export type DdfMethod = "satterthwaite" | "kenward-roger";

/** "satterthwaite" | "kenward-roger" from user text (also lmerTest's spellings). */
export function parseDdfMethod(v: string | undefined): DdfMethod {
  const s = (v ?? "satterthwaite").toLowerCase();
  if (s === "satterthwaite") return "satterthwaite";
  if (s === "kenward-roger" || s === "kr") return "kenward-roger";
  throw new UserError(`--ddf must be satterthwaite or kenward-roger, not '${v}'`);
}
