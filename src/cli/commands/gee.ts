import type { Command } from "commander";
import { collect } from "../options.js";
// `glmm gee`: generalized estimating equations (geepack::geeglm) from a CSV and a formula without
// random-effect terms; clusters from --id, within-cluster order (and ar1/unstructured/mdep waves) from --time.
import { UserError } from "../../errors.js";
import { formatGeeSummary } from "../../gee/index.js";
import { geeFromFrame, geeToJSON } from "../../gee/formula.js";
import { readFrameFile } from "../io.js";
import { parseRefs } from "../options.js";
import { printWarnings } from "./model-flags.js";

export interface GeeCommandOptions {
  data: string;
  formula: string;
  family?: string;
  link?: string;
  id: string;
  corstr?: string;
  mdep?: string | number;
  time?: string;
  /** prior-weights column (multiplies binomial trials); main.ts does not offer --weights for gee yet */
  weights?: string;
  stdErr?: string;
  ref?: string[];
  format?: string;
}

export async function geeCommand(opts: GeeCommandOptions): Promise<void> {
  const format = opts.format ?? "text";
  if (format !== "text" && format !== "json") throw new UserError(`--format must be text or json, got '${format}'`);
  const frame = readFrameFile(opts.data);
  const { result, warnings } = geeFromFrame(frame, opts.formula, { ...opts, refLevels: parseRefs(opts.ref ?? []) }, (o) => `--${o}`, "glmm gee");
  printWarnings(warnings);
  if (format === "json") {
    process.stdout.write(JSON.stringify(geeToJSON(result, warnings)) + "\n");
  } else {
    process.stdout.write(formatGeeSummary({ ...result, warnings: [] }));
  }
}

/** The working-correlation and standard-error flags of a GEE (`glmm gee`; `glmm emmeans --id`), their help prefixed by `when`. */
export function addGeeFlags(cmd: Command, when: string): Command {
  return cmd
    .option("--corstr <structure>", `${when}independence, exchangeable, ar1, unstructured, mdep`, "independence")
    .option("--mdep <m>", `${when}m for the m-dependent structure`, "1")
    .option("--time <column>", `${when}within-cluster order (and gaps for ar1)`)
    .option("--std-err <type>", `${when}san.se (robust), md (Mancl-DeRouen), model`, "san.se");
}

/** `glmm gee`: its flags (commander) */
export function registerGee(p: Command): void {
  const cmd = p.command("gee")
    .description("generalized estimating equations with sandwich standard errors")
    .requiredOption("--data <file>", "CSV/TSV file")
    .requiredOption("--formula <formula>", "model formula without random effects")
    .option("--family <family>", "gaussian, binomial, poisson, Gamma", "gaussian")
    .option("--link <link>", "link function (default: canonical)")
    .requiredOption("--id <cluster>", "cluster column, or a:b for a combination of columns");
  addGeeFlags(cmd, "")
    .option("--weights <column>", "prior weights column")
    .option("--ref <col=level>", "reference level of a factor (repeatable)", collect, [])
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await geeCommand(o); });
}
