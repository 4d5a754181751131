// The "rest" part of the PLS system (the random effects outside term 0, then X and y) as a sparse
// supernodal Cholesky factor instead of one dense m×m block. After term 0 is eliminated (its
// blocks are diagonal), the rest matrix is Λ_RᵀA_RRΛ_R + I − L_R0L_R0ᵀ: in a nested design
// (classes → schools → regions) it is a tree plus the dense X/y rows and has no fill at all; in a
// crossed design it fills to what the crossing implies and the supernodes run dense kernels.
// The symbolic work (pattern, fill-reducing order with X and y kept last, supernodes, and every
// scatter position the per-θ updates need) is done once per system; each θ then costs
// O(nnz(A)) for the scaling and updates plus the numeric factorization.
//
// Indices: "rest indices" are the system's natural order (rest term t's level l at roff[t] + l,
// then X columns, then y). The factor works in a permuted order; `iperm` maps rest → factor
// position, `perm` back. The X and y columns keep their positions (the last p + 1).
// This route serves rest terms without a known covariance between levels (scalar or vector) and
// scalar terms whose known covariance is held in precision form (Λ = θI, the prior's Q added where
// I would be): a tree over its nodes (sparse Q, no fill under the ordering) or a dense K⁻¹ (one
// dense supernode). Term 0 may be a vector term, or absent (a model whose only terms have known
// covariances). Factor-form known covariances (Λ = θL_K) stay on the dense route. A vector term's level is a "unit"
// of s consecutive rest indices; its columns share their pattern, so fill comes in whole unit
// blocks and Λᵀ(·)Λ is applied block by block (scalar units by a product of two scales).
import { TooLargeError } from "../errors.js";
import {
  type SupernodalSymbolic, type SparseLowerPattern, SupernodalCholesky, analyze, fillReducingOrder, patternFromPairs, permutePattern,
} from "../linalg/sparse/index.js";
import { type SysTerm, addTreePrecision } from "./reterms.js";

/** Stored entries (factor and its copy of A, 16 bytes each) beyond which glmm refuses up front. */
export const MAX_SPARSE_ENTRIES = 150_000_000;

/** Σ over term-0 columns of the pairs of their rows: the scatter positions the sparse route keeps */
export function outerPairs(rowPtr: Int32Array, nl0: number): number {
  let s = 0;
  for (let l = 0; l < nl0; l++) {
    const nr = rowPtr[l + 1] - rowPtr[l];
    s += (nr * (nr + 1)) / 2;
  }
  return s;
}

/** refuse a sparse route whose per-column outer products alone would not fit */
export function checkOuterPairs(nOuter: number): void {
  if (nOuter > MAX_SPARSE_ENTRIES)
    throw new TooLargeError(`the model's largest term meets ${nOuter.toLocaleString("en")} pairs of other effects: too large to fit here`);
}

export class SparseRest {
  readonly m: number;
  readonly qR: number;
  readonly p: number;
  readonly perm: Int32Array;
  readonly iperm: Int32Array;
  readonly sym: SupernodalSymbolic;
  readonly F: SupernodalCholesky;
  /** A_RR (ZᵀWZ over the rest, X and y) in the factor's layout, zero at fill positions */
  readonly A: Float64Array;
  /** per rest index: the position of its diagonal entry */
  readonly diagPos: Int32Array;
  /** per random-effect rest index (< qR): the position of its X/y rows (p + 1 consecutive entries) */
  readonly tailPos: Int32Array;
  /** per rest pair of the X/y block (a ≥ b, a, b < p + 1): position, at a + b·(p+1) */
  readonly tailTailPos: Int32Array;
  /** per rest index < m − 1: the position of the y row's entry in its column (the last row) */
  readonly yRowPos: Int32Array;
  /**
   * per data row: positions of the pairs of its rest entries (entry e = term t's column c, in term
   * order then column order; pair (e, f), e > f, at e(e−1)/2 + f), nPairs per row
   */
  readonly pairPos: Int32Array;
  readonly nPairs: number;
  /** rest entries per data row (Σ s_t) */
  readonly nEntries: number;
  /** vector-unit blocks: per block, units (start rest index, size, term or −1 for X/y) and positions */
  private readonly blocks: { readonly u: Int32Array; readonly v: Int32Array; readonly ptr: Int32Array; readonly pos: Int32Array } | null;
  /** per term-0 level l: positions of (rowIdx[a], rowIdx[b]) for b ≤ a (b outer, a inner), from outerPtr[l] */
  readonly outerPtr: Float64Array;
  readonly outerPos: Int32Array;
  /** per factor position: the scale λ of its row at the current θ (1 for X and y) */
  private readonly scale: Float64Array;
  /** per rest index: which rest term (−1 for X and y) */
  private readonly termOf: Int32Array;
  /** the diagonal positions that get the prior's I (rest terms without a known precision) */
  private readonly identityPos: Int32Array;
  /** the known precisions' entries (Q of rest trees and of dense K⁻¹): positions and values */
  private readonly priorPos: Int32Array;
  private readonly priorVal: Float64Array;

