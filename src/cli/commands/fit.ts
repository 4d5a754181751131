import { NotImplementedError } from "../../errors.js";

export async function fitCommand(_opts: Record<string, unknown>): Promise<void> {
  throw new NotImplementedError("glmm fit");
}
