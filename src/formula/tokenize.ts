import { UserError } from "../errors.js";

// Tokens of lme4's formula language. Positions are 0-based offsets into the formula text; messages
// show them 1-based with the formula and a caret under the offending character.

export type TokenKind = "name" | "number" | "op" | "end";

export interface Token {
  readonly kind: TokenKind;
  /** the name (without backquotes), the number's text, or the operator */
  readonly text: string;
  /** for numbers */
  readonly value?: number;
  /** true for a `backquoted` name */
  readonly quoted?: boolean;
  /** 0-based offset of the first character */
  readonly pos: number;
}

const OPERATORS = ["||", "~", "+", "-", "*", "/", "^", ":", "|", "(", ")", ","];

/**
 * A formula error: first line "formula: <message> at position P" (P is 1-based), then the formula
 * and a caret under position P.
 */
export function formulaError(text: string, pos: number, message: string, hint?: string): UserError {
  const shown = text.replace(/[\t\r\n]/g, " ");
  const p = Math.max(0, Math.min(pos, shown.length));
  const tail = hint ? `; ${hint}` : "";
  return new UserError(`formula: ${message} at position ${p + 1}${tail}\n  ${shown}\n  ${" ".repeat(p)}^`);
}

// (ASCII by character code: the Unicode classes' regexes only for other characters — compiling and
// running them was a visible part of a small fit's start-up)
function isNameStart(c: string): boolean {
  const k = c.charCodeAt(0);
  if (k < 128) return (k >= 65 && k <= 90) || (k >= 97 && k <= 122) || k === 46;
  return /\p{L}/u.test(c);
}

function isNameChar(c: string): boolean {
  const k = c.charCodeAt(0);
  if (k < 128) return (k >= 65 && k <= 90) || (k >= 97 && k <= 122) || (k >= 48 && k <= 57) || k === 46 || k === 95;
  return /\p{L}|\p{N}/u.test(c);
}

const NUMBER = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r") { i++; continue; }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
      const m = NUMBER.exec(text.slice(i));
      if (!m) throw formulaError(text, i, "malformed number");
      const end = i + m[0].length;
      if (end < n && isNameChar(text[end])) throw formulaError(text, end, `unexpected character '${text[end]}' after number`);
      // 1e400 would become Infinity, which deparses as the name Inf
      if (!Number.isFinite(Number(m[0]))) throw formulaError(text, i, `number '${m[0]}' is too large`);
      tokens.push({ kind: "number", text: m[0], value: Number(m[0]), pos: i });
      i = end;
      continue;
    }
    if (c === "`") {
      const close = text.indexOf("`", i + 1);
      if (close < 0) throw formulaError(text, i, "unterminated backquoted name");
      const name = text.slice(i + 1, close);
      if (name === "") throw formulaError(text, i, "empty backquoted name");
      tokens.push({ kind: "name", text: name, quoted: true, pos: i });
      i = close + 1;
      continue;
    }
    if (isNameStart(c)) {
      let j = i + 1;
      while (j < n && isNameChar(text[j])) j++;
      tokens.push({ kind: "name", text: text.slice(i, j), pos: i });
      i = j;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: "op", text: op, pos: i });
      i += op.length;
      continue;
    }
    throw formulaError(text, i, `unexpected character '${c}'`);
  }
  tokens.push({ kind: "end", text: "", pos: n });
  return tokens;
}
