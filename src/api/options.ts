// Option objects of the library calls: unknown names are refused with the nearest valid one (a
// misspelt option would otherwise be ignored silently), and the CLI's names (nagq, ref, ...) are
// accepted beside the library's.
import { UserError } from "../errors.js";

function distance(a: string, b: string): number {
  a = a.toLowerCase(); b = b.toLowerCase();
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The valid name closest to `name`, when it is close enough to be a likely misspelling. */
export function nearest(name: string, valid: readonly string[]): string | null {
  let best: string | null = null, bd = Infinity;
  for (const v of valid) {
    const d = distance(name, v);
    if (d < bd) { bd = d; best = v; }
  }
  return best !== null && bd <= Math.max(2, Math.floor(best.length / 3)) ? best : null;
}

/**
 * Check an options object against the valid names and map the CLI's aliases to the library's names
 * (`{ nagq: 5 }` → `{ nAGQ: 5 }`). Throws a UserError naming an unknown option and its nearest valid one.
 */
export function checkOptions<T extends object>(options: T | undefined, valid: readonly string[], where: string, aliases: Readonly<Record<string, string>> = {}): T {
  if (options === undefined || options === null) return {} as T;
  if (typeof options !== "object" || Array.isArray(options)) throw new UserError(`${where}: options must be an object, not ${Array.isArray(options) ? "an array" : typeof options}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    const name = valid.includes(k) ? k : aliases[k];
    if (!name) {
      const near = nearest(k, [...valid, ...Object.keys(aliases)]);
      const hint = near ? ` (did you mean '${aliases[near] ?? near}'?)` : "";
      throw new UserError(`${where}: unknown option '${k}'${hint}; valid options: ${valid.join(", ")}`);
    }
    if (name in out && out[name] !== v) throw new UserError(`${where}: '${k}' and '${name}' are the same option; give one`);
    out[name] = v;
  }
  return out as T;
}

/** A string option that must be one of a few values. */
export function checkChoice<T extends string>(value: unknown, choices: readonly T[], what: string): T {
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
  const near = typeof value === "string" ? nearest(value, choices) : null;
  throw new UserError(`${what} must be one of ${choices.join(", ")}, not ${JSON.stringify(value)}${near ? ` (did you mean '${near}'?)` : ""}`);
}

/** CLI-style reference levels ("col=level" strings) or an object { col: level }. */
export function refLevelsOption(v: unknown, where: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  const entries: [string, string][] = [];
  const items = typeof v === "string" ? [v] : Array.isArray(v) ? v : null;
  if (items) {
    for (const s of items) {
      const m = typeof s === "string" ? /^([^=]+)=(.*)$/.exec(s) : null;
      if (!m) throw new UserError(`${where}: reference level ${JSON.stringify(s)} must look like "column=level"`);
      entries.push([m[1].trim(), m[2].trim()]);
    }
  } else if (typeof v === "object" && v !== null) {
    for (const [k, l] of Object.entries(v)) entries.push([k, String(l)]);
  } else throw new UserError(`${where}: refLevels must be an object { column: level } or "column=level" strings`);
  return Object.fromEntries(entries);
}