  /**
   * The sparse rest of a system, or null when `accept` (shown the symbolic factor) prefers the
   * dense route: the scatter positions below are built only for a route that is taken.
   */
  static build(rest: readonly SysTerm[], roff: Int32Array, n: number, p: number, rowPtr: Int32Array, rowIdx: Int32Array, nl0: number,
    accept: (sym: SupernodalSymbolic) => boolean = () => true, shared: SharedAnalysis | null = null): SparseRest | null {
    const analysis = analyseRest(rest, roff, n, p, rowPtr, rowIdx, nl0, shared);
    if (!accept(analysis.sym)) return null;
    const sr = new SparseRest(rest, roff, n, p, rowPtr, rowIdx, nl0, analysis);
    sr.shared = analysis.shared;
    return sr;
  }

  /** the random-effect part of the analysis (pattern and order), for a system on the same terms with another p */
  shared: SharedAnalysis | null = null;

  /**
   * `rowPtr/rowIdx`: the rows (rest indices, ascending, the last p + 1 being X and y) of each
   * term-0 column; `analysis`: the ordering and symbolic factor of the rest pattern.
   */
  private constructor(rest: readonly SysTerm[], roff: Int32Array, n: number, p: number, rowPtr: Int32Array, rowIdx: Int32Array, nl0: number,
    analysis: { perm: Int32Array; sym: SupernodalSymbolic }) {
    const R = rest.length;
    const qR = roff[R];
    const m = qR + p + 1;
    this.m = m;
    this.qR = qR;
    this.p = p;
    let E = 0;
    for (const t of rest) E += t.s;
    this.nEntries = E;
    const nPairs = (E * (E - 1)) / 2;
    this.nPairs = nPairs;
    const entry = new Int32Array(E);
    const { perm, sym } = analysis;
    const iperm = new Int32Array(m);
    for (let k = 0; k < m; k++) iperm[perm[k]] = k;
    this.perm = perm;
    this.iperm = iperm;
    this.sym = sym;
    if (2 * sym.nnzL > MAX_SPARSE_ENTRIES)
      throw new TooLargeError(`the model's sparse factor would hold ${sym.nnzL.toLocaleString("en")} entries (${((16 * sym.nnzL) / 2 ** 30).toFixed(1)} GiB with its copy of the cross-products) for ${qR.toLocaleString("en")} random effects outside the largest term: too large to fit here — crossed factors this large fill in; fewer levels (or a simpler random-effect structure) are needed`);
    this.F = new SupernodalCholesky(sym);
    this.A = new Float64Array(this.F.L.length);
    const loc = (a: number, b: number): number => {
      let i = iperm[a], j = iperm[b];
      if (i < j) { const t = i; i = j; j = t; }
      const pos = this.F.locate(i, j);
      if (pos < 0) throw new Error(`internal: rest entry (${a}, ${b}) outside the sparse pattern`);
      return pos;
    };
    this.diagPos = Int32Array.from({ length: m }, (_, a) => loc(a, a));
    this.tailPos = Int32Array.from({ length: qR }, (_, a) => loc(qR, a));
    this.tailTailPos = new Int32Array((p + 1) * (p + 1));
    for (let b = 0; b <= p; b++) for (let a = b; a <= p; a++) this.tailTailPos[a + b * (p + 1)] = loc(qR + a, qR + b);
    this.yRowPos = Int32Array.from({ length: m - 1 }, (_, a) => loc(m - 1, a));
    // per data row, the pairs of its rest entries
    if (n * nPairs > MAX_SPARSE_ENTRIES) throw new TooLargeError(`the random-effect terms outside the largest give ${(n * nPairs).toLocaleString("en")} pairs of effects over the rows: too large to fit here`);
    this.pairPos = new Int32Array(n * nPairs);
    for (let i = 0, k = 0; i < n && nPairs > 0; i++) {
      rowEntries(rest, roff, i, entry);
      for (let e = 1; e < E; e++) for (let f = 0; f < e; f++) this.pairPos[k++] = loc(entry[e], entry[f]);
    }
    // per term-0 column, the lower triangle of its outer product
    this.outerPtr = new Float64Array(nl0 + 1);
    for (let l = 0; l < nl0; l++) {
      const nr = rowPtr[l + 1] - rowPtr[l];
      this.outerPtr[l + 1] = this.outerPtr[l] + (nr * (nr + 1)) / 2;
    }
    const nOuter = this.outerPtr[nl0];
    checkOuterPairs(nOuter);
    this.outerPos = new Int32Array(nOuter);
    for (let l = 0, k = 0; l < nl0; l++) {
      const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0;
      for (let b = 0; b < nr; b++) for (let a = b; a < nr; a++) this.outerPos[k++] = loc(rowIdx[r0 + a], rowIdx[r0 + b]);
    }
    this.termOf = new Int32Array(m).fill(-1);
    for (let t = 0; t < R; t++) this.termOf.fill(t, roff[t], roff[t + 1]);
    const ident: number[] = [], qp: number[] = [], qv: number[] = [];
    rest.forEach((t, k) => {
      const o = roff[k];
      if (hasPrecision(t)) priorEntries(t, (i, j, v) => { qp.push(loc(o + i, o + j)); qv.push(v); });
      else for (let a = o; a < roff[k + 1]; a++) ident.push(this.diagPos[a]);
    });
    this.identityPos = Int32Array.from(ident);
    this.priorPos = Int32Array.from(qp);
    this.priorVal = Float64Array.from(qv);
    this.scale = new Float64Array(m);
    this.blocks = rest.some((t) => t.s > 1) ? vectorBlocks(rest, roff, m, sym, perm, loc) : null;
  }

