// Conditional variances of the random effects: the diagonal blocks of σ² Λ (L_Z L_Zᵀ)⁻¹ Λᵀ, as
// lme4's ranef(condVar = TRUE). Uses the blocked factor: for a term-0 level the column of L⁻¹ is
// sparse in the term-0 part and dense (through L_RR⁻¹) in the rest, so the cost is the inverse of
// the dense rest block plus O(nnz · q_rest) per level — never a q×q inverse of the whole Z part.
import type { PLSSystem } from "./system.js";
import type { RanefTable } from "./lmm.js";
import { lowerInverse } from "../linalg/dense.js";
import { lowerBlockInverse } from "./gradient.js";
import { type SysTerm, formulaOrder } from "./reterms.js";

/** Largest dense rest part for which conditional variances are computed (q_rest³/6 flops). */
export const CONDVAR_MAX_REST = 6000;

/**
 * Per system term, per level l, the s×s conditional covariance block at offset l·s·s
 * (column-major), or null when the rest part is too large.
 */
export function conditionalVariances(sys: PLSSystem, sigma2: number): Float64Array[] | null {
  if (sys.sparse !== null) return sparseConditionalVariances(sys, sigma2);
  const { first, rest, qR, m, LRR, LR0, L00, s0, nl0, rowPtr, rowIdx } = sys;
  if (qR > CONDVAR_MAX_REST) return null;
  // Minv = L_RR[0:qR, 0:qR]⁻¹ (lower triangular), column-major qR×qR
  const Minv = lowerInverse(LRR, m, qR);
  const out: Float64Array[] = [];
  // term 0
  if (first && sys.tree) {
    // a tree (and a nested term sharing its block): per level, the path of its node to the root
    if (sys.second) {
      out.push(treeConditionalVariances(sys, first, (l) => l, Minv, sigma2));
      out.push(treeConditionalVariances(sys, sys.second, (l) => sys.treeOff + sys.tree!.levelNode[l], Minv, sigma2));
    } else out.push(treeConditionalVariances(sys, first, (l) => sys.tree!.levelNode[l], Minv, sigma2));
  }
  else if (first) {
    const t = first;
    const blocks = new Float64Array(nl0 * s0 * s0);
    const W = new Float64Array(s0 * s0);
    const XR = new Float64Array(qR * s0);
    const B = new Float64Array(s0 * s0);
    for (let l = 0; l < nl0; l++) {
      // W = L00[l]⁻¹
      const o = l * s0 * s0;
      lowerBlockInverse(L00, o, s0, W);
      // block = WᵀW + X_Rᵀ X_R, X_R = −Minv · (L_R0[l] W)
      for (let a = 0; a < s0; a++)
        for (let b = 0; b < s0; b++) {
          let acc = 0;
          for (let k = 0; k < s0; k++) acc += W[k + a * s0] * W[k + b * s0];
          B[a + b * s0] = acc;
        }
      if (qR > 0) {
        XR.fill(0);
        const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0;
        const vb = s0 * r0;
        for (let c = 0; c < s0; c++) {
          for (let a = 0; a < nr; a++) {
            const row = rowIdx[r0 + a];
            if (row >= qR) break;
            let g = 0;
            for (let k = 0; k < s0; k++) g += LR0[vb + a + k * nr] * W[k + c * s0];
            if (g === 0) continue;
            const mc = row * qR;
            const xc = c * qR;
            for (let i = row; i < qR; i++) XR[xc + i] -= Minv[mc + i] * g;
          }
        }
        for (let a = 0; a < s0; a++)
          for (let b = 0; b < s0; b++) {
            let acc = 0;
            for (let i = 0; i < qR; i++) acc += XR[i + a * qR] * XR[i + b * qR];
            B[a + b * s0] += acc;
          }
      }
      lambdaSandwich(t.lambda, s0, B, blocks, o, sigma2);
    }
    out.push(blocks);
  }
  // rest terms: (L_RR⁻ᵀ L_RR⁻¹) blocks = Minvᵀ Minv restricted to the term's rows
  for (let ti = 0; ti < rest.length; ti++) {
    const t = rest[ti];
    const s = t.s;
    const blocks = new Float64Array(t.nl * s * s);
    const off = sys.roff[ti];
    const colDot = (a: number, b: number) => {
      const ca = (off + a) * qR, cb = (off + b) * qR;
      let acc = 0;
      for (let i = off + Math.min(a, b); i < qR; i++) acc += Minv[ca + i] * Minv[cb + i];
      return acc;
    };
    if (t.kfac === null) {
      const B = new Float64Array(s * s);
      const unit = unitOf(t);
      for (let l = 0; l < t.nl; l++) {
        const u = unit(l);
        for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) B[a + b * s] = colDot(u * s + a, u * s + b);
        lambdaSandwich(t.lambda, s, B, blocks, l * s * s, sigma2);
      }
    } else {
      // Λ = λ L_K mixes levels (known covariances are scalar terms): with M = L_RR⁻¹ restricted to
      // the term's columns, Var(b_l) = σ²λ²‖M ℓ_l‖², ℓ_l = row l of L_K. G = M L_Kᵀ is built by
      // columns, G[:, l] = Σ_{j ≤ l} L_K[l, j] M[:, j] (q³/3 multiply-adds, contiguous axpys).
      const q = t.q, K = t.kfac, lam2 = t.lambda[0] * t.lambda[0];
      const len = qR - off;
      const G = new Float64Array(len * q);
      for (let j = 0; j < q; j++) {
        const mc = (off + j) * qR + off; // column off + j of Minv from row off (zero above row off + j)
        for (let l = j; l < q; l++) {
          const c = K[l + j * q];
          if (c === 0) continue;
          const gc = l * len;
          for (let i = j; i < len; i++) G[gc + i] += c * Minv[mc + i];
        }
      }
      for (let l = 0; l < q; l++) {
        let acc = 0;
        for (let i = l * len; i < (l + 1) * len; i++) acc += G[i] * G[i];
        blocks[l] = acc * lam2 * sigma2;
      }
    }
    out.push(blocks);
  }
  return out;
}

