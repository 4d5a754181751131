// `glmm predict`: predictions on the fitted rows or on new data (unseen levels get the
// population-level prediction): conditional, population-level or population-averaged, on the
// response or link scale; zero-inflated and hurdle models per component (predict-zi.ts). CSV (the
// new data's columns plus the prediction) or JSON.
import type { Command } from "commander";
import type { Frame } from "../../data/frame.js";
import { UserError } from "../../errors.js";
import { predict, type PredictLevel } from "../../inference/predict.js";
import type { ComponentType } from "../../inference/predict-zi.js";
import { readFrameFile } from "../io.js";
import { addModelFlags, checkFormat, csvField, emit, loadAndFit, modelWarnings, printWarnings, toJSON, type ModelFlags } from "./model-flags.js";

interface PredictFlags extends ModelFlags {
  newdata?: string;
  level: string;
  type: string;
  se: boolean;
  interval?: string;
  intervalLevel: string;
  intervalMethod?: string;
  nsim?: string;
  seed?: string;
  out?: string;
}

function cell(frame: Frame, name: string, row: number): string | number | null {
  const c = frame.column(name);
  const v = c.values[row];
  return typeof v === "number" ? (Number.isNaN(v) ? null : v) : v;
}

export async function predictCommand(o: PredictFlags): Promise<void> {
  checkFormat(o.format, ["csv", "json"]);
  const levels: Record<string, PredictLevel> = { conditional: "conditional", population: "population", marginal: "marginal" };
  const level = Object.hasOwn(levels, o.level) ? levels[o.level] : undefined;
  if (!level) throw new UserError(`--level must be conditional, population or marginal, not '${o.level}'`);
  const types: Record<string, ComponentType> = { response: "response", link: "link", conditional: "conditional", zprob: "zprob" };
  const type = Object.hasOwn(types, o.type) ? types[o.type] : undefined;
  if (!type) throw new UserError(`--type must be response, link, conditional or zprob, not '${o.type}'`);
  if (o.interval !== undefined && o.interval !== "confidence" && o.interval !== "prediction") throw new UserError(`--interval must be confidence or prediction, not '${o.interval}'`);
  const intervalLevel = Number(o.intervalLevel);
  if (!(intervalLevel > 0 && intervalLevel < 1)) throw new UserError(`--interval-level must be a number between 0 and 1, not '${o.intervalLevel}'`);
  const interval = o.interval as "confidence" | "prediction" | undefined;
  if (o.intervalMethod !== undefined && o.intervalMethod !== "backtransform" && o.intervalMethod !== "delta") throw new UserError(`--interval-method must be backtransform or delta, not '${o.intervalMethod}'`);
  const intervalMethod = o.intervalMethod as "backtransform" | "delta" | undefined;
  const nsim = o.nsim === undefined ? undefined : Number(o.nsim);
  if (nsim !== undefined && !(Number.isInteger(nsim) && nsim >= 2 && nsim <= 1e6)) throw new UserError(`--nsim must be an integer from 2 to 1000000, not '${o.nsim}'`);
  const seed = o.seed === undefined ? undefined : Number(o.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && o.seed!.trim() !== "")) throw new UserError(`--seed must be an integer, not '${o.seed}'`);
  if (seed !== undefined && nsim === undefined) throw new UserError("--seed goes with --nsim");
  if (interval === undefined && (nsim !== undefined || intervalMethod !== undefined)) throw new UserError(`${nsim !== undefined ? "--nsim" : "--interval-method"} goes with --interval confidence or prediction`);
  if (nsim !== undefined && intervalMethod === "delta") throw new UserError("--nsim gives percentile intervals; it does not combine with --interval-method delta");
  // options are checked before the fit, which may take a while
  const { frame, model: m } = loadAndFit(o, true);
  const newdata = o.newdata ? readFrameFile(o.newdata) : null;
  const res = predict(m, { newdata: newdata ?? undefined, level, type, interval, intervalLevel, intervalMethod, nsim, seed });
  const src = newdata ?? frame;
  const warnings = modelWarnings(m);
  for (const [g, l] of Object.entries(res.newLevels)) warnings.push(`levels of '${g}' not in the fitted data get the population-level prediction: ${l.slice(0, 10).join(", ")}${l.length > 10 ? ", ..." : ""}`);
  if (newdata && res.rows.length < newdata.nrow) warnings.push(`${newdata.nrow - res.rows.length} rows of the new data have missing values in a variable the model uses and get NA`);
  // one output row per source row (NA where no prediction)
  const full = new Float64Array(src.nrow).fill(NaN);
  const se = new Float64Array(src.nrow).fill(NaN);
  const seR = res.seResponse ? new Float64Array(src.nrow).fill(NaN) : null;
  const lower = new Float64Array(src.nrow).fill(NaN), upper = new Float64Array(src.nrow).fill(NaN);
  const seResp = res.intervalSdResponse ? new Float64Array(src.nrow).fill(NaN) : null;
  res.rows.forEach((r, i) => {
    full[r] = res.fit[i];
    se[r] = res.seLink[i];
    if (seR) seR[r] = res.seResponse![i];
    if (res.lower && res.upper) { lower[r] = res.lower[i]; upper[r] = res.upper[i]; }
    if (seResp) seResp[r] = res.intervalSdResponse![i];
  });
  const iv = interval !== undefined;
  const method = nsim !== undefined ? "simulation" : intervalMethod ?? "backtransform";
  printWarnings(warnings);
  if (o.format === "json") {
    emit(toJSON({ level, type: o.type, prediction: full, ...(o.se ? { se_link_population: se, ...(seR ? { se_population: seR } : {}) } : {}), ...(iv ? { interval, interval_level: intervalLevel, interval_method: method, ...(nsim !== undefined ? { nsim, seed: seed ?? 1 } : {}), lower, upper } : {}), ...(seResp ? { se_response: seResp } : {}), new_levels: res.newLevels, warnings }) + "\n", o.out);
    return;
  }
  const cols = src.names;
  const seCols = o.se ? (seR ? [se, seR] : [se]) : [];
  const header = [...cols, "prediction", ...(o.se ? ["se_link_population", ...(seR ? ["se_population"] : [])] : []), ...(iv ? ["lower", "upper"] : []), ...(seResp ? ["se_response"] : [])];
  const lines = [header.map(csvField).join(",")];
  for (let r = 0; r < src.nrow; r++) lines.push([...cols.map((c) => csvField(cell(src, c, r))), csvField(full[r]), ...seCols.map((v) => csvField(v[r])), ...(iv ? [csvField(lower[r]), csvField(upper[r])] : []), ...(seResp ? [csvField(seResp[r])] : [])].join(","));
  emit(lines.join("\n") + "\n", o.out);
}

