// Bundle the CLI into one ESM file: Node then loads one module instead of hundreds (the @stdlib
// special functions alone are ~100 small files), which cuts ~60 ms from every command's start.
import { build } from "esbuild";

const banner = "import { createRequire as __glmmCreateRequire } from 'node:module'; const require = __glmmCreateRequire(import.meta.url);";
const entries = process.argv.slice(2);
await build({
  entryPoints: entries.length ? entries : { "glmm-cli": "dist/src/cli/main.js" },
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  outdir: "dist/bundle",
  outExtension: { ".js": ".mjs" },
  banner: { js: banner },
  logLevel: "warning",
  // vega is loaded lazily by `glmm plot` / `--plot`; keeping it out halves the bundle every command loads
  external: ["vega", "vega-lite"],
});
