// The playground page: data set choice or dropped CSV, formula with inline parse errors, family and
// method, a fit in the worker with progress, then the lme4-style summary, plots and downloads, and
// the estimated marginal means of a chosen factor with their contrasts (`glmm plot --emmeans`).
import { parseFormula } from "../src/formula/parse.js";
import { DATASETS } from "./datasets.js";
import { countRows, renderPlot, svgOf } from "./plots.js";
import type { PlotSpec } from "../src/report/plots/spec.js";
import type { ColumnInfo, DataSource, EmmeansOutput, FitOutput, FitRequest, FromWorker, ToWorker } from "./protocol.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const el = {
  dataset: $<HTMLSelectElement>("dataset"), about: $("dataset-about"), drop: $("drop"), file: $<HTMLInputElement>("file"),
  dataInfo: $("data-info"), columns: $("columns"), formula: $<HTMLTextAreaElement>("formula"), formulaError: $("formula-error"),
  family: $<HTMLSelectElement>("family"), link: $<HTMLSelectElement>("link"), method: $<HTMLSelectElement>("method"),
  nagq: $<HTMLInputElement>("nagq"), fit: $<HTMLButtonElement>("fit"), cancel: $<HTMLButtonElement>("cancel"),
  status: $("status"), statusText: $("status-text"), results: $("results"), stats: $("stats"), summary: $("summary"),
  plots: $("plots"), downloads: $("downloads"), placeholder: $("placeholder"),
  emmBox: $("emm-box"), emmFactor: $<HTMLSelectElement>("emm-factor"), emmScale: $<HTMLSelectElement>("emm-scale"), emmGo: $<HTMLButtonElement>("emm-go"),
  emmInfo: $("emm-info"), emmPlots: $("emm-plots"), emmDownloads: $("emm-downloads"),
  covBox: $<HTMLDetailsElement>("cov-box"), covGroup: $<HTMLSelectElement>("cov-group"), covFile: $<HTMLInputElement>("cov-file"), covInfo: $("cov-info"),
};

const LINKS: Record<string, string[]> = {
  gaussian: ["identity", "log", "inverse"], binomial: ["logit", "probit", "cloglog", "log"],
  poisson: ["log", "identity", "sqrt"], negative_binomial: ["log", "identity", "sqrt"], Gamma: ["inverse", "identity", "log"],
};

// ---- worker -----------------------------------------------------------------------------------
let worker: Worker;
let nextId = 1;
type Job = "load" | "fit" | "emmeans";
let pending: { id: number; kind: Job; started: number } | null = null;
let source: DataSource | null = null;
let dataReady = false;
let timer: number | undefined;
let progressNote = "";

function startWorker(): void {
  worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onWorker(e.data);
  worker.onerror = (e) => { finish(); status(`worker error: ${e.message}`, "error"); };
}

function send(m: ToWorker, kind: Job): void {
  pending = { id: m.id, kind, started: performance.now() };
  progressNote = "";
  busy(true);
  worker.postMessage(m);
}

function onWorker(m: FromWorker): void {
  if (!pending || m.id !== pending.id) return; // a cancelled request
  switch (m.type) {
    case "progress":
      progressNote = m.stage === "reading" ? "reading data" : m.stage === "summarizing" ? "preparing summary and plots"
        : pending.kind === "emmeans" ? "computing marginal means"
        : m.evaluations !== undefined ? `fitting (${m.optimizer ?? ""}): ${m.evaluations} evaluations, objective ${m.objective?.toFixed(4)}` : "fitting";
      tick();
      break;
    case "loaded":
      finish();
      dataReady = true;
      showData(m.name, m.nrow, m.columns);
      status(`loaded ${m.name}`);
      checkFormula();
      break;
    case "fitted":
      finish();
      void showResults(m.output);
      status(`fitted in ${m.output.seconds.toFixed(2)} s`, "ok");
      break;
    case "emmeans":
      finish();
      void showEmmeans(m.output);
      status("marginal means ready", "ok");
      break;
    case "error": {
      const wasLoad = pending.kind === "load";
      finish();
      if (wasLoad) { dataReady = false; el.dataInfo.textContent = "no data loaded"; el.columns.replaceChildren(); }
      if (m.formulaPosition !== undefined) showFormulaError(el.formula.value, m.formulaPosition, m.message.replace(/ at position \d+.*$/, ""));
      status(m.message, "error");
      break;
    }
  }
}

function busy(on: boolean): void {
  el.fit.disabled = on;
  el.cancel.hidden = !on;
  el.status.querySelector<HTMLElement>(".spinner")!.hidden = !on;
  el.status.className = on ? "busy" : "";
  window.clearInterval(timer);
  if (on) timer = window.setInterval(tick, 100);
}

