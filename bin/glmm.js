#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/bundle/glmm-cli.mjs by `npm install` (prepare → build).
import { main } from "../dist/bundle/glmm-cli.mjs";
main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
