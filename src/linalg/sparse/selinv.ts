// Selected inversion (Takahashi / Erisman–Tinney) on the supernodal pattern: the entries of
// Z = (L Lᵀ)⁻¹ where L is stored, supernode by supernode from the last. For supernode J with
// columns F and rows below R (a clique of the filled graph, so Z_RR lies in the ancestors' blocks):
//   U = L_RF L_FF⁻¹,   Z_RF = −Z_RR U,   Z_FF = L_FF⁻ᵀ L_FF⁻¹ − Z_RFᵀ U.
import { gemmAcc, gemmSubNN, lowerInverse } from "../dense.js";
import type { SupernodalSymbolic } from "./symbolic.js";

/** buffers of the selected inversion, sized for one symbolic factor (reusable across calls) */
export interface SelinvWorkspace {
  readonly zrr: Float64Array;
  readonly u: Float64Array;
  readonly pos: Int32Array;
  readonly linvBuf: Float64Array;
}

export function selinvWorkspace(s: SupernodalSymbolic): SelinvWorkspace {
  const { superPtr, rowPtr } = s;
  // a block's rows below: at most its supernode's rows less the first (narrowest) block's columns
  let maxR = 0;
  for (let J = 0; J < s.nsuper; J++) {
    const nc = superPtr[J + 1] - superPtr[J], first = nc - Math.floor((nc - 1) / NBS) * NBS;
    maxR = Math.max(maxR, rowPtr[J + 1] - rowPtr[J] - first);
  }
  return {
    zrr: new Float64Array(maxR * maxR), u: new Float64Array(maxR * NBS), pos: new Int32Array(maxR),
    linvBuf: new Float64Array(SMALL_COLS * SMALL_COLS),
  };
}

/** Entries of (L_k L_kᵀ)⁻¹ on L's pattern (layout of L; rows ≥ k unspecified), k a supernode boundary. */
export function selectedInverse(s: SupernodalSymbolic, L: Float64Array, k = s.n, out?: Float64Array, ws = selinvWorkspace(s)): Float64Array {
  checkBoundary(s, k);
  const Z = out ?? new Float64Array(s.valPtr[s.nsuper]);
  const { superPtr, rowPtr, rowIdx, valPtr } = s;
  const { zrr, u, pos, linvBuf } = ws;
  let J = s.nsuper - 1;
  while (J >= 0 && superPtr[J] >= k) J--;
  for (; J >= 0; J--) {
    const f = superPtr[J], nc = superPtr[J + 1] - f, r0 = rowPtr[J], nr = rowPtr[J + 1] - r0, v = valPtr[J];
    let nR = 0;
    while (nc + nR < nr && rowIdx[r0 + nc + nR] < k) nR++;
    // the supernode's columns in blocks of at most NBS from the last: each block is a supernode of
    // its own whose rows below are the later columns of J plus R, so big dense supernodes run in
    // the matrix-product kernel instead of a triangular inverse and a triangular product
    for (let b1 = f + nc; b1 > f;) {
      const b0 = Math.max(f, b1 - NBS), off = b0 - f, ncb = b1 - b0;
      blockRecurrence(s, L, Z, v + off * nr + off, nr, ncb, rowIdx.subarray(r0 + off + ncb, r0 + nc + nR), zrr, u, pos, linvBuf);
      b1 = b0;
    }
    // mirror the diagonal block's lower part into its upper part
    for (let j = 0; j < nc; j++) for (let i = j + 1; i < nc; i++) Z[v + j + i * nr] = Z[v + i + j * nr];
  }
  return Z;
}

/**
 * One column block (nc columns at L[v], leading dimension nr, rows below listed in R):
 * U = L_RF L_FF⁻¹, Z_RF = −Z_RR U, Z_FF = L_FF⁻ᵀ L_FF⁻¹ − Z_RFᵀ U (lower part).
 */
