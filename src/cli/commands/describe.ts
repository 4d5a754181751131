import { NotImplementedError } from "../../errors.js";

export async function describeCommand(_opts: Record<string, unknown>): Promise<void> {
  throw new NotImplementedError("glmm describe");
}
