// Shared generators for the sparse Cholesky tests: random symmetric patterns with a dense trailing
// block, SPD values on them, and the naive dense symbolic factorization to check against.
import { patternFromPairs, type SparseLowerPattern } from "../../src/linalg/sparse/index.js";

export function rng(seed: number): () => number {
  let s = seed % 2147483647 || 1;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

/** random pattern: each of the first n-tail columns gets ~deg random partners, the last `tail` columns are dense */
export function randomPattern(n: number, deg: number, tail: number, seed: number): SparseLowerPattern {
  const r = rng(seed);
  const rows: number[] = [], cols: number[] = [];
  const m = n - tail;
  for (let j = 0; j < m; j++) {
    const d = Math.floor(r() * (2 * deg + 1));
    for (let t = 0; t < d; t++) {
      rows.push(Math.floor(r() * m));
      cols.push(j);
    }
  }
  for (let j = m; j < n; j++) for (let i = 0; i < n; i++) { rows.push(i); cols.push(j); }
  return patternFromPairs(n, Int32Array.from(rows), Int32Array.from(cols));
}

/** nested design: schools each tied to one region, regions, then `tail` dense columns */
export function nestedPattern(schools: number, regions: number, tail: number, seed: number): SparseLowerPattern {
  const r = rng(seed);
  const n = schools + regions + tail;
  const rows: number[] = [], cols: number[] = [];
  for (let s = 0; s < schools; s++) { rows.push(schools + Math.floor(r() * regions)); cols.push(s); }
  for (let j = n - tail; j < n; j++) for (let i = 0; i < n; i++) { rows.push(i); cols.push(j); }
  return patternFromPairs(n, Int32Array.from(rows), Int32Array.from(cols));
}

/** SPD values on the pattern (diagonally dominant), as a full dense column-major matrix */
export function spdDense(p: SparseLowerPattern, seed: number): Float64Array {
  const r = rng(seed), n = p.n;
  const A = new Float64Array(n * n);
  for (let j = 0; j < n; j++)
    for (let q = p.colPtr[j]; q < p.colPtr[j + 1]; q++) {
      const i = p.rowIdx[q];
      if (i === j) continue;
      const v = r() - 0.5;
      A[i + j * n] = v;
      A[j + i * n] = v;
    }
  for (let j = 0; j < n; j++) {
    let s = 1 + r();
    for (let i = 0; i < n; i++) if (i !== j) s += Math.abs(A[i + j * n]);
    A[j + j * n] = s;
  }
  return A;
}

/** naive dense symbolic Cholesky: boolean fill, column by column; returns the column structures */
export function naiveStructure(p: SparseLowerPattern): Uint8Array {
  const n = p.n, S = new Uint8Array(n * n);
  for (let j = 0; j < n; j++) for (let q = p.colPtr[j]; q < p.colPtr[j + 1]; q++) S[p.rowIdx[q] + j * n] = 1;
  for (let k = 0; k < n; k++)
    for (let j = k + 1; j < n; j++)
      if (S[j + k * n]) for (let i = j; i < n; i++) if (S[i + k * n]) S[i + j * n] = 1;
  return S;
}
