import type { BinaryOp, Expr, FormulaAst } from "./ast.js";
import { formulaError, tokenize, type Token } from "./tokenize.js";

// Recursive-descent parser with R's operator precedence (loosest first):
//   ~   |  ||   + - (binary)   * /   :   - + (unary)   ^ (right-assoc)
// Only whitelisted functions may be called; nothing in the text is ever evaluated as code.

/** Functions a formula may call, with their number of arguments. */
export const FUNCTIONS: Readonly<Record<string, number>> = Object.freeze(Object.assign(Object.create(null), {
  factor: 1, "as.factor": 1,
  log: 1, log2: 1, log10: 1, log1p: 1, exp: 1, sqrt: 1, abs: 1,
  scale: 1, I: 1, offset: 1, cbind: 2, within: 2, between: 2,
  // covariance structures of a random-effect term, glmmTMB's syntax: cs(x | g), ar1(t + 0 | g), ...
  us: 1, diag: 1, cs: 1, homcs: 1, ar1: 1,
}));

const MAX_DEPTH = 200;
/** Most binary operators in a formula: bounds the depth of left-leaning trees (`a + b + ...`). */
const MAX_OPERATORS = 2000;

class Parser {
  private i = 0;
  private depth = 0;
  private operators = 0;
  constructor(private readonly text: string, private readonly toks: Token[]) {}

  private peek(): Token { return this.toks[this.i]; }
  private isOp(t: Token, ...ops: string[]): boolean { return t.kind === "op" && ops.includes(t.text); }
  private err(pos: number, msg: string): Error { return formulaError(this.text, pos, msg); }

  private describe(t: Token): string {
    if (t.kind === "end") return "end of formula";
    if (t.kind === "name") return `name '${t.text}'`;
    if (t.kind === "number") return `number ${t.text}`;
    return `'${t.text}'`;
  }

  private expect(op: string): Token {
    const t = this.peek();
    if (!this.isOp(t, op)) throw this.err(t.pos, `expected '${op}' but found ${this.describe(t)}`);
    this.i++;
    return t;
  }

  private enter(pos: number): void {
    if (++this.depth > MAX_DEPTH) throw this.err(pos, "formula is nested too deeply");
  }

  formula(): FormulaAst {
    let lhs: Expr | null = null;
    if (!this.isOp(this.peek(), "~")) {
      lhs = this.bar();
      const t = this.peek();
      if (t.kind === "end") throw this.err(t.pos, "missing '~' (a formula is 'response ~ terms' or '~ terms')");
      if (!this.isOp(t, "~")) throw this.err(t.pos, `expected '~' but found ${this.describe(t)}`);
    }
    this.i++; // the ~
    const rhs = this.bar();
    const t = this.peek();
    if (this.isOp(t, "~")) throw this.err(t.pos, "a formula has only one '~'");
    if (t.kind !== "end") throw this.err(t.pos, `unexpected ${this.describe(t)}`);
    return { text: this.text, lhs, rhs };
  }

  expression(): Expr {
    const e = this.bar();
    const t = this.peek();
    if (t.kind !== "end") throw this.err(t.pos, `unexpected ${this.describe(t)}`);
    return e;
  }

  private binaryLevel(ops: BinaryOp[], next: () => Expr): Expr {
    let left = next();
    for (;;) {
      const t = this.peek();
      if (!this.isOp(t, ...ops)) return left;
      this.i++;
      if (++this.operators > MAX_OPERATORS) throw this.err(t.pos, `formula is too long (more than ${MAX_OPERATORS} operators)`);
      const right = next();
      left = { type: "binary", op: t.text as BinaryOp, left, right, pos: t.pos };
    }
  }

  private bar(): Expr { return this.binaryLevel(["|", "||"], () => this.sum()); }
  private sum(): Expr { return this.binaryLevel(["+", "-"], () => this.product()); }
  private product(): Expr { return this.binaryLevel(["*", "/"], () => this.colon()); }
  private colon(): Expr { return this.binaryLevel([":"], () => this.unary()); }

  private unary(): Expr {
    const t = this.peek();
    if (this.isOp(t, "-", "+")) {
      this.enter(t.pos);
      this.i++;
      const arg = this.unary();
      this.depth--;
      return { type: "unary", op: t.text as "-" | "+", arg, pos: t.pos };
    }
    return this.power();
  }

  private power(): Expr {
    const base = this.primary();
    const t = this.peek();
    if (!this.isOp(t, "^")) return base;
    this.i++;
    this.enter(t.pos);
    const exponent = this.unary(); // right-associative, and binds a unary minus: x^-1
    this.depth--;
    return { type: "binary", op: "^", left: base, right: exponent, pos: t.pos };
  }

  private primary(): Expr {
    const t = this.peek();
    if (t.kind === "number") { this.i++; return { type: "number", value: t.value!, pos: t.pos }; }
    if (t.kind === "name") {
      this.i++;
      const next = this.peek();
      if (this.isOp(next, "(")) {
        if (t.quoted || !Object.prototype.hasOwnProperty.call(FUNCTIONS, t.text)) {
          throw formulaError(this.text, t.pos, `unknown function '${t.text}'`, `allowed: ${Object.keys(FUNCTIONS).join(", ")}`);
        }
        return this.call(t);
      }
      if (t.text === "." && !t.quoted) throw this.err(t.pos, "'.' (all other columns) is not supported; name the columns");
      return { type: "name", name: t.text, pos: t.pos };
    }
    if (this.isOp(t, "(")) {
      this.enter(t.pos);
      this.i++;
      if (this.isOp(this.peek(), ")")) throw this.err(this.peek().pos, "empty parentheses");
      const expr = this.bar();
      this.expect(")");
      this.depth--;
      return { type: "paren", expr, pos: t.pos };
    }
    if (t.kind === "end") throw this.err(t.pos, "expected a term but the formula ends");
    throw this.err(t.pos, `expected a term but found ${this.describe(t)}`);
  }

  private call(name: Token): Expr {
    this.enter(name.pos);
    this.expect("(");
    const args: Expr[] = [];
    if (!this.isOp(this.peek(), ")")) {
      for (;;) {
        args.push(this.bar());
        const t = this.peek();
        if (this.isOp(t, ",")) { this.i++; continue; }
        if (this.isOp(t, ")")) break;
        throw this.err(t.pos, `expected ',' or ')' in ${name.text}() but found ${this.describe(t)}`);
      }
    }
    this.expect(")");
    this.depth--;
    const want = FUNCTIONS[name.text];
    if (args.length !== want) {
      throw this.err(name.pos, `${name.text}() takes ${want} argument${want === 1 ? "" : "s"}, got ${args.length}`);
    }
    return { type: "call", fn: name.text, args, pos: name.pos };
  }
}

/** Parse lme4 formula text into a syntax tree; syntax errors are UserErrors with a caret line. */
export function parseFormula(text: string): FormulaAst {
  if (typeof text !== "string") throw formulaError("", 0, "formula must be text");
  return new Parser(text, tokenize(text)).formula();
}

/** Parse a bare expression such as a grouping spec `a:b` (no `~`). */
export function parseExpression(text: string): Expr {
  const p = new Parser(text, tokenize(text));
  return p.expression();
}
