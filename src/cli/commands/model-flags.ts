// The model flags shared by the inference commands (compare, confint, bootstrap, predict, simulate,
// ranef, icc, fixef, marginal) — the same as `glmm fit`'s — and their small output helpers.
import type { Command } from "commander";
import type { Frame } from "../../data/frame.js";
import { UserError } from "../../errors.js";
import { fit, type FitOptions, type KnownCovariance } from "../../fit.js";
import { knownCovarianceFromText, parseCovarianceSpec, specFileRole } from "../../covariance/spec.js";
import { basename } from "node:path";
import { fitDiagnostics } from "../../inference/diagnostics.js";
import { anyFitResult, fitModel, type ModelFit } from "../../inference/model.js";
import { readFrameFile, readTextFile, writeFileAtomic } from "../io.js";
import { collect, parseRefs } from "../options.js";

export interface ModelFlags {
  data: string;
  formula: string | string[];
  family: string;
  link?: string;
  reml?: boolean;
  ml?: boolean;
  nagq: string;
  information?: string;
  ref: string[];
  weights?: string;
  /** --levels a,b,c: the ordinal response's level order */
  levels?: string;
  /** --covariance GROUP=KIND:FILE (repeatable) */
  covariance?: string[];
  /** glmmTMB's ziformula and dispformula, e.g. "~ x" */
  zi?: string;
  disp?: string;
  format: string;
  /** --solver and --solver-seed (the commands that register them: fit, ranef) */
  solver?: string;
  solverSeed?: string;
}

/** Add --data, --formula, --family, --link, --reml/--ml, --nagq, --ref, --weights, --covariance. */
export function addModelFlags(cmd: Command, options: { repeatFormula?: boolean } = {}): Command {
  cmd.requiredOption("--data <file>", "CSV/TSV file");
  const repeat = options.repeatFormula === true;
  if (repeat) cmd.requiredOption("--formula <formula>", "lme4 formula (repeat for each model)", collect, []);
  else cmd.requiredOption("--formula <formula>", "lme4 formula, e.g. \"y ~ x + (1 | g)\"");
  cmd
    .option("--family <family>", "gaussian, binomial, poisson, negative_binomial (nbinom2), nbinom1, Gamma, beta, betabinomial, tweedie, ordinal; hurdles: truncated_poisson, truncated_nbinom2 (with --zi)", "gaussian")
    .option("--levels <a,b,c>", "family ordinal: the response's levels from lowest to highest (default: ascending numbers, or sorted text)")
    .option("--link <link>", "link function (default: the family's canonical link)")
    .option("--reml", "REML (default for gaussian)")
    .option("--ml", "maximum likelihood instead of REML")
    .option("--nagq <n>", "adaptive Gauss-Hermite quadrature points (one scalar random effect)", "1")
    .option("--information <kind>", "Laplace curvature for non-canonical links: observed (glmmTMB; default) or expected (lme4)")
    .option("--ref <col=level>", "reference level of a factor (repeatable)", collect, [])
    .option("--weights <column>", "prior weights column");
  // (with several models, --zi and --disp are given once for all or once per --formula)
  const perModel = repeat ? "; once for every model or once per --formula, in their order (\"~ 0\": none)" : "";
  const side = (flag: string, text: string) => (repeat ? cmd.option(flag, text + perModel, (v: string, prev: string[] | undefined) => [...(prev ?? []), v]) : cmd.option(flag, text));
  side("--zi <formula>", "zero-inflation model (glmmTMB's ziformula, logit link), e.g. \"~ 1\" or \"~ x\"; with a truncated_ family, the hurdle's zero model");
  side("--disp <formula>", "dispersion model (glmmTMB's dispformula, log link), e.g. \"~ sex\": gaussian, nbinom2, nbinom1, Gamma, beta (its precision φ)");
  return cmd.option("--covariance <group=kind:file>", "known covariance of a grouping factor's effects: GROUP=phylo:TREE.nwk (tree scaled to height 1), phylo-corr:, phylo-raw:, matrix:K.csv, matrix-corr: (repeatable)", collect, []);
}

/** `--covariance GROUP=KIND:FILE` flags → known covariances (see src/covariance/spec.ts for the kinds). */
export function readCovariances(args: readonly string[] = []): KnownCovariance[] {
  const specs = args.map(parseCovarianceSpec);
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.group)) throw new UserError(`--covariance is given twice for '${s.group}'`);
    seen.add(s.group);
  }
  return specs.map((s) => knownCovarianceFromText(s, readTextFile(s.path, specFileRole(s)), basename(s.path)));
}

