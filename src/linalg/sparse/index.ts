// Sparse Cholesky engine: patterns, fill-reducing ordering, supernodal symbolic analysis, numeric
// factorization with solves, and the selected inverse. The flow, once per model then per θ:
//   const p = patternFromPairs(n, rows, cols);            // lower pattern of A
//   const perm = fillReducingOrder(p, tail);              // AMD or natural, postordered; tail kept last
//   const q = permutePattern(p, perm);                    // P A Pᵀ
//   const F = new SupernodalCholesky(analyze(q, { boundaries: [n - tail, n - 1] }));
//   const at = F.mapPattern(q);                           // q's entries → indices into F.L
//   F.clear(); F.L[at[t]] = value of q's entry t; F.factor();   // per θ
//   F.solveL / F.solveLt / F.logDet / F.selectedInverse(k, out)
export { type SparseLowerPattern, patternFromPairs, permutePattern, inversePermutation } from "./pattern.js";
export { amd, fillReducingOrder } from "./ordering.js";
export { type SupernodalSymbolic, analyze, etree, postorder, columnCounts, factorNnz } from "./symbolic.js";
export { SupernodalCholesky } from "./numeric.js";
