// Symbolic Cholesky analysis (Davis 2006, ch. 4): elimination tree, postorder, column counts, then
// supernodes (fundamental, then relaxed amalgamation as in CHOLMOD) and their row structures.
import { type SparseLowerPattern, upperByColumns } from "./pattern.js";

/** Elimination tree of the pattern (Liu's algorithm with path-compressed ancestors); −1 marks roots. */
export function etree(p: SparseLowerPattern, upper = upperByColumns(p)): Int32Array {
  const n = p.n, { ptr, idx } = upper;
  const parent = new Int32Array(n).fill(-1), ancestor = new Int32Array(n).fill(-1);
  for (let k = 0; k < n; k++)
    for (let q = ptr[k]; q < ptr[k + 1]; q++) {
      // climb from i towards the root, pointing every node passed at k
      let i = idx[q];
      while (i !== -1 && i < k) {
        const next = ancestor[i];
        ancestor[i] = k;
        if (next === -1) parent[i] = k;
        i = next;
      }
    }
  return parent;
}

/** Postorder of a forest given by parent (children visited in ascending order): post[k] = k-th node. */
export function postorder(parent: Int32Array): Int32Array {
  const n = parent.length;
  const head = new Int32Array(n).fill(-1), next = new Int32Array(n), stack = new Int32Array(n);
  for (let j = n - 1; j >= 0; j--) {
    const pj = parent[j];
    if (pj === -1) continue;
    next[j] = head[pj];
    head[pj] = j;
  }
  const post = new Int32Array(n);
  let k = 0;
  for (let r = 0; r < n; r++) {
    if (parent[r] !== -1) continue;
    let top = 0;
    stack[0] = r;
    while (top >= 0) {
      const v = stack[top], c = head[v];
      if (c === -1) { top--; post[k++] = v; }
      else { head[v] = next[c]; stack[++top] = c; }
    }
  }
  return post;
}

/**
 * Column counts of L (diagonal included): row k of L is the set of nodes on the etree paths from the
 * entries of A's row k up to k (ereach); each node met adds one to its column's count. O(nnz(L)).
 */
export function columnCounts(p: SparseLowerPattern, parent: Int32Array, upper = upperByColumns(p)): Int32Array {
  const count = new Int32Array(p.n);
  countRows(p.n, parent, upper, count, Infinity);
  return count;
}

/**
 * nnz(L) by the row subtrees, adding to count[] when given; once the total passes `cap` it stops
 * and returns Infinity, so comparing an order against a good one costs O(min(nnz(L), cap)).
 */
export function countRows(n: number, parent: Int32Array, upper: { ptr: Int32Array; idx: Int32Array }, count: Int32Array | null, cap: number): number {
  const { ptr, idx } = upper, mark = new Int32Array(n).fill(-1);
  let total = 0;
  for (let k = 0; k < n; k++) {
    mark[k] = k;
    total++;
    for (let q = ptr[k]; q < ptr[k + 1]; q++)
      for (let i = idx[q]; mark[i] !== k; i = parent[i]) {
        mark[i] = k;
        total++;
        if (count) count[i]++;
      }
    if (count) count[k]++;
    if (total > cap) return Infinity;
  }
  return total;
}

/** nnz(L) (diagonal included) of the pattern in its given order, without building L. */
export function factorNnz(p: SparseLowerPattern): number {
  const upper = upperByColumns(p);
  const cc = columnCounts(p, etree(p, upper), upper);
  let s = 0;
  for (let j = 0; j < p.n; j++) s += cc[j];
  return s;
}

export interface SupernodalSymbolic {
  readonly n: number;
  readonly nsuper: number;
  /** supernode J holds columns superPtr[J] .. superPtr[J+1]-1 */
  readonly superPtr: Int32Array;
  /** column → its supernode */
  readonly colSuper: Int32Array;
  /** row indices of J: rowIdx[rowPtr[J] .. rowPtr[J+1]) — J's own columns first (in order), then the rows below, ascending */
  readonly rowPtr: Int32Array;
  readonly rowIdx: Int32Array;
  /** J's values: dense column-major block (nrows_J × ncols_J), leading dimension nrows_J, at L[valPtr[J] ...]; length nsuper+1 */
  readonly valPtr: Int32Array;
  /** supernodal elimination tree (−1 for roots) */
  readonly parent: Int32Array;
  /** stored entries (incl. the upper parts of diagonal blocks) */
  readonly nnzL: number;
  /** flops of one numeric factorization */
  readonly flops: number;
}

