// The comparison rules of shared/conformance/run.mjs (CONTRACT.md), for use in tests without shared/.
import type { FitJSON } from "../../src/report/json.js";

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

/** Returns the list of failures (empty = pass), exactly as the conformance runner judges. */
export function compareFit(c: RefCase, out: FitJSON): string[] {
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
  for (const [term, est] of Object.entries(r.fixef as Record<string, number>)) {
    const f = fixed.get(rename(term));
    const se = r.se[term];
    if (!f) { fails.push(`fixef ${term}: missing`); continue; }
    if (!better) near(`fixef ${term}`, f.estimate, est, 0.02 * se + 1e-8);
    near(`se ${term}`, f.se, se, 0.02 * se);
  }
  const sigma = typeof r.sigma === "number" && c.family === "gaussian" ? r.sigma : 1;
  for (const v of r.varcorr) {
    if (v.group === "Residual") { near("sigma", out.sigma, v.sdcor, 1e-3 * v.sdcor); continue; }
    const got = out.varcorr.find((w) => groupKey(w.group) === groupKey(v.group) && clean(w.term1) === clean(v.var1) && clean(w.term2 ?? "") === clean(v.var2 ?? ""));
    const label = `varcorr ${v.group} ${v.var1}${v.var2 ? " x " + v.var2 : ""}`;
    if (!got) { fails.push(`${label}: missing`); continue; }
    if (better) continue;
    if (v.var2) near(label + " corr", got.corr, v.sdcor, 0.02);
    else near(label + " sd", got.sd, v.sdcor, Math.max(0.02 * v.sdcor, 1e-3 * sigma));
  }
  if (typeof r.nb_size === "number") near("nb_size", out.nb_size, r.nb_size, 0.02 * r.nb_size);
  if (r.singular === true && out.singular !== true) fails.push("singular: reference is singular, fit is not");
  return fails;
}
