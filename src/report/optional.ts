// The optional dependencies (vega and vega-lite for plots, h5wasm for .h5ad files) are loaded on
// first use; when one is not installed, say in one line what to install.
import { UserError } from "../errors.js";

const NEEDED: Readonly<Record<string, string>> = {
  "vega": "install vega and vega-lite to draw plots (npm install vega vega-lite)",
  "vega-lite": "install vega and vega-lite to draw plots (npm install vega vega-lite)",
  "h5wasm": "install h5wasm to read .h5ad files (npm install h5wasm)",
  "h5wasm/node": "install h5wasm to read .h5ad files (npm install h5wasm)",
};

/** import() of an optional dependency: a missing package becomes a UserError saying what to install. */
export async function optionalImport<T>(specifier: string, importer: (s: string) => Promise<unknown> = literalImport): Promise<T> {
  try {
    return (await importer(specifier)) as T;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const msg = e instanceof Error ? e.message : String(e);
    const missing = code === "ERR_MODULE_NOT_FOUND" || /Cannot find (package|module)|Failed to resolve module specifier/.test(msg);
    if (missing && NEEDED[specifier]) throw new UserError(NEEDED[specifier]);
    throw e;
  }
}

// literal specifiers, so that bundlers (vite, esbuild, webpack) see and resolve the packages
function literalImport(specifier: string): Promise<unknown> {
  switch (specifier) {
    case "vega": return import("vega");
    case "vega-lite": return import("vega-lite");
    default: return import(specifier);
  }
}
