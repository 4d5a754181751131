// Random-effect terms as the mixed-model system sees them: sorted (most random effects first, as
// MixedModels.jl orders them), each with its relative covariance factor λ (s×s lower triangular)
// computed from the term's slice of θ.
//   "us"   unstructured: θ = λ's lower triangle, column-wise (lme4's order); diagonal ≥ 0
//   "diag" θ = the s relative SDs (≥ 0)
//   "cs"   θ = (a₁..a_s, ρ): Σ ∝ D[(1−ρ)I + ρ11ᵀ]D, D = diag(a)   (glmmTMB's cs: heterogeneous SDs)
//   "homcs" θ = (a, ρ): Σ ∝ a²[(1−ρ)I + ρ11ᵀ]         (glmmTMB ≥ 1.1.8's homcs)
//   "ar1"  θ = (a, ρ): Σ ∝ a² ρ^|i−j|                (glmmTMB's ar1)
// A term with a known covariance K between its levels (phylogeny, relatedness) has Λ = L_K ⊗ λ
// with K = L_K L_Kᵀ; such terms mix levels, so they live in the dense part of the system.
// A tree's covariance can instead be the system's first term in sparse-precision form: its effects
// are one per tree node (a level's effect is its tip's node), b = λ·a with a ~ N(0, Q⁻¹), so the
// penalty ‖u‖² becomes aᵀQa and the factor of λ²ZᵀWZ + Q is as sparse as the tree.
// For the sparse route (SortOptions.sparseKnown) every known covariance is held in precision form
// beside the other terms: a tree not taken first keeps its nodes and sparse Q, a well-conditioned
// dense K its dense Q = K⁻¹; the sparse factor then adds Q where it adds I (sparse-rest.ts).
import type { CovarianceKind, LevelTree, ReTerm } from "../formula/types.js";
import { levelTreeCovariance } from "../covariance/precision.js";
import { UserError } from "../errors.js";
import { cholLower, lowerInverse, syrkLowerSub } from "../linalg/dense.js";

export interface SysTerm {
  readonly term: ReTerm;
  /** index in the formula's term list (for reporting in formula order) */
  readonly formulaIndex: number;
  readonly s: number;
  readonly nl: number;
  /** number of random effects s·nl */
  readonly q: number;
  readonly kind: CovarianceKind;
  /** offset of this term's entries in θ */
  readonly thetaOffset: number;
  readonly ntheta: number;
  /** per θ entry: bounds and start */
  readonly lower: readonly number[];
  readonly upper: readonly number[];
  readonly start: readonly number[];
  /** per θ entry: true when θ = 0 puts a variance on the boundary (singular fit) */
  readonly diagMask: readonly boolean[];
  /** λ, s×s column-major, lower triangle used */
  readonly lambda: Float64Array;
  /** lower Cholesky factor of the known covariance between levels (nl×nl column-major), or null */
  readonly kfac: Float64Array | null;
  /** a tree in sparse-precision form (q = tree.size effects, one per node), or null */
  readonly tree: LevelTree | null;
  /** the tree is the system's first term, factored along the tree (system.ts); else it is a rest term */
  readonly treeFirst: boolean;
  /**
   * A known covariance held in precision form (GLMMs): b = λ·a, a ~ N(0, K⁻¹) — Λ is then θ times
   * the identity (kfac is null) and the system adds Q = K⁻¹ where it would add I. L is K's factor
   * (for simulation). Null otherwise.
   */
  readonly kprec: { readonly Q: Float64Array; readonly logDetK: number; readonly L: Float64Array } | null;
  /** per data row, the unit of the term's effects it uses: its level, or for a tree its level's node */
  readonly refs: Int32Array;
  /**
   * For an indicator term nested in the tree term that follows it (observations, or individuals,
   * within species): per level, the tree node (a tip) it sits in. The two terms then form one
   * tree-shaped block — the term's levels hang below the tips as extra leaves. Null otherwise.
   */
  readonly nest: Int32Array | null;
}

/** Number of θ entries for an unstructured term with s columns. */
export const nthetaFor = (s: number) => (s * (s + 1)) / 2;

const RHO_EDGE = 1e-6;

