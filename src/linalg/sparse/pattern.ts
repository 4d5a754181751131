// Sparse symmetric patterns: the lower triangle (with the diagonal) in compressed sparse columns.

/** lower triangle incl. diagonal, compressed sparse columns, rows ascending within each column, no duplicates */
export interface SparseLowerPattern {
  readonly n: number;
  readonly colPtr: Int32Array;
  readonly rowIdx: Int32Array;
}

/**
 * Build a SparseLowerPattern from (row, col) pairs (any order, duplicates allowed, either triangle:
 * (i,j) and (j,i) mean the same entry); the diagonal is always included.
 * Two counting-sort passes (by row, then stably by column) leave the rows ascending in each column,
 * so duplicates are adjacent and dropped in one sweep: O(n + count), no comparison sort.
 */
export function patternFromPairs(n: number, rows: Int32Array, cols: Int32Array, count = rows.length): SparseLowerPattern {
  const m = count + n;
  const lo = new Int32Array(m), hi = new Int32Array(m);
  for (let t = 0; t < count; t++) {
    const r = rows[t], c = cols[t];
    if (!(r >= 0 && r < n && c >= 0 && c < n)) throw new Error(`sparse pattern: entry (${r}, ${c}) outside a ${n}×${n} matrix`);
    if (r >= c) { hi[t] = r; lo[t] = c; } else { hi[t] = c; lo[t] = r; }
  }
  for (let j = 0; j < n; j++) { hi[count + j] = j; lo[count + j] = j; }
  // pass 1: order the entries by row
  const ptr = new Int32Array(n + 1);
  for (let t = 0; t < m; t++) ptr[hi[t] + 1]++;
  for (let i = 0; i < n; i++) ptr[i + 1] += ptr[i];
  const byRow = new Int32Array(m);
  for (let t = 0; t < m; t++) byRow[ptr[hi[t]]++] = t;
  // pass 2: stable by column
  ptr.fill(0);
  for (let t = 0; t < m; t++) ptr[lo[t] + 1]++;
  for (let j = 0; j < n; j++) ptr[j + 1] += ptr[j];
  const next = ptr.slice(0, n);
  const sorted = new Int32Array(m);
  for (let s = 0; s < m; s++) {
    const t = byRow[s];
    sorted[next[lo[t]]++] = hi[t];
  }
  // drop duplicates (adjacent now), compacting in place
  const colPtr = new Int32Array(n + 1);
  let w = 0;
  for (let j = 0; j < n; j++) {
    let last = -1;
    for (let p = ptr[j]; p < ptr[j + 1]; p++) {
      const r = sorted[p];
      if (r !== last) { sorted[w++] = r; last = r; }
    }
    colPtr[j + 1] = w;
  }
  return { n, colPtr, rowIdx: sorted.slice(0, w) };
}

/** P A Pᵀ's lower pattern for perm (new→old). */
export function permutePattern(p: SparseLowerPattern, perm: Int32Array): SparseLowerPattern {
  const n = p.n;
  const inv = inversePermutation(perm);
  const nnz = p.colPtr[n];
  const rows = new Int32Array(nnz), cols = new Int32Array(nnz);
  for (let j = 0; j < n; j++)
    for (let q = p.colPtr[j]; q < p.colPtr[j + 1]; q++) {
      rows[q] = inv[p.rowIdx[q]];
      cols[q] = inv[j];
    }
  return patternFromPairs(n, rows, cols, nnz);
}

/** inv[perm[i]] = i; throws when perm is not a permutation of 0..n-1 */
export function inversePermutation(perm: Int32Array): Int32Array {
  const n = perm.length;
  const inv = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const o = perm[i];
    if (!(o >= 0 && o < n) || inv[o] >= 0) throw new Error(`sparse: not a permutation (index ${o} at ${i})`);
    inv[o] = i;
  }
  return inv;
}

/**
 * The strictly upper triangle in compressed columns (= the strictly lower triangle by rows):
 * for column j, the rows i < j with A[j, i] ≠ 0, ascending. Used by the elimination tree and ereach.
 */
export function upperByColumns(p: SparseLowerPattern): { ptr: Int32Array; idx: Int32Array } {
  const n = p.n, colPtr = p.colPtr, rowIdx = p.rowIdx;
  const ptr = new Int32Array(n + 1);
  for (let j = 0; j < n; j++)
    for (let q = colPtr[j]; q < colPtr[j + 1]; q++) if (rowIdx[q] > j) ptr[rowIdx[q] + 1]++;
  for (let i = 0; i < n; i++) ptr[i + 1] += ptr[i];
  const next = ptr.slice(0, n);
  const idx = new Int32Array(ptr[n]);
  // columns visited in increasing j, so each row's list comes out ascending
  for (let j = 0; j < n; j++)
    for (let q = colPtr[j]; q < colPtr[j + 1]; q++) if (rowIdx[q] > j) idx[next[rowIdx[q]]++] = j;
  return { ptr, idx };
}

/** Full symmetric adjacency (both triangles, no diagonal) of the leading m columns: the graph for orderings. */
export function adjacency(p: SparseLowerPattern, m = p.n): { ptr: Int32Array; idx: Int32Array } {
  const colPtr = p.colPtr, rowIdx = p.rowIdx;
  const ptr = new Int32Array(m + 1);
  for (let j = 0; j < m; j++)
    for (let q = colPtr[j]; q < colPtr[j + 1]; q++) {
      const i = rowIdx[q];
      if (i !== j && i < m) { ptr[i + 1]++; ptr[j + 1]++; }
    }
  for (let i = 0; i < m; i++) ptr[i + 1] += ptr[i];
  const next = ptr.slice(0, m);
  const idx = new Int32Array(ptr[m]);
  for (let j = 0; j < m; j++)
    for (let q = colPtr[j]; q < colPtr[j + 1]; q++) {
      const i = rowIdx[q];
      if (i !== j && i < m) { idx[next[i]++] = j; idx[next[j]++] = i; }
    }
  return { ptr, idx };
}
