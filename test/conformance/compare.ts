// The comparison rules of shared/conformance/run.mjs (CONTRACT.md), for use in tests without shared/.
import type { FitJSON } from "../../src/report/json.js";
import { glmmEngine, setFittedExtra, type ModelFit } from "../../src/inference/model.js";

export interface RefCase {
  id: string;
  data: string;
  formula: string;
  family: string;
  engine: string;
  options: Record<string, any>;
  reference: Record<string, any>;
}

const clean = (s: unknown) => String(s).replace(/\s+/g, "");
const groupKey = (g: string) => clean(g).split(":").sort().join(":");

function nameMap(c: RefCase): (n: string) => string {
  const m = new Map<string, string>();
  const pf: string = c.options?.project_formula || "";
  for (const [, fn, x, g] of pf.matchAll(/(within|between)\((\w+),\s*(\w+)\)/g)) m.set(`${x}_${fn}`, clean(`${fn}(${x},${g})`));
  return (n) => m.get(clean(n)) || clean(n);
}

/**
 * Evidence for a fit whose logLik beats the reference's: our own objective evaluated at the
 * reference's parameters (null when it cannot be evaluated).
 */
export type ObjectiveAtReference = () => { atReference: number; atOurs: number } | null;

/**
 * Returns the list of failures (empty = pass). Every estimate is compared, always. When our logLik
 * beats the reference by more than 1e-3, the estimates may differ legitimately — but only if
 * `objectiveAt` proves it: our log-likelihood at the reference's parameters must reproduce the
 * reference's logLik (same function) and lie below ours (a better optimum); otherwise the
 * differences are failures like any other.
 */
export function compareFit(c: RefCase, out: FitJSON, objectiveAt?: ObjectiveAtReference): string[] {
  const r = c.reference;
  const fails: string[] = [];
  const near = (what: string, got: unknown, want: number, tol: number) => {
    if (typeof got !== "number" || !Number.isFinite(got)) { fails.push(`${what}: missing (want ${want})`); return; }
    if (Math.abs(got - want) > tol) fails.push(`${what}: got ${got.toPrecision(7)} want ${want.toPrecision(7)} (tol ${tol.toPrecision(2)})`);
  };
  const rename = nameMap(c);
  const fixed = new Map(out.fixef.map((f) => [clean(f.term), f]));
  let better = false;
  if (typeof r.logLik === "number") {
    if (out.logLik < r.logLik - 1e-3) fails.push(`logLik: got ${out.logLik} want ${r.logLik} (lower)`);
    else if (out.logLik > r.logLik + 1e-3) better = true;
  }
  const estimateFails: string[] = [];
  const nearEst = (what: string, got: unknown, want: number, tol: number) => {
    const before = fails.length;
    near(what, got, want, tol);
    estimateFails.push(...fails.splice(before));
  };
  for (const [term, est] of Object.entries(r.fixef as Record<string, number>)) {
    const f = fixed.get(rename(term));
    const se = r.se[term];
    if (!f) { fails.push(`fixef ${term}: missing`); continue; }
    nearEst(`fixef ${term}`, f.estimate, est, 0.02 * se + 1e-8);
    near(`se ${term}`, f.se, se, 0.02 * se);
  }
  const sigma = typeof r.sigma === "number" && c.family === "gaussian" ? r.sigma : 1;
  for (const v of r.varcorr) {
    if (v.group === "Residual") { near("sigma", out.sigma, v.sdcor, 1e-3 * v.sdcor); continue; }
    const got = out.varcorr.find((w) => groupKey(w.group) === groupKey(v.group) && clean(w.term1) === clean(v.var1) && clean(w.term2 ?? "") === clean(v.var2 ?? ""));
    const label = `varcorr ${v.group} ${v.var1}${v.var2 ? " x " + v.var2 : ""}`;
    if (!got) { fails.push(`${label}: missing`); continue; }
    if (v.var2) nearEst(label + " corr", got.corr, v.sdcor, 0.02);
    else nearEst(label + " sd", got.sd, v.sdcor, Math.max(0.02 * v.sdcor, 1e-3 * sigma));
  }
  if (better && estimateFails.length > 0) {
    // a better optimum explains different estimates only if our objective confirms both values
    const ev = objectiveAt?.() ?? null;
    if (ev === null) fails.push(`logLik ${out.logLik} beats the reference ${r.logLik}, unproven (no objective at the reference's parameters); ${estimateFails.join("; ")}`);
    else if (!(Math.abs(ev.atReference - r.logLik) <= 1e-3 && Math.abs(ev.atOurs - out.logLik) <= 1e-6 * Math.max(1, Math.abs(out.logLik)) && ev.atReference < ev.atOurs - 1e-3))
      fails.push(`logLik ${out.logLik} beats the reference ${r.logLik}, but our objective gives ${ev.atOurs} at our parameters and ${ev.atReference} at the reference's; ${estimateFails.join("; ")}`);
  } else fails.push(...estimateFails);
  if (typeof r.nb_size === "number") near("nb_size", out.nb_size, r.nb_size, 0.02 * r.nb_size);
  if (r.singular === true && out.singular !== true) fails.push("singular: reference is singular, fit is not");
  return fails;
}

