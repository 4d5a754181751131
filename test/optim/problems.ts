// Test problems shared by the optimizer tests (mirrored in test/fixtures/reference/optim_bobyqa.R).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "./sleepstudy-reml.js";

export const rosen = (x: Float64Array): number => {
  let s = 0;
  for (let i = 0; i + 1 < x.length; i++) s += 100 * (x[i + 1] - x[i] * x[i]) ** 2 + (1 - x[i]) ** 2;
  return s;
};

/** Quadratic whose minimum on [-1,1]×[0,1]×[-1,1] is (1, 0, 0.35), f = 3.1275: two bounds active. */
export const quad3 = (x: Float64Array): number =>
  (x[0] - 2) ** 2 + 2 * (x[1] + 1) ** 2 + (x[2] - 0.5) ** 2 + 0.3 * x[0] * x[2];

/**
 * Powell's BOBYQA test problem (DAMTP 2009/NA06, section 7): M = n/2 points in the square
 * [-1,1]², x = their coordinates; f = Σ_{i<j} 1/‖P_i − P_j‖; start equally spaced on the unit circle.
 */
export function powellSphere(m: number): { f: (x: Float64Array) => number; x0: number[] } {
  const x0: number[] = [];
  for (let i = 1; i <= m; i++) x0.push(Math.cos((2 * Math.PI * i) / m), Math.sin((2 * Math.PI * i) / m));
  const f = (x: Float64Array): number => {
    let s = 0;
    for (let i = 0; i < m; i++) {
      for (let j = i + 1; j < m; j++) {
        const d = Math.sqrt((x[2 * i] - x[2 * j]) ** 2 + (x[2 * i + 1] - x[2 * j + 1]) ** 2);
        s += 1 / Math.max(d, 1e-6);
      }
    }
    return s;
  };
  return { f, x0 };
}

export interface RefRun {
  par: number[];
  fval: number;
  feval: number;
}
export interface LmmRef {
  theta: number[];
  reml: number;
  feval: number;
}
export interface ProblemRef {
  npt: number;
  minqa: RefRun;
  nlopt: RefRun;
}
export interface SleepstudyRef {
  dev_at: Array<{ theta: number[]; dev: number }>;
  nloptwrap: LmmRef;
  minqa_default: LmmRef;
  minqa_npt7: LmmRef;
  nelder_mead: LmmRef;
}

const refs = JSON.parse(
  readFileSync(join(root, "test", "fixtures", "reference", "optim_bobyqa.json"), "utf8"),
) as { results: Record<string, unknown> };

/** minqa (Powell's Fortran) and NLopt runs of problem `id`, from optim_bobyqa.json. */
export function problemRef(id: string): ProblemRef {
  const r = refs.results[id];
  if (!r) throw new Error(`no reference for ${id}`);
  return r as ProblemRef;
}

export function sleepstudyRef(): SleepstudyRef {
  return refs.results.sleepstudy_reml as SleepstudyRef;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