function tick(): void {
  if (!pending) return;
  const s = ((performance.now() - pending.started) / 1000).toFixed(1);
  el.statusText.textContent = `${progressNote || (pending.kind === "load" ? "loading" : pending.kind === "emmeans" ? "computing marginal means" : "fitting")}… ${s} s`;
}

function finish(): void {
  pending = null;
  busy(false);
}

function status(text: string, kind: "" | "ok" | "error" = ""): void {
  el.statusText.textContent = text;
  el.status.className = kind;
}

// ---- data -------------------------------------------------------------------------------------
function loadSource(s: DataSource): void {
  source = s;
  dataReady = false;
  send({ type: "load", id: nextId++, source: s }, "load");
}

function showData(name: string, nrow: number, columns: ColumnInfo[]): void {
  el.dataInfo.textContent = `${name}: ${nrow.toLocaleString("en")} rows × ${columns.length} columns`;
  // any column may be the grouping factor of a known covariance
  const want = covWanted ?? el.covGroup.value;
  el.covGroup.replaceChildren(new Option("— none —", ""), ...columns.map((c) => new Option(c.name, c.name)));
  if (columns.some((c) => c.name === want)) el.covGroup.value = want;
  covWanted = null;
  showCovariance();
  el.columns.replaceChildren(...columns.map((c) => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `col ${c.kind}`;
    b.textContent = c.name;
    b.title = `${c.kind}${c.levels !== null ? `, ${c.levels} levels` : ""}${c.missing ? `, ${c.missing} missing` : ""} — click to insert`;
    b.onclick = () => insertAtCursor(/^[A-Za-z.][A-Za-z0-9._]*$/.test(c.name) ? c.name : `\`${c.name}\``);
    return b;
  }));
}

function insertAtCursor(text: string): void {
  const f = el.formula;
  const a = f.selectionStart ?? f.value.length, b = f.selectionEnd ?? a;
  f.value = f.value.slice(0, a) + text + f.value.slice(b);
  f.focus();
  f.setSelectionRange(a + text.length, a + text.length);
  checkFormula();
}

// ---- known covariance -------------------------------------------------------------------------
/** the tree or matrix file chosen (or bundled with the data set) and the group it is for */
let cov: { kind: "phylo" | "matrix"; name: string; text: string } | null = null;
let covWanted: string | null = null;
function setCovariance(c: typeof cov, group: string | null): void {
  cov = c;
  covWanted = group;
  if (group !== null && Array.from(el.covGroup.options).some((o) => o.value === group)) el.covGroup.value = group;
  if (c) el.covBox.open = true;
  showCovariance();
}
function showCovariance(): void {
  el.covInfo.textContent = !cov ? "none: the levels' effects are independent, as in lme4"
    : !el.covGroup.value ? `${cov.name} (${cov.kind === "phylo" ? "tree" : "matrix"}): choose the grouping factor it relates`
    : `${cov.name} (${cov.kind === "phylo" ? "tree, scaled to height 1" : "matrix"}) for the levels of '${el.covGroup.value}'`;
}
async function chooseCovarianceFile(file: File): Promise<void> {
  const kind = /\.(nwk|tre|tree|newick)$/i.test(file.name) ? "phylo" : "matrix";
  setCovariance({ kind, name: file.name, text: await file.text() }, null);
}
async function loadDatasetCovariance(d: (typeof DATASETS)[number]): Promise<void> {
  if (!d.covariance) { setCovariance(null, ""); return; }
  const r = await fetch(d.covariance.url);
  if (!r.ok) { status(`cannot load ${d.covariance.file}: HTTP ${r.status}`, "error"); return; }
  setCovariance({ kind: d.covariance.kind, name: d.covariance.file, text: await r.text() }, d.covariance.group);
}

function chooseDataset(i: number): void {
  const d = DATASETS[i];
  void loadDatasetCovariance(d);
  el.about.textContent = d.about;
  el.formula.value = d.formula;
  el.family.value = d.family;
  updateLinkAndMethod();
  el.method.value = d.reml === false ? "ML" : el.method.options[0].value;
  clearResults();
  loadSource({ kind: "url", url: d.url, name: d.file });
}

async function chooseFile(file: File): Promise<void> {
  el.dataset.value = "";
  el.about.textContent = `your file: ${file.name} (${(file.size / 1024).toFixed(0)} KB)`;
  setCovariance(null, "");
  clearResults();
  loadSource({ kind: "text", text: await file.text(), name: file.name });
}

// ---- model ------------------------------------------------------------------------------------
function updateLinkAndMethod(): void {
  const fam = el.family.value;
  const link = el.link.value;
  el.link.replaceChildren(...LINKS[fam].map((l, i) => new Option(l, i === 0 ? "" : l)));
  if (LINKS[fam].slice(1).includes(link)) el.link.value = link;
  updateMethod();
}

