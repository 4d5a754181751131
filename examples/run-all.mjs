// `npm run examples`: run every examples/NN-*/run.mjs in turn (in this process) and print its key
// numbers. Arguments filter by folder name: `npm run examples -- songbirds 06`.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { examplesDir } from "./lib.mjs";

const filters = process.argv.slice(2);
const dirs = readdirSync(examplesDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name) && (filters.length === 0 || filters.some((f) => d.name.includes(f))))
  .map((d) => d.name)
  .sort();
if (dirs.length === 0) {
  console.error(`no example matches ${filters.join(", ")}`);
  process.exit(1);
}

const t0 = performance.now();
const failed = [];
for (const name of dirs) {
  console.log(`\n=== ${name} ${"=".repeat(Math.max(0, 70 - name.length))}`);
  const t = performance.now();
  try {
    const mod = await import(pathToFileURL(join(examplesDir, name, "run.mjs")).href);
    await mod.main();
    console.log(`(${((performance.now() - t) / 1000).toFixed(1)} s)`);
  } catch (e) {
    failed.push(name);
    console.error(`${name} FAILED: ${e && e.stack ? e.stack : e}`);
  }
}
console.log(`\n${dirs.length - failed.length}/${dirs.length} examples ran in ${((performance.now() - t0) / 1000).toFixed(1)} s${failed.length ? `; failed: ${failed.join(", ")}` : ""}`);
if (failed.length) process.exitCode = 1;