  /** Zero the accumulated A. */
  clearA(): void {
    this.A.fill(0);
  }

  /**
   * The rest sums of the rows (scalar rest terms): diagonal, pairs of terms, and their X/y rows,
   * into A. The X/y block itself comes from `accumulateTail`.
   */
  accumulateRows(rest: readonly SysTerm[], roff: Int32Array, w: Float64Array | null, X: Float64Array | null, y: Float64Array): void {
    if (this.blocks !== null) return this.accumulateRowsVector(rest, roff, w, X, y);
    const { A, diagPos, tailPos, pairPos, nPairs, p } = this;
    const n = y.length;
    const R = rest.length;
    const refs = rest.map((t) => t.refs), zs = rest.map((t) => t.term.z);
    const ridx = new Int32Array(R), rval = new Float64Array(R);
    for (let i = 0; i < n; i++) {
      const wi = w === null ? 1 : w[i];
      if (wi === 0) continue;
      const yi = y[i];
      let k = i * nPairs;
      for (let t = 0; t < R; t++) {
        const ri = roff[t] + refs[t][i];
        const v = zs[t][i];
        const vw = v * wi;
        ridx[t] = ri;
        rval[t] = v;
        for (let u = 0; u < t; u++) A[pairPos[k++]] += rval[u] * vw;
        A[diagPos[ri]] += v * vw;
        const tp = tailPos[ri];
        for (let j = 0; j < p; j++) A[tp + j] += X![i + j * n] * vw;
        A[tp + p] += yi * vw;
      }
    }
  }

