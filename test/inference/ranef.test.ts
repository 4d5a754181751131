// The random-effects table and the sd/cor ↔ θ maps.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fitModel } from "../../src/inference/model.js";
import { thetaToVarPar, varParInfo, varParToTheta } from "../../src/inference/params.js";
import { ranefCSV, ranefRows } from "../../src/inference/ranef.js";
import { data } from "./helpers.js";

test("ranef rows: every term, level and column with its conditional SD", () => {
  const m = fitModel(data("sleepstudy.csv"), "Reaction ~ Days + (Days | Subject)", {});
  const rows = ranefRows(m.fit);
  assert.equal(rows.length, 36);
  assert.deepEqual(rows[0], { grpvar: "Subject", term: "(Intercept)", grp: "308", condval: m.fit.ranef[0].values[0][0], condsd: m.fit.ranef[0].condsd![0][0] });
  // lme4: ranef(fm1)$Subject["308", ] = 2.258551, 9.198976; condsd 12.07086, 2.30743 (approx.)
  assert.ok(Math.abs(rows[0].condval - 2.258551) < 1e-3);
  assert.ok(Math.abs(rows[18].condval - 9.198976) < 1e-3);
  const csv = ranefCSV(rows).split("\n");
  assert.equal(csv[0], "grpvar,term,grp,condval,condsd");
  assert.equal(csv.length, 38);
  // (x || g) terms of the same factor are named Subject and Subject.1, as lme4
  const u = fitModel(data("sleepstudy.csv"), "Reaction ~ Days + (Days || Subject)", {});
  assert.deepEqual([...new Set(ranefRows(u.fit).map((r) => r.grpvar))], ["Subject", "Subject.1"]);
});

test("θ → (sd, cor, σ) → θ round trip", () => {
  const m = fitModel(data("sleepstudy.csv"), "Reaction ~ Days + (Days | Subject)", {});
  const f = m.fit.kind === "lmm" ? m.fit : null!;
  const info = varParInfo(f.terms, true);
  assert.deepEqual(info.map((p) => p.name), ["sd_(Intercept)|Subject", "cor_Days.(Intercept)|Subject", "sd_Days|Subject", "sigma"]);
  const v = thetaToVarPar(f.terms, info, f.theta, f.sigma);
  assert.ok(Math.abs(v[0] - f.varcorr[0].sd!) < 1e-9 && Math.abs(v[1] - f.varcorr[2].corr!) < 1e-9);
  const th = varParToTheta(f.terms, info, v, f.sigma)!;
  th.forEach((x, i) => assert.ok(Math.abs(x - f.theta[i]) < 1e-12));
  assert.equal(varParToTheta(f.terms, info, [10, 1.5, 3, 25], 25), null);
});
