// End-to-end test of the playground in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core; no browser download). Builds dist/playground if missing, serves it on 127.0.0.1, fits
// sleepstudy and checks the log-likelihood shown against lme4, the inline formula error, the plots
// and the downloads, a CSV from disk, the strains phylogenetic GLMM with its tree (bundled, and
// from files on disk), and cbpp's marginal means and contrasts against emmeans; saves a screenshot. Skips when Chromium is not installed.
//   node --test test/web/e2e.mjs
//   GLMM_SCREENSHOT=docs/img/playground.png  where to save the screenshot (default test/web/out/)
//   GLMM_E2E_INSTEVAL=1                       also fit InstEval and measure that the page stays responsive
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const webDir = join(root, "dist/playground");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const hasChromium = existsSync(CHROMIUM);
const LOGLIK_SLEEPSTUDY_REML = -871.814136; // lme4 1.1-31 (test/fixtures/reference/cases.json)
const LOGLIK_INSTEVAL_ML = -118860.8844;
const LOGLIK_PASTES_REML = -123.4953729;
const LOGLIK_STRAINS = -211.7977372; // lme4 1.1-31 with the tree's covariance (cases.json)
// emmeans 1.8.4-1 on lme4's cbpp fit, response scale (test/fixtures/reference/emmeans.R)
const EMM_CBPP = JSON.parse(readFileSync(join(root, "test/fixtures/reference/emmeans.json"), "utf8")).glmm.find((c) => c.name.startsWith("cbpp periods"));

const MIME = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".csv": "text/csv", ".svg": "image/svg+xml", ".json": "application/json" };

