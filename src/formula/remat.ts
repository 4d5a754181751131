import type { ReTerm } from "./types.js";
import { deparse } from "./ast.js";
import { factorFromNumbers } from "../data/factor.js";
import { evalGroup, type EvalContext } from "./evaluate.js";
import { designMatrix, type UsedValue } from "./modelmatrix.js";
import { formulaError } from "./tokenize.js";
import { UserError } from "../errors.js";
import { expandTerms, groupSpecs, type Bar, type GroupSpec, type TermSet } from "./terms.js";

// Random-effect terms in MixedModels.jl's ReMat form: a level index per row and the per-row model
// matrix of the term's left side. `(x || g)` is split as lme4's expandDoubleVerts() does (an
// intercept term plus one `0 + term` per term of the left side); `a/b` as lme4's expandSlash()
// (`b:a` then `a`). glmmTMB's wrappers `diag(x | g)`, `cs(x | g)`, `ar1(t + 0 | g)` give one term
// with that covariance structure (`diag` is `||` kept as a single term).

export interface PreparedBar {
  readonly bar: Bar;
  readonly lhs: TermSet;
  readonly groups: readonly GroupSpec[];
}

export function prepareBar(bar: Bar, text: string): PreparedBar {
  const lhs = expandTerms(bar.lhs, text);
  if (lhs.offsets.length > 0) throw formulaError(text, bar.lhs.pos, "offset() cannot be part of a random-effect term");
  return { bar, lhs, groups: groupSpecs(bar.group, text) };
}

/** The term sets a bar stands for: itself, or for `||` one per term (and the intercept). */
function pieces(p: PreparedBar): TermSet[] {
  if (!p.bar.double) return [p.lhs];
  const out: TermSet[] = [];
  if (p.lhs.intercept) out.push({ ...p.lhs, terms: [], intercept: true });
  for (const t of p.lhs.terms) out.push({ ...p.lhs, terms: [t], intercept: false });
  return out;
}

/**
 * ar1() runs over the levels of a time factor, in level order: a numeric time variable is taken
 * as factor(time) (glmmTMB wants factor(time) written out; the meaning is the same). An intercept
 * would make the columns something other than one per time point, so it is refused.
 */
function ar1Values(p: PreparedBar, values: UsedValue[], ctx: EvalContext): UsedValue[] {
  const where = `ar1(${deparse(p.bar.lhs)} | ${deparse(p.bar.group)})`;
  if (p.lhs.intercept || p.lhs.terms.length !== 1 || p.lhs.terms[0].length !== 1) {
    throw formulaError(ctx.text, p.bar.pos, `${where} needs one time variable and no intercept, as in ar1(time + 0 | g)`);
  }
  return values.map((v) => (v.kind === "numeric" ? { kind: "factor", factor: factorFromNumbers(v.values, null) } : v));
}

export function buildReTerms(
  bars: readonly PreparedBar[],
  ctx: EvalContext,
  valueOf: (e: TermSet["variables"][number]) => UsedValue,
): ReTerm[] {
  const n = ctx.rows.length;
  const out: ReTerm[] = [];
  const groupCache = new Map<string, ReturnType<typeof evalGroup>>();
  for (const p of bars) {
    let values = p.lhs.variables.map((v) => valueOf(v));
    if (p.bar.kind === "ar1") values = ar1Values(p, values, ctx);
    // a structured term keeps its kind; `us` is the default and is not recorded
    const kind = p.bar.kind && p.bar.kind !== "us" ? p.bar.kind : undefined;
    for (const piece of pieces(p)) {
      const design = designMatrix(piece, values, n);
      const q = design.names.length;
      if (q === 0) {
        throw formulaError(ctx.text, p.bar.pos, `random-effect term '(${deparse(p.bar.lhs)} | ${deparse(p.bar.group)})' has no columns`);
      }
      if (kind === "ar1" && q < 2) {
        throw formulaError(ctx.text, p.bar.pos, `ar1(${deparse(p.bar.lhs)} | ${deparse(p.bar.group)}) needs at least two time points; '${design.names[0]}' is the only one`);
      }
      // row-major n × q
      const z = new Float64Array(n * q);
      design.columns.forEach((c, j) => { for (let i = 0; i < n; i++) z[i * q + j] = c[i]; });
      p.groups.forEach((g, k) => {
        let f = groupCache.get(g.name);
        if (!f) { f = evalGroup(g.parts, ctx); groupCache.set(g.name, f); }
        // as lme4's "grouping factors must have > 1 sampled level": one group has no between-group variance
        if (f.levels.length < 2) {
          const one = f.levels.length === 1 ? `only one level ('${f.levels[0]}')` : "no levels";
          throw new UserError(`grouping factor '${g.name}' has ${one} in the rows of ${ctx.frame.source} used; a random effect needs at least two`);
        }
        // a/b gives several terms with the same left side: each gets its own copy of z
        const t: ReTerm = reTerm({ group: g.name, levels: f.levels, refs: f.codes, cnames: design.names, z: k === 0 ? z : z.slice() });
        out.push(kind ? reTerm({ ...t, covariance: { kind } }) : t);
      });
    }
  }
  return out;
}

/**
 * A ReTerm with the fields of `t`, built as one object literal in a fixed order: copies with a
 * field changed (`{ ...t, refs }` has another V8 hidden class) keep the shape the hot loops saw.
 */
export function reTerm(t: ReTerm): ReTerm {
  const { group, levels, refs, cnames, z, covariance } = t;
  return covariance === undefined ? { group, levels, refs, cnames, z } : { group, levels, refs, cnames, z, covariance };
}
