// AnnData .h5ad files through h5wasm (Node only).
import { UserError } from "../errors.js";
import type { CountSource } from "../singlecell/counts.js";

export async function openH5ad(path: string, _options: { geneColumn?: "id" | "name"; layer?: string } = {}): Promise<CountSource> {
  throw new UserError(`cannot read '${path}': h5ad support is not built yet`);
}