/**
 * The sparse route (term 0 block diagonal, scalar rest terms): with G = (L_RR L_RRᵀ)⁻¹ on the rest
 * factor's pattern (selected inversion over the random-effect rows), term-0 level l's block is
 * Wᵀ(I + V_lᵀGV_l)W, W = L₀₀[l]⁻¹ and V_l its column block of L_R0 (every pair of its rows lies in
 * the pattern); a rest level's is G's diagonal entry. O(nnz) beyond the selected inverse.
 */
function sparseConditionalVariances(sys: PLSSystem, sigma2: number): Float64Array[] {
  const { first, rest, qR, LR0, L00, s0, nl0, rowPtr, rowIdx } = sys;
  const sp = sys.sparse!;
  const G = sp.selectedInverse(qR);
  const { diagPos } = sp;
  const out: Float64Array[] = [];
  if (first) {
    const blocks = new Float64Array(nl0 * s0 * s0);
    const W = new Float64Array(s0 * s0), Q = new Float64Array(s0 * s0), B = new Float64Array(s0 * s0);
    const GV = new Float64Array(LR0.length);
    for (let l = 0; l < nl0; l++) {
      const o = l * s0 * s0;
      lowerBlockInverse(L00, o, s0, W);
      // Q = I + V_lᵀ G V_l over the random-effect rows
      const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = s0 * r0;
      sp.levelProduct(G, LR0, l, r0, nr, s0, rowIdx, qR, GV);
      for (let c = 0; c < s0; c++)
        for (let d = 0; d < s0; d++) {
          let acc = c === d ? 1 : 0;
          for (let a = 0; a < nr; a++) acc += LR0[vb + a + c * nr] * GV[vb + a + d * nr];
          Q[c + d * s0] = acc;
        }
      // B = Wᵀ Q W
      for (let a = 0; a < s0; a++)
        for (let b = 0; b < s0; b++) {
          let acc = 0;
          for (let i = 0; i < s0; i++) for (let j = 0; j < s0; j++) acc += W[i + a * s0] * Q[i + j * s0] * W[j + b * s0];
          B[a + b * s0] = acc;
        }
      lambdaSandwich(first.lambda, s0, B, blocks, o, sigma2);
    }
    out.push(blocks);
  }
  for (let ti = 0; ti < rest.length; ti++) {
    const t = rest[ti];
    const off = sys.roff[ti];
    if (t.s === 1) {
      const lam2 = t.lambda[0] * t.lambda[0];
      const unit = unitOf(t);
      out.push(Float64Array.from({ length: t.nl }, (_, l) => lam2 * G[diagPos[off + unit(l)]] * sigma2));
      continue;
    }
    // a vector term: its level's s×s block of G (a unit's own block is in the pattern)
    const s = t.s;
    const blocks = new Float64Array(t.nl * s * s), Bl = new Float64Array(s * s);
    for (let l = 0; l < t.nl; l++) {
      const u0 = off + l * s;
      for (let a = 0; a < s; a++) for (let b = 0; b < s; b++) Bl[a + b * s] = G[sp.position(u0 + a, u0 + b)];
      lambdaSandwich(t.lambda, s, Bl, blocks, l * s * s, sigma2);
    }
    out.push(blocks);
  }
  return out;
}

