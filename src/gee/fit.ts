// fitGEE: generalized estimating equations as geepack::geeglm fits them (see estimate.ts for the
// iteration, variance.ts for the sandwich variances, qic.ts for QIC).
import { UserError } from "../errors.js";
import { pnormUpper } from "../families/index.js";
import { clusterLayout } from "./clusters.js";
import { type Correlation, makeCorrelation, workingCorrelationMatrix } from "./correlation.js";
import { estimate } from "./estimate.js";
import { glmStart } from "./glm-start.js";
import { type Problem, meanState } from "./problem.js";
import { computeQIC, quasiLikelihood } from "./qic.js";
import { type CorStr, CORSTRS, type GeeCoef, type GeeInput, type GeeOptions, type GeeQIC, type GeeResult, STDERR_TYPES, type StdErrType } from "./types.js";
import { geeVariance } from "./variance.js";

/** working correlation matrices are returned up to this many waves */
const MAX_WORKING_COR = 100;

/** Below this many clusters the sandwich is biased downward (Mancl & DeRouen 2001). */
const FEW_CLUSTERS = 40;

/** The sandwich averages over clusters: with few of them (or fewer than coefficients) it is unreliable. */
function designWarnings(nclusters: number, p: number, stdErr: StdErrType): string[] {
  if (nclusters <= p) {
    return [`only ${nclusters} clusters for ${p} coefficients: the robust (sandwich) variance has rank at most ${nclusters} and its standard errors and p-values are not usable; use more clusters or fewer coefficients`];
  }
  if (nclusters < FEW_CLUSTERS && stdErr === "san.se") {
    return [`only ${nclusters} clusters: the sandwich standard errors are biased downward below about ${FEW_CLUSTERS} clusters; consider --std-err md (Mancl–DeRouen small-sample correction)`];
  }
  return [];
}

/**
 * An estimated working correlation that is not a correlation matrix (an unstructured estimate of
 * 1.25, an exchangeable α below −1/(T−1)): said, with the worst entry. Checked by a Cholesky
 * factorization over the waves (up to MAX_WORKING_COR of them).
 */
function workingCorrelationProblem(cor: Correlation, alpha: Float64Array, T: number, corstr: CorStr): string | null {
  if (cor.nparam === 0 || T < 2) return null;
  const m = Math.min(T, MAX_WORKING_COR);
  const R = workingCorrelationMatrix(cor, alpha, m);
  let worst = 0, wa = 0, wb = 0;
  for (let a = 0; a < m; a++) for (let b = a + 1; b < m; b++) if (Math.abs(R[a][b]) > Math.abs(worst)) { worst = R[a][b]; wa = a; wb = b; }
  const L = R.map((r) => r.slice());
  let pd = true;
  for (let j = 0; j < m && pd; j++) {
    let d = L[j][j];
    for (let k = 0; k < j; k++) d -= L[j][k] * L[j][k];
    if (!(d > 1e-10)) { pd = false; break; }
    L[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < m; i++) {
      let s = L[i][j];
      for (let k = 0; k < j; k++) s -= L[i][k] * L[j][k];
      L[i][j] = s / L[j][j];
    }
  }
  if (pd && Math.abs(worst) <= 1) return null;
  const entry = `${worst.toFixed(3)} between waves ${wa + 1} and ${wb + 1}`;
  return `the estimated ${corstr} working correlation is not ${Math.abs(worst) > 1 ? "a correlation matrix" : "positive definite"} (e.g. ${entry}): the estimates use an impossible correlation; use a simpler --corstr (exchangeable, ar1) or independence`;
}