  /** accumulateRows() with vector terms: every entry of the row's rest vector */
  private accumulateRowsVector(rest: readonly SysTerm[], roff: Int32Array, w: Float64Array | null, X: Float64Array | null, y: Float64Array): void {
    const { A, diagPos, tailPos, pairPos, nPairs, nEntries: E, p } = this;
    const n = y.length;
    const R = rest.length;
    const ridx = new Int32Array(E), rval = new Float64Array(E);
    for (let i = 0; i < n; i++) {
      const wi = w === null ? 1 : w[i];
      if (wi === 0) continue;
      for (let t = 0, e = 0; t < R; t++) {
        const { s, refs, term } = rest[t];
        for (let c = 0; c < s; c++, e++) {
          ridx[e] = roff[t] + refs[i] * s + c;
          rval[e] = term.z[i * s + c];
        }
      }
      const yi = y[i];
      let k = i * nPairs;
      for (let e = 0; e < E; e++) {
        const v = rval[e], vw = v * wi, ri = ridx[e];
        for (let f = 0; f < e; f++) A[pairPos[k++]] += rval[f] * vw;
        A[diagPos[ri]] += v * vw;
        const tp = tailPos[ri];
        for (let j = 0; j < p; j++) A[tp + j] += X![i + j * n] * vw;
        A[tp + p] += yi * vw;
      }
    }
  }

  /** the X/y block of A (the dense corner), from its (p+1)² sums */
  setTail(a: number, b: number, v: number): void {
    this.A[this.tailTailPos[Math.max(a, b) + Math.min(a, b) * (this.p + 1)]] = v;
  }

  /**
   * Ω_rest = Λᵀ A Λ + I − Σ_l v_l v_lᵀ (v_l the term-0 columns of L_R0, `LR0` with s₀ columns per
   * level), then its factor. False when a pivot is not positive (the y pivot may vanish).
   */
  factor(rest: readonly SysTerm[], LR0: Float64Array, rowPtr: Int32Array, nl0: number, s0: number): boolean {
    const { F, A, sym, perm, scale, termOf, outerPtr, outerPos } = this;
    const L = F.L;
    L.set(A);
    // scalar units scale by λ; vector units' entries are set to 0 here and by their blocks below
    for (let k = 0; k < this.m; k++) {
      const t = termOf[perm[k]];
      scale[k] = t < 0 ? 1 : rest[t].s === 1 ? rest[t].lambda[0] : 0;
    }
    const { superPtr, rowPtr: sRow, rowIdx: sIdx, valPtr, nsuper } = sym;
    for (let J = 0; J < nsuper; J++) {
      const c0 = superPtr[J], nc = superPtr[J + 1] - c0;
      const r0 = sRow[J], nr = sRow[J + 1] - r0;
      const v0 = valPtr[J];
      for (let c = 0; c < nc; c++) {
        const fc = scale[c0 + c];
        const col = v0 + c * nr;
        for (let a = 0; a < nr; a++) L[col + a] *= fc * scale[sIdx[r0 + a]];
      }
    }
    if (this.blocks !== null) this.scaleVectorBlocks(rest, L);
    const { identityPos, priorPos, priorVal } = this;
    for (let k = 0; k < identityPos.length; k++) L[identityPos[k]] += 1;
    for (let k = 0; k < priorPos.length; k++) L[priorPos[k]] += priorVal[k];
    if (s0 > 0)
      for (let l = 0; l < nl0; l++) {
        const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0;
        for (let c = 0; c < s0; c++) {
          const vb = s0 * r0 + c * nr;
          let k = outerPtr[l];
          for (let b = 0; b < nr; b++) {
            const vbv = LR0[vb + b];
            if (vbv === 0) { k += nr - b; continue; }
            for (let a = b; a < nr; a++) L[outerPos[k++]] -= LR0[vb + a] * vbv;
          }
        }
      }
    return F.factor({ allowZeroLastPivot: true }) < 0;
  }

