import { UserError } from "../errors.js";

// Newick text → a rooted tree. Handles branch lengths (`:0.12`, `:1e-3`), quoted labels
// ('a b', with '' for a quote), [comments] anywhere between tokens (including [&annotations]),
// internal node labels, polytomies and single-child nodes. Unquoted labels are kept as written
// (underscores stay underscores, as ape's read.tree keeps them). The parser keeps its own stack,
// so a deep caterpillar tree of many thousands of tips cannot overflow the call stack.
// Browser-safe: text in, tree out.

/** A rooted tree with nodes in preorder (a parent before its children, children in text order). */
export interface PhyloTree {
  /** per node: index of the parent, −1 for the root (node 0) */
  readonly parent: Int32Array;
  /** per node: length of the branch to its parent (NaN when the text gives none) */
  readonly length: Float64Array;
  /** per node: the label ("" when none) */
  readonly label: readonly string[];
  /** per node: true for a tip */
  readonly isTip: readonly boolean[];
  /** node index of each tip, in the order the tips appear in the text (ape's tip order) */
  readonly tips: Int32Array;
  /** the source name for messages ("tree.nwk") */
  readonly source: string;
}

/** Options of the Newick tree reader (ape::read.tree's input). */
export interface NewickOptions {
  /** name used in error messages, e.g. "strains.nwk" */
  readonly source?: string;
}

type Tok =
  | { kind: "(" | ")" | "," | ":" | ";"; pos: number }
  | { kind: "label"; text: string; quoted: boolean; pos: number }
  | { kind: "end"; pos: number };

const PUNCT = "(),:;";

class Lexer {
  private i = 0;
  constructor(private readonly text: string, private readonly source: string) {}

  /** "line L, column C" of a 0-based offset */
  where(pos: number): string {
    let line = 1, col = 1;
    for (let k = 0; k < pos && k < this.text.length; k++) {
      if (this.text[k] === "\n") { line++; col = 1; } else col++;
    }
    return `line ${line}, column ${col}`;
  }

  error(pos: number, msg: string): UserError {
    return new UserError(`${this.source}: ${msg} at ${this.where(pos)}`);
  }

