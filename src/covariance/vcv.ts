import { UserError } from "../errors.js";
import { tipLabels, type PhyloTree } from "./newick.js";

// The Brownian-motion covariance of a tree's tips, as ape's vcv(): the covariance of tips i and j is
// the length of the path from the root to their most recent common ancestor, the variance of tip i
// its root-to-tip length. A branch above the root is ignored (as ape ignores root.edge).
// Every entry is written exactly once (O(tips²)): for each internal node, the pairs of tips that
// sit under two different children have that node as their common ancestor.

/** How a covariance matrix is rescaled before use. */
export type CovarianceScale =
  /** as given */
  | "none"
  /** divided by its largest diagonal entry: for a tree, root-to-tip height 1 (ultrametric) or the
   *  deepest tip at 1 (otherwise) */
  | "height"
  /** scaled to a correlation matrix, K_ij / √(K_ii K_jj) (ape's vcv(corr = TRUE)) */
  | "corr";

/** A labelled square matrix (column-major, labels order). */
export interface LabelledMatrix {
  readonly labels: string[];
  readonly K: Float64Array;
}

/** Root-to-node path lengths, in preorder. Missing branch lengths are a UserError. */
export function nodeDepths(tree: PhyloTree): Float64Array {
  const n = tree.parent.length;
  const depth = new Float64Array(n);
  for (let v = 1; v < n; v++) {
    const len = tree.length[v];
    if (Number.isNaN(len)) {
      const what = tree.label[v] ? `'${tree.label[v]}'` : `an internal node above '${firstTipUnder(tree, v)}'`;
      throw new UserError(`${tree.source}: the branch to ${what} has no length (a covariance needs every branch length)`);
    }
    depth[v] = depth[tree.parent[v]] + len;
  }
  return depth;
}

function firstTipUnder(tree: PhyloTree, v: number): string {
  // preorder: the first tip after v is under v
  for (let k = v; k < tree.parent.length; k++) if (tree.isTip[k]) return tree.label[k];
  return "?";
}

/** Brownian-motion covariance of the tips (tip order), optionally rescaled. */
export function treeVcv(tree: PhyloTree, scale: CovarianceScale = "none"): LabelledMatrix {
  const depth = nodeDepths(tree);
  const n = tree.parent.length;
  const nt = tree.tips.length;
  // position of each tip, and the contiguous tip range [lo, hi) under each node (preorder)
  const tipIndex = new Int32Array(n).fill(-1);
  tree.tips.forEach((v, i) => { tipIndex[v] = i; });
  const lo = new Int32Array(n), hi = new Int32Array(n);
  for (let v = n - 1; v >= 0; v--) {
    if (tree.isTip[v]) { lo[v] = tipIndex[v]; hi[v] = tipIndex[v] + 1; }
  }
  // children in text order: preorder, so scanning forwards lists them in order
  const firstChild = new Int32Array(n).fill(-1), nextSib = new Int32Array(n).fill(-1), lastChild = new Int32Array(n).fill(-1);
  for (let v = 1; v < n; v++) {
    const p = tree.parent[v];
    if (firstChild[p] < 0) firstChild[p] = v; else nextSib[lastChild[p]] = v;
    lastChild[p] = v;
  }
  for (let v = n - 1; v >= 0; v--) {
    if (tree.isTip[v]) continue;
    lo[v] = lo[firstChild[v]];
    hi[v] = hi[lastChild[v]];
  }
  const K = new Float64Array(nt * nt);
  for (let v = 0; v < n; v++) {
    if (tree.isTip[v]) { const i = tipIndex[v]; K[i + i * nt] = depth[v]; continue; }
    const d = depth[v];
    for (let a = firstChild[v]; a >= 0; a = nextSib[a]) {
      for (let b = nextSib[a]; b >= 0; b = nextSib[b]) {
        for (let j = lo[b]; j < hi[b]; j++) {
          const col = j * nt;
          for (let i = lo[a]; i < hi[a]; i++) { K[i + col] = d; K[j + i * nt] = d; }
        }
      }
    }
  }
  const labels = tipLabels(tree);
  return { labels, K: rescale(K, nt, scale, tree.source) };
}

/** Rescale a covariance matrix in place (see CovarianceScale); returns it. */
export function rescale(K: Float64Array, n: number, scale: CovarianceScale, source = "covariance"): Float64Array {
  if (scale === "none") return K;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) {
    const d = K[i + i * n];
    if (!(d > 0)) throw new UserError(`${source}: diagonal entry ${i + 1} is ${d}; scaling needs positive variances (a tip at the root, or a zero row?)`);
    if (d > maxDiag) maxDiag = d;
  }
  if (scale === "height") {
    for (let k = 0; k < K.length; k++) K[k] /= maxDiag;
    return K;
  }
  const sd = new Float64Array(n);
  for (let i = 0; i < n; i++) sd[i] = Math.sqrt(K[i + i * n]);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) K[i + j * n] = i === j ? 1 : K[i + j * n] / (sd[i] * sd[j]);
  return K;
}

/** True when every root-to-tip length equals the largest within a relative tolerance. */
export function isUltrametric(tree: PhyloTree, tol = 1e-8): boolean {
  const depth = nodeDepths(tree);
  let max = 0, min = Infinity;
  for (const v of tree.tips) { max = Math.max(max, depth[v]); min = Math.min(min, depth[v]); }
  return max - min <= tol * max;
}