  /**
   * Λ_UᵀA_{UV}Λ_V for every block with a vector unit, from A (L holds zeros there after scaling):
   * gather the s_U×s_V block, transform, scatter. A unit's own block is symmetric and stored once.
   */
  private scaleVectorBlocks(rest: readonly SysTerm[], L: Float64Array): void {
    const { u, v, ptr, pos } = this.blocks!;
    const { A, termOf } = this;
    const B = new Float64Array(64), T = new Float64Array(64);
    const one = Float64Array.of(1);
    for (let b = 0; b < u.length; b++) {
      const U = u[b], V = v[b];
      const tu = termOf[U], tv = termOf[V];
      const su = tu < 0 ? 1 : rest[tu].s, sv = tv < 0 ? 1 : rest[tv].s;
      const lu = tu < 0 ? one : rest[tu].lambda, lv = tv < 0 ? one : rest[tv].lambda;
      const o = ptr[b];
      const Bm = su * sv > B.length ? new Float64Array(su * sv) : B, Tm = su * sv > T.length ? new Float64Array(su * sv) : T;
      for (let k = 0; k < su * sv; k++) Bm[k] = A[pos[o + k]];
      // T = Bm λ_V (λ lower triangular: column c of T sums rows d ≥ c of λ_V)
      for (let a = 0; a < su; a++)
        for (let c = 0; c < sv; c++) {
          let acc = 0;
          for (let d = c; d < sv; d++) acc += Bm[a + d * su] * lv[d + c * sv];
          Tm[a + c * su] = acc;
        }
      // C = λ_Uᵀ T, written to L (a unit's own block: each stored entry once, from its lower half)
      for (let a = 0; a < su; a++)
        for (let c = 0; c < sv; c++) {
          if (U === V && a < c) continue;
          let acc = 0;
          for (let d = a; d < su; d++) acc += lu[d + a * su] * Tm[d + c * su];
          L[pos[o + a + c * su]] = acc;
        }
    }
  }

  /** L's diagonal entry at rest index a */
  diag(a: number): number {
    return this.F.L[this.diagPos[a]];
  }

  /** the p×p lower factor of the X block (column-major) */
  xFactor(): Float64Array {
    const { p } = this;
    const out = new Float64Array(p * p);
    const L = this.F.L;
    for (let j = 0; j < p; j++) for (let i = j; i < p; i++) out[i + j * p] = L[this.tailTailPos[i + j * (p + 1)]];
    return out;
  }

  /** x (rest indices, length m − 1) solving L[0:m−1]ᵀ x = the y row of L */
  backSolve(): Float64Array {
    const { m, perm, yRowPos } = this;
    const L = this.F.L;
    const b = new Float64Array(m - 1);
    for (let k = 0; k < m - 1; k++) b[k] = L[yRowPos[perm[k]]];
    this.F.solveLt(b, m - 1);
    const x = new Float64Array(m - 1);
    for (let k = 0; k < m - 1; k++) x[perm[k]] = b[k];
    return x;
  }

  /** r (rest indices, the leading k) ← (L_k L_kᵀ)⁻¹ r, with L_k the leading k×k block (k = qR or m − 1) */
  solveLeading(r: Float64Array, k: number): void {
    const { perm } = this;
    const b = new Float64Array(k);
    for (let j = 0; j < k; j++) b[j] = r[perm[j]];
    this.F.solveL(b, k);
    this.F.solveLt(b, k);
    for (let j = 0; j < k; j++) r[perm[j]] = b[j];
  }

  /**
   * The leading k×k block of L (k = qR: whole supernodes) as a dense column-major lower triangle,
   * in the factor's order (position i is rest index perm[i]).
   */
  denseLeading(k: number): Float64Array {
    const s = this.F.sym, L = this.F.L;
    const out = new Float64Array(k * k);
    for (let J = 0; J < s.nsuper && s.superPtr[J] < k; J++) {
      const f = s.superPtr[J], l = Math.min(s.superPtr[J + 1], k);
      const r0 = s.rowPtr[J], nr = s.rowPtr[J + 1] - r0, v0 = s.valPtr[J];
      for (let c = f; c < l; c++)
        for (let a = c - f; a < nr; a++) {
          const row = s.rowIdx[r0 + a];
          if (row >= k) break; // rows ascend
          out[row + c * k] = L[v0 + (c - f) * nr + a];
        }
    }
    return out;
  }

  /** position of rest entry (a, b) in the factor's layout (in the pattern by construction) */
  position(a: number, b: number): number {
    let i = this.iperm[a], j = this.iperm[b];
    if (i < j) { const t = i; i = j; j = t; }
    return this.F.locate(i, j);
  }

