// The penalized least-squares system of a mixed model in blocked form (Bates et al. 2015; storage
// after MixedModels.jl). Columns are ordered [Z₀ | Z_rest | X | y] where Z₀ is the term with the
// most random effects. A = [Z X y]ᵀW[Z X y] is kept as
//   A₀₀  per level of term 0, an s₀×s₀ block (uniform block diagonal; diagonal for scalar terms),
//   A_R0 per level of term 0, the rows of the other terms' levels that co-occur with it plus the X, y
//        rows: a sparse column block whose pattern is fixed by the data,
//   A_RR the other terms, X and y (m×m): dense, or on the sparse route (sparse-rest.ts) in the
//        layout of a supernodal sparse factor whose pattern, ordering and scatter positions are
//        worked out once per system (the route is chosen by the symbolic factor's cost).
// For each θ the factor L of Ω = ΛᵀAΛ + I (I on the Z part) is
//   L₀₀ = chol(Ω₀₀) per level,  L_R0 = Ω_R0 L₀₀⁻ᵀ (same sparsity),  L_RR = chol(Ω_RR − L_R0 L_R0ᵀ)
// (dense, or sparse: a nested design's L_RR has no fill).
// The last diagonal element of L is √(penalized RSS). No n×n or dense q₀×q₀ work is ever done.
// Term 0 may instead be a tree in sparse-precision form (reterms.ts): its "levels" are the tree's
// nodes, Ω₀₀ = λ²A₀₀ + Q has the tree's pattern, and with children numbered before parents its
// factor has no fill (L₀₀ = diagonal + one entry per node, at its parent's row). A node's column of
// L_R0 then holds the rows of its whole subtree (fill flows to the parent), and log|L_Z|² gains
// log|Q⁻¹| so that it is still log|ΛᵀZᵀWZΛ + I| of the u-space model. An indicator term nested in
// the tree's levels (observations or individuals within species) can join that block: its levels
// are extra leaves, numbered first, each with its tip as parent (Ω's only entry off the diagonal in
// its column is ZᵀWZ between the level and its tip), so the block stays tree-shaped.
import type { LevelTree } from "../formula/types.js";
import { TooLargeError } from "../errors.js";
import { cholLower, syrkLowerSub } from "../linalg/dense.js";
import type { ReTerm } from "../formula/types.js";
import { type SortOptions, type SysTerm, addTreePrecision, applyLambda, applyLambdaT, levelEffects, setLambdas, sortTerms } from "./reterms.js";
import { SparseRest, checkOuterPairs, outerPairs } from "./sparse-rest.js";

/** How the rest part is factored: by cost ("auto"), or forced (tests and benchmarks compare the two). */
export type SolverRoute = "auto" | "sparse" | "dense";

/** Which factorization a fit used, and its size (for `describe` and the JSON). */
export interface SolverInfo {
  readonly route: "sparse" | "dense" | "iterative";
  /** the iterative route: what it does, e.g. "iterative (PCG + SLQ, 16 probes, MC SE of logLik 0.004)" */
  readonly method?: string;
  /** the iterative route: probe vectors of the log-determinant estimate */
  readonly probes?: number;
  /** the iterative route: Monte Carlo standard error of logLik at the optimum */
  readonly logLikMCSE?: number;
  /** random effects outside the first term, plus p + 1 (X and y) */
  readonly restSize: number;
  /** stored entries of the rest part's factor */
  readonly factorEntries: number;
  /** flops of one factorization of the rest part */
  readonly flops: number;
  /** the iterative route taken by `--solver auto`: why the direct one was left */
  readonly reason?: string;
  /** the iterative route: the conditional SDs' stochastic estimate (probes, largest and median relative SE over levels) */
  readonly condsd?: { readonly probes: number; readonly maxRelSE: number; readonly medianRelSE: number };
}

/**
 * Flops of one factorization of the rest part beyond which `--solver auto` takes the iterative
 * route, for models it serves (crossed random intercepts). Measured on a 2-core machine under load
 * (whole CLI fits, direct/iterative wall time): GLMM 2,000 × 500 at 0.04 GFlop 0.36 (the direct
 * route faster); LMM 1,000 × 1,000 and GLMM 5,000 × 1,000 at 0.34 GFlop 1.4 and 1.5; LMM
 * 2,000 × 2,000 at 2.7 GFlop 8.9, GLMM 20,000 × 2,000 at 2.7 GFlop 2.3; LMM 5,000 × 5,000 at
 * 42 GFlop 130. The two-factor crossover is near 0.2 GFlop, but InstEval's three factors
 * (2,972 × 1,128 × 14, 0.13 GFlop sparse) fit in 12 s directly and took over 9 minutes iteratively
 * (the small third factor): the budget keeps a margin of ~8× above such designs.
 */
export const ITERATIVE_FLOPS = 1e9;

/** The direct route over the flop budget of `--solver auto`: the iterative route takes the model. */
export class OverBudgetError extends TooLargeError {
  constructor(readonly flops: number, readonly budget: number) {
    super(`the Cholesky factor would take ${gflop(flops)} per evaluation, over the ${gflop(budget)} budget`);
    this.name = "OverBudgetError";
  }
}

const gflop = (f: number) => `${(f / 1e9).toPrecision(f < 1e10 ? 2 : 3)} GFlop`;

/** Why `--solver auto` left the direct route, from its refusal (for `describe` and the JSON `solver.reason`). */
export function iterativeReason(e: TooLargeError): string {
  return e instanceof OverBudgetError ? e.message : "the Cholesky factor would not fit in memory";
}

/**
 * A model's system terms and its system. Known covariances outside the first term go on the sparse
 * route in precision form (a tree over its nodes, a well-conditioned K as K⁻¹) when that route is
 * taken; otherwise they keep the form the dense route uses (Λ = θL_K), so small models fit exactly
 * as before. `route` forces a route as PLSSystem's (tests and benchmarks).
 */
export function termsAndSystem(reTerms: readonly ReTerm[], n: number, p: number, options: SortOptions = {}, route: SolverRoute = PLSSystem.defaultRoute, flopBudget = Infinity): { terms: SysTerm[]; system: PLSSystem } {
  options = { treeFirst: PLSSystem.treeFirst, ...options };
  if (route !== "dense" && reTerms.some((t) => t.covariance?.K || t.covariance?.tree)) {
    const terms = sortTerms(reTerms, { ...options, sparseKnown: true });
    if (terms.every((t) => t.kfac === null)) {
      // nothing for the sparse route to change (a tree taken first, a GLMM's K⁻¹ already): as is
      if (!terms.some((t) => t.kprec !== null || (t.tree !== null && !t.treeFirst))) return { terms, system: new PLSSystem(terms, n, p, route, null, false, flopBudget) };
      try {
        const system = new PLSSystem(terms, n, p, route, null, true, flopBudget);
        if (!system.declined) return { terms, system };
      } catch (e) {
        if (!(e instanceof TooLargeError)) throw e;
      }
    }
  }
  const terms = sortTerms(reTerms, options);
  return { terms, system: new PLSSystem(terms, n, p, route, null, false, flopBudget) };
}

/** the largest dense part (random effects outside the first term, plus p + 1) glmm will factor */
export const MAX_DENSE = 16_384;

export class PLSSystem {
  /** all terms in system order: the first (if any) then the rest */
  readonly terms: readonly SysTerm[];
  /** term 0: the indicator term with the most random effects, or null (every term has a known covariance) */
  readonly first: SysTerm | null;
  /** the other terms, in the dense part (index t → offset roff[t]) */
  readonly rest: readonly SysTerm[];
  readonly n: number;
  /** number of X columns in the system (0 when β is held fixed, as in the second GLMM stage) */
  readonly p: number;
  readonly s0: number;
  readonly nl0: number;
  /** size of the Z_rest part */
  readonly qR: number;
  /** size of the dense part: qR + p + 1 */
  readonly m: number;
  /** offset of each rest term's rows in the rest index space (length rest.length + 1) */
  readonly roff: Int32Array;

