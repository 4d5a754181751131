// Exact gradient and Hessian of the deviance of the extended likelihood without random effects
// (q = 0; and the beta family's, whose precision is the same log-linear dispersion with an
// intercept only). There is no Laplace term then: D = −2 Σ m_i ℓ_i(η_i, ζ_i, ω_i) with the three
// predictors linear in their coefficients (η = Xβ + offset, ζ = X_zi β_zi, ω = X_d β_d), so
//   ∂D/∂γ_A = −2 X_Aᵀ ℓ_A,   ∂²D/∂γ_A∂γ_B = −2 X_Aᵀ diag(ℓ_AB) X_B
// from the per-row first and second derivatives of ℓ in (η, ζ, ω): the base density's jet in
// (η, ω) (gradient-extended.ts, with f_ωω) through the zi mixture or hurdle truncation (rowJet). The
// observed information, as glmmTMB's sdreport (TMB's Hessian of the same objective).
import type { BaseKind, SideDesign } from "./extended.js";
import { J_E, J_EE, J_EO, J_EZ, J_LEN, J_O, J_OO, J_Z, J_ZO, J_ZZ, rowJet } from "./gradient-extended.js";
import type { GLMMState } from "./pirls.js";

/** the likelihood's parts that the derivatives read, at the state's last evaluation */
interface FixedModel {
  readonly base: BaseKind;
  readonly hurdle: boolean;
  readonly zi: SideDesign | null;
  readonly disp: SideDesign | null;
  /** ζ per row (−∞ without a zi part) and ω per row */
  readonly etaZi: Float64Array;
  readonly etaD: Float64Array;
}

/** per-row derivative slots: first ℓ_η, ℓ_ζ, ℓ_ω, then ℓ_ηη, ℓ_ηζ, ℓ_ηω, ℓ_ζζ, ℓ_ζω, ℓ_ωω */
const N_ROW = 9;
/** slot of the second derivative in predictors (a, b), 0 = η, 1 = ζ, 2 = ω */
const SECOND = [[3, 4, 5], [4, 6, 7], [5, 7, 8]];
/** rowJet's positions of the slots */
const FROM_JET = [J_E, J_Z, J_O, J_EE, J_EZ, J_EO, J_ZZ, J_ZO, J_OO];

/**
 * d[k][i] = m_i × the k-th derivative of row i's log density (slots as N_ROW) at η = eta[i] and
 * the model's ζ, ω, for the rows i in `rows` (default: all): rowJet's (η, ζ, ω) jet with ℓ_ωω.
 * Rows of prior weight 0 get zeros.
 */
export function fixedRowDerivatives(mod: FixedModel, y: Float64Array, eta: Float64Array, prior: Float64Array, d: Float64Array[], rows: Int32Array | null = null): void {
  const { etaZi, etaD } = mod;
  const b = new Float64Array(8), g0 = new Float64Array(8), l = new Float64Array(8), J = new Float64Array(J_LEN + 1);
  const count = rows ? rows.length : y.length;
  for (let r = 0; r < count; r++) {
    const i = rows ? rows[r] : r;
    const m = prior[i];
    if (m === 0) J.fill(0);
    else rowJet(mod, y[i], eta[i], etaZi[i], etaD[i], b, g0, l, J);
    for (let k = 0; k < N_ROW; k++) d[k][i] = m * J[FROM_JET[k]];
  }
}

/**
 * Whether the exact q = 0 derivatives apply: no random effects (conditional or zi), and the
 * extended likelihood or the beta family (its precision an intercept-only dispersion).
 */
export function fixedGradientSupported(st: GLMMState): boolean {
  if (st.terms.length > 0 || st.ziTerms.length > 0) return false;
  return st.ext !== null || (st.family.name === "beta" && st.family.extra !== undefined);
}

/**
 * ∂D and ∂²D in (β, β_zi, β_disp) at the state of the last deviance evaluation (η, and the side
 * predictors set from the outer parameters) — the interface of LaplaceGradient, plus `hessian`.
 */
export class FixedGradient {
  private readonly st: GLMMState;
  private readonly d: Float64Array[];
  /** the beta family's intercept-only dispersion design (ones), and its ω and (absent) ζ per row */
  private readonly ones: SideDesign;
  private readonly omega: Float64Array;
  private readonly noZi: Float64Array;
  /**
   * the rows to compute and sum over, and each one's multiplicity: the extended likelihood's
   * duplicate rows (same response, weight and designs: the same derivatives) are counted, not
   * recomputed (Salamanders: 354 of 644 rows); built at the first use, after the state marked them
   */
  private distinct: { rows: Int32Array; mult: Float64Array } | null = null;

