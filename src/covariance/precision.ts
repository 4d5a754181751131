import { UserError } from "../errors.js";
import { nodeDepths } from "./vcv.js";
import type { PhyloTree } from "./newick.js";
import type { LevelTree } from "../formula/types.js";

// The sparse inverse of a tree's Brownian-motion covariance (Hadfield & Nakagawa 2010): give every
// node (tips and internal nodes, not the root) its own effect, a_v = a_parent + √l_v·ε_v with the
// root at 0. The joint covariance A of those effects is dense, but its inverse Q is sparse:
//   Q = Σ_v (1/l_v)(e_v − e_parent)(e_v − e_parent)ᵀ      (e_root = 0)
// with at most 4 entries per branch, and the tips' block of Q⁻¹ is ape's vcv. Numbering children
// before parents makes the Cholesky factor of Q + D (D diagonal, e.g. λ²ZᵀZ on the tips) as sparse
// as Q itself: eliminating a node touches only its parent, so the factor costs O(nodes), not
// O(tips³). Zero-length branches merge a node into its parent (same effect).
// The identity that lets an engine use it: with K = A's tip block and W the tips' ZᵀZ,
//   log|I + λ² L_Kᵀ W L_K| = log|λ² W_aug + Q| + log|A| ,  log|A| = Σ log l.

/** Sparse precision of a phylogenetic (Brownian) covariance over tips and internal nodes, so the tree enters the model without a dense n×n matrix. */
export interface TreePrecision {
  /** tip labels, tip order */
  readonly labels: string[];
  /** number of augmented nodes (tips and internal nodes except the root, zero-length branches merged) */
  readonly size: number;
  /** per augmented node: its parent's augmented index (always larger), −1 under the root */
  readonly parent: Int32Array;
  /** per augmented node: 1 / (length of the branch to its parent) */
  readonly precision: Float64Array;
  /** per tip (tip order): its augmented node */
  readonly tipNode: Int32Array;
  /** log|A| = Σ log l over the augmented nodes' branches */
  readonly logDetA: number;
}

/** The augmented sparse precision of a tree, branch lengths divided by `scaleBy` (e.g. the height). */
export function treePrecision(tree: PhyloTree, scale: "none" | "height" = "height"): TreePrecision {
  const depth = nodeDepths(tree);
  const n = tree.parent.length;
  let height = 0;
  for (const v of tree.tips) height = Math.max(height, depth[v]);
  const by = scale === "height" ? height : 1;
  if (!(by > 0)) throw new UserError(`${tree.source}: every tip is at the root (all branch lengths are 0)`);
  // representative of each node: itself, or its parent's when its branch has length 0 (−1 = root)
  const rep = new Int32Array(n).fill(-1);
  for (let v = 1; v < n; v++) rep[v] = tree.length[v] > 0 ? v : rep[tree.parent[v]];
  // augmented index: kept nodes in reverse preorder (children before parents)
  const index = new Int32Array(n).fill(-1);
  let size = 0;
  for (let v = n - 1; v >= 1; v--) if (rep[v] === v) index[v] = size++;
  const parent = new Int32Array(size), precision = new Float64Array(size);
  let logDetA = 0;
  for (let v = 1; v < n; v++) {
    if (rep[v] !== v) continue;
    const k = index[v];
    const p = rep[tree.parent[v]];
    parent[k] = p < 0 ? -1 : index[p];
    const l = tree.length[v] / by;
    precision[k] = 1 / l;
    logDetA += Math.log(l);
  }
  const tipNode = new Int32Array(tree.tips.length);
  tree.tips.forEach((v, i) => {
    if (rep[v] < 0) throw new UserError(`${tree.source}: tip '${tree.label[v]}' sits on the root (its path from the root has length 0), so its variance is 0`);
    tipNode[i] = index[rep[v]];
  });
  return { labels: Array.from(tree.tips, (v) => tree.label[v]), size, parent, precision, tipNode, logDetA };
}

/**
 * Cholesky factor of Q + diag(d) along the tree (no fill): `diag[k]` is L_kk and `off[k]` is
 * L_{parent(k), k}. O(size).
 */
