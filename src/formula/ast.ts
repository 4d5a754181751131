import { formatRNumber } from "../data/factor.js";

// The syntax tree of a formula, kept close to R's call tree (parentheses are kept as nodes, as R
// keeps `(` calls) so that deparsing gives the labels R gives: `I(x^2)`, `log(x + 1)`, `a:b`.

export type BinaryOp = "+" | "-" | "*" | "/" | "^" | ":" | "|" | "||";

/** A node of a parsed formula. */
export type Expr =
  | { readonly type: "number"; readonly value: number; readonly pos: number }
  | { readonly type: "name"; readonly name: string; readonly pos: number }
  | { readonly type: "call"; readonly fn: string; readonly args: readonly Expr[]; readonly pos: number }
  | { readonly type: "binary"; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly pos: number }
  | { readonly type: "unary"; readonly op: "-" | "+"; readonly arg: Expr; readonly pos: number }
  | { readonly type: "paren"; readonly expr: Expr; readonly pos: number };

/** A parsed formula: the response (left of ~) and the right-hand side. */
export interface FormulaAst {
  /** the formula as given (positions refer to it) */
  readonly text: string;
  /** null for a one-sided formula `~ x + (1 | g)` */
  readonly lhs: Expr | null;
  readonly rhs: Expr;
}

const RESERVED = new Set([
  "if", "else", "repeat", "while", "function", "for", "next", "break", "in",
  "TRUE", "FALSE", "NULL", "Inf", "NaN", "NA", "NA_integer_", "NA_real_", "NA_character_", "NA_complex_",
]);

/** R's syntactic names; others are deparsed in backquotes. */
export function isSyntacticName(name: string): boolean {
  if (RESERVED.has(name)) return false;
  if (name === "...") return false;
  // (ASCII names without the Unicode classes' regex, which costs a fit's start-up its compilation)
  if (/^[\x00-\x7f]*$/.test(name)) return /^(([A-Za-z]|\.(?![0-9]))[A-Za-z0-9._]*)$/.test(name);
  return /^((\p{L}|\.(?![0-9]))[\p{L}\p{N}._]*)$/u.test(name);
}

/** R's deparse of an expression: spaces around + - * | || ~, none around / ^ :. */
export function deparse(e: Expr): string {
  switch (e.type) {
    case "number": return formatRNumber(e.value);
    case "name": return isSyntacticName(e.name) ? e.name : `\`${e.name}\``;
    case "paren": return `(${deparse(e.expr)})`;
    case "unary": return `${e.op}${deparse(e.arg)}`;
    case "call": return `${e.fn}(${e.args.map(deparse).join(", ")})`;
    case "binary": {
      const tight = e.op === "/" || e.op === "^" || e.op === ":";
      return tight ? `${deparse(e.left)}${e.op}${deparse(e.right)}` : `${deparse(e.left)} ${e.op} ${deparse(e.right)}`;
    }
  }
}

/** The formula as R prints it: `y ~ x + (1 | g)`, `~x` for a one-sided one. */
export function formatFormula(f: FormulaAst): string {
  return f.lhs ? `${deparse(f.lhs)} ~ ${deparse(f.rhs)}` : `~${deparse(f.rhs)}`;
}

/** Column names an expression reads (in order of first appearance). */
export function columnsOf(e: Expr, out: string[] = []): string[] {
  switch (e.type) {
    case "number": break;
    case "name": if (!out.includes(e.name)) out.push(e.name); break;
    case "paren": columnsOf(e.expr, out); break;
    case "unary": columnsOf(e.arg, out); break;
    case "call": for (const a of e.args) columnsOf(a, out); break;
    case "binary": columnsOf(e.left, out); columnsOf(e.right, out); break;
  }
  return out;
}

/** Strip redundant parentheses: `((x))` → `x`. */
export function unparen(e: Expr): Expr {
  while (e.type === "paren") e = e.expr;
  return e;
}
