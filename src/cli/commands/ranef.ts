// `glmm ranef`: the conditional modes of every random-effect term with their conditional SDs, as a
// table (lme4's as.data.frame(ranef(fit, condVar = TRUE))); with random effects in --zi, both
// parts' rows labelled by component (glmmTMB's ranef(m)$cond, $zi).
import type { Command } from "commander";
import { ranefCSV, ranefRows } from "../../inference/ranef.js";
import { fmt, formatTable } from "../../report/table.js";
import { addSolverFlags } from "./fit.js";
import { addModelFlags, checkFormat, emit, loadAndFit, modelWarnings, printWarnings, toJSON, type ModelFlags } from "./model-flags.js";

interface RanefFlags extends ModelFlags {
  out?: string;
}

export async function ranefCommand(o: RanefFlags): Promise<void> {
  checkFormat(o.format, ["csv", "json", "text"]);
  const { model: m } = loadAndFit(o, true);
  printWarnings(modelWarnings(m));
  // the iterative route's conditional SDs are Monte Carlo estimates: say how precise
  const cs = m.fit.solver?.condsd;
  if (cs) process.stderr.write(`glmm: note: condsd are stochastic estimates (${cs.probes} probe vectors): relative SE ${fmtPct(cs.medianRelSE)} (median over levels), up to ${fmtPct(cs.maxRelSE)}; --solver direct computes them exactly where the Cholesky factor fits\n`);
  const rows = ranefRows(m.fit);
  if (o.format === "csv") return emit(ranefCSV(rows), o.out);
  if (o.format === "json") return emit(toJSON({ ranef: rows }) + "\n", o.out);
  const comp = rows.some((r) => r.component !== undefined);
  const table = [[...(comp ? ["component"] : []), "grpvar", "term", "grp", "condval", "condsd"], ...rows.map((r) => [...(comp ? [r.component ?? ""] : []), r.grpvar, r.term, r.grp, fmt(r.condval), fmt(r.condsd)])];
  emit(formatTable(table, { firstLeft: true }) + "\n", o.out);
}

const fmtPct = (x: number) => `${(100 * x).toPrecision(2)}%`;

export function registerRanef(p: Command): void {
  const cmd = p.command("ranef").description("random effects: conditional modes and conditional SDs of every term, as a table");
  addModelFlags(cmd)
    .option("--out <file>", "write to a file instead of stdout")
    .option("--format <format>", "csv, json or text", "csv");
  addSolverFlags(cmd)
    .action(async (o) => { await ranefCommand(o); });
}
