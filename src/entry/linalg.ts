/**
 * `glmm/linalg`: the dense kernels on column-major Float64Arrays — Cholesky, triangular solves,
 * inverses, LU, pivoted QR and least squares.
 * @packageDocumentation
 */
export { cholLower, solveLower, solveLowerT, cholInverse, invSPD } from "../linalg/dense.js";
export { rankRevealingQR, type PivotedQR } from "../linalg/qr.js";
export { luFactor, luSolve, solve, inverse, matmul, transpose, lstsq } from "../linalg/lu.js";
