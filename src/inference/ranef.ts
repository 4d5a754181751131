// The conditional modes of the random effects with their conditional SDs, as one long table
// (lme4's as.data.frame(ranef(fit, condVar = TRUE)): grpvar, term, grp, condval, condsd).
import type { FittedGLMM } from "../glmm/glmm.js";
import type { FittedLMM } from "../lmm/lmm.js";
import { groupDisplayNames } from "../report/names.js";

/** One random effect: its group, term, level, conditional mode and conditional SD. */
export interface RanefRow {
  /** grouping factor as lme4 names it ("Subject", "Subject.1" for a second term of the same factor) */
  readonly grpvar: string;
  readonly term: string;
  readonly grp: string;
  readonly condval: number;
  /** NaN when conditional variances were not computed */
  readonly condsd: number;
}

/** The conditional modes as one row per group level and term (lme4's as.data.frame(ranef(m), condVar = TRUE)). */
export function ranefRows(f: FittedLMM | FittedGLMM): RanefRow[] {
  const names = groupDisplayNames(f.terms);
  const order = f.terms.map((_, i) => i).sort((a, b) => f.terms[a].formulaIndex - f.terms[b].formulaIndex);
  const rows: RanefRow[] = [];
  f.ranef.forEach((r, k) => {
    const grpvar = names.get(order[k])!;
    r.cnames.forEach((term, c) => {
      r.levels.forEach((grp, l) => {
        rows.push({ grpvar, term, grp, condval: r.values[c][l], condsd: r.condsd ? r.condsd[c][l] : NaN });
      });
    });
  });
  return rows;
}

const quote = (s: string) => (/[",\n\r]/.test(s) || s.trim() !== s ? `"${s.replace(/"/g, '""')}"` : s);
const num = (x: number) => (Number.isFinite(x) ? String(x) : "NA");

/** CSV text of the table (full precision numbers, NA for unavailable SDs). */
export function ranefCSV(rows: readonly RanefRow[]): string {
  const lines = ["grpvar,term,grp,condval,condsd"];
  for (const r of rows) lines.push([quote(r.grpvar), quote(r.term), quote(r.grp), num(r.condval), num(r.condsd)].join(","));
  return lines.join("\n") + "\n";
}