export function fitOptionsOf(o: ModelFlags, extendedOk = false): FitOptions {
  if (o.reml && o.ml) throw new UserError("--reml and --ml exclude each other");
  // a command that does not know the zero-inflation, hurdle and dispersion parts refuses rather
  // than answer for the conditional model alone (every model command knows them now)
  const extended = o.zi !== undefined ? "--zi" : o.disp !== undefined ? "--disp" : /^(truncated_poisson|truncated_nbinom2|nbinom1)$/.test(o.family) ? `family ${o.family}` : null;
  if (extended && !extendedOk) throw new UserError(`${extended} is not available in this command yet`);
  const nAGQ = Number(o.nagq);
  if (!Number.isInteger(nAGQ) || nAGQ < 1) throw new UserError(`--nagq must be a positive integer, not '${o.nagq}'`);
  return { family: o.family, link: o.link, reml: !o.ml, nAGQ, information: parseInformation(o.information), refLevels: parseRefs(o.ref), weights: o.weights, covariances: readCovariances(o.covariance), zi: o.zi, disp: o.disp, levels: parseLevels(o.levels), solver: parseSolver(o.solver), solverSeed: parseSeed(o.solverSeed) };
}

export function checkFormat(format: string, allowed: readonly string[]): void {
  if (!allowed.includes(format)) throw new UserError(`--format must be ${allowed.slice(0, -1).join(", ")}${allowed.length > 1 ? " or " : ""}${allowed[allowed.length - 1]}, not '${format}'`);
}

/** Read the data and fit the (single) formula; `extendedOk`: the command knows the --zi/--disp parts. */
export function loadAndFit(o: ModelFlags, extendedOk = false, withoutRandomOk = false): { frame: Frame; model: ModelFit } {
  const formula = Array.isArray(o.formula) ? o.formula[0] : o.formula;
  if (Array.isArray(o.formula) && o.formula.length !== 1) throw new UserError("give one --formula");
  const frame = readFrameFile(o.data);
  const options = fitOptionsOf(o, extendedOk);
  // (withoutRandomOk: a formula without random-effect terms is R's lm/glm, for population-level commands)
  return { frame, model: withoutRandomOk ? anyFitResult(frame, formula, options, fit(frame, formula, options)) : fitModel(frame, formula, options) };
}

/** The fit's own warnings plus the diagnostics (few levels, singular term). */
export function modelWarnings(m: ModelFit): string[] {
  return [...m.ms.warnings, ...m.fit.warnings, ...fitDiagnostics(m.ms, m.fit, m.formula).map((d) => d.message)];
}

/** JSON with non-finite numbers as null. */
export function toJSON(x: unknown): string {
  return JSON.stringify(x, (_k, v) => {
    if (typeof v === "number" && !Number.isFinite(v)) return null;
    if (v instanceof Float64Array || v instanceof Int32Array) return Array.from(v as ArrayLike<number>, (e) => (Number.isFinite(e) ? e : null));
    return v;
  });
}

/** Write to --out atomically, or to stdout. */
export function emit(text: string, out?: string): void {
  if (out) writeFileAtomic(out, text);
  else process.stdout.write(text);
}

/** Warnings go to stderr, one line each, in every command and format (`> out.txt` keeps them visible). */
export function printWarnings(ws: readonly string[]): void {
  for (const w of new Set(ws)) process.stderr.write(`glmm: warning: ${w}\n`);
}

/** a CSV field */
export function csvField(v: string | number | null): string {
  if (v === null) return "NA";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "NA";
  return /[",\n\r]/.test(v) || v.trim() !== v ? `"${v.replace(/"/g, '""')}"` : v;
}

/** --information observed|expected */
export function parseInformation(v: string | undefined): "observed" | "expected" | undefined {
  if (v === undefined || v === "observed" || v === "expected") return v;
  throw new UserError(`--information must be observed or expected, not '${v}'`);
}

/** --levels a,b,c (the ordinal response's order) */
export function parseLevels(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const levels = v.split(",").map((s) => s.trim());
  if (levels.length < 2 || levels.some((l) => l === "")) throw new UserError(`--levels needs two or more comma-separated levels, not '${v}'`);
  return levels;
}

/** --solver: auto, direct or iterative */
export function parseSolver(v: string | undefined): "auto" | "direct" | "iterative" {
  if (v === undefined || v === "auto" || v === "direct" || v === "iterative") return v ?? "auto";
  throw new UserError(`--solver must be auto, direct or iterative, not '${v}'`);
}

/** --solver-seed: a non-negative integer */
export function parseSeed(v: string | undefined): number {
  if (v === undefined) return 1;
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n)) throw new UserError(`--solver-seed must be a non-negative integer, not '${v}'`);
  return n;
}