  constructor(st: GLMMState) {
    this.st = st;
    const n = st.n;
    this.d = Array.from({ length: N_ROW }, () => new Float64Array(n));
    this.ones = { X: new Float64Array(st.ext ? 0 : n).fill(1), p: 1, names: ["(Intercept)"] };
    this.omega = new Float64Array(st.ext ? 0 : n);
    this.noZi = new Float64Array(st.ext ? 0 : n).fill(-Infinity);
  }

  /** length of the gradient: β, then the zi and dispersion coefficients */
  get size(): number {
    const m = this.model();
    return this.st.p + (m.zi?.p ?? 0) + (m.disp?.p ?? 0);
  }

  private model(): FixedModel {
    const ext = this.st.ext;
    if (ext) return { ...ext.spec, etaZi: ext.etaZi, etaD: ext.etaD };
    this.omega.fill(this.st.family.extra!.values[0]);
    return { base: "beta", hurdle: false, zi: null, disp: this.ones, etaZi: this.noZi, etaD: this.omega };
  }

  /** the designs of the coefficient blocks with their predictor (0 = η, 1 = ζ, 2 = ω) */
  private blocks(m: FixedModel): { X: Float64Array; p: number; k: number }[] {
    const out = [{ X: this.st.ms.X, p: this.st.p, k: 0 }];
    if (m.zi) out.push({ X: m.zi.X, p: m.zi.p, k: 1 });
    if (m.disp) out.push({ X: m.disp.X, p: m.disp.p, k: 2 });
    return out;
  }

  private distinctRows(): { rows: Int32Array; mult: Float64Array } {
    if (this.distinct) return this.distinct;
    const n = this.st.n, dup = this.st.ext?.duplicateOf ?? null;
    const mult = new Float64Array(n), rows: number[] = [];
    for (let i = 0; i < n; i++) {
      const j = dup ? dup[i] : -1;
      if (j >= 0) mult[j]++;
      else { mult[i]++; rows.push(i); }
    }
    // (the state marks duplicates at its first evaluation: keep the list only once it has)
    const out = { rows: Int32Array.from(rows), mult };
    if (dup || !this.st.ext) this.distinct = out;
    return out;
  }

  /**
   * per-row derivatives at the state, times each distinct row's multiplicity, on the rows
   * returned; null when η is not finite (a failed evaluation)
   */
  private rows(m: FixedModel): Int32Array | null {
    const { st, d } = this;
    if (!st.eta.every(Number.isFinite)) return null;
    const { rows, mult } = this.distinctRows();
    fixedRowDerivatives(m, st.y, st.eta, st.prior, d, rows);
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r], c = mult[i];
      if (c !== 1) for (let k = 0; k < N_ROW; k++) d[k][i] *= c;
    }
    return rows;
  }

  /** ∂D into out (length `size`; NaN after a failed evaluation) */
  betaGradient(out: Float64Array): void {
    this.gradientRows(out);
  }

  /** betaGradient, returning the rows summed over (null after a failed evaluation) */
  private gradientRows(out: Float64Array): Int32Array | null {
    const m = this.model();
    const rows = this.rows(m);
    if (!rows) { out.fill(NaN); return null; }
    const n = this.st.n, { d } = this, nr = rows.length;
    let off = 0;
    for (const { X, p, k } of this.blocks(m)) {
      const l = d[k];
      for (let j = 0; j < p; j++) {
        let acc = 0;
        for (let r = 0, col = j * n; r < nr; r++) acc += X[col + rows[r]] * l[rows[r]];
        out[off + j] = -2 * acc;
      }
      off += p;
    }
    return rows;
  }

  /** ∂D into grad and ∂²D into hess (size × size, column-major) at the state */
  gradientHessian(grad: Float64Array, hess: Float64Array): void {
    const rows = this.gradientRows(grad);
    const n = this.st.n, { d } = this, K = grad.length;
    if (!rows || !grad.every(Number.isFinite)) { hess.fill(NaN); return; }
    const nr = rows.length;
    const blocks = this.blocks(this.model());
    let offA = 0;
    for (const A of blocks) {
      let offB = 0;
      for (const B of blocks) {
        if (offB >= offA) {
          const w = d[SECOND[A.k][B.k]];
          for (let a = 0; a < A.p; a++)
            for (let b = B === A ? a : 0; b < B.p; b++) {
              let acc = 0;
              // (dummy columns: mostly zeros)
              for (let r = 0, ca = a * n, cb = b * n; r < nr; r++) {
                const i = rows[r], xa = A.X[ca + i];
                if (xa !== 0) acc += xa * B.X[cb + i] * w[i];
              }
              hess[offA + a + (offB + b) * K] = hess[offB + b + (offA + a) * K] = -2 * acc;
            }
        }
        offB += B.p;
      }
      offA += A.p;
    }
  }

  /** ∂û/∂β_j: no random effects, nothing to write (LaplaceGradient's interface) */
  modeSensitivity(_j: number, out: Float64Array): void {
    out.fill(0);
  }
}
