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

/** a local server of fixed files ({ path: [content type, body] }), on a free port */
async function serve(files) {
  const server = createServer((req, res) => {
    const f = files[new URL(req.url, "http://x").pathname];
    if (!f) { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": f[0] }).end(f[1]);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return server;
}

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
      const server = await serve(files);
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

// The README's ```js library snippets, the ones test/docs/snippets.test.ts runs in Node, run here in
// Chromium too: bundled for the browser as an app's bundler would, with node:fs standing in for the
// page's own files (the CSVs they read are handed to the page; what they write is kept in memory).
// Every number of the output block shown after a snippet must be among what the page logged.
test("README library snippets run in Chromium and print the numbers the README shows", { skip: !hasChromium && `no Chromium at ${CHROMIUM}`, timeout: 300_000 }, async () => {
  const { jsSnippets } = await import(join(root, "dist/test/docs/snippets.js"));
  const { numbersIn } = await import(join(root, "dist/test/docs/docs.js"));
  const snippets = jsSnippets(readFileSync(join(root, "README.md"), "utf8"));
  assert.ok(snippets.length >= 4, `${snippets.length} js snippets`);
  const { build } = await import("esbuild");
  const fsShim = {
    name: "browser-fs",
    setup(b) {
      b.onResolve({ filter: /^(node:)?fs$/ }, () => ({ path: "fs", namespace: "browser-fs" }));
      b.onLoad({ filter: /.*/, namespace: "browser-fs" }, () => ({
        loader: "js",
        contents: `export function readFileSync(p) { const f = String(p).split("/").pop(); const v = globalThis.__glmmFiles[f]; if (v === undefined) throw new Error("no file " + p + " in the page"); return v; }
export function writeFileSync(p, d) { globalThis.__glmmWritten[String(p)] = String(d); }`,
      }));
    },
  };
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    for (const s of snippets) {
      const where = `README.md:${s.line}`;
      const out = await build({
        stdin: { contents: `${s.code}\nglobalThis.__glmmDone = true;\n`, resolveDir: root, loader: "js" }, bundle: true, write: false, format: "esm",
        platform: "browser", target: "es2022", alias: { glmm: join(root, "dist/src/index.js") }, plugins: [fsShim], logLevel: "error",
      });
      const data = Object.fromEntries([...s.code.matchAll(/"([\w.-]+\.csv)"/g)].map((m) => [m[1], readFileSync(join(root, "test/fixtures/data", m[1]), "utf8")]));
      const boot = `globalThis.__glmmFiles = ${JSON.stringify(data).replace(/</g, "\\u003c")}; globalThis.__glmmWritten = {};`;
      const files = { "/": ["text/html", `<!doctype html><meta charset="utf-8"><body><script>${boot}</script><script type="module" src="/snippet.js"></script></body>`], "/snippet.js": ["text/javascript", out.outputFiles[0].text] };
      const server = await serve(files);
      try {
        const tab = await browser.newPage();
        const errors = [];
        const logged = [];
        tab.on("pageerror", (e) => errors.push(String(e)));
        tab.on("console", (m) => { if (m.type() === "log") logged.push(m.text()); });
        await tab.goto(`http://127.0.0.1:${server.address().port}/`);
        await tab.waitForFunction(() => globalThis.__glmmDone === true, null, { timeout: 120_000 }).catch(() => {});
        assert.deepEqual(errors, [], `${where}: page errors`);
        assert.equal(await tab.evaluate(() => globalThis.__glmmDone === true), true, `${where}: did not finish`);
        if (s.output !== null) {
          const have = new Set(numbersIn(logged.join("\n"), false));
          const missing = numbersIn(s.output, true).filter((x) => !have.has(x));
          assert.deepEqual(missing, [], `${where}: the README shows ${missing.join(", ")}, which the page did not log; it logged:\n${logged.join("\n")}`);
        }
        const svgs = await tab.evaluate(() => Object.values(globalThis.__glmmWritten).filter((t) => t.includes("<svg")).length);
        if (/writeFileSync\([^)]*\.svg/.test(s.code)) assert.ok(svgs >= 1, `${where}: no SVG written`);
        await tab.close();
      } finally {
        server.close();
      }
    }
  } finally {
    await browser.close();
  }
});
