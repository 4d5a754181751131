// Phylogenetic terms at scale (issue 7): random coalescent trees of 1,000 to 50,000 tips, three rows
// per tip, `y ~ x + (1 | species)` with the tree's covariance, fitted by the real CLI (CSV + Newick →
// JSON). The sparse tree route against the dense-K route (the same K as a matrix file) where the
// dense one still finishes. Prints seconds, peak memory and the estimates against the truth.
//   node dist/bench/phylo.js [--tips 1000,5000] [--dense-max 1000]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lpad, runCliJson } from "./cli.js";
import { Rng } from "../src/inference/rng.js";


interface Sim { newick: string; csv: string; labels: string[]; K: (mix?: number) => string }

/**
 * A coalescent tree (height 1) with Brownian motion on it; per tip `per` rows with
 * y = 0.3 + 0.5 x + 0.8 a + N(0, 0.5²), a binary yb = Bernoulli(logit⁻¹(0.5 x + 0.8 a − 0.2)) and
 * an overdispersed count = Poisson(exp(0.2 + 0.5 x + 0.8 a + N(0, 0.3²))) with its row id `obs`.
 */
export function simulate(n: number, per: number, seed: number): Sim {
  const g = new Rng(seed);
  const r = () => g.random();
  const normal = () => g.normal();
  const parent = new Int32Array(2 * n - 1).fill(-1), height = new Float64Array(2 * n - 1);
  const live = Array.from({ length: n }, (_, i) => i);
  let h = 0, next = n;
  while (live.length > 1) {
    const k = live.length;
    h += -Math.log(r() || 1e-300) / ((k * (k - 1)) / 2);
    const i = Math.floor(r() * k);
    const a = live[i];
    live[i] = live[k - 1];
    live.pop();
    const j = Math.floor(r() * (k - 1));
    const b = live[j];
    parent[a] = next; parent[b] = next; height[next] = h;
    live[j] = next++;
  }
  const rootNode = next - 1, H = height[rootNode];
  // values down the tree (parents have larger indices) and the Newick text, built bottom-up
  const value = new Float64Array(next);
  for (let v = next - 2; v >= 0; v--) value[v] = value[parent[v]] + Math.sqrt((height[parent[v]] - height[v]) / H) * normal();
  const text: string[] = new Array(next);
  const kids: number[][] = Array.from({ length: next }, () => []);
  for (let v = 0; v < next - 1; v++) kids[parent[v]].push(v);
  const labels = Array.from({ length: n }, (_, i) => `sp${i}`);
  for (let v = 0; v < next; v++) {
    const body = v < n ? labels[v] : `(${kids[v].map((c) => text[c]).join(",")})`;
    for (const c of kids[v]) text[c] = "";
    text[v] = v === rootNode ? body : `${body}:${((height[parent[v]] - height[v]) / H).toPrecision(15)}`;
  }
  const rows = ["species,x,y,yb,count,obs"];
  for (let t = 0; t < n; t++)
    for (let k = 0; k < per; k++) {
      const x = normal();
      const eta = 0.5 * x + 0.8 * value[t];
      const count = g.poisson(Math.exp(0.2 + eta + 0.3 * normal()));
      rows.push(`${labels[t]},${x.toFixed(5)},${(0.3 + eta + 0.5 * normal()).toFixed(5)},${r() < 1 / (1 + Math.exp(-(eta - 0.2))) ? 1 : 0},${count},o${rows.length}`);
    }
  // the dense K of the same tree (for the matrix route): shared height above the most recent common ancestor
  // mix > 0: (1 − mix)·K + mix·I, a well-conditioned "relatedness" matrix (GLMMs hold it in precision form)
  const K = (mix = 0) => {
    const depth = new Float64Array(next);
    for (let v = next - 2; v >= 0; v--) depth[v] = depth[parent[v]] + (height[parent[v]] - height[v]) / H;
    const lines = ["," + labels.join(",")];
    const anc = new Int32Array(next);
    for (let i = 0; i < n; i++) {
      // mark i's ancestors with i + 1, then walk up from each j to the first marked node
      for (let v = i; v >= 0; v = parent[v]) anc[v] = i + 1;
      const row: string[] = [labels[i]];
      for (let j = 0; j < n; j++) {
        let v = j;
        while (anc[v] !== i + 1) v = parent[v];
        row.push(((1 - mix) * depth[v] + (i === j ? mix : 0)).toPrecision(12));
      }
      lines.push(row.join(","));
    }
    return lines.join("\n") + "\n";
  };
  return { newick: text[rootNode] + ";", csv: rows.join("\n") + "\n", labels, K };
}


