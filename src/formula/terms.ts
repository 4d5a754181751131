import { deparse, unparen, type Expr } from "./ast.js";
import { formulaError } from "./tokenize.js";
import type { CovarianceKind } from "./types.js";

// Term expansion with the semantics of R's terms.formula(): a term is a set of variables; `a*b`,
// `a/b`, `(a+b)^2`, `a:b`, `-`, `0`/`1` combine term lists; the result is ordered by interaction
// order (stable within an order) without duplicates. Variables are identified by their deparsed
// text and numbered in order of first appearance, which fixes the order of the parts of an
// interaction label ("a:b" even when written b:a after a).

export interface Variable {
  /** deparsed expression, e.g. "Days", "factor(period)", "I(x^2)" */
  readonly label: string;
  readonly expr: Expr;
}

export interface TermSet {
  /** every variable the expression mentions, including ones later removed with `-` */
  readonly variables: readonly Variable[];
  /** terms as sorted variable indices, ordered by interaction order */
  readonly terms: readonly (readonly number[])[];
  readonly intercept: boolean;
  /** arguments of offset() calls */
  readonly offsets: readonly Expr[];
}

/** Most terms an expansion may produce (guards against `(a+b+...+z)^20`). */
const MAX_TERMS = 5000;

type Term = number[];

function key(t: Term): string { return t.join(","); }

function orTerms(a: Term, b: Term): Term {
  const s = new Set([...a, ...b]);
  return [...s].sort((x, y) => x - y);
}

function trimRepeats(list: Term[]): Term[] {
  const seen = new Set<string>();
  const out: Term[] = [];
  for (const t of list) {
    const k = key(t);
    if (!seen.has(k)) { seen.add(k); out.push(t); }
  }
  return out;
}

class Encoder {
  readonly variables: Variable[] = [];
  private readonly index = new Map<string, number>();
  intercept = true;
  private parity = true;
  readonly offsets: Expr[] = [];

  constructor(private readonly text: string) {}

  private variable(e: Expr): number {
    const label = deparse(e);
    let k = this.index.get(label);
    if (k === undefined) {
      k = this.variables.length;
      this.index.set(label, k);
      this.variables.push({ label, expr: e });
    }
    return k;
  }

  private check(list: Term[]): Term[] {
    if (list.length > MAX_TERMS) throw formulaError(this.text, 0, `the formula expands to more than ${MAX_TERMS} terms`);
    return list;
  }

  encode(e: Expr): Term[] {
    switch (e.type) {
      case "number":
        if (e.value === 1) { this.intercept = this.parity; return []; }
        if (e.value === 0) { this.intercept = !this.parity; return []; }
        throw formulaError(this.text, e.pos, `invalid model term '${deparse(e)}' (only 0 and 1 may stand alone)`);
      case "name":
        return [[this.variable(e)]];
      case "paren":
        return this.encode(e.expr);
      case "call":
        if (e.fn === "offset") {
          this.variable(e);
          this.offsets.push(e.args[0]);
          return [];
        }
        if (e.fn === "cbind") throw formulaError(this.text, e.pos, "cbind() belongs on the left of '~'");
        return [[this.variable(e)]];
      case "unary":
        if (e.op === "+") return this.encode(e.arg);
        return this.remove([], e.arg);
      case "binary":
        switch (e.op) {
          case "+": return this.check(trimRepeats([...this.encode(e.left), ...this.encode(e.right)]));
          case "-": return this.remove(this.encode(e.left), e.right);
          case ":": return this.check(trimRepeats(this.interact(this.encode(e.left), this.encode(e.right))));
          case "*": {
            const l = this.encode(e.left), r = this.encode(e.right);
            return this.check(trimRepeats([...l, ...r, ...this.interact(l, r)]));
          }
          case "/": {
            const l = this.encode(e.left), r = this.encode(e.right);
            const all = l.reduce<Term>((acc, t) => orTerms(acc, t), []);
            return this.check(trimRepeats([...l, ...r.map((t) => orTerms(all, t))]));
          }
          case "^": return this.power(e.left, e.right);
          case "|":
          case "||":
            throw formulaError(this.text, e.pos, `a random-effect term '(${deparse(e)})' must be added to the formula with '+'`);
        }
    }
  }

  private interact(l: Term[], r: Term[]): Term[] {
    const out: Term[] = [];
    for (const a of l) for (const b of r) out.push(orTerms(a, b));
    return this.check(out);
  }

  private remove(left: Term[], right: Expr): Term[] {
    this.parity = !this.parity;
    const r = this.encode(right);
    this.parity = !this.parity;
    const drop = new Set(r.map(key));
    return left.filter((t) => !drop.has(key(t)));
  }

  private power(base: Expr, exponent: Expr): Term[] {
    const ex = unparen(exponent);
    if (ex.type !== "number" || !Number.isInteger(ex.value) || ex.value < 1) {
      throw formulaError(this.text, exponent.pos, "the power of a term must be a positive whole number (use I(x^2) for arithmetic)");
    }
    const left = this.encode(base);
    let right = left;
    for (let i = 1; i < ex.value; i++) {
      const next = trimRepeats(this.interact(left, right));
      if (next.length === right.length) break; // saturated: higher powers add nothing
      right = next;
    }
    return this.check(right);
  }
}

/**
 * Expand the right-hand side of a formula (random-effect terms already removed) into terms.
 * `defaultIntercept` is true as in R (`~ x` has an intercept unless `0 +` or `- 1`).
 */
