// Long-format binomial designs for one-stage meta-analysis of 2×2 tables, built directly as the
// formula layer's ModelStructure (two rows per study: treated, then control), so the GLMM engine
// fits them without a formula. The coding follows metafor's rma.glmm: the fixed treatment column is
// 1/0 (treated/control), the random treatment effect enters with ±½ so that the random part is
// symmetric between the arms.
import type { ModelStructure, ReTerm } from "../formula/types.js";

/** One 2×2 table: events and totals per arm. */
export interface Arm2x2 {
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

export interface DesignParts {
  /** fixed-effect columns: name and the value on the treated and on the control row of study i */
  readonly fixed: ReadonlyArray<{ name: string; value: (study: number, treated: boolean) => number }>;
  /** random-effect terms over study: column name and z on the treated/control row */
  readonly random: ReadonlyArray<{ cname: string; treated: number; control: number }>;
}

/** The ModelStructure of `cbind(events, n − events) ~ fixed + random` over the given studies. */
export function armDesign(studies: readonly Arm2x2[], parts: DesignParts, formula: string): ModelStructure {
  const k = studies.length;
  const n = 2 * k;
  const y = new Float64Array(n);
  const trials = new Float64Array(n);
  const refs = new Int32Array(n);
  for (let i = 0; i < k; i++) {
    const s = studies[i];
    trials[2 * i] = s.n1i;
    y[2 * i] = s.n1i > 0 ? s.ai / s.n1i : 0;
    trials[2 * i + 1] = s.n2i;
    y[2 * i + 1] = s.n2i > 0 ? s.ci / s.n2i : 0;
    refs[2 * i] = refs[2 * i + 1] = i;
  }
  const p = parts.fixed.length;
  const X = new Float64Array(n * p);
  parts.fixed.forEach((col, j) => {
    for (let i = 0; i < k; i++) {
      X[2 * i + j * n] = col.value(i, true);
      X[2 * i + 1 + j * n] = col.value(i, false);
    }
  });
  const levels = studies.map((s) => s.label);
  const reTerms: ReTerm[] = parts.random.map((r) => {
    const z = new Float64Array(n);
    for (let i = 0; i < k; i++) { z[2 * i] = r.treated; z[2 * i + 1] = r.control; }
    return { group: "study", levels, refs, cnames: [r.cname], z };
  });
  const rows = new Int32Array(n);
  for (let i = 0; i < n; i++) rows[i] = i;
  return {
    formula, nobsTotal: n, rows, dropped: 0, n,
    response: { kind: "cbind", name: "cbind(events, n - events)", y, trials },
    X, p, xnames: parts.fixed.map((c) => c.name), droppedColumns: [], offset: null, reTerms, warnings: [],
  };
}