function updateMethod(): void {
  const lmm = el.family.value === "gaussian" && el.link.value === "";
  const prev = el.method.value;
  el.method.replaceChildren(...(lmm ? [new Option("REML", "REML"), new Option("ML", "ML")] : [new Option("Laplace", "Laplace"), new Option("adaptive Gauss–Hermite", "AGQ")]));
  if (Array.from(el.method.options).some((o) => o.value === prev)) el.method.value = prev;
  el.nagq.disabled = el.method.value !== "AGQ";
  if (el.method.value === "AGQ" && Number(el.nagq.value) < 2) el.nagq.value = "10";
}

/** Parse the formula as it is typed; a parse error is shown under it at its position. */
function checkFormula(): boolean {
  const text = el.formula.value;
  try {
    parseFormula(text);
    el.formulaError.hidden = true;
    el.formula.removeAttribute("aria-invalid");
    return true;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /^formula: (.*) at position (\d+)(.*)$/m.exec(msg);
    if (m) showFormulaError(text, Number(m[2]) - 1, m[1] + m[3]);
    else showFormulaError(text, -1, msg.split("\n")[0]);
    return false;
  }
}

function showFormulaError(text: string, pos: number, message: string): void {
  el.formula.setAttribute("aria-invalid", "true");
  const code = document.createElement("code");
  if (pos >= 0) {
    const at = document.createElement("mark");
    at.textContent = text.slice(pos, pos + 1) || " ";
    code.append(text.slice(0, pos), at, text.slice(pos + 1));
  } else code.textContent = text;
  const msg = document.createElement("div");
  msg.textContent = pos >= 0 ? `${message} (position ${pos + 1})` : message;
  el.formulaError.replaceChildren(code, msg);
  el.formulaError.hidden = false;
}

function request(): FitRequest {
  const agq = el.method.value === "AGQ";
  return {
    formula: el.formula.value, family: el.family.value, link: el.link.value || undefined,
    reml: el.method.value !== "ML", nAGQ: agq ? Math.max(1, Math.round(Number(el.nagq.value) || 1)) : 1,
    covariance: cov && el.covGroup.value ? { group: el.covGroup.value, ...cov } : undefined,
  };
}

function fitNow(): void {
  if (!dataReady || !source) { status("load a data set first", "error"); return; }
  if (!checkFormula()) { status("fix the formula first", "error"); return; }
  send({ type: "fit", id: nextId++, request: request() }, "fit");
}

function cancel(): void {
  const wasLoad = pending?.kind === "load";
  worker.terminate();
  finish();
  startWorker();
  status("cancelled");
  // the new worker has no fit: marginal means need a new one
  if (el.results.hidden === false) emmUnavailable("the fit was in the cancelled worker: fit again for marginal means");
  // the new worker needs the data again
  if (source) { const s = source; if (wasLoad) { dataReady = false; return; } loadSource(s); }
}

// ---- results ----------------------------------------------------------------------------------
const PLOT_TITLES: Record<string, string> = { caterpillar: "Random effects", residuals: "Residuals vs fitted", qq: "Normal QQ of random effects", emmeans: "Marginal means", contrasts: "Contrasts" };

function clearResults(): void {
  el.results.hidden = true;
  el.placeholder.hidden = false;
}

async function showResults(out: FitOutput): Promise<void> {
  const j = out.json;
  const stat = (label: string, value: string, id?: string) => {
    const d = document.createElement("div");
    d.className = "stat";
    const v = document.createElement("span");
    v.className = "value";
    v.textContent = value;
    if (id) v.id = id;
    const l = document.createElement("span");
    l.className = "label";
    l.textContent = label;
    d.append(v, l);
    return d;
  };
  el.stats.replaceChildren(
    stat("log-likelihood", j.logLik.toFixed(4), "loglik"), stat("AIC", j.AIC.toFixed(2)), stat("BIC", j.BIC.toFixed(2)),
    stat("observations", j.nobs.toLocaleString("en")), stat(`${j.family} · ${j.link}`, j.method), stat("seconds", out.seconds.toFixed(2)),
  );
  el.summary.textContent = out.summary;
  el.plots.replaceChildren();
  el.downloads.replaceChildren(...downloadButtons(out.files));
  el.results.hidden = false;
  el.placeholder.hidden = true;
  showEmmeansChoice(out);
  // one plot per task, so the page stays responsive while large plots are drawn
  for (const [name, spec] of Object.entries(out.plots)) {
    await new Promise((r) => setTimeout(r, 0));
    await addPlot(el.plots, name, spec);
  }
}

