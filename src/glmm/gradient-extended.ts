// Per-row derivatives of the extended likelihood (extended.ts) that the analytic Laplace gradient
// needs (gradient.ts). A parameter γ that enters row i's log density only through a row-wise
// linear predictor ζ_i = (X_γ γ)_i (the zi logit, the log-dispersion ω) has, with u* stationary
// (du*/dγ = M⁻¹ΛᵀZᵀ diag(ℓ_ηγ) X_γ) and the same h_i = c_iᵀM⁻¹c_i and v = ZΛM⁻¹ΛᵀZᵀ(W′∘h) as β,
//   ∂D/∂γ = X_γᵀ [ −2ℓ_γ + h∘W_γ + ℓ_ηγ∘v ],  W_γ = −ℓ_ηηγ,
// of which β's ∂D/∂β = Xᵀ(−2s + W′∘h − W∘v) is the case ℓ_ηβ = −W. So per row: ℓ_η, ℓ_ηηη and,
// per side predictor, ℓ_γ, ℓ_ηγ, ℓ_ηηγ — from the base density's jet in (η, ω) and the zi
// mixture or hurdle truncation by the chain rule.
import { digamma, trigamma } from "../families/special.js";
import { softplus } from "../families/link.js";
import { log1mexp, type ExtendedLikelihood } from "./extended.js";

/**
 * jet of a function of (η, ω): [f, f_η, f_ηη, f_ηηη, f_ω, f_ηω, f_ηηω], and f_ωω at [7] when the
 * array has room for it (the Hessian without random effects, gradient-fixed.ts)
 */
type Jet = Float64Array;

/** ψ″(x), the tetragamma function: recurrence up to x ≥ 10, then the asymptotic series */
export function tetragamma(x: number): number {
  if (!(x > 0)) return NaN;
  let acc = 0;
  while (x < 10) {
    acc -= 2 / (x * x * x);
    x += 1;
  }
  const r = 1 / x, r2 = r * r;
  // −1/x² − 1/x³ − 1/(2x⁴) + 1/(6x⁶) − 1/(6x⁸) + 3/(10x¹⁰) − 5/(6x¹²)
  return acc - r2 * (1 + r + r2 * (0.5 - r2 * (1 / 6 - r2 * (1 / 6 - r2 * (0.3 - (5 / 6) * r2)))));
}

/**
 * The base density's jet at response y (the value only for y = 0, which the mixtures need; the
 * y > 0 value is not used), η and ω = log dispersion. Beta (logit link, precision e^ω) has the
 * second derivatives only: its third ones are NaN.
 */
