// The API reference (docs/api.md) from the doc comments of every entry point in package.json's
// `exports`, read with the TypeScript compiler API; `--check` lists exported symbols (and public
// members of exported classes) without a doc comment and fails when there is any.
// Also used by test/docs/api.test.ts through apiReference().
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** entry name ("glmm", "glmm/plots") → its TypeScript source */
export function entryPoints() {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const out = [];
  for (const [key, v] of Object.entries(pkg.exports)) {
    if (typeof v !== "object" || !v.types) continue;
    const src = v.types.replace(/^\.\/dist\//, "").replace(/\.d\.ts$/, ".ts");
    out.push({ name: key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`, file: join(root, src) });
  }
  return out;
}

function docOf(sym, checker) {
  return ts.displayPartsToString(sym.getDocumentationComment(checker)).trim();
}

function kindOf(decl) {
  if (!decl) return "value";
  if (ts.isFunctionDeclaration(decl)) return "function";
  if (ts.isClassDeclaration(decl)) return "class";
  if (ts.isInterfaceDeclaration(decl)) return "interface";
  if (ts.isTypeAliasDeclaration(decl)) return "type";
  if (ts.isVariableDeclaration(decl)) return "const";
  if (ts.isModuleDeclaration(decl) || ts.isSourceFile(decl)) return "namespace";
  return "value";
}

/** Every entry's exports with kind, signature and doc text; `missing` lists the undocumented ones. */
export function apiReference() {
  const entries = entryPoints();
  const program = ts.createProgram(entries.map((e) => e.file), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const missing = [];
  const sections = entries.map(({ name, file }) => {
    const sf = program.getSourceFile(file);
    const modSym = checker.getSymbolAtLocation(sf);
    const moduleDoc = (() => {
      const first = sf.statements.find(() => true);
      const tags = first ? ts.getJSDocCommentsAndTags(first) : [];
      const pd = tags.find((t) => ts.isJSDoc(t) && t.tags?.some((g) => g.tagName.text === "packageDocumentation"));
      return pd ? ts.getTextOfJSDocComment(pd.comment) ?? "" : "";
    })();
    if (!moduleDoc) missing.push(`${name}: the module has no @packageDocumentation comment`);
    const items = [];
    for (const exp of checker.getExportsOfModule(modSym).sort((a, b) => a.name.localeCompare(b.name))) {
      const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
      const decl = sym.declarations?.[0];
      const kind = kindOf(decl);
      // a namespace re-export (`export * as plots`) carries its doc on the export itself
      const nsExport = exp !== sym && kind === "namespace" ? exp.declarations?.[0]?.parent : undefined;
      const doc = docOf(sym, checker) || (nsExport ? ts.getTextOfJSDocComment(ts.getJSDocCommentsAndTags(nsExport)[0]?.comment) ?? "" : "");
      if (!doc) missing.push(`${name}: ${exp.name}`);
      if (!doc && process.env.API_DOCS_WHERE && decl) { const sfd = decl.getSourceFile(); process.stderr.write(`WHERE ${name} ${exp.name} ${sfd.fileName.replace(root + "/", "")}:${sfd.getLineAndCharacterOfPosition(decl.getStart()).line + 1}\n`); }
      let signature = "";
      if (kind === "function") {
        const type = checker.getTypeOfSymbolAtLocation(sym, decl);
        signature = type.getCallSignatures().map((s) => `${exp.name}${checker.signatureToString(s)}`).join("\n");
      }
      const members = [];
      if (kind === "class" || (kind === "interface" && name !== "glmm/engine")) {
        const type = checker.getDeclaredTypeOfSymbol(sym);
        for (const p of checker.getPropertiesOfType(type)) {
          const d = p.declarations?.[0];
          if (!d || (ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) || p.name.startsWith("#")) continue;
          // members inherited from the standard library (Error's message, stack, ...) are documented there
          if (program.isSourceFileDefaultLibrary(d.getSourceFile()) || d.getSourceFile().fileName.includes("/node_modules/")) continue;
          const mdoc = docOf(p, checker);
          if (!mdoc && kind === "class") missing.push(`${name}: ${exp.name}.${p.name}`);
          const t = checker.getTypeOfSymbolAtLocation(p, d);
          const sigs = t.getCallSignatures();
          members.push({ name: p.name, doc: mdoc, signature: sigs.length ? sigs.map((s) => `${p.name}${checker.signatureToString(s)}`).join("\n") : `${p.name}: ${checker.typeToString(t)}` });
        }
      }
      items.push({ name: exp.name, kind, doc, signature, members });
    }
    return { name, doc: moduleDoc, items };
  });
  return { sections, missing };
}

function markdown({ sections }) {
  const out = ["# API reference", "", "Generated from the doc comments by `node scripts/api-docs.mjs` (checked by the tests: every exported symbol has one).", ""];
  for (const s of sections) {
    out.push(`## \`${s.name}\``, "", s.doc, "");
    for (const it of s.items) {
      out.push(`### ${it.name} (${it.kind})`, "", it.doc, "");
      if (it.signature) out.push("```ts", it.signature, "```", "");
      for (const m of it.members) out.push(`- \`${m.signature.split("\n")[0]}\`${m.doc ? " — " + m.doc.replace(/\n+/g, " ") : ""}`);
      if (it.members.length) out.push("");
    }
  }
  return out.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const ref = apiReference();
  if (process.argv.includes("--check")) {
    if (ref.missing.length) {
      console.error(`${ref.missing.length} exported symbol(s) without a doc comment:\n  ${ref.missing.join("\n  ")}`);
      process.exit(1);
    }
  } else {
    writeFileSync(join(root, "docs", "api.md"), markdown(ref) + "\n");
    console.error(`wrote docs/api.md (${ref.sections.reduce((n, s) => n + s.items.length, 0)} symbols; ${ref.missing.length} undocumented)`);
  }
}