  // sparse column blocks of term 0: for level l, rows rowIdx[rowPtr[l] .. rowPtr[l+1]) (rest indices,
  // ascending, the last p+1 being X and y), values nr×s₀ column-major at valPtr[l] = s₀·rowPtr[l]
  readonly rowPtr: Int32Array;
  readonly rowIdx: Int32Array;
  /** per data row and rest term t ≥ 1: local row offset of the (t, level) unit in its term-0 column block */
  private readonly unitPos: Int32Array[];
  // unit list per level for applying λ_tᵀ: unitPtr[l]..unitPtr[l+1) → (term, local row)
  private readonly unitPtr: Int32Array;
  private readonly unitTerm: Int32Array;
  private readonly unitLocal: Int32Array;

  // A
  readonly A00: Float64Array;
  readonly AR0: Float64Array;
  readonly ARR: Float64Array;
  // L
  readonly L00: Float64Array;
  readonly LR0: Float64Array;
  readonly LRR: Float64Array;
  /** true after the last updateL succeeded */
  ok = false;
  /** retry a factorization whose β block is numerically singular with a tiny ridge on it (PIRLS steps only) */
  ridgeBeta = false;
  /** the rest part as a sparse supernodal factor (then ARR and LRR are empty), or null (dense) */
  readonly sparse: SparseRest | null;
  /** the route `new PLSSystem` takes unless told otherwise */
  static defaultRoute: SolverRoute = "auto";
  /**
   * The smallest rest part (m) for which "auto" considers the sparse route. Measured: grouseticks'
   * nested rest (m = 186) factors 5–10× faster sparse (its fit ~45% fewer instructions), while at
   * m = 26 (counselling) the dense kernels win. (Rests with known covariances: from 200.)
   */
  static sparseMinimum = 64;
  /** whether termsAndSystem lets a tree be the first term, eliminated along the tree (benchmarks compare it with the general sparse route) */
  static treeFirst = true;
  /** bumped by every accumulate(): A changed */
  private version = 0;
  /** per known-covariance term: L_Kᵀ D L_K for the A of `version` (an LMM's A never changes) */
  private readonly kfacCache = new Map<SysTerm, { version: number; C: Float64Array }>();
  /** level of the first term per data row (zeros without a first term) */
  private readonly refs0: Int32Array;
  /** term 0 as a tree (sparse precision), or null */
  readonly tree: LevelTree | null;
  /** the tree term when a nested term (term 0) shares its block, else null */
  readonly second: SysTerm | null;
  /** tree: the index of the tree's node 0 in the block (the nested term's level count, or 0) */
  readonly treeOff: number;
  /** tree: each block node's parent (−1 below the root) */
  readonly parent0: Int32Array;
  /** block with a nested term: per nested level, ZᵀWZ between it and its tip */
  private readonly A00off: Float64Array;
  /** block with a nested term: per data row and rest term, the local row of its unit in the tip's column */
  private readonly unitPos2: Int32Array[];
  /** tree: L₀₀[parent(k), k] per node k (the diagonal is in L00) */
  readonly L00off: Float64Array;
  /** tree: per entry of a node's L_R0 column, the index of the same row in its parent's column */
  private readonly upPos: Int32Array;

