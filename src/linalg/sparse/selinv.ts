// Selected inversion (Takahashi / Erisman–Tinney) on the supernodal pattern: the entries of
// Z = (L Lᵀ)⁻¹ where L is stored, supernode by supernode from the last. For supernode J with
// columns F and rows below R (a clique of the filled graph, so Z_RR lies in the ancestors' blocks):
//   U = L_RF L_FF⁻¹,   Z_RF = −Z_RR U,   Z_FF = L_FF⁻ᵀ L_FF⁻¹ − Z_RFᵀ U.
import { gemmAcc, lowerInverse } from "../dense.js";
import type { SupernodalSymbolic } from "./symbolic.js";

/** Entries of (L_k L_kᵀ)⁻¹ on L's pattern (layout of L; rows ≥ k unspecified), k a supernode boundary. */
export function selectedInverse(s: SupernodalSymbolic, L: Float64Array, k = s.n, out?: Float64Array): Float64Array {
  checkBoundary(s, k);
  const Z = out ?? new Float64Array(s.valPtr[s.nsuper]);
  const { superPtr, rowPtr, rowIdx, valPtr } = s;
  let maxR = 0, maxF = 0;
  for (let J = 0; J < s.nsuper; J++) {
    const nc = superPtr[J + 1] - superPtr[J];
    maxR = Math.max(maxR, rowPtr[J + 1] - rowPtr[J] - nc);
    maxF = Math.max(maxF, nc);
  }
  const zrr = new Float64Array(maxR * maxR), u = new Float64Array(maxR * maxF), pos = new Int32Array(maxR);
  let J = s.nsuper - 1;
  while (J >= 0 && superPtr[J] >= k) J--;
  for (; J >= 0; J--) {
    const f = superPtr[J], nc = superPtr[J + 1] - f, r0 = rowPtr[J], nr = rowPtr[J + 1] - r0, v = valPtr[J];
    let nR = 0;
    while (nc + nR < nr && rowIdx[r0 + nc + nR] < k) nR++;
    const Lj = v === 0 ? L : L.subarray(v);
    const linv = lowerInverse(Lj, nr, nc);
    // Z_FF starts as L_FF⁻ᵀ L_FF⁻¹ (lower part), written straight into J's diagonal block
    for (let j = 0; j < nc; j++) Z.fill(0, v + j * nr, v + j * nr + nc + nR);
    gemmAcc(true, nc, nc, nc, 1, linv, 0, nc, linv, 0, nc, Z, v, nr, { aUpper: true, lowerOnly: true });
    if (nR > 0) {
      // U = L_RF · L_FF⁻¹ (nR × nc)
      u.fill(0, 0, nR * nc);
      gemmAcc(false, nR, nc, nc, 1, L, v + nc, nr, linv, 0, nc, u, 0, nR, { bLower: true });
      gatherZrr(s, Z, rowIdx.subarray(r0 + nc, r0 + nc + nR), zrr, pos);
      // Z_RF = −Z_RR U, into J's rows below
      gemmAcc(false, nR, nc, nR, -1, zrr, 0, nR, u, 0, nR, Z, v + nc, nr);
      // Z_FF −= Z_RFᵀ U
      gemmAcc(true, nc, nc, nR, -1, Z, v + nc, nr, u, 0, nR, Z, v, nr, { lowerOnly: true });
    }
    // mirror the diagonal block's lower part into its upper part
    for (let j = 0; j < nc; j++) for (let i = j + 1; i < nc; i++) Z[v + j + i * nr] = Z[v + i + j * nr];
  }
  return Z;
}

/**
 * Z_RR (full, nR × nR) from the already inverted ancestors: the rows R[a] ≥ R[b] all lie in the row
 * list of R[b]'s supernode K; their positions there are found once per K by a merge walk.
 */
function gatherZrr(s: SupernodalSymbolic, Z: Float64Array, R: Int32Array, zrr: Float64Array, pos: Int32Array): void {
  const nR = R.length, { superPtr, rowPtr, rowIdx, valPtr, colSuper } = s;
  let b = 0;
  while (b < nR) {
    const K = colSuper[R[b]], fK = superPtr[K], lK = superPtr[K + 1], k0 = rowPtr[K], nrK = rowPtr[K + 1] - k0;
    let q = k0 + (R[b] - fK);
    for (let a = b; a < nR; a++) {
      while (rowIdx[q] < R[a]) q++;
      pos[a] = q - k0;
    }
    for (; b < nR && R[b] < lK; b++) {
      const col = valPtr[K] + (R[b] - fK) * nrK;
      for (let a = b; a < nR; a++) {
        const z = Z[col + pos[a]];
        zrr[a + b * nR] = z;
        zrr[b + a * nR] = z;
      }
    }
  }
}

/** k must be 0, n, or the first column of a supernode */
export function checkBoundary(s: SupernodalSymbolic, k: number): void {
  if (!(k >= 0 && k <= s.n) || (k < s.n && s.superPtr[s.colSuper[k]] !== k))
    throw new Error(`sparse Cholesky: k = ${k} is not a supernode boundary`);
}
