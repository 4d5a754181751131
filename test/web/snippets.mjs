// The README's browser snippets (```html blocks) in headless Chromium: each page's module script is
// bundled for the browser with esbuild (`glmm` → this checkout's package root, vega and vega-lite
// from node_modules, as an app's bundler would), served with sleepstudy.json beside it, and must
// draw its plot (an <svg> in #plot) without a page error. Skips when Chromium is not installed.
//   node --test test/web/snippets.mjs      (after a build: dist/src)
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);

function htmlBlocks(text) {
  return [...text.matchAll(/^```html\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

test("README browser snippets draw their plots in Chromium", { skip: !hasChromium && `no Chromium at ${CHROMIUM}`, timeout: 180_000 }, async () => {
  const blocks = htmlBlocks(readFileSync(join(root, "README.md"), "utf8"));
  assert.ok(blocks.length >= 1, "the README has a browser snippet");
  const { build } = await import("esbuild");
  const { parseDelimited } = await import(join(root, "dist/src/index.js"));
  const frame = parseDelimited(readFileSync(join(root, "test/fixtures/data/sleepstudy.csv"), "utf8"));
  const rows = Array.from({ length: frame.nrow }, (_, i) => Object.fromEntries(frame.names.map((n) => [n, frame.column(n).values[i]])));
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    for (const [k, html] of blocks.entries()) {
      const script = /<script type="module">([\s\S]*?)<\/script>/.exec(html);
      assert.ok(script, `snippet ${k}: a <script type="module">`);
      const out = await build({
        stdin: { contents: script[1], resolveDir: root, loader: "js" }, bundle: true, write: false, format: "esm",
        platform: "browser", target: "es2022", alias: { glmm: join(root, "dist/src/index.js") }, logLevel: "error",
      });
      const page = html.replace(script[0], '<script type="module" src="/snippet.js"></script>');
      const files = { "/": ["text/html", `<!doctype html><meta charset="utf-8"><body>${page}</body>`], "/snippet.js": ["text/javascript", out.outputFiles[0].text], "/sleepstudy.json": ["application/json", JSON.stringify(rows)] };
      const server = createServer((req, res) => {
        const f = files[new URL(req.url, "http://x").pathname];
        if (!f) { res.writeHead(404).end(); return; }
        res.writeHead(200, { "content-type": f[0] }).end(f[1]);
      });
      await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
      try {
        const tab = await browser.newPage();
        const errors = [];
        tab.on("pageerror", (e) => errors.push(String(e)));
        await tab.goto(`http://127.0.0.1:${server.address().port}/`);
        await tab.waitForSelector("#plot svg", { timeout: 120_000 }).catch(() => {});
        assert.deepEqual(errors, [], `snippet ${k}: page errors`);
        const marks = await tab.evaluate(() => document.querySelectorAll("#plot svg path, #plot svg circle, #plot svg rect").length);
        assert.ok(marks > 10, `snippet ${k}: the plot has ${marks} marks`);
      } finally {
        server.close();
      }
    }
  } finally {
    await browser.close();
  }
});