  /**
   * `share`: a system on the same terms (a GLMM's other stage): its sparse analysis of the random-
   * effect part (pattern and order) is reused. `probe`: only the sparse route is wanted; if it is
   * not taken the system is `declined` (no dense part is allocated). `flopBudget`: an
   * OverBudgetError, before any numeric work, when the route taken would cost more per
   * factorization (`--solver auto` then goes iterative).
   */
  constructor(terms: readonly SysTerm[], n: number, p: number, route: SolverRoute = PLSSystem.defaultRoute, share: PLSSystem | null = null, probe = false, flopBudget = Infinity) {
    this.terms = terms;
    this.n = n;
    this.p = p;
    // (a term with a known covariance is not block diagonal: it stays in the rest, unless it is a
    // tree taken first)
    const t0 = terms.length > 0 ? terms[0] : null;
    const first = t0 !== null && t0.kfac === null && t0.kprec === null && (t0.tree === null || t0.treeFirst) ? t0 : null;
    this.first = first;
    const second = first !== null && first.nest !== null && terms[1]?.treeFirst ? terms[1] : null;
    this.second = second;
    const rest = first ? terms.slice(second ? 2 : 1) : terms.slice();
    this.rest = rest;
    // (hot methods read these instead of calling rest.map/every: those builtins check the array's
    // elements kind, which differs between an empty and a filled term list, and V8 deoptimizes there)
    this.restRefs = rest.map((t) => t.refs);
    this.restZ = rest.map((t) => t.term.z);
    this.allScalar = rest.every((t) => t.s === 1);
    this.maxS = rest.reduce((a, t) => Math.max(a, t.s), 1);
    // without a first term, one pseudo-level with no columns carries the dense part
    this.s0 = first ? first.s : 0;
    const tree = second ? second.tree : first?.tree ?? null;
    this.tree = tree;
    this.treeOff = second ? first!.q : 0;
    this.nl0 = first ? (tree ? this.treeOff + tree.size : first.nl) : 1;
    this.parent0 = new Int32Array(tree ? this.nl0 : 0);
    if (tree) {
      const off = this.treeOff;
      for (let a = 0; a < off; a++) this.parent0[a] = off + first!.nest![a];
      for (let k = 0; k < tree.size; k++) this.parent0[off + k] = tree.parent[k] < 0 ? -1 : off + tree.parent[k];
    }
    this.A00off = new Float64Array(second ? this.nl0 : 0);
    const R = rest.length;
    this.roff = new Int32Array(R + 1);
    let qR = 0;
    for (let t = 0; t < R; t++) {
      this.roff[t] = qR;
      qR += rest[t].q;
    }
    this.roff[R] = qR;
    this.qR = qR;
    this.m = qR + p + 1;
    // pattern: per rest term, the distinct (level0, level_t) pairs; a known-covariance term in
    // factor form is one unit spanning all its levels (Λ mixes them); a rest tree's units are its
    // nodes. Without a first term (one pseudo-level with no columns) there are no pairs.
    const nl0 = this.nl0;
    const refs0 = first ? first.refs : new Int32Array(n);
    const counts = new Int32Array(nl0);
    // per rest term: sorted unique keys l0*nl_t + lt (lt = 0 for known-covariance units); float64,
    // since nl0·nl_t passes 2³¹ in large nested designs (800,000 classes × 50,000 schools)
    const pairLists: Float64Array[] = [];
    for (let t = 0; t < R; t++) {
      const dense = rest[t].kfac !== null;
      const nlt = restUnits(rest[t]);
      const refs = rest[t].refs;
      if (first === null) { pairLists.push(new Float64Array(0)); continue; }
      const keys = new Float64Array(n);
      for (let i = 0; i < n; i++) keys[i] = refs0[i] * nlt + (dense ? 0 : refs[i]);
      keys.sort();
      let u = 0;
      for (let i = 0; i < n; i++) if (i === 0 || keys[i] !== keys[i - 1]) keys[u++] = keys[i];
      let uniq: Float64Array = new Float64Array(u);
      for (let i = 0; i < u; i++) uniq[i] = keys[i];
      if (tree) uniq = propagateUp(uniq, nlt, this.parent0);
      pairLists.push(uniq);
      u = uniq.length;
      const unitRows = dense ? rest[t].q : rest[t].s;
      for (let i = 0; i < u; i++) counts[Math.floor(uniq[i] / nlt)] += unitRows;
    }
    const rowPtr = new Int32Array(nl0 + 1);
    for (let l = 0; l < nl0; l++) rowPtr[l + 1] = rowPtr[l] + counts[l] + p + 1;
    const rowIdx = new Int32Array(rowPtr[nl0]);
    const fill = Int32Array.from(rowPtr.subarray(0, nl0));
    const nUnits = pairLists.reduce((a, b) => a + b.length, 0);
    const unitPtr = new Int32Array(nl0 + 1);
    for (let t = 0; t < R; t++) {
      const nlt = restUnits(rest[t]);
      for (const key of pairLists[t]) unitPtr[Math.floor(key / nlt) + 1]++;
    }
    for (let l = 0; l < nl0; l++) unitPtr[l + 1] += unitPtr[l];
    const unitTerm = new Int32Array(nUnits);
    const unitLocal = new Int32Array(nUnits);
    const ufill = Int32Array.from(unitPtr.subarray(0, nl0));
    const pairLocal: Int32Array[] = [];
    // terms in increasing rest order, levels ascending within a term: rows come out sorted
    for (let t = 0; t < R; t++) {
      const dense = rest[t].kfac !== null;
      const nlt = restUnits(rest[t]);
      const unitRows = dense ? rest[t].q : rest[t].s;
      const list = pairLists[t];
      const loc = new Int32Array(list.length);
      for (let k = 0; k < list.length; k++) {
        const key = list[k];
        const l0 = Math.floor(key / nlt);
        const lt = key - l0 * nlt;
        const pos = fill[l0];
        loc[k] = pos - rowPtr[l0];
        for (let c = 0; c < unitRows; c++) rowIdx[pos + c] = this.roff[t] + lt * unitRows + c;
        fill[l0] += unitRows;
        const u = ufill[l0]++;
        unitTerm[u] = t;
        unitLocal[u] = pos - rowPtr[l0];
      }
      pairLocal.push(loc);
    }
    for (let l = 0; l < nl0; l++) for (let j = 0; j <= p; j++) rowIdx[fill[l] + j] = qR + j;
    // per data row: local position of its (t, level) rows in the column of its term-0 level (and,
    // for a nested block, of its tip), by binary search in the sorted pair list
    const positions = (t: number, column: (i: number) => number): Int32Array => {
      const dense = rest[t].kfac !== null;
      const nlt = restUnits(rest[t]);
      const refs = rest[t].refs;
      const list = pairLists[t];
      const loc = pairLocal[t];
      const pos = new Int32Array(n);
      if (list.length === 0) return pos; // no first term: no term-0 columns
      for (let i = 0; i < n; i++) {
        const key = column(i) * nlt + (dense ? 0 : refs[i]);
        let lo = 0, hi = list.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (list[mid] < key) lo = mid + 1; else hi = mid;
        }
        pos[i] = loc[lo] + (dense ? refs[i] * rest[t].s : 0);
      }
      return pos;
    };
    this.unitPos = rest.map((_, t) => positions(t, (i) => refs0[i]));
    const off2 = this.treeOff;
    this.unitPos2 = second ? rest.map((_, t) => positions(t, (i) => off2 + second.refs[i])) : [];
    this.rowPtr = rowPtr;
    this.rowIdx = rowIdx;
    // tree: where each row of a node's column sits in its parent's column (the parent's rows are a
    // superset: fill flows up)
    this.upPos = new Int32Array(tree ? rowPtr[nl0] : 0);
    this.L00off = new Float64Array(tree ? nl0 : 0);
    if (tree)
      for (let k = 0; k < nl0; k++) {
        const par = this.parent0[k];
        if (par < 0) continue;
        let b = rowPtr[par];
        for (let a = rowPtr[k]; a < rowPtr[k + 1]; a++) {
          while (rowIdx[b] !== rowIdx[a]) b++;
          this.upPos[a] = b;
        }
      }
    this.unitPtr = unitPtr;
    this.unitTerm = unitTerm;
    this.unitLocal = unitLocal;
    this.refs0 = refs0;
    const s0 = this.s0;
    this.A00 = new Float64Array(nl0 * s0 * s0);
    this.L00 = new Float64Array(nl0 * s0 * s0);
    this.AR0 = new Float64Array(rowPtr[nl0] * s0);
    this.LR0 = new Float64Array(rowPtr[nl0] * s0);
    // The rest part: sparse when its terms allow it (a known covariance in precision form, not in
    // factor form) and the symbolic factor is much cheaper than the dense block (nested and
    // partially crossed designs, trees, relatedness beside other terms), else dense.
    const eligible = tree === null && R > 0 && rest.every((t) => t.kfac === null);
    const m = this.m;
    // past the dense limit the sparse route is the only one: refuse before its symbolic analysis
    // when the outer products alone would not fit (20,000 × 20,000 ratings: GBs for the pattern)
    if (eligible && route !== "dense" && m > MAX_DENSE) checkOuterPairs(outerPairs(rowPtr, nl0));
    // (rests with a known covariance keep the sparse route from m = 200, where it was measured)
    const minimum = rest.some((t) => t.kprec !== null || t.tree !== null) ? 200 : PLSSystem.sparseMinimum;
    const sparse = eligible && route !== "dense" && (route === "sparse" || m >= minimum)
      ? SparseRest.build(rest, this.roff, n, p, rowPtr, rowIdx, nl0, (sym) => {
        const take = route === "sparse" || m > MAX_DENSE || sym.flops <= 0.3 * (m * m * m) / 3;
        const flops = take ? sym.flops : (m * m * m) / 3;
        if (flops > flopBudget) throw new OverBudgetError(flops, flopBudget);
        return take;
      }, share?.sparse?.shared ?? null)
      : null;
    this.sparse = sparse;
    // a probe for the sparse route that did not take it: no dense part (the caller builds another)
    this.declined = probe && sparse === null;
    // Two m×m matrices (A_RR, L_RR) and a dense factorization per evaluation: past this size the
    // memory alone is 4 GB and one evaluation takes many minutes — say so instead of starting.
    if (this.sparse === null && !this.declined && this.m > MAX_DENSE) {
      const what = rest.map((t) => `(${t.term.cnames.length === 1 && t.term.cnames[0] === "(Intercept)" ? "1" : t.term.cnames.join(" + ")} | ${t.term.group}) with ${t.q.toLocaleString("en")} effects`).join(", ");
      throw new TooLargeError(`the model is too large for glmm's dense part: ${what} besides the first term${first ? ` (${first.term.group}, sparse)` : ""} make a ${this.m.toLocaleString("en")}² matrix (${((2 * 8 * this.m * this.m) / 2 ** 30).toFixed(1)} GiB, and a q³ factorization per evaluation); glmm takes up to ${MAX_DENSE.toLocaleString("en")} — terms with a known covariance in factor form (an ill-conditioned matrix) stay in the dense part`);
    }

