// Inference on fitted mixed models: tests, intervals, predictions, simulation, variance components.
export { fitModel, fromFitResult, refitML, type ModelFit } from "./model.js";
export { Satterthwaite, satterthwaiteTable, type ContrastTest, type FixefTestRow, type FTest } from "./satterthwaite.js";
export { compareModels, type CompareRow, type CompareResult } from "./compare.js";
export { confint, waldConfint, type ConfintMethod, type ConfintOptions } from "./confint.js";
export { profileConfint, type ConfintRow, type ConfintResult, type ProfileConfintOptions } from "./profile.js";
export { Bootstrap, parametricBootstrap, bootstrapConfint, percentile, type BootstrapOptions, type BootstrapResult, type BootstrapSummaryRow, type BootstrapConfint } from "./bootstrap.js";
export { simulateResponses, type SimulateOptions } from "./simulate.js";
export { predict, type PredictOptions, type PredictResult, type PredictLevel } from "./predict.js";
export { newDesign, type NewDesign } from "./newdata.js";
export { ranefRows, ranefCSV, type RanefRow } from "./ranef.js";
export { iccR2, varianceComponents, nullFormula, type ICCResult, type VarianceComponents } from "./icc.js";
export { marginalCoefficients, marginalMean, type MarginalResult, type MarginalCoefRow } from "./marginal.js";
export { fewLevelsDiagnostics, singularDiagnostics, fitDiagnostics, FEW_LEVELS, type Diagnostic } from "./diagnostics.js";
export { Rng } from "./rng.js";
export { ptUpper, pt2, qt, pchisqUpper, pfUpper, pbeta, gammaQ } from "./distributions.js";
export { varParInfo, thetaToVarPar, varParToTheta, type VarParInfo } from "./params.js";
export { anova, termContrasts, waldChisq, type AnovaResult, type AnovaRow, type AnovaType } from "./anova.js";
export { fixedTerms, type FixedTerms, type FixedTerm, type TermVariable } from "./terms.js";