/** Fit a GEE (Liang & Zeger 1986) on a model matrix, as geepack::geeglm: coefficients, sandwich (or chosen) standard errors and QIC. */
export function fitGEE(input: GeeInput, options: GeeOptions): GeeResult {
  const { X, xnames, y, cluster } = input;
  const n = y.length;
  const p = xnames.length;
  const family = options.family;
  const corstr = options.corstr;
  if (!CORSTRS.includes(corstr)) throw new UserError(`unknown correlation structure '${corstr}' (use ${CORSTRS.join(", ")})`);
  const stdErr = options.stdErr ?? "san.se";
  if (!STDERR_TYPES.includes(stdErr)) throw new UserError(`unknown standard error type '${stdErr}' (use ${STDERR_TYPES.join(", ")})`);
  const mdep = options.mdep ?? 1;
  if (corstr === "mdep" && (!Number.isInteger(mdep) || mdep < 1)) throw new UserError(`--mdep must be a positive integer, got ${mdep}`);
  if (X.length !== n * p) throw new Error(`X has ${X.length} values, expected ${n} × ${p}`);
  if (cluster.length !== n) throw new Error(`cluster has ${cluster.length} values, expected ${n}`);
  if (n === 0) throw new UserError("GEE: no observations");
  if (p === 0) throw new UserError("GEE: the model has no coefficients");
  const w = input.weights ? Float64Array.from(input.weights) : new Float64Array(n).fill(1);
  const offset = input.offset ? Float64Array.from(input.offset) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(y[i])) throw new UserError(`GEE: the response is missing or not finite at row ${i + 1}`);
    if (!(w[i] >= 0) || !Number.isFinite(w[i])) throw new UserError(`GEE: weight at row ${i + 1} is negative or not finite`);
    if (!Number.isFinite(offset[i])) throw new UserError(`GEE: offset at row ${i + 1} is not finite`);
  }
  if (family.name === "binomial" && y.some((v) => v < 0 || v > 1)) throw new UserError("GEE: a binomial response must lie in [0, 1] (use cbind(successes, failures) for counts)");
  if ((family.name === "poisson" || family.name === "negative_binomial") && y.some((v) => v < 0)) throw new UserError(`GEE: a ${family.name} response must be non-negative`);
  if (family.name === "Gamma" && y.some((v) => v <= 0)) throw new UserError("GEE: a Gamma response must be positive");

  // no residual degrees of freedom: the residuals are 0 and so is every "standard error"
  if (n <= p) throw new UserError(`GEE: ${n} observations for ${p} coefficients leave no residual degrees of freedom (a saturated fit: its standard errors would be 0, not estimates)`);
  const layout = clusterLayout(cluster, input.time);
  // the sandwich averages over clusters: with one cluster it is zero, not a variance
  if (layout.nclusters < 2) throw new UserError(`GEE needs at least two clusters; all ${n} rows are in one cluster`);
  if (layout.tiedWaves && corstr !== "independence" && corstr !== "exchangeable") {
    throw new UserError(`GEE: the time variable repeats within a cluster; corstr ${corstr} needs distinct times per cluster`);
  }
  const cor = makeCorrelation(corstr, layout.maxWave, mdep);
  const pb: Problem = { n, p, X, y, w, offset, family, layout, cor };
  const warnings: string[] = [];

  const start = glmStart(X, n, p, y, w, offset, family);
  if (!start.converged) warnings.push("the GLM fit used for starting values did not converge");
  const scaleFix = options.scaleFix ?? null;
  const maxit = options.maxit ?? 25;
  const tol = options.tol ?? 1e-4;
  const est = estimate(pb, start.beta, { maxit, tol, scaleFix });
  warnings.push(...est.warnings);
  warnings.push(...designWarnings(layout.nclusters, p, stdErr));
  const badCor = workingCorrelationProblem(cor, est.alpha, layout.maxWave, corstr);
  if (badCor) warnings.push(badCor);

  const st = meanState(pb, est.beta);
  const vr = geeVariance(pb, st, est.alpha, est.gamma, scaleFix === null);
  if (!vr) throw new UserError("GEE: the variance of the estimates is singular at the solution (collinear predictors or a singular working correlation)");

  let qic: GeeQIC | null = null;
  if (options.qic !== false) {
    // Ω_I from the independence fit (geepack refits the model with corstr = "independence")
    let bInd = est.beta, gInd = est.gamma;
    if (corstr !== "independence") {
      const pbInd: Problem = { ...pb, cor: makeCorrelation("independence", layout.maxWave) };
      const ind = estimate(pbInd, start.beta, { maxit, tol, scaleFix });
      bInd = ind.beta;
      gInd = ind.gamma;
    }
    const sInd = meanState(pb, bInd);
    const omega = new Float64Array(p * p);
    for (let i = 0; i < n; i++) {
      const f = (w[i] * sInd.me[i] * sInd.me[i]) / sInd.v[i] / gInd;
      for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) omega[a + b * p] += f * X[i + a * n] * X[i + b * n];
    }
    qic = computeQIC(quasiLikelihood(family, y, st.mu), omega, vr.robust, p, cor.nparam, layout.nclusters);
  }

  const chosen = stdErr === "md" ? vr.md : stdErr === "model" ? vr.naive : vr.robust;
  const sd = (v: Float64Array, j: number) => Math.sqrt(v[j + j * p]);
  const fixef: GeeCoef[] = xnames.map((term, j) => {
    const estimate = est.beta[j];
    const se = sd(chosen, j);
    const z = estimate / se;
    return {
      term, estimate, se, seRobust: sd(vr.robust, j), seModel: sd(vr.naive, j), seMD: sd(vr.md, j),
      statistic: z, p: 2 * pnormUpper(Math.abs(z)),
    };
  });

  const q = cor.nparam;
  const alphaArr = Array.from(est.alpha);
  const alpha = q === 0 ? null : corstr === "exchangeable" || corstr === "ar1" ? alphaArr[0] : alphaArr;
  const alphaSe = vr.valpha ? Array.from({ length: q }, (_, a) => Math.sqrt(vr.valpha![a + a * q])) : null;
  const fitted = st.mu;

  return {
    fixef, coefficients: est.beta, xnames, stdErr,
    vcov: chosen, vcovRobust: vr.robust, vcovModel: vr.naive, vcovMD: vr.md,
    alpha, alphaNames: cor.names, alphaSe,
    scale: est.gamma, scaleSe: vr.vgamma === null ? null : Math.sqrt(vr.vgamma), scaleFixed: scaleFix !== null,
    workingCorrelation: layout.maxWave <= MAX_WORKING_COR ? workingCorrelationMatrix(cor, est.alpha, layout.maxWave) : null,
    nobs: n, nclusters: layout.nclusters, maxClusterSize: layout.maxSize,
    corstr, mdep: corstr === "mdep" ? mdep : null,
    family: family.name, link: family.link.name,
    iterations: est.iterations, converged: est.converged, warnings, qic, fitted,
  };
}
