// Diagnostics that help decide what model to report: a grouping factor with few levels (its
// variance is estimated from a handful of group means — poorly — and a fixed effect may serve
// better), and singular fits (a variance at zero or a correlation at ±1), naming the term and the
// simpler model that fits as well.
import { deparse } from "../formula/ast.js";
import { parseFormula } from "../formula/index.js";
import { splitBars } from "../formula/terms.js";
import type { ModelStructure } from "../formula/types.js";
import type { FittedGLMM } from "../glmm/glmm.js";
import { type FittedLMM, LinearMixedModel, fittedModel } from "../lmm/lmm.js";
import { relCovariance, formulaOrder } from "../lmm/reterms.js";
import { lambdaAt } from "./simulate.js";

/** Fewer levels than this draw the few-levels warning. */
export const FEW_LEVELS = 5;

/** A warning about the model choice: a grouping factor with few levels, or a singular fit, with the simpler model suggested. */
export interface Diagnostic {
  readonly kind: "few-levels" | "singular";
  readonly group: string;
  readonly message: string;
}

/** the fixed part of a formula and its response, for suggestions */
function formulaParts(formula: string): { lhs: string; fixed: string; bars: { text: string; group: string; lhs: string }[] } | null {
  try {
    const ast = parseFormula(formula);
    const { fixed, bars } = splitBars(ast.rhs, ast.text);
    return {
      lhs: ast.lhs ? deparse(ast.lhs) : "",
      fixed: fixed ? deparse(fixed) : "1",
      bars: bars.map((b) => {
        const inner = `${deparse(b.lhs)} ${b.double ? "||" : "|"} ${deparse(b.group)}`;
        return { text: b.kind ? `${b.kind}(${inner})` : `(${inner})`, group: deparse(b.group), lhs: deparse(b.lhs) };
      }),
    };
  } catch {
    return null;
  }
}

const assemble = (lhs: string, rhs: string[]) => `${lhs ? lhs + " " : ""}~ ${rhs.join(" + ")}`;

/**
 * One warning per grouping factor with fewer than 5 levels. The lead calls this after every fit
 * (`glmm fit` prints the messages as warnings).
 */
export function fewLevelsDiagnostics(ms: ModelStructure, formula: string = ms.formula): Diagnostic[] {
  const seen = new Set<string>();
  const out: Diagnostic[] = [];
  const parts = formulaParts(formula);
  for (const t of ms.reTerms) {
    if (seen.has(t.group)) continue;
    seen.add(t.group);
    const k = t.levels.length;
    if (k >= FEW_LEVELS) continue;
    let suggestion = "";
    if (parts) {
      const rest = parts.bars.filter((b) => b.group !== t.group).map((b) => b.text);
      const fixed = parts.fixed === "1" ? [t.group] : [parts.fixed, t.group];
      suggestion = `, e.g. ${assemble(parts.lhs, [...fixed, ...rest])}${rest.length === 0 ? " (a model without random effects)" : ""}`;
    }
    out.push({
      kind: "few-levels", group: t.group,
      message: `grouping factor '${t.group}' has only ${k} level${k === 1 ? "" : "s"}: its variance is estimated from ${k} group${k === 1 ? "" : "s"} and is poorly determined (fewer than ${FEW_LEVELS} levels); consider '${t.group}' as a fixed effect instead${suggestion}`,
    });
  }
  return out;
}

/**
 * For a singular fit: which term is on the boundary (a zero variance, or a correlation at ±1) and
 * the simpler model to use. Empty when the fit is not singular.
 */
export function singularDiagnostics(fit: FittedLMM | FittedGLMM, formula: string, tol = 1e-4): Diagnostic[] {
  const out: Diagnostic[] = [];
  const parts = formulaParts(formula);
  const sorted = formulaOrder(fit.terms);
  for (const ti of sorted) {
    const t = fit.terms[ti];
    const group = t.term.group;
    const cn = t.term.cnames;
    const termText = `(${cn.map((c) => (c === "(Intercept)" ? "1" : c)).join(" + ")} | ${group})`;
    const lam = lambdaAt(t, fit.theta);
    const C = relCovariance({ ...t, lambda: lam });
    const s = t.s;
    const maxVar = Math.max(...Array.from({ length: s }, (_, c) => C[c + c * s]));
    let k = t.thetaOffset;
    for (let c = 0; c < s; c++) {
      for (let r = c; r < s; r++, k++) {
        if (r !== c || fit.theta[k] >= tol) continue;
        const zeroVar = C[c + c * s] < tol * tol * Math.max(1, maxVar) || C[c + c * s] < 1e-10;
        if (s === 1) {
          let simpler = "";
          if (parts) {
            const rest = parts.bars.filter((b) => !(b.group === group && (b.lhs === "1" || cn[0] !== "(Intercept)"))).map((b) => b.text);
            if (rest.length < parts.bars.length) simpler = rest.length ? `; the simpler model ${assemble(parts.lhs, [parts.fixed, ...rest])} fits as well` : `; a model without random effects (${assemble(parts.lhs, [parts.fixed])}) fits as well`;
          }
          out.push({ kind: "singular", group, message: `singular fit: the variance of ${termText} is estimated as zero — the levels of '${group}' vary no more than the residual noise implies${simpler}` });
        } else if (zeroVar) {
          const keep = cn.filter((_, j) => j !== c).map((x) => (x === "(Intercept)" ? "1" : x));
          out.push({ kind: "singular", group, message: `singular fit: in ${termText} the variance of '${cn[c]}' is estimated as zero; drop it: (${keep.join(" + ")} | ${group})` });
        } else {
          // column c is a linear combination of the earlier ones: a correlation at ±1
          let j = 0, best = 0;
          for (let a = 0; a < c; a++) {
            const rho = C[c + a * s] / Math.sqrt(C[c + c * s] * C[a + a * s]);
            if (Math.abs(rho) > Math.abs(best)) { best = rho; j = a; }
          }
          const uncor = `(${cn.map((x) => (x === "(Intercept)" ? "1" : x)).join(" + ")} || ${group})`;
          const fewer = cn.filter((_, a) => a !== c).map((x) => (x === "(Intercept)" ? "1" : x));
          // no single correlation at ±1: the degenerate direction is a combination of several effects
          const cause = Math.abs(best) > 0.99 || c < 2
            ? `the correlation of '${cn[c]}' with '${cn[j]}' is estimated at ${best.toFixed(2)}`
            : `the effect of '${cn[c]}' is a linear combination of the others: ${degenerateDirection(C, s, c, cn)} (the largest single correlation is ${best.toFixed(2)})`;
          out.push({ kind: "singular", group, message: `singular fit: in ${termText} ${cause} (the covariance matrix is degenerate); try uncorrelated effects ${uncor} or drop the slope: (${fewer.join(" + ")} | ${group})` });
        }
      }
    }
  }
  return out;
}

