// lme4's naming of random-effect groups in VarCorr/ranef: a grouping factor that appears in more
// than one term (as `(x || g)` makes) gets ".1", ".2", ... on its later terms.
import { type SysTerm, formulaOrder } from "../lmm/reterms.js";

/** Display name per system term index, in formula order of the terms. */
export function groupDisplayNames(terms: readonly SysTerm[]): Map<number, string> {
  const order = formulaOrder(terms);
  const seen = new Map<string, number>();
  const out = new Map<number, string>();
  for (const i of order) {
    const g = terms[i].term.group;
    const k = seen.get(g) ?? 0;
    out.set(i, k === 0 ? g : `${g}.${k}`);
    seen.set(g, k + 1);
  }
  return out;
}

/** Number of levels per distinct grouping factor (lme4's ngrps). */
export function ngrps(terms: readonly SysTerm[]): Record<string, number> {
  const out: Record<string, number> = Object.create(null); // keyed by user column names
  const sorted = formulaOrder(terms).map((i) => terms[i]);
  for (const t of sorted) out[t.term.group] = t.nl;
  return out;
}
