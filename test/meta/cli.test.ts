// `glmm meta` and `glmm nma` run in-process (stdout captured): the contract's JSON, the text report,
// the SVG files, and one-line user errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { metaCommand, type MetaCommandOptions } from "../../src/cli/commands/meta.js";
import { nmaCommand, type NmaCommandOptions } from "../../src/cli/commands/nma.js";
import { UserError } from "../../src/errors.js";
import { assertWellFormed, cases, dataPath, near, refPath } from "./helpers.js";

async function capture(f: () => Promise<void>): Promise<string> {
  const write = process.stdout.write;
  let out = "";
  process.stdout.write = ((chunk: string) => { out += chunk; return true; }) as typeof process.stdout.write;
  try {
    await f();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

const bcg = (extra: Partial<MetaCommandOptions> = {}): MetaCommandOptions => ({
  data: dataPath("bcg.csv"), measure: "OR", model: "UM.FS", ai: "tpos", bi: "tneg", ci: "cpos", di: "cneg", level: "95", format: "json", ...extra,
});

test("glmm meta --format json: the contract's keys, the reference values, a forest plot", async () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-meta-"));
  try {
    const plot = join(dir, "forest.svg");
    const out = await capture(() => metaCommand(bcg({ slab: "author", plot })));
    assert.equal(out.trim().split("\n").length, 1);
    const j = JSON.parse(out);
    const ref = cases().find((c) => c.id === "meta_bcg_um_fs").reference;
    near(j.estimate, ref.beta, 0.005 * ref.se, "estimate");
    near(j.se, ref.se, 0.001 * ref.se, "se");
    near(j.tau2, ref.tau2, 0.005 * ref.tau2, "tau2");
    for (const k of ["logLik", "logLik_metafor", "ci_lb", "ci_ub", "or", "I2", "heterogeneity", "fixed_effect", "studies", "warnings"]) assert.ok(k in j, k);
    assert.equal(j.studies.length, 13);
    assert.equal(j.heterogeneity.wald.df, 12);
    const svg = readFileSync(plot, "utf8");
    assertWellFormed(svg);
    assert.match(svg, /Ferguson &amp; Simes/);
    assert.equal((svg.match(/<rect /g) ?? []).length, 1 + 13 + 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("glmm meta: events and totals, text output with the zero-event studies flagged", async () => {
  const out = await capture(() => metaCommand({ data: refPath("meta_nielweise2007.csv"), measure: "OR", model: "UM.FS", ai: "ai", n1i: "n1i", ci: "ci", n2i: "n2i", slab: "author", level: "95", format: "text" }));
  assert.match(out, /18 studies, 17 in the likelihood/);
  assert.match(out, /Yucel .* double zero: no information under UM.FS, not in the likelihood/);
  assert.match(out, /Bach †/);
  assert.match(out, /no continuity correction in the likelihood/);
  assert.match(out, /log OR\s+-1\.236\d/);
});

test("glmm meta: user errors", async () => {
  await assert.rejects(metaCommand(bcg({ measure: "RR" })), /--measure RR is not implemented/);
  await assert.rejects(metaCommand(bcg({ model: "CM.EL" })), /--model must be UM.FS or UM.RS/);
  await assert.rejects(metaCommand(bcg({ ai: undefined })), UserError);
  await assert.rejects(metaCommand(bcg({ nagq: "0" })), /--nagq must be an integer/);
  await assert.rejects(metaCommand(bcg({ level: "150" })), /--level/);
  await assert.rejects(metaCommand(bcg({ format: "xml" })), /--format/);
});

const nma = (extra: Partial<NmaCommandOptions> = {}): NmaCommandOptions => ({
  data: dataPath("hasselblad1998.csv"), study: "study", treatment: "trt", events: "xi", n: "ni", reference: "no_contact", smallValues: "bad", level: "95", format: "json", ...extra,
});

test("glmm nma --format json: the fit JSON plus the network meta-analysis; network graph and forest plot", async () => {
  const dir = mkdtempSync(join(tmpdir(), "glmm-nma-"));
  try {
    const plot = join(dir, "net.svg"), forest = join(dir, "forest.svg");
    const j = JSON.parse(await capture(() => nmaCommand(nma({ plot, forest }))));
    const ref = cases().find((c) => c.id === "nma_hasselblad_twoway").reference;
    const g = j.fixef.find((f: any) => f.term === "trtgrp_counseling");
    near(g.estimate, ref.fixef.trtgrp_counseling, 0.01 * ref.se.trtgrp_counseling, "grp_counseling");
    assert.equal(j.nma.reference, "no_contact");
    assert.equal(j.nma.comparisons.length, 6);
    assert.equal(j.nma.league.estimate.length, 4);
    assert.equal(j.nma.pscores[0].treatment, "grp_counseling");
    assert.equal(j.nma.direct.length, 6);
    const net = readFileSync(plot, "utf8");
    assertWellFormed(net);
    assert.equal((net.match(/<line /g) ?? []).length, 6);
    assertWellFormed(readFileSync(forest, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("glmm nma: text report and user errors", async () => {
  const out = await capture(() => nmaCommand(nma({ format: "text" })));
  assert.match(out, /League table: odds ratio of the ROW treatment versus the COLUMN treatment/);
  assert.match(out, /grp_counseling\s+0\.91\d\d\s+1\n/);
  assert.match(out, /ind_counseling vs no_contact\s+15/);
  await assert.rejects(nmaCommand(nma({ smallValues: "maybe" })), /--small-values must be good or bad/);
  await assert.rejects(nmaCommand(nma({ reference: "nothing" })), /reference treatment 'nothing'/);
});