  next(): Tok {
    const t = this.text;
    // whitespace and [comments]
    for (;;) {
      while (this.i < t.length && /\s/.test(t[this.i])) this.i++;
      if (t[this.i] !== "[") break;
      const close = t.indexOf("]", this.i + 1);
      if (close < 0) throw this.error(this.i, "comment '[' is never closed");
      this.i = close + 1;
    }
    const pos = this.i;
    if (pos >= t.length) return { kind: "end", pos };
    const c = t[pos];
    if (PUNCT.includes(c)) { this.i++; return { kind: c as "(" | ")" | "," | ":" | ";", pos }; }
    if (c === "]") throw this.error(pos, "unexpected ']' (no comment is open)");
    if (c === "'" || c === '"') {
      // quoted label; the quote character doubled stands for itself
      let s = "";
      let k = pos + 1;
      for (;;) {
        if (k >= t.length) throw this.error(pos, `quoted label starting with ${c} is never closed`);
        if (t[k] === c) {
          if (t[k + 1] === c) { s += c; k += 2; continue; }
          break;
        }
        s += t[k++];
      }
      this.i = k + 1;
      return { kind: "label", text: s, quoted: true, pos };
    }
    let k = pos;
    while (k < t.length && !PUNCT.includes(t[k]) && t[k] !== "[" && t[k] !== "]" && t[k] !== "'" && !/\s/.test(t[k])) k++;
    this.i = k;
    return { kind: "label", text: t.slice(pos, k), quoted: false, pos };
  }
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parse one Newick tree. Syntax errors name the line and column. */
export function parseNewick(text: string, options: NewickOptions = {}): PhyloTree {
  const source = options.source ?? "tree";
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lex = new Lexer(text, source);
  const parent: number[] = [], length: number[] = [], label: string[] = [], isTip: boolean[] = [];
  const newNode = (p: number): number => {
    parent.push(p); length.push(NaN); label.push(""); isTip.push(true);
    if (p >= 0) isTip[p] = false;
    return parent.length - 1;
  };
  const describe = (t: Tok) => (t.kind === "end" ? "the end of the text" : t.kind === "label" ? `'${t.text}'` : `'${t.kind}'`);

  let tok = lex.next();
  if (tok.kind === "end") throw new UserError(`${source} is empty (expected a Newick tree such as '(A:1,B:1);')`);

  // Each step reads one node: optional '(' children ')', then an optional label and ':length'.
  // `stack` holds the open internal nodes; after a node's label/length, ',' starts a sibling and ')'
  // closes the innermost open node (whose own label/length follow).
  const stack: number[] = [];
  let node = newNode(-1);
  let closed = false; // true right after ')': the node just closed takes its label and length
  for (;;) {
    if (!closed) {
      while (tok.kind === "(") {
        stack.push(node);
        node = newNode(node);
        tok = lex.next();
      }
    }
    closed = false;
    if (tok.kind === "label") {
      label[node] = tok.text;
      tok = lex.next();
    }
    if (tok.kind === ":") {
      const colon = tok.pos;
      tok = lex.next();
      if (tok.kind !== "label" || tok.quoted || !NUMBER.test(tok.text)) {
        throw lex.error(tok.kind === "end" ? colon : tok.pos, `expected a branch length after ':' but found ${describe(tok)}`);
      }
      const v = Number(tok.text);
      if (!Number.isFinite(v)) throw lex.error(tok.pos, `branch length '${tok.text}' is not a finite number`);
      if (v < 0) throw lex.error(tok.pos, `negative branch length ${tok.text}`);
      length[node] = v;
      tok = lex.next();
    }
    if (tok.kind === ",") {
      if (stack.length === 0) throw lex.error(tok.pos, "',' outside parentheses (the whole tree must be enclosed in '( )')");
      node = newNode(stack[stack.length - 1]);
      tok = lex.next();
      continue;
    }
    if (tok.kind === ")") {
      if (stack.length === 0) throw lex.error(tok.pos, "')' without a matching '('");
      node = stack.pop()!;
      tok = lex.next();
      closed = true;
      continue;
    }
    if (tok.kind === ";") {
      if (stack.length > 0) throw lex.error(tok.pos, `';' before the tree is complete (${stack.length} '(' not closed)`);
      break;
    }
    if (tok.kind === "end") {
      if (stack.length > 0) throw lex.error(tok.pos, `the text ends inside the tree (${stack.length} '(' not closed)`);
      throw lex.error(tok.pos, "missing ';' at the end of the tree");
    }
    if (tok.kind === "label") {
      const what = label[node] !== "" || !Number.isNaN(length[node]) ? ` after '${label[node] || "the branch length"}'` : "";
      throw lex.error(tok.pos, `unexpected ${describe(tok)}${what} (labels with blanks or punctuation must be quoted: 'a b')`);
    }
    if (tok.kind === ":") throw lex.error(tok.pos, "a second ':' (a branch has one length)");
    throw lex.error(tok.pos, `expected ',' or ')' but found ${describe(tok)}`);
  }
  const after = lex.next();
  if (after.kind !== "end") {
    throw lex.error(after.pos, "text after the first tree's ';' (the file must hold exactly one tree)");
  }

  const n = parent.length;
  const tips: number[] = [];
  for (let v = 0; v < n; v++) if (isTip[v]) tips.push(v);
  if (tips.length < 2 || isTip[0]) throw new UserError(`${source}: the tree has ${tips.length} tip${tips.length === 1 ? "" : "s"}; it needs at least 2`);
  const seen = new Map<string, number>();
  for (const v of tips) {
    if (label[v] === "") throw new UserError(`${source}: tip ${tips.indexOf(v) + 1} has no label`);
    if (seen.has(label[v])) throw new UserError(`${source}: tip label '${label[v]}' appears twice`);
    seen.set(label[v], v);
  }
  return {
    parent: Int32Array.from(parent), length: Float64Array.from(length), label, isTip, tips: Int32Array.from(tips), source,
  };
}

/** Tip labels in tip order. */
export function tipLabels(tree: PhyloTree): string[] {
  return Array.from(tree.tips, (v) => tree.label[v]);
}
