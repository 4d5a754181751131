// Shared helpers of the scenario gallery: where the data are, reading a CSV into a Frame, printing
// numbers, and two small things the library has no one-call function for (a GEE from a formula, a
// Wald test of a linear combination of GLMM coefficients).
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const examplesDir = dirname(fileURLToPath(import.meta.url));
export const rootDir = join(examplesDir, "..");
export const dataDir = join(examplesDir, "data");

if (!existsSync(join(rootDir, "dist", "src", "index.js"))) {
  console.error("glmm examples: dist/ is missing; run `npm install` (or `npm run build`) first");
  process.exit(1);
}

const glmm = await import("../dist/src/entry/engine.js");
const { parseDelimited, buildModel, groupingFactor, makeFamily, fitGEE, pchisqUpper } = glmm;

/** Path of a file under examples/data. */
export const dataPath = (name) => join(dataDir, name);

/** A CSV under examples/data as a Frame (the library's reader, as in the README). */
export function readData(name) {
  return parseDelimited(readFileSync(dataPath(name), "utf8"), { source: name });
}

/** The rows of a Frame as plain objects (numbers, strings, null for missing). */
export function records(frame) {
  const cols = frame.names.map((n) => frame.column(n));
  return Array.from({ length: frame.nrow }, (_, i) => Object.fromEntries(cols.map((c) => {
    const v = c.values[i];
    return [c.name, c.kind === "numeric" && Number.isNaN(v) ? null : v];
  })));
}

/** The generating values of a simulated data set (`NAME.truth.json`). */
export function readTruth(name) {
  return JSON.parse(readFileSync(dataPath(`${name}.truth.json`), "utf8"));
}

/** True when `url` (import.meta.url of a run.mjs) is the script node was started with. */
export function isMain(url) {
  return process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}

/** The output directory of an example (created): options.outDir, or the example's own out/. */
export function outDir(exampleUrl, options = {}) {
  const dir = options.outDir ?? join(dirname(fileURLToPath(exampleUrl)), "out");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A path as printed: relative to the working directory. */
export const shown = (path) => relative(process.cwd(), path) || ".";

/** A printer that stays silent when options.quiet. */
export function printer(options = {}) {
  return (...lines) => { if (!options.quiet) for (const l of lines) console.log(l); };
}

/** x with `d` significant digits (fixed notation for ordinary magnitudes). */
export function fmt(x, d = 4) {
  if (x === null || x === undefined || !Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(d - 1);
  return Number(x.toPrecision(d)).toString();
}

/** p-value for printing */
export const fmtP = (p) => (p < 1e-4 ? p.toExponential(1) : p.toFixed(4));

/** One fixed-effect row of a fit's JSON (the CONTRACT.md JSON that `glmm fit --format json` prints). */
export function coef(json, term) {
  const r = json.fixef.find((f) => f.term === term);
  if (!r) throw new Error(`no coefficient '${term}' (have ${json.fixef.map((f) => f.term).join(", ")})`);
  return r;
}

/** The SD of a random-effect term of a fit's JSON. */
export function sdOf(json, group, term = "(Intercept)") {
  const r = json.varcorr.find((v) => v.group === group && v.term1 === term && v.term2 === null);
  if (!r) throw new Error(`no variance component ${group}/${term}`);
  return r.sd;
}

/**
 * Wald z test of L·β for a fitted model (`fit.beta`, `fit.vcov`): the estimate, its SE, z and the
 * two-sided p. (`glmm fixef --contrast` does this for linear mixed models only.)
 */
export function waldContrast(fitted, L) {
  const p = fitted.beta.length;
  let est = 0, v = 0;
  for (let i = 0; i < p; i++) {
    est += L[i] * fitted.beta[i];
    for (let j = 0; j < p; j++) v += L[i] * L[j] * fitted.vcov[i + j * p];
  }
  const se = Math.sqrt(v);
  const z = est / se;
  return { estimate: est, se, z, p: pchisqUpper(z * z, 1) };
}

/**
 * GEE (geepack's geeglm) from a frame and a formula, as `glmm gee` does it: the model matrix from
 * the formula, the clusters from the `id` column, the working correlation `corstr`.
 */
export function gee(frame, formula, { id, family = "gaussian", link, corstr = "independence", stdErr = "san.se" }) {
  const model = buildModel(frame, formula);
  const cluster = groupingFactor(frame, id, model.rows).refs;
  const r = model.response;
  return fitGEE(
    { X: model.X, xnames: model.xnames, y: r.y, weights: r.trials ?? null, offset: model.offset, cluster },
    { family: makeFamily(family, link), corstr, stdErr },
  );
}
