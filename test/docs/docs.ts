// What the docs test reads from a Markdown page or a cli.sh, and how it checks what the commands wrote.
//
// Commands: in a fenced block (no language, sh, bash, shell or console), the lines that run glmm —
// `glmm ...`, `node bin/glmm.js ...`, `npm start`, `node examples/NN-*/run.mjs`, `sh examples/NN-*/cli.sh`
// — with their `\` continuations; other lines of such a block (npm install, npm test, npm run web,
// ...) are the developer's commands and are not run here. A cli.sh is run as a whole.
// Output blocks: a fence without commands that follows a command block with only prose in between;
// when that prose names `node examples/NN-*/run.mjs`, the block is that script's output instead.
import assert from "node:assert/strict";

export interface DocCommand {
  /** the shell text, continuations joined */
  readonly shell: string;
  /** 1-based line in the source */
  readonly line: number;
  /** index of the block it belongs to (outputs refer to it) */
  readonly block: number;
  /** files the docs say it writes (flag values, names in its comment) */
  readonly files: string[];
}

export interface DocOutput {
  readonly block: number;
  readonly line: number;
  readonly text: string;
}

const runnable = /^(glmm|npx glmm|node bin\/glmm\.js|npm start|node examples\/\d\d-[\w-]+\/run\.mjs|sh examples\/\d\d-[\w-]+\/cli\.sh|mkdir)\b/;

/** the files a command line says it writes: --out/--plot (and nma's --forest) values with an extension, names in its comment */
function filesOf(line: string, comment: string): string[] {
  const files: string[] = [];
  for (const m of line.matchAll(/--(out|plot|forest)\s+("[^"]+"|\S+)/g)) {
    const v = m[2].replace(/^"|"$/g, "");
    if (/\.(svg|csv|json)$/.test(v) && !(m[1] === "forest" && v.endsWith(".csv"))) files.push(v);
  }
  for (const m of comment.matchAll(/[\w.-]+\.(?:svg|csv|json)\b/g)) files.push(m[0]);
  return files;
}

/** split off a trailing `# comment` (outside quotes) */
function splitComment(line: string): [string, string] {
  let q: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (q) { if (c === q) q = null; continue; }
    if (c === '"' || c === "'") q = c;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) return [line.slice(0, i).trimEnd(), line.slice(i + 1)];
  }
  return [line, ""];
}

export function docBlocks(text: string, source: string): { commands: DocCommand[]; outputs: DocOutput[] } {
  if (source.endsWith(".sh")) {
    const files = text.split("\n").flatMap((l) => filesOf(l, ""));
    return { commands: [{ shell: `sh ${source}`, line: 1, block: 0, files }], outputs: [] };
  }
  const lines = text.split("\n");
  const commands: DocCommand[] = [];
  const outputs: DocOutput[] = [];
  let block = 0;
  let lastCommandBlock = -1;
  let prose: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]);
    if (!open) {
      if (/^#/.test(lines[i])) lastCommandBlock = -1; // a new section: outputs below belong to nothing above
      prose.push(lines[i]);
      continue;
    }
    const info = open[1];
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    block++;
    if (!["", "sh", "bash", "shell", "console", "text"].includes(info)) {
      prose = [];
      continue;
    }
    // join continuations, keep the line numbers of the first line
    const joined: { text: string; comment: string; line: number }[] = [];
    for (let k = 0; k < body.length; k++) {
      const first = k;
      let [code, comment] = splitComment(body[k]);
      while (/\\$/.test(code) && k + 1 < body.length) {
        k++;
        const [c2, m2] = splitComment(body[k]);
        code = code.replace(/\\$/, " ") + c2.trim();
        comment += m2;
      }
      joined.push({ text: code.trim(), comment, line: start + first + 1 });
    }
    const mine: DocCommand[] = [];
    for (const j of joined) {
      for (const part of j.text.split(/\s+&&\s+/)) {
        if (runnable.test(part)) mine.push({ shell: part, line: j.line, block, files: filesOf(part, j.comment) });
      }
    }
    if (mine.length && info !== "text") {
      commands.push(...mine);
      lastCommandBlock = block;
    } else {
      const script = /`(node examples\/\d\d-[\w-]+\/run\.mjs)`/.exec(prose.join("\n"));
      if (script) {
        block++;
        commands.push({ shell: script[1], line: start, block, files: [] });
        outputs.push({ block, line: start, text: body.join("\n") });
      } else if (lastCommandBlock >= 0) {
        outputs.push({ block: lastCommandBlock, line: start, text: body.join("\n") });
      }
      lastCommandBlock = -1;
    }
    prose = [];
  }
  return { commands, outputs };
}