export function treeCholesky(tp: TreePrecision, d: ArrayLike<number>): { diag: Float64Array; off: Float64Array; logDet: number } {
  const m = tp.size;
  const diag = new Float64Array(m), off = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    diag[k] += tp.precision[k] + d[k];
    const p = tp.parent[k];
    if (p >= 0) diag[p] += tp.precision[k];
  }
  let logDet = 0;
  for (let k = 0; k < m; k++) {
    const lkk = Math.sqrt(diag[k]);
    diag[k] = lkk;
    logDet += 2 * Math.log(lkk);
    const p = tp.parent[k];
    if (p >= 0) {
      const lpk = -tp.precision[k] / lkk;
      off[k] = lpk;
      diag[p] -= lpk * lpk;
    }
  }
  return { diag, off, logDet };
}

/** Solve (Q + diag(d)) x = b with a factor from treeCholesky (b is overwritten with x). */
export function treeSolve(tp: TreePrecision, f: { diag: Float64Array; off: Float64Array }, b: Float64Array): Float64Array {
  const m = tp.size;
  // L y = b: children before parents
  for (let k = 0; k < m; k++) {
    b[k] /= f.diag[k];
    const p = tp.parent[k];
    if (p >= 0) b[p] -= f.off[k] * b[k];
  }
  // Lᵀ x = y: parents before children
  for (let k = m - 1; k >= 0; k--) {
    const p = tp.parent[k];
    if (p >= 0) b[k] -= f.off[k] * b[p];
    b[k] /= f.diag[k];
  }
  return b;
}

/** The tree for a random-effect term whose levels are its tips: `tipOfLevel[l]` is level l's tip (tip order). */
export function levelTree(tp: TreePrecision, tipOfLevel: ArrayLike<number>): LevelTree {
  const levelNode = Int32Array.from(tipOfLevel, (t) => tp.tipNode[t]);
  return { size: tp.size, parent: tp.parent, precision: tp.precision, logDetA: tp.logDetA, levelNode };
}

/** Root-to-node path lengths of a LevelTree. */
export function levelTreeDepths(lt: LevelTree): Float64Array {
  const depth = new Float64Array(lt.size);
  // parents come after their children: walk down from the root
  for (let k = lt.size - 1; k >= 0; k--) depth[k] = (lt.parent[k] < 0 ? 0 : depth[lt.parent[k]]) + 1 / lt.precision[k];
  return depth;
}

/**
 * The levels' dense covariance K (nl×nl, column-major) of a LevelTree: K_ij is the depth of the
 * most recent common ancestor. Each pair is written once, from the node where the two tips' paths
 * meet (O(nl²)); for the engine's dense path (a tree term that cannot be the sparse first term).
 */
export function levelTreeCovariance(lt: LevelTree, nl: number): Float64Array {
  const depth = levelTreeDepths(lt);
  const K = new Float64Array(nl * nl);
  // the levels at each node (several when tips share a node through zero-length branches)
  const at: (number[] | null)[] = new Array(lt.size).fill(null);
  for (let l = 0; l < nl; l++) (at[lt.levelNode[l]] ??= []).push(l);
  const tips: (number[] | null)[] = new Array(lt.size).fill(null);
  for (let k = 0; k < lt.size; k++) {
    // k's own levels meet each other and the levels gathered from its children at k
    const own = at[k] ?? [];
    const acc = tips[k] ?? [];
    tips[k] = null;
    const dk = depth[k];
    for (const l of own) {
      for (const j of acc) { K[l + j * nl] = dk; K[j + l * nl] = dk; }
      for (const j of own) K[l + j * nl] = dk;
    }
    for (const l of own) acc.push(l);
    const p = lt.parent[k];
    if (p < 0 || acc.length === 0) continue;
    // then k's levels meet the levels already gathered at p (from p's earlier children) at p
    const other = tips[p];
    if (other === null) { tips[p] = acc; continue; }
    const dp = depth[p];
    for (const i of acc) for (const j of other) { K[i + j * nl] = dp; K[j + i * nl] = dp; }
    for (const i of acc) other.push(i);
  }
  return K;
}
