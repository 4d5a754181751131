// `glmm fixef`: fixed effects with tests — Satterthwaite df and p-values for LMMs (lmerTest), Wald z
// for GLMMs — and custom contrasts (a t test for one row, an F test for several). Zero-inflation and
// dispersion parts (--zi, --disp) get their own Wald z tables, as glmmTMB's summary (cond, zi, disp).
import type { Command } from "commander";
import { UserError } from "../../errors.js";
import { waldContrast, waldJoint } from "../../inference/wald.js";
import { Satterthwaite } from "../../inference/satterthwaite.js";
import { kenwardRoger, krContrast, krTest, parseDdfMethod } from "../../inference/kenward-roger.js";
import { displayName, fixed, fmt, formatColumn, formatP, formatTable, signifStars } from "../../report/table.js";
import { collect } from "../options.js";
import { addModelFlags, checkFormat, loadAndFit, modelWarnings, printWarnings, toJSON, type ModelFlags } from "./model-flags.js";

interface FixefFlags extends ModelFlags {
  contrast: string[];
  ddf: string;
}

function parseContrast(text: string, names: readonly string[]): Float64Array {
  const parts = text.split(/[\s,]+/).filter((s) => s !== "");
  if (parts.length !== names.length) throw new UserError(`--contrast '${text}' has ${parts.length} numbers; the model has ${names.length} coefficients (${names.join(", ")})`);
  return Float64Array.from(parts, (s) => {
    const v = Number(s);
    if (!Number.isFinite(v)) throw new UserError(`--contrast '${text}': '${s}' is not a number`);
    return v;
  });
}

