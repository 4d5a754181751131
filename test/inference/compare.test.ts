// Likelihood-ratio test of (Days || Subject) against (Days | Subject) on sleepstudy, against lme4's anova().
import { test } from "node:test";
import assert from "node:assert/strict";
import { Frame } from "../../src/data/frame.js";
import { compareModels } from "../../src/inference/compare.js";
import { fitModel } from "../../src/inference/model.js";
import { data, reference, relClose } from "./helpers.js";

const ref = reference().lrt_sleepstudy;

test("LRT and AIC/BIC table match lme4's anova (REML fits refitted by ML)", () => {
  const s = data("sleepstudy.csv");
  const models = ref.models.map((f: string) => fitModel(s, f, { reml: true }));
  const res = compareModels(models);
  assert.equal(res.refitted, true);
  assert.deepEqual(res.rows.map((r) => r.formula), ref.models);
  res.rows.forEach((r, i) => {
    assert.ok(relClose(r.logLik, ref.logLik[i], 1e-6), `logLik ${r.logLik}`);
    assert.ok(relClose(r.AIC, ref.AIC[i], 1e-6));
    assert.ok(relClose(r.BIC, ref.BIC[i], 1e-6));
  });
  const last = res.rows[1];
  assert.equal(last.df, ref.df);
  assert.ok(relClose(last.chisq!, ref.chisq, 0.01), `chisq ${last.chisq}`);
  assert.ok(relClose(last.p!, ref.p, 0.01), `p ${last.p}`);
  assert.equal(res.rows[0].chisq, null);
});

test("models are ordered by their number of parameters, whatever the order given", () => {
  const s = data("sleepstudy.csv");
  const models = [...ref.models].reverse().map((f: string) => fitModel(s, f, {}));
  const res = compareModels(models, { names: ["full", "reduced"] });
  assert.deepEqual(res.rows.map((r) => r.name), ["reduced", "full"]);
});

test("models on different rows or with different responses are refused", () => {
  const s = data("sleepstudy.csv");
  const rows: Record<string, unknown>[] = [];
  const r = s.column("Reaction").values as Float64Array, d = s.column("Days").values as Float64Array, g = s.column("Subject").values;
  for (let i = 0; i < s.nrow; i++) rows.push({ Reaction: r[i], Days: d[i], Subject: g[i], x: i === 0 ? null : i % 7 });
  const f = Frame.fromRecords(rows);
  const a = fitModel(f, "Reaction ~ Days + (1 | Subject)", {});
  const b = fitModel(f, "Reaction ~ Days + x + (1 | Subject)", {});
  assert.throws(() => compareModels([a, b]), /different numbers of rows/);
  const c = fitModel(f, "Days ~ 1 + (1 | Subject)", {});
  assert.throws(() => compareModels([a, c]), /different responses/);
  assert.throws(() => compareModels([a]), /at least two/);
});
