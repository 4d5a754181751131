// Supernodal left-looking numeric Cholesky (the scheme of CHOLMOD's supernodal factorization): each
// supernode gathers the updates of its descendants, C = L_D[r2, :] · L_D[r1, :]ᵀ with a dense
// register-blocked kernel, scatters them through relative indices, then factors its own panel
// with the dense Cholesky. Solves run supernode by supernode on the same storage.
import { cholLower, syrkSubNT } from "../dense.js";
import type { SparseLowerPattern } from "./pattern.js";
import type { SupernodalSymbolic } from "./symbolic.js";
import { checkBoundary, selectedInverse, type SelinvWorkspace, selinvWorkspace } from "./selinv.js";

export class SupernodalCholesky {
  readonly sym: SupernodalSymbolic;
  /** values, length valPtr[nsuper]: the lower triangle of A before factor(), L after */
  readonly L: Float64Array;
  // workspace of the factorization, allocated once
  private readonly map: Int32Array;
  private readonly head: Int32Array;
  private readonly next: Int32Array;
  private readonly lpos: Int32Array;
  private cbuf: Float64Array;
  private selinvWs: SelinvWorkspace | null = null;

  constructor(sym: SupernodalSymbolic) {
    this.sym = sym;
    this.L = new Float64Array(sym.valPtr[sym.nsuper]);
    this.map = new Int32Array(sym.n);
    this.head = new Int32Array(sym.nsuper);
    this.next = new Int32Array(sym.nsuper);
    this.lpos = new Int32Array(sym.nsuper);
    this.cbuf = new Float64Array(updateBufferSize(sym));
  }

  clear(): void {
    this.L.fill(0);
  }

