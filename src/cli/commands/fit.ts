import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { fit } from "../../fit.js";
import { fitResultSummary } from "../../report/fit-summary.js";
import { readFrameFile } from "../io.js";
import { fitStatus } from "../status.js";
import { addModelFlags, parseInformation, parseSeed, parseSolver, parseLevels, printWarnings, readCovariances, type ModelFlags } from "./model-flags.js";
import { writeFitPlots } from "../render.js";
import { parseRefs } from "../options.js";
import { basename } from "node:path";

/** the shared model flags (one formula) plus fit's own */
export interface FitCommandOptions extends Omit<ModelFlags, "formula"> {
  formula: string;
  ddf?: string;
  plot?: string;
  solver?: string;
  solverSeed?: string;
}

export async function fitCommand(o: FitCommandOptions): Promise<void> {
  if (o.reml && o.ml) throw new UserError("--reml and --ml exclude each other");
  if (o.format !== "json" && o.format !== "text") throw new UserError(`--format must be text or json, not '${o.format}'`);
  const nAGQ = Number(o.nagq);
  if (!Number.isInteger(nAGQ) || nAGQ < 1) throw new UserError(`--nagq must be a positive integer, not '${o.nagq}'`);
  const covariances = readCovariances(o.covariance);
  const frame = readFrameFile(o.data);
  const status = fitStatus();
  let res;
  try {
    res = fit(frame, o.formula, { family: o.family, link: o.link, reml: !o.ml, nAGQ, information: parseInformation(o.information), refLevels: parseRefs(o.ref), weights: o.weights, covariances, onProgress: status.onProgress, ddf: parseDdf(o.ddf), zi: o.zi, disp: o.disp, levels: parseLevels(o.levels), solver: parseSolver(o.solver), solverSeed: parseSeed(o.solverSeed) });
  } finally {
    status.done();
  }
  if (o.plot) for (const file of await writeFitPlots(res, o.plot)) process.stderr.write(`wrote ${file}\n`);
  printWarnings(res.json.warnings);
  if (o.format === "json") {
    process.stdout.write(JSON.stringify(res.json) + "\n");
    return;
  }
  process.stdout.write(fitResultSummary(res, o.formula, basename(o.data), { warnings: false }));
}

/** `glmm fit`: its flags (commander) */
export function registerFit(p: Command): void {
  const fit = addModelFlags(p.command("fit").description("fit a linear or generalized linear mixed model (or, without random-effect terms, lm/glm)"))
    .option("--plot <dir>", "also write caterpillar.svg, residuals.svg and qq.svg to this folder")
    .option("--ddf <method>", "LMM t-test degrees of freedom: satterthwaite (lmerTest), kenward-roger (KR-adjusted SEs and df; REML) or none (lme4's t values only)", "satterthwaite")
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await fitCommand(o); });
  addSolverFlags(fit);
}

/** --solver and --solver-seed (fit, ranef) */
export function addSolverFlags(cmd: Command): Command {
  return cmd
    .option("--solver <kind>", "auto (direct unless the Cholesky factor is too large or too slow for crossed intercepts), direct, or iterative (PCG + stochastic Lanczos quadrature; crossed random intercepts)", "auto")
    .option("--solver-seed <n>", "iterative solver: seed of the probe vectors", "1");
}


function parseDdf(v: string | undefined): "satterthwaite" | "kenward-roger" | "none" {
  if (v === undefined || v === "satterthwaite") return "satterthwaite";
  if (v === "none") return "none";
  if (v === "kenward-roger") return "kenward-roger";
  throw new UserError(`--ddf must be satterthwaite, kenward-roger or none, not '${v}'`);
}

export { parseSolver };
