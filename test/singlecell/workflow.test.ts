// The Snakemake workflow (workflow/Snakefile) runs the shards as jobs and merges them into the same
// table as one `glmm de` run. Skipped, saying so, where snakemake is not installed (e.g. CI).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { deCommand } from "../../src/cli/commands/de.js";
import { cellsCsv, pbmc60, root } from "./fixture.js";

const probe = spawnSync("snakemake", ["--version"], { encoding: "utf8" });
const missing = probe.error || probe.status !== 0 ? "snakemake is not installed (apt-get install snakemake): the workflow test is skipped" : "";
if (missing) process.stderr.write(`# ${missing}\n`);

const tmp = mkdtempSync(join(tmpdir(), "glmm-sc-wf-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

test("snakemake --cores 2 runs 3 shard jobs and the merge: the same table as one glmm de run", { skip: missing || false }, async () => {
  // run the freshly compiled CLI (dist), whatever the state of the bundle
  const runner = join(tmp, "glmm.mjs");
  writeFileSync(runner, `import { main } from ${JSON.stringify(join(root, "dist", "src", "cli", "main.js"))};\nmain(process.argv.slice(2)).then((c) => { process.exitCode = c; });\n`);
  const r = spawnSync("snakemake", [
    "-s", join(root, "workflow", "Snakefile"), "--cores", "2", "--directory", tmp, "-q",
    "--config", `counts=${pbmc60}`, `cells=${cellsCsv}`, "out=merged.csv", "shards=3", "workdir=shards", `glmm=node ${runner}`,
  ], { encoding: "utf8" });
  assert.equal(r.status, 0, `snakemake failed:\n${r.stdout}\n${r.stderr}`);
  const direct = join(tmp, "direct.csv");
  await deCommand({ counts: pbmc60, cells: cellsCsv, formula: "~ disease + (1 | patient)", offset: "log(total_umi)", out: direct, quiet: true, threads: 1 });
  assert.equal(readFileSync(join(tmp, "merged.csv"), "utf8"), readFileSync(direct, "utf8"));
  // each shard says what it is on its first line, then the table
  for (let i = 1; i <= 3; i++) assert.match(readFileSync(join(tmp, "shards", `shard-${i}-of-3.csv`), "utf8"), new RegExp(`^# glmm de shard ${i}/3; genes \\d+-\\d+ of 60; rows \\d+; inputs [0-9a-f]{16}\ngene,term,`));
});
