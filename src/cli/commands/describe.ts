import type { Command } from "commander";
import { collect, parseRefs } from "../options.js";
// `glmm describe`: what a model would use (rows, response, fixed-effect columns, random-effect
// terms) without fitting it.
import { TooLargeError, UserError } from "../../errors.js";
import { CrossedSchur } from "../../lmm/crossed.js";
import { parseSolver } from "./fit.js";
import { readCovariances } from "./model-flags.js";
import { attachCovariances } from "../../fit.js";
import { buildModel } from "../../formula/index.js";
import type { ModelStructure } from "../../formula/types.js";
import { readFrameFile } from "../io.js";
import { sortTerms } from "../../lmm/reterms.js";
import { ITERATIVE_FLOPS, iterativeReason, type SolverInfo, termsAndSystem } from "../../lmm/system.js";

export interface DescribeOptions {
  data: string;
  formula: string;
  ref?: string[];
  format?: string;
  solver?: string;
  /** --covariance GROUP=KIND:FILE (repeatable) */
  covariance?: string[];
}

/** Parse repeated `--ref COL=LEVEL` flags. */
/** `--ref COL=LEVEL` flags (the parser shared by every command) */
export function parseRefFlags(refs: readonly string[] | undefined): Record<string, string> {
  return parseRefs(refs ?? []);
}

export interface Description {
  nobs: number;
  dropped: number;
  response: { name: string; kind: string; levels?: string[] } | null;
  fixef: string[];
  droppedColumns: string[];
  offset: boolean;
  groups: Record<string, number>;
  reTerms: { group: string; terms: string[]; nlevels: number }[];
  /** how a mixed model's penalized system would be factored (null without random effects) */
  solver: SolverInfo | null;
  warnings: string[];
}

/** How a fit would factor the model's system; a model too large to factor is said in `warnings`. */
function solverOf(m: ModelStructure, warnings: string[], solver: "auto" | "direct" | "iterative" = "auto"): SolverInfo | null {
  if (m.reTerms.length === 0) return null;
  const terms = sortTerms(m.reTerms);
  const iterative = (reason?: string): SolverInfo => {
    let qR = 0;
    for (const t of terms.slice(1)) qR += t.q;
    return { route: "iterative", restSize: qR + m.p + 1, factorEntries: 0, flops: 0, method: "iterative (PCG + SLQ; probe vectors chosen at the fit for a Monte Carlo SE of logLik below 0.01)", ...(reason ? { reason } : {}) };
  };
  if (solver === "iterative") {
    if (CrossedSchur.eligible(terms)) return iterative();
    warnings.push("a fit would stop: the iterative solver serves random intercepts of two or more grouping factors, without slopes or known covariances");
    return null;
  }
  // auto: the flop budget of fitLMM (a binomial or Poisson GLMM's is the same)
  const eligible = solver === "auto" && CrossedSchur.eligible(terms);
  try {
    return termsAndSystem(m.reTerms, m.n, m.p, {}, undefined, eligible ? ITERATIVE_FLOPS : Infinity).system.solverInfo;
  } catch (e) {
    if (eligible && e instanceof TooLargeError) return iterative(iterativeReason(e));
    if (!(e instanceof UserError)) throw e;
    warnings.push(`a fit would stop: ${e.message}`);
    return null;
  }
}

export function describeModel(m: ModelStructure, solver: "auto" | "direct" | "iterative" = "auto"): Description {
  const warnings = [...m.warnings];
  const groups: Record<string, number> = Object.create(null);
  for (const t of m.reTerms) groups[t.group] = t.levels.length;
  const r = m.response;
  return {
    nobs: m.n,
    dropped: m.dropped,
    response: r ? { name: r.name, kind: r.kind, ...(r.levels ? { levels: [...r.levels] } : {}) } : null,
    fixef: [...m.xnames],
    droppedColumns: [...m.droppedColumns],
    offset: m.offset !== null,
    groups,
    reTerms: m.reTerms.map((t) => ({ group: t.group, terms: [...t.cnames], nlevels: t.levels.length })),
    // the symbolic analysis a fit would do first (cheap next to one factorization)
    solver: solverOf(m, warnings, solver),
    warnings,
  };
}

function formatText(d: Description, source: string): string {
  const lines: string[] = [];
  lines.push(`data: ${source}: ${d.nobs} rows used, ${d.dropped} dropped`);
  if (d.response) {
    const kind = d.response.kind === "binary-text"
      ? `two levels, '${d.response.levels![1]}' = 1, '${d.response.levels![0]}' = 0`
      : d.response.kind === "cbind" ? "successes and failures" : "numeric";
    lines.push(`response: ${d.response.name} (${kind})`);
  } else {
    lines.push("response: none (one-sided formula)");
  }
  lines.push(`fixed effects (${d.fixef.length}): ${d.fixef.join(", ") || "none"}`);
  if (d.droppedColumns.length) lines.push(`dropped as linearly dependent: ${d.droppedColumns.join(", ")}`);
  if (d.offset) lines.push("offset: yes");
  if (d.reTerms.length) {
    lines.push("random effects:");
    for (const t of d.reTerms) lines.push(`  ${t.group} (${t.nlevels} levels): ${t.terms.join(", ")}`);
  } else {
    lines.push("random effects: none");
  }
  if (d.solver) {
    const s = d.solver;
    const flops = s.flops >= 1e9 ? `${(s.flops / 1e9).toFixed(1)} GFlop` : `${(s.flops / 1e6).toFixed(1)} MFlop`;
    if (s.method) lines.push(`solver: ${s.method}, on the ${s.restSize.toLocaleString("en")} rows outside the largest term (incl. fixed effects and response)${s.reason ? `; --solver auto: ${s.reason}` : ""}`);
    else lines.push(`solver: ${s.route === "sparse" ? "sparse supernodal" : "dense"} Cholesky of the part outside the largest term (${s.restSize.toLocaleString("en")} rows incl. fixed effects and response; ${s.factorEntries.toLocaleString("en")} factor entries, ${flops} per evaluation)`);
  }
  for (const w of d.warnings) lines.push(`warning: ${w}`);
  return lines.join("\n") + "\n";
}

export async function describeCommand(opts: DescribeOptions): Promise<void> {
  const format = opts.format ?? "text";
  if (format !== "text" && format !== "json") throw new UserError(`--format must be text or json, got '${format}'`);
  const frame = readFrameFile(opts.data);
  const covs = readCovariances(opts.covariance);
  const built = buildModel(frame, opts.formula, { refLevels: parseRefFlags(opts.ref) });
  // known covariances decide the route too (a tree or relatedness term beside others: sparse)
  const model = covs.length ? attachCovariances(built, covs) : built;
  const d = describeModel(model, parseSolver(opts.solver));
  process.stdout.write(format === "json" ? JSON.stringify(d, null, 2) + "\n" : formatText(d, frame.source));
}

/** `glmm describe`: its flags (commander) */
export function registerDescribe(p: Command): void {
  p.command("describe")
    .description("show what a model would use: rows, response, fixed-effect columns, random-effect terms")
    .requiredOption("--data <file>", "CSV/TSV file")
    .requiredOption("--formula <formula>", "lme4 formula")
    .option("--ref <col=level>", "reference level of a factor (repeatable)", collect, [])
    .option("--format <format>", "text or json", "text")
    .option("--solver <kind>", "auto, direct or iterative: the route a fit with this --solver would take", "auto")
    .option("--covariance <group=kind:file>", "known covariance of a grouping factor's effects, as for fit (repeatable)", collect, [])
    .action(async (o) => { await describeCommand(o); });
}
