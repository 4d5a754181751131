// Zero-inflation, hurdle, dispersion-formula and NB1 fits (issue 21): whole process (CSV → JSON)
// against glmmTMB 1.1.5's fit time (test/fixtures/reference/zi_disp.json; the fit alone, not R's
// start-up), median of three runs, with the logLik difference.
//   node dist/bench/zi.js [--only SUBSTRING]
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { lpad, pad, root, runCliJson } from "./cli.js";

interface RefModel { id: string; data: string; args: Record<string, string>; logLik: number; seconds: number }
const models: RefModel[] = JSON.parse(readFileSync(join(root, "test", "fixtures", "reference", "zi_disp.json"), "utf8")).models;
const argv = process.argv.slice(2);
const only = argv.includes("--only") ? argv[argv.indexOf("--only") + 1] : "";

console.log(`${pad("model", 18)} ${lpad("glmm s", 7)} ${lpad("glmmTMB s", 9)} ${lpad("ratio", 6)} ${lpad("ΔlogLik", 10)}  evals`);
for (const m of models) {
  if (only && !m.id.includes(only)) continue;
  const a = m.args;
  const args = ["fit", "--data", join(root, "test", "fixtures", "data", m.data), "--formula", a.formula, "--family", a.family, "--format", "json"];
  if (a.zi) args.push("--zi", a.zi);
  if (a.disp) args.push("--disp", a.disp);
  if (a.link) args.push("--link", a.link);
  if (m.data === "salamanders.csv") args.push("--ref", "spp=GP", "--ref", "mined=yes");
  const runs = [runCliJson(args), runCliJson(args), runCliJson(args)].sort((x, y) => x.seconds - y.seconds);
  const r = runs[1];
  if (!r.ok) { console.log(`${pad(m.id, 18)} ERROR ${r.err}`); continue; }
  const d = r.json.logLik - m.logLik;
  console.log(`${pad(m.id, 18)} ${lpad(r.seconds.toFixed(2), 7)} ${lpad(m.seconds.toFixed(2), 9)} ${lpad((r.seconds / m.seconds).toFixed(2), 6)} ${lpad(d.toExponential(1), 10)}  ${r.json.evaluations}`);
}
