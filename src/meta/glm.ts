// A small binomial GLM (logit link) by iteratively reweighted least squares: the fixed-effect
// (τ² = 0) model of UM.FS is one, and it has no random effects for the GLMM engine to work on.
import { binomialLogLik } from "./binomial.js";
import { cholLower, cholInverse, solveLower, solveLowerT } from "../linalg/dense.js";

export interface BinomialGLMFit {
  readonly beta: Float64Array;
  /** p × p column-major: the inverse Fisher information */
  readonly vcov: Float64Array;
  /** log-likelihood with the binomial coefficients */
  readonly logLik: number;
  readonly iterations: number;
  readonly converged: boolean;
}

/**
 * Maximum likelihood for events ~ Binomial(trials, expit(Xβ)). X is column-major n × p of full
 * column rank; rows with 0 trials contribute nothing.
 */
export function fitBinomialGLM(X: Float64Array, n: number, p: number, events: Float64Array, trials: Float64Array, maxIter = 100): BinomialGLMFit {
  const beta = new Float64Array(p);
  const eta = new Float64Array(n);
  // start as R's binomial()$initialize: μ = (y·n + ½)/(n + 1), and one weighted least squares step
  for (let i = 0; i < n; i++) {
    const mu = trials[i] > 0 ? (events[i] + 0.5) / (trials[i] + 1) : 0.5;
    eta[i] = Math.log(mu / (1 - mu));
  }
  let dev = Infinity;
  let converged = false;
  let it = 0;
  const A = new Float64Array(p * p);
  const b = new Float64Array(p);
  let first = true;
  for (; it < maxIter; it++) {
    // weights and working response at η
    A.fill(0);
    b.fill(0);
    for (let i = 0; i < n; i++) {
      if (trials[i] === 0) continue;
      const mu = expit(eta[i]);
      const w = trials[i] * mu * (1 - mu);
      if (!(w > 0)) continue;
      const z = eta[i] + (events[i] - trials[i] * mu) / w;
      for (let a = 0; a < p; a++) {
        const xa = X[i + a * n];
        if (xa === 0) continue;
        b[a] += w * xa * z;
        for (let c = a; c < p; c++) A[c + a * p] += w * xa * X[i + c * n];
      }
    }
    if (cholLower(A, p) >= 0) break;
    const sol = Float64Array.from(b);
    solveLower(A, p, sol);
    solveLowerT(A, p, sol);
    // step-halving on the deviance
    let step = 1;
    let accepted = false;
    const old = Float64Array.from(beta);
    for (let h = 0; h < 30; h++) {
      for (let j = 0; j < p; j++) beta[j] = first ? sol[j] : old[j] + step * (sol[j] - old[j]);
      for (let i = 0; i < n; i++) eta[i] = etaFromBeta(X, n, p, beta, i);
      const d = -2 * binomialLogLik(events, trials, eta);
      if (Number.isFinite(d) && (first || d <= dev + 1e-12 * Math.abs(dev))) {
        const change = Math.abs(dev - d);
        dev = d;
        accepted = true;
        if (!first && change < 1e-12 * (Math.abs(d) + 0.1)) converged = true;
        break;
      }
      step /= 2;
    }
    first = false;
    if (!accepted) { converged = true; break; }
    if (converged) { it++; break; }
  }
  // information at the final β
  A.fill(0);
  for (let i = 0; i < n; i++) {
    if (trials[i] === 0) continue;
    const mu = expit(eta[i]);
    const w = trials[i] * mu * (1 - mu);
    for (let a = 0; a < p; a++) for (let c = a; c < p; c++) A[c + a * p] += w * X[i + a * n] * X[i + c * n];
  }
  const vcov = cholLower(A, p) < 0 ? cholInverse(A, p) : new Float64Array(p * p).fill(NaN);
  return { beta, vcov, logLik: binomialLogLik(events, trials, eta), iterations: it, converged };
}

const expit = (eta: number) => 1 / (1 + Math.exp(-eta));

function etaFromBeta(X: Float64Array, n: number, p: number, beta: Float64Array, i: number): number {
  let s = 0;
  for (let j = 0; j < p; j++) s += X[i + j * n] * beta[j];
  return s;
}
