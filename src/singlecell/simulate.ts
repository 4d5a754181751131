// Simulated single-cell data with known truth, for benchmarks and tests: cells of P patients (half
// of them "disease"), library sizes, and per gene y_c ~ NB2(μ_c, k_g) with
//   log μ_c = log(total_umi_c) + α_g + logfc_g·[disease] + b_{g,patient},  b ~ N(0, sd_g²).
// Every gene has its own random stream (seed, gene), so genes can be generated in any order, one at
// a time, and a data set of any size passes through constant memory. Browser-safe.

/** Settings of the synthetic single-cell data: genes, cells, patients, density, share of DE genes and seed. */
export interface SimOptions {
  readonly genes: number;
  readonly cells: number;
  readonly patients?: number;
  /** target fraction of nonzero entries (the gene baseline is calibrated to it) */
  readonly density?: number;
  /** fraction of differentially expressed genes */
  readonly deFraction?: number;
  readonly seed?: number;
}

/** Simulated cells: barcodes, patient of each cell, disease status and total UMI. */
export interface SimCells {
  readonly barcodes: string[];
  readonly patientLevels: string[];
  /** patient index per cell */
  readonly patient: Int32Array;
  /** 1 for disease patients */
  readonly disease: Uint8Array;
  readonly totalUmi: Float64Array;
}

/** One simulated gene: whether it is DE, its log fold change, patient SD and NB size. */
export interface SimGene {
  readonly gene: string;
  readonly de: boolean;
  readonly logfc: number;
  readonly sdPatient: number;
  readonly nbSize: number;
  /** log rate per UMI */
  readonly alpha: number;
}

/** Small fast PRNG (sfc32) seeded through splitmix32 from (seed, stream). */
export class SimRng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = NaN;
  constructor(seed: number, stream = 0) {
    let s = (seed * 0x9e3779b1) ^ (stream * 0x85ebca6b) ^ 0x6a09e667;
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next(); this.b = next(); this.c = next(); this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }
  /** next uniform 32-bit unsigned integer */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** uniform on (0, 1) */
  uniform(): number {
    return (this.u32() + 0.5) / 4294967296;
  }
  /** standard normal draw (Box–Muller, the second value kept for the next call) */
  normal(): number {
    if (!Number.isNaN(this.spare)) { const v = this.spare; this.spare = NaN; return v; }
    const u = this.uniform(), v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  /** Gamma(shape, scale 1) by Marsaglia–Tsang */
  gamma(shape: number): number {
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(this.uniform(), 1 / shape);
    const d = shape - 1 / 3, c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number, v: number;
      do { x = this.normal(); v = 1 + c * x; } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  }
  /** Poisson(λ): inversion for small λ, else the PTRS transformed rejection (Hörmann 1993) */
  poisson(lambda: number): number {
    if (lambda < 10) {
      let k = 0, p = Math.exp(-lambda), s = p;
      const u = this.uniform();
      while (u > s && k < 1000) { k++; p *= lambda / k; s += p; }
      return k;
    }
    const slam = Math.sqrt(lambda), loglam = Math.log(lambda);
    const b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b, invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.uniform() - 0.5, v = this.uniform();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <= -lambda + k * loglam - lgammaInt(k + 1)) return k;
    }
  }
}

const LF_CACHE: number[] = [0, 0];
function lgammaInt(n: number): number {
  // log((n−1)!) for integer n ≥ 1
  while (LF_CACHE.length <= Math.min(n, 4096)) LF_CACHE.push(LF_CACHE[LF_CACHE.length - 1] + Math.log(LF_CACHE.length - 1));
  if (n < LF_CACHE.length) return LF_CACHE[n];
  const x = n - 1; // Stirling for log(x!)
  return x * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI * x) + 1 / (12 * x) - 1 / (360 * x * x * x);
}