/** A figure with the plot and its SVG download button, appended to `parent`. */
async function addPlot(parent: HTMLElement, name: string, spec: PlotSpec): Promise<void> {
  const card = document.createElement("figure");
  card.className = "plot";
  card.id = `plot-${name}`;
  const box = document.createElement("div");
  const cap = document.createElement("figcaption");
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = `${name}.svg`;
  b.onclick = async () => download(`${name}.svg`, await svgOf(spec), "image/svg+xml");
  b.title = `download the ${PLOT_TITLES[name] ?? name} plot as SVG`;
  cap.append(b);
  card.append(cap, box);
  parent.append(card);
  try {
    await renderPlot(box, spec, countRows(spec));
  } catch (e) {
    box.textContent = `plot failed: ${e instanceof Error ? e.message : e}`;
  }
}

function downloadButtons(files: Record<string, string>): HTMLButtonElement[] {
  return Object.entries(files).map(([name, text]) => {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = name;
    b.onclick = () => download(name, text, name.endsWith(".json") ? "application/json" : "text/csv");
    return b;
  });
}

// ---- marginal means ---------------------------------------------------------------------------
function emmUnavailable(why: string): void {
  el.emmBox.hidden = true;
  el.emmInfo.textContent = why;
  el.emmPlots.replaceChildren();
  el.emmDownloads.replaceChildren();
}

/** After a fit: the factors of its fixed effects to choose from, and the scale when the link is not the identity. */
function showEmmeansChoice(out: FitOutput): void {
  el.emmPlots.replaceChildren();
  el.emmDownloads.replaceChildren();
  if (!out.emmFactors.length) {
    emmUnavailable(out.json.varcorr.length === 0
      ? "marginal means need a mixed model (a random-effect term)"
      : "no factor in the fixed effects: marginal means are for a factor such as factor(period)");
    return;
  }
  el.emmBox.hidden = false;
  el.emmFactor.replaceChildren(...out.emmFactors.map((f) => new Option(f, f)));
  el.emmScale.value = "response";
  el.emmScale.disabled = !out.nonIdentityLink;
  el.emmInfo.textContent = "estimated marginal means of a factor, averaged over the others with equal weights, and their Tukey-adjusted pairwise contrasts (as R's emmeans)";
}

function emmeansNow(): void {
  if (pending) return;
  const type = el.emmScale.disabled ? "link" : (el.emmScale.value as "link" | "response");
  send({ type: "emmeans", id: nextId++, request: { spec: el.emmFactor.value, type } }, "emmeans");
}

async function showEmmeans(out: EmmeansOutput): Promise<void> {
  el.emmInfo.textContent = out.note + (out.warnings.length ? ` (${out.warnings.join("; ")})` : "");
  el.emmPlots.replaceChildren();
  el.emmDownloads.replaceChildren(...downloadButtons(out.files));
  for (const [name, spec] of Object.entries(out.plots)) await addPlot(el.emmPlots, name, spec);
}

function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// ---- wiring -----------------------------------------------------------------------------------
el.dataset.replaceChildren(new Option("— your own file —", ""), ...DATASETS.map((d, i) => new Option(`${d.name} (${d.file})`, String(i))));
el.dataset.onchange = () => { if (el.dataset.value !== "") chooseDataset(Number(el.dataset.value)); };
el.family.onchange = updateLinkAndMethod;
el.link.onchange = updateMethod;
el.method.onchange = updateMethod;
el.formula.oninput = checkFormula;
el.formula.onkeydown = (e) => { if (e.key === "Enter") { e.preventDefault(); fitNow(); } };
el.fit.onclick = fitNow;
el.emmGo.onclick = emmeansNow;
el.cancel.onclick = cancel;
el.drop.onclick = () => el.file.click();
el.drop.onkeydown = (e) => { if (e.key === "Enter" || e.key === " ") el.file.click(); };
el.file.onchange = () => { const f = el.file.files?.[0]; if (f) void chooseFile(f); };
el.covFile.onchange = () => { const f = el.covFile.files?.[0]; if (f) void chooseCovarianceFile(f); };
el.covGroup.onchange = showCovariance;
for (const t of ["dragenter", "dragover"]) el.drop.addEventListener(t, (e) => { e.preventDefault(); el.drop.classList.add("over"); });
for (const t of ["dragleave", "drop"]) el.drop.addEventListener(t, () => el.drop.classList.remove("over"));
el.drop.addEventListener("drop", (e) => { e.preventDefault(); const f = (e as DragEvent).dataTransfer?.files[0]; if (f) void chooseFile(f); });
// a file dropped anywhere else must not navigate away from the page
window.addEventListener("dragover", (e) => e.preventDefault());
window.addEventListener("drop", (e) => e.preventDefault());

startWorker();
el.dataset.value = "0";
chooseDataset(0);
