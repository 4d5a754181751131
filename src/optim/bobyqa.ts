import { UserError } from "../errors.js";
import { altmov } from "./bobyqa-altmov.js";
import { buildInterpolation } from "./bobyqa-init.js";
import { BobyqaModel } from "./bobyqa-model.js";
import { trsbox } from "./bobyqa-trsbox.js";
import { BoundedProblem, EvalBudgetSpent } from "./problem.js";
import type { Objective, OptimResult } from "./types.js";

export type { OptimResult } from "./types.js";

/** Options of bobyqa: bounds, trust-region radii, evaluation budget. */
export interface BobyqaOptions {
  /** Lower bounds (length n, or length 1 for all); −Infinity allowed. Default −Infinity. */
  lower?: Float64Array | number[];
  /** Upper bounds (length n, or length 1 for all); +Infinity allowed. Default +Infinity. */
  upper?: Float64Array | number[];
  /**
   * Initial trust-region radius. Default as R's minqa::bobyqa (what lme4's glmer uses):
   * min(0.95, 0.2·max|x0|), or 0.2 when x0 = 0. Always reduced to half the narrowest bound range.
   */
  rhobeg?: number;
  /** Final trust-region radius (≈ the accuracy in x). Default 1e-6·rhobeg (minqa); 2e-7 for θ0 = 1. */
  rhoend?: number;
  /** Evaluation budget. Default 10000; when spent, converged = false. */
  maxfun?: number;
  /** Interpolation points, in [n+2, (n+1)(n+2)/2]. Default 2n+1 (Powell, NLopt). */
  npt?: number;
  /**
   * Optional extra stop, as NLopt's ftol_abs (lme4's lmer default nloptwrap uses 1e-8): stop when a
   * new best point improves f by less than ftolAbs. Default 0 (off: stop only at rhoend, as Powell).
   */
  ftolAbs?: number;
}

/**
 * Powell's BOBYQA: minimizes f(x) subject to lower ≤ x ≤ upper without derivatives, by a trust
 * region method on quadratic models that interpolate f at npt points, each model update being the
 * least change (Frobenius norm of the Hessian change) that interpolates the new point
 * (M.J.D. Powell, "The BOBYQA algorithm for bound constrained optimization without derivatives",
 * DAMTP 2009/NA06). Written from the paper; see bobyqa-*.ts for the pieces.
 *
 * Differences from Powell's Fortran, chosen for robustness inside model fitting:
 * - x0 outside the bounds is moved onto them; as in Powell, a coordinate within rhobeg of a bound
 *   is moved onto that bound or rhobeg away from it so the first points are feasible.
 * - rhobeg larger than half the narrowest range is reduced (Powell stops with an error);
 *   coordinates with lower == upper are held fixed.
 * - f = NaN/±Inf is replaced by a value above the worst finite value seen (max + spread), so the
 *   model steers away from that region and the run still ends.
 * - RESCUE (when rounding makes the H-update denominators useless) rebuilds the interpolation
 *   set around the best point with the current rho (npt − 1 new evaluations) instead of Powell's
 *   in-place repair; a model that overflowed is rebuilt the same way. A trust-region step that
 *   fails to reduce the model counts as a bad step (radius shrinks) instead of ending the run.
 *
 * Defaults: rhobeg/rhoend as R's minqa (Powell: rhobeg about a tenth of the expected change,
 * rhoend the wanted accuracy in x). For lme4's θ start (1 on the diagonal) that is rhobeg = 0.2,
 * rhoend = 2e-7, the values glmer's stages use. lmer's default (NLopt BOBYQA with ftol_abs = 1e-8)
 * stops earlier; pass ftolAbs: 1e-8 for that behaviour. minqa's own default npt is min(2n, n+2);
 * pass it explicitly to mimic glmer's minqa runs step for step.
 */
