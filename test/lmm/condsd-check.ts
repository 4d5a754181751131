// A check shared by the iterative LMM and GLMM tests (issue 22): the stochastic conditional SDs
// against the exact route's, within the error the fit states.
import assert from "node:assert/strict";

/** the iterative fit's conditional SDs (a stochastic diagonal estimate) against the exact ones, within their stated error */
export function condsdWithin(it: { ranef: readonly { condsd: Float64Array[] | null }[]; solver: { condsd?: { maxRelSE: number; medianRelSE: number } } }, exact: { ranef: readonly { condsd: Float64Array[] | null }[] }): void {
  const cs = it.solver.condsd!;
  assert.ok(cs.maxRelSE > 0 && cs.maxRelSE < 0.02 && cs.medianRelSE <= cs.maxRelSE, JSON.stringify(cs));
  it.ranef.forEach((r, t) => {
    const a = r.condsd![0], b = exact.ranef[t].condsd![0];
    // the largest of some hundred errors: a few SEs of the worst-determined level
    for (let l = 0; l < a.length; l++) assert.ok(Math.abs(a[l] / b[l] - 1) < 4 * cs.maxRelSE, `term ${t} level ${l}: condsd ${a[l]} vs ${b[l]} (max rel SE ${cs.maxRelSE})`);
  });
}