/**
 * The numbers in a text, as printed (− read as -). From the docs, durations ("0.79 s", "26 genes/s")
 * are left out: they differ from run to run.
 */
export function numbersIn(text: string, fromDocs: boolean): string[] {
  const t = text.replace(/\u2212/g, "-");
  const out: string[] = [];
  for (const m of t.matchAll(/(?<![\w.\-])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w]|\.\d)/gi)) {
    const after = t.slice(m.index! + m[0].length, m.index! + m[0].length + 10);
    if (fromDocs && /^\s?(s|ms|sec|seconds|min|\w+\/s)\b/.test(after)) continue;
    out.push(m[0]);
  }
  return out;
}

/** well-formed XML (tags nest, one root `svg`) with at least one mark */
export function checkSvg(text: string, what: string): void {
  const body = text.replace(/<\?xml[^>]*\?>/g, "").replace(/<!--[\s\S]*?-->/g, "").replace(/<!DOCTYPE[^>]*>/gi, "").replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, "");
  const stack: string[] = [];
  let roots = 0;
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g)) {
    const [, close, name, , self] = m;
    if (close) {
      assert.equal(stack.pop(), name, `${what}: </${name}> closes ${stack.length ? "another element" : "nothing"}`);
    } else if (!self) {
      if (!stack.length) roots++;
      stack.push(name);
    } else if (!stack.length) {
      roots++;
    }
  }
  assert.equal(stack.length, 0, `${what}: unclosed <${stack.join("><")}>`);
  assert.equal(roots, 1, `${what}: one root element`);
  assert.match(body.trimStart(), /^<svg[\s>]/, `${what}: the root is <svg>`);
  // stray < or & outside tags and entities would make it invalid XML
  const outside = body.replace(/<[^>]*>/g, "").replace(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos);/gi, "");
  assert.doesNotMatch(outside, /[<&]/, `${what}: unescaped < or &`);
  assert.match(body, /<(path|rect|circle|line|polygon|polyline|ellipse)\b/, `${what}: has marks`);
}

/** a header and at least one row, every row with as many fields as the header (quotes honoured) */
export function checkCsv(text: string, sep: string, what: string): string[] {
  const rows: string[][] = [];
  let row: string[] = [], field = "", q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') q = false; else field += c;
    } else if (c === '"') q = true;
    else if (c === sep) { row.push(field); field = ""; }
    else if (c === "\n") { row.push(field.replace(/\r$/, "")); rows.push(row); row = []; field = ""; }
    else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  assert.ok(rows.length >= 2, `${what}: a header and rows`);
  const header = rows[0];
  assert.ok(header.every((h) => h.trim() !== ""), `${what}: named columns (${header.join(sep)})`);
  rows.forEach((r, k) => assert.equal(r.length, header.length, `${what}: row ${k + 1} has ${r.length} fields, the header ${header.length}`));
  return header;
}

/** the first columns of the CSV a command writes with --out, as its help and the docs say; null for others */
export function expectedColumns(shell: string): string[] | null {
  const sub = /^(?:glmm|npx glmm|node bin\/glmm\.js)\s+([\w-]+)/.exec(shell)?.[1];
  if (!/\s--out\s/.test(shell)) return null;
  if (sub === "de") return ["gene", "term", "estimate", "se", "statistic", "p", "padj", "sd_patient", "nb_size", "converged", "message"];
  if (sub === "confint") return ["parameter", "value", "zeta"];
  if (sub === "bootstrap") return ["replicate"];
  return null;
}
