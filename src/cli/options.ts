// Parsing of repeated CLI options into typed values.
import { UserError } from "../errors.js";

/** ["trt=no_contact", ...] → { trt: "no_contact" } */
export function parseRefs(refs: readonly string[]): Record<string, string> {
  // null prototype: a column may be called '__proto__' or 'toString'
  const out: Record<string, string> = Object.create(null);
  for (const r of refs) {
    const i = r.indexOf("=");
    if (i <= 0 || i === r.length - 1) throw new UserError(`--ref '${r}': expected COLUMN=LEVEL`);
    const col = r.slice(0, i).trim();
    if (Object.hasOwn(out, col)) throw new UserError(`--ref is given twice for column '${col}'`);
    out[col] = r.slice(i + 1).trim();
  }
  return out;
}

/** commander collector for repeatable options */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];
