// Zero-inflation, hurdle, dispersion-formula and NB1 fits (issue 21): whole process (CSV → JSON)
// against glmmTMB 1.1.5's fit time (test/fixtures/reference/zi_disp.json, beta_disp.json, zi_fixed.json and, random
// effects in the zero-inflation formula, zi_re.json; the fit alone, not R's start-up), median of three runs, with
// the logLik difference. Wall time and the process's CPU time (user + system): on a loaded machine
// the CPU ratio is the steadier one.
//   node dist/bench/zi.js [--only SUBSTRING]
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { lpad, pad, root, runCliJson } from "./cli.js";

interface RefModel { id: string; data: string; args: Record<string, string>; logLik: number; seconds: number }
const ref = (file: string): RefModel[] => JSON.parse(readFileSync(join(root, "test", "fixtures", "reference", file), "utf8")).models;
const models = [...ref("zi_disp.json"), ...ref("beta_disp.json"), ...ref("zi_fixed.json")];
// (zi_re.json repeats one zi_disp model; its ids are prefixed "re/")
for (const m of ref("zi_re.json")) if (!models.some((o) => JSON.stringify(o.args) === JSON.stringify(m.args) && o.data === m.data)) models.push({ ...m, id: `re/${m.id}` });
const argv = process.argv.slice(2);
const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : "";

console.log(`load average ${loadavg().map((v) => v.toFixed(1)).join(" ")}`);
console.log(`${pad("model", 20)} ${lpad("glmm s", 7)} ${lpad("cpu s", 6)} ${lpad("glmmTMB s", 9)} ${lpad("ratio", 6)} ${lpad("cpu", 5)} ${lpad("ΔlogLik", 10)}  evals`);
for (const m of models) {
  if (only && !m.id.includes(only)) continue;
  const a = m.args;
  const args = ["fit", "--data", join(root, "test", "fixtures", "data", m.data), "--formula", a.formula, "--family", a.family, "--format", "json"];
  if (a.zi) args.push("--zi", a.zi);
  if (a.disp) args.push("--disp", a.disp);
  if (a.link) args.push("--link", a.link);
  if (m.data === "salamanders.csv") args.push("--ref", "spp=GP", "--ref", "mined=yes");
  const runs = [runCliJson(args), runCliJson(args), runCliJson(args)];
  const r = [...runs].sort((x, y) => x.seconds - y.seconds)[1];
  if (!r.ok) { console.log(`${pad(m.id, 20)} ERROR ${r.err}`); continue; }
  const cpu = runs.map((x) => x.cpuSeconds ?? NaN).sort((x, y) => x - y)[1];
  const d = r.json.logLik - m.logLik;
  console.log(`${pad(m.id, 20)} ${lpad(r.seconds.toFixed(2), 7)} ${lpad(cpu.toFixed(2), 6)} ${lpad(m.seconds.toFixed(2), 9)} ${lpad((r.seconds / m.seconds).toFixed(2), 6)} ${lpad((cpu / m.seconds).toFixed(2), 5)} ${lpad(d.toExponential(1), 10)}  ${r.json.evaluations}`);
}
