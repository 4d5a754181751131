// Wald tests of linear contrasts for models without a small-sample df (GLMMs): z for one contrast,
// χ² with q df for q contrasts jointly.
import { UserError } from "../errors.js";
import { pnormUpper } from "../families/special.js";
import { cholInverse, cholLower } from "../linalg/dense.js";
import { pchisqUpper } from "./distributions.js";

/** Wald z test of one linear combination of the fixed effects. */
export interface WaldContrast { readonly estimate: number; readonly se: number; readonly z: number; readonly p: number }
/** Joint Wald χ² test of several linear combinations. */
export interface WaldJoint { readonly chisq: number; readonly df: number; readonly p: number }

function check(l: ArrayLike<number>, p: number): void {
  if (l.length !== p) throw new UserError(`a contrast needs ${p} coefficients (one per fixed effect), got ${l.length}`);
}

export function waldContrast(beta: ArrayLike<number>, vcov: Float64Array, l: ArrayLike<number>): WaldContrast {
  const p = beta.length;
  check(l, p);
  let est = 0, v = 0;
  for (let a = 0; a < p; a++) {
    est += l[a] * beta[a];
    for (let b = 0; b < p; b++) v += l[a] * vcov[a + b * p] * l[b];
  }
  const se = Math.sqrt(v);
  const z = est / se;
  return { estimate: est, se, z, p: 2 * pnormUpper(Math.abs(z)) };
}

export function waldJoint(beta: ArrayLike<number>, vcov: Float64Array, rows: ReadonlyArray<ArrayLike<number>>): WaldJoint {
  const p = beta.length, q = rows.length;
  rows.forEach((l) => check(l, p));
  const est = rows.map((l) => Array.from(l).reduce((s, v, a) => s + v * beta[a], 0));
  const V = new Float64Array(q * q);
  for (let i = 0; i < q; i++)
    for (let j = 0; j < q; j++) {
      let s = 0;
      for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) s += rows[i][a] * vcov[a + b * p] * rows[j][b];
      V[i + j * q] = s;
    }
  const L = Float64Array.from(V);
  // a pivot that is rounding noise relative to its diagonal means a (numerically) dependent row
  let dependent = cholLower(L, q) >= 0;
  for (let i = 0; i < q && !dependent; i++) if (L[i + i * q] ** 2 < 1e-10 * V[i + i * q]) dependent = true;
  if (dependent) throw new UserError("the contrasts are linearly dependent: drop the redundant rows");
  const inv = cholInverse(L, q);
  let chisq = 0;
  for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) chisq += est[i] * inv[i + j * q] * est[j];
  return { chisq, df: q, p: pchisqUpper(chisq, q) };
}