    if (this.sparse === null && !this.declined && (m * m * m) / 3 > flopBudget) throw new OverBudgetError((m * m * m) / 3, flopBudget);
    this.ARR = new Float64Array(sparse || this.declined ? 0 : this.m * this.m);
    this.LRR = new Float64Array(sparse || this.declined ? 0 : this.m * this.m);
  }

  /** a probe (constructor's `probe`) that the sparse route declined: unusable, build the dense system */
  readonly declined: boolean;
  /** per rest term, its refs and z (see the constructor) */
  private readonly restRefs: Int32Array[];
  private readonly restZ: Float64Array[];
  /** every rest term is scalar */
  private readonly allScalar: boolean;
  /** the largest rest term size, at least 1 */
  private readonly maxS: number;

  /**
   * Form A from the rows: weights w (null = 1), the X columns (column-major n×p, or null when p = 0)
   * and the response vector (y, or PIRLS' working response).
   */
  accumulate(w: Float64Array | null, X: Float64Array | null, y: Float64Array): void {
    this.version++;
    if (this.s0 === 1 && this.allScalar) return this.accumulateScalar(w, X, y);
    if (this.second) throw new Error("PLSSystem: a nested tree block needs scalar terms");
    const { n, p, rest, s0, m, qR, rowPtr, refs0 } = this;
    const R = rest.length;
    const A00 = this.A00.fill(0), AR0 = this.AR0.fill(0), ARR = this.ARR.fill(0);
    const z0 = this.first ? this.first.term.z : new Float64Array(0);
    const sparse = this.sparse;
    // the rest-row vector of one data row: indices and values
    let restLen = p + 1;
    for (let t = 0; t < R; t++) restLen += rest[t].s;
    const ridx = new Int32Array(restLen);
    const rval = new Float64Array(restLen);
    const rloc = new Int32Array(restLen); // local row in the term-0 column block
    for (let i = 0; i < n; i++) {
      const wi = w === null ? 1 : w[i];
      if (wi === 0) continue;
      const l0 = refs0[i];
      const nr = rowPtr[l0 + 1] - rowPtr[l0];
      // term 0 block
      const a0 = l0 * s0 * s0;
      const zb = i * s0;
      for (let c = 0; c < s0; c++) {
        const zc = z0[zb + c] * wi;
        for (let r = c; r < s0; r++) A00[a0 + r + c * s0] += zc * z0[zb + r];
      }
      // rest vector
      let k = 0;
      for (let t = 0; t < R; t++) {
        const { s, term, refs } = rest[t];
        const lt = refs[i];
        const loc = this.unitPos[t][i];
        for (let c = 0; c < s; c++) {
          ridx[k] = this.roff[t] + lt * s + c;
          rval[k] = term.z[i * s + c];
          rloc[k] = loc + c;
          k++;
        }
      }
      for (let j = 0; j < p; j++) {
        ridx[k] = qR + j;
        rval[k] = X![i + j * n];
        rloc[k] = nr - p - 1 + j;
        k++;
      }
      ridx[k] = qR + p;
      rval[k] = y[i];
      rloc[k] = nr - 1;
      // A_R0: rows rloc × s0 columns
      const vb = s0 * rowPtr[l0];
      for (let c = 0; c < s0; c++) {
        const zc = z0[zb + c] * wi;
        const col = vb + c * nr;
        for (let a = 0; a < restLen; a++) AR0[col + rloc[a]] += rval[a] * zc;
      }
      // A_RR lower triangle (ridx ascending); the sparse route sums it below
      if (sparse === null) for (let b = 0; b < restLen; b++) {
        const vb2 = rval[b] * wi;
        if (vb2 === 0) continue;
        const col = ridx[b] * m;
        for (let a = b; a < restLen; a++) ARR[col + ridx[a]] += rval[a] * vb2;
      }
    }
    if (sparse !== null) this.accumulateRestSparse(w, X, y);
  }

  /** the sparse route's A_RR: the rows' rest sums, then the X/y corner */
  private accumulateRestSparse(w: Float64Array | null, X: Float64Array | null, y: Float64Array): void {
    const sparse = this.sparse!;
    sparse.clearA();
    sparse.accumulateRows(this.rest, this.roff, w, X, y);
    this.accumulateXy(w, X, y);
  }

  /**
   * accumulate() when every term is scalar (the common case): the same sums with the per-row
   * bookkeeping hoisted out of the loop over rows (typed arrays per term, no per-row objects).
   * Three separate functions: a GLMM alternates between stage 1 (with X) and stage 2 (without), and
   * one function serving both would be deoptimized by V8 at the switch.
   */
  private accumulateScalar(w: Float64Array | null, X: Float64Array | null, y: Float64Array): void {
    this.A00.fill(0);
    this.AR0.fill(0);
    this.ARR.fill(0);
    this.A00off.fill(0);
    if (this.sparse !== null) {
      this.accumulateRows(w, X, y);
      this.accumulateRestSparse(w, X, y);
      return;
    }
    if (this.rest.length <= 1 && this.p === 0 && this.second === null) return this.accumulateNoX(w, y);
    this.accumulateRows(w, X, y);
    this.accumulateXy(w, X, y);
  }

  /** the second GLMM stage of a one- or two-factor model: hoisted, branch-free */
  private accumulateNoX(w: Float64Array | null, y: Float64Array): void {
    const { n, rest, m, qR, rowPtr, refs0, A00, AR0, ARR } = this;
    const z0 = this.first!.term.z;
    const R = rest.length;
    const yc = qR; // the y row/column (p = 0)
    const ref1 = R ? rest[0].refs : null, z1 = R ? rest[0].term.z : null, pos1 = R ? this.unitPos[0] : null, off1 = R ? this.roff[0] : 0;
    for (let i = 0; i < n; i++) {
      const wi = w === null ? 1 : w[i];
      if (wi === 0) continue;
      const l0 = refs0[i];
      const r0 = rowPtr[l0];
      const zi = z0[i];
      const zw = zi * wi;
      const yi = y[i];
      A00[l0] += zw * zi;
      AR0[rowPtr[l0 + 1] - 1] += yi * zw;
      if (ref1 !== null) {
        const ri = off1 + ref1[i];
        const v = z1![i];
        const vw = v * wi;
        AR0[r0 + pos1![i]] += v * zw;
        const col = ri * m;
        ARR[col + ri] += v * vw;
        ARR[col + yc] += yi * vw;
      }
    }
    let yy = 0;
    for (let i = 0; i < n; i++) yy += (w === null ? 1 : w[i]) * y[i] * y[i];
    ARR[yc * m + yc] = yy;
  }

  /** the sums of each row that involve a random-effect column */
  private accumulateRows(w: Float64Array | null, X: Float64Array | null, y: Float64Array): void {
    const { n, p, rest, m, qR, rowPtr, refs0, A00, AR0, ARR } = this;
    const R = rest.length;
    const z0 = this.first!.term.z;
    const refs = this.restRefs;
    const zs = this.restZ;
    const pos = this.unitPos;
    const roff = this.roff;
    const ridx = new Int32Array(R);
    const rval = new Float64Array(R);
    const yc = qR + p; // the y row/column
    // a nested block: each row also meets its tip's column
    const second = this.second, A00off = this.A00off, pos2 = this.unitPos2, off2 = this.treeOff;
    const dense = this.sparse === null;
    const refs2 = second ? second.refs : null, z2 = second ? second.term.z : null;
    // (the constant design's nonzero columns per row: a zero x adds an exact 0 to a sum that started at +0)
    const rowX = X !== null && X === this.constantX ? (this.rowX !== null && this.rowX.X === X ? this.rowX : (this.rowX = rowPattern(X, n, p))) : null;
    const xPtr = rowX !== null ? rowX.ptr : null, xCol = rowX !== null ? rowX.col : null;
    for (let i = 0; i < n; i++) {
      const wi = w === null ? 1 : w[i];
      if (wi === 0) continue;
      const l0 = refs0[i];
      const r0 = rowPtr[l0];
      const nr = rowPtr[l0 + 1] - r0;
      const zw = z0[i] * wi;
      A00[l0] += zw * z0[i];
      const xl = r0 + nr - p - 1;
      if (xPtr !== null) for (let t = xPtr[i]; t < xPtr[i + 1]; t++) { const j = xCol![t]; AR0[xl + j] += X![i + j * n] * zw; }
      else for (let j = 0; j < p; j++) AR0[xl + j] += X![i + j * n] * zw;
      const yi = y[i];
      AR0[r0 + nr - 1] += yi * zw;
      if (refs2 !== null) {
        const tip = off2 + refs2[i];
        const zt = z2![i], ztw = zt * wi;
        A00[tip] += ztw * zt;
        A00off[l0] += zw * zt;
        const rt = rowPtr[tip], nrt = rowPtr[tip + 1] - rt;
        const xt = rt + nrt - p - 1;
        for (let j = 0; j < p; j++) AR0[xt + j] += X![i + j * n] * ztw;
        AR0[rt + nrt - 1] += yi * ztw;
        for (let t = 0; t < R; t++) AR0[rt + pos2[t][i]] += zs[t][i] * ztw;
      }
      for (let t = 0; t < R; t++) {
        const ri = roff[t] + refs[t][i];
        const v = zs[t][i];
        ridx[t] = ri;
        rval[t] = v;
        AR0[r0 + pos[t][i]] += v * zw;
        if (!dense) continue;
        const vw = v * wi;
        const col = ri * m;
        // with the earlier terms (lower triangle: this row, their column), itself, X and y
        for (let u = 0; u < t; u++) ARR[ridx[u] * m + ri] += rval[u] * vw;
        ARR[col + ri] += v * vw;
        for (let j = 0; j < p; j++) ARR[col + qR + j] += X![i + j * n] * vw;
        ARR[col + yc] += yi * vw;
      }
    }
  }

  /** the dense [X y] block, column by column (contiguous passes over the rows) */
  private accumulateXy(w: Float64Array | null, X: Float64Array | null, y: Float64Array): void {
    const { n, p, m, qR, ARR } = this;
    const wx = (this.scratchN ??= new Float64Array(n));
    // (columns by offset into X, not subarray views: a GLMM calls this per PIRLS iteration, and the
    // views were most of its garbage)
    const sums = this.tailSums;
    // The rows where each X column is nonzero: a sum with a column that is mostly 0 (a factor's
    // dummy) runs over that column's rows only. The skipped terms are exact zeros (finite
    // weights and values), and adding ±0 changes no sum: the same bits as over every row.
    const nz = p > 0 ? (this.nzRows ??= new Int32Array(n * p)) : new Int32Array(0);
    const nzLen = (this.nzLen ??= new Int32Array(p + 1));
    const few = n >> 1;
    // (found again unless X is constantX and was the last call's: a GLMM's per-row fixed design changes)
    if (X !== this.nzFor || X !== this.constantX) {
      for (let j = 0; j < p; j++) {
        let c = 0;
        const o = j * n;
        for (let i = 0; i < n; i++) if (X![o + i] !== 0) nz[o + c++] = i;
        nzLen[j] = c;
      }
      this.nzFor = X;
      this.disjoint = X === this.constantX ? disjointColumns(nz, nzLen, n, p, few) : null;
    }
    nzLen[p] = n; // (the response column counts as dense)
    const dense = (this.denseCols ??= new Int32Array(p + 1));
    const disjoint = this.disjoint;
    for (let j = 0; j <= p; j++) {
      const xj = j < p ? X! : y, oj = j < p ? j * n : 0;
      const lj = nzLen[j];
      // (w·x_j over every row only for a dense column, which alone has dense partners; the
      // sparse sums form the same product (w_i x_ij) x_ik in place)
      if (lj >= few) for (let i = 0; i < n; i++) wx[i] = (w === null ? 1 : w[i]) * xj[oj + i];
      const col = (qR + j) * m;
      let nd = 0;
      for (let k = j; k <= p; k++) {
        const lk = nzLen[k];
        if (lj >= few && lk >= few) { dense[nd++] = k; continue; }
        const xk = k < p ? X! : y, ok = k < p ? k * n : 0;
        // over the sparser column's nonzero rows, in row order (none when the two have no row in
        // common, as two dummies of one factor: every term is an exact 0)
        const o = (lj <= lk ? j : k) * n, len = disjoint !== null && k < p && disjoint[j * p + k] === 1 ? 0 : lj <= lk ? lj : lk;
        let acc = 0;
        if (lj >= few) for (let t = 0; t < len; t++) {
          const i = nz[o + t];
          acc += wx[i] * xk[ok + i];
        }
        else for (let t = 0; t < len; t++) {
          const i = nz[o + t];
          acc += ((w === null ? 1 : w[i]) * xj[oj + i]) * xk[ok + i];
        }
        if (this.sparse !== null) this.sparse.setTail(k, j, acc);
        else ARR[col + qR + k] = acc;
      }
      // the dense ones four columns per pass over the rows (each sum in row order, as one at a
      // time: the same bits), wx read once for four products
      let d = 0;
      for (; d + 3 < nd; d += 4) {
        const ka = dense[d], kb = dense[d + 1], kc = dense[d + 2], kd = dense[d + 3];
        const xa = ka < p ? X! : y, oa = ka < p ? ka * n : 0;
        const xb = kb < p ? X! : y, ob = kb < p ? kb * n : 0;
        const xc = kc < p ? X! : y, oc = kc < p ? kc * n : 0;
        const xd = kd < p ? X! : y, od = kd < p ? kd * n : 0;
        let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        for (let i = 0; i < n; i++) {
          const v = wx[i];
          a0 += v * xa[oa + i];
          a1 += v * xb[ob + i];
          a2 += v * xc[oc + i];
          a3 += v * xd[od + i];
        }
        sums[0] = a0; sums[1] = a1; sums[2] = a2; sums[3] = a3;
        for (let c = 0; c < 4; c++) {
          if (this.sparse !== null) this.sparse.setTail(dense[d + c], j, sums[c]);
          else ARR[col + qR + dense[d + c]] = sums[c];
        }
      }
      for (; d < nd; d++) {
        const k = dense[d];
        const xk = k < p ? X! : y, ok = k < p ? k * n : 0;
        let acc = 0;
        for (let i = 0; i < n; i++) acc += wx[i] * xk[ok + i];
        if (this.sparse !== null) this.sparse.setTail(k, j, acc);
        else ARR[col + qR + k] = acc;
      }
    }
  }

  /**
   * An X whose values never change while this system is in use (a GLMM's fixed-effects design, given
   * to every PIRLS accumulate): accumulateXy finds its columns' nonzero rows once, not per call
   */
  constantX: Float64Array | null = null;
  /** the X whose nonzero rows nzRows holds */
  private nzFor: Float64Array | null = null;
  /** for constantX: its nonzero columns per row (accumulateRows) */
  private rowX: { X: Float64Array; ptr: Int32Array; col: Int32Array } | null = null;
  /** for constantX: disjointColumns of its pattern, else null */
  private disjoint: Uint8Array | null = null;
  /** accumulateXy's work space: per X column its nonzero rows and their count; the dense columns */
  private nzRows: Int32Array | null = null;
  private nzLen: Int32Array | null = null;
  private denseCols: Int32Array | null = null;
  private readonly tailSums = new Float64Array(4);

  /** an n-vector of work space for accumulateXy */
  private scratchN: Float64Array | null = null;

  /** L00 = chol(λ₀ᵀ A00 λ₀ + I), block by block (or along the tree); false if a pivot is not positive. */
  private factorL00(lam0: Float64Array): boolean {
    const { s0, nl0, A00, L00 } = this;
    const tree = this.tree;
    if (tree) {
      if (!this.factorTree(lam0[0])) return false;
    } else if (s0 === 1) {
      const th = lam0[0], th2 = th * th;
      for (let l = 0; l < nl0; l++) L00[l] = Math.sqrt(th2 * A00[l] + 1);
    } else if (s0 > 1) {
      const tmp = new Float64Array(s0 * s0);
      for (let l = 0; l < nl0; l++) {
        const o = l * s0 * s0;
        congruence(A00, o, lam0, s0, tmp);
        for (let c = 0; c < s0; c++) tmp[c + c * s0] += 1;
        if (cholLower(tmp, s0) >= 0) return false;
        L00.set(tmp, o);
      }
    }
    return true;
  }

  /** L_R0 = Λ_Rᵀ A_R0 λ₀ L00⁻ᵀ, level by level (s0 > 0) */
  private formLR0(lam0: Float64Array): void {
    const { rest, s0, nl0, rowPtr, L00, AR0, LR0 } = this;
    const tree = this.tree;
    LR0.set(AR0);
    const scratch = new Float64Array(Math.max(this.maxS, s0));
    for (let l = 0; l < nl0; l++) {
      const nr = rowPtr[l + 1] - rowPtr[l];
      const vb = s0 * rowPtr[l];
      // rows of rest terms: left-multiply each unit by Λ_tᵀ
      for (let u = this.unitPtr[l]; u < this.unitPtr[l + 1]; u++) {
        const t = rest[this.unitTerm[u]];
        const loc = this.unitLocal[u];
        for (let c = 0; c < s0; c++) {
          const col = vb + c * nr + loc;
          if (t.kfac !== null) { applyLambdaT(t, LR0, col); continue; }
          const s = t.s, lam = t.lambda;
          if (s === 1) { LR0[col] *= lam[0]; continue; }
          for (let r = 0; r < s; r++) {
            let acc = 0;
            for (let k = r; k < s; k++) acc += lam[k + r * s] * LR0[col + k];
            scratch[r] = acc;
          }
          for (let r = 0; r < s; r++) LR0[col + r] = scratch[r];
        }
      }
      // right-multiply by λ₀ then solve with L00ᵀ from the right: X ← X λ₀ L00⁻ᵀ
      if (tree) {
        // (the solve along the tree follows, once every column is scaled; a nested block's tree
        // nodes take the tree term's λ)
        const th = this.second !== null && l >= this.treeOff ? this.second.lambda[0] : lam0[0];
        for (let a = 0; a < nr; a++) LR0[vb + a] *= th;
      } else if (s0 === 1) {
        const f = lam0[0] / L00[l];
        for (let a = 0; a < nr; a++) LR0[vb + a] *= f;
      } else {
        const o = l * s0 * s0;
        for (let a = 0; a < nr; a++) {
          for (let c = 0; c < s0; c++) {
            let acc = 0;
            for (let k = c; k < s0; k++) acc += LR0[vb + a + k * nr] * lam0[k + c * s0];
            scratch[c] = acc;
          }
          // solve y L00ᵀ = x  ⇔  L00 yᵀ = xᵀ (forward substitution)
          for (let c = 0; c < s0; c++) {
            let acc = scratch[c];
            for (let k = 0; k < c; k++) acc -= L00[o + c + k * s0] * scratch[k];
            scratch[c] = acc / L00[o + c + c * s0];
          }
          for (let c = 0; c < s0; c++) LR0[vb + a + c * nr] = scratch[c];
        }
      }
    }
  }

  /** Factor Ω(θ). Returns false if a pivot is not positive (θ infeasible numerically). */
  updateL(theta: ArrayLike<number>): boolean {
    const { m } = this;
    setLambdas(this.terms, theta);
    const lam0 = this.first ? this.first.lambda : new Float64Array(0);
    const { LR0, LRR, rowPtr, nl0, s0, rest } = this;
    const tree = this.tree;
    // (the steps are separate methods: V8 compiles one large function with loops at a much higher
    // cost, and only the branches this model uses get compiled)
    if (!this.factorL00(lam0)) { this.ok = false; return false; }
    if (s0 > 0) this.formLR0(lam0);
    if (tree) this.solveTreeColumns();
    if (this.sparse !== null) {
      this.ok = this.sparse.factor(rest, LR0, rowPtr, nl0, s0);
      return this.ok;
    }
    this.assembleRest();
    // --- dense Cholesky of the rest (the y pivot may be ~0 for a perfect fit: allow it)
    let bad = cholLower(LRR, m);
    if (this.ridgeBeta && this.p > 0 && bad >= this.qR && bad < m - 1) {
      // a β direction with (numerically) no information: separation drives μ → 0 on every row it
      // touches, and rounding leaves its pivot ≤ 0. A tiny ridge on the β block damps the step
      // along it (the steps are step-halved on the exact objective, and log|L_Z| has no β part).
      // (rare: the rest is assembled again rather than kept at every factorization)
      this.assembleRest();
      let dmax = 0;
      for (let j = this.qR; j < m - 1; j++) dmax = Math.max(dmax, LRR[j + j * m]);
      for (let j = this.qR; j < m - 1; j++) LRR[j + j * m] += 1e-9 * dmax + 1e-300;
      bad = cholLower(LRR, m);
    }
    if (bad >= 0 && bad < m - 1) { this.ok = false; return false; }
    if (bad === m - 1) LRR[m * m - 1] = 0;
    this.ok = true;
    return true;
  }

  /** LRR = Ω_RR − L_R0 L_R0ᵀ (lower triangle, dense rest route), before its Cholesky */
  private assembleRest(): void {
    const { LRR, ARR, rest, m } = this;
    const R = rest.length;
    // --- Ω_RR = Λ_Rᵀ A_RR Λ_R + I (RE part)
    LRR.set(ARR);
    for (let t = 0; t < R; t++) scaleRestBlock(LRR, m, this.roff[t], rest[t], this.kfacCache, this.version);
    // + I, or + Q on a term held in precision form (dense K⁻¹, or a tree's sparse Q)
    for (let t = 0; t < R; t++) {
      const o = this.roff[t], q = rest[t].q, kp = rest[t].kprec, tr = rest[t].tree;
      if (tr !== null) addTreePrecision(tr, (i, j, v) => { LRR[o + i + (o + j) * m] += v; });
      else if (kp === null) for (let i = o; i < o + q; i++) LRR[i + i * m] += 1;
      else for (let j = 0; j < q; j++) for (let i = j; i < q; i++) LRR[o + i + (o + j) * m] += kp.Q[i + j * q];
    }
    // --- subtract L_R0 L_R0ᵀ
    if (this.s0 > 0) this.subtractOuter();
  }

  /** log|L_Z|² (the Z part: term 0 blocks and the rest's RE rows) */
  logdetZ(): number {
    const { s0, nl0, L00, qR } = this;
    let s = 0;
    if (s0 === 1) for (let l = 0; l < nl0; l++) s += Math.log(L00[l]);
    else for (let l = 0; l < nl0; l++) for (let c = 0; c < s0; c++) s += Math.log(L00[l * s0 * s0 + c + c * s0]);
    for (let i = 0; i < qR; i++) s += Math.log(this.restDiag(i));
    // + log|Q⁻¹| of the terms held in precision form: log|ΛᵀZᵀWZΛ + I| of the u-space model
    let prior = this.tree ? this.tree.logDetA : 0;
    for (const t of this.rest) prior += t.kprec !== null ? t.kprec.logDetK : t.tree !== null ? t.tree.logDetA : 0;
    return 2 * s + prior;
  }

  /**
   * Tree term 0: factor Ω₀₀ = λ²A₀₀ + Q along the tree, children first (no fill). With a nested
   * term its levels come first: Ω = λ_n²A + 1 on their diagonal and λ_n λ_t (ZᵀWZ) to their tip.
   * False when a pivot is not positive.
   */
  private factorTree(lam: number): boolean {
    const { parent, precision } = this.tree!;
    const { L00, L00off, A00, A00off, nl0, parent0, treeOff } = this;
    const lamT = this.second ? this.second.lambda[0] : lam;
    const lamN = lam;
    // Ω's diagonal, and its entry at each node's parent (kept in L00off until the factor replaces it)
    for (let a = 0; a < treeOff; a++) {
      L00[a] = lamN * lamN * A00[a] + 1;
      L00off[a] = lamN * lamT * A00off[a];
    }
    const th2 = lamT * lamT;
    for (let k = 0; k < parent.length; k++) {
      L00[treeOff + k] = th2 * A00[treeOff + k] + precision[k];
      L00off[treeOff + k] = -precision[k];
    }
    for (let k = 0; k < parent.length; k++) if (parent[k] >= 0) L00[treeOff + parent[k]] += precision[k];
    for (let k = 0; k < nl0; k++) {
      const d = L00[k];
      if (!(d > 0)) return false;
      const lkk = Math.sqrt(d);
      L00[k] = lkk;
      const p = parent0[k];
      if (p >= 0) {
        const off = L00off[k] / lkk;
        L00off[k] = off;
        L00[p] -= off * off;
      }
    }
    return true;
  }

  /**
   * Tree term 0: L_R0 = Ω_R0 L₀₀⁻ᵀ column by column, children first: column k is final once its
   * children have been subtracted, L_R0[:, k] = (Ω_R0[:, k] − Σ_c L₀₀[k, c] L_R0[:, c]) / L₀₀[k, k].
   */
  private solveTreeColumns(): void {
    const { L00, L00off, LR0, rowPtr, upPos, nl0, parent0: parent } = this;
    for (let k = 0; k < nl0; k++) {
      const a0 = rowPtr[k], a1 = rowPtr[k + 1];
      const inv = 1 / L00[k];
      for (let a = a0; a < a1; a++) LR0[a] *= inv;
      if (parent[k] < 0) continue;
      const off = L00off[k];
      for (let a = a0; a < a1; a++) LR0[upPos[a]] -= off * LR0[a];
    }
  }

  /** the dense route's L_RR −= L_R0 L_R0ᵀ */
  private subtractOuter(): void {
    subtractOuterDense(this.LRR, this.m, this.LR0, this.rowPtr, this.rowIdx, this.nl0, this.s0, this.outerScratch);
  }

  /** work space of subtractOuter (the gathered dense columns) */
  private readonly outerScratch: { buf: Float64Array | null } = { buf: null };

  /** the route and size of the rest part's factor */
  get solverInfo(): SolverInfo {
    const m = this.m, sp = this.sparse;
    return sp !== null
      ? { route: "sparse", restSize: m, factorEntries: sp.sym.nnzL, flops: sp.sym.flops }
      : { route: "dense", restSize: m, factorEntries: (m * (m + 1)) / 2, flops: (m * m * m) / 3 };
  }

  /** L's diagonal entry at rest index i (either route) */
  restDiag(i: number): number {
    return this.sparse !== null ? this.sparse.diag(i) : this.LRR[i + i * this.m];
  }

  /** log|L_X|² */
  logdetX(): number {
    const { qR, p } = this;
    let s = 0;
    for (let i = qR; i < qR + p; i++) s += Math.log(this.restDiag(i));
    return 2 * s;
  }

  /** penalized residual sum of squares r² */
  pwrss(): number {
    const r = this.restDiag(this.m - 1);
    return r * r;
  }

  /** L_X: the p×p lower factor of the X block (column-major), whose inverse gives vcov(β) */
  xFactor(): Float64Array {
    if (this.sparse !== null) return this.sparse.xFactor();
    const { p, qR, m, LRR } = this;
    const LX = new Float64Array(p * p);
    for (let j = 0; j < p; j++) for (let i = j; i < p; i++) LX[i + j * p] = LRR[qR + i + (qR + j) * m];
    return LX;
  }

  /**
   * Back-substitution for the conditional modes u (spherical) and β, from the current factor.
   * Returns u in the system's column order (term 0 level-major, then the rest terms) and β.
   */
  solve(): { u: Float64Array; beta: Float64Array } {
    const { m, qR, p, s0, nl0, rowPtr, rowIdx, LRR, LR0, L00 } = this;
    const mm = m - 1; // without y
    // x_R solves L_RR[0:mm,0:mm]ᵀ x = (y row of L_RR)
    let x: Float64Array;
    if (this.sparse !== null) x = this.sparse.backSolve();
    else {
      x = new Float64Array(mm);
      for (let j = 0; j < mm; j++) x[j] = LRR[mm + j * m];
      for (let j = mm - 1; j >= 0; j--) {
        const cj = j * m;
        let s = x[j];
        for (let i = j + 1; i < mm; i++) s -= LRR[cj + i] * x[i];
        x[j] = s / LRR[cj + j];
      }
    }
    const q0 = nl0 * s0;
    const u = new Float64Array(q0 + qR);
    u.set(x.subarray(0, qR), q0);
    const beta = x.slice(qR, qR + p);
    // term 0: L00ᵀ u0 = (y row of L_R0) − L_R0(rows < y)ᵀ x_R
    const rhs = new Float64Array(s0);
    for (let l = 0; l < nl0; l++) {
      const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0;
      const vb = s0 * r0;
      for (let c = 0; c < s0; c++) {
        const col = vb + c * nr;
        let s = LR0[col + nr - 1];
        for (let a = 0; a < nr - 1; a++) s -= LR0[col + a] * x[rowIdx[r0 + a]];
        rhs[c] = s;
      }
      if (this.tree) u[l] = rhs[0]; // back-substitution along the tree below
      else if (s0 === 1) u[l] = rhs[0] / L00[l];
      else {
        const o = l * s0 * s0;
        for (let c = s0 - 1; c >= 0; c--) {
          let s = rhs[c];
          for (let k = c + 1; k < s0; k++) s -= L00[o + k + c * s0] * rhs[k];
          rhs[c] = s / L00[o + c + c * s0];
        }
        for (let c = 0; c < s0; c++) u[l * s0 + c] = rhs[c];
      }
    }
    if (this.tree) {
      // L₀₀ᵀ u₀ = rhs: parents (larger indices) first
      const parent = this.parent0;
      for (let k = nl0 - 1; k >= 0; k--) {
        const p = parent[k];
        u[k] = (u[k] - (p >= 0 ? this.L00off[k] * u[p] : 0)) / L00[k];
      }
    }
    return { u, beta };
  }

  /** b = Λu, per term (in the system's term order), each level-major (level l, column c at l·s + c). */
  bFromU(u: Float64Array): Float64Array[] {
    const out: Float64Array[] = [];
    let off = 0;
    for (const t of this.terms) {
      const b = new Float64Array(t.q);
      applyLambda(t, u, off, b, 0);
      out.push(levelEffects(t, b));
      off += t.q;
    }
    return out;
  }
}

