// Gauss–Hermite rules for ∫ e^{−x²} f(x) dx: nodes are the roots of the Hermite polynomial H_k,
// found by Newton's method on the orthonormal three-term recurrence (stable for k up to ~100).

export interface GHRule {
  readonly nodes: Float64Array;
  readonly weights: Float64Array;
}

const cache = new Map<number, GHRule>();

export function gaussHermite(k: number): GHRule {
  const hit = cache.get(k);
  if (hit) return hit;
  if (!(k >= 1 && k <= 100 && Number.isInteger(k))) throw new RangeError(`Gauss-Hermite order ${k} not in 1..100`);
  const x = new Float64Array(k);
  const w = new Float64Array(k);
  const PIM4 = Math.pow(Math.PI, -0.25);
  const m = (k + 1) >> 1;
  let z = 0;
  for (let i = 0; i < m; i++) {
    // initial guesses for the largest roots first, then by the spacing of the previous ones
    if (i === 0) z = Math.sqrt(2 * k + 1) - 1.85575 * Math.pow(2 * k + 1, -0.16667);
    else if (i === 1) z -= (1.14 * Math.pow(k, 0.426)) / z;
    else if (i === 2) z = 1.86 * z - 0.86 * x[0];
    else if (i === 3) z = 1.91 * z - 0.91 * x[1];
    else z = 2 * z - x[i - 2];
    let pp = 0;
    for (let it = 0; it < 100; it++) {
      // orthonormal Hermite functions p_j(z) by recurrence
      let p1 = PIM4, p2 = 0;
      for (let j = 1; j <= k; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
      }
      pp = Math.sqrt(2 * k) * p2;
      const z1 = z;
      z = z1 - p1 / pp;
      if (Math.abs(z - z1) <= 1e-15 * Math.max(1, Math.abs(z))) break;
    }
    x[i] = z;
    x[k - 1 - i] = -z;
    w[i] = 2 / (pp * pp);
    w[k - 1 - i] = w[i];
  }
  if (k % 2 === 1) x[m - 1] = 0;
  // ascending order
  const idx = [...x.keys()].sort((a, b) => x[a] - x[b]);
  const rule = { nodes: Float64Array.from(idx.map((i) => x[i])), weights: Float64Array.from(idx.map((i) => w[i])) };
  cache.set(k, rule);
  return rule;
}
