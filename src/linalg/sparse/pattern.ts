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
 */
export function patternFromPairs(n: number, rows: Int32Array, cols: Int32Array, count = rows.length): SparseLowerPattern {
  for (let t = 0; t < count; t++) {
    const r = rows[t], c = cols[t];
    if (!(r >= 0 && r < n && c >= 0 && c < n)) throw new Error(`sparse pattern: entry (${r}, ${c}) outside a ${n}×${n} matrix`);
  }
  const { colPtr, rowIdx } = lowerFromPairs(n, rows, cols, count, null);
  return { n, colPtr, rowIdx };
}

/**
 * The lower pattern of the pairs (a[t], b[t]) (either order) and the diagonal, rows ascending,
 * duplicates dropped. Two counting-sort passes: bucket the pairs by row, then sweep the rows in
 * ascending order appending each to its column, so every column comes out sorted: O(n + count).
 * `reserve[j]` slots are left at the end of column j, from fillAt[j] on, for rows the caller knows
 * to be larger than any of the pairs'.
 */
function lowerFromPairs(
  n: number, a: Int32Array, b: Int32Array, count: number, reserve: Int32Array | null,
): { colPtr: Int32Array; rowIdx: Int32Array; fillAt: Int32Array } {
  const m = count + n;
  // pass 1: the column of every pair, bucketed by its row (the larger index); the diagonal last
  const rptr = new Int32Array(n + 1);
  for (let t = 0; t < count; t++) rptr[Math.max(a[t], b[t]) + 1]++;
  for (let i = 0; i < n; i++) rptr[i + 1] += rptr[i] + 1;
  const byRow = new Int32Array(m), rnext = rptr.slice(0, n);
  for (let t = 0; t < count; t++) {
    const x = a[t], y = b[t];
    if (x >= y) byRow[rnext[x]++] = y;
    else byRow[rnext[y]++] = x;
  }
  for (let i = 0; i < n; i++) byRow[rnext[i]++] = i;
  // pass 2: rows in ascending order into their columns, skipping a repeat of the column's last row
  const cptr = new Int32Array(n + 1);
  for (let q = 0; q < m; q++) cptr[byRow[q] + 1]++;
  for (let j = 0; j < n; j++) cptr[j + 1] += cptr[j];
  const cnext = cptr.slice(0, n), tmp = new Int32Array(m);
  for (let i = 0; i < n; i++)
    for (let q = rptr[i]; q < rptr[i + 1]; q++) {
      const j = byRow[q], at = cnext[j];
      if (at > cptr[j] && tmp[at - 1] === i) continue;
      tmp[at] = i;
      cnext[j] = at + 1;
    }
  // compact, leaving the reserved slots
  const colPtr = new Int32Array(n + 1), fillAt = new Int32Array(n);
  let total = 0;
  for (let j = 0; j < n; j++) {
    fillAt[j] = total + cnext[j] - cptr[j];
    total = fillAt[j] + (reserve ? reserve[j] : 0);
    colPtr[j + 1] = total;
  }
  if (total === m) return { colPtr, rowIdx: tmp, fillAt };
  const rowIdx = new Int32Array(total);
  for (let j = 0; j < n; j++) rowIdx.set(tmp.subarray(cptr[j], cnext[j]), colPtr[j]);
  return { colPtr, rowIdx, fillAt };
}

/**
 * P A Pᵀ's lower pattern for perm (new→old). When perm leaves a trailing block in place (the fixed
 * tail of a mixed model's system: dense rows), that block's rows keep their order at the end of
 * each column and are copied straight across; only the leading entries are sorted.
 */
export function permutePattern(p: SparseLowerPattern, perm: Int32Array): SparseLowerPattern {
  const n = p.n, colPtr = p.colPtr, rowIdx = p.rowIdx;
  const inv = inversePermutation(perm);
  let mt = n;
  while (mt > 0 && perm[mt - 1] === mt - 1) mt--;
  // leading pairs (row < mt), without the diagonal; tail rows counted per new column
  let nLead = 0;
  const reserve = new Int32Array(n);
  for (let j = 0; j < n; j++)
    for (let q = colPtr[j]; q < colPtr[j + 1]; q++) {
      const i = rowIdx[q];
      if (i >= mt) reserve[inv[j]] += i === j ? 0 : 1;
      else if (i !== j) nLead++;
    }
  const a = new Int32Array(nLead), b = new Int32Array(nLead);
  let t = 0;
  for (let j = 0; j < mt; j++)
    for (let q = colPtr[j]; q < colPtr[j + 1] && rowIdx[q] < mt; q++)
      if (rowIdx[q] !== j) { a[t] = inv[rowIdx[q]]; b[t++] = inv[j]; }
  const out = lowerFromPairs(n, a, b, nLead, reserve);
  for (let j = 0; j < n; j++) {
    let w = out.fillAt[inv[j]];
    for (let q = colPtr[j]; q < colPtr[j + 1]; q++) {
      const i = rowIdx[q];
      if (i >= mt && i !== j) out.rowIdx[w++] = i;
    }
  }
  return { n, colPtr: out.colPtr, rowIdx: out.rowIdx };
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
