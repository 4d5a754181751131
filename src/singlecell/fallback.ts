// The general GLMM engine on one gene: the same model (Laplace, observed information, joint β, θ,
// log k) through fitGLMM. Slow (dense per-cell model structure) but independent of the fast path:
// used as the fallback when the fast path fails, by the tests as the exact reference, and for
// zero-inflated genes (`glmm de --zi "~ 1"`: the zero-inflation part of the general engine).
import { Frame } from "../data/frame.js";
import { buildModel } from "../formula/index.js";
import { fitGLMM } from "../glmm/glmm.js";
import type { CellDesign } from "./design.js";
import type { GeneFit } from "./nbgene.js";

/**
 * Fit one gene (nonzero cells as design positions and counts) with fitGLMM; `zi`: zero-inflated NB2
 * with one zero-inflation probability per gene (glmmTMB's ziformula = ~1).
 */
export function fitGeneGLMM(design: CellDesign, pos: ArrayLike<number>, y: ArrayLike<number>, count = pos.length, options: { zi?: boolean } = {}): GeneFit {
  const n = design.n, p = design.p;
  const Y = new Float64Array(n);
  for (let i = 0; i < count; i++) if (pos[i] >= 0) Y[pos[i]] += y[i];
  const cols: ConstructorParameters<typeof Frame>[0] = [{ kind: "numeric", name: "Y", values: Y }];
  for (let k = 0; k < p; k++) cols.push({ kind: "numeric", name: `X${k + 1}`, values: design.X.slice(k * n, (k + 1) * n) });
  cols.push({ kind: "numeric", name: "OFF", values: Float64Array.from(design.offset) });
  const g: string[] = new Array(n);
  for (let j = 0; j < design.nGroups; j++)
    for (let c = design.groupStart[j]; c < design.groupStart[j + 1]; c++) g[c] = `g${String(j).padStart(6, "0")}`;
  cols.push({ kind: "text", name: "G", values: g });
  const frame = new Frame(cols, n, "gene");
  const xs = Array.from({ length: p }, (_, k) => `X${k + 1}`).join(" + ");
  const ms = buildModel(frame, `Y ~ 0 + ${xs} + (1 | G) + offset(OFF)`);
  const zi = options.zi ? { X: new Float64Array(n).fill(1), p: 1, names: ["(Intercept)"] } : null;
  const f = fitGLMM(ms, { family: "negative_binomial", zi });
  if (ms.p !== p) throw new Error(`the general engine dropped ${p - ms.p} column(s) of X`);
  const se = new Float64Array(p);
  for (let k = 0; k < p; k++) se[k] = Math.sqrt(f.vcov[k + k * p]);
  const size = f.nbSize ?? NaN;
  const z = f.zi?.rows[0];
  return {
    ...(z ? { zi: { estimate: z.estimate, se: z.se } } : {}),
    ok: true, beta: Float64Array.from(f.beta), se, sdPatient: f.theta[0], nbSize: size, logLik: f.logLik,
    converged: f.converged, message: f.warnings.join("; "), iterations: 0, evaluations: f.evaluations,
  };
}
