// Every CLI command registers its own flags; add a command by adding its file and one line here.
import type { Command } from "commander";
import { beginRun, setTableOptions } from "../io.js";
import { collect } from "../options.js";
import { registerDe } from "./de.js";
import { registerDeMerge } from "./de-merge.js";
import { registerDescribe } from "./describe.js";
import { registerFit } from "./fit.js";
import { registerGee } from "./gee.js";
import { registerInference } from "./inference.js";
import { registerMeta } from "./meta.js";
import { registerNma } from "./nma.js";
import { registerPlot } from "./plot.js";
import { registerSimulateSc } from "./simulate-sc.js";

export function registerCommands(p: Command): void {
  for (const register of [registerDescribe, registerFit, registerGee, registerMeta, registerNma, registerPlot, registerDe, registerDeMerge, registerSimulateSc, registerInference]) register(p);
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