function layout(kind: CovarianceKind, s: number): { lower: number[]; upper: number[]; start: number[]; diag: boolean[] } {
  const lower: number[] = [], upper: number[] = [], start: number[] = [], diag: boolean[] = [];
  const push = (lo: number, hi: number, st: number, d: boolean) => { lower.push(lo); upper.push(hi); start.push(st); diag.push(d); };
  if (s === 1 || kind === "diag") {
    for (let j = 0; j < s; j++) push(0, Infinity, 1, true);
  } else if (kind === "us") {
    for (let j = 0; j < s; j++) for (let r = j; r < s; r++) push(r === j ? 0 : -Infinity, Infinity, r === j ? 1 : 0, r === j);
  } else {
    const nsd = kind === "cs" ? s : 1;
    for (let j = 0; j < nsd; j++) push(0, Infinity, 1, true);
    const rhoLo = kind === "ar1" ? -1 + RHO_EDGE : -1 / (s - 1) + RHO_EDGE;
    push(rhoLo, 1 - RHO_EDGE, 0, false);
  }
  return { lower, upper, start, diag };
}

export interface SortOptions {
  /**
   * Hold dense known covariances in precision form (Q = K⁻¹ added in place of I): a GLMM's PIRLS
   * reweights every step, and this saves the q³ product L_KᵀWL_K at each one. Used only when K is
   * well conditioned (a relatedness matrix, say), since the large entries of an ill-conditioned Q
   * put rounding noise into log|Ω| that the finite-difference Hessian magnifies: with a 2000-tip
   * coalescent tree's K (cond ≈ 3e5) an intercept's SE moved by 1%.
   */
  readonly densePrecision?: boolean;
  /**
   * Known covariances for the sparse route: a tree not taken as the first term keeps its nodes and
   * sparse precision (instead of its tips' dense K), and a well-conditioned dense K is held as Q.
   */
  readonly sparseKnown?: boolean;
  /** let a tree be the first term (its own elimination along the tree); default true */
  readonly treeFirst?: boolean;
}

/**
 * The positions of the terms in formula order: the system sorts terms by size (largest first),
 * reports and predictions list them as the formula does.
 */
export function formulaOrder(terms: readonly { readonly formulaIndex: number }[]): number[] {
  return terms.map((_, i) => i).sort((a, b) => terms[a].formulaIndex - terms[b].formulaIndex);
}

export function sortTerms(reTerms: readonly ReTerm[], options: SortOptions = {}): SysTerm[] {
  const idx = reTerms.map((_, i) => i);
  const size = (i: number) => reTerms[i].covariance?.tree?.size ?? reTerms[i].levels.length * reTerms[i].cnames.length;
  // The largest tree (sparse precision) goes first, where its factor stays as sparse as the tree —
  // unless an indicator term is larger still (that one's block diagonal is cheaper as the first).
  let treeFirst = -1;
  if (options.treeFirst !== false) for (const i of idx) if (reTerms[i].covariance?.tree && (treeFirst < 0 || size(i) > size(treeFirst))) treeFirst = i;
  // An indicator term nested in the tree's levels (an observation-level effect, individuals within
  // species) joins the tree's block as leaves below the tips; the one with the most levels, when
  // every term is scalar.
  let nested = -1;
  let nestMap: Int32Array | null = null;
  if (treeFirst >= 0 && reTerms.every((t) => t.cnames.length === 1))
    for (const i of idx) {
      const c = reTerms[i].covariance;
      if (i === treeFirst || c?.K || c?.tree || (c?.kind && c.kind !== "us")) continue;
      const m = nesting(reTerms[i], reTerms[treeFirst]);
      if (m && (nested < 0 || size(i) > size(nested))) { nested = i; nestMap = m; }
    }
  if (treeFirst >= 0 && idx.some((i) => i !== nested && !reTerms[i].covariance?.tree && !reTerms[i].covariance?.K && size(i) > size(treeFirst))) { treeFirst = -1; nested = -1; }
  const known = (i: number) => (i === nested ? -2 : i === treeFirst ? -1 : reTerms[i].covariance?.K || reTerms[i].covariance?.tree ? 1 : 0);
  // then indicator terms, largest q first; other known-covariance terms last (they are dense); stable
  idx.sort((a, b) => known(a) - known(b) || size(b) - size(a) || a - b);
  let off = 0;
  return idx.map((i) => {
    const term = reTerms[i];
    const s = term.cnames.length;
    const nl = term.levels.length;
    const kind: CovarianceKind = term.covariance?.kind ?? "us";
    const { lower, upper, start, diag } = layout(kind, s);
    const cov = term.covariance;
    const tree = i === treeFirst || (options.sparseKnown && cov?.tree) ? cov!.tree! : null;
    const K = tree ? null : cov?.K ?? (cov?.tree ? levelTreeCovariance(cov.tree, nl) : null);
    const kfac = K ? choleskyOfK(K, nl, term.group, cov?.source) : null;
    const kprec = kfac && (options.densePrecision || options.sparseKnown) ? precisionOf(kfac, nl) : null;
    const t = sysTerm({
      term, formulaIndex: i, s, nl, q: tree ? tree.size : s * nl, kind, thetaOffset: off, ntheta: lower.length,
      lower, upper, start, diagMask: diag, lambda: new Float64Array(s * s), kfac: kprec ? null : kfac, tree, treeFirst: i === treeFirst, kprec,
      refs: tree ? Int32Array.from(term.refs, (l) => tree.levelNode[l]) : term.refs,
      nest: i === nested ? nestMap : null,
    });
    off += lower.length;
    return t;
  });
}

