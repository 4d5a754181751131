// The estimation loop, step for step as geepack's gee_est (Yan & Fine 2004; Halekoh, Højsgaard & Yan
// 2006): each iteration makes one Fisher-scoring step for β with R(α), then re-estimates the scale as
// φ = Σ w r² / Σ w and takes one scoring step for α on the pairwise products of standardised residuals
// (identity correlation link, weights w_j w_k). Stop when the largest absolute change in β, φ and α is
// ≤ tol, or after maxit iterations. Following geepack's path exactly (start, order, stopping rule) is
// what makes the estimates agree to ~1e-8 rather than only to the tolerance.
import { UserError } from "../errors.js";
import { solve } from "../linalg/lu.js";
import { pairKernel } from "./correlation.js";
import { type Problem, clusterPieces, luBuffer, meanState, solveR } from "./problem.js";

export interface EstimateResult {
  readonly beta: Float64Array;
  readonly alpha: Float64Array;
  readonly gamma: number;
  readonly iterations: number;
  readonly converged: boolean;
  readonly warnings: string[];
}

export interface EstimateOptions {
  readonly maxit: number;
  readonly tol: number;
  /** fixed scale, or null to estimate it */
  readonly scaleFix: number | null;
}

export function estimate(pb: Problem, beta0: Float64Array, opts: EstimateOptions): EstimateResult {
  const { n, p, w, layout, cor } = pb;
  const q = cor.nparam;
  const K = layout.nclusters;
  const warnings: string[] = [];
  const beta = beta0.slice();
  const alpha = new Float64Array(q);

  // geepack's starting scale: mean squared Pearson residual at the start, unweighted
  let gamma: number;
  {
    const st = meanState(pb, beta);
    let s = 0;
    for (let i = 0; i < n; i++) s += st.pr[i] * st.pr[i];
    gamma = opts.scaleFix ?? s / n;
  }
  let sumW = 0;
  for (let i = 0; i < n; i++) sumW += w[i];

  const m0 = layout.maxSize;
  const DR = new Float64Array(m0 * (p + 1));
  const Z = new Float64Array(m0 * (p + 1));
  const Rbuf = luBuffer(pb);
  const piv = new Int32Array(m0);
  const unidentified = new Set<number>();

  let iter = 0;
  let converged = false;
  for (iter = 0; iter < opts.maxit; iter++) {
    // β: one scoring step, H = Σ D̃ᵀ R⁻¹ D̃, G = Σ D̃ᵀ R⁻¹ r (φ cancels)
    let st = meanState(pb, beta);
    const H = new Float64Array(p * p);
    const G = new Float64Array(p);
    for (let k = 0; k < K; k++) {
      const m = clusterPieces(pb, st, k, DR);
      const len = m * (p + 1);
      for (let t = 0; t < len; t++) Z[t] = DR[t];
      if (!solveR(pb, alpha, k, Z, p + 1, Rbuf, piv)) {
        throw new UserError(`GEE: the working correlation is singular (alpha = ${Array.from(alpha).map((a) => a.toPrecision(4)).join(", ")}); try another correlation structure`);
      }
      for (let a = 0; a < p; a++) {
        for (let b = 0; b <= a; b++) {
          let s = 0;
          for (let j = 0; j < m; j++) s += DR[j + a * m] * Z[j + b * m];
          H[a + b * p] += s;
        }
        let g = 0;
        for (let j = 0; j < m; j++) g += DR[j + a * m] * Z[j + p * m];
        G[a] += g;
      }
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) H[b + a * p] = H[a + b * p];
    const delBeta = solve(H, p, G);
    if (!delBeta || delBeta.some((d) => !Number.isFinite(d))) {
      throw new UserError("GEE: the estimating equations for the coefficients are singular (collinear predictors or a degenerate fit)");
    }
    let del = 0;
    for (let a = 0; a < p; a++) { beta[a] += delBeta[a]; del = Math.max(del, Math.abs(delBeta[a])); }

    // φ = Σ w r² / Σ w at the new β
    st = meanState(pb, beta);
    if (opts.scaleFix === null) {
      let s = 0;
      for (let i = 0; i < n; i++) s += w[i] * st.pr[i] * st.pr[i];
      const g1 = s / sumW;
      del = Math.max(del, Math.abs(g1 - gamma));
      gamma = g1;
    }

    // α: one scoring step; each α_k has its own (diagonal) equation
    if (q > 0) {
      const Hd = new Float64Array(q);
      const Gd = new Float64Array(q);
      const rs = 1 / Math.sqrt(gamma);
      const ker = pairKernel(cor, alpha, layout.maxWave);
      for (let k = 0; k < K; k++) {
        const s = layout.start[k], e = layout.start[k + 1];
        if (e - s < 2) continue;
        if (cor.corstr === "exchangeable") {
          // Σ_{j<l} w_j w_l = (W² − Σw²)/2 and Σ_{j<l} a_j a_l = (A² − Σa²)/2 with a = w r/√φ: O(m)
          let W1 = 0, W2 = 0, A1 = 0, A2 = 0;
          for (let j = s; j < e; j++) {
            const i = layout.rows[j];
            const a = w[i] * st.pr[i] * rs;
            W1 += w[i]; W2 += w[i] * w[i]; A1 += a; A2 += a * a;
          }
          const hw = (W1 * W1 - W2) / 2;
          Hd[0] += hw;
          Gd[0] += (A1 * A1 - A2) / 2 - alpha[0] * hw;
          continue;
        }
        for (let j = s; j < e - 1; j++) {
          const ij = layout.rows[j], wj = layout.waves[j];
          const zj = st.pr[ij] * rs;
          for (let l = j + 1; l < e; l++) {
            const il = layout.rows[l], wl = layout.waves[l];
            if (wl - wj > ker.maxLag) break; // waves increase within a cluster
            const idx = ker.index(wj, wl);
            if (idx < 0) continue;
            const d = ker.deriv(wj, wl);
            const ww = w[ij] * w[il];
            Hd[idx] += ww * d * d;
            Gd[idx] += ww * d * (zj * st.pr[il] * rs - ker.rho(wj, wl));
          }
        }
      }
      for (let a = 0; a < q; a++) {
        if (Hd[a] === 0) { unidentified.add(a); continue; }
        const d = Gd[a] / Hd[a];
        alpha[a] += d;
        del = Math.max(del, Math.abs(d));
      }
    }
    if (!Number.isFinite(del)) {
      warnings.push("GEE iterations diverged (non-finite estimates)");
      iter++;
      break;
    }
    if (del <= opts.tol) { converged = true; iter++; break; }
  }
  if (!converged && !warnings.length) {
    warnings.push(`GEE did not converge in ${opts.maxit} iterations (largest change above tol = ${opts.tol})`);
  }
  if (unidentified.size) {
    const names = Array.from(unidentified).map((a) => cor.names[a]);
    warnings.push(q === unidentified.size
      ? "no cluster has two observations that inform the working correlation; it is left at 0"
      : `no pair of observations informs ${names.join(", ")}; left at 0`);
  }
  return { beta, alpha, gamma, iterations: iter, converged, warnings };
}
