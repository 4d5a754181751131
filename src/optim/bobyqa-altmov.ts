import type { BobyqaModel } from "./bobyqa-model.js";

export interface GeometryStep {
  /** Best point found on the lines from xopt through the other interpolation points. */
  xnew: Float64Array;
  /** Constrained Cauchy-type point for the Lagrange function. */
  xalt: Float64Array;
  /** ℓ_knew(xalt)², a lower bound on the denominator σ that xalt would give (0 if unusable). */
  cauchy: number;
}

/**
 * Where to move interpolation point `knew` to improve the geometry (Powell 2009, section 5): a point
 * within `adelt` of xopt and inside the bounds at which |ℓ_knew| — hence the denominator
 * σ = αβ + τ² of the H update — is large. Two candidates: (1) the best point on the lines through
 * xopt and each other interpolation point (ℓ_knew is a known quadratic along them), scored by
 * τ²(τ² + ½α‖d‖⁴); (2) a step along ±∇ℓ_knew(xopt) that stops variables at their bounds.
 */
export function altmov(m: BobyqaModel, knew: number, adelt: number): GeometryStep {
  // The work is split into small functions so that V8 optimizes only the loops that run often:
  // one large function with rare branches costs far more to compile than it ever saves.
  const { n, npt, xopt } = m;
  // ℓ_knew: Hessian weights lam, gradient at xopt glag.
  const lam = new Float64Array(npt);
  m.omegaColumn(knew, lam);
  const glag = lagrangeGradient(m, knew, lam);
  const xnew = bestLinePoint(m, knew, adelt, glag, 0.5 * lam[knew]);

  // (2) Steps along ∓∇ℓ: of length adelt, with variables that would leave the box stopped at
  // their bound and the remaining length given to the others; then the best multiple in (0, 1].
  const xalt = Float64Array.from(xopt);
  const ws: StepWork = {
    u: new Float64Array(n),
    step: new Float64Array(n),
    free: new Uint8Array(n),
    atb: new Int8Array(n), // bound where the step stopped a variable
  };
  let cauchy = cauchyCandidate(m, glag, lam, adelt, 1, ws, xalt, 0);
  cauchy = cauchyCandidate(m, glag, lam, adelt, -1, ws, xalt, cauchy);
  if (!xnew.every(Number.isFinite)) xnew.set(xopt);
  if (!xalt.every(Number.isFinite) || !Number.isFinite(cauchy)) return { xnew, xalt: Float64Array.from(xopt), cauchy: 0 };
  return { xnew, xalt, cauchy };
}

/** ∇ℓ_knew(xopt) from bmat's row knew and the Hessian weights lam. */
function lagrangeGradient(m: BobyqaModel, knew: number, lam: Float64Array): Float64Array {
  const { n, npt, ndim, xpt, xopt, bmat } = m;
  const glag = new Float64Array(n);
  for (let j = 0; j < n; j++) glag[j] = bmat[knew + ndim * j];
  for (let k = 0; k < npt; k++) {
    let xo = 0;
    for (let j = 0; j < n; j++) xo += xpt[k + npt * j] * xopt[j];
    const t = lam[k] * xo;
    if (t === 0) continue;
    for (let j = 0; j < n; j++) glag[j] += t * xpt[k + npt * j];
  }
  return glag;
}

/** ℓ_knew at xopt + α(x_k − xopt): α·dd + α²(1 − dd) on the line to x_knew (own), else α·dd·(1 − α). */
function lineLagrange(own: boolean, dderiv: number, a: number): number {
  return own ? a * dderiv + a * a * (1 - dderiv) : dderiv * a * (1 - a);
}

/**
 * (1) Line searches. Along xopt + α(x_k − xopt): ℓ(0) = 0, ℓ(1) = δ_k,knew, so ℓ is
 * α·dd·(1 − α) for k ≠ knew and α·dd + α²(1 − dd) for k = knew, dd = ∇ℓ(xopt)·(x_k − xopt).
 * Returns the best point, scored by τ²(τ² + ½α‖d‖⁴) (ha = ½α).
 */
