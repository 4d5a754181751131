import { NotImplementedError } from "../../errors.js";

export async function metaCommand(_opts: Record<string, unknown>): Promise<void> {
  throw new NotImplementedError("glmm meta");
}
