// Profile-likelihood confidence intervals, as lme4's confint(method = "profile"): every parameter —
// the random-effect standard deviations and correlations, σ, and each fixed effect — is held at a
// value while the likelihood is maximized over the others; the interval is where the signed square
// root of the deviance increase, ζ = sign(v − v̂)·√(D(v) − D̂), stays within ±qnorm((1 + level)/2).
// lme4 evaluates ζ on a grid and interpolates; here the limits are found directly by a safeguarded
// secant search on ζ, so they are exact up to the optimizer's tolerance.
//
// As in lme4, LMMs fitted by REML are profiled with the ML deviance (profile() refits by ML): for
// variance parameters β is profiled out of the ML deviance at each (σ_i, ρ, σ); for a fixed effect
// β_j its column moves into the offset and the ML deviance is minimized over θ (σ and the other β
// profiled out analytically). For GLMMs the Laplace (or AGQ) deviance is minimized over the other
// (sd, cor, β); a negative binomial size or a dispersion is held at its estimate (lme4's glmer.nb
// profiles with the size fixed as well). Zero-inflated, hurdle, dispersion-formula and NB1 models
// (glmmTMB's) profile every coordinate, their zi and dispersion coefficients included, with all
// the others re-optimized, as glmmTMB's tmbprofile.
import { UserError } from "../errors.js";
import type { ModelStructure } from "../formula/types.js";
import { qnorm } from "../families/special.js";
import type { FittedGLMM } from "../glmm/glmm.js";
import { LinearMixedModel, type FittedLMM } from "../lmm/lmm.js";
import { thetaLower } from "../lmm/reterms.js";
import { bobyqa } from "../optim/index.js";
import { glmmEngine, refitML, setFittedExtra, type ModelFit } from "./model.js";
import { thetaToVarPar, varParInfo, varParToTheta, type VarParInfo } from "./params.js";

/** One parameter's interval. */
export interface ConfintRow {
  readonly parameter: string;
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
}

/** Options of the likelihood-profile intervals (lme4's profile + confint): level and parameters. */
export interface ProfileConfintOptions {
  /** coverage (default 0.95) */
  readonly level?: number;
  /** parameter names to profile (default all) */
  readonly parm?: readonly string[];
  /** called after each limit (two per parameter) is found */
  readonly onProgress?: (done: number, total: number) => void;
  /** also evaluate ζ on a grid out to about 1.35 times each limit (for a profile plot) */
  readonly curve?: boolean;
}

/** one point of a profile: ζ, the signed root of the deviance increase, at a parameter value */
export interface ProfilePoint {
  readonly parameter: string;
  readonly value: number;
  readonly zeta: number;
}

/** Confidence intervals with their method and level. */
export interface ConfintResult {
  readonly method: "profile" | "Wald" | "boot";
  readonly level: number;
  readonly rows: ConfintRow[];
  readonly warnings: string[];
  /** profile: every point where ζ was evaluated, by parameter and value (as.data.frame(profile(fit))) */
  readonly points?: ProfilePoint[];
}

/** One parameter to profile: its estimate, range, a step scale, and D(v) minimized over the rest. */
interface Target {
  readonly name: string;
  readonly estimate: number;
  readonly lower: number;
  readonly upper: number;
  /** a rough standard error: the first step */
  readonly scale: number;
  /** the profiled deviance at v; `side` (−1/+1) selects the warm start to use and update */
  devAt(v: number, side: number): number;
}

/** Profile confidence intervals for an LMM or GLMM. */
export function profileConfint(m: ModelFit, options: ProfileConfintOptions = {}): ConfintResult {
  const level = options.level ?? 0.95;
  const z = qnorm((1 + level) / 2);
  const warnings: string[] = [];
  const { targets, base } = m.fit.kind === "lmm" ? lmmTargets(m, warnings) : glmmTargets(m);
  const want = options.parm ? new Set(options.parm) : null;
  if (want) {
    const known = new Set(targets.map((t) => t.name));
    for (const p of want) if (!known.has(p)) throw new UserError(`unknown parameter '${p}' (parameters: ${[...known].join(", ")})`);
  }
  const rows: ConfintRow[] = [];
  const points: ProfilePoint[] = [];
  const chosen = targets.filter((t) => !want || want.has(t.name));
  let done = 0;
  for (const t of chosen) {
    const mine: ProfilePoint[] = [{ parameter: t.name, value: t.estimate, zeta: 0 }];
    const record = (value: number, zeta: number) => mine.push({ parameter: t.name, value, zeta });
    const lim = [-1, +1].map((side) => {
      const v = limit(t, base, side, z, warnings, record);
      options.onProgress?.(++done, 2 * chosen.length);
      return v;
    });
    if (options.curve) {
      lim.forEach((l, k) => {
        const side = k === 0 ? -1 : 1;
        for (let i = 1; i <= 4; i++) {
          const v = t.estimate + (i / 4) * 1.35 * (l - t.estimate);
          if (!(v > t.lower && v < t.upper) || v === t.estimate) continue;
          const d = t.devAt(v, side);
          if (Number.isFinite(d)) record(v, side * Math.sqrt(Math.max(0, d - base)));
        }
      });
    }
    points.push(...mine.sort((a, b) => a.value - b.value));
    rows.push({ parameter: t.name, estimate: t.estimate, lower: lim[0], upper: lim[1] });
  }
  return { method: "profile", level, rows, warnings, points };
}