/**
 * L_RR −= Σ over term-0 columns of the sparse column's outer product (dense route). Columns that
 * meet more than half of the rest rows (crossed designs: each subject sees most items) are
 * scattered into one dense m × k block and applied as a single register-blocked SYRK; the others
 * one by one on their own rows.
 */
function subtractOuterDense(M: Float64Array, m: number, V: Float64Array, rowPtr: Int32Array, rowIdx: Int32Array, nl0: number, s0: number, scratch: { buf: Float64Array | null }): void {
  // every level meets every row of the rest (VerbAgg: each person answers every item): then L_R0
  // is already a dense m × (nl0·s0) column-major matrix
  if (rowPtr[nl0] === nl0 * m) {
    syrkLowerSub(M, m, V, nl0 * s0);
    return;
  }
  let kd = 0;
  for (let l = 0; l < nl0; l++) if (2 * (rowPtr[l + 1] - rowPtr[l]) > m) kd += s0;
  let D: Float64Array | null = null;
  if (kd >= 8) {
    if (scratch.buf === null || scratch.buf.length < m * kd) scratch.buf = new Float64Array(m * kd);
    D = scratch.buf.subarray(0, m * kd);
    D.fill(0);
  }
  let k = 0;
  for (let l = 0; l < nl0; l++) {
    const r0 = rowPtr[l], nr = rowPtr[l + 1] - r0;
    const vb = s0 * r0;
    const dense = D !== null && 2 * nr > m;
    for (let c = 0; c < s0; c++) {
      const col = vb + c * nr;
      if (dense) {
        const o = (k++) * m;
        for (let a = 0; a < nr; a++) D![o + rowIdx[r0 + a]] = V[col + a];
      } else outerSparse(M, m, V, col, nr, rowIdx, r0);
    }
  }
  if (D !== null) syrkLowerSub(M, m, D, kd);
}