  /** index into L of entry (row ≥ col), or −1 when outside the pattern */
  locate(row: number, col: number): number {
    const s = this.sym;
    if (!(col >= 0 && row >= col && row < s.n)) return -1;
    const J = s.colSuper[col], f = s.superPtr[J], l = s.superPtr[J + 1];
    const r0 = s.rowPtr[J], nr = s.rowPtr[J + 1] - r0, base = s.valPtr[J] + (col - f) * nr;
    if (row < l) return base + (row - f);
    let lo = r0 + (l - f), hi = s.rowPtr[J + 1] - 1;
    const ri = s.rowIdx;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, v = ri[mid];
      if (v === row) return base + (mid - r0);
      if (v < row) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /**
   * For every entry of the pattern p (the one analyzed, in its colPtr/rowIdx order) its index in L,
   * so that loading A's values is L[at[q]] = value[q]: one merge of sorted lists per column.
   */
  mapPattern(p: SparseLowerPattern): Int32Array {
    const s = this.sym;
    if (p.n !== s.n) throw new Error(`mapPattern: pattern of order ${p.n}, factor of order ${s.n}`);
    const at = new Int32Array(p.colPtr[p.n]);
    for (let j = 0; j < p.n; j++) {
      const J = s.colSuper[j], r0 = s.rowPtr[J], r1 = s.rowPtr[J + 1], base = s.valPtr[J] + (j - s.superPtr[J]) * (r1 - r0);
      let t = r0 + (j - s.superPtr[J]);
      for (let q = p.colPtr[j]; q < p.colPtr[j + 1]; q++) {
        const i = p.rowIdx[q];
        while (t < r1 && s.rowIdx[t] < i) t++;
        if (t === r1 || s.rowIdx[t] !== i) throw new Error(`mapPattern: entry (${i}, ${j}) is not in the factor's pattern`);
        at[q] = base + (t - r0);
      }
    }
    return at;
  }

  /** log det(L_k L_kᵀ) = 2 Σ log L[j,j] over the leading k columns (default all) */
  logDet(k = this.sym.n): number {
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.log(this.diag(j));
    return 2 * s;
  }

  /** L[j,j] */
  diag(j: number): number {
    const s = this.sym, J = s.colSuper[j], t = j - s.superPtr[J];
    return this.L[s.valPtr[J] + t * (s.rowPtr[J + 1] - s.rowPtr[J]) + t];
  }

  /**
   * In-place numeric factorization. Returns −1 on success or the first column whose pivot is not
   * positive. With allowZeroLastPivot, a non-positive pivot in the LAST column (a perfect fit's zero
   * residual) is set to 0 and counts as success.
   */
  factor(options: { allowZeroLastPivot?: boolean } = {}): number {
    const s = this.sym, L = this.L, n = s.n, nsuper = s.nsuper;
    const superPtr = s.superPtr, rowPtr = s.rowPtr, rowIdx = s.rowIdx, valPtr = s.valPtr, colSuper = s.colSuper;
    const map = this.map, head = this.head, next = this.next, lpos = this.lpos, C = this.cbuf;
    head.fill(-1);
    for (let J = 0; J < nsuper; J++) {
      const f = superPtr[J], l = superPtr[J + 1], nc = l - f;
      const r0 = rowPtr[J], nr = rowPtr[J + 1] - r0, vJ = valPtr[J];
      for (let t = 0; t < nr; t++) map[rowIdx[r0 + t]] = t;
      // 1. updates from every descendant D with rows in J's columns
      let D = head[J];
      head[J] = -1;
      while (D !== -1) {
        const dnext = next[D];
        const dr0 = rowPtr[D], dnr = rowPtr[D + 1] - dr0, dnc = superPtr[D + 1] - superPtr[D];
        const p1 = dr0 + lpos[D], pend = rowPtr[D + 1];
        let p2 = p1 + 1;
        while (p2 < pend && rowIdx[p2] < l) p2++;
        const m1 = p2 - p1, m2 = pend - p1;
        const offA = valPtr[D] + (p1 - dr0);
        // relative indices: D's rows map to an unbroken run of J's rows (always so when J is the
        // dense tail) exactly when the first and last do, and then J is updated in place
        const t0 = map[rowIdx[p1]];
        if (map[rowIdx[pend - 1]] - t0 === m2 - 1) {
          const tgt = vJ + (rowIdx[p1] - f) * nr + t0;
          if (dnc === 1) {
            for (let jj = 0; jj < m1; jj++) {
              const b = L[offA + jj], tc = tgt + jj * nr;
              if (b !== 0) for (let ii = jj; ii < m2; ii++) L[tc + ii] -= L[offA + ii] * b;
            }
          } else syrkSubNT(m2, m1, dnc, L, offA, dnr, L, tgt, nr);
        } else if (dnc === 1) {
          // one source column: the outer product straight into J, no buffer
          for (let jj = 0; jj < m1; jj++) {
            const b = L[offA + jj], tc = vJ + (rowIdx[p1 + jj] - f) * nr;
            if (b !== 0) for (let ii = jj; ii < m2; ii++) L[tc + map[rowIdx[p1 + ii]]] -= L[offA + ii] * b;
          }
        } else {
          // C = −L_D[r2, :] · L_D[r1, :]ᵀ, lower part (r1 = the rows in J's columns, the first m1 of r2)
          C.fill(0, 0, m2 * m1);
          syrkSubNT(m2, m1, dnc, L, offA, dnr, C, 0, m2);
          for (let jj = 0; jj < m1; jj++) {
            const tc = vJ + (rowIdx[p1 + jj] - f) * nr, cc = jj * m2;
            for (let ii = jj; ii < m2; ii++) L[tc + map[rowIdx[p1 + ii]]] += C[cc + ii];
          }
        }
        lpos[D] += m1;
        if (p2 < pend) {
          const K = colSuper[rowIdx[p2]];
          next[D] = head[K];
          head[K] = D;
        }
        D = dnext;
      }
      // 2. the panel: diagonal block and the rows below
      const fail = cholLower(L, nr, nr, vJ, nc);
      if (fail >= 0) {
        const col = f + fail;
        if (!(options.allowZeroLastPivot && col === n - 1 && !Number.isNaN(L[vJ + fail * nr + fail]))) return col;
        L[vJ + fail * nr + fail] = 0;
      }
      // 3. J now waits for the supernode of its first row below
      if (nr > nc) {
        lpos[J] = nc;
        const K = colSuper[rowIdx[r0 + nc]];
        next[J] = head[K];
        head[K] = J;
      }
    }
    return -1;
  }

  /** in place: b ← L⁻¹ b (optional k: only the leading k×k block of L, k a supernode boundary) */
  solveL(b: Float64Array, k = this.sym.n): void {
    const s = this.sym, L = this.L;
    checkBoundary(s, k);
    for (let J = 0; J < s.nsuper && s.superPtr[J] < k; J++) {
      const f = s.superPtr[J], nc = s.superPtr[J + 1] - f, r0 = s.rowPtr[J], nr = s.rowPtr[J + 1] - r0, v = s.valPtr[J];
      let rend = r0 + nc;
      while (rend < r0 + nr && s.rowIdx[rend] < k) rend++;
      for (let t = 0; t < nc; t++) {
        const col = v + t * nr;
        const x = (b[f + t] /= L[col + t]);
        if (x === 0) continue;
        for (let i = t + 1; i < nc; i++) b[f + i] -= L[col + i] * x;
        for (let q = r0 + nc; q < rend; q++) b[s.rowIdx[q]] -= L[col + (q - r0)] * x;
      }
    }
  }

  /** in place: b ← L⁻ᵀ b (optional k as in solveL) */
  solveLt(b: Float64Array, k = this.sym.n): void {
    const s = this.sym, L = this.L;
    checkBoundary(s, k);
    let J = s.nsuper - 1;
    while (J >= 0 && s.superPtr[J] >= k) J--;
    for (; J >= 0; J--) {
      const f = s.superPtr[J], nc = s.superPtr[J + 1] - f, r0 = s.rowPtr[J], nr = s.rowPtr[J + 1] - r0, v = s.valPtr[J];
      let rend = r0 + nc;
      while (rend < r0 + nr && s.rowIdx[rend] < k) rend++;
      for (let t = nc - 1; t >= 0; t--) {
        const col = v + t * nr;
        let x = b[f + t];
        for (let i = t + 1; i < nc; i++) x -= L[col + i] * b[f + i];
        for (let q = r0 + nc; q < rend; q++) x -= L[col + (q - r0)] * b[s.rowIdx[q]];
        b[f + t] = x / L[col + t];
      }
    }
  }

  /**
   * Selected inverse: entries of (L_k L_kᵀ)⁻¹ (L_k = leading k×k block of L, k a supernode boundary,
   * default n) on L's pattern, in the same layout as L (entries of rows ≥ k unspecified).
   */
  selectedInverse(k = this.sym.n, out?: Float64Array): Float64Array {
    this.selinvWs ??= selinvWorkspace(this.sym);
    return selectedInverse(this.sym, this.L, k, out, this.selinvWs);
  }
}

/**
 * The largest update block C (m2 × m1) any descendant of more than one column sends: walk each
 * supernode's rows below its columns, segment by target supernode.
 */
function updateBufferSize(s: SupernodalSymbolic): number {
  let size = 0;
  for (let D = 0; D < s.nsuper; D++) {
    const nc = s.superPtr[D + 1] - s.superPtr[D];
    if (nc === 1) continue;
    const end = s.rowPtr[D + 1];
    for (let p = s.rowPtr[D] + nc; p < end;) {
      const K = s.colSuper[s.rowIdx[p]], lK = s.superPtr[K + 1];
      let p2 = p + 1;
      while (p2 < end && s.rowIdx[p2] < lK) p2++;
      size = Math.max(size, (p2 - p) * (end - p));
      p = p2;
    }
  }
  return size;
}
