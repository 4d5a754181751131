// The conditional modes of the random effects with their conditional SDs, as one long table
// (lme4's as.data.frame(ranef(fit, condVar = TRUE)): grpvar, term, grp, condval, condsd). With
// random effects in the zero-inflation formula, glmmTMB's layout: a first column `component`
// ("cond" or "zi") and the zi part's rows after the conditional part's.
import type { FittedGLMM } from "../glmm/glmm.js";
import type { FittedLMM, RanefTable } from "../lmm/lmm.js";
import { groupDisplayNames } from "../report/names.js";
import { type SysTerm, formulaOrder } from "../lmm/reterms.js";

/** One random effect: its group, term, level, conditional mode and conditional SD. */
export interface RanefRow {
  /** "cond" or "zi" (glmmTMB's component), only for models with random effects in the zero-inflation part */
  readonly component?: "cond" | "zi";
  /** grouping factor as lme4 names it ("Subject", "Subject.1" for a second term of the same factor) */
  readonly grpvar: string;
  readonly term: string;
  readonly grp: string;
  readonly condval: number;
  /** NaN when conditional variances were not computed */
  readonly condsd: number;
}

/**
 * The conditional modes as one row per group level and term (lme4's as.data.frame(ranef(m),
 * condVar = TRUE)); a zero-inflated fit with zi random effects adds its zi part's rows, every row
 * labelled with its component (glmmTMB's ranef(m)$cond and $zi). The conditional SDs are given the
 * estimates (the inverse blocks of the joint random-effects Hessian at the mode, as lme4's condVar),
 * without glmmTMB's added uncertainty of the fixed parameters.
 */
export function ranefRows(f: FittedLMM | FittedGLMM): RanefRow[] {
  const zi = f.kind === "glmm" ? f.zi : undefined;
  if (!zi?.ranef || !zi.terms) return tableRows(f.terms, f.ranef);
  return [...tableRows(f.terms, f.ranef, "cond"), ...tableRows(zi.terms, zi.ranef, "zi")];
}

function tableRows(terms: readonly SysTerm[], tables: readonly RanefTable[], component?: "cond" | "zi"): RanefRow[] {
  const names = groupDisplayNames(terms);
  const order = formulaOrder(terms);
  const rows: RanefRow[] = [];
  tables.forEach((r, k) => {
    const grpvar = names.get(order[k])!;
    r.cnames.forEach((term, c) => {
      r.levels.forEach((grp, l) => {
        const row = { grpvar, term, grp, condval: r.values[c][l], condsd: r.condsd ? r.condsd[c][l] : NaN };
        rows.push(component ? { component, ...row } : row);
      });
    });
  });
  return rows;
}

const quote = (s: string) => (/[",\n\r]/.test(s) || s.trim() !== s ? `"${s.replace(/"/g, '""')}"` : s);
const num = (x: number) => (Number.isFinite(x) ? String(x) : "NA");

/** CSV text of the table (full precision numbers, NA for unavailable SDs; a component column when the rows have one). */
export function ranefCSV(rows: readonly RanefRow[]): string {
  const comp = rows.some((r) => r.component !== undefined);
  const lines = [(comp ? "component," : "") + "grpvar,term,grp,condval,condsd"];
  for (const r of rows) lines.push([...(comp ? [r.component ?? ""] : []), quote(r.grpvar), quote(r.term), quote(r.grp), num(r.condval), num(r.condsd)].join(","));
  return lines.join("\n") + "\n";
}
