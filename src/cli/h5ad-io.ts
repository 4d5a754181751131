// AnnData .h5ad files through h5wasm (Node only). h5wasm (4 MB with its WebAssembly) is loaded
// only when an .h5ad file is opened, and is kept out of the CLI bundle (external in
// scripts/bundle.mjs), so other commands do not pay for it.
import { UserError } from "../errors.js";
import { importModule } from "./dynamic-import.js";
import type { CountSource } from "../singlecell/counts.js";
import { type H5adOptions, type H5Group, h5adSource } from "../singlecell/h5ad.js";

interface H5Module {
  ready: Promise<unknown>;
  File: new (path: string, mode: string) => H5Group & { close(): unknown };
}

let h5: H5Module | null = null;

/** h5wasm's Node build (shared by the reader and the tests that write fixtures). */
export async function loadH5wasm(): Promise<H5Module> {
  if (h5) return h5;
  const mod = await importModule<{ default?: H5Module } & H5Module>("h5wasm/node");
  const m = mod.default ?? mod;
  await m.ready;
  h5 = m;
  return m;
}

export async function openH5ad(path: string, options: H5adOptions = {}): Promise<CountSource> {
  const m = await loadH5wasm();
  let file: H5Group & { close(): unknown };
  try {
    file = new m.File(path, "r");
  } catch (e) {
    throw new UserError(`cannot read '${path}' as HDF5: ${(e as Error).message.split("\n")[0]}`);
  }
  try {
    return { ...h5adSource(file, path, options), close: () => { file.close(); } };
  } catch (e) {
    file.close();
    throw e;
  }
}