export function expandTerms(rhs: Expr | null, text: string): TermSet {
  const enc = new Encoder(text);
  const raw = rhs ? enc.encode(rhs) : [];
  const nonEmpty = raw.filter((t) => t.length > 0);
  // stable sort by interaction order, as terms.formula does unless keep.order = TRUE
  const terms = nonEmpty.map((t, i) => ({ t, i })).sort((a, b) => a.t.length - b.t.length || a.i - b.i).map((x) => x.t);
  return { variables: enc.variables, terms, intercept: enc.intercept, offsets: enc.offsets };
}

/** The label of a term: its variables' labels in variable order, joined by ':'. */
export function termLabel(ts: TermSet, term: readonly number[]): string {
  return term.map((k) => ts.variables[k].label).join(":");
}

/** A random-effect term `(lhs | group)` or `(lhs || group)` as written. */
export interface Bar {
  readonly lhs: Expr;
  readonly group: Expr;
  readonly double: boolean;
  readonly pos: number;
  /** covariance structure from a wrapper such as `cs(x | g)`; absent for a plain `(x | g)` */
  readonly kind?: CovarianceKind;
}

/** Wrappers that give a random-effect term a covariance structure (glmmTMB's names). */
export const COVARIANCE_STRUCTURES: ReadonlySet<string> = new Set<CovarianceKind>(["us", "diag", "cs", "homcs", "ar1"]);

/**
 * Split a right-hand side into its fixed part and its random-effect terms, as lme4's nobars() and
 * findbars() do. Bars must be joined to the rest with `+` (possibly inside parentheses).
 */
export function splitBars(rhs: Expr, text: string): { fixed: Expr | null; bars: Bar[] } {
  const bars: Bar[] = [];
  const walk = (e: Expr): Expr | null => {
    const u = unparen(e);
    if (u.type === "binary" && (u.op === "|" || u.op === "||")) {
      bars.push({ lhs: u.left, group: u.right, double: u.op === "||", pos: e.pos });
      return null;
    }
    if (u.type === "call" && COVARIANCE_STRUCTURES.has(u.fn)) {
      const arg = unparen(u.args[0]);
      if (arg.type !== "binary" || (arg.op !== "|" && arg.op !== "||")) {
        throw formulaError(text, u.pos, `${u.fn}() wraps a random-effect term, as in ${u.fn}(x | g)`);
      }
      if (arg.op === "||") throw formulaError(text, arg.pos, `write ${u.fn}(... | g) with a single '|' (diag(x | g) gives uncorrelated effects)`);
      bars.push({ lhs: arg.left, group: arg.right, double: false, pos: e.pos, kind: u.fn as CovarianceKind });
      return null;
    }
    if (e.type === "paren") {
      if (!containsBar(e.expr)) return e;
      return walk(e.expr);
    }
    if (e.type === "binary" && e.op === "+") {
      const l = walk(e.left), r = walk(e.right);
      if (l && r) return { ...e, left: l, right: r };
      return l ?? r;
    }
    if (e.type === "unary" && e.op === "+") return walk(e.arg);
    if (e.type === "binary" && e.op === "-") {
      const l = walk(e.left);
      if (containsBar(e.right)) throw formulaError(text, e.right.pos, "a random-effect term cannot be subtracted");
      return l ? { ...e, left: l } : { type: "unary", op: "-", arg: e.right, pos: e.pos };
    }
    if (containsBar(e)) {
      const b = findBar(e)!;
      throw formulaError(text, b.pos, "a random-effect term '(... | group)' must be added to the formula with '+'");
    }
    return e;
  };
  const fixed = walk(rhs);
  return { fixed, bars };
}

function findBar(e: Expr): Expr | null {
  switch (e.type) {
    case "binary":
      if (e.op === "|" || e.op === "||") return e;
      return findBar(e.left) ?? findBar(e.right);
    case "paren": { const inner = findBar(e.expr); return inner && inner === unparen(e.expr) ? e : inner; }
    case "unary": return findBar(e.arg);
    case "call": for (const a of e.args) { const b = findBar(a); if (b) return b; } return null;
    default: return null;
  }
}

export function containsBar(e: Expr): boolean {
  return findBar(e) !== null;
}

/** One grouping factor of a random-effect term: the interaction of `parts`, named like lme4. */
export interface GroupSpec {
  readonly name: string;
  readonly parts: readonly Expr[];
}

/** The parts of `a:b:c` (parentheses removed). */
export function colonParts(e: Expr): Expr[] {
  const u = unparen(e);
  if (u.type === "binary" && u.op === ":") return [...colonParts(u.left), ...colonParts(u.right)];
  return [u];
}

/**
 * The grouping factors of a bar's right side, as lme4's expandSlash() gives them: `g` → g;
 * `a:b` → a:b; `a/b` → b:a, a; `a/b/c` → c:b:a, b:a, a.
 */
export function groupSpecs(group: Expr, text: string): GroupSpec[] {
  const nested: Expr[] = [];
  const slash = (e: Expr): void => {
    const u = unparen(e);
    if (u.type === "binary" && u.op === "/") { slash(u.left); slash(u.right); } else nested.push(u);
  };
  slash(group);
  const specs: GroupSpec[] = [];
  for (let k = nested.length; k >= 1; k--) {
    const parts: Expr[] = [];
    for (let j = k - 1; j >= 0; j--) parts.push(...colonParts(nested[j]));
    for (const p of parts) checkGroupPart(p, text);
    specs.push({ name: parts.map(deparse).join(":"), parts });
  }
  return specs;
}

function checkGroupPart(p: Expr, text: string): void {
  if (p.type === "name") return;
  if (p.type === "call" && (p.fn === "factor" || p.fn === "as.factor")) return;
  throw formulaError(text, p.pos, `a grouping factor must be a column, a:b or a/b, not '${deparse(p)}'`);
}