function outerSparse(M: Float64Array, m: number, V: Float64Array, col: number, nr: number, rowIdx: Int32Array, r0: number): void {
  for (let b = 0; b < nr; b++) {
    const vb = V[col + b];
    if (vb === 0) continue;
    const dst = rowIdx[r0 + b] * m;
    for (let a = b; a < nr; a++) M[dst + rowIdx[r0 + a]] -= V[col + a] * vb;
  }
}

/** out = λᵀ B λ for the s×s block of B at offset o (lower triangle of B read; out full). */
function congruence(B: Float64Array, o: number, lam: Float64Array, s: number, out: Float64Array): void {
  const full = (i: number, j: number) => (i >= j ? B[o + i + j * s] : B[o + j + i * s]);
  const tmp = new Float64Array(s * s); // B λ
  for (let i = 0; i < s; i++)
    for (let j = 0; j < s; j++) {
      let acc = 0;
      for (let k = j; k < s; k++) acc += full(i, k) * lam[k + j * s];
      tmp[i + j * s] = acc;
    }
  for (let i = 0; i < s; i++)
    for (let j = 0; j < s; j++) {
      let acc = 0;
      for (let k = i; k < s; k++) acc += lam[k + i * s] * tmp[k + j * s];
      out[i + j * s] = acc;
    }
}

