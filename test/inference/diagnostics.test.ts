// Few-levels and singular-fit diagnostics.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Frame } from "../../src/data/frame.js";
import { fewLevelsDiagnostics, fitDiagnostics } from "../../src/inference/diagnostics.js";
import { fitModel } from "../../src/inference/model.js";
import { Rng } from "../../src/inference/rng.js";
import { data } from "./helpers.js";

test("batches (3 levels) gets the few-levels warning with a fixed-effect alternative", () => {
  const m = fitModel(data("batches.csv"), "expression ~ group + (1 | batch)", {});
  const d = fewLevelsDiagnostics(m.ms, m.formula);
  assert.equal(d.length, 1);
  assert.equal(d[0].group, "batch");
  assert.match(d[0].message, /only 3 levels/);
  assert.match(d[0].message, /poorly determined/);
  assert.match(d[0].message, /expression ~ group \+ batch/);
  // sleepstudy's 18 subjects draw nothing
  const s = fitModel(data("sleepstudy.csv"), "Reaction ~ Days + (Days | Subject)", {});
  assert.deepEqual(fitDiagnostics(s.ms, s.fit, s.formula), []);
});

/** 8 groups without any group effect (seed 1 gives a zero variance estimate) */
function noGroupEffect(seed: number): Frame {
  const r = new Rng(seed);
  const rows: Record<string, unknown>[] = [];
  for (let g = 0; g < 8; g++) for (let x = 0; x < 5; x++) rows.push({ g: `g${g}`, x, y: 1 + 0.5 * x + r.normal() });
  return Frame.fromRecords(rows);
}

/** intercepts and slopes perfectly correlated (seed 2 gives a correlation estimate of 1) */
function perfectCorrelation(seed: number): Frame {
  const r = new Rng(seed);
  const rows: Record<string, unknown>[] = [];
  for (let g = 0; g < 12; g++) {
    const b = r.normal();
    for (let x = 0; x < 6; x++) rows.push({ g: `g${g}`, x, y: 1 + 0.5 * x + b + 0.5 * b * x + 0.5 * r.normal() });
  }
  return Frame.fromRecords(rows);
}

test("a zero variance is named with the simpler model", () => {
  const m = fitModel(noGroupEffect(1), "y ~ x + (1 | g)", {});
  assert.equal(m.fit.singular, true);
  const d = fitDiagnostics(m.ms, m.fit, m.formula);
  assert.equal(d.length, 1);
  assert.equal(d[0].kind, "singular");
  assert.match(d[0].message, /variance of \(1 \| g\) is estimated as zero/);
  assert.match(d[0].message, /y ~ x\)/);
});

test("a correlation at ±1 suggests uncorrelated effects or dropping the slope", () => {
  const m = fitModel(perfectCorrelation(2), "y ~ x + (x | g)", {});
  assert.equal(m.fit.singular, true);
  const d = fitDiagnostics(m.ms, m.fit, m.formula);
  assert.equal(d.length, 1);
  assert.match(d[0].message, /correlation of 'x' with '\(Intercept\)' is estimated at 1\.00/);
  assert.match(d[0].message, /\(1 \+ x \|\| g\)/);
  assert.match(d[0].message, /\(1 \| g\)/);
});

test("a degenerate 3×3 term without any correlation at ±1 names the degenerate direction", async () => {
  const { singularDiagnostics } = await import("../../src/inference/diagnostics.js");
  const r = new Rng(7);
  const rows: Record<string, unknown>[] = [];
  for (let g = 0; g < 12; g++) for (let k = 0; k < 8; k++) rows.push({ g: `g${g}`, x: r.normal(), z: r.normal(), y: r.normal() });
  const m = fitModel(Frame.fromRecords(rows), "y ~ x + z + (1 + x + z | g)", {});
  // Λ = [[1,0,0],[0,1,0],[1,1,0]]: b_z = b_(Intercept) + b_x; each pairwise correlation with z is 0.71
  const d = singularDiagnostics({ ...m.fit, theta: Float64Array.from([1, 0, 1, 1, 1, 0]) } as typeof m.fit, m.formula);
  assert.equal(d.length, 1);
  assert.match(d[0].message, /the effect of 'z' is a linear combination of the others: z ≈ 1\.00·\(Intercept\) \+ 1\.00·x \(the largest single correlation is 0\.71\)/);
  // with a pairwise correlation at −1 the message stays the pairwise one
  const e = singularDiagnostics({ ...m.fit, theta: Float64Array.from([1, 0, -2, 1, 0, 0]) } as typeof m.fit, m.formula);
  assert.match(e[0].message, /the correlation of 'z' with '\(Intercept\)' is estimated at -1\.00/);
});
