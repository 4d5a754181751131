// Sparse Cholesky engine timings (not part of npm test): node dist/bench/sparse.js
// Times are this process's CPU milliseconds (best of a few repetitions; order and analyze: first call, cold).
// A nested pattern (schools → regions, 3 dense trailing columns) and a crossed-design block that
// fills to dense (compared with the dense cholLower on the same size).
import { cholLower } from "../src/linalg/dense.js";
import { analyze, fillReducingOrder, patternFromPairs, permutePattern, SupernodalCholesky, type SparseLowerPattern } from "../src/linalg/sparse/index.js";

function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 16807) % 2147483647) / 2147483647;
}

// CPU time (ms) of this process, not wall time: the machine is shared with other jobs
function cpu(): number {
  const u = process.cpuUsage();
  return u.user / 1000;
}

function best(reps: number, f: () => void): number {
  let t = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = cpu();
    f();
    t = Math.min(t, cpu() - t0);
  }
  return t;
}

/** SPD values: off-diagonals in (−0.5, 0.5), diagonals dominant */
function fill(f: SupernodalCholesky, p: SparseLowerPattern, seed: number): void {
  const r = rng(seed), n = p.n, rowsum = new Float64Array(n);
  f.clear();
  for (let j = 0; j < n; j++)
    for (let q = p.colPtr[j]; q < p.colPtr[j + 1]; q++) {
      const i = p.rowIdx[q];
      if (i === j) continue;
      const v = r() - 0.5;
      f.L[f.locate(i, j)] = v;
      rowsum[i] += Math.abs(v);
      rowsum[j] += Math.abs(v);
    }
  for (let j = 0; j < n; j++) f.L[f.locate(j, j)] = rowsum[j] + 1;
}

function run(name: string, p: SparseLowerPattern, tail: number, reps: number): void {
  const n = p.n;
  let t0 = cpu();
  const perm = fillReducingOrder(p, tail);
  const q = permutePattern(p, perm);
  const tOrder = cpu() - t0;
  let identity = true;
  for (let i = 0; i < n; i++) if (perm[i] !== i) identity = false;
  t0 = cpu();
  const s = analyze(q, { boundaries: [n - tail, n - 1] });
  const tAnalyze = cpu() - t0;
  const f = new SupernodalCholesky(s);
  // time the factorization alone: refill outside the timer
  let tf = Infinity;
  for (let r = 0; r < reps; r++) {
    fill(f, q, 1);
    const t = cpu();
    if (f.factor() !== -1) throw new Error("not SPD");
    tf = Math.min(tf, cpu() - t);
  }
  const out = new Float64Array(f.L.length);
  const tSel = best(reps, () => f.selectedInverse(s.n, out));
  // the leading random-effect block only (what the gradient and conditional variances use)
  const tSelLead = best(reps, () => f.selectedInverse(n - tail, out));
  const b = new Float64Array(n).fill(1);
  const tSolve = best(reps, () => { f.solveL(b); f.solveLt(b); });
  console.log(
    `${name}: n=${n} nnz(A)=${p.colPtr[n]} order=${identity ? "identity" : "permuted"} (${tOrder.toFixed(0)} ms) supernodes=${s.nsuper} nnz(L)=${s.nnzL} ` +
    `Mflop=${(s.flops / 1e6).toFixed(1)} | analyze ${tAnalyze.toFixed(1)} ms, factor ${tf.toFixed(1)} ms ` +
    `(${(s.flops / tf / 1e6).toFixed(2)} GFlop/s), selinv ${tSel.toFixed(1)} ms (${(tSel / tf).toFixed(1)}× factor; leading block ${tSelLead.toFixed(1)} ms), solve ${tSolve.toFixed(2)} ms`,
  );
}

function nested(schools: number, regions: number, tail: number): SparseLowerPattern {
  const r = rng(7), n = schools + regions + tail;
  const rows: number[] = [], cols: number[] = [];
  for (let s = 0; s < schools; s++) { rows.push(schools + Math.floor(r() * regions)); cols.push(s); }
  for (let j = n - tail; j < n; j++) for (let i = 0; i < n; i++) { rows.push(i); cols.push(j); }
  return patternFromPairs(n, Int32Array.from(rows), Int32Array.from(cols));
}

/** crossed design's rest block: m levels, each pair present with probability `density`, plus a dense tail */
function crossed(m: number, density: number, tail: number): SparseLowerPattern {
  const r = rng(11), n = m + tail;
  const rows: number[] = [], cols: number[] = [];
  for (let j = 0; j < m; j++) for (let i = j + 1; i < m; i++) if (r() < density) { rows.push(i); cols.push(j); }
  for (let j = m; j < n; j++) for (let i = 0; i < n; i++) { rows.push(i); cols.push(j); }
  return patternFromPairs(n, Int32Array.from(rows), Int32Array.from(cols));
}

run("nested 200k schools / 4k regions", nested(200_000, 4_000, 3), 3, 5);
run("nested 246k schools / 4k regions", nested(246_000, 4_000, 3), 3, 5);
run("crossed 1150 levels, 5% pairs, 40 tail", crossed(1150, 0.05, 40), 40, 3);
run("crossed 1200 levels, 1% pairs, 3 tail", crossed(1200, 0.01, 3), 3, 3);
{
  const n = 1190, r = rng(3), A = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = j; i < n; i++) A[i + j * n] = i === j ? n : r() - 0.5;
  const D = new Float64Array(n * n);
  const t = best(3, () => { D.set(A); cholLower(D, n); });
  console.log(`dense cholLower n=${n}: ${t.toFixed(1)} ms (${((n * n * n) / 3 / t / 1e6).toFixed(2)} GFlop/s)`);
}
