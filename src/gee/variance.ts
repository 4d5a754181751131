// Variances at the estimates (geepack's gee_var, plus Mancl & DeRouen 2001):
// - model-based: A⁻¹ with A = Σ D̃ᵀ V₁⁻¹ D̃, V₁ = φ R(α);
// - robust sandwich: A⁻¹ (Σ U_i U_iᵀ) A⁻¹, U_i = D̃_iᵀ V₁⁻¹ r_i;
// - Mancl–DeRouen: U_i with r_i replaced by (I − H_i)⁻¹ r_i, H_i = D̃_i A⁻¹ D̃_iᵀ V₁⁻¹ (the cluster's
//   leverage; invariant to the A^{-½} standardisation, so it equals the response-scale formula);
// - the sandwich variances of φ and α from the joint estimating equations (β, φ, α), with geepack's
//   block-triangular Jacobian (its Hess A..F and score blocks U1..U3).
import { inverse, matmul, solve, transpose } from "../linalg/lu.js";
import { pairKernel } from "./correlation.js";
import { type MeanState, type Problem, clusterPieces, luBuffer, solveR, varianceDeriv } from "./problem.js";

export interface VarianceResult {
  readonly naive: Float64Array;
  readonly robust: Float64Array;
  readonly md: Float64Array;
  /** variance of φ̂ (null when φ is fixed) */
  readonly vgamma: number | null;
  /** q × q variance of α̂ (null when q = 0 or too many parameters) */
  readonly valpha: Float64Array | null;
}

/** above this many correlation parameters their q × q variance is not formed */
const MAX_ALPHA_VCOV = 400;