  /**
   * B = G V for term-0 level l's column block V (nr × s₀ at LR0[s₀·r0 …], rows rowIdx[r0 …]),
   * over its rows below `limit` (others 0), into out at the same layout. Every pair of a column's
   * rows lies in the pattern (its outer product was subtracted there), so G has all it needs:
   * vᵀGv, VᵀGV and the GLMM's G A_l all come from here.
   */
  levelProduct(G: Float64Array, LR0: Float64Array, l: number, r0: number, nr: number, s0: number, rowIdx: Int32Array, limit: number, out: Float64Array): void {
    const { outerPtr, outerPos } = this;
    const vb = s0 * r0;
    out.fill(0, vb, vb + s0 * nr);
    for (let c = 0; c < s0; c++) {
      const col = vb + c * nr;
      let k = outerPtr[l];
      for (let b = 0; b < nr; b++) {
        if (rowIdx[r0 + b] >= limit) break;
        for (let a = b; a < nr; a++, k++) {
          if (rowIdx[r0 + a] >= limit) { k += nr - a; break; }
          const g = G[outerPos[k]];
          out[col + a] += g * LR0[col + b];
          if (a !== b) out[col + b] += g * LR0[col + a];
        }
      }
    }
  }

  /**
   * vᵀGv for a scalar term-0 level's column v (at LR0[r0 …], rows rowIdx[r0 …]) over its rows below
   * `limit`: levelProduct's quadratic form without writing G v (each stored pair read once).
   */
  levelQuad(G: Float64Array, LR0: Float64Array, l: number, r0: number, nr: number, rowIdx: Int32Array, limit: number): number {
    const { outerPtr, outerPos } = this;
    let k = outerPtr[l], diag = 0, off = 0;
    for (let b = 0; b < nr; b++) {
      if (rowIdx[r0 + b] >= limit) break;
      const vb = LR0[r0 + b];
      diag += G[outerPos[k++]] * vb * vb;
      let acc = 0;
      let a = b + 1;
      for (; a < nr; a++, k++) {
        if (rowIdx[r0 + a] >= limit) break;
        acc += G[outerPos[k]] * LR0[r0 + a];
      }
      k += nr - a;
      off += acc * vb;
    }
    return diag + 2 * off;
  }

  /** G = (L_k L_kᵀ)⁻¹ on the factor's pattern (entries of rows ≥ k unspecified), in L's layout; the array is reused by the next call */
  selectedInverse(k: number): Float64Array {
    // one buffer per system (the size of L): each gradient or leverage pass needs one G at a time
    return this.F.selectedInverse(k, (this.ginv ??= new Float64Array(this.F.L.length)));
  }

  /**
   * Positions of every vector unit's own s×s block (level by level, column-major, both triangles)
   * of rest term t at offset `off`: computed once per term.
   */
  unitBlockPositions(t: number, off: number, s: number, nl: number): Int32Array {
    let pos = this.unitPos.get(t);
    if (pos === undefined) {
      pos = new Int32Array(nl * s * s);
      for (let l = 0, k = 0; l < nl; l++)
        for (let b = 0; b < s; b++) for (let a = 0; a < s; a++) pos[k++] = this.position(off + l * s + a, off + l * s + b);
      this.unitPos.set(t, pos);
    }
    return pos;
  }

  private readonly unitPos = new Map<number, Int32Array>();

  /** G's storage, reused by selectedInverse (valid until its next call) */
  private ginv: Float64Array | null = null;
}

/**
 * The blocks of the rest pattern that involve a vector unit: pairs (U, V) of units (U ≥ V by first
 * rest index; X and y rows are units of one) with, per block, the positions of its s_U×s_V
 * entries (column-major; a unit's own block lists each symmetric pair at both (a, c) and (c, a)).
 */
