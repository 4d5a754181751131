// Analytic gradient of the Laplace deviance in β (stage 2: PIRLS over u with β fixed), for the
// families whose PIRLS weights are the observed information. With ℓ_i(η) the log density of row i,
// s = ∂ℓ/∂η, W = −∂²ℓ/∂η² (the system's weights), W' = ∂W/∂η and M = ΛᵀZᵀWZΛ + I = L Lᵀ,
//   D = −2Σℓ_i(η*) + ‖u*‖² + log|M|
// and, by the envelope theorem (u* is stationary) and dη*/dβ = (I − ZΛM⁻¹ΛᵀZᵀW)X,
//   ∂D/∂β = Xᵀ(−2s + a − W∘v),  a_i = W'_i h_i,  h_i = c_iᵀM⁻¹c_i,  c_i = Λᵀz_i,  v = ZΛM⁻¹ΛᵀZᵀa.
// One gradient costs about one factorization of the system, against p deviance evaluations for a
// finite-difference gradient (and p²/2 for the β block of a Hessian).
import { solveLower, solveLowerT } from "../linalg/dense.js";
import type { PLSSystem } from "../lmm/system.js";
import type { GLMMState } from "./pirls.js";
import { TWO_STRIDE, columnSums, extendedRowDerivatives, sideGradient, twoRowDerivatives, twoRowTerms, twoTraces } from "./gradient-extended.js";
import type { SysTerm } from "../lmm/reterms.js";

type Kind = "binomial" | "poisson" | "nb" | "gamma" | "ext";

/** Families/links whose PIRLS weights are −∂²ℓ/∂η² (canonical links, or the observed information). */
function derivativeKind(st: GLMMState): Kind | null {
  const f = st.family, link = f.link.name;
  // (the extended likelihood's weights are its observed information — with zi random effects the
  // 2 × 2 per row —; not for beta, whose weights fall back to the expected information where
  // −ℓ″ ≤ 0 and whose third derivatives baseJet does not have)
  if (st.ext) return st.ext.spec.base !== "beta" ? "ext" : null;
  if (f.name === "binomial" && link === "logit") return "binomial";
  if (f.name === "poisson" && link === "log") return "poisson";
  if (st.observedInformation && link === "log" && f.name === "negative_binomial") return "nb";
  if (st.observedInformation && link === "log" && f.name === "Gamma") return "gamma";
  return null;
}

/**
 * Whether the analytic β-gradient applies: Laplace (not quadrature), some β, a supported family,
 * and only terms whose Λ is block diagonal by level (no known covariance between levels) — the
 * leverage computation below relies on term 0's per-level blocks and the dense rest. Other term
 * kinds must be excluded here until the leverages handle them.
 */
export function analyticGradientSupported(st: GLMMState, nAGQ: number): boolean {
  // (no random effects, q = 0: the leverages below index term 0; the fit is a plain likelihood)
  if (nAGQ !== 1 || st.p === 0 || st.terms.length === 0) return false;
  // (a tree term or a precision-form covariance penalizes uᵀQu: M and the leverages differ)
  if (![...st.terms, ...st.ziTerms].every((t) => t.kfac === null && t.tree === null && t.kprec === null)) return false;
  // two more qR×qR matrices (L_RR⁻¹'s columns and G): bounded memory
  if (st.sysU.sparse === null && st.sysU.qR > MAX_REST) return false;
  return derivativeKind(st) !== null;
}

/**
 * Largest rest part (random effects outside term 0) for the analytic path. Its cost is about one
 * factorization of L_RR per gradient, always below the evaluations it replaces; the limit is on
 * memory (2·qR² doubles: 64 MB at 2000).
 */
const MAX_REST = 2000;