/**
 * b_c = Σ_{a<c} k_a b_a, from the covariance C (s × s, column-major; rank c in its first c + 1
 * columns): k solves C[0..c−1, 0..c−1] k = C[0..c−1, c]. Written as "x ≈ 0.52·(Intercept) − 1.3·z".
 */
function degenerateDirection(C: Float64Array, s: number, c: number, cn: readonly string[]): string {
  const A = Array.from({ length: c }, (_, r) => [...Array.from({ length: c }, (_, a) => C[r + a * s]), C[r + c * s]]);
  for (let k = 0; k < c; k++) {
    let piv = k;
    for (let r = k + 1; r < c; r++) if (Math.abs(A[r][k]) > Math.abs(A[piv][k])) piv = r;
    [A[k], A[piv]] = [A[piv], A[k]];
    for (let r = 0; r < c; r++) {
      if (r === k || A[k][k] === 0) continue;
      const f = A[r][k] / A[k][k];
      for (let a = k; a <= c; a++) A[r][a] -= f * A[k][a];
    }
  }
  const terms = A.map((row, a) => ({ k: row[c] / row[a], name: cn[a] })).filter((t) => Math.abs(t.k) > 1e-8);
  return `${cn[c]} ≈ ${terms.map((t, i) => `${i === 0 ? (t.k < 0 ? "−" : "") : t.k < 0 ? " − " : " + "}${Math.abs(t.k).toPrecision(3)}·${t.name}`).join("")}`;
}

/** Both diagnostics, as lines for a fit's warnings. */
export function fitDiagnostics(ms: ModelStructure, fit: FittedLMM | FittedGLMM, formula: string = ms.formula): Diagnostic[] {
  return [...fewLevelsDiagnostics(ms, formula), ...(fit.singular ? singularDiagnostics(fit, formula) : [])];
}

/**
 * Variances the data cannot identify: when a term's random effects lie in the span of the fixed
 * effects (a grouping factor aliased with — nested in — a fixed factor, or a known covariance that
 * is rank 1 or negligibly small), the (RE)ML criterion does not change with the term's θ, and the
 * optimizer stops at the starting value after an evaluation or two, "converged" and not singular.
 * Detected by moving each term's θ block (×2 and ×½) and seeing the criterion stay put.
 */
export function unidentifiedVariances(ms: ModelStructure, fit: FittedLMM, weights?: Float64Array): string[] {
  // the fit's own model (same weights; no second symbolic analysis) when there is one
  const own = fittedModel(fit);
  const model = own ?? new LinearMixedModel(ms, { reml: fit.reml, weights });
  const base = model.deviance(fit.theta);
  if (!Number.isFinite(base)) return [];
  const tol = 1e-7 * Math.max(1, Math.abs(base));
  const out: string[] = [];
  for (const t of fit.terms) {
    const at = (scale: number) => {
      const th = Float64Array.from(fit.theta);
      const zero = fit.theta.subarray(t.thetaOffset, t.thetaOffset + t.ntheta).every((v) => v === 0);
      for (let k = 0; k < t.ntheta; k++) {
        const i = t.thetaOffset + k;
        th[i] = zero ? (t.diagMask[k] ? scale : 0) : th[i] * scale;
      }
      return model.deviance(th);
    };
    const up = at(2), down = at(0.5);
    if (Math.abs(up - base) <= tol && Math.abs(down - base) <= tol) {
      const cn = t.term.cnames.map((c) => (c === "(Intercept)" ? "1" : c));
      const known = t.kfac || t.tree || t.kprec ? "; or its known covariance is degenerate: rank 1 or negligibly small" : "";
      out.push(`the variance of (${cn.join(" + ")} | ${t.term.group}) is not identified by the data: the ${fit.reml ? "REML criterion" : "likelihood"} does not change with it (the levels of '${t.term.group}' are aliased with fixed effects, e.g. nested in a fixed factor${known}); the value reported is the starting value, not an estimate — drop the term or the aliased fixed effect`);
    }
  }
  return out;
}
