// The JavaScript snippets of a Markdown page: ```js blocks (ES modules that import "glmm"), each with
// the ```text block that follows it (only prose between) as its expected output. Shared by the docs
// test (run against this checkout) and the package test (run in a fresh install of the tarball).

export interface Snippet {
  /** 1-based line of the block's first code line */
  readonly line: number;
  readonly code: string;
  /** the output block shown after it, or null */
  readonly output: string | null;
}

export function jsSnippets(text: string): Snippet[] {
  const lines = text.split("\n");
  const out: Snippet[] = [];
  let pending: { line: number; code: string } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) {
      if (/^#/.test(lines[i]) && pending) { out.push({ ...pending, output: null }); pending = null; }
      continue;
    }
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (open[1] === "text" && pending) {
      out.push({ ...pending, output: body.join("\n") });
      pending = null;
      continue;
    }
    if (pending) { out.push({ ...pending, output: null }); pending = null; }
    if (open[1] === "js") pending = { line: start + 1, code: body.join("\n") + "\n" };
  }
  if (pending) out.push({ ...pending, output: null });
  return out;
}