/**
 * Where ζ reaches side·z: a secant search on ζ(v) started from a step of one scale, kept inside
 * the bracket once one is found (falling back to bisection); the parameter's bound when ζ does not
 * get there before it.
 */
function limit(t: Target, base: number, side: number, z: number, warnings: string[], record: (value: number, zeta: number) => void): number {
  const target = z;
  const zeta = (v: number) => {
    const d = t.devAt(v, side);
    if (!Number.isFinite(d)) return NaN;
    const r = Math.sqrt(Math.max(0, d - base));
    record(v, side * r);
    return r;
  };
  const bound = side > 0 ? t.upper : t.lower;
  const est = t.estimate;
  // |ζ| as a function of the distance from the estimate, s ≥ 0
  const maxDist = Math.abs(bound - est);
  if (maxDist === 0) return bound;
  const at = (s: number) => zeta(est + side * s);
  let sLo = 0, zLo = 0; // ζ < target
  let sHi = NaN, zHi = NaN; // ζ > target
  let s = Math.min(t.scale, 0.5 * maxDist);
  let zs = at(s);
  let prevS = 0, prevZ = 0;
  for (let it = 0; it < 60; it++) {
    if (Number.isNaN(zs)) {
      // infeasible (e.g. a correlation matrix that is not positive definite): step back
      sHi = s; zHi = Infinity;
    } else if (zs < target) {
      sLo = s; zLo = zs;
    } else {
      sHi = s; zHi = zs;
    }
    if (Math.abs(zs - target) < 1e-5) return est + side * s;
    if (!Number.isNaN(sHi) && sHi - sLo < 1e-9 * Math.max(1, Math.abs(est), t.scale)) return est + side * 0.5 * (sLo + sHi);
    // next point: secant through the last two, kept in the bracket
    let next: number;
    if (!Number.isNaN(zs) && Number.isFinite(zs) && zs !== prevZ) next = s + ((target - zs) * (s - prevS)) / (zs - prevZ);
    else next = NaN;
    if (Number.isNaN(sHi)) {
      // no bracket yet: extrapolate, at least doubling
      if (!(next > s)) next = 2 * s;
      next = Math.min(Math.max(next, 1.2 * s), 4 * s + t.scale);
      if (next >= maxDist) {
        if (s >= maxDist) {
          return bound;
        }
        next = maxDist;
      }
    } else if (!(next > sLo && next < sHi) || !Number.isFinite(zHi)) {
      next = 0.5 * (sLo + sHi);
    } else {
      // keep away from the ends so the bracket shrinks on both sides
      const w = sHi - sLo;
      next = Math.min(Math.max(next, sLo + 0.02 * w), sHi - 0.02 * w);
    }
    prevS = s; prevZ = zs;
    if (Number.isNaN(zs)) { prevS = sLo; prevZ = zLo; }
    s = next;
    zs = at(s);
    if (s >= maxDist && !Number.isNaN(zs) && zs < target) return bound;
  }
  warnings.push(`the profile of ${t.name} did not locate its ${side < 0 ? "lower" : "upper"} limit precisely`);
  return est + side * (Number.isNaN(sHi) ? sLo : 0.5 * (sLo + sHi));
}

/** a bobyqa minimization over the free coordinates in units of their scales */
/**
 * A target's devAt for coordinate j of x0: the deviance with x_j = v and the other coordinates
 * re-optimized (within their bounds, on their scales), warm-started from the last point on the
 * same side of the estimate.
 */
function profileAt(j: number, x0: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>, scale: ArrayLike<number>, dev: (x: Float64Array) => number): Target["devAt"] {
  const warm = new Map<number, Float64Array>();
  const free = [...Array(x0.length).keys()].filter((i) => i !== j);
  const pick = (a: ArrayLike<number>) => Float64Array.from(free.map((i) => a[i]));
  return (v, side) => {
    const full = Float64Array.from(x0);
    full[j] = v;
    const f = (x: Float64Array) => {
      free.forEach((i, a) => (full[i] = x[a]));
      return dev(full);
    };
    const r = minimizeScaled(f, warm.get(side) ?? pick(x0), pick(lower), pick(upper), pick(scale));
    warm.set(side, r.x);
    return r.f;
  };
}

