import { UserError } from "../errors.js";
import type { KnownCovariance } from "../fit.js";
import { parseCovarianceMatrix } from "./matrix.js";
import { parseNewick, tipLabels } from "./newick.js";
import { isUltrametric, rescale, treeVcv, type CovarianceScale } from "./vcv.js";
import { treePrecision } from "./precision.js";

// `--covariance GROUP=KIND:FILE`: which grouping factor, what the file holds, how K is scaled.
//   phylo:tree.nwk        Brownian-motion covariance of the tree, divided by its largest diagonal
//                         entry (root-to-tip height 1 for an ultrametric tree; otherwise the deepest
//                         tip is at 1), so σ² is the phylogenetic variance at the (deepest) tips
//   phylo-corr:tree.nwk   the same as correlations (every tip variance 1; ape's vcv(corr = TRUE))
//   phylo-raw:tree.nwk    branch lengths as given (σ² is the BM rate per unit branch length)
//   matrix:K.csv          a labelled covariance / relatedness matrix, as given
//   matrix-corr:K.csv     the same, scaled to correlations
// The text-to-matrix step is here (browser-safe); reading the file is the CLI's job.

/** Where a known covariance comes from: a Newick tree ("phylo") or a matrix file ("matrix"). */
export type CovarianceSource = "phylo" | "matrix";

/** A known covariance among the levels of a grouping factor (phylogenetic or given), as brms's `gr(..., cov = A)` / glmmTMB's `propto`. */
export interface CovarianceSpec {
  readonly group: string;
  readonly source: CovarianceSource;
  readonly scale: CovarianceScale;
  readonly path: string;
}

const KINDS: Readonly<Record<string, { source: CovarianceSource; scale: CovarianceScale }>> = {
  phylo: { source: "phylo", scale: "height" },
  "phylo-corr": { source: "phylo", scale: "corr" },
  "phylo-raw": { source: "phylo", scale: "none" },
  matrix: { source: "matrix", scale: "none" },
  "matrix-corr": { source: "matrix", scale: "corr" },
};

/** Parse `GROUP=KIND:FILE` (GROUP may be `a:b`; FILE is everything after the first ':' that follows '='). */
export function parseCovarianceSpec(arg: string): CovarianceSpec {
  const usage = "expected GROUP=phylo:TREE.nwk or GROUP=matrix:K.csv (kinds: " + Object.keys(KINDS).join(", ") + ")";
  const eq = arg.indexOf("=");
  if (eq <= 0) throw new UserError(`--covariance '${arg}': ${usage}`);
  const group = arg.slice(0, eq).replace(/\s+/g, "");
  const rest = arg.slice(eq + 1);
  const colon = rest.indexOf(":");
  if (colon < 0) throw new UserError(`--covariance '${arg}': ${usage}`);
  const kind = rest.slice(0, colon).trim().toLowerCase();
  const path = rest.slice(colon + 1).trim();
  const k = KINDS[kind];
  if (!Object.prototype.hasOwnProperty.call(KINDS, kind)) throw new UserError(`--covariance '${arg}': unknown kind '${kind}'; ${usage}`);
  if (path === "") throw new UserError(`--covariance '${arg}': no file after '${kind}:'`);
  return { group, source: k.source, scale: k.scale, path };
}

/** The file's role in messages ("tree file", "covariance matrix file"). */
export function specFileRole(spec: CovarianceSpec): string {
  return spec.source === "phylo" ? "tree file" : "covariance matrix file";
}

/** Build the known covariance for `fit()` from a spec and the file's text; `name` names the file in messages. */
export function knownCovarianceFromText(spec: CovarianceSpec, text: string, name: string): KnownCovariance {
  if (spec.source === "phylo") {
    const tree = parseNewick(text, { source: name });
    // the sparse precision serves the height and raw scalings, and correlations of an ultrametric
    // tree (the same thing); the dense K is built on first use only
    const sparse = spec.scale !== "corr" || isUltrametric(tree) ? treePrecision(tree, spec.scale === "none" ? "none" : "height") : null;
    let K: Float64Array | null = null;
    const dense = () => (K ??= treeVcv(tree, spec.scale).K);
    const labels = tipLabels(tree);
    if (!sparse) return { group: spec.group, labels, K: dense(), source: name };
    return { group: spec.group, labels, get K() { return dense(); }, tree: sparse, source: name };
  }
  const { labels, K } = parseCovarianceMatrix(text, { source: name });
  return { group: spec.group, labels, K: rescale(K, labels.length, spec.scale, name), source: name };
}
