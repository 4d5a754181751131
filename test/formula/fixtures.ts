// Shared test helpers: fixture paths and CSV loading.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDelimited } from "../../src/data/csv.js";
import type { Frame } from "../../src/data/frame.js";

// compiled to dist/test/formula/: the project root is three levels up
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const fixtures = join(root, "test", "fixtures");

const frames = new Map<string, Frame>();

export function loadCsv(path: string): Frame {
  let f = frames.get(path);
  if (!f) {
    f = parseDelimited(readFileSync(path, "utf8"), { source: path.split("/").pop() });
    frames.set(path, f);
  }
  return f;
}

export function dataFrame(name: string): Frame {
  return loadCsv(join(fixtures, "data", name));
}

export function readJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(join(fixtures, ...parts), "utf8")) as T;
}
