// Screenshot of the playground while the worker fits InstEval (spinner, evaluations, elapsed time),
// for docs/img. Usage: node test/web/screenshot-progress.mjs OUT.png (after npm run build:web).
import { createServer } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const dir = join(root, "dist/playground");
const MIME = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".csv": "text/csv" };
const server = createServer((req, res) => {
  const p = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const f = normalize(join(dir, p === "/" ? "index.html" : p));
  if (!f.startsWith(dir) || !existsSync(f) || statSync(f).isDirectory()) { res.writeHead(404).end(); return; }
  res.writeHead(200, { "content-type": MIME[extname(f)] ?? "application/octet-stream" }).end(readFileSync(f));
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 760 } });
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.selectOption("#dataset", { label: "InstEval (insteval.csv)" });
  await page.waitForFunction(() => document.getElementById("data-info")?.textContent?.startsWith("insteval.csv"), null, { timeout: 30_000 });
  await page.click("#fit");
  await page.waitForFunction(() => /evaluations/.test(document.getElementById("status-text")?.textContent ?? ""), null, { timeout: 60_000 });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: process.argv[2] ?? "playground-fitting.png" });
} finally {
  await browser.close();
  server.close();
}
