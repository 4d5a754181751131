// Every CLI command registers its own flags; add a command by adding its file and one line here.
import type { Command } from "commander";
import { beginRun, setTableOptions } from "../io.js";
import { collect } from "../options.js";
import { registerDe } from "./de.js";
import { registerDeMerge } from "./de-merge.js";
import { registerDescribe } from "./describe.js";
import { registerFit } from "./fit.js";
import { registerGee } from "./gee.js";
import { inferenceCommands } from "./inference.js";
import { registerMeta } from "./meta.js";
import { registerNma } from "./nma.js";
import { registerPlot } from "./plot.js";
import { registerSimulateSc } from "./simulate-sc.js";

/** every command by name, in the order `glmm --help` lists them */
export const commands: ReadonlyArray<readonly [string, (p: Command) => void]> = [
  ["describe", registerDescribe], ["fit", registerFit], ["gee", registerGee], ["meta", registerMeta], ["nma", registerNma], ["plot", registerPlot],
  ["de", registerDe], ["de-merge", registerDeMerge], ["simulate-sc", registerSimulateSc], ...inferenceCommands,
];

/**
 * Register the commands; with `name` (the first argument) one of them, only that one: building
 * the other commands' options is most of commander's share of a run's start. Help, an unknown
 * command and no command get them all.
 */
export function registerCommands(p: Command, name?: string): void {
  const one = commands.find(([n]) => n === name);
  for (const [, register] of one ? [one] : commands) register(p);
  // every command that reads a data table takes the same three reading options
  for (const c of p.commands) {
    if (!c.options.some((o) => o.long === "--data" || o.long === "--cells")) continue;
    c.option("--sep <char>", "field separator of the data tables (default: tab if the header has tabs and no commas, else comma)")
      .option("--na <list>", "extra missing-value spellings, comma-separated (default: empty and NA; in numeric columns also NULL, n/a, N/A, '.')", collect, [])
      .option("--decimal <char>", "decimal mark of numbers in the data tables: '.' or ','", ".");
  }
  p.hook("preAction", (_p, cmd) => {
    beginRun();
    const o = cmd.opts();
    setTableOptions({ sep: o.sep, na: o.na?.length ? o.na : undefined, decimal: o.decimal });
  });
}
