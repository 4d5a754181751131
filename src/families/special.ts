// Special functions used by the families and by inference (thin wrappers over @stdlib).
import gammalnImpl from "@stdlib/math-base-special-gammaln";
import digammaImpl from "@stdlib/math-base-special-digamma";
import trigammaImpl from "@stdlib/math-base-special-trigamma";
import erfcImpl from "@stdlib/math-base-special-erfc";
import erfcinvImpl from "@stdlib/math-base-special-erfcinv";

export const lgamma: (x: number) => number = gammalnImpl;
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
/** x·log(x/y) with 0·log(0) = 0 */
export function xlogxy(x: number, y: number): number {
  return x === 0 ? 0 : x * Math.log(x / y);
}
