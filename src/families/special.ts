// Special functions used by the families and by inference (thin wrappers over @stdlib).
import { gammaln as gammalnImpl, digamma as digammaImpl, trigamma as trigammaImpl, erfc as erfcImpl, erfcinv as erfcinvImpl } from "./stdlib.js";

/** log Γ(x). */
export const lgamma: (x: number) => number = gammalnImpl;
/** The digamma function ψ(x) = d/dx log Γ(x). */
export const digamma: (x: number) => number = digammaImpl;
export const trigamma: (x: number) => number = trigammaImpl;
export const erfc: (x: number) => number = erfcImpl;

/** standard normal CDF */
export function pnorm(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}
/** standard normal upper tail, accurate far out */
export function pnormUpper(x: number): number {
  return 0.5 * erfc(x / Math.SQRT2);
}
/**
 * log Φ(x), accurate in both tails: log1p(−Q(x)) above 0, log Φ(x) down to −30 (erfc keeps full
 * relative precision there), and below −30 the Mills ratio's continued fraction
 * Q(t)/φ(t) = 1/(t + 1/(t + 2/(t + 3/(t + …)))), t = −x (40 levels reach 1e-16 for t ≥ 30).
 */
export function logPhi(x: number): number {
  if (x > 0) return Math.log1p(-pnormUpper(x));
  if (x >= -30) return Math.log(pnorm(x));
  if (x === -Infinity) return -Infinity;
  const t = -x;
  return -0.5 * t * t - 0.5 * Math.log(2 * Math.PI) - Math.log(t + 1 / millsFraction(t, 2));
}
/** t + k/(t + (k+1)/(t + …)), 40 levels (1e-20 relative for t ≥ 5): the Mills ratio's continued fraction from level k */
export function millsFraction(t: number, k: number): number {
  let cf = t;
  for (let j = 40; j >= k; j--) cf = t + j / cf;
  return cf;
}
/** standard normal density */
export function dnorm(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}
/** standard normal quantile */
export function qnorm(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  return -Math.SQRT2 * erfcinvImpl(2 * p);
}
/** log of the binomial coefficient choose(n, k), real arguments */
export function lchoose(n: number, k: number): number {
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1);
}
/**
 * log Γ(y + k) − log Γ(y + 1). For large y the two terms agree in their leading digits (at y = 10⁸
 * each is ~1.7·10⁹, so the plain difference carries ~10⁻⁷ of rounding noise, enough to ruin a
 * finite-difference Hessian of a negative binomial likelihood); there the difference comes from
 * Stirling's series with the cancelling part written as a log1p.
 */
export function lgammaShift(y: number, k: number): number {
  if (!(y >= 1e5) || !Number.isFinite(y) || !Number.isFinite(k)) return lgamma(y + k) - lgamma(y + 1);
  const z1 = y + 1, zk = y + k;
  const c = (z: number) => 1 / (12 * z) - 1 / (360 * z * z * z);
  return (y + 0.5) * Math.log1p((k - 1) / z1) + (k - 1) * Math.log(zk) - (k - 1) + (c(zk) - c(z1));
}

/** x·log(x/y) with 0·log(0) = 0 */
export function xlogxy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(x / y);
}

/**
 * Half the NB2 unit deviance, y log(y/μ) − (y+k) log((y+k)/(μ+k)), as
 *   y log1p(k(y−μ) / (μ(y+k))) − k log1p((y−μ)/(μ+k)).
 * The plain form subtracts two terms of size ~|y − μ| (5·10⁷ for counts near e¹⁸) to leave O(1):
 * rounding noise of 10⁻⁸ per row, which a finite-difference Hessian turns into garbage. Here the two
 * terms are O(k|y − μ|/μ) and cancel only to first order.
 */
export function nbHalfDeviance(y: number, mu: number, k: number): number {
  const r = y - mu;
  return (y > 0 ? y * Math.log1p((k * r) / (mu * (y + k))) : 0) - k * Math.log1p(r / (mu + k));
}

/**
 * nbHalfDeviance from log μ. Where μ exceeds y + k ten-thousandfold, nbHalfDeviance's
 * log1p(r/(μ + k)) has an argument within (y + k)/μ of −1 and loses that many digits; there the
 * half deviance is y (log y − log μ) − (y + k)(log(y + k) − log(μ + k)), log(μ + k) by log-sum-exp
 * (its own rounding, ~ε·y·log y, is then the smaller). Elsewhere nbHalfDeviance is the accurate one.
 */
export function nbHalfDevianceLog(y: number, logMu: number, k: number): number {
  const mu = Math.exp(logMu), yk = y + k;
  if (!(mu > 1e4 * yk)) return nbHalfDeviance(y, mu, k);
  const lk = Math.log(k);
  const lse = Math.max(logMu, lk) + Math.log1p(Math.exp(-Math.abs(logMu - lk)));
  return (y > 0 ? y * (Math.log(y) - logMu) : 0) - yk * (Math.log(yk) - lse);
}
