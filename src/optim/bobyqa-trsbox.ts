import type { BobyqaModel } from "./bobyqa-model.js";

export interface TrustRegionStep {
  /** Step from xopt (exactly xnew − xopt). */
  d: Float64Array;
  /** xopt + d, clipped to the bounds, with coordinates that reached a bound set to it exactly. */
  xnew: Float64Array;
  /** Model gradient at xnew. */
  gnew: Float64Array;
  dsq: number;
  /**
   * 0 if the step reached the trust-region boundary, otherwise the least curvature dᵀHd/dᵀd seen in
   * unconstrained conjugate-gradient steps, or −1 if there were none.
   */
  crvmin: number;
}

/**
 * Approximately minimizes the model Q(xopt + d) subject to ‖d‖ ≤ delta and sl ≤ xopt + d ≤ su
 * (Powell 2009, section 3). First truncated conjugate gradients on the free variables, fixing a
 * variable when the search reaches its bound and restarting; once the trust-region boundary is
 * reached, d is rotated on the sphere within the plane of d and the free gradient, each rotation
 * limited so no bound is crossed (and fixing the variable that stops it).
 */
export function trsbox(m: BobyqaModel, delta: number): TrustRegionStep {
  const { n, xopt, gopt, sl, su } = m;
  const d = new Float64Array(n);
  const g = Float64Array.from(gopt);
  const s = new Float64Array(n);
  const hs = new Float64Array(n);
  const fixed = new Int8Array(n); // −1 at lower bound, +1 at upper, 0 free
  let nact = 0;
  for (let i = 0; i < n; i++) {
    if (xopt[i] <= sl[i] && g[i] >= 0) fixed[i] = -1;
    else if (xopt[i] >= su[i] && g[i] <= 0) fixed[i] = 1;
    if (fixed[i] !== 0) nact++;
  }
  const delsq = delta * delta;
  let qred = 0;
  let crvmin = -1;
  let iterc = 0;
  let itermax = 0;
  let beta = 0;
  let gredsq = 0;
  let ggsav = 0;
  let onBoundary = false;

  // Comparisons are written so that NaN (overflow in the model) ends the search.
  for (let guard = 0; guard < 10 * n + 100; guard++) {
    let stepsq = 0;
    for (let i = 0; i < n; i++) {
      s[i] = fixed[i] !== 0 ? 0 : beta * s[i] - g[i];
      stepsq += s[i] * s[i];
    }
    if (!(stepsq > 0)) break;
    if (beta === 0) {
      gredsq = stepsq;
      itermax = iterc + n - nact;
    }
    if (!(gredsq * delsq > 1e-4 * qred * qred)) break;
    m.hessVec(s, hs);
    let dd = 0;
    let ds = 0;
    let shs = 0;
    for (let i = 0; i < n; i++) {
      dd += d[i] * d[i];
      ds += d[i] * s[i];
      shs += s[i] * hs[i];
    }
    const resid = delsq - dd;
    if (resid <= 0) {
      onBoundary = true;
      break;
    }
    // Distance along s to the sphere, then the curvature minimizer and the bounds.
    const root = Math.sqrt(stepsq * resid + ds * ds);
    const blen = ds < 0 ? (root - ds) / stepsq : resid / (root + ds);
    let stplen = blen;
    if (shs > 0) stplen = Math.min(blen, gredsq / shs);
    let iact = -1;
    for (let i = 0; i < n; i++) {
      if (s[i] === 0) continue;
      const xsum = xopt[i] + d[i];
      const room = s[i] > 0 ? su[i] - xsum : sl[i] - xsum;
      const t = room / s[i];
      if (t < stplen) {
        stplen = t;
        iact = i;
      }
    }
    if (stplen < 0) stplen = 0;
    let sdec = 0;
    if (stplen > 0) {
      iterc++;
      const curv = shs / stepsq;
      if (iact === -1 && curv > 0) crvmin = crvmin === -1 ? curv : Math.min(crvmin, curv);
      ggsav = gredsq;
      gredsq = 0;
      for (let i = 0; i < n; i++) {
        g[i] += stplen * hs[i];
        d[i] += stplen * s[i];
        if (fixed[i] === 0) gredsq += g[i] * g[i];
      }
      sdec = Math.max(stplen * (ggsav - 0.5 * stplen * shs), 0);
      qred += sdec;
    }
    if (iact >= 0) {
      fixed[iact] = s[iact] > 0 ? 1 : -1;
      d[iact] = (s[iact] > 0 ? su[iact] : sl[iact]) - xopt[iact];
      nact++;
      beta = 0;
      continue;
    }
    if (stplen < blen) {
      if (iterc >= itermax || !(sdec > 0.01 * qred)) break;
      beta = gredsq / ggsav;
      continue;
    }
    onBoundary = true;
    break;
  }

  if (onBoundary) {
    crvmin = 0;
    rotateOnBoundary(m, d, g, fixed, nact, qred);
  }

  // A model that overflowed gives no step; the driver then reduces rho or rebuilds.
  if (!d.every(Number.isFinite)) d.fill(0);
  const xnew = new Float64Array(n);
  let dsq = 0;
  for (let i = 0; i < n; i++) {
    let x = Math.min(Math.max(xopt[i] + d[i], sl[i]), su[i]);
    if (fixed[i] === -1) x = sl[i];
    else if (fixed[i] === 1) x = su[i];
    xnew[i] = x;
    d[i] = x - xopt[i];
    dsq += d[i] * d[i];
  }
  return { d, xnew, gnew: g, dsq, crvmin };
}

