// File access for the CLI (Node only). The core never touches the file system: it gets text and
// returns text; this module turns file-system failures into one-line UserErrors.
import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, lstatSync, openSync, readSync, realpathSync, renameSync, unlinkSync, writeFileSync, type Stats } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { parseDelimited, readDelimited } from "../data/csv.js";
import type { Frame } from "../data/frame.js";
import { UserError } from "../errors.js";

/** How the data tables of this run are read: `--sep`, `--na`, `--decimal` (set once per command). */
export interface TableOptions {
  readonly delimiter?: string;
  readonly na?: readonly string[];
  readonly decimal?: string;
}

let tableOptions: TableOptions = {};

/** Set the reading options for every table of this run (from the command's flags). */
export function setTableOptions(o: { sep?: string; na?: string[]; decimal?: string }): void {
  const na = o.na?.flatMap((s) => s.split(",")).map((s) => s.trim());
  if (na?.some((s) => s === "")) throw new UserError("--na takes missing-value spellings separated by commas, e.g. --na NULL,-99");
  tableOptions = { delimiter: o.sep, na, decimal: o.decimal };
}

/**
 * Read a CSV/TSV file into a Frame; error messages name the file by its base name. What the reader
 * decided on the user's behalf (e.g. "'NULL' read as missing") is said on stderr.
 * A regular file is read in pieces straight into typed columns (no string of the whole file, so no
 * size limit but memory); a FIFO (`<(zcat x.csv.gz)`) is read whole, up to the text-input limit.
 */
export function readFrameFile(path: string, options: TableOptions = {}): Frame {
  const opts = { source: basename(path), ...tableOptions, ...options };
  const frame = withInput(path, "data file", (fd, st) =>
    st.isFile() ? readDelimited(() => filePieces(fd), opts) : parseDelimited(withoutBom(readAll(fd, 1 << 20, MAX_TEXT_BYTES, path, "data file", true).toString("utf8")), opts),
  );
  for (const n of frame.notes) process.stderr.write(`glmm: note: ${n}\n`);
  return frame;
}

/** bytes per read of a data file */
const PIECE_BYTES = 1 << 20;

/** The text of a regular file from its start, in pieces of PIECE_BYTES (a UTF-8 character split between reads is joined). */
function* filePieces(fd: number): Generator<string> {
  const buf = Buffer.allocUnsafe(PIECE_BYTES);
  const decoder = new StringDecoder("utf8");
  let at = 0;
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, at);
    if (n === 0) break;
    // a leading byte-order mark is removed here as readTextFile does (the reader removes one more)
    const piece = decoder.write(buf.subarray(0, n));
    yield at === 0 ? withoutBom(piece) : piece;
    at += n;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}

function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Read a UTF-8 text file (invalid bytes become U+FFFD, which the CSV reader reports as binary).
 * `what` names the file's role in messages: "cannot read data file 'x.csv': no such file".
 * A leading byte-order mark is removed.
 */
export function readTextFile(path: string, what: string): string {
  return withoutBom(readBytes(path, what).toString("utf8"));
}

/** Largest text input read whole (V8's strings stop a little above 512 MiB). */
const MAX_TEXT_BYTES = 512 * 1024 * 1024;

/**
 * The bytes of an input file, which is remembered as an input of this run. A regular file is read
 * whole after a size check; a FIFO or device (`<(zcat x.csv.gz)`) is streamed up to the same limit,
 * and refused at once when its first bytes are binary (`--data /dev/zero` must not fill memory).
 */
export function readBytes(path: string, what: string): Buffer {
  return withInput(path, what, (fd, st) => {
    const limit = MAX_TEXT_BYTES;
    if (st.isFile()) {
      if (st.size > limit) throw new UserError(`cannot read ${what} '${path}': it is ${(st.size / 2 ** 20).toFixed(0)} MiB, more than the ${limit / 2 ** 20} MiB a text input may have`);
      return readAll(fd, st.size + 1, limit, path, what, false);
    }
    return readAll(fd, 1 << 20, limit, path, what, true);
  });
}

/**
 * Open an input file (not a directory), remember it as an input of this run, and give it to `use`;
 * file-system failures become one-line UserErrors naming the file and its role (`what`).
 */
function withInput<T>(path: string, what: string, use: (fd: number, st: Stats) => T): T {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new UserError(`cannot read ${what} '${path}': ${describeFsError(e)}`);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new UserError(`cannot read ${what} '${path}': it is a directory`);
    registerInput(path);
    return use(fd, st);
  } catch (e) {
    // file-system errors carry a code; anything else (a parse error, a bug) passes unchanged
    if (e instanceof UserError || typeof (e as NodeJS.ErrnoException | null)?.code !== "string") throw e;
    throw new UserError(`cannot read ${what} '${path}': ${describeFsError(e)}`);
  } finally {
    closeSync(fd);
  }
}

function readAll(fd: number, first: number, limit: number, path: string, what: string, stream: boolean): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(Math.max(first, 1 << 16), limit + 1 - total));
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    if (stream && total === 0 && buf.subarray(0, n).includes(0))
      throw new UserError(`cannot read ${what} '${path}': it is not a regular file and streams binary data (NUL bytes)`);
    chunks.push(buf.subarray(0, n));
    total += n;
    if (total > limit) throw new UserError(`cannot read ${what} '${path}': ${stream ? "it is not a regular file and " : ""}it has more than ${limit / 2 ** 20} MiB, the most a text input may have`);
  }
  return Buffer.concat(chunks, total);
}

