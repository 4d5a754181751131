import type { ReTerm } from "./types.js";
import { deparse } from "./ast.js";
import { evalGroup, type EvalContext } from "./evaluate.js";
import { designMatrix, type UsedValue } from "./modelmatrix.js";
import { formulaError } from "./tokenize.js";
import { expandTerms, groupSpecs, type Bar, type GroupSpec, type TermSet } from "./terms.js";

// Random-effect terms in MixedModels.jl's ReMat form: a level index per row and the per-row model
// matrix of the term's left side. `(x || g)` is split as lme4's expandDoubleVerts() does (an
// intercept term plus one `0 + term` per term of the left side); `a/b` as lme4's expandSlash()
// (`b:a` then `a`).

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

export function buildReTerms(
  bars: readonly PreparedBar[],
  ctx: EvalContext,
  valueOf: (e: TermSet["variables"][number]) => UsedValue,
): ReTerm[] {
  const n = ctx.rows.length;
  const out: ReTerm[] = [];
  const groupCache = new Map<string, ReturnType<typeof evalGroup>>();
  for (const p of bars) {
    const values = p.lhs.variables.map((v) => valueOf(v));
    for (const piece of pieces(p)) {
      const design = designMatrix(piece, values, n);
      const q = design.names.length;
      if (q === 0) {
        throw formulaError(ctx.text, p.bar.pos, `random-effect term '(${deparse(p.bar.lhs)} | ${deparse(p.bar.group)})' has no columns`);
      }
      // row-major n × q
      const z = new Float64Array(n * q);
      design.columns.forEach((c, j) => { for (let i = 0; i < n; i++) z[i * q + j] = c[i]; });
      p.groups.forEach((g, k) => {
        let f = groupCache.get(g.name);
        if (!f) { f = evalGroup(g.parts, ctx); groupCache.set(g.name, f); }
        // a/b gives several terms with the same left side: each gets its own copy of z
        out.push({ group: g.name, levels: f.levels, refs: f.codes, cnames: design.names, z: k === 0 ? z : z.slice() });
      });
    }
  }
  return out;
}