/** Scratch vectors and the secondary results of the helpers of rotateOnBoundary. */
class RotationWork {
  s: Float64Array;
  df: Float64Array;
  hd: Float64Array;
  hs: Float64Array;
  /** Variable whose bound limits the rotation (−1 if none) and which bound (±1). */
  iact = -1;
  side = 0;
  /** Model change at the chosen angle and its grid index. */
  qbest = 0;
  kbest = 0;
  constructor(n: number) {
    this.s = new Float64Array(n);
    this.df = new Float64Array(n);
    this.hd = new Float64Array(n);
    this.hs = new Float64Array(n);
  }
}

/**
 * On the trust-region sphere: d(θ) = cos θ·d + sin θ·s on the free variables, s ⟂ d in the plane
 * of d and −g with ‖s‖ = ‖d‖, θ ∈ (0, θmax] where θmax ≤ π/2 keeps every free variable inside its
 * bounds. The model along θ is a trigonometric quadratic; it is minimized on a grid refined by a
 * parabola. Updates d, g (gradient at xopt + d) and fixed in place. Each part is its own small
 * function: V8 compiles one large function with an outer loop at a much higher cost.
 */
function rotateOnBoundary(
  m: BobyqaModel,
  d: Float64Array,
  g: Float64Array,
  fixed: Int8Array,
  nact: number,
  qred: number,
): void {
  const { n, xopt, sl, su } = m;
  const w = new RotationWork(n);
  const { s, df, hd, hs } = w;
  for (let iter = 0; iter < 10 * n + 20; iter++) {
    if (nact >= n - 1) return;
    // A free variable that has reached its bound becomes fixed.
    const newlyFixed = fixReached(m, d, fixed);
    if (newlyFixed > 0) {
      nact += newlyFixed;
      continue;
    }
    let dredsq = 0;
    let dredg = 0;
    let gredsq = 0;
    for (let i = 0; i < n; i++) {
      if (fixed[i] !== 0) continue;
      dredsq += d[i] * d[i];
      dredg += d[i] * g[i];
      gredsq += g[i] * g[i];
    }
    let t = gredsq * dredsq - dredg * dredg;
    if (!(t > 1e-4 * qred * qred) || !(dredsq > 0)) return;
    t = Math.sqrt(t);
    for (let i = 0; i < n; i++) {
      s[i] = fixed[i] !== 0 ? 0 : (dredg * d[i] - dredsq * g[i]) / t;
      df[i] = fixed[i] !== 0 ? 0 : d[i];
    }
    const gs = -t;
    const thmax = maxRotation(m, d, fixed, w);
    if (!(thmax > 0)) return;
    m.hessVec(df, hd);
    m.hessVec(s, hs);
    let dhd = 0;
    let dhs = 0;
    let shs = 0;
    for (let i = 0; i < n; i++) {
      dhd += df[i] * hd[i];
      dhs += s[i] * hd[i];
      shs += s[i] * hs[i];
    }
    const ngrid = Math.max(3, Math.ceil((20 * thmax) / (Math.PI / 2)));
    const thbest = bestAngle(thmax, ngrid, dredg, gs, dhd, dhs, shs, w);
    if (w.kbest === 0) return;
    const qbest = w.qbest;
    const cm = Math.cos(thbest) - 1;
    const sn = Math.sin(thbest);
    for (let i = 0; i < n; i++) {
      g[i] += cm * hd[i] + sn * hs[i];
      if (fixed[i] === 0) d[i] += cm * d[i] + sn * s[i];
    }
    qred -= qbest;
    const iact = w.iact;
    if (iact >= 0 && w.kbest === ngrid) {
      fixed[iact] = w.side;
      d[iact] = (w.side > 0 ? su[iact] : sl[iact]) - xopt[iact];
      nact++;
      continue;
    }
    if (!(-qbest > 0.01 * qred)) return;
  }
}