function bestLinePoint(m: BobyqaModel, knew: number, adelt: number, glag: Float64Array, ha: number): Float64Array {
  const { n, npt, xpt, xopt, sl, su, kopt } = m;
  let presq = -1;
  let ksav = -1;
  let stpsav = 0;
  let ibdsav = 0;
  for (let k = 0; k < npt; k++) {
    if (k === kopt) continue;
    let dderiv = 0;
    let distsq = 0;
    for (let j = 0; j < n; j++) {
      const t = xpt[k + npt * j] - xopt[j];
      dderiv += glag[j] * t;
      distsq += t * t;
    }
    if (distsq === 0) continue;
    let subd = adelt / Math.sqrt(distsq);
    let slbd = -subd;
    let ilbd = 0;
    let iubd = 0;
    const sumin = Math.min(1, subd);
    // Bounds on α; ±(j+1) records which bound stops each end.
    for (let j = 0; j < n; j++) {
      const t = xpt[k + npt * j] - xopt[j];
      if (t > 0) {
        if (slbd * t < sl[j] - xopt[j]) {
          slbd = (sl[j] - xopt[j]) / t;
          ilbd = -(j + 1);
        }
        if (subd * t > su[j] - xopt[j]) {
          subd = Math.max(sumin, (su[j] - xopt[j]) / t);
          iubd = j + 1;
        }
      } else if (t < 0) {
        if (slbd * t > su[j] - xopt[j]) {
          slbd = (su[j] - xopt[j]) / t;
          ilbd = j + 1;
        }
        if (subd * t < sl[j] - xopt[j]) {
          subd = Math.max(sumin, (sl[j] - xopt[j]) / t);
          iubd = -(j + 1);
        }
      }
    }
    const own = k === knew;
    let step = slbd;
    let isbd = ilbd;
    let vbest = Math.abs(lineLagrange(own, dderiv, slbd));
    const vup = Math.abs(lineLagrange(own, dderiv, subd));
    if (vup > vbest) {
      step = subd;
      isbd = iubd;
      vbest = vup;
    }
    // Interior stationary point of the quadratic.
    const curv = own ? 1 - dderiv : -dderiv;
    if (curv !== 0) {
      const a = own ? -dderiv / (2 * curv) : 0.5;
      if (a > slbd && a < subd) {
        const v = Math.abs(lineLagrange(own, dderiv, a));
        if (v > vbest) {
          step = a;
          isbd = 0;
          vbest = v;
        }
      }
    }
    const stpsq = step * step * distsq;
    const predsq = vbest * vbest * (vbest * vbest + ha * stpsq * stpsq);
    if (predsq > presq) {
      presq = predsq;
      ksav = k;
      stpsav = step;
      ibdsav = isbd;
    }
  }
  const xnew = Float64Array.from(xopt);
  if (ksav >= 0) {
    for (let j = 0; j < n; j++) {
      xnew[j] = Math.min(Math.max(xopt[j] + stpsav * (xpt[ksav + npt * j] - xopt[j]), sl[j]), su[j]);
    }
    if (ibdsav < 0) xnew[-ibdsav - 1] = sl[-ibdsav - 1];
    if (ibdsav > 0) xnew[ibdsav - 1] = su[ibdsav - 1];
  }
  return xnew;
}

interface StepWork {
  u: Float64Array;
  step: Float64Array;
  free: Uint8Array;
  atb: Int8Array;
}

/**
 * The step along −sign·∇ℓ and its best multiple; if ℓ² there beats `cauchy`, writes the point to
 * xalt and returns the new ℓ², else returns `cauchy`.
 */
function cauchyCandidate(
  m: BobyqaModel,
  glag: Float64Array,
  lam: Float64Array,
  adelt: number,
  sign: number,
  ws: StepWork,
  xalt: Float64Array,
  cauchy: number,
): number {
  const { n, xopt, sl, su } = m;
  const { step, atb } = ws;
  boundedStep(m, glag, adelt, sign, ws);
  let gw = 0;
  for (let j = 0; j < n; j++) gw += glag[j] * step[j];
  const curv = lagrangeCurvature(m, lam, step);
  // ℓ(xopt + t·step) = t·gw + ½t²·curv (ℓ(xopt) = 0 since knew ≠ kopt).
  let scale = 1;
  let val = gw + 0.5 * curv;
  if (curv !== 0) {
    const ts = -gw / curv;
    if (ts > 0 && ts < 1) {
      const v = 0.5 * ts * gw;
      if (Math.abs(v) > Math.abs(val)) {
        scale = ts;
        val = v;
      }
    }
  }
  if (val * val > cauchy) {
    cauchy = val * val;
    for (let j = 0; j < n; j++) {
      let x = xopt[j] + scale * step[j];
      x = Math.min(Math.max(x, sl[j]), su[j]);
      if (scale === 1 && atb[j] !== 0) x = atb[j] > 0 ? su[j] : sl[j];
      xalt[j] = x;
    }
  }
  return cauchy;
}

/** Fills ws.step: length adelt along −sign·glag, variables that would leave the box stopped at their bound (ws.atb). */
function boundedStep(m: BobyqaModel, glag: Float64Array, adelt: number, sign: number, ws: StepWork): void {
  const { n, xopt, sl, su } = m;
  const { u, step, free, atb } = ws;
  for (let j = 0; j < n; j++) {
    u[j] = -sign * glag[j];
    free[j] = (u[j] > 0 && xopt[j] < su[j]) || (u[j] < 0 && xopt[j] > sl[j]) ? 1 : 0;
    step[j] = 0;
    atb[j] = 0;
  }
  let remaining = adelt * adelt;
  for (let pass = 0; pass <= n; pass++) {
    let ggfree = 0;
    for (let j = 0; j < n; j++) if (free[j]) ggfree += u[j] * u[j];
    if (ggfree === 0 || remaining <= 0) break;
    const t = Math.sqrt(remaining / ggfree);
    let stopped = false;
    for (let j = 0; j < n; j++) {
      if (!free[j]) continue;
      const x = xopt[j] + t * u[j];
      if (x > su[j] || x < sl[j]) {
        atb[j] = x > su[j] ? 1 : -1;
        step[j] = (atb[j] > 0 ? su[j] : sl[j]) - xopt[j];
        remaining -= step[j] * step[j];
        free[j] = 0;
        stopped = true;
      }
    }
    if (!stopped) {
      for (let j = 0; j < n; j++) if (free[j]) step[j] = t * u[j];
      break;
    }
  }
}

/** stepᵀ∇²ℓ step = Σ_k lam_k ((x_k)ᵀstep)². */
function lagrangeCurvature(m: BobyqaModel, lam: Float64Array, step: Float64Array): number {
  const { n, npt, xpt } = m;
  let curv = 0;
  for (let k = 0; k < npt; k++) {
    if (lam[k] === 0) continue;
    let xs = 0;
    for (let j = 0; j < n; j++) xs += xpt[k + npt * j] * step[j];
    curv += lam[k] * xs * xs;
  }
  return curv;
}