export function bobyqa(f: Objective, x0: ArrayLike<number>, options: BobyqaOptions = {}): OptimResult {
  const maxfun = options.maxfun ?? 10000;
  const prob = new BoundedProblem(f, x0, options.lower, options.upper, maxfun, "bobyqa");
  const n = prob.n;
  const penalty = (): number => {
    if (prob.fmaxFinite === -Infinity) return Infinity; // filled in once a finite value exists
    const hi = prob.fmaxFinite;
    return hi + Math.max(hi - prob.fminFinite, 1e-3 * (1 + Math.abs(hi)));
  };
  if (n === 0) {
    try {
      prob.evaluate(new Float64Array(0), penalty);
    } catch (e) {
      if (!(e instanceof EvalBudgetSpent)) throw e;
    }
    return prob.result(true, "no free parameters");
  }
  const npt = options.npt ?? 2 * n + 1;
  if (!Number.isInteger(npt) || npt < n + 2 || npt > ((n + 1) * (n + 2)) / 2) {
    throw new UserError(`bobyqa: npt must be an integer in [${n + 2}, ${((n + 1) * (n + 2)) / 2}], got ${npt}`);
  }
  const { lower, upper } = prob;
  let maxAbs = 0;
  for (let j = 0; j < n; j++) maxAbs = Math.max(maxAbs, Math.abs(prob.x0[j]));
  let rhobeg = options.rhobeg ?? (maxAbs > 0 ? Math.min(0.95, 0.2 * maxAbs) : 0.2);
  if (!(rhobeg > 0) || !Number.isFinite(rhobeg)) throw new UserError(`bobyqa: rhobeg must be positive, got ${rhobeg}`);
  let minRange = Infinity;
  for (let j = 0; j < n; j++) minRange = Math.min(minRange, upper[j] - lower[j]);
  if (rhobeg > 0.5 * minRange) rhobeg = 0.5 * minRange;
  let rhoend = options.rhoend ?? 1e-6 * rhobeg;
  if (!(rhoend > 0)) throw new UserError(`bobyqa: rhoend must be positive, got ${rhoend}`);
  if (rhoend > rhobeg) rhoend = rhobeg;

  // Powell's start: each coordinate on a bound or at least rhobeg inside it.
  // The relative bounds are set exactly (0 or ∓rhobeg) so that first steps land exactly on bounds.
  const xs = Float64Array.from(prob.x0);
  const sl = new Float64Array(n);
  const su = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const range = upper[j] - lower[j];
    sl[j] = lower[j] - xs[j];
    su[j] = upper[j] - xs[j];
    if (sl[j] >= -rhobeg) {
      if (sl[j] >= 0) {
        xs[j] = lower[j];
        sl[j] = 0;
        su[j] = range;
      } else {
        xs[j] = lower[j] + rhobeg;
        sl[j] = -rhobeg;
        su[j] = Math.max(upper[j] - xs[j], rhobeg);
      }
    } else if (su[j] <= rhobeg) {
      if (su[j] <= 0) {
        xs[j] = upper[j];
        sl[j] = -range;
        su[j] = 0;
      } else {
        xs[j] = upper[j] - rhobeg;
        sl[j] = Math.min(lower[j] - xs[j], -rhobeg);
        su[j] = rhobeg;
      }
    }
  }
  const m = new BobyqaModel(n, npt, xs, lower, upper);
  m.sl.set(sl);
  m.su.set(su);
  const evalRel = (xrel: Float64Array): number => prob.evaluate(m.absolute(xrel, lower, upper), penalty);

  try {
    return iterate(m, prob, evalRel, penalty, rhobeg, rhoend, options.ftolAbs ?? 0);
  } catch (e) {
    if (e instanceof EvalBudgetSpent) {
      return prob.result(false, `maximum number of function evaluations (${maxfun}) reached`);
    }
    throw e;
  }
}

type State = "trust" | "geometry" | "shrink" | "evaluate";

function modelFinite(m: BobyqaModel): boolean {
  const all = (a: Float64Array): boolean => {
    for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
    return true;
  };
  return all(m.gopt) && all(m.hq) && all(m.pq) && all(m.bmat) && all(m.zmat);
}

