// Shared helpers for the covariance tests: fixture paths, loading, a tolerance check.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { parseDelimited } from "../../src/data/csv.js";
import type { Frame } from "../../src/data/frame.js";
import type { FitResult } from "../../src/fit.js";
import type { FittedLMM } from "../../src/lmm/lmm.js";
import type { FittedGLMM } from "../../src/glmm/glmm.js";
import type { Rng } from "../../src/inference/rng.js";

// compiled to dist/test/covariance/: the project root is three levels up
export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const dataPath = (name: string) => join(root, "test", "fixtures", "data", name);
export const readData = (name: string) => readFileSync(dataPath(name), "utf8");
export const frame = (name: string): Frame => parseDelimited(readData(name), { source: name });
export const reference = <T = any>(name: string): T => JSON.parse(readFileSync(join(root, "test", "fixtures", "reference", name), "utf8")) as T;

export function near(got: number, want: number, tol: number, what: string): void {
  assert.ok(Number.isFinite(got) && Math.abs(got - want) <= tol, `${what}: got ${got}, want ${want} ± ${tol}`);
}

/** assert.throws with a UserError whose message matches every pattern */
export function throwsUser(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: Error) => {
    assert.equal(e.name, "UserError", `not a UserError: ${e.stack}`);
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

/** the engine's fit of a mixed model */
export const mixed = (r: FitResult) => r.fit as FittedLMM | FittedGLMM;

/**
 * Two routes give the same fit: logLik to `tol` relative; estimates, SEs, SDs, modes and conditional
 * SDs to `rel` (of the SE, the SD, the largest mode, the conditional SD).
 */
export function sameFit(a: FitResult, b: FitResult, tol: number, rel = 1e-3): void {
  near(a.json.logLik, b.json.logLik, tol * Math.max(1, Math.abs(b.json.logLik)), "logLik");
  a.json.fixef.forEach((f, j) => {
    const g = b.json.fixef[j];
    near(f.estimate, g.estimate, rel * g.se, `estimate ${f.term}`);
    near(f.se, g.se, rel * g.se, `se ${f.term}`);
  });
  a.json.varcorr.forEach((v, k) => near(v.sd!, b.json.varcorr[k].sd!, rel * b.json.varcorr[k].sd! + rel * 1e-3, `sd ${v.group}`));
  const ra = mixed(a).ranef, rb = mixed(b).ranef;
  for (let t = 0; t < ra.length; t++) {
    assert.equal(ra[t].levels.length, rb[t].levels.length);
    const scale = Math.max(...Array.from(rb[t].values[0], Math.abs), 1e-3);
    for (let l = 0; l < ra[t].levels.length; l++) {
      near(ra[t].values[0][l], rb[t].values[0][l], rel * scale, `ranef ${ra[t].group} ${ra[t].levels[l]}`);
      near(ra[t].condsd![0][l], rb[t].condsd![0][l], rel * rb[t].condsd![0][l] + rel * 1e-4, `condsd ${ra[t].group} ${ra[t].levels[l]}`);
    }
  }
}

/**
 * A random coalescent tree of n tips sp0, sp1, … (balanced: n a power of 2, pairs of neighbours,
 * one unit of height per level), as Newick with `zero` tips on zero-length branches, and a
 * Brownian motion down it (height scaled to 1): the tips' values.
 */
export function coalescentTree(g: Rng, n: number, zero = 0, balanced = false): { newick: string; value: Map<string, number> } {
  type Node = { name?: string; h: number; kids?: Node[] };
  let live: Node[] = Array.from({ length: n }, (_, i) => ({ name: `sp${i}`, h: 0 }));
  let h = 0;
  for (; balanced && live.length > 1; h++) live = Array.from({ length: live.length / 2 }, (_, i) => ({ h: h + 1, kids: [live[2 * i], live[2 * i + 1]] }));
  while (live.length > 1) {
    const k = live.length;
    h += -Math.log(g.random()) / ((k * (k - 1)) / 2);
    const i = Math.floor(g.random() * k);
    let j = Math.floor(g.random() * (k - 1));
    if (j >= i) j++;
    const node = { h, kids: [live[i], live[j]] };
    live = live.filter((_, x) => x !== i && x !== j);
    live.push(node);
  }
  const root = live[0];
  const value = new Map<string, number>();
  let zeros = 0;
  const write = (nd: Node, parentH: number, v: number): string => {
    let len = parentH - nd.h;
    if (nd.name && zeros < zero && parentH - nd.h < 0.6 * root.h) { len = 0; zeros++; }
    const x = v + Math.sqrt(len / root.h) * g.normal();
    if (nd.name) { value.set(nd.name, x); return `${nd.name}:${len.toPrecision(12)}`; }
    return `(${nd.kids!.map((c) => write(c, nd.h, x)).join(",")}):${len.toPrecision(12)}`;
  };
  return { newick: `(${root.kids!.map((c) => write(c, root.h, 0)).join(",")});`, value };
}
