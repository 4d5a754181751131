// The ```js snippets of README.md and docs/*.md run as written: each as an ES module in a directory
// where `glmm` resolves to this checkout (node_modules/glmm → the package, as after `npm install`)
// and the data files they read (test/fixtures/data/*.csv) sit beside them. Each must exit 0, and
// every number of the ```text block shown after it must be among what it printed.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { numbersIn } from "./docs.js";
import { jsSnippets } from "./snippets.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "glmm-snippets-"));
after(() => rmSync(tmp, { recursive: true, force: true }));
mkdirSync(join(tmp, "node_modules"));
symlinkSync(root, join(tmp, "node_modules", "glmm"));
const dataDir = join(root, "test", "fixtures", "data");
for (const f of readdirSync(dataDir).filter((n) => n.endsWith(".csv"))) symlinkSync(join(dataDir, f), join(tmp, f));

const pages = ["README.md", ...readdirSync(join(root, "docs")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`)];

test("snippets: the README's Library section has runnable snippets", () => {
  const n = jsSnippets(readFileSync(join(root, "README.md"), "utf8")).length;
  assert.ok(n >= 4, `${n} js snippets in README.md`);
});

for (const page of pages) {
  const snippets = jsSnippets(readFileSync(join(root, page), "utf8"));
  if (!snippets.length) continue;
  test(`snippets: ${page}`, () => {
    snippets.forEach((s, k) => {
      const file = join(tmp, `${page.replace(/\W/g, "_")}-${k}.mjs`);
      writeFileSync(file, s.code);
      const r = spawnSync(process.execPath, [file], { cwd: tmp, encoding: "utf8", timeout: 120_000 });
      const where = `${page}:${s.line}`;
      assert.equal(r.status, 0, `${where}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
      if (s.output !== null) {
        const have = new Set(numbersIn(r.stdout, false));
        const missing = numbersIn(s.output, true).filter((x) => !have.has(x));
        assert.deepEqual(missing, [], `${where}: the docs show ${missing.join(", ")}, which the snippet did not print; it printed:\n${r.stdout}`);
      }
    });
  });
}