/** Per level of `inner`, the tree node of the one level of `tree` its rows share; null if not nested. */
function nesting(inner: ReTerm, tree: ReTerm): Int32Array | null {
  const levelNode = tree.covariance!.tree!.levelNode;
  const map = new Int32Array(inner.levels.length).fill(-1);
  for (let i = 0; i < inner.refs.length; i++) {
    const node = levelNode[tree.refs[i]];
    const a = inner.refs[i];
    if (map[a] < 0) map[a] = node;
    else if (map[a] !== node) return null;
  }
  return map.every((v) => v >= 0) ? map : null;
}

/** the largest (max L_ii / min L_ii)² of K's factor for which a GLMM holds K in precision form */
export const PRECISION_MAX_COND = 1e4;

/** Q = K⁻¹ = L⁻ᵀL⁻¹ and log|K| from K's factor, or null when K is too ill-conditioned for it. */
function precisionOf(L: Float64Array, q: number): { Q: Float64Array; logDetK: number; L: Float64Array } | null {
  let lo = Infinity, hi = 0, logDetK = 0;
  for (let i = 0; i < q; i++) {
    const d = L[i + i * q];
    lo = Math.min(lo, d); hi = Math.max(hi, d);
    logDetK += 2 * Math.log(d);
  }
  if (!((hi / lo) ** 2 < PRECISION_MAX_COND)) return null;
  const Linv = lowerInverse(L, q, q);
  // Q = BBᵀ with B = L⁻ᵀ (upper triangular): one triangular SYRK into a zero matrix (it subtracts)
  const B = new Float64Array(q * q);
  for (let j = 0; j < q; j++) for (let i = 0; i <= j; i++) B[i + j * q] = Linv[j + i * q];
  const Q = new Float64Array(q * q);
  syrkLowerSub(Q, q, B, q, true);
  for (let j = 0; j < q; j++) for (let i = j; i < q; i++) Q[i + j * q] = -Q[i + j * q];
  return { Q, logDetK, L };
}

function choleskyOfK(K: Float64Array, nl: number, group: string, source?: string): Float64Array {
  let mean = 0;
  for (let j = 0; j < nl; j++) mean += K[j + j * nl];
  mean /= nl;
  // a tiny ridge only when K is numerically singular (e.g. identical tips)
  for (let attempt = 0; attempt < 3; attempt++) {
    const c = Float64Array.from(K);
    if (attempt > 0) for (let j = 0; j < nl; j++) c[j + j * nl] += mean * Math.pow(10, -13 + 3 * attempt);
    if (cholLower(c, nl) < 0) {
      for (let j = 0; j < nl; j++) for (let i = 0; i < j; i++) c[i + j * nl] = 0;
      return c;
    }
  }
  throw new UserError(`${source ?? "the known covariance"} of '${group}' is not positive definite (even with a small ridge): check for duplicated or zero-length tips, or use a correlation scaling`);
}

/** Fill one term's λ from its θ slice. */
export function setLambda(t: SysTerm, theta: ArrayLike<number>): void {
  lambdaInto(t, theta, t.lambda);
}