// CHOLMOD's default relaxed-amalgamation thresholds: supernodes up to 4 columns always merge; up to
// 16 columns while under 80% of the stored entries are explicit zeros, up to 48 under 10%, any size under 5%.
const RELAX_ALWAYS = 4, RELAX_N1 = 16, RELAX_Z1 = 0.8, RELAX_N2 = 48, RELAX_Z2 = 0.1, RELAX_Z3 = 0.05;

/**
 * Symbolic analysis of an (already permuted) pattern. `boundaries`: columns at which a supernode must
 * START (e.g. [qR, n-1]) so that a leading block's factor is a leading set of whole supernodes.
 * Relaxed amalgamation merges small supernodes when the extra zeros are few, never across a boundary.
 */
export function analyze(p: SparseLowerPattern, options: { boundaries?: readonly number[] } = {}): SupernodalSymbolic {
  const n = p.n;
  checkPattern(p);
  const upper = upperByColumns(p);
  const parent = etree(p, upper);
  const cc = columnCounts(p, parent, upper);
  const isBoundary = new Uint8Array(n + 1);
  for (const b of options.boundaries ?? []) if (b >= 0 && b < n) isBoundary[b] = 1;

  // 1. fundamental supernodes: j joins j-1 when j is j-1's parent and their structures nest exactly
  const fstart: number[] = [];
  for (let j = 0; j < n; j++)
    if (j === 0 || isBoundary[j] || parent[j - 1] !== j || cc[j - 1] !== cc[j] + 1) fstart.push(j);
  const nf = fstart.length;
  fstart.push(n);
  const fsuperOf = new Int32Array(n);
  for (let F = 0; F < nf; F++) for (let j = fstart[F]; j < fstart[F + 1]; j++) fsuperOf[j] = F;

  // 2. relaxed amalgamation, from the last supernode down: J merges into the group that starts at
  // J+1 when J's parent lies in that group (then the merged rows are J's columns plus the group's).
  const ncols = new Float64Array(nf), nrows = new Float64Array(nf), trueNz = new Float64Array(nf);
  const groupEnd = new Int32Array(nf), mergedDown = new Uint8Array(nf);
  for (let F = 0; F < nf; F++) {
    ncols[F] = fstart[F + 1] - fstart[F];
    nrows[F] = cc[fstart[F]];
    let s = 0;
    for (let j = fstart[F]; j < fstart[F + 1]; j++) s += cc[j];
    trueNz[F] = s;
    groupEnd[F] = F;
  }
  for (let J = nf - 2; J >= 0; J--) {
    const G = J + 1; // J+1 heads its group: nothing below it has merged yet
    if (isBoundary[fstart[G]]) continue;
    const last = fstart[J + 1] - 1, pj = parent[last];
    if (pj === -1) continue;
    const pf = fsuperOf[pj];
    if (pf < G || pf > groupEnd[G]) continue;
    const ns = ncols[J] + ncols[G], below = nrows[G] - ncols[G];
    const stored = (ns * (ns + 1)) / 2 + ns * below;
    const nz = trueNz[J] + trueNz[G];
    const z = (stored - nz) / stored;
    const merge = ns <= RELAX_ALWAYS || (ns <= RELAX_N1 && z < RELAX_Z1) || (ns <= RELAX_N2 && z < RELAX_Z2) || z < RELAX_Z3;
    if (!merge) continue;
    ncols[J] = ns;
    nrows[J] = ns + below;
    trueNz[J] = nz;
    groupEnd[J] = groupEnd[G];
    mergedDown[G] = 1;
  }
  const starts: number[] = [];
  for (let F = 0; F < nf; F++) if (!mergedDown[F]) starts.push(F);
  const nsuper = starts.length;
  const superPtr = new Int32Array(nsuper + 1), rowPtr = new Int32Array(nsuper + 1), valPtr = new Int32Array(nsuper + 1);
  const colSuper = new Int32Array(n);
  let nnzL = 0, flops = 0;
  for (let J = 0; J < nsuper; J++) {
    const F = starts[J], f = fstart[F], nc = ncols[F], nr = nrows[F];
    superPtr[J] = f;
    for (let j = f; j < f + nc; j++) colSuper[j] = J;
    rowPtr[J + 1] = rowPtr[J] + nr;
    nnzL += nr * nc;
    if (nnzL > 2 ** 31 - 1) throw new Error(`sparse Cholesky: the factor would hold ${nnzL} entries (more than 2^31)`);
    valPtr[J + 1] = nnzL;
    // column t of the supernode has nr - t entries on and below the diagonal
    for (let t = 0; t < nc; t++) flops += (nr - t) * (nr - t);
  }
  superPtr[nsuper] = n;
  const sparent = new Int32Array(nsuper);
  for (let J = 0; J < nsuper; J++) {
    const pj = parent[superPtr[J + 1] - 1];
    sparent[J] = pj === -1 ? -1 : colSuper[pj];
  }

  // 3. row structures: J's columns, then (sorted) the rows below from A's columns in J and from
  // the children's structures
  const rowIdx = new Int32Array(rowPtr[nsuper]);
  const childHead = new Int32Array(nsuper).fill(-1), childNext = new Int32Array(nsuper);
  for (let J = nsuper - 1; J >= 0; J--) {
    const P = sparent[J];
    if (P !== -1) { childNext[J] = childHead[P]; childHead[P] = J; }
  }
  const mark = new Int32Array(n).fill(-1);
  const colPtr = p.colPtr, aRow = p.rowIdx;
  for (let J = 0; J < nsuper; J++) {
    const f = superPtr[J], l = superPtr[J + 1], base = rowPtr[J];
    let w = base;
    for (let j = f; j < l; j++) rowIdx[w++] = j;
    const b0 = w;
    for (let j = f; j < l; j++)
      for (let q = colPtr[j]; q < colPtr[j + 1]; q++) {
        const r = aRow[q];
        if (r >= l && mark[r] !== J) { mark[r] = J; rowIdx[w++] = r; }
      }
    for (let C = childHead[J]; C !== -1; C = childNext[C]) {
      const cnc = superPtr[C + 1] - superPtr[C];
      for (let q = rowPtr[C] + cnc; q < rowPtr[C + 1]; q++) {
        const r = rowIdx[q];
        if (r >= l && mark[r] !== J) { mark[r] = J; rowIdx[w++] = r; }
      }
    }
    if (w !== rowPtr[J + 1]) throw new Error(`sparse symbolic: supernode ${J} has ${w - base} rows, expected ${rowPtr[J + 1] - base}`);
    sortRange(rowIdx, b0, w);
  }
  return { n, nsuper, superPtr, colSuper, rowPtr, rowIdx, valPtr, parent: sparent, nnzL, flops };
}

/** ascending sort of a[lo, hi): insertion sort for the short lists most supernodes have */
function sortRange(a: Int32Array, lo: number, hi: number): void {
  if (hi - lo > 32) { a.subarray(lo, hi).sort(); return; }
  for (let i = lo + 1; i < hi; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= lo && a[j] > v) { a[j + 1] = a[j]; j--; }
    a[j + 1] = v;
  }
}

/** a lower pattern as promised: colPtr of length n+1 from 0, rows ascending in [j, n) in column j */
function checkPattern(p: SparseLowerPattern): void {
  const { n, colPtr, rowIdx } = p;
  if (colPtr.length !== n + 1 || colPtr[0] !== 0 || colPtr[n] > rowIdx.length) throw new Error(`sparse analyze: colPtr does not describe ${n} columns`);
  for (let j = 0; j < n; j++) {
    let last = j - 1;
    for (let q = colPtr[j]; q < colPtr[j + 1]; q++) {
      const i = rowIdx[q];
      if (!(i > last && i < n)) throw new Error(`sparse analyze: column ${j} has row ${i} out of order or outside ${j}..${n - 1}`);
      last = i;
    }
  }
}