export function registerPredict(p: Command): void {
  const cmd = p.command("predict").description("predictions: conditional, population-level or population-averaged, on new data, link or response scale");
  addModelFlags(cmd)
    .option("--newdata <file>", "CSV of rows to predict for (default: the fitted data)")
    .option("--level <level>", "conditional (with the random effects), population (random effects at 0) or marginal (averaged over them)", "conditional")
    .option("--type <type>", "response or link; zero-inflated and hurdle models (--zi, truncated_*) also conditional (the count part's mean) or zprob (the zero probability), as glmmTMB's", "response")
    .option("--se", "add the standard error of the population-level linear predictor (fixed effects' uncertainty; --type zprob: of the zero-inflation logit); zero-inflated and hurdle models also se_population, the population-level prediction's on its own scale (delta method, all parts' coefficients)")
    .option("--interval <kind>", "add lower/upper limits: confidence (fixed effects' uncertainty, plus the random effects' conditional variance for conditional predictions) or prediction (also the random-effect variance where the group is new or at population level; LMM: the residual variance; GLMM: the mean of the row's group, the response itself with --nsim)")
    .option("--interval-level <p>", "coverage of the intervals", "0.95")
    .option("--interval-method <m>", "response-scale limits of a GLMM: backtransform (link-scale limits through the inverse link, as emmeans type = \"response\") or delta (mean ± z·SE by the delta method, as emmeans regrid(); adds se_response)")
    .option("--nsim <n>", "limits as percentiles of n simulations instead (merTools predictInterval style: β, random effects and, for prediction, the new observation drawn)")
    .option("--seed <s>", "seed of the --nsim simulations (default 1)")
    .option("--out <file>", "write to a file instead of stdout")
    .option("--format <format>", "csv or json", "csv")
    .action(async (o) => { await predictCommand(o); });
}
