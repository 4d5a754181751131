// A seeded pseudo-random generator (xoshiro128**, Blackman & Vigna 2018) and the samplers that
// simulation and the parametric bootstrap need: uniform, normal, gamma, beta, Poisson, binomial and
// negative binomial. Every sampler is exact (no normal approximations), so simulated data keep the
// family's discreteness, and the stream depends only on the seed: the same seed gives the same draws
// on every platform (32-bit integer arithmetic via Math.imul and >>> 0).

/** splitmix32: expands one 32-bit seed word into well-mixed state words. */
function splitmix32(a: number): () => number {
  let s = a >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** Seeded xoshiro128** generator (uint32, uniform and normal draws): the same seed gives the same stream on every platform. */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | null = null;

  /** `seed`: any finite number (integers up to 2⁵³ are distinct seeds). */
  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, not ${seed}`);
    const lo = Math.abs(Math.trunc(seed)) % 0x100000000;
    const hi = Math.floor(Math.abs(Math.trunc(seed)) / 0x100000000) ^ (seed < 0 ? 0x5bd1e995 : 0);
    const sm = splitmix32(lo ^ Math.imul(hi, 0x27d4eb2d));
    this.s0 = sm();
    this.s1 = sm();
    this.s2 = sm();
    this.s3 = sm();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** next 32-bit output */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3 >>> 0, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    return result;
  }

  /** uniform on [0, 1) with 53 random bits */
  random(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** uniform on (0, 1): never 0, for logarithms */
  private openUniform(): number {
    let u = 0;
    while (u === 0) u = this.random();
    return u;
  }

  /** standard normal (Marsaglia's polar method; the second value of each pair is kept) */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    for (;;) {
      const u = 2 * this.random() - 1;
      const v = 2 * this.random() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * Math.log(s)) / s);
        this.spare = v * f;
        return u * f;
      }
    }
  }

  /** gamma with shape a > 0 and scale 1 (Marsaglia & Tsang 2000; a < 1 by the a + 1 boost) */
  gamma(a: number): number {
    if (!(a > 0)) throw new RangeError(`gamma shape must be positive, not ${a}`);
    if (a < 1) return this.gamma(a + 1) * Math.pow(this.openUniform(), 1 / a);
    const d = a - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.openUniform();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** beta(a, b) from two gammas */
  beta(a: number, b: number): number {
    const x = this.gamma(a);
    const y = this.gamma(b);
    return x / (x + y);
  }

  /** Poisson(λ): sequential inversion for small λ, Knuth's exact gamma splitting for large λ */
  poisson(lambda: number): number {
    if (!(lambda >= 0) || !Number.isFinite(lambda)) throw new RangeError(`Poisson mean must be finite and ≥ 0, not ${lambda}`);
    let k = 0;
    let lam = lambda;
    while (lam > 30) {
      const m = Math.floor(0.875 * lam);
      const x = this.gamma(m);
      if (x < lam) {
        k += m;
        lam -= x;
      } else {
        return k + this.binomial(m - 1, lam / x);
      }
    }
    if (lam === 0) return k;
    // inversion: P(0) = e^{−λ}, P(j) = P(j−1) λ / j
    let p = Math.exp(-lam);
    let u = this.random();
    let j = 0;
    while (u > p) {
      u -= p;
      j++;
      p *= lam / j;
      if (p === 0) break; // u beyond the representable tail: return the current count
    }
    return k + j;
  }

  /** binomial(n, p), n a non-negative integer: inversion for small n·p, Knuth's beta splitting otherwise */
  binomial(n: number, p: number): number {
    if (!(n >= 0) || !Number.isInteger(n)) throw new RangeError(`binomial trials must be a non-negative integer, not ${n}`);
    if (!(p >= 0 && p <= 1)) throw new RangeError(`binomial probability must be in [0, 1], not ${p}`);
    let k = 0;
    let flip = false;
    if (p > 0.5) {
      p = 1 - p;
      flip = true;
    }
    const total = n;
    while (n * p > 30) {
      const a = 1 + Math.floor(n / 2);
      const b = n + 1 - a;
      const x = this.beta(a, b);
      if (x >= p) {
        n = a - 1;
        p = p / x;
      } else {
        k += a;
        n = b - 1;
        p = (p - x) / (1 - x);
      }
    }
    if (n > 0 && p > 0) {
      const q = 1 - p;
      const s = p / q;
      const a = (n + 1) * s;
      let r = Math.pow(q, n);
      let u = this.random();
      let j = 0;
      while (u > r && j < n) {
        u -= r;
        j++;
        r *= a / j - s;
      }
      k += j;
    }
    return flip ? total - k : k;
  }

  /** negative binomial (NB2) with mean μ and size k: Poisson(Gamma(k, μ/k)) */
  negativeBinomial(mu: number, size: number): number {
    if (!(size > 0)) throw new RangeError(`negative binomial size must be positive, not ${size}`);
    if (mu === 0) return 0;
    if (!Number.isFinite(size) || size > 1e12) return this.poisson(mu);
    return this.poisson((this.gamma(size) * mu) / size);
  }
}
