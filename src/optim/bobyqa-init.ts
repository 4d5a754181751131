import type { BobyqaModel } from "./bobyqa-model.js";

/**
 * Puts the first interpolation set around the base point (relative origin) and builds the model
 * and H for it in closed form (Powell 2009, section 2). Point 0 is the base point, points 1..n step
 * `a_j` along coordinate j, points n+1.. a second step `b_j` along the first npt−n−1 coordinates, and
 * any further points (npt > 2n+1) are sums of two coordinate steps, one per pair of coordinates.
 * Steps respect the bounds: a_j = ±rho and b_j the better-separated of the feasible choices, which
 * reproduces Powell's ±rho / 2·rho steps when the base point is inside or on a bound.
 *
 * `f0` is the known value at the base point (a rebuild around the best point); otherwise it is
 * evaluated. Returns false when no point has a finite value.
 */
export function buildInterpolation(
  m: BobyqaModel,
  rho: number,
  f0: number | undefined,
  evalRel: (x: Float64Array) => number,
  penalty: () => number,
): boolean {
  const { n, npt, ndim, xpt, fval, bmat, zmat, hq, pq, sl, su } = m;
  xpt.fill(0);
  bmat.fill(0);
  zmat.fill(0);
  hq.fill(0);
  pq.fill(0);
  const two = Math.min(n, npt - n - 1); // coordinates with two steps
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const lo = sl[j];
    const hi = su[j];
    a[j] = hi >= rho ? rho : -rho;
    // Second step: whichever feasible choice stays farthest from both 0 and a_j.
    if (a[j] > 0) {
      const c1 = lo < 0 ? Math.max(lo, -rho) : 0;
      const c2 = Math.min(2 * rho, hi);
      b[j] = -c1 >= c2 - rho ? c1 : c2;
    } else {
      const c1 = hi > 0 ? Math.min(hi, rho) : 0;
      const c2 = Math.max(-2 * rho, lo);
      b[j] = c1 >= -rho - c2 ? c1 : c2;
    }
  }
  const point = new Float64Array(n);
  const evalPoint = (k: number): void => {
    for (let j = 0; j < n; j++) point[j] = xpt[k + npt * j];
    fval[k] = evalRel(point);
  };
  fval[0] = f0 !== undefined ? f0 : evalRel(new Float64Array(n));
  for (let j = 0; j < n; j++) {
    xpt[1 + j + npt * j] = a[j];
    evalPoint(1 + j);
    if (j < two) {
      xpt[n + 1 + j + npt * j] = b[j];
      evalPoint(n + 1 + j);
    }
  }
  // Extra points: for each coordinate pair, the sum of the better of its two steps.
  const pairs = extraPairs(n, npt - 2 * n - 1);
  const better = (j: number): number => (fval[n + 1 + j] < fval[1 + j] ? n + 1 + j : 1 + j);
  for (let e = 0; e < pairs.length; e++) {
    const k = 2 * n + 1 + e;
    const [p, q] = pairs[e];
    xpt[k + npt * p] = xpt[better(p) + npt * p];
    xpt[k + npt * q] = xpt[better(q) + npt * q];
    evalPoint(k);
  }
  // Non-finite values seen before any finite one came back as +Infinity: give them the penalty.
  let anyFinite = false;
  for (let k = 0; k < npt; k++) if (Number.isFinite(fval[k])) anyFinite = true;
  if (!anyFinite) return false;
  for (let k = 0; k < npt; k++) if (!Number.isFinite(fval[k])) fval[k] = penalty();

  // Model: per-coordinate interpolation through 0, a_j (and b_j); cross terms from the extra points.
  const g = new Float64Array(n);
  const f00 = fval[0];
  for (let j = 0; j < n; j++) {
    const aj = a[j];
    const da = (fval[1 + j] - f00) / aj;
    if (j < two) {
      const bj = b[j];
      const db = (fval[n + 1 + j] - f00) / bj;
      const h = (2 * (da - db)) / (aj - bj);
      hq[j + n * j] = h;
      g[j] = da - 0.5 * h * aj;
      // Lagrange-function gradients at 0 (rows of Ξᵀ) and the Z column for this coordinate.
      bmat[0 + ndim * j] = -(aj + bj) / (aj * bj);
      bmat[1 + j + ndim * j] = -bj / (aj * (aj - bj));
      bmat[n + 1 + j + ndim * j] = -aj / (bj * (bj - aj));
      const s = Math.SQRT2 / Math.abs(aj * bj * (aj - bj));
      zmat[0 + npt * j] = s * (bj - aj);
      zmat[1 + j + npt * j] = -s * bj;
      zmat[n + 1 + j + npt * j] = s * aj;
    } else {
      g[j] = da;
      bmat[0 + ndim * j] = -1 / aj;
      bmat[1 + j + ndim * j] = 1 / aj;
    }
  }
  for (let e = 0; e < pairs.length; e++) {
    const k = 2 * n + 1 + e;
    const [p, q] = pairs[e];
    const kp = better(p);
    const kq = better(q);
    const xp = xpt[k + npt * p];
    const xq = xpt[k + npt * q];
    const h = (fval[k] - fval[kp] - fval[kq] + f00) / (xp * xq);
    hq[p + n * q] = h;
    hq[q + n * p] = h;
    const c = two + e;
    const z = 1 / Math.abs(xp * xq);
    zmat[0 + npt * c] = z;
    zmat[kp + npt * c] = -z;
    zmat[kq + npt * c] = -z;
    zmat[k + npt * c] = z;
  }
  m.recomputeUpsilon();
  let kopt = 0;
  for (let k = 1; k < npt; k++) if (fval[k] < fval[kopt]) kopt = k;
  m.kopt = kopt;
  for (let j = 0; j < n; j++) m.xopt[j] = xpt[kopt + npt * j];
  m.hessVec(m.xopt, m.gopt);
  for (let j = 0; j < n; j++) m.gopt[j] += g[j];
  return true;
}

/** The first `count` distinct coordinate pairs, neighbours first: (0,1),(1,2),…,(0,2),…. */
function extraPairs(n: number, count: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (count <= 0) return out;
  const seen = new Set<number>();
  for (let off = 1; off < n && out.length < count; off++) {
    for (let j = 0; j < n && out.length < count; j++) {
      const p = Math.min(j, (j + off) % n);
      const q = Math.max(j, (j + off) % n);
      const key = p * n + q;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push([p, q]);
    }
  }
  return out;
}
