// Shared by the meta tests: paths, data, reference values and a tolerance check.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseDelimited } from "../../src/data/csv.js";
import type { Frame } from "../../src/data/frame.js";
import { studiesFromFrame } from "../../src/meta/tables.js";
import type { Study2x2 } from "../../src/meta/design.js";

// dist/test/meta -> project root
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const dataPath = (f: string) => join(root, "test", "fixtures", "data", f);
export const refPath = (f: string) => join(root, "test", "fixtures", "reference", f);

export function frame(path: string): Frame {
  return parseDelimited(readFileSync(path, "utf8"), { source: path.split("/").pop()! });
}

export const bcgFrame = () => frame(dataPath("bcg.csv"));
export const nielweiseFrame = () => frame(refPath("meta_nielweise2007.csv"));
export const bcgStudies = (): Study2x2[] => studiesFromFrame(bcgFrame(), { ai: "tpos", bi: "tneg", ci: "cpos", di: "cneg", slab: "author" }).studies;
export const nielweiseStudies = (): Study2x2[] => studiesFromFrame(nielweiseFrame(), { ai: "ai", n1i: "n1i", ci: "ci", n2i: "n2i", slab: "author" }).studies;

export const json = (path: string) => JSON.parse(readFileSync(path, "utf8"));
export const cases = () => json(refPath("cases.json")).cases as any[];

export function near(actual: number | null | undefined, expected: number, tol: number, what: string): void {
  assert.ok(typeof actual === "number" && Number.isFinite(actual), `${what}: ${actual} is not a finite number`);
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (|diff| ${Math.abs(actual - expected).toExponential(3)} > ${tol.toExponential(3)})`);
}

/** Tags balance and every attribute value is quoted: a small XML well-formedness check. */
export function assertWellFormed(svg: string): void {
  assert.ok(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""), "root element");
  assert.ok(svg.trimEnd().endsWith("</svg>"));
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)([^>]*?)(\/?)>/g)) {
    const [, close, name, attrs, self] = m;
    assert.match(attrs, /^(\s+[a-zA-Z0-9-:]+="[^"<>]*")*\s*$/, `attributes of <${name}>: ${attrs}`);
    if (self) continue;
    if (close) assert.equal(stack.pop(), name, `</${name}>`);
    else stack.push(name);
  }
  assert.deepEqual(stack, []);
  // no raw ampersands outside entities
  assert.doesNotMatch(svg, /&(?!amp;|lt;|gt;|quot;)/);
}