function iterate(
  m: BobyqaModel,
  prob: BoundedProblem,
  evalRel: (x: Float64Array) => number,
  penalty: () => number,
  rhobeg: number,
  rhoend: number,
  ftolAbs: number,
): OptimResult {
  const { n, npt } = m;
  if (!buildInterpolation(m, rhobeg, undefined, evalRel, penalty)) {
    return prob.result(false, "objective was not finite at any initial point");
  }
  let rho = rhobeg;
  let delta = rho;
  let ntrits = 0; // trust-region steps since the last rho change; 0 = geometry step; −1 = step too short
  let nfsav = prob.nf;
  let nresc = prob.nf;
  let diffa = 0;
  let diffb = 0;
  let diffc = 0;
  let ratio = 1;
  let dnorm = 0;
  let itest = 0;
  let knew = -1;
  let adelt = 0;
  let dsq = 0;
  let distsq = 0;
  let d: Float64Array = new Float64Array(n);
  let xnew: Float64Array = new Float64Array(n);
  let gnew: Float64Array = new Float64Array(n);
  let crvmin = -1;
  const vlag = new Float64Array(npt + n);
  const hd = new Float64Array(n);
  const glsq = new Float64Array(n);
  const lam = new Float64Array(npt);
  let state: State = "trust";

  // Rebuild the interpolation set around the best point (our RESCUE). False if that cannot help.
  const rescue = (center: Float64Array, fcenter: number): boolean => {
    if (prob.nf <= nresc) return false;
    const abs = m.absolute(center, prob.lower, prob.upper);
    for (let j = 0; j < n; j++) {
      m.xbase[j] = abs[j];
      m.sl[j] = prob.lower[j] - abs[j];
      m.su[j] = prob.upper[j] - abs[j];
      if (abs[j] === prob.lower[j]) m.sl[j] = 0;
      if (abs[j] === prob.upper[j]) m.su[j] = 0;
    }
    buildInterpolation(m, rho, fcenter, evalRel, penalty);
    nresc = prob.nf;
    nfsav = prob.nf;
    delta = Math.max(delta, rho);
    ntrits = 0;
    diffa = diffb = diffc = 0;
    itest = 0;
    return true;
  };
  const stalled = (): OptimResult =>
    prob.result(false, "rounding errors prevent further progress (interpolation denominators too small)");

  for (;;) {
    if (state === "trust") {
      if (!modelFinite(m)) {
        // Overflow in the model (e.g. f values of 1e150): start the model afresh, or give up.
        if (!rescue(m.xopt, m.fval[m.kopt])) return prob.result(false, "numerical overflow in the quadratic model");
        continue;
      }
      const st = trsbox(m, delta);
      d = st.d;
      xnew = st.xnew;
      gnew = st.gnew;
      crvmin = st.crvmin;
      dsq = st.dsq;
      dnorm = Math.min(delta, Math.sqrt(dsq));
      if (dnorm < 0.5 * rho) {
        // Too short to be worth an evaluation: fix the geometry or reduce rho.
        ntrits = -1;
        distsq = 100 * rho * rho;
        if (prob.nf <= nfsav + 2) {
          state = "geometry";
          continue;
        }
        const errbig = Math.max(diffa, diffb, diffc);
        const frhosq = 0.125 * rho * rho;
        if (crvmin > 0 && errbig > frhosq * crvmin) {
          state = "geometry";
          continue;
        }
        const bdtol = errbig / rho;
        state = "shrink";
        for (let j = 0; j < n; j++) {
          let bdtest = bdtol;
          if (xnew[j] === m.sl[j]) bdtest = gnew[j];
          if (xnew[j] === m.su[j]) bdtest = -gnew[j];
          if (bdtest < bdtol) {
            bdtest += 0.5 * m.hessDiag(j) * rho;
            if (bdtest < bdtol) {
              state = "geometry";
              break;
            }
          }
        }
        continue;
      }
      ntrits++;
      state = "evaluate";
      continue;
    }

    if (state === "geometry") {
      // Replace the interpolation point farthest from xopt if it is farther than sqrt(distsq).
      knew = -1;
      for (let k = 0; k < npt; k++) {
        const s = m.distSqToOpt(k);
        if (s > distsq) {
          knew = k;
          distsq = s;
        }
      }
      if (knew >= 0) {
        const dist = Math.sqrt(distsq);
        if (ntrits === -1) {
          delta = Math.min(0.1 * delta, 0.5 * dist);
          if (delta <= 1.5 * rho) delta = rho;
        }
        ntrits = 0;
        adelt = Math.max(Math.min(0.1 * dist, delta), rho);
        dsq = adelt * adelt;
        state = "evaluate";
        continue;
      }
      if (ntrits === -1) state = "shrink";
      else if (ratio > 0 || Math.max(delta, dnorm) > rho) state = "trust";
      else state = "shrink";
      continue;
    }

    if (state === "shrink") {
      if (rho > rhoend) {
        delta = 0.5 * rho;
        const r = rho / rhoend;
        rho = r <= 16 ? rhoend : r <= 250 ? Math.sqrt(r) * rhoend : 0.1 * rho;
        delta = Math.max(delta, rho);
        ratio = r; // any positive value: "last step was not a failure"
        ntrits = 0;
        nfsav = prob.nf;
        state = "trust";
        continue;
      }
      // Done; try the last short trust-region step, which was never evaluated.
      if (ntrits === -1 && dsq > 0 && prob.nf < prob.maxfun) evalRel(Float64Array.from(xnew));
      return prob.result(true, "converged: trust region radius reached rhoend");
    }

    // state === "evaluate": xnew from the trust region step, or from a geometry step for point knew.
    if (dsq <= 1e-3 * m.xoptSq()) {
      const s = Float64Array.from(m.xopt);
      m.shiftBase();
      for (let j = 0; j < n; j++) xnew[j] -= s[j];
    }
    let cauchy = 0;
    let xalt: Float64Array | null = null;
    if (ntrits === 0) {
      const g = altmov(m, knew, adelt);
      xnew = g.xnew;
      xalt = g.xalt;
      cauchy = g.cauchy;
    }
    d = new Float64Array(n);
    for (let j = 0; j < n; j++) d[j] = xnew[j] - m.xopt[j];
    let beta = m.lagrangeAt(d, vlag);
    let denom: number;
    if (ntrits === 0) {
      const alpha = m.omegaDiag(knew);
      denom = vlag[knew] * vlag[knew] + alpha * beta;
      if (denom < cauchy && cauchy > 0 && xalt) {
        xnew = xalt;
        for (let j = 0; j < n; j++) d[j] = xnew[j] - m.xopt[j];
        beta = m.lagrangeAt(d, vlag);
        denom = vlag[knew] * vlag[knew] + alpha * beta;
      }
      if (!(denom > 0.5 * vlag[knew] * vlag[knew])) {
        if (!rescue(m.xopt, m.fval[m.kopt])) return stalled();
        state = "trust";
        continue;
      }
    } else {
      // Which point to drop: largest σ_k, weighted up for points far from xopt.
      const delsq = delta * delta;
      let scaden = 0;
      let biglsq = 0;
      knew = -1;
      denom = 0;
      for (let k = 0; k < npt; k++) {
        if (k === m.kopt) continue;
        const den = beta * m.omegaDiag(k) + vlag[k] * vlag[k];
        const ds = m.distSqToOpt(k) / delsq;
        const w = Math.max(1, ds * ds);
        if (w * den > scaden) {
          scaden = w * den;
          knew = k;
          denom = den;
        }
        biglsq = Math.max(biglsq, w * vlag[k] * vlag[k]);
      }
      if (knew < 0 || scaden <= 0.5 * biglsq) {
        if (!rescue(m.xopt, m.fval[m.kopt])) return stalled();
        state = "trust";
        continue;
      }
    }

    const fnew = evalRel(Float64Array.from(xnew));
    const kold = m.kopt;
    const fopt = m.fval[kold];
    m.hessVec(d, hd);
    let vquad = 0;
    for (let j = 0; j < n; j++) vquad += d[j] * (m.gopt[j] + 0.5 * hd[j]);
    const diff = fnew - fopt - vquad;
    diffc = diffb;
    diffb = diffa;
    diffa = Math.abs(diff);
    if (dnorm > rho) nfsav = prob.nf;
    if (ntrits > 0) {
      ratio = vquad < 0 ? (fnew - fopt) / vquad : -1;
      if (ratio <= 0.1) delta = Math.min(0.5 * delta, dnorm);
      else if (ratio <= 0.7) delta = Math.max(0.5 * delta, dnorm);
      else delta = Math.max(0.5 * delta, 2 * dnorm);
      if (delta <= 1.5 * rho) delta = rho;
      if (fnew < fopt) {
        // The new point will be xopt: weigh distances from it instead.
        const delsq = delta * delta;
        let scaden = 0;
        let biglsq = 0;
        let kbest = -1;
        let dbest = 0;
        for (let k = 0; k < npt; k++) {
          const den = beta * m.omegaDiag(k) + vlag[k] * vlag[k];
          let dist2 = 0;
          for (let j = 0; j < n; j++) {
            const t = m.xpt[k + npt * j] - xnew[j];
            dist2 += t * t;
          }
          const w = Math.max(1, (dist2 / delsq) ** 2);
          if (w * den > scaden) {
            scaden = w * den;
            kbest = k;
            dbest = den;
          }
          biglsq = Math.max(biglsq, w * vlag[k] * vlag[k]);
        }
        if (kbest >= 0 && scaden > 0.5 * biglsq) {
          knew = kbest;
          denom = dbest;
        }
      }
    }
    if (!(denom > 0)) {
      if (fnew < fopt ? !rescue(xnew, fnew) : !rescue(m.xopt, fopt)) return stalled();
      state = "trust";
      continue;
    }

    m.updateH(knew, vlag, beta, denom);
    m.updateModel(knew, xnew, diff);
    m.fval[knew] = fnew;
    if (fnew < fopt) {
      m.kopt = knew;
      for (let j = 0; j < n; j++) m.xopt[j] = xnew[j];
      m.hessVec(d, hd);
      for (let j = 0; j < n; j++) m.gopt[j] += hd[j];
      if (fopt - fnew < ftolAbs) return prob.result(true, "converged: decrease of f below ftolAbs");
    }

    if (ntrits > 0) {
      // Switch to the least-Frobenius-norm model when its gradient stays much smaller (Powell).
      m.leastNormModel(glsq, lam);
      let gqsq = 0;
      let gisq = 0;
      for (let j = 0; j < n; j++) {
        const g1 = m.gopt[j];
        const g2 = glsq[j];
        if (m.xopt[j] <= m.sl[j]) {
          gqsq += Math.min(0, g1) ** 2;
          gisq += Math.min(0, g2) ** 2;
        } else if (m.xopt[j] >= m.su[j]) {
          gqsq += Math.max(0, g1) ** 2;
          gisq += Math.max(0, g2) ** 2;
        } else {
          gqsq += g1 * g1;
          gisq += g2 * g2;
        }
      }
      itest++;
      if (gqsq < 10 * gisq) itest = 0;
      if (itest >= 3) {
        m.gopt.set(glsq);
        m.pq.set(lam);
        m.hq.fill(0);
        itest = 0;
      }
    }

    if (ntrits === 0 || fnew <= fopt + 0.1 * vquad) {
      state = "trust";
      continue;
    }
    distsq = Math.max(4 * delta * delta, 100 * rho * rho);
    state = "geometry";
  }
}
