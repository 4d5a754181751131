// Root cause: --out was never compared with the inputs, checked only after the work, and written
// through a predictable temporary name that followed symlinks. Now every output is compared by real
// path with every input of the run, checked (directory writable, not a directory or device) before
// the work, written through an exclusively created random temporary file renamed at the end; a
// killed run leaves neither the output nor a temporary file; simulate-sc refuses a non-empty
// directory unless --force.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { assertRefused, bin, fixture, glmm, scratch, setup, snapshot } from "./helpers.js";

const dir = scratch("out");
const sleep = readFileSync(fixture("sleepstudy.csv"), "utf8");
const model = ["--data", "sleep.csv", "--formula", "Reaction ~ Days + (1 | Subject)"];
setup(dir, { "sleep.csv": sleep });
// a small single-cell data set for `de`
const sim = glmm(dir, "simulate-sc", "--out", "sc", "--genes", "30", "--cells", "150", "--patients", "6", "--quiet");
assert.equal(sim.status, 0, sim.stderr);
const de = ["de", "--counts", "sc", "--cells", "sc/cells.csv", "--formula", "~ disease + (1 | patient)", "--threads", "1", "--quiet"];

const overwrite: [string, string[], RegExp][] = [
  ["bootstrap --out the data", ["bootstrap", ...model, "--nsim", "3", "--out", "sleep.csv"], /--out 'sleep\.csv' is an input of this run/],
  ["bootstrap --out ./the data", ["bootstrap", ...model, "--nsim", "3", "--out", "./sub/../sleep.csv"], /is an input of this run \('sleep\.csv'\)/],
  ["bootstrap --out a symlink to the data", ["bootstrap", ...model, "--nsim", "3", "--out", "link.csv"], /--out 'link\.csv' is an input/],
  ["predict --out the data", ["predict", ...model, "--out", "sleep.csv"], /'sleep\.csv' is an input of this run/],
  ["predict --out the new data", ["predict", ...model, "--newdata", "new.csv", "--out", "new.csv"], /'new\.csv' is an input of this run/],
  ["simulate --out the data", ["simulate", ...model, "--out", "sleep.csv"], /'sleep\.csv' is an input of this run/],
  ["ranef --out the data", ["ranef", ...model, "--format", "csv", "--out", "sleep.csv"], /'sleep\.csv' is an input of this run/],
  ["de --out the matrix", [...de, "--out", "sc/matrix.mtx"], /--out 'sc\/matrix\.mtx' is an input of this run/],
  ["de --out the cell table", [...de, "--out", "sc/cells.csv"], /--out 'sc\/cells\.csv' is an input of this run/],
  ["de --out the barcodes", [...de, "--out", "sc/barcodes.tsv"], /is an input of this run/],
  ["de --out a directory", [...de, "--out", "sc"], /cannot write 'sc': it is a directory/],
  ["de --out in a missing directory", [...de, "--out", "nowhere/de.csv"], /cannot write 'nowhere\/de\.csv': no such file/],
  ["de-merge --out a shard", ["de-merge", "sc/truth.csv", "--out", "sc/truth.csv"], /--out 'sc\/truth\.csv' is an input of this run/],
  ["bootstrap --out a device", ["bootstrap", ...model, "--nsim", "3", "--out", "/dev/null"], /cannot write '\/dev\/null': it exists and is not a regular file/],
];
for (const [what, args, message] of overwrite) {
  test(`refused before any work: ${what}`, () => {
    mkdirSync(join(dir, "sub"), { recursive: true });
    if (!existsSync(join(dir, "link.csv"))) symlinkSync("sleep.csv", join(dir, "link.csv"));
    if (!existsSync(join(dir, "new.csv"))) writeFileSync(join(dir, "new.csv"), "Days,Subject\n3,308\n");
    const before = snapshot(dir);
    assertRefused(glmm(dir, ...args), message, dir, before);
  });
}

