// Rendering a plot spec (vega-lite, plain object) to an SVG document, in Node or a browser: vega-lite
// compiles it to vega, vega's View renders it headless (renderer "none" + toSVG, text widths
// estimated). vega and vega-lite are optional dependencies, imported on first use.
import { optionalImport } from "../optional.js";
import type { PlotSpec } from "./spec.js";

/** Render one vega-lite spec to an SVG document (needs the optional packages vega and vega-lite). */
export async function renderSVG(spec: PlotSpec, importer?: (specifier: string) => Promise<unknown>): Promise<string> {
  const [vega, vl] = await Promise.all([optionalImport<typeof import("vega")>("vega", importer), optionalImport<typeof import("vega-lite")>("vega-lite", importer)]);
  // warnings are about our own specs, not the user's input: keep them off the terminal
  const quiet = vega.logger(vega.None);
  const compiled = vl.compile(spec as unknown as Parameters<typeof vl.compile>[0], { logger: quiet }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.None, loader: noLoader as unknown as ReturnType<typeof vega.loader> });
  try {
    const svg = await view.toSVG();
    return svg.startsWith("<?xml") ? svg : `<?xml version="1.0" encoding="UTF-8"?>\n${svg}\n`;
  } finally {
    view.finalize();
  }
}

// Specs carry their data inline; a spec never makes vega read a file or fetch a URL.
const refuse = (what: string) => Promise.reject(new Error(`plots do not load external data (${what})`));
const noLoader = { load: refuse, sanitize: refuse, http: refuse, file: refuse };
