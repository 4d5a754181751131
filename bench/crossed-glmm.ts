// The Laplace GLMM on two large crossed factors (issue 22): binomial item responses, persons ×
// items (VerbAgg-like with thousands of items). Simulated with a fixed seed:
//   logit P(y = 1) = −0.3 + 0.4x + a_person (sd 0.8) + b_item (sd 1),  x ~ N(0, 1);
// each person answers a uniform(0.5, 1.5) × `perPerson` distinct items, the easy ones (low index)
// more often (index = items · U^1.5). Fitted through the CLI: the iterative route, and the exact
// one beside it where asked (the error columns compare the two).
//   node dist/bench/crossed-glmm.js [--only ID] [--direct]
//   node dist/bench/crossed-glmm.js --seeds 20   (the MC SE's honesty over probe seeds, on 2k × 500)
import { Rng } from "../src/inference/rng.js";
import { lpad, pad, runCliJson } from "./cli.js";
import { seedSpread, simulatedFile } from "./crossed.js";

export interface ResponseDesign { id: string; persons: number; items: number; perPerson: number; direct: boolean }

/** the design's rows as CSV lines (header first), streamed to `write` */
export function simulateResponses(d: ResponseDesign, write: (chunk: string) => void, seed = 20261206): number {
  const r = new Rng(seed);
  const b = Float64Array.from({ length: d.items }, () => r.normal());
  const seen = new Int32Array(d.items).fill(-1);
  write("y,x,person,item\n");
  let rows = 0;
  for (let p = 0; p < d.persons; p++) {
    const a = 0.8 * r.normal();
    const want = Math.min(d.items, Math.max(1, Math.round(d.perPerson * (0.5 + r.random()))));
    const lines: string[] = [];
    for (let got = 0; got < want; ) {
      const j = Math.min(d.items - 1, Math.floor(d.items * r.random() ** 1.5));
      if (seen[j] === p) continue;
      seen[j] = p;
      got++;
      const x = r.normal();
      const eta = -0.3 + 0.4 * x + a + b[j];
      lines.push(`${r.random() < 1 / (1 + Math.exp(-eta)) ? 1 : 0},${x.toFixed(4)},p${p},i${j}\n`);
    }
    rows += lines.length;
    write(lines.join(""));
  }
  return rows;
}

const SMALL: ResponseDesign = { id: "2k_x_500", persons: 2000, items: 500, perPerson: 40, direct: true };

export async function benchCrossedGLMM(options: { only?: string; direct?: boolean } = {}): Promise<void> {
  const designs: ResponseDesign[] = [
    SMALL,
    { id: "20k_x_2k", persons: 20_000, items: 2000, perPerson: 40, direct: options.direct ?? false },
  ].filter((d) => !options.only || d.id.includes(options.only));
  console.log("\nBinomial item responses, y ~ x + (1 | person) + (1 | item), Laplace (whole process)");
  console.log(`${pad("design", 10)} ${lpad("rows", 8)} ${pad("route", 10)} ${lpad("s", 8)} ${lpad("RSS MB", 7)} ${lpad("logLik", 14)} ${lpad("MC SE", 7)} ${lpad("ΔlogLik", 8)} ${lpad("Δvar %", 14)} ${lpad("Δβ/SE %", 11)}`);
  for (const d of designs) {
    const file = await simulatedFile(`responses_${d.id}.csv`, (write) => simulateResponses(d, write));
    const base = ["fit", "--data", file, "--formula", "y ~ x + (1 | person) + (1 | item)", "--family", "binomial", "--format", "json"];
    const it = runCliJson([...base, "--solver", "iterative"], 1 << 30);
    const ex = d.direct ? runCliJson([...base, "--solver", "direct"], 1 << 30) : null;
    for (const [route, g] of [["iterative", it], ["direct", ex]] as const) {
      if (!g) continue;
      if (!g.ok) { console.log(`${pad(d.id, 10)} ${lpad("", 8)} ${pad(route, 10)} ERROR ${g.err}`); continue; }
      const j = g.json;
      let dvar = "-", dll = "-", dbeta = "-";
      if (route === "iterative" && ex?.ok) {
        const e = ex.json;
        dll = (j.logLik - e.logLik).toFixed(4);
        dvar = j.varcorr.map((v: any, k: number) => (100 * (v.variance / e.varcorr[k].variance - 1)).toFixed(3)).join("/");
        dbeta = j.fixef.map((f: any, k: number) => (100 * Math.abs(f.estimate - e.fixef[k].estimate) / e.fixef[k].se).toFixed(3)).join("/");
      }
      console.log(`${pad(d.id, 10)} ${lpad(String(j.nobs), 8)} ${pad(route, 10)} ${lpad(g.seconds.toFixed(1), 8)} ${lpad(g.rssMB ? g.rssMB.toFixed(0) : "-", 7)} ${lpad(j.logLik.toFixed(4), 14)} ${lpad(j.logLikMCSE !== undefined ? j.logLikMCSE.toFixed(4) : "-", 7)} ${lpad(dll, 8)} ${lpad(dvar, 14)} ${lpad(dbeta, 11)}`);
    }
  }
}

if (process.argv[1]?.endsWith("crossed-glmm.js")) {
  const args = process.argv.slice(2);
  if (args.includes("--seeds")) {
    const file = await simulatedFile(`responses_${SMALL.id}.csv`, (write) => simulateResponses(SMALL, write));
    seedSpread(`binomial GLMM ${SMALL.id}, y ~ x + (1 | person) + (1 | item), Laplace`, ["fit", "--data", file, "--formula", "y ~ x + (1 | person) + (1 | item)", "--family", "binomial", "--format", "json"], Number(args[args.indexOf("--seeds") + 1]) || 20);
  } else await benchCrossedGLMM({ only: args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined, direct: args.includes("--direct") });
}
