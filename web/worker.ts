/// <reference lib="webworker" />
// The fitting worker: parses the data, fits the model with the library's `fit` (the same code as
// `glmm fit`), and prepares the summary, the plot specs and the download files, so the page never
// blocks, whatever the data size. Data stays in this worker; nothing is sent anywhere.
import { parseDelimited } from "../src/data/csv.js";
import type { Frame } from "../src/data/frame.js";
import { fit, type FitOptions } from "../src/fit.js";
import { knownCovarianceFromText } from "../src/covariance/spec.js";
import type { ProgressInfo } from "../src/lmm/lmm.js";
import { fitPlotSpecs, ranefRows } from "../src/report/plots/fitdata.js";
import { emmeansSpecs } from "../src/report/plots/emmeans.js";
import { emmeans, emmeansFactors } from "../src/inference/emmeans.js";
import { fromFitResult, type ModelFit } from "../src/inference/model.js";
import { fitResultSummary } from "../src/report/fit-summary.js";
import type { ColumnInfo, EmmeansOutput, EmmeansRequest, FitOutput, FitRequest, FromWorker, Stage, ToWorker } from "./protocol.js";
import { contrastsCsv, emmeansCsv, fixefCsv, observationsCsv, ranefCsv, varcorrCsv } from "./files.js";

declare const self: DedicatedWorkerGlobalScope;

let frame: Frame | null = null;
let dataName = "data";
/** the last mixed-model fit, for the marginal means asked for after it */
let lastModel: ModelFit | null = null;

const post = (m: FromWorker) => self.postMessage(m);

function describe(f: Frame): ColumnInfo[] {
  return f.names.map((name) => {
    const c = f.column(name);
    if (c.kind === "numeric") {
      let missing = 0;
      for (const v of c.values) if (Number.isNaN(v)) missing++;
      return { name, kind: "numeric", levels: null, missing };
    }
    const seen = new Set<string>();
    let missing = 0;
    for (const v of c.values) if (v === null) missing++; else seen.add(v);
    return { name, kind: "text", levels: seen.size, missing };
  });
}

async function load(id: number, source: ToWorker & { type: "load" }): Promise<void> {
  const s = source.source;
  post({ type: "progress", id, stage: "reading" });
  let text: string;
  if (s.kind === "url") {
    const r = await fetch(s.url);
    if (!r.ok) throw new Error(`cannot load ${s.name}: HTTP ${r.status}`);
    text = await r.text();
  } else text = s.text;
  frame = parseDelimited(text, { source: s.name });
  dataName = s.name;
  lastModel = null;
  post({ type: "loaded", id, name: s.name, nrow: frame.nrow, columns: describe(frame) });
}

function runFit(id: number, req: FitRequest): FitOutput {
  if (!frame) throw new Error("no data loaded");
  lastModel = null;
  const t0 = performance.now();
  const stage = (st: Stage) => post({ type: "progress", id, stage: st });
  stage("fitting");
  // the library reports every objective evaluation; forward at most one every 100 ms
  let last = 0;
  const onProgress = (info: ProgressInfo) => {
    const now = performance.now();
    if (now - last < 100) return;
    last = now;
    post({ type: "progress", id, stage: "fitting", optimizer: info.stage, evaluations: info.evaluations, objective: info.objective });
  };
  const c = req.covariance;
  const covariances = c ? [knownCovarianceFromText({ group: c.group, source: c.kind, scale: c.kind === "phylo" ? "height" : "none", path: c.name }, c.text, c.name)] : undefined;
  const options: FitOptions = { family: req.family, link: req.link || undefined, reml: req.reml, nAGQ: req.nAGQ, onProgress, covariances };
  const res = fit(frame, req.formula, options);
  stage("summarizing");
  const summary = fitResultSummary(res, req.formula, dataName);
  const dropped = res.model.dropped ? `\n(${res.model.dropped} of ${res.model.nobsTotal} rows removed for missing values)\n` : "";
  const plots = { ...fitPlotSpecs(res) };
  const files: Record<string, string> = {
    "fit.json": JSON.stringify(res.json, null, 1) + "\n",
    "fixef.csv": fixefCsv(res.json),
    "varcorr.csv": varcorrCsv(res.json),
    "ranef.csv": ranefCsv(ranefRows(res.json.ranef)),
    "observations.csv": observationsCsv(res),
  };
  // the same wrapper the CLI's emmeans uses (no refit); a model without random effects has none
  lastModel = res.fit.kind === "glm" ? null : fromFitResult(frame, req.formula, options, res);
  const emmFactors = lastModel ? emmeansFactors(lastModel) : [];
  return { json: res.json, summary: summary + dropped, plots, files, seconds: (performance.now() - t0) / 1000, emmFactors, nonIdentityLink: res.json.link !== "identity" };
}

/** emmeans(m, spec, type) with pairwise Tukey contrasts, as `glmm emmeans --specs SPEC` and `glmm plot --emmeans` */
function runEmmeans(req: EmmeansRequest): EmmeansOutput {
  if (!lastModel) throw new Error("fit a mixed model first");
  const r = emmeans(lastModel, { specs: [req.spec], type: req.type });
  const { emmeans: means, contrasts } = emmeansSpecs(r);
  const files: Record<string, string> = { "emmeans.csv": emmeansCsv(r), ...(r.contrasts.length ? { "contrasts.csv": contrastsCsv(r) } : {}) };
  const scale = r.link === "identity" ? "data" : r.type === "response" ? "response" : `${r.link} (link)`;
  const note = `${r.means.length} means of ${req.spec} on the ${scale} scale, ${r.dfMethod} df` +
    (r.contrasts.length ? `; pairwise ${r.contrastScale === "difference" ? "differences" : r.contrastScale === "ratio" ? "ratios" : "odds ratios"}, ${r.adjust} adjustment` : "");
  return { plots: { emmeans: means, ...(contrasts ? { contrasts } : {}) }, files, note, warnings: r.warnings };
}

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  try {
    if (m.type === "load") await load(m.id, m);
    else if (m.type === "emmeans") post({ type: "emmeans", id: m.id, output: runEmmeans(m.request) });
    else post({ type: "fitted", id: m.id, output: runFit(m.id, m.request) });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const pos = /^formula: .* at position (\d+)/.exec(message);
    post({ type: "error", id: m.id, message: message.split("\n")[0], formulaPosition: pos ? Number(pos[1]) - 1 : undefined });
  }
};
