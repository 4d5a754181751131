// The inference commands (issue 5), registered together so the command index needs one line.
import type { Command } from "commander";
import { registerAnova } from "./anova.js";
import { registerBootstrap } from "./bootstrap.js";
import { registerCompare } from "./compare.js";
import { registerConfint } from "./confint.js";
import { registerEmmeans } from "./emmeans.js";
import { registerFixef } from "./fixef.js";
import { registerIcc } from "./icc.js";
import { registerMarginal } from "./marginal.js";
import { registerPredict } from "./predict.js";
import { registerRanef } from "./ranef.js";
import { registerSimulate } from "./simulate.js";

/** the inference commands by name, in the order `glmm --help` lists them */
export const inferenceCommands: ReadonlyArray<readonly [string, (p: Command) => void]> = [
  ["compare", registerCompare], ["fixef", registerFixef], ["confint", registerConfint], ["bootstrap", registerBootstrap], ["predict", registerPredict],
  ["simulate", registerSimulate], ["ranef", registerRanef], ["icc", registerIcc], ["marginal", registerMarginal], ["anova", registerAnova], ["emmeans", registerEmmeans],
];