function blockRecurrence(
  s: SupernodalSymbolic, L: Float64Array, Z: Float64Array, v: number, nr: number, nc: number, R: Int32Array,
  zrr: Float64Array, u: Float64Array, pos: Int32Array, linvBuf: Float64Array,
): void {
  const nR = R.length;
  if (nR > 0) gatherZrr(s, Z, R, zrr, pos);
  if (nc <= SMALL_COLS && nc * nR * (nc + nR) + nc * nc * nc <= SMALL) {
    smallBlock(L, Z, v, nr, nc, nR, zrr, u, linvBuf);
    return;
  }
  const linv = lowerInverse(v === 0 ? L : L.subarray(v), nr, nc);
  // Z_FF starts as L_FF⁻ᵀ L_FF⁻¹ (lower part), written straight into the diagonal block
  for (let j = 0; j < nc; j++) for (let i = 0; i < nc + nR; i++) Z[v + i + j * nr] = 0;
  gemmAcc(true, false, nc, nc, nc, 1, linv, 0, nc, linv, 0, nc, Z, v, nr, { aUpper: true, lowerOnly: true });
  if (nR === 0) return;
  // U = L_RF · L_FF⁻¹ (nR × nc)
  u.fill(0, 0, nR * nc);
  gemmAcc(false, false, nR, nc, nc, 1, L, v + nc, nr, linv, 0, nc, u, 0, nR, { bLower: true });
  // Z_RF = −Z_RR U, into the rows below (zeroed above)
  gemmSubNN(nR, nc, nR, zrr, 0, nR, u, 0, nR, Z, v + nc, nr);
  // Z_FF −= Z_RFᵀ U
  gemmAcc(true, false, nc, nc, nR, -1, Z, v + nc, nr, u, 0, nR, Z, v, nr, { lowerOnly: true });
}

// column blocks of big supernodes
const NBS = 256;
// below this many flops (and columns) a block is done with scalar loops: no kernel calls, no allocation
const SMALL = 16384, SMALL_COLS = 24;

/** the recurrences of one small supernode (nc ≤ SMALL_COLS columns), scalar; Z_RR already gathered */
function smallBlock(L: Float64Array, Z: Float64Array, v: number, nr: number, nc: number, nR: number, zrr: Float64Array, u: Float64Array, linv: Float64Array): void {
  // linv = L_FF⁻¹ (nc × nc, lower), column by column
  for (let j = 0; j < nc; j++) {
    for (let i = 0; i < j; i++) linv[i + j * nc] = 0;
    linv[j + j * nc] = 1 / L[v + j + j * nr];
    for (let i = j + 1; i < nc; i++) {
      let t = 0;
      for (let c = j; c < i; c++) t += L[v + i + c * nr] * linv[c + j * nc];
      linv[i + j * nc] = -t / L[v + i + i * nr];
    }
  }
  // U = L_RF linv (nR × nc)
  for (let j = 0; j < nc; j++)
    for (let r = 0; r < nR; r++) {
      let t = 0;
      for (let c = j; c < nc; c++) t += L[v + nc + r + c * nr] * linv[c + j * nc];
      u[r + j * nR] = t;
    }
  // Z_RF = −Z_RR U
  for (let j = 0; j < nc; j++)
    for (let r = 0; r < nR; r++) {
      let t = 0;
      for (let c = 0; c < nR; c++) t += zrr[r + c * nR] * u[c + j * nR];
      Z[v + nc + r + j * nr] = -t;
    }
  // Z_FF = linvᵀ linv − Z_RFᵀ U (lower)
  for (let j = 0; j < nc; j++)
    for (let i = j; i < nc; i++) {
      let t = 0;
      for (let c = i; c < nc; c++) t += linv[c + i * nc] * linv[c + j * nc];
      for (let r = 0; r < nR; r++) t -= Z[v + nc + r + i * nr] * u[r + j * nR];
      Z[v + i + j * nr] = t;
    }
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
