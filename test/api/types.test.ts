// The typed surface as a TypeScript user meets it: a consumer file that uses the API compiles, and
// one that misuses it (a misspelt family, a wrong argument type, an unknown option, a method that
// does not exist) fails with those errors. `glmm` resolves to this checkout (paths → dist/src).
// Also: every export of every entry point (the package root and all subpaths, members of exported
// classes included) has a doc comment.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const tmp = mkdtempSync(join(tmpdir(), "glmm-types-"));
after(() => rmSync(tmp, { recursive: true, force: true }));

const good = `import { fit, gee, type FitOptions } from "glmm";
import { parseFormula } from "glmm/formula";
const rows = [{ y: 1, x: 2, g: "a" }];
const opts: FitOptions = { family: "binomial", link: "logit", nAGQ: 5 };
const m = fit(rows, "y ~ x + (1 | g)", opts);
const t: string = m.summary().text;
const p: Float64Array = m.predict(rows, { level: "population", interval: "confidence" }).fit;
const g = gee({ y: [1], x: [2], id: ["a"] }, "y ~ x", { id: "id", corstr: "ar1" });
parseFormula("y ~ x");
console.log(t, p, g.fixef());
`;
const bad = `import { fit } from "glmm";
fit([{ y: 1 }], "y ~ 1", { family: "binomail" });
fit([{ y: 1 }], 42);
fit([{ y: 1 }], "y ~ 1", { nAGG: 5 });
fit([{ y: 1 }], "y ~ 1").predict(undefined, { interval: "credible" });
fit([{ y: 1 }], "y ~ 1").sumary();
`;

/** one tsc run over both files (one compiler start-up) */
function tsc(files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(tmp, name), text);
  const config = {
    compilerOptions: { strict: true, noEmit: true, module: "NodeNext", moduleResolution: "NodeNext", target: "ES2022", skipLibCheck: true, types: [], baseUrl: ".", paths: { glmm: [join(root, "dist/src/index.d.ts")], "glmm/*": [join(root, "dist/src/entry/*.d.ts")] } },
    files: Object.keys(files),
  };
  writeFileSync(join(tmp, "tsconfig.json"), JSON.stringify(config));
  const r = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.json"], { cwd: tmp, encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

test("types: a consumer file that uses the API compiles; one that misuses it fails at each misuse", () => {
  const r = tsc({ "good.ts": good, "bad.ts": bad });
  assert.notEqual(r.status, 0);
  assert.doesNotMatch(r.out, /good\.ts/, "the correct consumer has errors");
  assert.match(r.out, /bad\.ts\(2,.*'"binomail"' is not assignable to type 'FamilyName/);
  assert.match(r.out, /bad\.ts\(3,.*'number' is not assignable to parameter of type 'string'/);
  assert.match(r.out, /bad\.ts\(4,.*'nAGG' does not exist in type 'FitOptions'/);
  assert.match(r.out, /bad\.ts\(5,.*'"credible"' is not assignable/);
  assert.match(r.out, /bad\.ts\(6,.*Property 'sumary' does not exist on type 'Model'. Did you mean 'summary'/);
});

test("types: every export of every entry point is documented", async () => {
  const { apiReference } = await import(pathToFileURL(join(root, "scripts", "api-docs.mjs")).href);
  const { sections, missing } = apiReference() as { sections: { name: string; items: unknown[] }[]; missing: string[] };
  const expected = ["glmm", "glmm/plots", "glmm/formula", "glmm/data", "glmm/families", "glmm/linalg", "glmm/optim", "glmm/engine", "glmm/inference", "glmm/gee", "glmm/meta", "glmm/singlecell", "glmm/covariance"];
  const names = sections.map((s) => s.name);
  assert.deepEqual(expected.filter((n) => !names.includes(n)), [], "entry points the check no longer sees");
  assert.deepEqual(missing, [], "undocumented exports (add a doc comment)");
  assert.ok(sections.find((s) => s.name === "glmm")!.items.length >= 20);
});
