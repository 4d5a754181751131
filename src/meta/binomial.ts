// Binomial log-likelihoods on the logit scale, written to stay finite for extreme η (arms with 0 or
// all events push η towards ±∞).
import { lchoose } from "../families/special.js";

/** log(1 + e^x) without overflow */
export function log1pexp(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** log dbinom(y, n, expit(η)) */
export function binomialLogDensity(y: number, n: number, eta: number): number {
  if (n === 0) return 0;
  return lchoose(n, y) + y * eta - n * log1pexp(eta);
}

/** Σ log dbinom(y_i, n_i, expit(η_i)) */
export function binomialLogLik(y: ArrayLike<number>, n: ArrayLike<number>, eta: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += binomialLogDensity(y[i], n[i], eta[i]);
  return s;
}

/** log dbinom(y, n, y/n): the saturated model's term (0·log 0 = 0) */
export function binomialSaturated(y: number, n: number): number {
  if (n === 0) return 0;
  const a = y === 0 ? 0 : y * Math.log(y / n);
  const b = y === n ? 0 : (n - y) * Math.log((n - y) / n);
  return lchoose(n, y) + a + b;
}
