// The invariants BOBYQA's updates must keep: H is the inverse of the interpolation matrix (so every
// Lagrange function is 1 at its own point and 0 at the others) and the model interpolates f.
import { test } from "node:test";
import assert from "node:assert/strict";
import { BobyqaModel } from "../../src/optim/bobyqa-model.js";
import { buildInterpolation } from "../../src/optim/bobyqa-init.js";

/** A smooth non-quadratic function, so the model update is not trivially exact. */
const f = (x: Float64Array): number => {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.cos(0.7 * x[i] + 0.3 * i) + 0.5 * x[i] * x[i] * (1 + 0.2 * i) + 0.1 * x[i] ** 3;
  return s;
};

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function point(m: BobyqaModel, k: number): Float64Array {
  const x = new Float64Array(m.n);
  for (let j = 0; j < m.n; j++) x[j] = m.xpt[k + m.npt * j];
  return x;
}

function checkInvariants(m: BobyqaModel, label: string): void {
  const { n, npt, xopt } = m;
  const vlag = new Float64Array(npt + n);
  const hd = new Float64Array(n);
  for (let k = 0; k < npt; k++) {
    const d = point(m, k);
    for (let j = 0; j < n; j++) d[j] -= xopt[j];
    const beta = m.lagrangeAt(d, vlag);
    for (let t = 0; t < npt; t++) {
      assert.ok(Math.abs(vlag[t] - (t === k ? 1 : 0)) < 1e-8, `${label}: ℓ_${t}(x_${k}) = ${vlag[t]}`);
    }
    for (let j = 0; j < n; j++) assert.ok(Math.abs(vlag[npt + j]) < 1e-8, `${label}: (Hw)_${npt + j} = ${vlag[npt + j]}`);
    assert.ok(Math.abs(beta) < 1e-8, `${label}: β at x_${k} = ${beta}`);
    // Q(x_k) − Q(xopt) = f_k − fopt
    m.hessVec(d, hd);
    let q = 0;
    for (let j = 0; j < n; j++) q += d[j] * (m.gopt[j] + 0.5 * hd[j]);
    const want = m.fval[k] - m.fval[m.kopt];
    assert.ok(Math.abs(q - want) < 1e-8 * (1 + Math.abs(want)), `${label}: model at x_${k}: ${q} vs ${want}`);
  }
}

for (const [n, npt] of [
  [1, 3],
  [3, 5],
  [3, 7],
  [4, 12],
  [6, 13],
] as const) {
  test(`H and the model stay consistent through updates and base shifts (n=${n}, npt=${npt})`, () => {
    const rand = rng(7 + n * 31 + npt);
    const lower = new Float64Array(n).fill(-2);
    const upper = new Float64Array(n).fill(3);
    lower[0] = 0; // base point on a bound: second steps go to +2ρ
    const xbase = new Float64Array(n).fill(0.4);
    xbase[0] = 0;
    const m = new BobyqaModel(n, npt, xbase, lower, upper);
    const evalRel = (x: Float64Array): number => {
      const a = new Float64Array(n);
      for (let j = 0; j < n; j++) a[j] = m.xbase[j] + x[j];
      return f(a);
    };
    assert.equal(buildInterpolation(m, 0.5, undefined, evalRel, () => 0), true);
    checkInvariants(m, "initial");
    const vlag = new Float64Array(npt + n);
    const hd = new Float64Array(n);
    for (let it = 0; it < 40; it++) {
      // Replace a random non-optimal point by a random point near xopt (a geometry-like move).
      let knew = Math.floor(rand() * npt);
      if (knew === m.kopt) knew = (knew + 1) % npt;
      const d = new Float64Array(n);
      for (let j = 0; j < n; j++) d[j] = (rand() - 0.5) * 0.6;
      const xnew = new Float64Array(n);
      for (let j = 0; j < n; j++) xnew[j] = m.xopt[j] + d[j];
      const beta = m.lagrangeAt(d, vlag);
      const denom = m.omegaDiag(knew) * beta + vlag[knew] ** 2;
      if (!(denom > 0.5 * vlag[knew] ** 2) || denom < 1e-6) continue; // the algorithm would not take it
      const fnew = evalRel(xnew);
      m.hessVec(d, hd);
      let vquad = 0;
      for (let j = 0; j < n; j++) vquad += d[j] * (m.gopt[j] + 0.5 * hd[j]);
      const fopt = m.fval[m.kopt];
      m.updateH(knew, vlag, beta, denom);
      m.updateModel(knew, xnew, fnew - fopt - vquad);
      m.fval[knew] = fnew;
      if (fnew < fopt) {
        m.kopt = knew;
        m.xopt.set(xnew);
        m.hessVec(d, hd);
        for (let j = 0; j < n; j++) m.gopt[j] += hd[j];
      }
      checkInvariants(m, `after update ${it}`);
      if (it % 10 === 9) {
        const abs = (): number[] => Array.from({ length: npt * n }, (_, i) => m.xbase[Math.floor(i / npt)] + m.xpt[i]);
        const before = abs();
        m.shiftBase();
        assert.ok(m.xopt.every((v) => v === 0));
        const after = abs();
        for (let i = 0; i < before.length; i++) assert.ok(Math.abs(before[i] - after[i]) < 1e-12, "points moved by the shift");
        checkInvariants(m, `after shift ${it}`);
      }
    }
  });
}