export class LaplaceGradient {
  private readonly st: GLMMState;
  private readonly sys: PLSSystem;
  /** the system's terms in u's order: the conditional ones, then (zi random effects) the zi ones */
  private readonly terms: readonly SysTerm[];
  /** with zi random effects: the row entries of the conditional terms (the first Sc of S), else S */
  private readonly Sc: number;
  /** random-effect entries per data row (Σ s_t) and those of term 0 (s₀) */
  private readonly S: number;
  private readonly S0: number;
  /** per row (n × S): u index of each entry; for rest entries also the local row in term 0's block */
  private readonly idx: Int32Array;
  private readonly loc: Int32Array;
  /** per row (n × S): c_i = Λᵀz_i at the current θ */
  private readonly c: Float64Array;
  private readonly q0: number;
  // scratch
  private readonly s: Float64Array;
  private readonly w1: Float64Array;
  private readonly e: Float64Array;
  private readonly r: Float64Array;
  private readonly y0: Float64Array;
  /** the λ entries c was computed for */
  private readonly lambdaSeen: Float64Array;
  /** rest-row pairs (a ≥ b, flattened) whose entry of G the leverages need */
  private readonly pairs: Int32Array | null = null;
  private Xinv: Float64Array | null = null;
  private G: Float64Array | null = null;
  private B: Float64Array | null = null;
  private P: Float64Array | null = null;
  /** extended likelihood: h and v of the last etaPart, and the side predictors' row derivatives */
  private readonly hv: Float64Array[] | null = null;
  private readonly side: Float64Array[] | null = null;
  /** zi random effects (two predictors per row): c with the zi entries, or the conditional ones, zeroed; and scratch */
  private readonly two: { cC: Float64Array; cZ: Float64Array; d: Float64Array; h: Float64Array[]; tau: Float64Array; v: Float64Array; e: Float64Array[]; w5: Float64Array } | null = null;

