// Bundle the CLI into one CommonJS file. Node then loads one module instead of hundreds (the
// @stdlib special functions alone are ~100 small files, ~60 ms), and — with bin/ marked CommonJS —
// never starts its ESM loader for a command (another ~20 ms of every run). The worker threads of
// `glmm de` run the same file.
import { readFileSync } from "node:fs";
import { build } from "esbuild";

const entries = process.argv.slice(2);

// Node built-ins that a run seldom needs, loaded on first use instead of at start: commander's
// child_process (executable subcommands, which glmm has none of; it pulls in net and stream, ~7% of
// a run's start), crypto (temporary-file names, hashes), zlib (gzipped counts), os. Each becomes a
// module whose exported functions require the real one on their first call (its functions, as
// this Node has them, enumerated here; the bundle calls them, never reads their other exports).
const lazyBuiltins = {
  name: "lazy-builtins",
  setup(b) {
    b.onResolve({ filter: /^node:(child_process|crypto|zlib|os)$/ }, (a) =>
      a.namespace === "lazy-builtin" ? { path: a.path, external: true } : { path: a.path, namespace: "lazy-builtin" });
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, async (a) => {
      const real = await import(a.path);
      const names = Object.keys(real).filter((k) => k !== "default" && /^[A-Za-z_$][\w$]*$/.test(k) && typeof real[k] === "function");
      const lines = [`let m; const load = () => (m ??= require(${JSON.stringify(a.path)}));`];
      for (const k of names) lines.push(`export function ${k}(...a) { return new.target ? new (load().${k})(...a) : load().${k}(...a); }`);
      return { loader: "js", contents: lines.join("\n") };
    });
  },
};
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
  plugins: [lazyBuiltins],
  // No comments or indentation: a third smaller, and pure ASCII (non-ASCII in strings is escaped,
  // and the comments that carried the rest are gone), so bin/glmm.js reads it as latin1 into a
  // one-byte string instead of decoding UTF-8 into a two-byte one (~5% of a small fit's start).
  // Names are kept, so profiles and stack traces still name functions.
  minifyWhitespace: true,
  legalComments: "none",
  charset: "ascii",
});
// the launcher's latin1 read is only right for ASCII: check, rather than corrupt a character
for (const name of entries.length ? [] : ["dist/bundle/glmm-cli.cjs"]) {
  const bytes = readFileSync(name);
  const at = bytes.findIndex((b) => b > 0x7f);
  if (at >= 0) throw new Error(`${name}: non-ASCII byte at offset ${at}; bin/glmm.js reads the bundle as latin1`);
}
