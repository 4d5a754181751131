// Parsing of repeated CLI options into typed values.
import { UserError } from "../errors.js";

/** ["trt=no_contact", ...] → { trt: "no_contact" } */
export function parseRefs(refs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const r of refs) {
    const i = r.indexOf("=");
    if (i <= 0 || i === r.length - 1) throw new UserError(`--ref expects COLUMN=LEVEL, got '${r}'`);
    out[r.slice(0, i).trim()] = r.slice(i + 1).trim();
  }
  return out;
}

/** commander collector for repeatable options */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];
