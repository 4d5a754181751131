// Random-effect terms as the mixed-model system sees them: sorted (most random effects first, as
// MixedModels.jl orders them), each with its relative covariance factor λ (s×s lower triangular)
// filled from the θ vector (lower triangle, column-wise: lme4's order).
import type { ReTerm } from "../formula/types.js";

export interface SysTerm {
  readonly term: ReTerm;
  /** index in the formula's term list (for reporting in formula order) */
  readonly formulaIndex: number;
  readonly s: number;
  readonly nl: number;
  /** number of random effects s·nl */
  readonly q: number;
  /** offset of this term's entries in θ */
  readonly thetaOffset: number;
  /** λ, s×s column-major, lower triangle used */
  readonly lambda: Float64Array;
  /** for each θ entry of this term: whether it is a diagonal element (lower bound 0) */
  readonly diagMask: boolean[];
}

/** Number of θ entries for a term with s columns. */
export const nthetaFor = (s: number) => (s * (s + 1)) / 2;

export function sortTerms(reTerms: readonly ReTerm[]): SysTerm[] {
  const idx = reTerms.map((_, i) => i);
  // largest q first; stable on formula order
  idx.sort((a, b) => reTerms[b].levels.length * reTerms[b].cnames.length - reTerms[a].levels.length * reTerms[a].cnames.length || a - b);
  let off = 0;
  return idx.map((i) => {
    const term = reTerms[i];
    const s = term.cnames.length;
    const nl = term.levels.length;
    const diagMask: boolean[] = [];
    for (let j = 0; j < s; j++) for (let r = j; r < s; r++) diagMask.push(r === j);
    const t: SysTerm = { term, formulaIndex: i, s, nl, q: s * nl, thetaOffset: off, lambda: new Float64Array(s * s), diagMask };
    off += nthetaFor(s);
    return t;
  });
}

/** Fill every term's λ from θ. */
export function setLambdas(terms: readonly SysTerm[], theta: ArrayLike<number>): void {
  for (const t of terms) {
    const { s, lambda } = t;
    let k = t.thetaOffset;
    for (let j = 0; j < s; j++) for (let r = j; r < s; r++) lambda[r + j * s] = theta[k++];
  }
}

/** θ at λ = I for every term (lme4's start). */
export function thetaStart(terms: readonly SysTerm[]): Float64Array {
  const th: number[] = [];
  for (const t of terms) for (const d of t.diagMask) th.push(d ? 1 : 0);
  return Float64Array.from(th);
}

export function thetaLower(terms: readonly SysTerm[]): Float64Array {
  const lo: number[] = [];
  for (const t of terms) for (const d of t.diagMask) lo.push(d ? 0 : -Infinity);
  return Float64Array.from(lo);
}

/** Covariance of one term's random effects relative to σ²: λλᵀ (s×s, full). */
export function relCovariance(t: SysTerm): Float64Array {
  const { s, lambda } = t;
  const out = new Float64Array(s * s);
  for (let i = 0; i < s; i++)
    for (let j = 0; j < s; j++) {
      let acc = 0;
      for (let k = 0; k <= Math.min(i, j); k++) acc += lambda[i + k * s] * lambda[j + k * s];
      out[i + j * s] = acc;
    }
  return out;
}