/** λ of one term at θ, written into `lambda` (s×s column-major), leaving the term's own λ alone. */
export function lambdaInto(t: SysTerm, theta: ArrayLike<number>, lambda: Float64Array): void {
  const { s, kind } = t;
  let k = t.thetaOffset;
  if (s === 1) { lambda[0] = theta[k]; return; }
  if (kind === "us") {
    for (let j = 0; j < s; j++) for (let r = j; r < s; r++) lambda[r + j * s] = theta[k++];
    return;
  }
  lambda.fill(0);
  if (kind === "diag") {
    for (let j = 0; j < s; j++) lambda[j + j * s] = theta[k++];
    return;
  }
  const nsd = kind === "cs" ? s : 1;
  const a = theta[k], rho = theta[k + nsd];
  if (kind === "ar1") {
    // Cholesky factor of ρ^|i−j|: column 0 is ρ^i, column j ≥ 1 is ρ^(i−j)·√(1−ρ²)
    const c = Math.sqrt(Math.max(0, 1 - rho * rho));
    for (let j = 0; j < s; j++) {
      let pw = 1;
      for (let i = j; i < s; i++) {
        lambda[i + j * s] = a * pw * (j === 0 ? 1 : c);
        pw *= rho;
      }
    }
    return;
  }
  // cs / homcs: Cholesky factor of (1−ρ)I + ρ11ᵀ, numerically, then rows scaled by the SDs
  for (let j = 0; j < s; j++) {
    let d = 1;
    for (let p = 0; p < j; p++) d -= lambda[j + p * s] * lambda[j + p * s];
    d = Math.sqrt(Math.max(d, 0));
    lambda[j + j * s] = d;
    for (let i = j + 1; i < s; i++) {
      let v = rho;
      for (let p = 0; p < j; p++) v -= lambda[i + p * s] * lambda[j + p * s];
      lambda[i + j * s] = d > 0 ? v / d : 0;
    }
  }
  if (kind === "cs") {
    for (let j = 0; j < s; j++) for (let i = j; i < s; i++) lambda[i + j * s] *= theta[k + i];
  } else for (let i = 0; i < s * s; i++) lambda[i] *= a;
}

/** Fill every term's λ from θ. */
export function setLambdas(terms: readonly SysTerm[], theta: ArrayLike<number>): void {
  for (const t of terms) setLambda(t, theta);
}

/** θ at λ = I (lme4's start; ρ = 0 for structured terms). */
export function thetaStart(terms: readonly SysTerm[]): Float64Array {
  return Float64Array.from(terms.flatMap((t) => t.start));
}

export function thetaLower(terms: readonly SysTerm[]): Float64Array {
  return Float64Array.from(terms.flatMap((t) => t.lower));
}

export function thetaUpper(terms: readonly SysTerm[]): Float64Array {
  return Float64Array.from(terms.flatMap((t) => t.upper));
}

/** Covariance of one term's random effects (per level) relative to σ²: λλᵀ (s×s, full). */
export function relCovariance(t: SysTerm, lambda: Float64Array = t.lambda): Float64Array {
  const { s } = t;
  const out = new Float64Array(s * s);
  for (let i = 0; i < s; i++)
    for (let j = 0; j < s; j++) {
      let acc = 0;
      for (let k = 0; k <= Math.min(i, j); k++) acc += lambda[i + k * s] * lambda[j + k * s];
      out[i + j * s] = acc;
    }
  return out;
}

/**
 * b = Λu for one term: level-major vectors of length q (b and u may be different arrays), where
 * Λ = blockdiag(λ) or, with a known covariance, L_K ⊗ λ.
 */
export function applyLambda(t: SysTerm, u: Float64Array, uOff: number, b: Float64Array, bOff: number): void {
  const { s, nl, lambda, kfac } = t;
  if (kfac === null) {
    if (s === 1) {
      // (a tree term has q = its node count > nl: every node's effect is scaled)
      const th = lambda[0];
      for (let l = 0; l < t.q; l++) b[bOff + l] = th * u[uOff + l];
      return;
    }
    for (let l = 0; l < nl; l++)
      for (let r = 0; r < s; r++) {
        let acc = 0;
        for (let k = 0; k <= r; k++) acc += lambda[r + k * s] * u[uOff + l * s + k];
        b[bOff + l * s + r] = acc;
      }
    return;
  }
  // (L_K ⊗ λ) u: first λ within each level, then L_K across levels
  const tmp = new Float64Array(t.q);
  for (let l = 0; l < nl; l++)
    for (let r = 0; r < s; r++) {
      let acc = 0;
      for (let k = 0; k <= r; k++) acc += lambda[r + k * s] * u[uOff + l * s + k];
      tmp[l * s + r] = acc;
    }
  for (let l = 0; l < nl; l++)
    for (let r = 0; r < s; r++) {
      let acc = 0;
      for (let l2 = 0; l2 <= l; l2++) acc += kfac[l + l2 * nl] * tmp[l2 * s + r];
      b[bOff + l * s + r] = acc;
    }
}

