// Terminal safety: text from data files (column names, levels, file names) must not reach a terminal
// as control sequences, nor as megabyte-long lines. Everything written to stderr, and to stdout when
// it is a terminal, passes through `safeText`; the CLI's own erase-line sequences are kept.

/** C0 controls but tab and line ends, DEL, C1 controls, and ESC unless it starts our own erase-line. */
const CONTROL = /\x1b(?!\[2?K)|[\x00-\x08\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** A quoted name longer than this is shortened in messages (a name: not starting or ending with a blank, unlike prose between two quoted names). */
const MAX_QUOTED = 120;

/** Escape control characters as \u00XX (valid inside JSON strings too) and shorten long quoted names. */
export function safeText(s: string): string {
  let out = s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  if (out.length > MAX_QUOTED) {
    out = out.replace(/'([^'\s][^'\n]{119,}[^'\s])'/g, (_m, q: string) => `'${shorten(q)}'`);
    // and any other very long run without blanks (an unquoted name in a list)
    out = out.replace(/[^\s',()]{200,}/g, (w) => shorten(w));
  }
  return out;
}

/** The first and last characters of a long name, and how long it was. */
export function shorten(q: string, max = MAX_QUOTED): string {
  if (q.length <= max) return q;
  return `${q.slice(0, max - 40)}…${q.slice(-20)} (${q.length} characters)`;
}

/**
 * An error message: controls escaped, long names shortened, at most a few thousand characters. Line
 * breaks are kept (a formula error echoes the formula and a caret on the next lines); names from
 * data are put on one line where the message is made (oneLine).
 */
export function safeMessage(s: string): string {
  const out = safeText(s).replace(/\r/g, "\\r");
  return out.length > 4000 ? `${out.slice(0, 3000)}… (${out.length} characters)` : out;
}

let installed = false;

/** Filter process.stderr (always) and process.stdout (when it is a terminal) through safeText. */
export function guardTerminal(): void {
  if (installed) return;
  installed = true;
  const wrap = (stream: NodeJS.WriteStream) => {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => write(typeof chunk === "string" ? safeText(chunk) : chunk, ...rest)) as typeof stream.write;
  };
  wrap(process.stderr);
  if (process.stdout.isTTY) wrap(process.stdout);
}
