// Tail probabilities for the tests of this folder: Student's t (Satterthwaite p-values), χ²
// (likelihood-ratio tests) and F, from the regularized incomplete beta and gamma functions
// (continued fractions by the modified Lentz method; relative accuracy is kept in the far tails so
// that p-values such as 1e-17 are right to many digits).
import { lgamma, pnormUpper, qnorm } from "../families/special.js";

const EPS = 1e-15;
const TINY = 1e-300;

/** continued fraction of the incomplete beta (valid for x < (a+1)/(a+b+2)) */
function betacf(a: number, b: number, x: number): number {
  const qab = a + b, qap = a + 1, qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** regularized incomplete beta I_x(a, b) */
export function pbeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(lbt) * betacf(a, b, x)) / a;
  return 1 - (Math.exp(lbt) * betacf(b, a, 1 - x)) / b;
}

/** 1 − I_x(a, b), accurate when it is small */
export function pbetaUpper(x: number, a: number, b: number): number {
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  const lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return 1 - (Math.exp(lbt) * betacf(a, b, x)) / a;
  return (Math.exp(lbt) * betacf(b, a, 1 - x)) / b;
}

/** P(T > t) for Student's t with df degrees of freedom (df may be fractional; Infinity = normal) */
export function ptUpper(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (!Number.isFinite(df) || df > 1e10) return pnormUpper(t);
  const x = df / (df + t * t);
  const tail = 0.5 * pbeta(x, df / 2, 0.5);
  return t > 0 ? tail : 1 - tail;
}

/** two-sided p-value of a t statistic */
export function pt2(t: number, df: number): number {
  return Math.min(1, 2 * ptUpper(Math.abs(t), df));
}

/** quantile of Student's t (bisection on the monotone CDF, then Newton polish) */
export function qt(p: number, df: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : NaN;
  if (!Number.isFinite(df) || df > 1e10) return qnorm(p);
  if (p < 0.5) return -qt(1 - p, df);
  const target = 1 - p; // upper tail
  let lo = 0, hi = Math.max(1, qnorm(p));
  while (ptUpper(hi, df) > target) hi *= 2;
  for (let it = 0; it < 200; it++) {
    const mid = 0.5 * (lo + hi);
    if (ptUpper(mid, df) > target) lo = mid; else hi = mid;
    if (hi - lo < 1e-13 * Math.max(1, hi)) break;
  }
  return 0.5 * (lo + hi);
}

/** regularized lower incomplete gamma P(a, x) by its series (x < a + 1) */
function gammaSeries(a: number, x: number): number {
  let ap = a, sum = 1 / a, del = sum;
  for (let n = 0; n < 100000; n++) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (Math.abs(del) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - lgamma(a));
}

/** regularized upper incomplete gamma Q(a, x) by its continued fraction (x ≥ a + 1) */
function gammaCF(a: number, x: number): number {
  let b = x + 1 - a, c = 1 / TINY, d = 1 / b, h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - lgamma(a)) * h;
}

/** Q(a, x) = 1 − P(a, x) */
export function gammaQ(a: number, x: number): number {
  if (x <= 0) return 1;
  if (!Number.isFinite(x)) return 0;
  return x < a + 1 ? 1 - gammaSeries(a, x) : gammaCF(a, x);
}

/** P(χ²_df > x) */
export function pchisqUpper(x: number, df: number): number {
  if (Number.isNaN(x) || !(df > 0)) return NaN;
  return gammaQ(df / 2, x / 2);
}

/** P(F_{d1,d2} > f) */
export function pfUpper(f: number, d1: number, d2: number): number {
  if (Number.isNaN(f) || !(d1 > 0) || !(d2 > 0)) return NaN;
  if (f <= 0) return 1;
  if (!Number.isFinite(d2) || d2 > 1e10) return pchisqUpper(f * d1, d1);
  return pbeta(d2 / (d2 + d1 * f), d2 / 2, d1 / 2);
}

/** R's quantile(type = 7) of sorted values: linear interpolation between order statistics */
export function quantile7(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}