test("an unwritable output directory is found before the fits, not after", { skip: process.getuid?.() === 0 && "root writes anywhere" }, () => {
  mkdirSync(join(dir, "ro"), { mode: 0o555, recursive: true });
  const before = snapshot(dir);
  assertRefused(glmm(dir, ...de, "--out", "ro/de.csv"), /cannot write 'ro\/de\.csv': permission denied/, dir, before);
});

test("a pre-planted symlink under a temporary-looking name is never followed; the output replaces a symlink rather than writing through it", () => {
  const d = join(dir, "sym");
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "victim.txt"), "precious\n");
  // the old scheme's predictable names, planted for the next few pids
  for (let k = 0; k < 50; k++) symlinkSync(join(d, "victim.txt"), join(d, `out.csv.tmp-${process.pid + k}`));
  symlinkSync(join(d, "victim.txt"), join(d, "out.csv"));
  const r = glmm(d, "predict", "--data", join(dir, "sleep.csv"), "--formula", "Reaction ~ Days + (1 | Subject)", "--out", "out.csv");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(d, "victim.txt"), "utf8"), "precious\n");
  assert.match(readFileSync(join(d, "out.csv"), "utf8"), /^Reaction,Days,Subject,prediction\n/);
  assert.deepEqual(readdirSync(d).filter((f) => f.endsWith(".tmp")), []);
});

test("simulate-sc refuses an existing non-empty directory unless --force, and --force replaces only its files", () => {
  const before = snapshot(dir);
  assertRefused(glmm(dir, "simulate-sc", "--out", "sc", "--genes", "5", "--cells", "20", "--quiet"), /--out 'sc' already exists and is not empty.*--force/, dir, before);
  assertRefused(glmm(dir, "simulate-sc", "--out", "sleep.csv", "--genes", "5", "--cells", "20", "--quiet"), /--out 'sleep\.csv' exists and is not a directory/, dir, before);
  mkdirSync(join(dir, "keep"));
  writeFileSync(join(dir, "keep", "notes.txt"), "mine\n");
  const r = glmm(dir, "simulate-sc", "--out", "keep", "--genes", "5", "--cells", "20", "--quiet", "--force");
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(join(dir, "keep")).sort(), ["barcodes.tsv", "cells.csv", "features.tsv", "matrix.mtx", "notes.txt", "truth.csv"]);
  assert.equal(readFileSync(join(dir, "keep", "notes.txt"), "utf8"), "mine\n");
});

/** Start the CLI, wait until stderr matches `ready`, kill -9; resolves with the stderr seen. */
function killWhen(cwd: string, args: string[], ready: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`never ready: ${err}`)); }, 60000);
    child.stderr.on("data", (b: Buffer) => {
      err += b.toString();
      if (ready.test(err)) child.kill("SIGKILL");
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (signal !== "SIGKILL") reject(new Error(`ended by itself (${code}) before the kill: ${err}`));
      else resolve(err);
    });
  });
}

test("kill -9 during de leaves no output and no temporary file", async () => {
  const d = join(dir, "kill-de");
  mkdirSync(d);
  const s = glmm(d, "simulate-sc", "--out", "big", "--genes", "3000", "--cells", "300", "--patients", "6", "--quiet");
  assert.equal(s.status, 0, s.stderr);
  const before = snapshot(d);
  // progress lines come every 10% when stderr is a pipe: kill at the first, mid-fit
  await killWhen(d, ["de", "--counts", "big", "--cells", "big/cells.csv", "--formula", "~ disease + (1 | patient)", "--threads", "1", "--genes-min-cells", "0", "--out", "de.csv"], / \d+\/\d+ genes/);
  assert.deepEqual([...snapshot(d)], [...before]);
});

test("kill -9 during bootstrap leaves no output and no temporary file", async () => {
  const d = join(dir, "kill-boot");
  mkdirSync(d);
  const before = setup(d, { "sleep.csv": sleep });
  await killWhen(d, ["bootstrap", ...model, "--nsim", "100000", "--out", "boot.csv"], /bootstrap \[.* \d+\/\d+ refits/);
  assert.deepEqual([...snapshot(d)], [...before]);
});
