import { NotImplementedError } from "../../errors.js";

export async function geeCommand(_opts: Record<string, unknown>): Promise<void> {
  throw new NotImplementedError("glmm gee");
}
