// The dense kernels the sparse factorization and selected inverse run on (gemmAcc, syrkSubNT,
// gemmSubNN) against naive loops, on sizes that hit every tile remainder (3×3 tiles, 4-wide
// column kernel), with offsets and leading dimensions larger than the blocks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { gemmAcc, gemmSubNN, syrkSubNT } from "../../src/linalg/dense.js";
import { rng } from "./sparse-util.js";

const sizes = [1, 2, 3, 4, 5, 7, 8, 13];

function randomArray(len: number, seed: number): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: len }, () => r() - 0.5);
}

test("gemmAcc: C += alpha op(A) op(B), all four transposition cases, triangular shapes", () => {
  let seed = 1;
  for (const m of sizes)
    for (const n of [1, 3, 4, 8])
      for (const k of [1, 4, 9]) {
        for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
          const lda = (ta ? k : m) + 2, ldb = (tb ? n : k) + 1, ldc = m + 3, offA = 5, offB = 2, offC = 4;
          const A = randomArray(offA + lda * (ta ? m : k), seed++), B = randomArray(offB + ldb * (tb ? k : n), seed++);
          const C0 = randomArray(offC + ldc * n, seed++);
          const C = Float64Array.from(C0);
          gemmAcc(ta, tb, m, n, k, -0.5, A, offA, lda, B, offB, ldb, C, offC, ldc);
          for (let j = 0; j < n; j++)
            for (let i = 0; i < m; i++) {
              let s = 0;
              for (let c = 0; c < k; c++) s += (ta ? A[offA + c + i * lda] : A[offA + i + c * lda]) * (tb ? B[offB + j + c * ldb] : B[offB + c + j * ldb]);
              const want = C0[offC + i + j * ldc] - 0.5 * s;
              assert.ok(Math.abs(C[offC + i + j * ldc] - want) < 1e-13, `m=${m} n=${n} k=${k} ${ta}${tb} (${i},${j})`);
            }
        }
        // lowerOnly on a square C: the strict upper part is left alone
        if (m === n || n > m) continue;
        const A = randomArray(m * k, seed++), C0 = randomArray(m * m, seed++), C = Float64Array.from(C0);
        gemmAcc(false, true, m, m, k, 1, A, 0, m, A, 0, m, C, 0, m, { lowerOnly: true });
        for (let j = 0; j < m; j++)
          for (let i = 0; i < m; i++) {
            let s = 0;
            for (let c = 0; c < k; c++) s += A[i + c * m] * A[j + c * m];
            const want = i >= j ? C0[i + j * m] + s : C0[i + j * m];
            assert.ok(Math.abs(C[i + j * m] - want) < 1e-13, `lowerOnly m=${m} k=${k} (${i},${j})`);
          }
      }
});

test("syrkSubNT: C[i,j] −= A[i,:]·A[j,:] on the lower trapezoid only", () => {
  let seed = 100;
  for (const m2 of [1, 4, 5, 9, 17, 40])
    for (const m1 of [1, 3, 4, 8, 9])
      for (const k of [1, 3, 4, 6, 12]) {
        if (m1 > m2) continue;
        const lda = m2 + 3, ldc = m2 + 1, offA = 2, offC = 3;
        const A = randomArray(offA + lda * k, seed++), C0 = randomArray(offC + ldc * m1, seed++), C = Float64Array.from(C0);
        syrkSubNT(m2, m1, k, A, offA, lda, C, offC, ldc);
        for (let j = 0; j < m1; j++)
          for (let i = 0; i < m2; i++) {
            let s = 0;
            for (let c = 0; c < k; c++) s += A[offA + i + c * lda] * A[offA + j + c * lda];
            const want = i >= j ? C0[offC + i + j * ldc] - s : C0[offC + i + j * ldc];
            assert.ok(Math.abs(C[offC + i + j * ldc] - want) < 1e-13, `m2=${m2} m1=${m1} k=${k} (${i},${j})`);
          }
      }
});

test("gemmSubNN: C −= A·B across the 4-column kernel and its edges", () => {
  let seed = 200;
  for (const m of [1, 5, 130, 300])
    for (const n of [1, 4, 6, 9])
      for (const k of [1, 4, 7]) {
        const lda = m + 1, ldb = k + 2, ldc = m + 4;
        const A = randomArray(lda * k, seed++), B = randomArray(ldb * n, seed++), C0 = randomArray(ldc * n, seed++), C = Float64Array.from(C0);
        gemmSubNN(m, n, k, A, 0, lda, B, 0, ldb, C, 0, ldc);
        for (let j = 0; j < n; j++)
          for (let i = 0; i < m; i++) {
            let s = 0;
            for (let c = 0; c < k; c++) s += A[i + c * lda] * B[c + j * ldb];
            assert.ok(Math.abs(C[i + j * ldc] - (C0[i + j * ldc] - s)) < 1e-13, `m=${m} n=${n} k=${k} (${i},${j})`);
          }
      }
});
