// Confidence intervals by one of three methods, as lme4's confint.merMod: "Wald" (fixed effects
// only: β ± z·SE, normal quantiles as lme4 uses; a plain gaussian lm uses t with the residual df,
// as R's confint.lm), "profile" (profile.ts) and "boot" (a parametric bootstrap, bootstrap.ts).
import { UserError } from "../errors.js";
import { qnorm } from "../families/special.js";
import type { FittedGLM } from "../glm/glm.js";
import { qt } from "./distributions.js";
import { bootstrapConfint, parametricBootstrap } from "./bootstrap.js";
import type { ModelFit } from "./model.js";
import { profileConfint, type ConfintResult } from "./profile.js";

/** Interval methods, as lme4's confint: "Wald", "profile" (likelihood profile, the default) or "boot" (parametric bootstrap). */
export type ConfintMethod = "Wald" | "profile" | "boot";

/** Options of {@link confint}: method, level, parameters (parm) and bootstrap settings. */
export interface ConfintOptions {
  readonly method?: ConfintMethod;
  readonly level?: number;
  readonly parm?: readonly string[];
  /** bootstrap: number of refits and seed */
  readonly nsim?: number;
  readonly seed?: number;
  readonly onProgress?: (done: number, total: number) => void;
  /** profile: also evaluate ζ on a grid beyond the limits (ConfintResult.points, for a plot) */
  readonly curve?: boolean;
}

/** Wald intervals for the fixed effects: β ± z·SE, or β ± t(df.residual)·SE for a gaussian lm (R's confint.lm). */
export function waldConfint(m: ModelFit, level = 0.95): ConfintResult {
  const f = m.fit;
  const g = f as typeof f | FittedGLM; // the library's Model passes its GLMs (and GEEs, without dfResidual) here too
  // an lm's SEs use the estimated σ, so its coefficients are exactly t-distributed; glm's other
  // families and mixed models keep the normal quantile (lme4's confint(method = "Wald"))
  const lm = g.kind === "glm" && g.family === "gaussian" && g.link === "identity" && typeof g.dfResidual === "number" && g.dfResidual > 0;
  const z = lm ? qt((1 + level) / 2, (g as FittedGLM).dfResidual) : qnorm((1 + level) / 2);
  const p = f.beta.length;
  const rows = f.xnames.map((name, j) => {
    const se = Math.sqrt(f.vcov[j + j * p]);
    return { parameter: name, estimate: f.beta[j], lower: f.beta[j] - z * se, upper: f.beta[j] + z * se };
  });
  // the zero-inflation and dispersion formulas' coefficients, named as glmmTMB's confint: zi.NAME, disp.NAME
  if (f.kind === "glmm") {
    for (const [prefix, part, text] of [["zi", f.zi, m.options.zi], ["disp", f.disp, m.options.disp]] as const) {
      if (!part || text === undefined) continue;
      part.rows.forEach((r) => rows.push({ parameter: `${prefix}.${r.term}`, estimate: r.estimate, lower: r.estimate - z * r.se, upper: r.estimate + z * r.se }));
    }
  }
  return { method: "Wald", level, rows, warnings: [] };
}

/** Confidence intervals for a fit's parameters, as lme4's confint.merMod (profile by default; Wald or parametric bootstrap on request). */
export function confint(m: ModelFit, options: ConfintOptions = {}): ConfintResult {
  const level = options.level ?? 0.95;
  if (!(level > 0 && level < 1)) throw new UserError(`the confidence level must be between 0 and 1, not ${level}`);
  const method = options.method ?? "profile";
  let res: ConfintResult;
  switch (method) {
    case "Wald": res = waldConfint(m, level); break;
    case "profile": return profileConfint(m, { level, parm: options.parm, onProgress: options.onProgress, curve: options.curve });
    case "boot": res = bootstrapConfint(parametricBootstrap(m, { nsim: options.nsim, seed: options.seed, onProgress: options.onProgress }), level); break;
    default: throw new UserError(`unknown interval method '${method as string}' (use Wald, profile or boot)`);
  }
  if (options.parm) {
    const known = new Set(res.rows.map((r) => r.parameter));
    for (const p of options.parm) if (!known.has(p)) throw new UserError(`unknown parameter '${p}' (parameters: ${[...known].join(", ")})`);
    const want = new Set(options.parm);
    res = { ...res, rows: res.rows.filter((r) => want.has(r.parameter)) };
  }
  return res;
}
