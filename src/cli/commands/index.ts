// Every CLI command registers its own flags; add a command by adding its file and one line here.
import type { Command } from "commander";
import { registerDescribe } from "./describe.js";
import { registerFit } from "./fit.js";
import { registerGee } from "./gee.js";
import { registerMeta } from "./meta.js";
import { registerPlot } from "./plot.js";

export function registerCommands(p: Command): void {
  for (const register of [registerDescribe, registerFit, registerGee, registerMeta, registerPlot]) register(p);
}