export function geeVariance(
  pb: Problem, st: MeanState, alpha: Float64Array, gamma: number, estimateScale: boolean,
): VarianceResult | null {
  const { p, w, layout, cor, family } = pb;
  const K = layout.nclusters;
  const q = cor.nparam;
  const m0 = layout.maxSize;
  const DR = new Float64Array(m0 * (p + 1));
  const Z = new Float64Array(m0 * (p + 1));
  const Rbuf = luBuffer(pb);
  const piv = new Int32Array(m0);

  const A = new Float64Array(p * p);
  const L11 = new Float64Array(p * p);
  // scale blocks (zsca = intercept, identity scale link, so D2 = 1)
  let C = 0, L22 = 0;
  const Bh = new Float64Array(p), L12 = new Float64Array(p);
  // correlation blocks
  const doAlpha = q > 0 && q <= MAX_ALPHA_VCOV;
  const F = new Float64Array(doAlpha ? q : 0);
  const Dh = new Float64Array(doAlpha ? q * p : 0);
  const Eh = new Float64Array(doAlpha ? q : 0);
  const L13 = new Float64Array(doAlpha ? p * q : 0);
  const L33 = new Float64Array(doAlpha ? q * q : 0);
  const L23 = new Float64Array(doAlpha ? q : 0);
  const U1 = new Float64Array(p);
  const U3 = new Float64Array(doAlpha ? q : 0);
  const ZB = new Float64Array(p);
  const rs = 1 / Math.sqrt(gamma);

  for (let k = 0; k < K; k++) {
    const m = clusterPieces(pb, st, k, DR);
    const len = m * (p + 1);
    for (let t = 0; t < len; t++) Z[t] = DR[t];
    if (!solveR(pb, alpha, k, Z, p + 1, Rbuf, piv)) return null;
    // Z = R⁻¹ [D̃ | r] (weighted); V₁⁻¹ = R⁻¹/φ
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < p; b++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += DR[j + a * m] * Z[j + b * m];
        A[a + b * p] += s / gamma;
      }
      let u = 0;
      for (let j = 0; j < m; j++) u += DR[j + a * m] * Z[j + p * m];
      U1[a] = u / gamma;
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) L11[a + b * p] += U1[a] * U1[b];

    const s0 = layout.start[k];
    let U2 = 0;
    if (estimateScale) {
      for (let j = 0; j < m; j++) {
        const i = layout.rows[s0 + j];
        const r = st.pr[i], v = st.v[i];
        const f = -2 * r / Math.sqrt(v) - (r * r * varianceDeriv(family, st.mu[i])) / v;
        const wv = w[i] / (2 * gamma);
        const dfac = st.me[i] / Math.sqrt(v); // unweighted D̃ row = dfac · x_i
        for (let a = 0; a < p; a++) Bh[a] -= wv * f * dfac * pb.X[i + a * pb.n];
        C += wv;
        U2 += wv * (r * r - gamma);
      }
      L22 += U2 * U2;
      for (let a = 0; a < p; a++) L12[a] += U1[a] * U2;
    }
    if (doAlpha && m > 1) {
      U3.fill(0);
      if (cor.corstr === "exchangeable") {
        // closed-form pair sums (see estimate.ts): Σ_{j<l} f(j)g(l) + f(l)g(j) = Σ_j f(j)(G − g(j))
        let W1 = 0, W2 = 0, T1 = 0, T2 = 0;
        for (let j = 0; j < m; j++) {
          const i = layout.rows[s0 + j];
          const wr = w[i] * st.pr[i];
          W1 += w[i]; W2 += w[i] * w[i]; T1 += wr; T2 += wr * wr;
        }
        const hw = (W1 * W1 - W2) / 2;
        const zsum = (T1 * T1 - T2) / 2 / gamma; // Σ w_j w_l z_jl
        F[0] += hw;
        Eh[0] += zsum / gamma;
        U3[0] = zsum - alpha[0] * hw;
        ZB.fill(0);
        for (let j = 0; j < m; j++) {
          const i = layout.rows[s0 + j];
          const r = st.pr[i], v = st.v[i], wr = w[i] * r;
          const dj = st.me[i] / Math.sqrt(v), cj = varianceDeriv(family, st.mu[i]) / Math.sqrt(v);
          const f = -wr * (W1 - w[i]) - 0.5 * wr * cj * (T1 - wr);
          for (let a = 0; a < p; a++) ZB[a] += f * dj * pb.X[i + a * pb.n];
        }
        for (let a = 0; a < p; a++) Dh[a * q] -= ZB[a] / gamma;
      } else {
        const ker = pairKernel(cor, alpha, layout.maxWave);
        for (let j = 0; j < m - 1; j++) {
          const ij = layout.rows[s0 + j], wj = layout.waves[s0 + j];
          const rj = st.pr[ij], vj = st.v[ij];
          const dj = st.me[ij] / Math.sqrt(vj), cj = varianceDeriv(family, st.mu[ij]) / Math.sqrt(vj);
          for (let l = j + 1; l < m; l++) {
            const il = layout.rows[s0 + l], wl = layout.waves[s0 + l];
            if (wl - wj > ker.maxLag) break; // waves increase within a cluster
            const idx = ker.index(wj, wl);
            if (idx < 0) continue;
            const der = ker.deriv(wj, wl);
            const rl = st.pr[il], vl = st.v[il];
            const dl = st.me[il] / Math.sqrt(vl), cl = varianceDeriv(family, st.mu[il]) / Math.sqrt(vl);
            const z = rj * rs * rl * rs;
            const ww = w[ij] * w[il];
            F[idx] += ww * der * der;
            // ∂z/∂β row (geepack's Z_Beta, scaled by 1/φ)
            for (let a = 0; a < p; a++) {
              const xj = dj * pb.X[ij + a * pb.n], xl = dl * pb.X[il + a * pb.n];
              Dh[idx + a * q] -= (ww * der * (-rj * xj - rl * xl - 0.5 * rj * rl * (cj * xj + cl * xl))) / gamma;
            }
            Eh[idx] += (ww * der * z) / gamma;
            U3[idx] += ww * der * (z - ker.rho(wj, wl));
          }
        }
      }
      for (let a = 0; a < p; a++) for (let b = 0; b < q; b++) L13[a + b * p] += U1[a] * U3[b];
      for (let a = 0; a < q; a++) {
        if (U3[a] === 0) continue;
        for (let b = 0; b < q; b++) L33[a + b * q] += U3[a] * U3[b];
        L23[a] += U2 * U3[a];
      }
    }
  }

  const Ai = inverse(A, p);
  if (!Ai) return null;
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) { const s = (Ai[a + b * p] + Ai[b + a * p]) / 2; Ai[a + b * p] = s; Ai[b + a * p] = s; }
  const robust = matmul(matmul(Ai, L11, p, p, p), Ai, p, p, p);

  // Mancl–DeRouen, second pass. By Woodbury, D̃ᵀV₁⁻¹(I − H_i)⁻¹ r_i = A (A − A_i)⁻¹ U_i with A_i the
  // cluster's own term of A, so no m × m matrix is needed. A − A_i is singular when the cluster alone
  // determines a coefficient (leverage 1); the MD variance is then undefined (NaN).
  const Lmd = new Float64Array(p * p);
  const Mi = new Float64Array(p * p);
  const Um = new Float64Array(p);
  for (let k = 0; k < K; k++) {
    const m = clusterPieces(pb, st, k, DR);
    const len = m * (p + 1);
    for (let t = 0; t < len; t++) Z[t] = DR[t];
    solveR(pb, alpha, k, Z, p + 1, Rbuf, piv);
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < p; b++) {
        let s = 0;
        for (let j = 0; j < m; j++) s += DR[j + a * m] * Z[j + b * m];
        Mi[a + b * p] = A[a + b * p] - s / gamma;
      }
      let u = 0;
      for (let j = 0; j < m; j++) u += DR[j + a * m] * Z[j + p * m];
      U1[a] = u / gamma;
    }
    const y = solve(Mi, p, U1);
    if (!y) { Lmd.fill(NaN); break; }
    for (let a = 0; a < p; a++) {
      let s = 0;
      for (let b = 0; b < p; b++) s += A[a + b * p] * y[b];
      Um[a] = s;
    }
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) Lmd[a + b * p] += Um[a] * Um[b];
  }
  const md = matmul(matmul(Ai, Lmd, p, p, p), Ai, p, p, p);

  // φ and α: invert the block-triangular Jacobian and form the sandwich blocks (geepack's inv(Hess) and gee_var)
  let vgamma: number | null = null;
  let Bi = new Float64Array(p), Ci = 0;
  if (estimateScale) {
    Ci = 1 / C;
    const BA = matmul(Bh, Ai, 1, p, p);
    Bi = BA.map((v) => -Ci * v);
    let bLb = 0, bL12 = 0;
    for (let a = 0; a < p; a++) {
      bL12 += Bi[a] * L12[a];
      for (let b = 0; b < p; b++) bLb += Bi[a] * L11[a + b * p] * Bi[b];
    }
    vgamma = bLb + 2 * Ci * bL12 + Ci * Ci * L22;
  }
  let valpha: Float64Array | null = null;
  if (doAlpha) {
    const Fi = F.map((f) => (f === 0 ? NaN : 1 / f));
    const Ei = new Float64Array(q);
    for (let a = 0; a < q; a++) Ei[a] = -Fi[a] * Eh[a] * Ci;
    // Di = −Fi (Dh Ai + Eh Bi)
    const DhAi = matmul(Dh, Ai, q, p, p);
    const Di = new Float64Array(q * p);
    for (let a = 0; a < q; a++) for (let b = 0; b < p; b++) Di[a + b * q] = -Fi[a] * (DhAi[a + b * q] + Eh[a] * Bi[b]);
    // T1 = Di L11 + Ei L12ᵀ + Fi L13ᵀ (q × p); T2 = Di L12 + Ei L22 + Fi L23ᵀ (q); T3 = Di L13 + Ei L23 + Fi L33 (q × q)
    const T1 = matmul(Di, L11, q, p, p);
    const L13t = transpose(L13, p, q);
    for (let a = 0; a < q; a++) for (let b = 0; b < p; b++) T1[a + b * q] += Ei[a] * L12[b] + Fi[a] * L13t[a + b * q];
    const T2 = matmul(Di, L12, q, p, 1);
    for (let a = 0; a < q; a++) T2[a] += Ei[a] * L22 + Fi[a] * L23[a];
    const T3 = matmul(Di, L13, q, p, q);
    for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) T3[a + b * q] += Ei[a] * L23[b] + Fi[a] * L33[a + b * q];
    valpha = matmul(T1, transpose(Di, q, p), q, p, q);
    for (let a = 0; a < q; a++) for (let b = 0; b < q; b++) valpha[a + b * q] += T2[a] * Ei[b] + T3[a + b * q] * Fi[b];
  }
  return { naive: Ai, robust, md, vgamma, valpha };
}