export function baseJet(base: ExtendedLikelihood["spec"]["base"], y: number, eta: number, omega: number, o: Jet): void {
  const wantOO = o.length > 7;
  switch (base) {
    case "poisson": {
      const mu = Math.exp(eta);
      o[0] = y === 0 ? -mu : 0;
      o[1] = y - mu; o[2] = -mu; o[3] = -mu;
      o[4] = 0; o[5] = 0; o[6] = 0;
      if (wantOO) o[7] = 0;
      return;
    }
    case "nbinom2": {
      // size k = e^ω
      const k = Math.exp(omega), mu = Math.exp(eta), km = k + mu;
      const lr = -softplus(eta - omega); // log(k/(k + μ))
      o[0] = y === 0 ? k * lr : 0;
      o[1] = (k * (y - mu)) / km;
      o[2] = (-k * mu * (k + y)) / (km * km);
      o[3] = (-k * (k + y) * mu * (k - mu)) / (km * km * km);
      o[4] = k * ((y === 0 ? 0 : digamma(y + k) - digamma(k)) + lr + (mu - y) / km);
      o[5] = (k * (y - mu) * mu) / (km * km);
      o[6] = (-k * mu * (2 * k * mu + y * mu - k * y)) / (km * km * km);
      if (wantOO) o[7] = o[4] + k * ((y === 0 ? 0 : k * (trigamma(y + k) - trigamma(k))) + mu / km - (k * (mu - y)) / (km * km));
      return;
    }
    case "nbinom1": {
      // k = μ/φ = e^(η−ω), L = log(1 + φ), ρ = φ/(1 + φ)
      const k = Math.exp(eta - omega), L = softplus(omega), rho = 1 / (1 + Math.exp(-omega));
      let d1 = 0, d2 = 0, d3 = 0;
      if (y !== 0) {
        d1 = digamma(y + k) - digamma(k);
        d2 = trigamma(y + k) - trigamma(k);
        d3 = tetragamma(y + k) - tetragamma(k);
      }
      const a = k * (d1 - L), k2 = k * k * d2, k3 = k * k * k * d3;
      o[0] = y === 0 ? -k * L : 0;
      o[1] = a;
      o[2] = a + k2;
      o[3] = a + 3 * k2 + k3;
      o[4] = -a - (k + y) * rho + y;
      o[5] = -o[2] - k * rho;
      o[6] = -o[3] - k * rho;
      if (wantOO) o[7] = a + k2 + 2 * k * rho - (k + y) * rho * (1 - rho);
      return;
    }
    case "gaussian": {
      const v = Math.exp(omega), r = y - eta;
      o[0] = -0.5 * (Math.log(2 * Math.PI) + omega) - (r * r) / (2 * v);
      o[1] = r / v; o[2] = -1 / v; o[3] = 0;
      o[4] = -0.5 + (r * r) / (2 * v); o[5] = -r / v; o[6] = 1 / v;
      if (wantOO) o[7] = -(r * r) / (2 * v);
      return;
    }
    case "Gamma": {
      // shape s = e^ω, R = y/μ
      const s = Math.exp(omega), R = y * Math.exp(-eta);
      o[0] = 0;
      o[1] = s * (R - 1); o[2] = -s * R; o[3] = s * R;
      o[4] = s * (-digamma(s) + omega + 1 - eta + Math.log(y) - R);
      o[5] = o[1]; o[6] = o[2];
      if (wantOO) o[7] = o[4] + s * (1 - s * trigamma(s));
      return;
    }
    case "beta": {
      // μ = logistic(η), φ = e^ω, a = μφ, b = (1 − μ)φ; D = ∂ℓ/∂a − ∂ℓ/∂b
      // (no third derivatives: derivativeKind keeps beta off the path with random effects)
      const mu = 1 / (1 + Math.exp(-eta)), m1 = 1 / (1 + Math.exp(eta)), phi = Math.exp(omega);
      const a = mu * phi, b = m1 * phi, me = mu * m1, ly = Math.log(y), l1y = Math.log1p(-y);
      const pa = digamma(a), pb = digamma(b), ta = trigamma(a), tb = trigamma(b);
      const D = ly - l1y - pa + pb;
      o[0] = 0;
      o[1] = phi * me * D;
      o[2] = phi * me * (m1 - mu) * D - phi * phi * me * me * (ta + tb);
      o[3] = NaN;
      o[4] = phi * digamma(phi) + a * (ly - pa) + b * (l1y - pb);
      o[5] = o[1] + phi * me * (b * tb - a * ta);
      o[6] = NaN;
      if (wantOO) o[7] = o[4] + phi * phi * trigamma(phi) - a * a * ta - b * b * tb;
      return;
    }
  }
}

/** out[1..6] (and out[7], f_ωω, when out has room) += the jet of F(g(η, ω)) with F′, F″, F‴ = f1, f2, f3 at g */
function addComposed(g: Jet, f1: number, f2: number, f3: number, out: Jet): void {
  out[1] += f1 * g[1];
  out[2] += f1 * g[2] + f2 * g[1] * g[1];
  out[3] += f1 * g[3] + 3 * f2 * g[1] * g[2] + f3 * g[1] * g[1] * g[1];
  out[4] += f1 * g[4];
  out[5] += f1 * g[5] + f2 * g[1] * g[4];
  out[6] += f1 * g[6] + f2 * (g[4] * g[2] + 2 * g[1] * g[5]) + f3 * g[4] * g[1] * g[1];
  if (out.length > 7) out[7] += f1 * g[7] + f2 * g[4] * g[4];
}