function serve(dir) {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = normalize(join(dir, path === "/" ? "index.html" : path));
    if (!file.startsWith(dir) || !existsSync(file) || statSync(file).isDirectory()) { res.writeHead(404).end("not found"); return; }
    res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

async function ensureBuilt() {
  if (existsSync(join(webDir, "index.html")) && !process.env.GLMM_REBUILD_WEB) return;
  const { build } = await import("vite");
  await build({ configFile: join(root, "vite.config.mjs"), logLevel: "warn" });
}

test("playground: fits sleepstudy in the worker and shows lme4's log-likelihood", { skip: !hasChromium && `no Chromium at ${CHROMIUM}`, timeout: 120_000 }, async (t) => {
  await ensureBuilt();
  const { chromium } = await import("playwright-core");
  const server = await serve(webDir);
  const url = `http://127.0.0.1:${server.address().port}/`;
  const userDataDir = join(root, "test/web/out/chromium-profile-" + process.pid);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const errors = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") errors.push(`console: ${m.text()}`); });
    // the page must not reach the network beyond its own server
    await page.route(/^(?!http:\/\/127\.0\.0\.1)/, (r) => { errors.push(`external request: ${r.request().url()}`); return r.abort(); });

    await page.goto(url);
    await page.waitForFunction(() => document.getElementById("data-info")?.textContent?.startsWith("sleepstudy.csv: 180 rows"), null, { timeout: 15_000 });

    await t.test("a formula parse error is shown inline at its position", async () => {
      await page.fill("#formula", "Reaction ~ Days + (Days | Subject");
      await page.waitForSelector("#formula-error:not([hidden])");
      const msg = await page.textContent("#formula-error");
      assert.match(msg, /position \d+/);
      assert.equal(await page.getAttribute("#formula", "aria-invalid"), "true");
      assert.ok(await page.$("#formula-error mark"), "the offending character is highlighted");
      await page.fill("#formula", "Reaction ~ Days + (Days | Subject)");
      await page.waitForSelector("#formula-error", { state: "hidden" });
    });

    await t.test("fit: logLik, summary, three plots and the downloads", async () => {
      await page.click("#fit");
      await page.waitForSelector("#loglik", { timeout: 30_000 });
      const shown = Number(await page.textContent("#loglik"));
      assert.ok(Math.abs(shown - LOGLIK_SLEEPSTUDY_REML) < 1e-3, `logLik shown ${shown}, lme4 ${LOGLIK_SLEEPSTUDY_REML}`);
      const summary = await page.textContent("#summary");
      assert.match(summary, /Linear mixed model fit by REML/);
      assert.match(summary, /REML criterion at convergence: 1743\.6/);
      assert.match(summary, /Subject\s+\(Intercept\)\s+612\.\d/);
      for (const name of ["caterpillar", "residuals", "qq"]) await page.waitForSelector(`#plot-${name} svg`, { timeout: 15_000 });
      // 18 subjects in each caterpillar panel; 180 points in the residual plot
      const texts = await page.$$eval("#plot-caterpillar svg text", (ts) => ts.map((t) => t.textContent));
      for (const s of ["308", "337", "372"]) assert.ok(texts.includes(s), `subject ${s} labelled`);
      // no factor in sleepstudy's fixed effects: the marginal means say why they are not offered
      assert.ok(await page.isHidden("#emm-box"));
      assert.match(await page.textContent("#emm-info"), /no factor in the fixed effects/);
      const downloads = await page.$$eval("#downloads button", (bs) => bs.map((b) => b.textContent));
      assert.deepEqual(downloads, ["fit.json", "fixef.csv", "varcorr.csv", "ranef.csv", "observations.csv"]);
      const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#downloads button:text('fit.json')")]);
      const json = JSON.parse(readFileSync(await dl.path(), "utf8"));
      assert.ok(Math.abs(json.logLik - LOGLIK_SLEEPSTUDY_REML) < 1e-4);
    });

    await t.test("a CSV chosen from disk is read in the page and fitted (pastes, nested)", async () => {
      const text = readFileSync(join(root, "test/fixtures/data/pastes.csv"));
      await page.setInputFiles("#file", { name: "my-pastes.csv", mimeType: "text/csv", buffer: text });
      await page.waitForFunction(() => document.getElementById("data-info")?.textContent?.startsWith("my-pastes.csv: 60 rows"), null, { timeout: 15_000 });
      await page.fill("#formula", "strength ~ 1 + (1 | batch/cask)");
      await page.click("#fit");
      await page.waitForFunction(() => document.getElementById("summary")?.textContent?.includes("my-pastes.csv"), null, { timeout: 30_000 });
      const shown = Number(await page.textContent("#loglik"));
      assert.ok(Math.abs(shown - LOGLIK_PASTES_REML) < 1e-3, `logLik shown ${shown}, lme4 ${LOGLIK_PASTES_REML}`);
      // a model error from the worker names the problem in the status line
      await page.fill("#formula", "strength ~ nosuch + (1 | batch)");
      await page.click("#fit");
      await page.waitForSelector("#status.error");
      assert.match(await page.textContent("#status-text"), /nosuch/);
    });

    await t.test("strains with its tree: the phylogenetic GLMM matches lme4 on Z·L", async () => {
      await page.selectOption("#dataset", { label: "strains (strains.csv)" });
      await page.waitForFunction(() => document.getElementById("data-info")?.textContent?.startsWith("strains.csv: 480 rows")
        && document.getElementById("cov-info")?.textContent?.includes("strains.nwk (tree, scaled to height 1) for the levels of 'strain'"), null, { timeout: 15_000 });
      await page.click("#fit");
      await page.waitForFunction(() => document.getElementById("summary")?.textContent?.includes("strains.csv"), null, { timeout: 30_000 });
      const shown = Number(await page.textContent("#loglik"));
      assert.ok(Math.abs(shown - LOGLIK_STRAINS) < 1e-3, `logLik shown ${shown}, lme4 ${LOGLIK_STRAINS}`);
      assert.match(await page.textContent("#summary"), /strain: levels correlated by the known covariance of strains\.nwk/);
      // the same from files chosen on disk: the data, then the tree and its grouping factor
      await page.setInputFiles("#file", { name: "my-strains.csv", mimeType: "text/csv", buffer: readFileSync(join(root, "test/fixtures/data/strains.csv")) });
      await page.waitForFunction(() => document.getElementById("data-info")?.textContent?.startsWith("my-strains.csv: 480 rows"), null, { timeout: 15_000 });
      assert.match(await page.textContent("#cov-info"), /^none/);
      await page.setInputFiles("#cov-file", { name: "my-tree.nwk", mimeType: "text/plain", buffer: readFileSync(join(root, "test/fixtures/data/strains.nwk")) });
      await page.waitForFunction(() => document.getElementById("cov-info")?.textContent?.includes("choose the grouping factor"), null, { timeout: 5_000 });
      await page.selectOption("#cov-group", "strain");
      await page.fill("#formula", "severe ~ gene + (1 | strain)");
      await page.selectOption("#family", "binomial");
      await page.click("#fit");
      await page.waitForFunction(() => document.getElementById("summary")?.textContent?.includes("my-tree.nwk"), null, { timeout: 30_000 });
      const again = Number(await page.textContent("#loglik"));
      assert.ok(Math.abs(again - LOGLIK_STRAINS) < 1e-3, `logLik shown ${again} from files on disk`);
    });

    await t.test("cbpp: marginal means of period on the response scale, and their contrasts, as emmeans", async () => {
      await page.selectOption("#dataset", { label: "cbpp (cbpp.csv)" });
      await page.waitForFunction(() => document.getElementById("data-info")?.textContent?.startsWith("cbpp.csv: 56 rows"), null, { timeout: 15_000 });
      await page.click("#fit");
      await page.waitForFunction(() => document.getElementById("summary")?.textContent?.includes("cbpp.csv"), null, { timeout: 30_000 });
      await page.waitForSelector("#emm-box:not([hidden])");
      assert.deepEqual(await page.$$eval("#emm-factor option", (os) => os.map((o) => o.value)), ["period"]);
      assert.equal(await page.inputValue("#emm-scale"), "response");
      await page.click("#emm-go");
      await page.waitForSelector("#plot-emmeans svg", { timeout: 15_000 });
      await page.waitForSelector("#plot-contrasts svg", { timeout: 15_000 });
      assert.match(await page.textContent("#emm-info"), /4 means of period on the response scale, asymptotic df; pairwise odds ratios, tukey adjustment/);
      const texts = await page.$$eval("#plot-emmeans svg text", (ts) => ts.map((t) => t.textContent));
      assert.ok(texts.some((x) => /back-transformed from the logit scale/.test(x)), "the means plot's title");
      const ctexts = await page.$$eval("#plot-contrasts svg text", (ts) => ts.map((t) => t.textContent));
      assert.equal(ctexts.filter((x) => /^period\d \/ period\d$/.test(x)).length, 6, "six pairwise odds ratios");
      // the numbers, from the downloaded table: within 2e-3 of emmeans on lme4's fit (the fits' difference)
      const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#emm-downloads button:text('emmeans.csv')")]);
      const rows = readFileSync(await dl.path(), "utf8").trim().split("\n").slice(1).map((l) => l.split(","));
      assert.equal(rows.length, 4);
      rows.forEach((r, i) => {
        const want = EMM_CBPP.means[i];
        assert.equal(r[0], want.levels.period);
        for (const [k, j] of [["estimate", 1], ["se", 2], ["lower", 4], ["upper", 5]]) {
          const got = Number(r[j]);
          assert.ok(Math.abs(got - want[k]) <= 2e-3 * Math.abs(want[k]), `period ${r[0]} ${k} ${got} vs emmeans ${want[k]}`);
        }
      });
      assert.deepEqual(await page.$$eval("#emm-downloads button", (bs) => bs.map((b) => b.textContent)), ["emmeans.csv", "contrasts.csv"]);
    });

    // back to sleepstudy for the screenshot
    await page.selectOption("#dataset", { label: "sleepstudy (sleepstudy.csv)" });
    await page.waitForFunction(() => document.getElementById("data-info")?.textContent?.startsWith("sleepstudy.csv"), null, { timeout: 15_000 });
    await page.click("#fit");
    await page.waitForFunction(() => document.getElementById("summary")?.textContent?.includes("sleepstudy.csv") && document.querySelector("#plot-qq svg"), null, { timeout: 30_000 });

    const shot = process.env.GLMM_SCREENSHOT ?? join(root, "test/web/out/playground.png");
    mkdirSync(dirname(shot), { recursive: true });
    await page.screenshot({ path: shot, fullPage: true });

    if (process.env.GLMM_E2E_INSTEVAL) {
      await t.test("InstEval: the page keeps painting while the worker fits 73 421 rows", { timeout: 600_000 }, async () => {
        await page.selectOption("#dataset", { label: "InstEval (insteval.csv)" });
        await page.waitForFunction(() => document.getElementById("data-info")?.textContent?.startsWith("insteval.csv: 73,421 rows"), null, { timeout: 30_000 });
        // frame gaps on the main thread: while the worker fits, and while the page draws the results
        await page.evaluate(() => {
          const w = window;
          w.__gaps = []; let last = performance.now();
          const loop = (t) => { w.__gaps.push([t, t - last]); last = t; if (!w.__stop) requestAnimationFrame(loop); };
          requestAnimationFrame(loop);
          new MutationObserver(() => { if (!w.__shown && document.getElementById("loglik")) w.__shown = performance.now(); }).observe(document.getElementById("stats"), { childList: true, subtree: true });
          w.__shown = 0;
        });
        const t0 = Date.now();
        await page.click("#fit");
        await page.waitForTimeout(3000);
        const during = await page.textContent("#status-text");
        await page.waitForFunction(() => Number(document.getElementById("loglik")?.textContent) < -100000, null, { timeout: 600_000 });
        await page.waitForSelector("#plot-qq canvas, #plot-qq svg", { timeout: 60_000 });
        await page.waitForTimeout(500);
        const seconds = (Date.now() - t0) / 1000;
        const { gaps, shown: tShown } = await page.evaluate(() => { window.__stop = true; return { gaps: window.__gaps, shown: window.__shown }; });
        const worst = (xs) => Math.max(0, ...xs.map(([, g]) => g));
        const fitting = gaps.slice(3).filter(([t]) => t < tShown), drawing = gaps.filter(([t]) => t >= tShown);
        const shown = Number(await page.textContent("#loglik"));
        console.log(`# InstEval: ${seconds.toFixed(1)} s to results; status 3 s in: "${during}"; longest frame gap while fitting ${worst(fitting).toFixed(0)} ms (${fitting.length} frames), while drawing results ${worst(drawing).toFixed(0)} ms`);
        assert.ok(worst(fitting) < 250, `the page froze for ${worst(fitting).toFixed(0)} ms while the worker fitted`);
        assert.ok(Math.abs(shown - LOGLIK_INSTEVAL_ML) < 0.01, `InstEval logLik ${shown}`);
        if (process.env.GLMM_SCREENSHOT_INSTEVAL) await page.screenshot({ path: process.env.GLMM_SCREENSHOT_INSTEVAL, fullPage: true });
      });
    }
    assert.deepEqual(errors, [], "no page errors, console errors or external requests");
  } finally {
    await context.close();
    server.close();
    const { rmSync } = await import("node:fs");
    rmSync(userDataDir, { recursive: true, force: true });
  }
});
