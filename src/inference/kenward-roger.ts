// Kenward–Roger (1997) for LMM fixed effects, as pbkrtest's vcovAdj / KRmodcomp / Lb_ddf (which
// lmerTest uses for ddf = "Kenward-Roger"). V = Σ_r γ_r G_r is linear in the variance parameters
// γ (each term's covariance entries, lower triangle, and σ²), G = Z E Zᵀ for a term entry, I for
// σ². With W = V⁻¹ and Φ = (XᵀWX)⁻¹:
//   P_r = −XᵀW G_r W X,  Q_rs = XᵀW G_r W G_s W X,  K_rs = tr(W G_r W G_s)
//   I_rs = K_rs − 2 tr(Φ Q_rs) + tr(Φ P_r Φ P_s)   (twice the REML expected information), Ω = 2 I⁻¹
//   Φ_A = Φ + 2 Φ [Σ_rs Ω_rs (Q_rs − P_r Φ P_s)] Φ
// and the df and F scaling from A1, A2 of the contrast. No n×n matrix is formed: by Woodbury,
// W = σ⁻²(I − Z S Zᵀ) with S = Λ (ΛᵀZᵀZΛ + I)⁻¹ Λᵀ, so every product above is one of q×q, q×p
// and p×p matrices (ZᵀWZ, ZᵀWX, ZᵀW²Z, ...). This first version holds those q×q matrices dense:
// q (the number of random effects) is capped at KR_MAX_Q.
import { UserError } from "../errors.js";
import type { ModelStructure } from "../formula/types.js";
import { cholInverse, cholLower } from "../linalg/dense.js";
import type { FittedLMM } from "../lmm/lmm.js";
import { lambdaInto } from "../lmm/reterms.js";
import { pfUpper, pt2 } from "./distributions.js";

/** the largest number of random effects for which the dense q×q version runs */
export const KR_MAX_Q = 2000;

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
}

/** Entries (row, column) of one E_r: for each level, (a, b) and (b, a) of that term's block. */
type Pattern = Int32Array;

/** pbkrtest's vcovAdj for a REML LMM fit. */
export function kenwardRoger(ms: ModelStructure, fit: FittedLMM, weights: Float64Array | null = null): KenwardRoger {
  if (!fit.reml) throw new UserError("Kenward-Roger's method is only available for REML fits (drop --ml)");
  if (weights) throw new UserError("Kenward-Roger is not available with prior weights; use --ddf satterthwaite");
  const n = ms.n, p = ms.p;
  const terms = fit.terms;
  for (const t of terms) {
    if (t.kfac || t.tree || t.kprec || t.nest) throw new UserError("Kenward-Roger is not available for terms with a known covariance (--covariance)");
    if (t.kind !== "us" && t.kind !== "diag" && t.s > 1) throw new UserError(`Kenward-Roger is not available for a structured (${t.kind}) covariance`);
  }
  const q = terms.reduce((a, t) => a + t.q, 0);
  if (q > KR_MAX_Q) throw new UserError(`Kenward-Roger: ${q} random effects exceed this version's limit of ${KR_MAX_Q} (it holds q×q matrices dense); use --ddf satterthwaite`);
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
  const pats: Pattern[] = [];
  terms.forEach((t, k) => {
    for (let b = 0; b < t.s; b++)
      for (let a = b; a < t.s; a++) {
        if (a !== b && t.kind === "diag") continue;
        const e: number[] = [];
        for (let l = 0; l < t.nl; l++) {
          const r1 = offs[k] + l * t.s + a, r2 = offs[k] + l * t.s + b;
          e.push(r1, r2);
          if (a !== b) e.push(r2, r1);
        }
        pats.push(Int32Array.from(e));
      }
  });
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
  return { p, phi, phiA, P, omega };
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
