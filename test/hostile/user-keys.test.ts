// Root cause: user strings (column names, --ref, --family, --level, --method) were used as keys of
// plain objects, so '__proto__', 'toString' or 'constructor' reached the prototype: --ref
// __proto__=x was ignored, --family toString was an internal error, a random slope on a column
// named 'levels' overwrote the level labels in the JSON. Now every user-keyed table is a Map or a
// null-prototype object, and option values are looked up as own properties only.
import assert from "node:assert/strict";
import { test } from "node:test";
import { assertRefused, glmm, scratch, setup, snapshot } from "./helpers.js";

const dir = scratch("keys");
const rows = ["y,levels,__proto__,constructor,toString"];
for (let i = 0; i < 48; i++) rows.push(`${(2 + 0.4 * (i % 5) + Math.sin(i) + (i % 3 === 0 ? 1 : 0)).toFixed(3)},${i % 5},${["a", "b", "c"][i % 3]},g${i % 6},h${i % 4}`);
setup(dir, { "keys.csv": rows.join("\n") + "\n" });

for (const [flag, value, message] of [
  ["--family", "toString", /unknown family 'toString'/],
  ["--family", "__proto__", /unknown family '__proto__'/],
  ["--family", "constructor", /unknown family 'constructor'/],
  ["--link", "toString", /unknown link 'toString'/],
  ["--link", "hasOwnProperty", /unknown link 'hasOwnProperty'/],
] as const) {
  test(`fit ${flag} ${value} is an unknown name, not an internal error`, () => {
    const before = snapshot(dir);
    assertRefused(glmm(dir, "fit", "--data", "keys.csv", "--formula", "y ~ levels + (1 | constructor)", flag, value), message, dir, before);
  });
}

for (const [cmd, flag, value, message] of [
  ["predict", "--level", "toString", /--level must be conditional, population or marginal, not 'toString'/],
  ["confint", "--method", "constructor", /--method must be profile, Wald or boot, not 'constructor'/],
] as const) {
  test(`${cmd} ${flag} ${value} is refused by name`, () => {
    const before = snapshot(dir);
    assertRefused(glmm(dir, cmd, "--data", "keys.csv", "--formula", "y ~ levels + (1 | constructor)", flag, value), message, dir, before);
  });
}

test("--ref __proto__=c relevels the column named __proto__ (back-quoted in the formula, as in R)", () => {
  const base = ["fit", "--data", "keys.csv", "--formula", "y ~ `__proto__` + (1 | constructor)", "--format", "json"];
  const plain = JSON.parse(glmm(dir, ...base).stdout), relev = glmm(dir, ...base, "--ref", "__proto__=c");
  assert.equal(relev.status, 0, relev.stderr);
  assert.deepEqual(plain.fixef.map((f: { term: string }) => f.term), ["(Intercept)", "`__proto__`b", "`__proto__`c"]);
  assert.deepEqual(JSON.parse(relev.stdout).fixef.map((f: { term: string }) => f.term), ["(Intercept)", "`__proto__`a", "`__proto__`b"]);
  const before = snapshot(dir);
  assertRefused(glmm(dir, ...base, "--ref", "__proto__=zz"), /--ref __proto__=zz: level 'zz' not found in column '__proto__'/, dir, before);
  assertRefused(glmm(dir, ...base, "--ref", "toString=a"), /--ref toString=a: level 'a' not found in column 'toString' \(levels: h0, h1, h2, h3\)/, dir, before);
  assertRefused(glmm(dir, ...base, "--ref", "hasOwnProperty=a"), /--ref hasOwnProperty=a: column 'hasOwnProperty' not found/, dir, before);
  assertRefused(glmm(dir, ...base, "--ref", "__proto__=a", "--ref", "__proto__=b"), /--ref is given twice for column '__proto__'/, dir, before);
});

test("a random slope on a column named 'levels' keeps the level labels in the JSON; groups named __proto__ are kept", () => {
  const r = glmm(dir, "fit", "--data", "keys.csv", "--formula", "y ~ levels + (levels | constructor) + (1 | toString)", "--format", "json");
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.ranef.constructor.levels, ["g0", "g1", "g2", "g3", "g4", "g5"]);
  assert.equal(j.ranef.constructor["`levels`"].length, 6);
  assert.deepEqual(Object.keys(j.groups).sort(), ["constructor", "toString"]);
  const p = glmm(dir, "fit", "--data", "keys.csv", "--formula", "y ~ levels + (1 | `__proto__`)", "--format", "json");
  assert.equal(p.status, 0, p.stderr);
  const pj = JSON.parse(p.stdout);
  // named as R deparses a non-syntactic name: back-quoted
  assert.ok(Object.hasOwn(pj.groups, "`__proto__`") && Object.hasOwn(pj.ranef, "`__proto__`"), p.stdout.slice(0, 300));
  assert.equal(pj.groups["`__proto__`"], 3);
});