/**
 * Row i's jet in (η, ζ, ω), unweighted (layout J_*): the base density's jet in (η, ω) with the zi
 * mixture or the hurdle truncation applied by the chain rule. ℓ depends on ζ through
 *   zi, y = 0:  ℓ = F(ζ, b) − S(ζ),  F = log(e^ζ + e^b), S = softplus(ζ), b = log p₀(η, ω),
 * with r = σ(b − ζ) (the posterior probability of a count-process zero), q = r(1 − r),
 * q₃ = q(1 − 2r): F_b = r, F_ζ = 1 − r, F_bb = F_ζζ = −F_bζ = q, F_bbb = −F_bbζ = F_bζζ = −F_ζζζ = q₃;
 * and S′ = π, S″ = π(1 − π), S‴ = π(1 − π)(1 − 2π), π = σ(ζ). Elsewhere (y > 0, and the hurdle's
 * rows) ζ enters alone: ℓ = ±log π-type terms with ℓ_ζζ = −S″, ℓ_ζζζ = −S‴ and no cross terms.
 * With b, g0 and l of length 8 and J of length J_LEN + 1, also ℓ_ωω at J[J_OO] (the Hessian
 * without random effects, gradient-fixed.ts).
 */
export function rowJet(spec: Pick<ExtendedLikelihood["spec"], "base" | "hurdle">, yi: number, eta: number, ez: number, om: number, b: Jet, g0: Jet, l: Jet, J: Float64Array): void {
  baseJet(spec.base, yi, eta, om, b);
  l.set(b);
  // ζ's derivatives: ℓ_ζ, ℓ_ηζ, ℓ_ηηζ, ℓ_ζζ, ℓ_ηζζ, ℓ_ζζζ, ℓ_ζω, ℓ_ηζω, ℓ_ζζω
  let lz = 0, lez = 0, leez = 0, lzz = 0, lezz = 0, lzzz = 0, lzo = 0, lezo = 0, lzzo = 0;
  if (spec.hurdle || ez !== -Infinity) {
    const pi = 1 / (1 + Math.exp(-ez)), s2 = pi * (1 - pi);
    lzz = -s2;
    lzzz = -s2 * (1 - 2 * pi);
    if (spec.hurdle) {
      if (yi === 0) {
        l.fill(0);
        lz = 1 - pi;
      } else {
        // ℓ = log(1 − π) + b − log(1 − p₀): T(g) = −log(1 − e^g) at g = log p₀, T′ = p₀/(1 − p₀)
        baseJet(spec.base, 0, eta, om, g0);
        const t = Math.exp(g0[0] - log1mexp(g0[0]));
        const t2 = t * (1 + t);
        addComposed(g0, t, t2, t2 * (1 + 2 * t), l);
        lz = -pi;
      }
    } else if (yi !== 0) lz = -pi;
    else {
      const r = 1 / (1 + Math.exp(ez - b[0]));
      const q = r * (1 - r), q3 = q * (1 - 2 * r);
      l.fill(0);
      addComposed(b, r, q, q3, l);
      lz = 1 - r - pi;
      lez = -q * b[1];
      leez = -q * b[2] - q3 * b[1] * b[1];
      lzz += q;
      lezz = q3 * b[1];
      lzzz -= q3;
      lzo = -q * b[4];
      lezo = -q3 * b[4] * b[1] - q * b[5];
      lzzo = q3 * b[4];
    }
  }
  J[J_E] = l[1]; J[J_EE] = l[2]; J[J_EEE] = l[3];
  J[J_O] = l[4]; J[J_EO] = l[5]; J[J_EEO] = l[6];
  J[J_Z] = lz; J[J_EZ] = lez; J[J_EEZ] = leez; J[J_ZZ] = lzz; J[J_EZZ] = lezz; J[J_ZZZ] = lzzz;
  J[J_ZO] = lzo; J[J_EZO] = lezo; J[J_ZZO] = lzzo;
  if (J.length > J_LEN) J[J_OO] = l[7];
}

/** positions in rowJet's output: E = η, Z = ζ, O = ω, repeated letters for higher derivatives */
export const J_E = 0, J_EE = 1, J_EEE = 2, J_O = 3, J_EO = 4, J_EEO = 5, J_Z = 6, J_EZ = 7, J_EEZ = 8, J_ZZ = 9, J_EZZ = 10, J_ZZZ = 11, J_ZO = 12, J_EZO = 13, J_ZZO = 14;
/** length of rowJet's output (without ℓ_ωω) */
export const J_LEN = 15;
/** ℓ_ωω's position, after the others, when rowJet's output has room for it */
export const J_OO = J_LEN;
/** rowJet's layout by name (twoRowDerivatives' per-row entries), for its tests */
export const TWO_LAYOUT = { E: J_E, EE: J_EE, EEE: J_EEE, O: J_O, EO: J_EO, EEO: J_EEO, Z: J_Z, EZ: J_EZ, EEZ: J_EEZ, ZZ: J_ZZ, EZZ: J_EZZ, ZZZ: J_ZZZ, ZO: J_ZO, EZO: J_EZO, ZZO: J_ZZO } as const;

