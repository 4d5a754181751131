import { studiesFromFrame } from "../../src/meta/tables.js";
import { parseDelimited } from "../../src/data/csv.js";
import { armDesign, type ArmRow } from "../../src/meta/design.js";
import { GeneralizedLinearMixedModel } from "../../src/glmm/glmm.js";
import { hessianFD, activeInverse } from "../../src/glmm/hessian.js";
import { invSPD } from "../../src/linalg/dense.js";
import { readFileSync } from "node:fs";
const bcg = parseDelimited(readFileSync("test/fixtures/data/bcg.csv", "utf8"), { source: "bcg.csv" });
const studies = studiesFromFrame(bcg, { ai: "tpos", bi: "tneg", ci: "cpos", di: "cneg" }).studies;
const k = studies.length;
const rows: ArmRow[] = [];
for (let i = 0; i < k; i++) rows.push({ study: i, treated: true }, { study: i, treated: false });
const fixed = [{ name: "const", value: () => 1 }, ...studies.map((_, j) => ({ name: `s${j}`, value: (r: ArmRow) => (r.study === j && r.treated ? 1 : 0) }))];
const ms = armDesign(studies, rows, { fixed, random: [{ cname: "(Intercept)", treated: 1, control: 1 }] }, "sat");
const m = new GeneralizedLinearMixedModel(ms, { family: "binomial" });
const fit = m.fit({ family: "binomial" });
console.log("ll", fit.logLik, "theta", fit.theta[0]);
const x = Float64Array.from([...fit.theta, ...fit.beta]);
const p = ms.p;
for (const reps of [1, 2, 3]) for (const delta of [1e-4, 3e-4, 1e-3]) {
  const f = (v: Float64Array) => { let d = 0; for (let r = 0; r < reps; r++) d = m.deviance(v.subarray(0, 1), v.subarray(1)); return d; };
  const h = hessianFD(f, x, undefined, delta);
  const inv = activeInverse(h.hessian, x, [0, ...new Array(p).fill(-Infinity)], 1)!;
  const V = (a: number, b: number) => 2 * inv.get(2 + a, 2 + b);
  const m1 = k; const r = m1 - 1;
  const C = new Float64Array(r * r), d = new Float64Array(r);
  for (let a = 0; a < r; a++) { d[a] = x[2 + a] - x[2 + m1 - 1]; for (let b = 0; b < r; b++) C[a + b * r] = V(a, b) - V(a, m1 - 1) - V(m1 - 1, b) + V(m1 - 1, m1 - 1); }
  const Ci = invSPD(C, r)!;
  let w = 0; for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) w += d[a] * Ci[a + b * r] * d[b];
  console.log(reps, delta, w, Math.sqrt(V(0, 0)));
}