/**
 * Apply Λ_t to the rows and columns of term t in the lower triangle of the dense rest matrix:
 * M ← Λᵀ M Λ restricted to the block rows/columns of this term (Λ = I elsewhere).
 */
function scaleRestBlock(M: Float64Array, m: number, off: number, t: SysTerm, cache?: Map<SysTerm, { version: number; C: Float64Array }>, version = -1): void {
  const { s, lambda } = t;
  if (s === 1 && t.kfac === null) {
    const th = lambda[0];
    const end = off + t.q;
    // columns of the term: rows ≥ col; rows of the term in earlier columns
    for (let j = 0; j < m; j++) {
      const cj = j * m;
      if (j >= off && j < end) {
        for (let i = j; i < m; i++) M[cj + i] *= i < end ? th * th : th;
      } else if (j < off) {
        for (let i = off; i < end; i++) M[cj + i] *= th;
      }
    }
    return;
  }
  // general (vector terms, known covariance): Λᵀ on the term's rows of every other column, then
  // the diagonal block Λᵀ D Λ, working on symmetric copies
  const q = t.q;
  const get = (i: number, j: number) => (i >= j ? M[i + j * m] : M[j + i * m]);
  const set = (i: number, j: number, v: number) => { if (i >= j) M[i + j * m] = v; else M[j + i * m] = v; };
  const seg = new Float64Array(q);
  for (let j = 0; j < m; j++) {
    if (j >= off && j < off + q) continue;
    for (let r = 0; r < q; r++) seg[r] = get(off + r, j);
    applyLambdaT(t, seg, 0);
    for (let r = 0; r < q; r++) set(off + r, j, seg[r]);
  }
  if (t.kfac !== null && t.s === 1) {
    // A scalar term's own block of ZᵀWZ is diagonal (one level per row), so with Λ = θ L_K
    //   Λᵀ D Λ = θ² Σ_l d_l ℓ_lᵀ ℓ_l,  ℓ_l = row l of L_K,
    // one register-blocked SYRK of B = (√d ⊙ L_K)ᵀ: q³/2 flops at kernel speed instead of
    // two q³ passes of triangular products (the phylogenetic models' dominant cost).
    const K = t.kfac, th2 = lambda[0] * lambda[0];
    let C = cache?.get(t)?.version === version ? cache.get(t)!.C : null;
    if (!C) {
      const B = new Float64Array(q * q);
      for (let l = 0; l < q; l++) {
        const sd = Math.sqrt(Math.max(0, M[off + l + (off + l) * m]));
        for (let i = 0; i <= l; i++) B[i + l * q] = sd * K[l + i * q];
      }
      C = new Float64Array(q * q);
      syrkLowerSub(C, q, B, q, true);
      cache?.set(t, { version, C });
    }
    for (let j = 0; j < q; j++) for (let i = j; i < q; i++) M[off + i + (off + j) * m] = -th2 * C[i + j * q];
    return;
  }
  const D = new Float64Array(q * q);
  for (let j = 0; j < q; j++) for (let i = 0; i < q; i++) D[i + j * q] = get(off + i, off + j);
  // E = Λᵀ D (columns), then F = Λᵀ Eᵀ (columns of Eᵀ) = Λᵀ D Λ (symmetric)
  for (let j = 0; j < q; j++) applyLambdaT(t, D, j * q);
  const Et = new Float64Array(q * q);
  for (let j = 0; j < q; j++) for (let i = 0; i < q; i++) Et[i + j * q] = D[j + i * q];
  for (let j = 0; j < q; j++) applyLambdaT(t, Et, j * q);
  for (let j = 0; j < q; j++) for (let i = j; i < q; i++) M[off + i + (off + j) * m] = Et[i + j * q];
}