/** v ← Λᵀ v for one term's segment (level-major, length q) of a vector with the given stride. */
export function applyLambdaT(t: SysTerm, v: Float64Array, off: number, stride = 1): void {
  const { s, nl, lambda, kfac } = t;
  // λᵀ within each level
  if (s === 1) {
    const th = lambda[0];
    for (let l = 0; l < t.q; l++) v[off + l * stride] *= th;
  } else {
    const tmp = new Float64Array(s);
    for (let l = 0; l < nl; l++) {
      for (let r = 0; r < s; r++) {
        let acc = 0;
        for (let k = r; k < s; k++) acc += lambda[k + r * s] * v[off + (l * s + k) * stride];
        tmp[r] = acc;
      }
      for (let r = 0; r < s; r++) v[off + (l * s + r) * stride] = tmp[r];
    }
  }
  if (kfac === null) return;
  // L_Kᵀ across levels: w_l = Σ_{l2 ≥ l} L_K[l2, l] v_{l2}
  for (let r = 0; r < s; r++)
    for (let l = 0; l < nl; l++) {
      let acc = 0;
      for (let l2 = l; l2 < nl; l2++) acc += kfac[l2 + l * nl] * v[off + (l2 * s + r) * stride];
      v[off + (l * s + r) * stride] = acc;
    }
}

/**
 * The penalty of one term's segment of u: ‖u‖², or uᵀQu for a tree term
 * (Q = Σ_v precision_v (e_v − e_parent)(e_v − e_parent)ᵀ) or a known covariance in precision form.
 */
export function penalty(t: SysTerm, u: ArrayLike<number>, off: number): number {
  let s = 0;
  const tr = t.tree;
  if (t.kprec !== null) {
    // uᵀQu from Q's lower triangle
    const { Q } = t.kprec;
    const q = t.q;
    for (let j = 0; j < q; j++) {
      const uj = u[off + j];
      let acc = 0;
      for (let i = j + 1; i < q; i++) acc += Q[i + j * q] * u[off + i];
      s += uj * (Q[j + j * q] * uj + 2 * acc);
    }
    return s;
  }
  if (tr === null) {
    for (let k = off; k < off + t.q; k++) s += u[k] * u[k];
    return s;
  }
  const { parent, precision } = tr;
  for (let k = 0; k < t.q; k++) {
    const p = parent[k];
    const d = u[off + k] - (p < 0 ? 0 : u[off + p]);
    s += precision[k] * d * d;
  }
  return s;
}

/** A term's effects per level from its effects per unit (for a tree, each level's node's). */
export function levelEffects(t: SysTerm, b: Float64Array): Float64Array {
  if (t.tree === null) return b;
  return Float64Array.from(t.tree.levelNode, (k) => b[k]);
}

/**
 * A tree's precision Q = Σ_v precision_v (e_v − e_parent)(e_v − e_parent)ᵀ entry by entry, lower
 * triangle (i ≥ j; a parent's index is larger than its child's): `add(i, j, value)`, repeats summed.
 */
export function addTreePrecision(tree: LevelTree, add: (i: number, j: number, v: number) => void): void {
  const { parent, precision } = tree;
  for (let k = 0; k < parent.length; k++) {
    add(k, k, precision[k]);
    const p = parent[k];
    if (p < 0) continue;
    add(p, p, precision[k]);
    add(p, k, -precision[k]);
  }
}

/**
 * A SysTerm with the fields of `t`, built as one object literal in a fixed order. Every SysTerm
 * (and every copy with a field changed, which `{ ...t, x }` would give another V8 hidden class)
 * comes from here: the hot loops that read terms then see one shape and are not deoptimized.
 */
export function sysTerm(t: SysTerm): SysTerm {
  return {
    term: t.term, formulaIndex: t.formulaIndex, s: t.s, nl: t.nl, q: t.q, kind: t.kind, thetaOffset: t.thetaOffset, ntheta: t.ntheta,
    lower: t.lower, upper: t.upper, start: t.start, diagMask: t.diagMask, lambda: t.lambda, kfac: t.kfac, tree: t.tree, treeFirst: t.treeFirst, kprec: t.kprec,
    refs: t.refs, nest: t.nest,
  };
}
