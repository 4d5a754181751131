// 2×2 tables from a data frame: one study per row, events and non-events (or totals) per arm,
// with metafor's column roles (ai, bi, ci, di, n1i, n2i).
import type { Frame } from "../data/frame.js";
import { UserError } from "../errors.js";
import type { Study2x2 } from "./design.js";

/** The column names of 2x2 tables in metafor's names (ai, bi/n1i, ci, di/n2i). */
export interface TableColumns {
  /** events, treated */
  readonly ai: string;
  /** non-events, treated (or give n1i) */
  readonly bi?: string;
  /** events, control */
  readonly ci: string;
  /** non-events, control (or give n2i) */
  readonly di?: string;
  /** total, treated */
  readonly n1i?: string;
  /** total, control */
  readonly n2i?: string;
  /** study labels; default: the data row number */
  readonly slab?: string;
}

/** 2x2 tables read from a frame, with the data row of each study and the reader's warnings. */
export interface StudyTables {
  readonly studies: Study2x2[];
  /** data row (1-based) of each study */
  readonly rows: number[];
  readonly warnings: string[];
}

/** Read one 2x2 table per row of a frame from the named columns, checking counts. */
export function studiesFromFrame(frame: Frame, cols: TableColumns): StudyTables {
  if (!cols.ai || !cols.ci) throw new UserError("2x2 tables need the event columns of both arms: --ai (treated) and --ci (control)");
  const pick = (non: string | undefined, tot: string | undefined, arm: string, nonFlag: string, totFlag: string) => {
    if (non && tot) throw new UserError(`give either ${nonFlag} (non-events, ${arm}) or ${totFlag} (total, ${arm}), not both`);
    if (!non && !tot) throw new UserError(`2x2 tables need ${nonFlag} (non-events, ${arm}) or ${totFlag} (total, ${arm})`);
    return non ? { col: non, total: false } : { col: tot!, total: true };
  };
  const t = pick(cols.bi, cols.n1i, "treated", "--bi", "--n1i");
  const c = pick(cols.di, cols.n2i, "control", "--di", "--n2i");
  const num = (name: string) => {
    const col = frame.column(name);
    if (col.kind !== "numeric") {
      const bad = col.values.findIndex((v) => v !== null);
      throw new UserError(`column '${name}' of ${frame.source} must hold counts; row ${bad + 1} has '${col.values[bad]}'`);
    }
    return col.values;
  };
  const ai = num(cols.ai), ci = num(cols.ci), tv = num(t.col), cv = num(c.col);
  let labels: (string | null)[] | null = null;
  if (cols.slab) {
    const s = frame.column(cols.slab);
    labels = s.kind === "text" ? [...s.values] : Array.from(s.values, (v) => (Number.isNaN(v) ? null : String(v)));
  }
  const studies: Study2x2[] = [];
  const rows: number[] = [];
  const missing: number[] = [];
  for (let r = 0; r < frame.nrow; r++) {
    const vals = [ai[r], tv[r], ci[r], cv[r]];
    if (vals.some((v) => Number.isNaN(v))) { missing.push(r + 1); continue; }
    const names = [cols.ai, t.col, cols.ci, c.col];
    vals.forEach((v, j) => {
      if (!(v >= 0) || !Number.isFinite(v) || Math.floor(v) !== v)
        throw new UserError(`column '${names[j]}' of ${frame.source}, row ${r + 1}: ${v} is not a count (a whole number ≥ 0)`);
    });
    const n1i = t.total ? tv[r] : ai[r] + tv[r];
    const n2i = c.total ? cv[r] : ci[r] + cv[r];
    if (ai[r] > n1i) throw new UserError(`row ${r + 1} of ${frame.source}: ${ai[r]} events in the treated arm exceed its total ${n1i} (column '${t.col}')`);
    if (ci[r] > n2i) throw new UserError(`row ${r + 1} of ${frame.source}: ${ci[r]} events in the control arm exceed its total ${n2i} (column '${c.col}')`);
    if (n1i === 0 || n2i === 0) throw new UserError(`row ${r + 1} of ${frame.source}: the ${n1i === 0 ? "treated" : "control"} arm has no participants`);
    const label = labels?.[r] ?? String(r + 1);
    studies.push({ label, ai: ai[r], n1i, ci: ci[r], n2i });
    rows.push(r + 1);
  }
  const warnings: string[] = [];
  if (missing.length)
    warnings.push(`${missing.length} row${missing.length > 1 ? "s" : ""} with missing counts left out (row${missing.length > 1 ? "s" : ""} ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", ..." : ""})`);
  if (studies.length === 0) throw new UserError(`${frame.source} has no complete 2x2 table`);
  return { studies, rows, warnings };
}