function minimizeScaled(f: (x: Float64Array) => number, x0: Float64Array, lower: Float64Array, upper: Float64Array, scale: Float64Array): { x: Float64Array; f: number } {
  const k = x0.length;
  if (k === 0) return { x: x0, f: f(x0) };
  const toX = (u: Float64Array) => {
    const x = new Float64Array(k);
    for (let i = 0; i < k; i++) x[i] = x0[i] + scale[i] * u[i];
    return x;
  };
  const lo = new Float64Array(k), hi = new Float64Array(k);
  for (let i = 0; i < k; i++) {
    lo[i] = Number.isFinite(lower[i]) ? (lower[i] - x0[i]) / scale[i] : -Infinity;
    hi[i] = Number.isFinite(upper[i]) ? (upper[i] - x0[i]) / scale[i] : Infinity;
  }
  const r = bobyqa((u) => f(toX(u)), new Float64Array(k), { lower: lo, upper: hi, rhobeg: 0.2, rhoend: 1e-7, maxfun: 5000 });
  return { x: toX(r.x), f: r.fval };
}

// ---------------------------------------------------------------- LMM

function lmmTargets(m0: ModelFit, warnings: string[]): { targets: Target[]; base: number } {
  const m = refitML(m0);
  if (m0.fit.kind === "lmm" && m0.fit.reml) warnings.push("profiled with the ML deviance (the REML fit was refitted by ML, as lme4's profile() does)");
  const fit = m.fit as FittedLMM;
  const ms = m.ms;
  const n = ms.n;
  const lmm = new LinearMixedModel(ms, { reml: false });
  const sys = lmm.system;
  const terms = lmm.terms;
  const info = varParInfo(terms, true);
  const np = info.length;
  const psi0 = thetaToVarPar(terms, info, fit.theta, fit.sigma);
  const LOG2PI = Math.log(2 * Math.PI);
  const dev2 = (psi: Float64Array): number => {
    const sigma = psi[np - 1];
    if (!(sigma > 0)) return Infinity;
    const th = varParToTheta(terms, info, psi, sigma);
    if (!th || !sys.updateL(th)) return Infinity;
    return sys.logdetZ() + sys.pwrss() / (sigma * sigma) + n * (LOG2PI + 2 * Math.log(sigma));
  };
  const base = dev2(psi0);
  const lowerPsi = info.map((p) => (p.kind === "cor" ? -1 : 0));
  const upperPsi = info.map((p) => (p.kind === "cor" ? 1 : Infinity));
  const scalePsi = info.map((p, i) => (p.kind === "cor" ? 0.2 : Math.max(0.15 * psi0[i], 0.05 * fit.sigma)));
  const targets: Target[] = [];
  info.forEach((p, j) => {
    targets.push({
      name: p.name, estimate: psi0[j], lower: lowerPsi[j], upper: upperPsi[j], scale: scaleOf(p, psi0[j], fit.sigma),
      devAt: profileAt(j, psi0, lowerPsi, upperPsi, scalePsi, dev2),
    });
  });
  // fixed effects: column j into the offset, ML deviance over θ
  const p = ms.p;
  const y0 = Float64Array.from(ms.response!.y);
  if (ms.offset) for (let i = 0; i < n; i++) y0[i] -= ms.offset[i];
  const lowerTheta = thetaLower(terms);
  for (let j = 0; j < p; j++) {
    const keep = [...Array(p).keys()].filter((k) => k !== j);
    const Xj = new Float64Array(n * (p - 1));
    keep.forEach((k, a) => Xj.set(ms.X.subarray(k * n, (k + 1) * n), a * n));
    const xj = ms.X.subarray(j * n, (j + 1) * n);
    const msj: ModelStructure = { ...ms, X: Xj, p: p - 1, xnames: keep.map((k) => ms.xnames[k]), offset: null };
    const lj = new LinearMixedModel(msj, { reml: false });
    const yj = new Float64Array(n);
    const warm = new Map<number, Float64Array>();
    const se = Math.sqrt(fit.vcov[j + j * p]);
    targets.push({
      name: ms.xnames[j], estimate: fit.beta[j], lower: -Infinity, upper: Infinity, scale: se,
      devAt(v, side) {
        for (let i = 0; i < n; i++) yj[i] = y0[i] - xj[i] * v;
        lj.system.accumulate(null, p > 1 ? Xj : null, yj);
        const start = warm.get(side) ?? Float64Array.from(fit.theta);
        const r = bobyqa((th) => lj.objective(th), start, { lower: lowerTheta, rhobeg: 0.05, rhoend: 1e-8, maxfun: 5000 });
        warm.set(side, r.x);
        return r.fval;
      },
    });
  }
  return { targets, base };
}