/** Simulate the cells' metadata of synthetic single-cell data (patients, disease status, total UMI) from a seed. */
export function simulateCells(o: SimOptions): SimCells {
  const P = o.patients ?? 10, C = o.cells;
  const rng = new SimRng(o.seed ?? 1, 0x7fffffff);
  const width = Math.max(6, String(C).length);
  const pw = Math.max(2, String(P).length);
  const barcodes: string[] = new Array(C);
  const patient = new Int32Array(C);
  const totalUmi = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    barcodes[c] = `CELL${String(c + 1).padStart(width, "0")}`;
    patient[c] = Math.min(P - 1, Math.floor(rng.uniform() * P));
    totalUmi[c] = Math.round(Math.exp(Math.log(4000) + 0.4 * rng.normal()));
  }
  const disease = new Uint8Array(P);
  for (let j = 0; j < P; j++) disease[j] = j % 2; // alternate, so that any P ≥ 2 has both groups
  const patientLevels = Array.from({ length: P }, (_, j) => `P${String(j + 1).padStart(pw, "0")}`);
  return { barcodes, patientLevels, patient, disease, totalUmi };
}

/** Per-gene truth, with the baseline level calibrated so that the expected density is o.density. */
export function simulateGenes(o: SimOptions, cells: SimCells): SimGene[] {
  const G = o.genes, seed = o.seed ?? 1;
  const deFrac = o.deFraction ?? 0.1;
  const density = Math.min(Math.max(o.density ?? 0.1, 1e-4), 0.95);
  const raw = Array.from({ length: G }, (_, g) => {
    const r = new SimRng(seed, 2 * g + 1);
    const z = r.normal();
    const de = r.uniform() < deFrac;
    const lfc = de ? (r.uniform() < 0.5 ? -1 : 1) * (0.5 + r.uniform()) : 0;
    const sd = 0.1 + 0.4 * r.uniform();
    const size = Math.exp(Math.log(8) + r.normal());
    return { z, de, lfc, sd, size };
  });
  // calibrate the mean log rate m: average P(y > 0) over a sample of genes and cells
  const nG = Math.min(G, 256), nC = Math.min(cells.totalUmi.length, 512);
  const expDensity = (m: number) => {
    let s = 0;
    for (let a = 0; a < nG; a++) {
      const t = raw[Math.floor((a * G) / nG)];
      for (let b = 0; b < nC; b++) {
        const mu = cells.totalUmi[Math.floor((b * cells.totalUmi.length) / nC)] * Math.exp(m + t.z);
        s += 1 - Math.exp(-t.size * Math.log1p(mu / t.size));
      }
    }
    return s / (nG * nC);
  };
  let lo = -30, hi = 5;
  for (let it = 0; it < 60; it++) {
    const mid = 0.5 * (lo + hi);
    if (expDensity(mid) < density) lo = mid; else hi = mid;
  }
  const m = 0.5 * (lo + hi);
  const gw = Math.max(5, String(G).length);
  return raw.map((t, g) => ({
    gene: `GENE${String(g + 1).padStart(gw, "0")}`, de: t.de, logfc: t.lfc, sdPatient: t.sd, nbSize: t.size, alpha: m + t.z,
  }));
}

/**
 * Counts of gene g in every cell: the nonzero ones into (cells, counts), returning how many.
 * The arrays must hold `cells.totalUmi.length` entries.
 */
export function simulateGeneCounts(g: number, gene: SimGene, cells: SimCells, seed: number, outCell: Int32Array, outCount: Int32Array): number {
  const r = new SimRng(seed, 2 * g + 2);
  const P = cells.patientLevels.length;
  const lp = new Float64Array(P);
  for (let j = 0; j < P; j++) lp[j] = gene.alpha + gene.logfc * cells.disease[j] + gene.sdPatient * r.normal();
  const ep = lp.map(Math.exp);
  const k = gene.nbSize;
  const C = cells.totalUmi.length;
  let nnz = 0;
  for (let c = 0; c < C; c++) {
    const mu = cells.totalUmi[c] * ep[cells.patient[c]];
    let y: number;
    if (mu < 30) {
      // inversion from the zero class upwards: one uniform per cell, and most cells stop at 0
      const u = r.uniform();
      const ratio = mu / (k + mu);
      let p = Math.exp(-k * Math.log1p(mu / k));
      let s = p;
      y = 0;
      while (u > s && y < 100000) { p *= ((k + y) / (y + 1)) * ratio; y++; s += p; if (p < 1e-300) break; }
    } else {
      y = r.poisson(mu * (r.gamma(k) / k));
    }
    if (y > 0) { outCell[nnz] = c; outCount[nnz++] = y; }
  }
  return nnz;
}
