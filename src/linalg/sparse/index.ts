// Sparse Cholesky engine: patterns, fill-reducing ordering, supernodal symbolic analysis, numeric
// factorization with solves, and the selected inverse.
export { type SparseLowerPattern, patternFromPairs, permutePattern, inversePermutation } from "./pattern.js";
export { amd, fillReducingOrder } from "./ordering.js";
export { type SupernodalSymbolic, analyze, etree, postorder, columnCounts, factorNnz } from "./symbolic.js";
export { SupernodalCholesky } from "./numeric.js";