/**
 * Our log-likelihood at the reference's parameters of a GLMM (and at ours): θ from the reference's SDs and
 * correlations (the Cholesky factor of each term's covariance), β by name, the NB size or the
 * dispersion as reported. null for LMMs and for terms the reference does not describe.
 */
export function glmmLogLikAtReference(c: RefCase, m: ModelFit): { atReference: number; atOurs: number } | null {
  if (m.fit.kind !== "glmm") return null;
  const f = m.fit;
  const r = c.reference;
  const engine = glmmEngine(m);
  if (f.nbSize !== null && typeof r.nb_size === "number") engine.state.family = engine.family.withSize!(r.nb_size);
  else setFittedExtra(engine, f);
  const rename = nameMap(c);
  const beta = new Float64Array(f.beta.length);
  for (let j = 0; j < beta.length; j++) {
    const key = Object.keys(r.fixef).find((k) => rename(k) === clean(f.xnames[j]));
    if (key === undefined) return null;
    beta[j] = r.fixef[key];
  }
  const theta = new Float64Array(f.theta.length);
  for (const t of f.terms) {
    const cn = t.term.cnames, s = t.s;
    const entry = (a: string, b?: string) => r.varcorr.find((v: any) => groupKey(v.group) === groupKey(t.term.group) && clean(v.var1) === clean(a) && clean(v.var2 ?? "") === clean(b ?? ""));
    const S = new Float64Array(s * s);
    for (let a = 0; a < s; a++) {
      const sd = entry(cn[a])?.sdcor;
      if (typeof sd !== "number") return null;
      S[a + a * s] = sd * sd;
    }
    for (let a = 0; a < s; a++) for (let b = 0; b < a; b++) {
      const rho = entry(cn[b], cn[a])?.sdcor ?? entry(cn[a], cn[b])?.sdcor ?? 0;
      S[a + b * s] = S[b + a * s] = rho * Math.sqrt(S[a + a * s] * S[b + b * s]);
    }
    // lower Cholesky factor, column-major lower triangle = θ's order
    const L = new Float64Array(s * s);
    for (let j = 0; j < s; j++) {
      let d = S[j + j * s];
      for (let k = 0; k < j; k++) d -= L[j + k * s] ** 2;
      L[j + j * s] = Math.sqrt(Math.max(d, 0));
      for (let i = j + 1; i < s; i++) {
        let v = S[i + j * s];
        for (let k = 0; k < j; k++) v -= L[i + k * s] * L[j + k * s];
        L[i + j * s] = L[j + j * s] > 0 ? v / L[j + j * s] : 0;
      }
    }
    let k = t.thetaOffset;
    for (let j = 0; j < s; j++) for (let i = j; i < s; i++) theta[k++] = L[i + j * s];
  }
  const atReference = -engine.deviance(theta, beta) / 2;
  if (f.nbSize !== null) engine.state.family = engine.family.withSize!(f.nbSize);
  const atOurs = -engine.deviance(f.theta, f.beta) / 2;
  return { atReference, atOurs };
}