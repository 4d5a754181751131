// The command-line edge: argument parsing, files and the terminal. The numerics live in src/*.
import { Command, CommanderError } from "commander";
import { UserError } from "../errors.js";
import { registerCommands } from "./commands/index.js";
import { guardTerminal, safeMessage } from "./terminal.js";

function program(): Command {
  const p = new Command("glmm")
    .description("Generalized linear mixed models: lme4 formulas, LMM/GLMM, GEE, meta-analysis, single-cell DE")
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(s.split("\n")[0] + "\n") });
  registerCommands(p);
  return p;
}

let pipeGuard = false;

/** `glmm ... | head`: the reader went away; stop quietly instead of an EPIPE stack trace. */
function quietOnClosedPipe(): void {
  if (pipeGuard) return;
  pipeGuard = true;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}

/** Run the CLI; returns the exit code. User errors print one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  quietOnClosedPipe();
  guardTerminal();
  try {
    await program().parseAsync(argv, { from: "user" });
    // for `npm run bench`: peak memory of this process (KiB), on stderr
    if (process.env.GLMM_STATS) process.stderr.write(`glmm-stats ${JSON.stringify({ maxRSS: process.resourceUsage().maxRSS })}\n`);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are not failures; commander already printed its one-line message
      return e.exitCode === 0 || e.code === "commander.helpDisplayed" || e.code === "commander.version" ? 0 : 2;
    }
    if (e instanceof UserError) {
      process.stderr.write(`glmm: ${safeMessage(e.message)}\n`);
      return 1;
    }
    const err = e as Error;
    if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
      process.stderr.write(`glmm: ${safeMessage(err.message)}\n`);
      return 1;
    }
    process.stderr.write(`glmm: internal error: ${err?.stack ?? String(e)}\n`);
    return 70;
  }
}