/** Fixes the free variables of xopt + d that reached a bound (setting d there); returns how many. */
function fixReached(m: BobyqaModel, d: Float64Array, fixed: Int8Array): number {
  const { n, xopt, sl, su } = m;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (fixed[i] !== 0) continue;
    if (xopt[i] + d[i] <= sl[i]) {
      fixed[i] = -1;
      d[i] = sl[i] - xopt[i];
    } else if (xopt[i] + d[i] >= su[i]) {
      fixed[i] = 1;
      d[i] = su[i] - xopt[i];
    } else continue;
    count++;
  }
  return count;
}

/** Largest rotation (≤ π/2) that keeps the free variables in bounds; sets w.iact and w.side. */
function maxRotation(m: BobyqaModel, d: Float64Array, fixed: Int8Array, w: RotationWork): number {
  const { n, xopt, sl, su } = m;
  const s = w.s;
  let thmax = Math.PI / 2;
  let iact = -1;
  let side = 0;
  for (let i = 0; i < n; i++) {
    if (fixed[i] !== 0) continue;
    const r = Math.hypot(d[i], s[i]);
    const up = su[i] - xopt[i];
    if (r > up) {
      const th = firstCrossing(d[i], s[i], up);
      if (th < thmax) {
        thmax = th;
        iact = i;
        side = 1;
      }
    }
    const lo = xopt[i] - sl[i];
    if (r > lo) {
      const th = firstCrossing(-d[i], -s[i], lo);
      if (th < thmax) {
        thmax = th;
        iact = i;
        side = -1;
      }
    }
  }
  w.iact = iact;
  w.side = side;
  return thmax;
}

/** Change of the model when rotating by θ. */
function rotationChange(th: number, gd: number, gs: number, dhd: number, dhs: number, shs: number): number {
  const cm = Math.cos(th) - 1;
  const sn = Math.sin(th);
  return cm * gd + sn * gs + 0.5 * (cm * cm * dhd + 2 * cm * sn * dhs + sn * sn * shs);
}

/**
 * Best θ on the grid thmax·k/ngrid, refined by a parabola through its neighbours; sets w.kbest
 * (0: no decrease) and w.qbest, returns θ.
 */
function bestAngle(
  thmax: number,
  ngrid: number,
  gd: number,
  gs: number,
  dhd: number,
  dhs: number,
  shs: number,
  w: RotationWork,
): number {
  let kbest = 0;
  let qbest = 0;
  let qprev = 0;
  let qnext = 0;
  const qs = new Float64Array(ngrid + 1);
  for (let k = 1; k <= ngrid; k++) {
    qs[k] = rotationChange((thmax * k) / ngrid, gd, gs, dhd, dhs, shs);
    if (qs[k] < qbest) {
      qbest = qs[k];
      kbest = k;
    }
  }
  w.kbest = kbest;
  w.qbest = qbest;
  if (kbest === 0) return 0;
  let thbest = (thmax * kbest) / ngrid;
  if (kbest < ngrid) {
    qprev = qs[kbest - 1];
    qnext = qs[kbest + 1];
    const den = qprev - 2 * qbest + qnext;
    if (den > 0) {
      const th = ((kbest + (0.5 * (qprev - qnext)) / den) * thmax) / ngrid;
      const qt = rotationChange(th, gd, gs, dhd, dhs, shs);
      if (qt < qbest) {
        qbest = qt;
        thbest = th;
      }
    }
  }
  w.qbest = qbest;
  return thbest;
}

/** Smallest θ in (0, π/2] with a·cos θ + b·sin θ = c, given a < c < hypot(a, b); π/2 if none. */
function firstCrossing(a: number, b: number, c: number): number {
  const r = Math.hypot(a, b);
  const phi = Math.atan2(b, a);
  const w = Math.acos(Math.max(-1, Math.min(1, c / r)));
  let best = Math.PI / 2;
  for (const t0 of [phi - w, phi + w]) {
    let t = t0;
    while (t <= 0) t += 2 * Math.PI;
    while (t > 2 * Math.PI) t -= 2 * Math.PI;
    if (t < best) best = t;
  }
  return best;
}
