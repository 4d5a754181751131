// Models without random effects against R's lm(), glm() and MASS::glm.nb()
// (test/fixtures/reference/glm.R): estimates within 1e-5 of their SE, SEs within 1e-4, logLik within
// 1e-5, p-values within 0.2% (a far tail, p ~ 1e-112, moves that much for a 3e-5 change in z).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { readFrameFile } from "../../src/cli/io.js";
import { fit } from "../../src/fit.js";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "test", "fixtures");
const ref = JSON.parse(readFileSync(join(fixtures, "reference", "glm.json"), "utf8")) as Record<string, any>;
const link: Record<string, string> = { glm_sleep_gamma: "log" };

for (const [id, r] of Object.entries(ref)) {
  test(id, () => {
    const res = fit(readFrameFile(join(fixtures, "data", r.data)), r.formula, { family: r.family, link: link[id] });
    assert.equal(res.fit.kind, "glm");
    assert.ok(Math.abs(res.json.logLik - r.logLik) < 1e-5, `logLik ${res.json.logLik} vs ${r.logLik}`);
    for (const f of res.json.fixef) {
      const se = r.se[f.term];
      assert.ok(Math.abs(f.estimate - r.estimate[f.term]) < 1e-5 * se, `${f.term}: ${f.estimate} vs ${r.estimate[f.term]}`);
      assert.ok(Math.abs(f.se - se) < 1e-4 * se, `se ${f.term}: ${f.se} vs ${se}`);
      assert.ok(Math.abs((f.p as number) - r.p[f.term]) <= 2e-3 * r.p[f.term] + 1e-300, `p ${f.term}: ${f.p} vs ${r.p[f.term]}`);
    }
    if (typeof r.theta === "number") assert.ok(Math.abs((res.json.nb_size as number) - r.theta) < 1e-4 * r.theta, `size ${res.json.nb_size} vs ${r.theta}`);
  });
}