/**
 * Per-row derivatives of the extended likelihood at the linear predictors (η from the argument,
 * ζ and ω from `ext`), prior-weighted: s = ℓ_η, w1 = −ℓ_ηηη (= ∂W/∂η), and per side predictor
 * (zi: ζ; disp: ω) g = ℓ_γ, c = ℓ_ηγ, wg = −ℓ_ηηγ into side[0..3) (zi) and side[3..6) (disp),
 * each of length n (arrays of side parts the model lacks are left untouched).
 */
export function extendedRowDerivatives(ext: ExtendedLikelihood, y: Float64Array, eta: Float64Array, prior: Float64Array, s: Float64Array, w1: Float64Array, side: Float64Array[]): void {
  const { spec, n, etaZi, etaD } = ext;
  const hasZi = spec.zi !== null, hasD = spec.disp !== null;
  const b = new Float64Array(7), g0 = new Float64Array(7), l = new Float64Array(7), J = new Float64Array(J_LEN);
  const [gz, cz, wz, gd, cd, wd] = side;
  for (let i = 0; i < n; i++) {
    const m = prior[i];
    if (m === 0) J.fill(0);
    else rowJet(spec, y[i], eta[i], etaZi[i], etaD[i], b, g0, l, J);
    s[i] = m * J[J_E];
    w1[i] = -m * J[J_EEE];
    if (hasZi) { gz[i] = m * J[J_Z]; cz[i] = m * J[J_EZ]; wz[i] = -m * J[J_EEZ]; }
    if (hasD) { gd[i] = m * J[J_O]; cd[i] = m * J[J_EO]; wd[i] = -m * J[J_EEO]; }
  }
}

// With random effects in the zero-inflation formula (zi-random.ts) the inner problem has two
// predictors per row, p_i = (η_i, ζ_i) = offsets + fixed parts + C_i u, C_i the 2 × q rows (Λᵀz_i
// on the conditional terms' columns, Λᵀz_i^zi on the zi terms'), and M = I + Σ C_iᵀW_iC_i with
// the 2 × 2 W_i = −∇²ℓ_i. For a parameter γ entering the rows by ∂p_i/∂γ (β: (X, 0); the zi
// coefficients: (0, X_zi)) or explicitly (ω: X_d), with û stationary (M dû/dγ = Σ C_iᵀ∂_γ∇ℓ_i, where
// ∂_γ∇ℓ_i = −W_i ∂p_i/∂γ for β and the zi coefficients, (ℓ_ηω, ℓ_ζω)X_d for ω), H_i = C_iM⁻¹C_iᵀ and
//   d log|M|/dγ = Σ_i tr(H_i dW_i/dγ),  dW_i/dγ = T_i[∂p_i/∂γ + C_i dû/dγ] + ∂_γW_i (explicit),
// T_i[d] = −Σ_a d_a ∂_a∇²ℓ_i: with τ_i,a = tr(H_i(−∂_a∇²ℓ_i)) the û part is
// Σ_i τ_iᵀC_i dû/dγ = Σ_i (∂_γ∇ℓ_i)ᵀ v_i,  v_i = C_iM⁻¹r,  r = Σ_k C_kᵀτ_k. So per row
//   ∂D/∂β ← −2ℓ_η + τ_η − (W_ηη v_η + W_ηζ v_ζ)
//   ∂D/∂γ_zi ← −2ℓ_ζ + τ_ζ − (W_ηζ v_η + W_ζζ v_ζ)
//   ∂D/∂ω ← −2ℓ_ω + tr(H_i(−∂_ω∇²ℓ_i)) + ℓ_ηω v_η + ℓ_ζω v_ζ
// with τ_η = h_ηη(−ℓ_ηηη) + 2h_ηζ(−ℓ_ηηζ) + h_ζζ(−ℓ_ηζζ), τ_ζ = h_ηη(−ℓ_ηηζ) + 2h_ηζ(−ℓ_ηζζ) +
// h_ζζ(−ℓ_ζζζ): the single-predictor formulas above when the ζ row of C_i is zero (h_ηζ = h_ζζ = 0,
// v_ζ = 0). Per row: the jet up to third order in (η, ζ) and the ω-derivatives of ∇ℓ and ∇²ℓ.