/** Real paths of every file this process has read as input: an output may never replace one. */
const inputsRead = new Map<string, string>();

/** Start a run (a command): forget the inputs of an earlier one in this process (in-process callers, tests). */
export function beginRun(): void {
  inputsRead.clear();
}

/** Remember `path` (as given, for messages) as an input of this run. */
export function registerInput(path: string): void {
  try { inputsRead.set(realpathSync(path), path); } catch { /* unreadable: the read itself reports it */ }
}

/** The real path `path` names, also when the file does not exist yet (its directory resolved). */
function resolvedTarget(path: string): string {
  try { return realpathSync(path); } catch { /* not there yet */ }
  try { return join(realpathSync(dirname(resolve(path))), basename(path)); } catch { return resolve(path); }
}

/**
 * Check an output file before the work that produces it: it must not be one of the inputs (by real
 * path, so symlinks and `./` spellings count), not a directory or device, and its directory must
 * take a new file (probed with an exclusive, immediately removed file). Throws a one-line UserError.
 */
export function checkOutputFile(path: string, option = "--out", extraInputs: readonly string[] = []): void {
  for (const p of extraInputs) registerInput(p);
  if (path === "") throw new UserError(`${option} is empty`);
  const target = resolvedTarget(path);
  const input = inputsRead.get(target);
  if (input !== undefined) throw new UserError(`${option} '${path}' is an input of this run ('${input}'); refusing to overwrite it`);
  let st;
  try { st = lstatSync(path); } catch { st = null; }
  if (st) {
    if (st.isDirectory()) throw new UserError(`cannot write '${path}': it is a directory`);
    if (!st.isFile() && !st.isSymbolicLink()) throw new UserError(`cannot write '${path}': it exists and is not a regular file`);
  }
  const probe = tempName(path);
  try {
    closeSync(openSync(probe, "wx", 0o600));
    unlinkSync(probe);
  } catch (e) {
    throw new UserError(`cannot write '${path}': ${describeFsError(e)}`);
  }
}

/** A fresh name in the target's directory (same file system, so the final rename is atomic). */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path).slice(0, 100)}.${randomBytes(6).toString("hex")}.tmp`);
}

/** Write `content` to a new temporary file next to `path`: created exclusively (never through a planted symlink). */
function writeTemp(path: string, content: string | Uint8Array): string {
  const tmp = tempName(path);
  const fd = openSync(tmp, "wx", 0o666);
  try {
    writeFileSync(fd, content);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* gone */ }
    throw e;
  }
  closeSync(fd);
  return tmp;
}

/** Refuse to replace an input of this run (checked again at the end: inputs read after the start count too). */
function refuseInput(path: string): void {
  const input = inputsRead.get(resolvedTarget(path));
  if (input !== undefined) throw new UserError(`output '${path}' is an input of this run ('${input}'); refusing to overwrite it`);
}

/**
 * Write a file so that it is either complete or absent: write a new temporary file in the same
 * directory (exclusive create, random name), then rename it over `path` (atomic on one file
 * system; a symlink at `path` is replaced, not followed). On failure the temporary file is removed.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  writeFilesAtomic([{ path, content }]);
}

/**
 * Write several files so that either all are written or none: every temporary file first, then
 * the renames. A failure while writing removes the temporary files already written.
 */
export function writeFilesAtomic(files: readonly { path: string; content: string | Uint8Array }[]): void {
  for (const f of files) refuseInput(f.path);
  const tmps: string[] = [];
  try {
    for (const f of files) tmps.push(writeTemp(f.path, f.content));
  } catch (e) {
    for (const t of tmps) { try { unlinkSync(t); } catch { /* already gone */ } }
    throw new UserError(`cannot write '${files[tmps.length].path}': ${describeFsError(e)}`);
  }
  let done = 0;
  try {
    for (; done < files.length; done++) {
      if (statIsDirectory(files[done].path)) throw Object.assign(new Error("directory"), { code: "EISDIR" });
      renameSync(tmps[done], files[done].path);
    }
  } catch (e) {
    // e.g. a target that is a directory: undo this run's outputs rather than leave some of them
    for (let i = 0; i < files.length; i++) { try { unlinkSync(i < done ? files[i].path : tmps[i]); } catch { /* gone */ } }
    throw new UserError(`cannot write '${files[done].path}': ${describeFsError(e)}`);
  }
}

function statIsDirectory(path: string): boolean {
  try { return lstatSync(path).isDirectory(); } catch { return false; }
}

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case "ENOENT": return "no such file";
    case "EISDIR": return "it is a directory";
    case "ENOTDIR": return "a part of the path is not a directory";
    case "EACCES":
    case "EPERM": return "permission denied";
    case "ERR_FS_FILE_TOO_LARGE":
    case "ERR_STRING_TOO_LONG": return "the file is too large";
    default: return code ?? (e instanceof Error ? e.message : String(e)).split("\n")[0];
  }
}
