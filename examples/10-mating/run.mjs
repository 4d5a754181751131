// 10. Mating success: do males with longer tails mate more, and are some males consistently more
// attractive beyond their tail? 80 males observed for 10 nights each; matings per night are
// overdispersed counts: a negative binomial GLMM with a random intercept per male. The repeatability
// (ICC) of the male effect is "attractiveness" on the latent scale (Nakagawa & Schielzeth 2010).
import { fit, fromFitResult, iccR2 } from "../../dist/src/entry/engine.js";
import { coef, fmt, fmtP, isMain, printer, readData, readTruth, sdOf } from "../lib.mjs";

export const formula = "matings ~ tail + (1 | male)";
export const nullFormula = "matings ~ 1 + (1 | male)";

export async function main(options = {}) {
  const log = printer(options);
  const data = readData("mating.csv");
  const truth = readTruth("mating");
  const opts = { family: "negative_binomial" };

  const full = fit(data, formula, opts);
  const icc = iccR2(fromFitResult(data, formula, opts, full));
  const raw = fit(data, nullFormula, opts); // the male variance then includes tail differences
  const icc0 = iccR2(fromFitResult(data, nullFormula, opts, raw));

  const t = coef(full.json, "tail");
  const res = {
    tail: t.estimate, tailSE: t.se, tailP: t.p, nbSize: full.json.nb_size, sdMale: sdOf(full.json, "male"), logLik: full.json.logLik,
    iccAdjusted: icc.iccAdjusted, iccConditional: icc.iccConditional, r2Marginal: icc.r2Marginal, r2Conditional: icc.r2Conditional,
    residualVariance: icc.components.residual,
    iccRaw: icc0.iccAdjusted, sdMaleRaw: sdOf(raw.json, "male"),
    warnings: icc.warnings, nobs: full.json.nobs, males: full.json.groups.male,
  };
  log(
    `Mating: ${res.nobs} male-nights of ${res.males} males; ${formula} (negative binomial, Laplace)`,
    `  tail      ${fmt(res.tail)} (SE ${fmt(res.tailSE, 3)}, p = ${fmtP(res.tailP)}): ×${fmt(Math.exp(res.tail), 3)} matings per SD of tail length   [truth ${truth.tail}]`,
    `  male SD   ${fmt(res.sdMale)} (log scale)   [truth ${truth.sd_male}];  NB size ${fmt(res.nbSize)}   [truth ${truth.nb_size}]`,
    `  repeatability of attractiveness beyond the tail (adjusted ICC, latent scale) ${fmt(res.iccAdjusted, 3)}`,
    `  R² marginal ${fmt(res.r2Marginal, 3)} (tail), conditional ${fmt(res.r2Conditional, 3)} (tail + male)`,
    `  without the tail (${nullFormula}): male SD ${fmt(res.sdMaleRaw)}, repeatability ${fmt(res.iccRaw, 3)}`,
    ...res.warnings.map((w) => `  note: ${w}`),
  );
  return res;
}

if (isMain(import.meta.url)) await main();
