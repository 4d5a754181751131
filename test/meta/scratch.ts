import { rmaGLMM } from "../../src/meta/rma-glmm.js";
import { studiesFromFrame } from "../../src/meta/tables.js";
import { parseDelimited } from "../../src/data/csv.js";
import { readFileSync } from "node:fs";
const bcg = parseDelimited(readFileSync("test/fixtures/data/bcg.csv", "utf8"), { source: "bcg.csv" });
const nw = parseDelimited(readFileSync("test/fixtures/reference/meta_nielweise2007.csv", "utf8"), { source: "nw.csv" });
const s1 = studiesFromFrame(bcg, { ai: "tpos", bi: "tneg", ci: "cpos", di: "cneg", slab: "author" }).studies;
const s2 = studiesFromFrame(nw, { ai: "ai", n1i: "n1i", ci: "ci", n2i: "n2i", slab: "author" }).studies;
for (const [name, s] of [["bcg", s1], ["nw", s2]] as const) for (const model of ["UM.FS", "UM.RS"] as const) {
  const t0 = Date.now();
  const r = rmaGLMM(s, { model });
  const { studies, ...rest } = r;
  console.log(name, model, Date.now() - t0, "ms", JSON.stringify(rest));
}
