import { armDesign, type Arm2x2 } from "../../src/meta/design.js";
import { fitGLMM } from "../../src/glmm/glmm.js";
import { readFileSync } from "node:fs";
const lines = readFileSync("/work/main/test/fixtures/data/bcg.csv","utf8").trim().split("\n").slice(1);
const st: Arm2x2[] = lines.map(l => { const f = l.split(","); const tpos=+f[3],tneg=+f[4],cpos=+f[5],cneg=+f[6]; return {label:f[0], ai:tpos, n1i:tpos+tneg, ci:cpos, n2i:cpos+cneg}; });
const k = st.length;
let t0 = Date.now();
const fs = armDesign(st, { fixed: [{name:"intrcpt", value:(i,t)=>t?1:0}, ...st.map((s,j)=>({name:"study"+s.label, value:(i:number)=>i===j?1:0}))], random:[{cname:"group", treated:0.5, control:-0.5}] }, "UM.FS");
const f = fitGLMM(fs, { family: "binomial", nAGQ: 7 });
console.log("FS", f.beta[0], Math.sqrt(f.vcov[0]), f.theta[0]**2, f.logLik, Date.now()-t0, f.warnings);
t0 = Date.now();
const rs = armDesign(st, { fixed: [{name:"intrcpt", value:(i,t)=>t?1:0}, {name:"const", value:()=>1}], random:[{cname:"(Intercept)", treated:1, control:1},{cname:"group", treated:0.5, control:-0.5}] }, "UM.RS");
const g = fitGLMM(rs, { family: "binomial", nAGQ: 1 });
console.log("RS", g.beta[0], Math.sqrt(g.vcov[0]), g.theta, g.varcorr, g.logLik, Date.now()-t0, g.warnings);
import { GeneralizedLinearMixedModel } from "../../src/glmm/glmm.js";
import { hessianFD } from "../../src/glmm/hessian.js";
{
  const m = new GeneralizedLinearMixedModel(rs, { family: "binomial" });
  const x = Float64Array.from([1.364411, 0.565540, -0.761584, -4.112825]);
  const f = (x: Float64Array) => m.deviance(x.subarray(0, 2), x.subarray(2));
  const h = hessianFD(f, x);
  console.log(Array.from(h.hessian).map(v=>v.toFixed(4)).join(" "));
  console.log(f(x));
  for (const d of [1e-3, 1e-5]) { const h2 = hessianFD(f, x, undefined, d); console.log(d, Array.from(h2.hessian).map(v=>v.toFixed(4)).join(" ")); }
}
{
  const m = new GeneralizedLinearMixedModel(rs, { family: "binomial" });
  const x = Float64Array.from([1.364411, 0.565540, -0.761584, -4.112825]);
  const f = (x: Float64Array) => m.deviance(x.subarray(0, 2), x.subarray(2));
  const vals: number[] = [];
  for (const pre of [[1,0.5,-0.7,-4],[2,1,-1,-4.5],[1.364411, 0.565540, -0.761584, -4.112825],[0.5,0.1,0,-3]]) { f(Float64Array.from(pre)); vals.push(f(x)); }
  console.log(vals.map(v => (v - vals[0]).toExponential(3)));
  const st = (m as any).state; console.log("pirls iters", st.pirls(x.subarray(0,2), false));
}
{
  const m = new GeneralizedLinearMixedModel(rs, { family: "binomial" });
  const x = Float64Array.from([1.364411, 0.565540, -0.761584, -4.112825]);
  const f = (x: Float64Array) => m.deviance(x.subarray(0, 2), x.subarray(2));
  for (const STEP of [1e-5, 1e-4, 1e-3]) for (const dir of [1, 3]) {
  const out: string[] = [];
  const f0 = f(x);
  for (let t = -5; t <= 5; t++) { const y = Float64Array.from(x); y[dir] += t * STEP; out.push((f(y) - f0).toExponential(4)); }
  console.log(dir, out.join(" "));
  }
}
{
  const m = new GeneralizedLinearMixedModel(rs, { family: "binomial" });
  const x = Float64Array.from([1.364411, 0.565540, -0.761584, -4.112825]);
  const f = (x: Float64Array) => m.deviance(x.subarray(0, 2), x.subarray(2));
  const y = Float64Array.from(x); y[1] += 1e-4;
  const res: number[] = [];
  const pres = [x, [1.364411, 0.565540, -0.761584+1e-4, -4.112825], [1.364411+1e-4, 0.565540, -0.761584, -4.112825], [1.364411, 0.565540-1e-4, -0.761584, -4.112825], [1,1,1,1], [0.1,0.1,0,-5]];
  for (const pre of pres) { f(Float64Array.from(pre)); res.push(f(y)); }
  console.log(res.map(v => (v - res[0]).toExponential(3)));
}
{
  const m = new GeneralizedLinearMixedModel(rs, { family: "binomial" });
  const st = (m as any).state;
  const x = Float64Array.from([1.364411, 0.565540, -0.761584, -4.112825]);
  const y = Float64Array.from(x); y[1] += 1e-4;
  for (const pre of [x, Float64Array.from([1.364411+1e-4, 0.565540, -0.761584, -4.112825])]) {
    m.deviance(pre.subarray(0,2), pre.subarray(2));
    st.beta.set(y.subarray(2));
    const r = st.pirls(y.subarray(0,2), false);
    console.log(r, st.minus2LogDensity(), st.sqrU(), st.sysU.logdetZ(), Array.from(st.u.slice(0,3)));
  }
}
import { activeInverse } from "../../src/glmm/hessian.js";
{
  const m = new GeneralizedLinearMixedModel(rs, { family: "binomial" });
  const x = Float64Array.from([...g.theta, ...g.beta]);
  const f = (x: Float64Array) => { m.deviance(x.subarray(0, 2), x.subarray(2)); return m.deviance(x.subarray(0, 2), x.subarray(2)); };
  const h = hessianFD(f, x);
  console.log(Array.from(h.hessian).map(v=>v.toFixed(4)).join(" "));
  const inv = activeInverse(h.hessian, x, [0,0,-Infinity,-Infinity], 2)!;
  console.log("se", Math.sqrt(2*inv.get(2,2)), Math.sqrt(2*inv.get(3,3)));
}
