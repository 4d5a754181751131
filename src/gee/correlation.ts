// Working correlation structures R(α) as geepack parameterises them (identity correlation link).
// Every structure here makes the correlation of a pair of waves (a < b) depend on at most ONE element
// of α, so the moment equations for α have a diagonal Jacobian: each α_k is updated on its own.
import type { CorStr } from "./types.js";

export interface Correlation {
  readonly corstr: CorStr;
  /** number of correlation parameters q */
  readonly nparam: number;
  readonly names: string[];
  /** correlation of waves a and b (a ≠ b, 1-based) */
  rho(alpha: Float64Array, a: number, b: number): number;
  /** which α the pair depends on, or −1 */
  index(a: number, b: number): number;
  /** dρ/dα_index for the pair (geepack's cor_rho) */
  deriv(alpha: Float64Array, a: number, b: number): number;
}

/** Correlation structure for waves numbered 1..T. */
export function makeCorrelation(corstr: CorStr, T: number, m = 1): Correlation {
  switch (corstr) {
    case "independence":
      return { corstr, nparam: 0, names: [], rho: () => 0, index: () => -1, deriv: () => 0 };
    case "exchangeable":
      return { corstr, nparam: 1, names: ["alpha"], rho: (al) => al[0], index: () => 0, deriv: () => 1 };
    case "ar1":
      return {
        corstr, nparam: 1, names: ["alpha"],
        rho: (al, a, b) => Math.pow(al[0], Math.abs(b - a)),
        index: () => 0,
        deriv: (al, a, b) => {
          const d = Math.abs(b - a);
          return d === 1 ? 1 : d * Math.pow(al[0], d - 1);
        },
      };
    case "unstructured": {
      const names: string[] = [];
      for (let s = 1; s < T; s++) for (let t = s + 1; t <= T; t++) names.push(`alpha.${s}:${t}`);
      const index = (a: number, b: number) => {
        const s = Math.min(a, b), t = Math.max(a, b);
        return ((s - 1) * (2 * T - s)) / 2 + (t - s) - 1;
      };
      return { corstr, nparam: names.length, names, rho: (al, a, b) => al[index(a, b)], index, deriv: () => 1 };
    }
    case "mdep": {
      const names = Array.from({ length: m }, (_, k) => `alpha.lag${k + 1}`);
      const index = (a: number, b: number) => {
        const d = Math.abs(b - a);
        return d >= 1 && d <= m ? d - 1 : -1;
      };
      return {
        corstr, nparam: m, names,
        rho: (al, a, b) => { const k = index(a, b); return k < 0 ? 0 : al[k]; },
        index,
        deriv: (_al, a, b) => (index(a, b) < 0 ? 0 : 1),
      };
    }
  }
}

/** R(α) for one cluster with the given waves, column-major m × m. */
export function fillR(cor: Correlation, alpha: Float64Array, waves: Int32Array, off: number, m: number, R: Float64Array): void {
  for (let j = 0; j < m; j++) {
    R[j + j * m] = 1;
    for (let k = j + 1; k < m; k++) {
      const r = cor.rho(alpha, waves[off + j], waves[off + k]);
      R[j + k * m] = r;
      R[k + j * m] = r;
    }
  }
}

/** The working correlation among all waves 1..T, as rows. */
export function workingCorrelationMatrix(cor: Correlation, alpha: Float64Array, T: number): number[][] {
  const out: number[][] = [];
  for (let a = 1; a <= T; a++) {
    const row: number[] = [];
    for (let b = 1; b <= T; b++) row.push(a === b ? 1 : cor.rho(alpha, a, b));
    out.push(row);
  }
  return out;
}

/** Pair lookups at a fixed α; ar1 tabulates ρ^d and dρ^d/dρ by lag so the O(m²) pair loops avoid pow(). */
export interface PairKernel {
  /** pairs further apart in waves than this contribute exactly nothing (mdep: m; ar1: where ρ^d and
   *  d ρ^(d−1) underflow to 0), so loops over increasing waves may stop there */
  readonly maxLag: number;
  index(a: number, b: number): number;
  rho(a: number, b: number): number;
  deriv(a: number, b: number): number;
}

export function pairKernel(cor: Correlation, alpha: Float64Array, T: number): PairKernel {
  if (cor.corstr === "ar1") {
    const r = alpha[0];
    const pw = new Float64Array(T + 1), dpw = new Float64Array(T + 1);
    let maxLag = T;
    for (let d = 0; d <= T; d++) {
      pw[d] = Math.pow(r, d);
      dpw[d] = d === 1 ? 1 : d * Math.pow(r, d - 1);
      if (d > 1 && pw[d] === 0 && dpw[d] === 0) { maxLag = d - 1; break; }
    }
    return {
      maxLag,
      index: () => 0,
      rho: (a, b) => pw[a < b ? b - a : a - b],
      deriv: (a, b) => dpw[a < b ? b - a : a - b],
    };
  }
  return {
    maxLag: cor.corstr === "mdep" ? cor.nparam : Infinity,
    index: (a, b) => cor.index(a, b),
    rho: (a, b) => cor.rho(alpha, a, b),
    deriv: (a, b) => cor.deriv(alpha, a, b),
  };
}
