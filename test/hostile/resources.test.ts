// Root cause: commands built what they were asked for before sizing it — a 20-factor interaction
// hung, --data /dev/zero grew to 16 GB, --threads 10000 started a worker per gene, --nsim 1e9 and
// huge simulate-sc sizes allocated first. Now the size is estimated first and refused with the
// estimate, devices and FIFOs are streamed knowingly, and threads are capped at the core count.
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { test } from "node:test";
import { assertRefused, fixture, glmm, scratch, setup, snapshot } from "./helpers.js";

const dir = scratch("res");
const cols = Array.from({ length: 20 }, (_, k) => `f${k}`);
const wide = [["y", ...cols].join(",")];
for (let i = 0; i < 100; i++) wide.push([(i % 7) + 0.5, ...cols.map((_, k) => "abcde"[(i * (k + 3) + k) % 5])].join(","));
setup(dir, { "wide.csv": wide.join("\n") + "\n", "sleep.csv": (await import("node:fs")).readFileSync(fixture("sleepstudy.csv"), "utf8") });
const sleep = ["--data", "sleep.csv", "--formula", "Reaction ~ Days + (1 | Subject)"];

const cases: [string, string[], RegExp][] = [
  ["a 20-factor interaction", ["fit", "--data", "wide.csv", "--formula", `y ~ ${cols.join(":")}`], /the fixed effects would have [\d.]+e\d+ columns \(the term 'f0:f1:.*' alone [\d.]+e\d+\), .* GiB for 100 rows; refusing/],
  ["a 12-factor crossing with *", ["fit", "--data", "wide.csv", "--formula", `y ~ ${cols.slice(0, 12).join("*")}`], /the fixed effects would have [\d.]+e\d+ columns/],
  ["--data /dev/zero", ["fit", "--data", "/dev/zero", "--formula", "y ~ x"], /cannot read data file '\/dev\/zero': it is not a regular file and streams binary data/],
  ["--data /dev/urandom", ["fit", "--data", "/dev/urandom", "--formula", "y ~ x"], /'\/dev\/urandom': it is not a regular file and streams binary data/],
  ["--data a directory", ["fit", "--data", ".", "--formula", "y ~ x"], /cannot read data file '\.': it is a directory/],
  ["--nsim 1000000000 (bootstrap)", ["bootstrap", ...sleep, "--nsim", "1000000000"], /--nsim 1000000000 is beyond reason: at most 1000000/],
  ["--nsim 1e9 spelled as a float", ["bootstrap", ...sleep, "--nsim", "1e9"], /--nsim must be a positive integer, not '1e9'/],
  ["--nsim with 1.8e8 simulated values", ["simulate", ...sleep, "--nsim", "1000000"], /--nsim 1000000 on 180 rows is 1\.8e\+8 simulated values \(about \d+ MiB of output\); at most 5e7/],
  ["--mdep beyond the cluster size", ["gee", "--data", "sleep.csv", "--formula", "Reaction ~ Days", "--id", "Subject", "--corstr", "mdep", "--mdep", "1000000"], /--mdep 1000000 needs clusters of more than 1000000 rows; the largest cluster of 'Subject' has 10 \(use --mdep 9 or less\)/],
  ["simulate-sc --cells 1e11", ["simulate-sc", "--out", "big", "--genes", "10", "--cells", "100000000000"], /--cells 100000000000 is beyond reason: at most 5e7/],
  ["simulate-sc --genes 2e7", ["simulate-sc", "--out", "big", "--genes", "20000000", "--cells", "10"], /--genes 20000000 is beyond reason/],
  ["simulate-sc beyond a 10x index", ["simulate-sc", "--out", "big", "--genes", "1000000", "--cells", "40000000", "--density", "0.5"], /about 2\.00e\+13 nonzero counts, more than a 10x matrix\.mtx index holds/],
];
for (const [what, args, message] of cases) {
  test(`refused with the estimate, before building: ${what}`, () => {
    const before = snapshot(dir);
    const t0 = Date.now();
    assertRefused(glmm(dir, ...args), message, dir, before);
    assert.ok(Date.now() - t0 < 20000, "refused promptly");
  });
}

test("--threads 10000 is capped at the core count (said), and the run completes", () => {
  assert.equal(glmm(dir, "simulate-sc", "--out", "sc", "--genes", "8", "--cells", "60", "--patients", "4", "--quiet").status, 0);
  const r = glmm(dir, "de", "--counts", "sc", "--cells", "sc/cells.csv", "--formula", "~ disease + (1 | patient)", "--threads", "10000", "--out", "de.csv");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`--threads 10000 capped at the ${availableParallelism()} cores of this machine`));
  assert.match(r.stderr, new RegExp(`on ${Math.min(availableParallelism(), 8)} threads?|on 1 thread`));
});

test("a FIFO (process substitution) is streamed knowingly: a text table through a pipe is read", async () => {
  const { spawn, spawnSync } = await import("node:child_process");
  const { join } = await import("node:path");
  const fifo = join(dir, "pipe.csv");
  if (spawnSync("mkfifo", [fifo]).status !== 0) return; // no mkfifo here
  const writer = spawn("sh", ["-c", `cat sleep.csv > pipe.csv`], { cwd: dir });
  const r = glmm(dir, "fit", "--data", "pipe.csv", "--formula", "Reaction ~ Days + (1 | Subject)", "--format", "json");
  await new Promise((res) => writer.on("exit", res));
  (await import("node:fs")).unlinkSync(fifo);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).nobs, 180);
});
