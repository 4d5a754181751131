// The command-line edge: argument parsing, files and the terminal. The numerics live in src/*.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, CommanderError } from "commander";
import { UserError } from "../errors.js";
import { registerCommands } from "./commands/index.js";
import { type ModuleImporter, setModuleImporter } from "./dynamic-import.js";

/** this package's version, from the package.json above this file (dist/src/cli or dist/bundle) */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 4; up++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "glmm" && pkg.version) return pkg.version;
    } catch {
      // no package.json here: one level up
    }
  }
  return "unknown";
}
import { guardTerminal, safeMessage } from "./terminal.js";

function program(argv: readonly string[]): Command {
  const p = new Command("glmm")
    .description("Generalized linear mixed models: lme4 formulas, LMM/GLMM, GEE, meta-analysis, single-cell DE")
    // (package.json is read only when the version is asked for)
    .version(argv.includes("-V") || argv.includes("--version") ? `glmm ${version()} (Node ${process.versions.node})` : "glmm", "-V, --version", "print the version")
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(s.split("\n")[0] + "\n") });
  registerCommands(p, argv[0]);
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

export interface Host {
  /** import() for vega and h5wasm, from a launcher that runs this bundle where import() is missing */
  readonly importModule?: ModuleImporter;
}

/** Run the CLI; returns the exit code. User errors print one line on stderr. */
export async function main(argv: string[], host: Host = {}): Promise<number> {
  quietOnClosedPipe();
  if (host.importModule) setModuleImporter(host.importModule);
  guardTerminal();
  try {
    await program(argv).parseAsync(argv, { from: "user" });
    // for `npm run bench`: peak memory of this process (KiB) and its CPU time (µs), on stderr
    if (process.env.GLMM_STATS) {
      const r = process.resourceUsage();
      process.stderr.write(`glmm-stats ${JSON.stringify({ maxRSS: r.maxRSS, cpu: r.userCPUTime + r.systemCPUTime })}\n`);
    }
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
