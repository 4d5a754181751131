// import() of the packages kept out of the CLI bundle (vega, vega-lite, h5wasm). bin/glmm.js runs the
// bundle through vm.Script with a code cache, and there V8 has no import() (functions restored from
// the cache lose the loader option), so the launcher — an ordinary module — hands over its own.
import { optionalImport } from "../report/optional.js";

export type ModuleImporter = (specifier: string) => Promise<unknown>;

let importer: ModuleImporter = (specifier) => import(specifier);

/** Use the caller's import() (bin/glmm.js's) for the lazily loaded packages. */
export function setModuleImporter(f: ModuleImporter): void {
  importer = f;
}

/** import() of an optional package; a missing one is a one-line message saying what to install. */
export function importModule<T>(specifier: string): Promise<T> {
  return optionalImport<T>(specifier, importer);
}