export async function benchPhylo(options: { tips?: number[]; denseMax?: number } = {}): Promise<void> {
  const tipsList = options.tips ?? [1000, 5000, 20000, 50000];
  const denseMax = options.denseMax ?? 1000;
  const dir = mkdtempSync(join(tmpdir(), "glmm-phylo-"));
  console.log("\nPhylogenetic terms: coalescent trees, 3 rows per tip, y ~ x + (1 | species), whole process (CLI);");
  console.log("poisson: count ~ x + (1 | species) + (1 | obs), the observation-level effect in the tree's block");
  console.log("(truth: slope 0.5, tree SD 0.8; 'tree' = Newick, sparse precision; 'matrix' = the same K as a CSV, dense;");
  console.log(" 'rel' = (K + I)/2 as a CSV, a well-conditioned relatedness-like matrix: GLMMs hold it in precision form)");
  console.log(`${lpad("tips", 7)} ${lpad("family", 9)} ${lpad("route", 9)} ${lpad("s", 7)} ${lpad("RSS MB", 7)} ${lpad("slope", 7)} ${lpad("SD", 6)} ${lpad("logLik", 12)}`);
  try {
    for (const n of tipsList) {
      const sim = simulate(n, 3, 20251124 + n);
      const data = join(dir, `d${n}.csv`), tree = join(dir, `t${n}.nwk`), mat = join(dir, `K${n}.csv`);
      writeFileSync(data, sim.csv);
      writeFileSync(tree, sim.newick);
      const routes: [string, string][] = [["tree", `species=phylo:${tree}`]];
      if (n <= denseMax) {
        writeFileSync(mat, sim.K());
        routes.push(["matrix", `species=matrix:${mat}`]);
        const rel = join(dir, `R${n}.csv`);
        writeFileSync(rel, sim.K(0.5));
        routes.push(["rel", `species=matrix:${rel}`]);
      }
      for (const [family, resp, extra] of [["gaussian", "y", ""], ["binomial", "yb", ""], ["poisson", "count", " + (1 | obs)"]]) {
        for (const [route, spec] of routes) {
          if (extra && route !== "tree") continue;
          const o = runCliJson(["fit", "--data", data, "--formula", `${resp} ~ x + (1 | species)${extra}`, "--family", family, "--covariance", spec, "--format", "json", "--ddf", "none"]);
          const j = o.json;
          console.log(`${lpad(String(n), 7)} ${lpad(family, 9)} ${lpad(route + (extra ? "+obs" : ""), 9)} ${lpad(o.seconds.toFixed(2), 7)} ${lpad(o.rssMB ? o.rssMB.toFixed(0) : "-", 7)} ${o.ok ? `${lpad(j.fixef[1].estimate.toFixed(3), 7)} ${lpad(j.varcorr[0].sd.toFixed(3), 6)} ${lpad(j.logLik.toFixed(3), 12)}` : "ERROR " + o.err}`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const a = process.argv.slice(2);
  const at = (f: string) => (a.includes(f) ? a[a.indexOf(f) + 1] : undefined);
  await benchPhylo({ tips: at("--tips")?.split(",").map(Number), denseMax: at("--dense-max") ? Number(at("--dense-max")) : undefined });
}