/** per-row stride of twoRowDerivatives' output (rowJet's layout) */
export const TWO_STRIDE = J_LEN;

/** rowJet per row, prior-weighted, into d[TWO_STRIDE·i ...] (zeros for rows of weight 0) */
export function twoRowDerivatives(ext: ExtendedLikelihood, y: Float64Array, eta: Float64Array, prior: Float64Array, d: Float64Array): void {
  const { spec, n, etaZi, etaD } = ext;
  const b = new Float64Array(7), g0 = new Float64Array(7), l = new Float64Array(7), J = new Float64Array(J_LEN);
  for (let i = 0; i < n; i++) {
    const m = prior[i], o = i * J_LEN;
    if (m === 0) { d.fill(0, o, o + J_LEN); continue; }
    rowJet(spec, y[i], eta[i], etaZi[i], etaD[i], b, g0, l, J);
    for (let k = 0; k < J_LEN; k++) d[o + k] = m * J[k];
  }
}

/** τ_i = (τ_η, τ_ζ) per row into tau[2i], tau[2i + 1], from the jets d and H_i = (hEE, hEZ, hZZ) */
export function twoTraces(d: Float64Array, hEE: Float64Array, hEZ: Float64Array, hZZ: Float64Array, tau: Float64Array): void {
  for (let i = 0, n = hEE.length; i < n; i++) {
    const o = i * J_LEN, a = hEE[i], c = 2 * hEZ[i], z = hZZ[i];
    tau[2 * i] = -(a * d[o + J_EEE] + c * d[o + J_EEZ] + z * d[o + J_EZZ]);
    tau[2 * i + 1] = -(a * d[o + J_EEZ] + c * d[o + J_EZZ] + z * d[o + J_ZZZ]);
  }
}

/**
 * Per row ∂D/∂(β, zi, ω)'s row terms (the column sums with X, X_zi, X_d give the gradient) into
 * eB, eZ, eO, from the jets d, H_i, τ_i and v_i = (v[2i], v[2i + 1]).
 */
export function twoRowTerms(d: Float64Array, hEE: Float64Array, hEZ: Float64Array, hZZ: Float64Array, tau: Float64Array, v: Float64Array, eB: Float64Array, eZ: Float64Array, eO: Float64Array): void {
  for (let i = 0, n = hEE.length; i < n; i++) {
    const o = i * J_LEN, ve = v[2 * i], vz = v[2 * i + 1];
    eB[i] = -2 * d[o + J_E] + tau[2 * i] + d[o + J_EE] * ve + d[o + J_EZ] * vz;
    eZ[i] = -2 * d[o + J_Z] + tau[2 * i + 1] + d[o + J_EZ] * ve + d[o + J_ZZ] * vz;
    eO[i] = -2 * d[o + J_O] - (hEE[i] * d[o + J_EEO] + 2 * hEZ[i] * d[o + J_EZO] + hZZ[i] * d[o + J_ZZO]) + d[o + J_EO] * ve + d[o + J_ZO] * vz;
  }
}

/** out[off + j] = Σ_i X[i, j]·e_i (X: n × p, column-major) */
export function columnSums(X: Float64Array, n: number, p: number, e: Float64Array, out: Float64Array, off: number): void {
  for (let j = 0; j < p; j++) {
    let acc = 0;
    const col = j * n;
    for (let i = 0; i < n; i++) acc += X[col + i] * e[i];
    out[off + j] = acc;
  }
}

/** out[off + j] = Σ_i X[i, j]·(−2g_i + h_i·wg_i + c_i·v_i), the side predictor's block of ∂D/∂γ */
export function sideGradient(X: Float64Array, n: number, pg: number, g: Float64Array, c: Float64Array, wg: Float64Array, h: Float64Array, v: Float64Array, out: Float64Array, off: number): void {
  for (let j = 0; j < pg; j++) {
    let acc = 0;
    const col = j * n;
    for (let i = 0; i < n; i++) {
      const x = X[col + i];
      if (x !== 0) acc += x * (-2 * g[i] + h[i] * wg[i] + c[i] * v[i]);
    }
    out[off + j] = acc;
  }
}
