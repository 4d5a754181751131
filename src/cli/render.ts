// Headless rendering of the plot specs (src/report/plots) to SVG in Node: vega-lite compiles the
// spec to vega, vega's View renders it without a browser (renderer "none" + toSVG, text widths
// estimated). vega is imported lazily so commands that draw nothing do not pay for loading it.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { FitResult } from "../fit.js";
import { UserError } from "../errors.js";
import { fitPlotSpecs } from "../report/plots/fitdata.js";
import type { PlotSpec } from "../report/plots/spec.js";
import { importModule } from "./dynamic-import.js";
import { renderSVG as renderSpecSVG } from "../report/plots/render.js";
import { writeFilesAtomic } from "./io.js";

/** Render one vega-lite spec to an SVG document (vega through the launcher's import()). */
export const renderSVG = (spec: PlotSpec): Promise<string> => renderSpecSVG(spec, (s) => importModule(s));

export interface WritePlotsOptions {
  /** also write each vega-lite spec as NAME.vl.json (to restyle or embed elsewhere) */
  readonly specs?: boolean;
}

/** Render specs to DIR/NAME.svg (creating DIR); returns the paths written. */
export async function writePlots(specs: Readonly<Record<string, PlotSpec>>, dir: string, options: WritePlotsOptions = {}): Promise<string[]> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "EEXIST" || code === "ENOTDIR" ? "a file is in the way" : code === "EACCES" || code === "EPERM" ? "permission denied" : code ?? (e as Error).message;
    throw new UserError(`cannot create plot directory '${dir}': ${why}`);
  }
  // render everything first, then write all files or none (a failed render leaves no partial set)
  const files: { path: string; content: string }[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    files.push({ path: join(dir, `${name}.svg`), content: await renderSVG(spec) });
    if (options.specs) files.push({ path: join(dir, `${name}.vl.json`), content: JSON.stringify(spec, null, 1) + "\n" });
  }
  writeFilesAtomic(files);
  return files.map((f) => f.path);
}

/**
 * `glmm fit --plot DIR`: the diagnostic plots of a fit — caterpillar.svg (random effects with
 * intervals), residuals.svg (residuals vs fitted), qq.svg (normal QQ of the random effects).
 */
export async function writeFitPlots(result: FitResult, dir: string, options: WritePlotsOptions = {}): Promise<string[]> {
  return writePlots({ ...fitPlotSpecs(result) }, dir, options);
}