function scaleOf(p: VarParInfo, est: number, sigma: number): number {
  if (p.kind === "cor") return 0.2;
  return Math.max(0.2 * est, 0.02 * sigma);
}

// ---------------------------------------------------------------- GLMM

function glmmTargets(m: ModelFit): { targets: Target[]; base: number } {
  const fit = m.fit as FittedGLMM;
  const engine = glmmEngine(m);
  setFittedExtra(engine, fit);
  // the zero-inflation model's random effects: their θ follow the conditional terms', their
  // parameters are named zi.sd_…, zi.cor_…
  const ziTerms = engine.ziTerms;
  const terms = [...engine.terms, ...ziTerms];
  const nc = engine.terms.length;
  const infoC = varParInfo(engine.terms, false);
  const infoZ = ziTerms.length > 0 ? varParInfo(ziTerms, false).map((q) => ({ ...q, name: `zi.${q.name}`, term: q.term + nc })) : [];
  const info = [...infoC, ...infoZ];
  const nv = info.length;
  const p = fit.beta.length;
  const theta0 = Float64Array.from([...fit.theta, ...(fit.zi?.theta ?? [])]);
  // an extended family's own parameters (thresholds, φ, power) and the zero-inflation and
  // dispersion coefficients are profiled out with the others
  const ext = engine.state.ext;
  const side = ext ? Float64Array.from([...(fit.zi?.estimate ?? []), ...(fit.disp?.estimate ?? [])]) : null;
  if (side && side.length !== ext!.nPar) throw new Error("profile: the fit's zero-inflation and dispersion coefficients do not match the model");
  const ex = side ?? (fit.familyExtra && engine.family.extra ? fit.familyExtra : new Float64Array(0));
  const x0 = new Float64Array(nv + p + ex.length);
  x0.set(thetaToVarPar(terms, info, theta0, 1), 0);
  x0.set(fit.beta, nv);
  x0.set(ex, nv + p);
  const dev = (x: Float64Array): number => {
    const th = varParToTheta(terms, info, x.subarray(0, nv), 1);
    if (!th) return Infinity;
    if (ext) ext.setParams(x.subarray(nv + p));
    else if (ex.length > 0) engine.state.family = engine.family.extra!.with(x.subarray(nv + p));
    return engine.deviance(th, x.subarray(nv, nv + p));
  };
  const base = dev(x0);
  const K = nv + p + ex.length;
  const lower = new Float64Array(K).fill(-Infinity), upper = new Float64Array(K).fill(Infinity), scale = new Float64Array(K);
  info.forEach((q, i) => {
    lower[i] = q.kind === "cor" ? -1 : 0;
    upper[i] = q.kind === "cor" ? 1 : Infinity;
    scale[i] = q.kind === "cor" ? 0.2 : Math.max(0.2 * x0[i], 0.05);
  });
  for (let j = 0; j < p; j++) {
    const se = Math.sqrt(fit.vcov[j + j * p]);
    scale[nv + j] = Number.isFinite(se) && se > 0 ? se : 0.1 * Math.max(1, Math.abs(fit.beta[j]));
  }
  scale.fill(0.1, nv + p);
  const names = [...info.map((q) => q.name), ...fit.xnames];
  const targets: Target[] = names.map((name, j) => ({
    name, estimate: x0[j], lower: lower[j], upper: upper[j], scale: scale[j],
    devAt: profileAt(j, x0, lower, upper, scale, dev),
  }));
  if (ext) {
    // the side coefficients (named as the Wald intervals: zi.NAME, and disp.NAME with a --disp
    // formula), on their SEs, within the fit's box (±20 logit, ±30 log)
    const parts = [["zi", fit.zi, 20], ["disp", fit.disp, 30]] as const;
    let k = nv + p;
    for (const [prefix, part, box] of parts) {
      if (!part) continue;
      part.rows.forEach((r, a) => {
        const j = k + a;
        lower[j] = -box; upper[j] = box;
        scale[j] = Number.isFinite(r.se) && r.se > 0 ? r.se : 0.5;
      });
      const named = prefix === "zi" || m.options.disp !== undefined;
      if (named) part.rows.forEach((r, a) => targets.push({ name: `${prefix}.${r.term}`, estimate: x0[k + a], lower: lower[k + a], upper: upper[k + a], scale: scale[k + a], devAt: profileAt(k + a, x0, lower, upper, scale, dev) }));
      k += part.rows.length;
    }
    // (the zi random-effect parameters after the side coefficients, as the bootstrap lists them)
    const zi = targets.splice(infoC.length, infoZ.length);
    targets.push(...zi);
  }
  return { targets, base };
}
