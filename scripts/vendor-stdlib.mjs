// Replace the compiled dist/src/families/stdlib.js (re-exports from five @stdlib packages) by one
// ESM bundle of those functions: the installed package then needs none of @stdlib's ~170 packages.
// Browser-safe: the bundle holds only the JavaScript implementations.
import { build } from "esbuild";

const file = "dist/src/families/stdlib.js";
await build({
  entryPoints: [file],
  bundle: true,
  platform: "neutral",
  mainFields: ["main", "module"],
  format: "esm",
  target: "es2022",
  outfile: file,
  allowOverwrite: true,
  legalComments: "inline",
  minify: true,
  logLevel: "warning",
});
