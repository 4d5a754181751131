// The command-line edge: argument parsing, files and the terminal. The numerics live in src/*.
import { Command, CommanderError } from "commander";
import { UserError } from "../errors.js";
import { describeCommand } from "./commands/describe.js";
import { fitCommand } from "./commands/fit.js";
import { geeCommand } from "./commands/gee.js";
import { metaCommand } from "./commands/meta.js";

const collect = (v: string, prev: string[]) => [...prev, v];

function program(): Command {
  const p = new Command("glmm")
    .description("Generalized linear mixed models: lme4 formulas, LMM/GLMM, GEE, meta-analysis, single-cell DE")
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(s.split("\n")[0] + "\n") });

  p.command("describe")
    .description("show what a model would use: rows, response, fixed-effect columns, random-effect terms")
    .requiredOption("--data <file>", "CSV/TSV file")
    .requiredOption("--formula <formula>", "lme4 formula")
    .option("--ref <col=level>", "reference level of a factor (repeatable)", collect, [])
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await describeCommand(o); });

  p.command("fit")
    .description("fit a linear or generalized linear mixed model")
    .requiredOption("--data <file>", "CSV/TSV file")
    .requiredOption("--formula <formula>", "lme4 formula, e.g. \"y ~ x + (1 | g)\"")
    .option("--family <family>", "gaussian, binomial, poisson, negative_binomial, Gamma", "gaussian")
    .option("--link <link>", "link function (default: the family's canonical link)")
    .option("--reml", "REML (default for gaussian)")
    .option("--ml", "maximum likelihood instead of REML")
    .option("--nagq <n>", "adaptive Gauss-Hermite quadrature points (one scalar random effect)", "1")
    .option("--ref <col=level>", "reference level of a factor (repeatable)", collect, [])
    .option("--covariance <group=kind:file>", "known covariance of a grouping factor's effects (repeatable)", collect, [])
    .option("--weights <column>", "prior weights column")
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await fitCommand(o); });

  p.command("gee")
    .description("generalized estimating equations with sandwich standard errors")
    .requiredOption("--data <file>", "CSV/TSV file")
    .requiredOption("--formula <formula>", "model formula without random effects")
    .option("--family <family>", "gaussian, binomial, poisson, Gamma", "gaussian")
    .option("--link <link>", "link function (default: canonical)")
    .requiredOption("--id <cluster>", "cluster column, or a:b for a combination of columns")
    .option("--corstr <structure>", "independence, exchangeable, ar1, unstructured, mdep", "independence")
    .option("--mdep <m>", "m for the m-dependent structure", "1")
    .option("--time <column>", "within-cluster order (and gaps for ar1)")
    .option("--std-err <type>", "san.se (robust), md (Mancl-DeRouen), model", "san.se")
    .option("--ref <col=level>", "reference level of a factor (repeatable)", collect, [])
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await geeCommand(o); });

  p.command("meta")
    .description("one-stage meta-analysis of 2x2 tables as a binomial GLMM (metafor's rma.glmm)")
    .requiredOption("--data <file>", "CSV file, one study per row")
    .option("--measure <measure>", "effect measure", "OR")
    .option("--model <model>", "UM.FS or UM.RS", "UM.FS")
    .option("--ai <col>", "events, treated").option("--bi <col>", "non-events, treated")
    .option("--ci <col>", "events, control").option("--di <col>", "non-events, control")
    .option("--n1i <col>", "total, treated").option("--n2i <col>", "total, control")
    .option("--slab <col>", "study labels")
    .option("--plot <file>", "write a forest plot (SVG)")
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await metaCommand(o); });

  return p;
}

/** Run the CLI; returns the exit code. User errors print one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv, { from: "user" });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are not failures; commander already printed its one-line message
      return e.exitCode === 0 || e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : 2;
    }
    if (e instanceof UserError) {
      process.stderr.write(`glmm: ${e.message}\n`);
      return 1;
    }
    const err = e as Error;
    if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
      process.stderr.write(`glmm: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`glmm: internal error: ${err?.stack ?? String(e)}\n`);
    return 70;
  }
}
