// Every CLI command registers its own flags; add a command by adding its file and one line here.
import type { Command } from "commander";
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
}
