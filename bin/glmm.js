#!/usr/bin/env node
// Thin launcher (CommonJS, see bin/package.json) for the CLI bundle dist/bundle/glmm-cli.cjs, built by
// `npm install` (prepare → build). It compiles the bundle with the V8 code cache made at build time
// (scripts/code-cache.cjs) when there is one, and falls back to a plain require otherwise. The
// bundle is ASCII (scripts/bundle.mjs checks): read as latin1 it becomes a one-byte string directly.
// Code run by vm.Script from a cache has no import(), so the bundle gets this file's import() for the
// packages it loads lazily (vega, vega-lite, h5wasm).
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const Module = require("node:module");

const file = path.join(__dirname, "..", "dist", "bundle", "glmm-cli.cjs");
function load() {
  try {
    const cachedData = fs.readFileSync(file + ".cache");
    const script = new vm.Script(Module.wrap(fs.readFileSync(file, "latin1")), { filename: file, cachedData });
    const mod = { exports: {} };
    script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
    return mod.exports;
  } catch {
    return require(file);
  }
}
const importModule = (specifier) => import(specifier);
load().main(process.argv.slice(2), { importModule }).then((code) => { process.exitCode = code; });