export async function fixefCommand(o: FixefFlags): Promise<void> {
  checkFormat(o.format, ["text", "json"]);
  const { model: m } = loadAndFit(o, true);
  const f = m.fit;
  const warnings = modelWarnings(m);
  let rows: CoefRow[];
  let contrast: unknown = null;
  let contrastText = "";
  const ddf = parseDdfMethod(o.ddf);
  if (f.kind === "lmm" && ddf === "kenward-roger") {
    const kr = kenwardRoger(m.ms, f, m.weights);
    rows = f.xnames.map((term, j) => {
      const l = new Float64Array(f.p);
      l[j] = 1;
      const c = krContrast(kr, f.beta, l);
      return { term, estimate: c.estimate, se: c.se, df: c.df, statistic: c.t, p: c.p };
    });
    if (o.contrast.length === 1) {
      const c = krContrast(kr, f.beta, parseContrast(o.contrast[0], f.xnames));
      contrast = { L: o.contrast[0], ...c };
      contrastText = `\nContrast ${o.contrast[0]}: estimate ${fmt(c.estimate)}, SE ${fmt(c.se)}, t = ${fmt(c.t)} on ${fmt(c.df)} df, p = ${fmt(c.p)} (Kenward-Roger)\n`;
    } else if (o.contrast.length > 1) {
      const ft = krTest(kr, f.beta, o.contrast.map((c) => parseContrast(c, f.xnames)));
      contrast = { L: o.contrast, ...ft };
      contrastText = `\nF test of ${o.contrast.length} contrasts: F = ${fmt(ft.F)} on ${ft.numDf} and ${fmt(ft.denDf)} df, p = ${fmt(ft.p)} (Kenward-Roger, F scaled by ${fmt(ft.scaling)})\n`;
    }
  } else if (f.kind === "lmm") {
    const s = new Satterthwaite(m.ms, f);
    warnings.push(...s.warnings);
    rows = s.coefficients().map((r) => ({ term: r.term, estimate: r.estimate, se: r.se, df: r.df, statistic: r.t, p: r.p }));
    if (o.contrast.length === 1) {
      const c = s.contrast(parseContrast(o.contrast[0], f.xnames));
      contrast = { L: o.contrast[0], ...c };
      contrastText = `\nContrast ${o.contrast[0]}: estimate ${fmt(c.estimate)}, SE ${fmt(c.se)}, t = ${fmt(c.t)} on ${fmt(c.df)} df, p = ${fmt(c.p)}\n`;
    } else if (o.contrast.length > 1) {
      const ft = s.ftest(o.contrast.map((c) => parseContrast(c, f.xnames)));
      contrast = { L: o.contrast, ...ft };
      contrastText = `\nF test of ${o.contrast.length} contrasts: F = ${fmt(ft.F)} on ${ft.numDf} and ${fmt(ft.denDf)} df, p = ${fmt(ft.p)}\n`;
    }
  } else {
    rows = f.fixef.map((r) => ({ term: r.term, estimate: r.estimate, se: r.se, df: null, statistic: r.statistic, p: r.p }));
    if (o.contrast.length === 1) {
      const c = waldContrast(f.beta, f.vcov, parseContrast(o.contrast[0], f.xnames));
      contrast = { L: o.contrast[0], ...c };
      contrastText = `\nContrast ${o.contrast[0]}: estimate ${fmt(c.estimate)}, SE ${fmt(c.se)}, z = ${fmt(c.z)}, p = ${fmt(c.p)} (Wald)\n`;
    } else if (o.contrast.length > 1) {
      const w = waldJoint(f.beta, f.vcov, o.contrast.map((c) => parseContrast(c, f.xnames)));
      contrast = { L: o.contrast, ...w };
      contrastText = `\nWald test of ${o.contrast.length} contrasts: χ² = ${fmt(w.chisq)} on ${w.df} df, p = ${fmt(w.p)}\n`;
    }
  }
  printWarnings(warnings);
  // the zero-inflation (hurdle: zero) and dispersion models' coefficients, Wald z as the fit's
  const sides = f.kind === "glmm" ? ([["zi", f.zi], ["disp", f.disp]] as const).filter(([, s]) => s).map(([k, s]) => [k, s!.rows.map((r) => ({ ...r, df: null }))] as const) : [];
  if (o.format === "json") {
    process.stdout.write(toJSON({ method: f.kind === "lmm" ? (ddf === "kenward-roger" ? "Kenward-Roger" : "Satterthwaite") : "Wald z", fixef: rows, ...Object.fromEntries(sides), contrast, warnings }) + "\n");
    return;
  }
  const lmm = f.kind === "lmm";
  const head = lmm ? (ddf === "kenward-roger" ? "Fixed effects (t tests with Kenward-Roger's SEs and degrees of freedom, as lmerTest/pbkrtest):" : "Fixed effects (t tests with Satterthwaite's degrees of freedom, as lmerTest):") : "Fixed effects (Wald z tests):";
  // glmmTMB's layout: the conditional model's table, then the zero-inflation and dispersion models'
  const titled = sides.length === 0 ? [["", rows] as const] : [["Conditional model:", rows] as const, ...sides.map(([k, r]) => [k === "zi" ? "Zero-inflation model:" : "Dispersion model:", r] as const)];
  const tables = titled.map(([title, rs]) => (title ? `${title}\n` : "") + formatTable(coefTable(rs, lmm), { firstLeft: true }));
  process.stdout.write(`${head}\n${tables.join("\n\n")}\n---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n${contrastText}`);
}

type CoefRow = { term: string; estimate: number; se: number; df: number | null; statistic: number; p: number };

function coefTable(rows: readonly CoefRow[], lmm: boolean): string[][] {
  const table = [["", "Estimate", "Std. Error", ...(lmm ? ["df", "t value", "Pr(>|t|)"] : ["z value", "Pr(>|z|)"]), ""]];
  // as fit's summary: estimates and SEs decimal-aligned together, R's p-value format
  const both = formatColumn([...rows.map((r) => r.estimate), ...rows.map((r) => r.se)], 4);
  const df = rows.map((r) => fixed(r.df, 3)); // as lmerTest prints it
  rows.forEach((r, i) => table.push([displayName(r.term), both[i], both[rows.length + i], ...(lmm ? [df[i]] : []), fixed(r.statistic, 3), formatP(r.p), signifStars(r.p)]));
  return table;
}

export function registerFixef(p: Command): void {
  const cmd = p.command("fixef").description("fixed-effect tests: Satterthwaite df and p-values (LMM), Wald z (GLMM), contrasts");
  addModelFlags(cmd)
    .option("--ddf <method>", "LMM df: satterthwaite or kenward-roger (KR-adjusted SEs; REML fits)", "satterthwaite")
    .option("--contrast <numbers>", "contrast weights, one per coefficient, e.g. \"0,1,-1\" (repeat for an F test)", collect, [])
    .option("--format <format>", "text or json", "text")
    .action(async (o) => { await fixefCommand(o); });
}
