// File access for the CLI (Node only). The core never touches the file system: it gets text and
// returns text; this module turns file-system failures into one-line UserErrors.
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { parseDelimited } from "../data/csv.js";
import type { Frame } from "../data/frame.js";
import { UserError } from "../errors.js";

/** Read a CSV/TSV file into a Frame; error messages name the file by its base name. */
export function readFrameFile(path: string, options: { delimiter?: string } = {}): Frame {
  const text = readTextFile(path, "data file");
  return parseDelimited(text, { source: basename(path), delimiter: options.delimiter });
}

/**
 * Read a UTF-8 text file (invalid bytes become U+FFFD, which the CSV reader reports as binary).
 * `what` names the file's role in messages: "cannot read data file 'x.csv': no such file".
 * A leading byte-order mark is removed.
 */
export function readTextFile(path: string, what: string): string {
  let text: string;
  try {
    if (statSync(path).isDirectory()) throw new UserError(`cannot read ${what} '${path}': it is a directory`);
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`cannot read ${what} '${path}': ${describeFsError(e)}`);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Write a file so that it is either complete or absent: write `<path>.tmp-<pid>`, then rename over
 * `path` (atomic on one file system). On failure the temporary file is removed.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* it may never have been created */ }
    throw new UserError(`cannot write '${path}': ${describeFsError(e)}`);
  }
}

/**
 * Write several files so that either all are written or none: every temporary file first, then
 * the renames. A failure while writing removes the temporary files already written.
 */
export function writeFilesAtomic(files: readonly { path: string; content: string | Uint8Array }[]): void {
  const tmps: string[] = [];
  try {
    for (const f of files) {
      const tmp = `${f.path}.tmp-${process.pid}`;
      writeFileSync(tmp, f.content);
      tmps.push(tmp);
    }
  } catch (e) {
    for (const t of tmps) { try { unlinkSync(t); } catch { /* already gone */ } }
    throw new UserError(`cannot write '${files[tmps.length].path}': ${describeFsError(e)}`);
  }
  let done = 0;
  try {
    for (; done < files.length; done++) renameSync(tmps[done], files[done].path);
  } catch (e) {
    // e.g. a target that is a directory: undo this run's outputs rather than leave some of them
    for (let i = 0; i < files.length; i++) { try { unlinkSync(i < done ? files[i].path : tmps[i]); } catch { /* gone */ } }
    throw new UserError(`cannot write '${files[done].path}': ${describeFsError(e)}`);
  }
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