function vectorBlocks(rest: readonly SysTerm[], roff: Int32Array, m: number, sym: SupernodalSymbolic, perm: Int32Array,
  loc: (a: number, b: number) => number): { u: Int32Array; v: Int32Array; ptr: Int32Array; pos: Int32Array } {
  const qR = roff[rest.length];
  // unit start and size per rest index
  const start = new Int32Array(m), size = new Int32Array(m).fill(1);
  for (let a = 0; a < m; a++) start[a] = a;
  rest.forEach((t, k) => {
    for (let a = roff[k]; a < roff[k + 1]; a++) {
      start[a] = roff[k] + Math.floor((a - roff[k]) / t.s) * t.s;
      size[a] = t.s;
    }
  });
  void qR;
  const seen = new Set<number>();
  const us: number[] = [], vs: number[] = [];
  const { superPtr, rowPtr, rowIdx, nsuper } = sym;
  for (let J = 0; J < nsuper; J++)
    for (let c = superPtr[J]; c < superPtr[J + 1]; c++) {
      const cv = perm[c];
      for (let r = rowPtr[J] + (c - superPtr[J]); r < rowPtr[J + 1]; r++) {
        const rv = perm[rowIdx[r]];
        if (size[cv] === 1 && size[rv] === 1) continue;
        let U = start[rv], V = start[cv];
        if (U < V) { const t = U; U = V; V = t; }
        const key = U * m + V;
        if (seen.has(key)) continue;
        seen.add(key);
        us.push(U); vs.push(V);
      }
    }
  const ptr = new Int32Array(us.length + 1);
  for (let b = 0; b < us.length; b++) ptr[b + 1] = ptr[b] + size[us[b]] * size[vs[b]];
  const pos = new Int32Array(ptr[us.length]);
  for (let b = 0; b < us.length; b++) {
    const U = us[b], V = vs[b], su = size[U], sv = size[V];
    for (let c = 0; c < sv; c++) for (let a = 0; a < su; a++) pos[ptr[b] + a + c * su] = loc(U + a, V + c);
  }
  return { u: Int32Array.from(us), v: Int32Array.from(vs), ptr, pos };
}

/** a rest term whose prior is a known precision Q (a tree's, or a dense K⁻¹) rather than I */
function hasPrecision(t: SysTerm): boolean {
  return t.tree !== null || t.kprec !== null;
}

/**
 * A computed K⁻¹ entry this small next to its diagonal is rounding noise of an exact zero (a
 * pedigree's A⁻¹ has a few entries per animal): it is left out, so a sparse K⁻¹ stays sparse.
 */
const PRECISION_ZERO = 1e-11;

/** the lower-triangle entries (i ≥ j, term-local) of a rest term's known precision Q */
function priorEntries(t: SysTerm, add: (i: number, j: number, v: number) => void): void {
  if (t.tree !== null) return addTreePrecision(t.tree, add);
  const { Q } = t.kprec!;
  const q = t.q;
  for (let j = 0; j < q; j++) {
    const dj = Q[j + j * q];
    add(j, j, dj);
    for (let i = j + 1; i < q; i++) {
      const v = Q[i + j * q];
      if (v * v > PRECISION_ZERO * PRECISION_ZERO * dj * Q[i + i * q]) add(i, j, v);
    }
  }
}

/** The rest index of each random-effect entry of data row i (term by term, column by column). */
function rowEntries(rest: readonly SysTerm[], roff: Int32Array, i: number, entry: Int32Array): void {
  for (let t = 0, e = 0; t < rest.length; t++) for (let c = 0; c < rest[t].s; c++) entry[e++] = roff[t] + rest[t].refs[i] * rest[t].s + c;
}

/**
 * The symbolic work on the rest pattern: its entries (the diagonal, pairs of rest entries within
 * data rows, each term-0 column's clique, the dense X/y rows), a fill-reducing order with X and y
 * kept last, and the supernodal analysis with supernodes starting at qR and m − 1.
 */
