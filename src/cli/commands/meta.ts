import type { Command } from "commander";
import { collect } from "../options.js";
import { NotImplementedError } from "../../errors.js";

export async function metaCommand(_opts: Record<string, unknown>): Promise<void> {
  throw new NotImplementedError("glmm meta");
}

/** `glmm meta`: its flags (commander) */
export function registerMeta(p: Command): void {
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
}