/**
 * Tree term 0: a node's column of L_R0 holds the rows of its whole subtree. Given the sorted keys
 * node·nlt + level_t of one rest term, add every key to all of the node's ancestors (sorted, unique).
 */
function propagateUp(keys: Float64Array, nlt: number, parent: Int32Array): Float64Array {
  const size = parent.length;
  const lists: (number[] | null)[] = new Array(size).fill(null);
  for (const key of keys) {
    const k = Math.floor(key / nlt);
    (lists[k] ??= []).push(key - k * nlt);
  }
  let total = 0;
  for (let k = 0; k < size; k++) {
    const own = lists[k];
    if (own === null) continue;
    total += own.length;
    const p = parent[k];
    if (p < 0) continue;
    lists[p] = lists[p] === null ? own.slice() : mergeSorted(lists[p]!, own);
  }
  const out = new Float64Array(total);
  let o = 0;
  for (let k = 0; k < size; k++) for (const lt of lists[k] ?? []) out[o++] = k * nlt + lt;
  return out;
}

/** union of two ascending lists of distinct numbers */
function mergeSorted(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] < b[j])) out.push(a[i++]);
    else if (i >= a.length || b[j] < a[i]) out.push(b[j++]);
    else { out.push(a[i++]); j++; }
  }
  return out;
}

/** Effect units of a rest term in the pattern: its levels (its nodes for a tree), or one spanning unit for a factor-form known covariance. */
function restUnits(t: SysTerm): number {
  return t.kfac !== null ? 1 : t.q / t.s;
}

/**
 * Per pair of sparse X columns (j·p + k, both with fewer than `few` nonzero rows) 1 when no row
 * has both nonzero: their cross-product is an exact 0 without a pass over the rows.
 */
function disjointColumns(nz: Int32Array, nzLen: Int32Array, n: number, p: number, few: number): Uint8Array {
  const out = new Uint8Array(p * p);
  const mark = new Int32Array(n).fill(-1);
  for (let j = 0; j < p; j++) {
    if (nzLen[j] >= few) continue;
    for (let t = 0; t < nzLen[j]; t++) mark[nz[j * n + t]] = j;
    for (let k = j + 1; k < p; k++) {
      if (nzLen[k] >= few) continue;
      let meet = false;
      for (let t = 0; t < nzLen[k] && !meet; t++) meet = mark[nz[k * n + t]] === j;
      if (!meet) out[j * p + k] = 1;
    }
  }
  return out;
}

/** The nonzero columns of each row of the column-major n × p matrix X (CSR: row i's in col[ptr[i] .. ptr[i+1]), ascending). */
function rowPattern(X: Float64Array, n: number, p: number): { X: Float64Array; ptr: Int32Array; col: Int32Array } {
  const ptr = new Int32Array(n + 1);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) if (X[i + j * n] !== 0) ptr[i + 1]++;
  for (let i = 0; i < n; i++) ptr[i + 1] += ptr[i];
  const col = new Int32Array(ptr[n]);
  const at = ptr.slice(0, n);
  for (let j = 0; j < p; j++) for (let i = 0; i < n; i++) if (X[i + j * n] !== 0) col[at[i]++] = j;
  return { X, ptr, col };
}