/**
 * A tree term 0: for level l at node k, column k of L⁻¹ is x = L₀₀⁻¹e_k (nonzero only on k's path to the
 * root) over the Z rows of the rest, −M⁻¹ L_R0 x; the variance is σ²λ²‖that column‖².
 */
function treeConditionalVariances(sys: PLSSystem, t: SysTerm, nodeOf: (level: number) => number, Minv: Float64Array, sigma2: number): Float64Array {
  const { L00, L00off, LR0, rowPtr, rowIdx, qR, parent0: parent } = sys;
  const lam2 = t.lambda[0] * t.lambda[0];
  const out = new Float64Array(t.nl);
  const g = new Float64Array(qR);
  const xr = new Float64Array(qR);
  for (let l = 0; l < t.nl; l++) {
    let ss = 0;
    let lo = qR;
    g.fill(0);
    const node = nodeOf(l);
    for (let k = node, x = 1 / L00[node]; k >= 0; ) {
      ss += x * x;
      for (let a = rowPtr[k]; a < rowPtr[k + 1]; a++) {
        const row = rowIdx[a];
        if (row >= qR) break;
        g[row] += LR0[a] * x;
        if (row < lo) lo = row;
      }
      const p = parent[k];
      if (p >= 0) x = (-L00off[k] * x) / L00[p];
      k = p;
    }
    if (qR > 0) {
      xr.fill(0);
      for (let row = lo; row < qR; row++) {
        const gv = g[row];
        if (gv === 0) continue;
        const mc = row * qR;
        for (let i = row; i < qR; i++) xr[i] -= Minv[mc + i] * gv;
      }
      for (let i = lo; i < qR; i++) ss += xr[i] * xr[i];
    }
    out[l] = lam2 * ss * sigma2;
  }
  return out;
}

/** a rest term's unit of level l: the level, or for a tree its node */
function unitOf(t: SysTerm): (l: number) => number {
  const tr = t.tree;
  return tr === null ? (l) => l : (l) => tr.levelNode[l];
}

/** out[o..] = σ² λ B λᵀ (s×s) */
function lambdaSandwich(lam: Float64Array, s: number, B: Float64Array, out: Float64Array, o: number, sigma2: number): void {
  for (let i = 0; i < s; i++)
    for (let j = 0; j < s; j++) {
      let acc = 0;
      for (let a = 0; a <= i; a++) for (let b = 0; b <= j; b++) acc += lam[i + a * s] * B[a + b * s] * lam[j + b * s];
      out[o + i + j * s] = acc * sigma2;
    }
}

/** Per-term tables of conditional modes (b) and conditional SDs, in formula order of the terms. */
export function ranefTables(terms: readonly SysTerm[], bs: readonly Float64Array[], cv: readonly Float64Array[] | null): RanefTable[] {
  const order = formulaOrder(terms);
  return order.map((ti) => {
    const t = terms[ti];
    const values: Float64Array[] = [];
    const condsd: Float64Array[] = [];
    for (let c = 0; c < t.s; c++) {
      const v = new Float64Array(t.nl), sd = new Float64Array(t.nl);
      for (let l = 0; l < t.nl; l++) {
        v[l] = bs[ti][l * t.s + c];
        if (cv) sd[l] = Math.sqrt(Math.max(0, cv[ti][l * t.s * t.s + c + c * t.s]));
      }
      values.push(v);
      condsd.push(sd);
    }
    return { group: t.term.group, levels: t.term.levels, cnames: t.term.cnames, values, condsd: cv ? condsd : null };
  });
}