function analyseRest(rest: readonly SysTerm[], roff: Int32Array, n: number, p: number, rowPtr: Int32Array, rowIdx: Int32Array, nl0: number,
  shared: SharedAnalysis | null = null): { perm: Int32Array; sym: SupernodalSymbolic; shared: SharedAnalysis } {
  const qR = roff[rest.length];
  const m = qR + p + 1;
  const bounds = [qR, m - 1].filter((b, i, a) => b > 0 && b < m && a.indexOf(b) === i);
  if (shared !== null && shared.lead.n === qR) {
    // the same random-effect pattern and leading order; only the dense tail differs in width
    const { colPtr: lp, rowIdx: li } = shared.lead;
    const colPtr = new Int32Array(m + 1);
    for (let j = 0; j < m; j++) colPtr[j + 1] = colPtr[j] + (j < qR ? lp[j + 1] - lp[j] + p + 1 : m - j);
    const idx = new Int32Array(colPtr[m]);
    for (let j = 0; j < m; j++) {
      let o = colPtr[j];
      if (j < qR) { idx.set(li.subarray(lp[j], lp[j + 1]), o); o += lp[j + 1] - lp[j]; }
      for (let a = Math.max(j, qR); a < m; a++) idx[o++] = a;
    }
    const perm = new Int32Array(m);
    perm.set(shared.perm);
    for (let a = qR; a < m; a++) perm[a] = a;
    return { perm, sym: analyze(permutePattern({ n: m, colPtr, rowIdx: idx }, perm), { boundaries: bounds }), shared };
  }
  let E = 0;
  for (const t of rest) E += t.s;
  // every pair, counted first: the rows' pairs of rest entries, each term-0 column's clique, the tail
  let total = n * ((E * (E - 1)) / 2);
  for (let l = 0; l < nl0; l++) {
    const nz = rowPtr[l + 1] - rowPtr[l] - p - 1;
    total += (nz * (nz - 1)) / 2;
  }
  for (let c = 0; c < m; c++) total += m - Math.max(c, qR);
  rest.forEach((t) => { if (hasPrecision(t)) priorEntries(t, () => { total++; }); });
  const rows = new Int32Array(total), cols = new Int32Array(total);
  let cnt = 0;
  const entry = new Int32Array(E);
  for (let i = 0; i < n && E > 1; i++) {
    rowEntries(rest, roff, i, entry);
    for (let e = 1; e < E; e++) for (let f = 0; f < e; f++) { rows[cnt] = entry[e]; cols[cnt++] = entry[f]; }
  }
  for (let l = 0; l < nl0; l++) {
    const r0 = rowPtr[l], nz = rowPtr[l + 1] - r0 - p - 1; // the random-effect rows of the column
    for (let b = 0; b < nz; b++) for (let a = b + 1; a < nz; a++) { rows[cnt] = rowIdx[r0 + a]; cols[cnt++] = rowIdx[r0 + b]; }
  }
  for (let c = 0; c < m; c++) for (let a = Math.max(c, qR); a < m; a++) { rows[cnt] = a; cols[cnt++] = c; }
  rest.forEach((t, k) => {
    const o = roff[k];
    if (hasPrecision(t)) priorEntries(t, (i, j) => { rows[cnt] = o + i; cols[cnt++] = o + j; });
  });
  const pattern = patternFromPairs(m, rows, cols, cnt);
  const perm = fillReducingOrder(pattern, p + 1);
  // the leading qR×qR pattern (each column's rows below qR come first) and order, to share
  const lp = new Int32Array(qR + 1);
  for (let j = 0; j < qR; j++) {
    let e = pattern.colPtr[j];
    while (e < pattern.colPtr[j + 1] && pattern.rowIdx[e] < qR) e++;
    lp[j + 1] = lp[j] + e - pattern.colPtr[j];
  }
  const li = new Int32Array(lp[qR]);
  for (let j = 0; j < qR; j++) li.set(pattern.rowIdx.subarray(pattern.colPtr[j], pattern.colPtr[j] + lp[j + 1] - lp[j]), lp[j]);
  const lead: SparseLowerPattern = { n: qR, colPtr: lp, rowIdx: li };
  return { perm, sym: analyze(permutePattern(pattern, perm), { boundaries: bounds }), shared: { lead, perm: perm.slice(0, qR) } };
}

/**
 * The part of the rest analysis that does not depend on the fixed effects: the random-effect
 * pattern (rest indices below qR) and its fill-reducing order. A GLMM's two systems (with X, and
 * without it for the second stage) share it. The order is the same for both: AMD and the natural-
 * order comparison see only the leading columns (each has every dense tail row in L either way).
 */
export interface SharedAnalysis {
  readonly lead: SparseLowerPattern;
  readonly perm: Int32Array;
}