  constructor(st: GLMMState) {
    this.st = st;
    const sys = (this.sys = st.sysU);
    const { n } = st;
    const terms = (this.terms = st.two ? [...st.terms, ...st.ziTerms] : st.terms);
    let S = 0;
    for (const t of terms) S += t.s;
    this.S = S;
    this.Sc = st.two ? st.terms.reduce((a, t) => a + t.s, 0) : S;
    this.S0 = sys.s0;
    this.q0 = sys.nl0 * sys.s0;
    this.idx = new Int32Array(n * S);
    this.loc = new Int32Array(n * S);
    this.c = new Float64Array(n * S);
    const refs0 = terms[0].term.refs;
    let toff = 0, eoff = 0;
    for (let t = 0; t < terms.length; t++) {
      const { s, term } = terms[t];
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < s; k++) {
          const u = toff + term.refs[i] * s + k;
          this.idx[i * S + eoff + k] = u;
          // rest rows: position in the row list of term 0's column block (ascending: binary search)
          if (t > 0) this.loc[i * S + eoff + k] = findRow(sys.rowIdx, sys.rowPtr[refs0[i]], sys.rowPtr[refs0[i] + 1] - 1, u - this.q0);
        }
      }
      toff += terms[t].q;
      eoff += s;
    }
    this.s = new Float64Array(n);
    this.w1 = new Float64Array(n);
    this.e = new Float64Array(n);
    this.r = new Float64Array(st.q);
    this.y0 = new Float64Array(Math.max(1, sys.s0));
    this.lambdaSeen = new Float64Array(terms.reduce((a, t) => a + t.lambda.length, 0)).fill(NaN);
    if (sys.qR > 0 && sys.sparse === null) this.pairs = blockPairs(sys);
    if (st.ext) {
      this.hv = [new Float64Array(n), new Float64Array(n)];
      this.side = Array.from({ length: 6 }, () => new Float64Array(n));
    }
    if (st.two) {
      const vec = () => new Float64Array(n);
      this.two = { cC: new Float64Array(n * S), cZ: new Float64Array(n * S), d: new Float64Array(n * TWO_STRIDE), h: [vec(), vec(), vec()], tau: new Float64Array(2 * n), v: new Float64Array(2 * n), e: [vec(), vec(), vec()], w5: new Float64Array(5 * n) };
    }
  }

  /** length of the analytic gradient: β, then the extended likelihood's zi and dispersion coefficients */
  get size(): number {
    return this.st.p + (this.st.ext?.nPar ?? 0);
  }

  /**
   * ∂D/∂β at the state of the last stage-2 deviance evaluation (PIRLS mode, sysU factored at the
   * mode's weights, λ set), into out (length p). NaN when the system is not factored. With the
   * extended likelihood out may have length `size`: the zi and dispersion coefficients follow β.
   */
  betaGradient(out: Float64Array): void {
    const { st, sys } = this;
    const kind = derivativeKind(st);
    if (!sys.ok || kind === null) { out.fill(NaN); return; }
    const { n, p } = st;
    if (this.two) return this.gradientTwo(out);
    this.scoreDerivatives(kind);
    if (this.S === 1) this.etaPartScalar();
    else this.etaPart();
    const { e } = this;
    const X = st.ms.X;
    for (let j = 0; j < p; j++) {
      let acc = 0;
      const col = j * n;
      for (let i = 0; i < n; i++) acc += X[col + i] * e[i];
      out[j] = acc;
    }
    if (kind === "ext" && out.length > p) {
      const ext = st.ext!, [h, v] = this.hv!, sd = this.side!;
      if (ext.spec.zi) sideGradient(ext.spec.zi.X, n, ext.pz, sd[0], sd[1], sd[2], h, v, out, p);
      if (ext.spec.disp) sideGradient(ext.spec.disp.X, n, ext.pd, sd[3], sd[4], sd[5], h, v, out, p + ext.pz);
    }
  }

  /** e = −2s + a − W∘v (∂D/∂η through β), in general: h_i from leverages(), M⁻¹ by solveM(). */
  private etaPart(): void {
    const { n } = this.st;
    this.setC();
    const { s, w1, e, r, S, idx, c } = this;
    const W = this.st.w;
    // a = W'∘h, r = ΛᵀZᵀa
    const h = e;
    if (this.sys.qR > 0) this.restInverse();
    this.leverages(h, c);
    this.hv?.[0].set(h);
    r.fill(0);
    for (let i = 0; i < n; i++) {
      const a = w1[i] * h[i];
      h[i] = a;
      if (a === 0) continue;
      for (let k = i * S, end = k + S; k < end; k++) r[idx[k]] += c[k] * a;
    }
    this.solveM(r);
    // e = −2s + a − W∘(ZΛ M⁻¹ r), with (ZΛt)_i = c_iᵀt
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let k = i * S, end = k + S; k < end; k++) v += c[k] * r[idx[k]];
      if (this.hv) this.hv[1][i] = v;
      e[i] = -2 * s[i] + h[i] - W[i] * v;
    }
  }

  /**
   * etaPart() for one scalar term (the common case): M is diagonal, L₀₀² per level, so
   * h_i = (λz_i/L_l)² and M⁻¹ is a division — two passes over the rows.
   */
  private etaPartScalar(): void {
    const { st, s, w1, e, r } = this;
    const { n } = st;
    const W = st.w;
    const t = this.terms[0];
    const refs = t.term.refs, z = t.term.z, th = t.lambda[0];
    const L = this.sys.L00;
    r.fill(0);
    for (let i = 0; i < n; i++) {
      const l = refs[i];
      const c = th * z[i];
      const y0 = c / L[l];
      const a = w1[i] * y0 * y0;
      e[i] = a;
      r[l] += c * a;
      if (this.hv) this.hv[0][i] = y0 * y0;
    }
    for (let l = 0, nl = t.nl; l < nl; l++) r[l] /= L[l] * L[l];
    for (let i = 0; i < n; i++) e[i] += -2 * s[i] - W[i] * th * z[i] * r[refs[i]];
    if (this.hv) for (let i = 0, v = this.hv[1]; i < n; i++) v[i] = th * z[i] * r[refs[i]];
  }

  /**
   * The mode sensitivity ∂û/∂β_j = −M⁻¹ΛᵀZᵀW X_j at the last evaluation (λ, W, factor current):
   * the first-order change of the conditional modes, for PIRLS warm starts. Written into out (q).
   */
  modeSensitivity(j: number, out: Float64Array): void {
    const { st, S, idx, c } = this;
    const { n } = st;
    const W = st.w, X = st.ms.X, col = j * n;
    if (this.two) return this.modeSensitivityTwo(j, out);
    if (S === 1) {
      // one scalar term: M = diag(L₀₀²)
      const t = st.terms[0], refs = t.term.refs, z = t.term.z, th = t.lambda[0], L = this.sys.L00;
      out.fill(0);
      for (let i = 0; i < n; i++) out[refs[i]] -= th * z[i] * W[i] * X[col + i];
      for (let l = 0; l < t.nl; l++) out[l] /= L[l] * L[l];
      return;
    }
    this.setC();
    out.fill(0);
    for (let i = 0; i < n; i++) {
      const a = W[i] * X[col + i];
      if (a === 0) continue;
      for (let k = i * S, end = k + S; k < end; k++) out[idx[k]] -= c[k] * a;
    }
    this.solveM(out);
  }

  /**
   * betaGradient with zi random effects (two predictors per row; gradient-extended.ts has the
   * derivation): H_i's entries as leverages of the conditional entries of c, the zi entries and
   * both (h_ηζ by polarization), then r = Σ C_iᵀτ_i, M⁻¹r and v_i = C_iM⁻¹r.
   */
  private gradientTwo(out: Float64Array): void {
    const { st, S, Sc, idx, c, r } = this;
    const { n, p } = st;
    const ext = st.ext!;
    const { cC, cZ, d, h, tau, v, e } = this.two!;
    const [hEE, hEZ, hZZ] = h;
    twoRowDerivatives(ext, st.y, st.eta, st.prior, d);
    this.setC();
    if (this.sys.qR > 0) this.restInverse();
    this.leverages(hEE, cC);
    this.leverages(hZZ, cZ);
    this.leverages(hEZ, c);
    for (let i = 0; i < n; i++) hEZ[i] = (hEZ[i] - hEE[i] - hZZ[i]) / 2;
    twoTraces(d, hEE, hEZ, hZZ, tau);
    r.fill(0);
    for (let i = 0; i < n; i++) {
      const te = tau[2 * i], tz = tau[2 * i + 1];
      for (let a = 0, k = i * S; a < S; a++, k++) r[idx[k]] += c[k] * (a < Sc ? te : tz);
    }
    this.solveM(r);
    for (let i = 0; i < n; i++) {
      let ve = 0, vz = 0;
      for (let a = 0, k = i * S; a < S; a++, k++) {
        const t = c[k] * r[idx[k]];
        if (a < Sc) ve += t;
        else vz += t;
      }
      v[2 * i] = ve;
      v[2 * i + 1] = vz;
    }
    twoRowTerms(d, hEE, hEZ, hZZ, tau, v, e[0], e[1], e[2]);
    columnSums(st.ms.X, n, p, e[0], out, 0);
    if (out.length > p && ext.spec.zi) columnSums(ext.spec.zi.X, n, ext.pz, e[1], out, p);
    if (out.length > p && ext.spec.disp) columnSums(ext.spec.disp.X, n, ext.pd, e[2], out, p + ext.pz);
  }

  /** modeSensitivity with zi random effects: ∂û/∂β_j = −M⁻¹Σ_i C_iᵀ(W_ηη, W_ηζ)_i X_ij */
  private modeSensitivityTwo(j: number, out: Float64Array): void {
    const { st, S, Sc, idx, c } = this;
    const { n } = st;
    const w5 = this.two!.w5, X = st.ms.X, col = j * n;
    // (a = −ℓ_ηη, c = −ℓ_ηζ per row, from the deviance's own cache at the current predictors)
    st.ext!.working2(st.eta, st.y, st.prior, w5);
    this.setC();
    out.fill(0);
    for (let i = 0; i < n; i++) {
      const x = X[col + i];
      if (x === 0) continue;
      const we = w5[5 * i] * x, wz = w5[5 * i + 2] * x;
      for (let a = 0, k = i * S; a < S; a++, k++) out[idx[k]] -= c[k] * (a < Sc ? we : wz);
    }
    this.solveM(out);
  }

  /** s = ∂ℓ/∂η and W' = ∂W/∂η per row (prior weights included; μ at the mode). */
  private scoreDerivatives(kind: Kind): void {
    const { st, s, w1 } = this;
    const { n, y, mu, prior, phi } = st;
    if (kind === "ext") return extendedRowDerivatives(st.ext!, y, st.eta, prior, s, w1, this.side!);
    if (kind === "binomial") {
      for (let i = 0; i < n; i++) {
        const m = prior[i], u = mu[i];
        s[i] = m * (y[i] - u);
        w1[i] = m * u * (1 - u) * (1 - 2 * u);
      }
    } else if (kind === "poisson") {
      for (let i = 0; i < n; i++) {
        s[i] = prior[i] * (y[i] - mu[i]);
        w1[i] = prior[i] * mu[i];
      }
    } else if (kind === "nb") {
      const k = st.family.size!;
      for (let i = 0; i < n; i++) {
        const m = prior[i], u = mu[i], kk = k + u;
        s[i] = (m * k * (y[i] - u)) / kk;
        w1[i] = (m * k * (k + y[i]) * u * (k - u)) / (kk * kk * kk);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const ratio = y[i] / mu[i], m = prior[i] / phi;
        s[i] = m * (ratio - 1);
        w1[i] = -m * ratio;
      }
    }
    for (let i = 0; i < n; i++) if (prior[i] === 0) { s[i] = 0; w1[i] = 0; }
  }

  /** c_i = Λᵀz_i for every row at the current λ (kept while λ does not change). */
  private setC(): void {
    const { st, S, c, lambdaSeen, terms } = this;
    const { n } = st;
    let same = true;
    for (let t = 0, k = 0; t < terms.length; t++) {
      const lam = terms[t].lambda;
      for (let a = 0; a < lam.length; a++, k++) if (lambdaSeen[k] !== lam[a]) { same = false; lambdaSeen[k] = lam[a]; }
    }
    if (same) return;
    let eoff = 0;
    for (const t of terms) {
      const { s, lambda, term } = t;
      const z = term.z;
      if (s === 1) {
        const th = lambda[0];
        for (let i = 0; i < n; i++) c[i * S + eoff] = th * z[i];
      } else
        for (let i = 0; i < n; i++)
          for (let k = 0; k < s; k++) {
            let acc = 0;
            for (let r = k; r < s; r++) acc += lambda[r + k * s] * z[i * s + r];
            c[i * S + eoff + k] = acc;
          }
      eoff += s;
    }
    if (this.two) {
      const { cC, cZ } = this.two, Sc = this.Sc;
      for (let k = 0; k < n * S; k++) {
        const cond = k % S < Sc;
        cC[k] = cond ? c[k] : 0;
        cZ[k] = cond ? 0 : c[k];
      }
    }
  }

  /**
   * h_i = c_iᵀM⁻¹c_i. With L = [L₀₀ 0; L_R0 L_RR] and y₀ = L₀₀⁻¹c₀ (term 0's level block),
   *   h = ‖y₀‖² + dᵀG d,  d = c_R − A_l y₀,  G = (L_RR L_RRᵀ)⁻¹,  A_l = level l's block of L_R0,
   * expanded per level (B_l = G A_l and P_l = A_lᵀG A_l on the block's rows) so that each data row
   * costs O(S²); of G only the entries within blocks are formed (restInverse, called before).
   * h_i for the row entries in c (this.c, or a copy with some entries zeroed: h_ηη, h_ζζ).
   */
  private leverages(h: Float64Array, c: Float64Array): void {
    const { st, sys, S, S0, idx, loc, y0, q0 } = this;
    const { n } = st;
    const { qR, L00, rowPtr } = sys;
    const refs0 = this.terms[0].term.refs;
    const sp = sys.sparse;
    const G = this.G, B = this.B, P = this.P;
    for (let i = 0; i < n; i++) {
      const l = refs0[i];
      const base = i * S;
      let hh = 0;
      if (S0 === 1) {
        y0[0] = c[base] / L00[l];
        hh = y0[0] * y0[0];
      } else {
        const o = l * S0 * S0;
        for (let a = 0; a < S0; a++) {
          let v = c[base + a];
          for (let b = 0; b < a; b++) v -= L00[o + a + b * S0] * y0[b];
          y0[a] = v / L00[o + a + a * S0];
          hh += y0[a] * y0[a];
        }
      }
      if (qR > 0) {
        const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = S0 * r0;
        // y₀ᵀP_l y₀
        const po = l * S0 * S0;
        for (let a = 0; a < S0; a++) for (let b = 0; b < S0; b++) hh += y0[a] * P![po + a + b * S0] * y0[b];
        // − 2 y₀ᵀB_lᵀc_R + c_RᵀG c_R
        for (let k = S0; k < S; k++) {
          const ck = c[base + k];
          if (ck === 0) continue;
          let by = 0;
          for (let a = 0; a < S0; a++) by += B![vb + a * nr + loc[base + k]] * y0[a];
          let cg = 0;
          if (sp !== null) {
            // scalar rest terms: entry k is rest term k − S₀; its pairs sit in the row's pair list
            const t = k - S0, pp = i * sp.nPairs;
            for (let k2 = S0; k2 < S; k2++) {
              const u = k2 - S0;
              const pos = u === t ? sp.diagPos[idx[base + k] - q0] : sp.pairPos[pp + (t > u ? (t * (t - 1)) / 2 + u : (u * (u - 1)) / 2 + t)];
              cg += G![pos] * c[base + k2];
            }
          } else {
            const gk = (idx[base + k] - q0) * qR;
            for (let k2 = S0; k2 < S; k2++) cg += G![gk + idx[base + k2] - q0] * c[base + k2];
          }
          hh += ck * (cg - 2 * by);
        }
      }
      h[i] = hh;
    }
  }

  /**
   * The entries of G = (L_RR L_RRᵀ)⁻¹ that the leverages use (pairs of rows within one of term 0's
   * column blocks: all of G when every level meets every rest row, a few per level for nested
   * terms), as G_ab = (L_RR⁻¹e_a)·(L_RR⁻¹e_b) from forward substitutions that skip zeros (cheap
   * when L_RR is sparse in its dense storage); then per level B_l = G A_l, P_l = A_lᵀ B_l.
   */
  private restInverse(): void {
    if (this.sys.sparse !== null) return this.restInverseSparse();
    const { sys, S0, pairs } = this;
    const { qR, m, LRR, LR0, rowPtr, rowIdx, nl0 } = sys;
    const X = (this.Xinv ??= new Float64Array(qR * qR));
    X.fill(0);
    for (let g = 0; g < qR; g++) {
      const col = X.subarray(g * qR + g, (g + 1) * qR);
      col[0] = 1;
      solveLower(LRR, qR - g, col, m, g + g * m);
    }
    const G = (this.G ??= new Float64Array(qR * qR));
    for (let k = 0; k < pairs!.length; k += 2) {
      const a = pairs![k], b = pairs![k + 1]; // a ≥ b: column a is zero above a
      const xa = a * qR, xb = b * qR;
      let acc = 0;
      for (let r = a; r < qR; r++) acc += X[xa + r] * X[xb + r];
      G[a + b * qR] = acc;
      G[b + a * qR] = acc;
    }
    const B = (this.B ??= new Float64Array(LR0.length));
    const P = (this.P ??= new Float64Array(nl0 * S0 * S0));
    for (let l = 0; l < nl0; l++) {
      const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = S0 * r0;
      const nre = nr - 1; // the last row of the block is y's
      for (let a = 0; a < S0; a++) {
        const col = vb + a * nr;
        for (let x = 0; x < nre; x++) {
          const gx = rowIdx[r0 + x] * qR;
          let acc = 0;
          for (let yy = 0; yy < nre; yy++) acc += G[gx + rowIdx[r0 + yy]] * LR0[col + yy];
          B[col + x] = acc;
        }
      }
      for (let a = 0; a < S0; a++)
        for (let b = 0; b < S0; b++) {
          let acc = 0;
          for (let x = 0; x < nre; x++) acc += LR0[vb + a * nr + x] * B[vb + b * nr + x];
          P[l * S0 * S0 + a + b * S0] = acc;
        }
    }
  }

  /**
   * restInverse() on the sparse route: G by selected inversion (in the factor's layout), and B_l,
   * P_l from the pairs of each column block, all of which lie in the factor's pattern.
   */
  private restInverseSparse(): void {
    const { sys, S0 } = this;
    const { qR, LR0, rowPtr, rowIdx, nl0 } = sys;
    const sp = sys.sparse!;
    const G = (this.G = sp.selectedInverse(qR));
    const B = (this.B ??= new Float64Array(LR0.length));
    const P = (this.P ??= new Float64Array(nl0 * S0 * S0));
    for (let l = 0; l < nl0; l++) {
      const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = S0 * r0;
      sp.levelProduct(G, LR0, l, r0, nr, S0, rowIdx, qR, B);
      const nre = nr - 1;
      for (let a = 0; a < S0; a++)
        for (let b = 0; b < S0; b++) {
          let acc = 0;
          for (let x = 0; x < nre; x++) acc += LR0[vb + a * nr + x] * B[vb + b * nr + x];
          P[l * S0 * S0 + a + b * S0] = acc;
        }
    }
  }

  /** r ← M⁻¹r with the blocked factor of sysU (forward then backward substitution). */
  private solveM(r: Float64Array): void {
    const { sys, S0, q0 } = this;
    const { qR, m, L00, LR0, LRR, rowPtr, rowIdx, nl0 } = sys;
    const rR = r.subarray(q0, q0 + qR);
    // forward: y₀ = L₀₀⁻¹r₀ per level, r_R −= L_R0 y₀
    for (let l = 0; l < nl0; l++) {
      const uo = l * S0;
      if (S0 === 1) r[l] /= L00[l];
      else {
        const o = l * S0 * S0;
        for (let a = 0; a < S0; a++) {
          let v = r[uo + a];
          for (let b = 0; b < a; b++) v -= L00[o + a + b * S0] * r[uo + b];
          r[uo + a] = v / L00[o + a + a * S0];
        }
      }
      if (qR === 0) continue;
      const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = S0 * r0;
      for (let a = 0; a < S0; a++) {
        const ya = r[uo + a];
        if (ya === 0) continue;
        const col = vb + a * nr;
        for (let x = 0; x < nr - 1; x++) rR[rowIdx[r0 + x]] -= LR0[col + x] * ya;
      }
    }
    if (qR > 0 && sys.sparse !== null) sys.sparse.solveLeading(rR, qR);
    else if (qR > 0) {
      solveLower(LRR, qR, rR, m);
      solveLowerT(LRR, qR, rR, m);
    }
    // backward: t₀ = L₀₀⁻ᵀ(y₀ − L_R0ᵀ t_R) per level
    for (let l = 0; l < nl0; l++) {
      const uo = l * S0;
      if (qR > 0) {
        const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0, vb = S0 * r0;
        for (let a = 0; a < S0; a++) {
          const col = vb + a * nr;
          let acc = 0;
          for (let x = 0; x < nr - 1; x++) acc += LR0[col + x] * rR[rowIdx[r0 + x]];
          r[uo + a] -= acc;
        }
      }
      if (S0 === 1) r[l] /= L00[l];
      else {
        const o = l * S0 * S0;
        for (let a = S0 - 1; a >= 0; a--) {
          let v = r[uo + a];
          for (let b = a + 1; b < S0; b++) v -= L00[o + b + a * S0] * r[uo + b];
          r[uo + a] = v / L00[o + a + a * S0];
        }
      }
    }
  }
}

/** The distinct pairs (a ≥ b) of random-effect rows of the rest that share a column block of term 0. */
function blockPairs(sys: PLSSystem): Int32Array {
  const { qR, rowPtr, rowIdx, nl0 } = sys;
  const seen = new Uint8Array(qR * qR);
  const out: number[] = [];
  for (let l = 0; l < nl0; l++) {
    const r0 = rowPtr[l], nre = rowPtr[l + 1] - r0 - 1;
    for (let x = 0; x < nre; x++)
      for (let y = 0; y <= x; y++) {
        const a = rowIdx[r0 + x], b = rowIdx[r0 + y]; // ascending: a ≥ b
        if (seen[a + b * qR]) continue;
        seen[a + b * qR] = 1;
        out.push(a, b);
      }
  }
  return Int32Array.from(out);
}

/** Position of the value u in rowIdx[lo..hi) (ascending; present by construction), from lo. */
function findRow(rowIdx: Int32Array, lo: number, hi: number, u: number): number {
  const start = lo;
  hi--;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rowIdx[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  if (rowIdx[lo] !== u) throw new Error(`internal: random effect ${u} not in its term-0 block`);
  return lo - start;
}
