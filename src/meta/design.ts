// Long-format binomial designs for one-stage meta-analysis of 2×2 tables, built directly as the
// formula layer's ModelStructure (rows: each study's treated arm, then its control arm), so the
// GLMM engine fits them without a formula. The coding follows metafor's rma.glmm: the fixed
// treatment column is 1/0 (treated/control); the random treatment effect enters with ±½ so that
// the random part is symmetric between the arms.
import type { ModelStructure, ReTerm } from "../formula/types.js";

/** One 2×2 table: events and totals per arm. */
export interface Study2x2 {
  readonly label: string;
  /** events, treated */
  readonly ai: number;
  /** total, treated */
  readonly n1i: number;
  /** events, control */
  readonly ci: number;
  /** total, control */
  readonly n2i: number;
}

/** One row of the long format: study index and arm. */
export interface ArmRow {
  readonly study: number;
  readonly treated: boolean;
}

export interface DesignParts {
  /** fixed-effect columns: name and the value on a row */
  readonly fixed: ReadonlyArray<{ readonly name: string; readonly value: (row: ArmRow) => number }>;
  /** random-effect terms over study: column name and z on treated/control rows */
  readonly random: ReadonlyArray<{ readonly cname: string; readonly treated: number; readonly control: number }>;
}

/** Both arms of every study, treated first. */
export function bothArms(k: number): ArmRow[] {
  const rows: ArmRow[] = [];
  for (let i = 0; i < k; i++) rows.push({ study: i, treated: true }, { study: i, treated: false });
  return rows;
}

/** The ModelStructure of `cbind(events, n − events) ~ fixed + random` over the given arm rows. */
export function armDesign(studies: readonly Study2x2[], rows: readonly ArmRow[], parts: DesignParts, formula: string): ModelStructure {
  const n = rows.length;
  const y = new Float64Array(n);
  const trials = new Float64Array(n);
  const refs = new Int32Array(n);
  rows.forEach((r, i) => {
    const s = studies[r.study];
    const events = r.treated ? s.ai : s.ci;
    trials[i] = r.treated ? s.n1i : s.n2i;
    y[i] = trials[i] > 0 ? events / trials[i] : 0;
    refs[i] = r.study;
  });
  const p = parts.fixed.length;
  const X = new Float64Array(n * p);
  parts.fixed.forEach((col, j) => rows.forEach((r, i) => { X[i + j * n] = col.value(r); }));
  // levels by position: labels need not be unique
  const levels = studies.map((_, i) => String(i + 1));
  const reTerms: ReTerm[] = parts.random.map((t) => {
    const z = new Float64Array(n);
    rows.forEach((r, i) => { z[i] = r.treated ? t.treated : t.control; });
    return { group: "study", levels, refs, cnames: [t.cname], z };
  });
  const rowIndex = new Int32Array(n);
  for (let i = 0; i < n; i++) rowIndex[i] = i;
  return {
    formula, nobsTotal: n, rows: rowIndex, dropped: 0, n,
    response: { kind: "cbind", name: "cbind(events, n - events)", y, trials },
    X, p, xnames: parts.fixed.map((c) => c.name), droppedColumns: [], offset: null, reTerms, warnings: [],
  };
}
