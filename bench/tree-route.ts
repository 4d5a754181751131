// A tree as the first term (its own elimination along the tree, system.ts) against the general
// sparse engine (the tree's nodes as an ordinary rest term: AMD, supernodal factor; issue 16), in
// the same process and the same minute, alternating: seeded coalescent trees of 5,000–20,000 tips,
// three rows per tip, `y ~ x + (1 | species)` (ML) and the Poisson `count ~ x + (1 | species)`.
// Prints seconds per fit, per evaluation, the factor sizes and the ratio general / special.
//   node dist/bench/tree-route.js [--tips 5000,20000] [--reps 2]
import { fileURLToPath } from "node:url";
import { loadavg } from "node:os";
import { fit, type FitResult } from "../src/fit.js";
import { parseDelimited } from "../src/data/csv.js";
import { knownCovarianceFromText } from "../src/covariance/spec.js";
import { PLSSystem } from "../src/lmm/system.js";
import { lpad } from "./cli.js";
import { simulate } from "./phylo.js";

export function benchTreeRoute(options: { tips?: number[]; reps?: number } = {}): void {
  const tipsList = options.tips ?? [5000, 20000];
  const reps = options.reps ?? 2;
  console.log("\nTree route: the tree's first-term elimination ('special') against the general sparse engine ('general'),");
  console.log(`in-process, alternating, ${reps} fits each; coalescent trees, 3 rows per tip (load ${loadavg()[0].toFixed(2)})`);
  console.log(`${lpad("tips", 6)} ${lpad("family", 9)} ${lpad("route", 8)} ${lpad("s/fit", 7)} ${lpad("evals", 6)} ${lpad("ms/eval", 8)} ${lpad("L entries", 10)} ${lpad("logLik", 13)} ${lpad("general/special", 16)}`);
  for (const n of tipsList) {
    const sim = simulate(n, 3, 20251124 + n);
    const data = parseDelimited(sim.csv, { source: `tree${n}.csv` });
    const cov = knownCovarianceFromText({ group: "species", source: "phylo", scale: "height", path: "t.nwk" }, sim.newick, "t.nwk");
    for (const [family, formula] of [["gaussian", "y ~ x + (1 | species)"], ["poisson", "count ~ x + (1 | species)"]] as const) {
      const best: Record<string, { s: number; r: FitResult }> = {};
      for (let k = 0; k < reps; k++)
        for (const route of ["special", "general"]) {
          PLSSystem.treeFirst = route === "special";
          try {
            const t0 = performance.now();
            const r = fit(data, formula, { family, reml: false, covariances: [cov], ddf: "none" });
            const s = (performance.now() - t0) / 1000;
            if (!best[route] || s < best[route].s) best[route] = { s, r };
          } finally {
            PLSSystem.treeFirst = true;
          }
        }
      for (const route of ["special", "general"]) {
        const { s, r } = best[route];
        const ev = r.json.evaluations ?? 0;
        // the special path's factor: the tree (diagonal + one entry per node) plus its dense X/y part
        const entries = route === "general" ? r.json.solver?.factorEntries ?? 0 : 0;
        console.log(`${lpad(String(n), 6)} ${lpad(family, 9)} ${lpad(route, 8)} ${lpad(s.toFixed(2), 7)} ${lpad(String(ev), 6)} ${lpad(((1000 * s) / Math.max(1, ev)).toFixed(2), 8)} ${lpad(entries ? String(entries) : "-", 10)} ${lpad(r.json.logLik.toFixed(4), 13)} ${route === "general" ? lpad(`×${(s / best.special.s).toFixed(2)} (×${((s / Math.max(1, ev)) / (best.special.s / Math.max(1, best.special.r.json.evaluations ?? 1))).toFixed(2)}/eval)`, 16) : ""}`);
      }
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const a = process.argv.slice(2);
  const at = (f: string) => (a.includes(f) ? a[a.indexOf(f) + 1] : undefined);
  benchTreeRoute({ tips: at("--tips")?.split(",").map(Number), reps: at("--reps") ? Number(at("--reps")) : undefined });
}
