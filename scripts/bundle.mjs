// Bundle the CLI into one CommonJS file. Node then loads one module instead of hundreds (the
// @stdlib special functions alone are ~100 small files, ~60 ms), and — with bin/ marked CommonJS —
// never starts its ESM loader for a command (another ~20 ms of every run). The worker threads of
// `glmm de` run the same file.
import { build } from "esbuild";

const entries = process.argv.slice(2);
await build({
  entryPoints: entries.length ? entries : { "glmm-cli": "dist/src/cli/main.js" },
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  outdir: "dist/bundle",
  outExtension: { ".js": ".cjs" },
  // the sources are ESM: give them an import.meta.url that points at the bundle itself
  banner: { js: "const __glmmImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { "import.meta.url": "__glmmImportMetaUrl" },
  logLevel: "warning",
  // vega is loaded lazily by `glmm plot` / `--plot`; keeping it out halves the bundle every command loads
  external: ["vega", "vega-lite", "h5wasm"],
});
