// Simulated prediction intervals (`glmm predict --interval ... --nsim`, issue 20): the cost of
// src/inference/predict-simulate.ts must be linear in nsim × rows, with no n × n (or n × nsim)
// matrix. Fits InstEval (y ~ 1 + service + (1 | s) + (1 | d), ML) once, then times conditional
// prediction intervals on the leading k rows for several k and nsim, and prints the time per
// row·simulation (flat when the cost is linear) and the process's peak memory.
//   node dist/bench/predict-sim.js
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDelimited } from "../src/data/csv.js";
import { fitModel } from "../src/inference/model.js";
import { predict } from "../src/inference/predict.js";
import { lpad, root } from "./cli.js";

export function benchPredictSim(): void {
  const text = readFileSync(join(root, "test", "fixtures", "data", "insteval.csv"), "utf8");
  const frame = parseDelimited(text, { source: "insteval.csv" });
  const t0 = performance.now();
  const m = fitModel(frame, "y ~ 1 + service + (1 | s) + (1 | d)", { reml: false });
  console.log(`\nsimulated prediction intervals (InstEval fitted in ${((performance.now() - t0) / 1000).toFixed(1)} s; conditional, --interval prediction)`);
  console.log(`${lpad("rows", 8)} ${lpad("nsim", 6)} ${lpad("seconds", 8)} ${lpad("ns/row·sim", 11)}`);
  const lines = text.split("\n");
  // warm-up (compilation), so the first line is not charged for it; each call still pays the
  // conditional variances of the random effects once, a cost independent of rows and nsim
  predict(m, { newdata: parseDelimited(lines.slice(0, 11).join("\n"), { source: "head" }), interval: "prediction", nsim: 2 });
  for (const [k, nsim] of [[2000, 500], [8000, 500], [32000, 500], [8000, 2000]]) {
    const nd = parseDelimited(lines.slice(0, k + 1).join("\n"), { source: "head" });
    const t = performance.now();
    predict(m, { newdata: nd, interval: "prediction", nsim, seed: 1 });
    const s = (performance.now() - t) / 1000;
    console.log(`${lpad(String(k), 8)} ${lpad(String(nsim), 6)} ${lpad(s.toFixed(2), 8)} ${lpad(((s / (k * nsim)) * 1e9).toFixed(0), 11)}`);
  }
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

if (process.argv[1]?.endsWith("predict-sim.js")) benchPredictSim();
