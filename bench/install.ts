// What installing the library costs a user: `npm pack` of this checkout, installed into a fresh
// project as a dependency (no devDependencies), first without the optional packages (the core:
// the limit is 10 packages and 5 MB), then with them (vega, vega-lite, h5wasm for plots and .h5ad).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lpad, pad, root } from "./cli.js";

const LIMIT_PACKAGES = 10;
const LIMIT_MB = 5;

function sh(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 600_000, env: { ...process.env, npm_config_update_notifier: "false" } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${(r.stderr || String(r.error)).trim().split("\n").pop()}`);
  return r.stdout;
}

/** packages (folders with a package.json, scoped ones included) and bytes under node_modules */
export function measure(nodeModules: string): { packages: number; bytes: number } {
  let packages = 0, bytes = 0;
  const size = (p: string): number => {
    const st = statSync(p);
    if (!st.isDirectory()) return st.size;
    return readdirSync(p).reduce((s, e) => s + size(join(p, e)), 0);
  };
  const visit = (dir: string) => {
    for (const e of readdirSync(dir)) {
      if (e.startsWith(".")) continue;
      const p = join(dir, e);
      if (e.startsWith("@")) { visit(p); continue; }
      if (!existsSync(join(p, "package.json"))) continue;
      packages++;
      bytes += size(p);
      if (existsSync(join(p, "node_modules"))) { packages--; bytes -= size(join(p, "node_modules")); visit(join(p, "node_modules")); packages++; }
    }
  };
  visit(nodeModules);
  return { packages, bytes };
}

export function benchInstall(): void {
  console.log("\nInstall: the packed tarball as a dependency of a fresh project (npm, no devDependencies)");
  const tmp = mkdtempSync(join(tmpdir(), "glmm-install-"));
  try {
    sh(process.execPath, ["scripts/vendor-stdlib.mjs"], root); // as `npm run build` leaves dist
    sh("npm", ["pack", "--ignore-scripts", "--pack-destination", tmp], root);
    const tgz = readdirSync(tmp).find((f) => f.endsWith(".tgz"))!;
    const tarMB = statSync(join(tmp, tgz)).size / 2 ** 20;
    console.log(`${pad("install", 34)} ${lpad("packages", 9)} ${lpad("MB", 7)} ${lpad("limit", 12)}  verdict`);
    for (const [label, omit] of [["core (--omit=optional)", ["--omit=optional"]], ["with plots and .h5ad (optional)", []]] as const) {
      const proj = join(tmp, label.startsWith("core") ? "core" : "full");
      mkdirSync(proj);
      writeFileSync(join(proj, "package.json"), JSON.stringify({ name: "glmm-install-bench", version: "1.0.0", private: true, type: "module" }));
      sh("npm", ["install", join(tmp, tgz), ...omit, "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"], proj);
      const m = measure(join(proj, "node_modules"));
      const mb = m.bytes / 2 ** 20;
      const core = label.startsWith("core");
      const verdict = core ? (m.packages <= LIMIT_PACKAGES && mb <= LIMIT_MB ? "ok" : "MISSED") : "";
      console.log(`${pad(label, 34)} ${lpad(String(m.packages), 9)} ${lpad(mb.toFixed(1), 7)} ${lpad(core ? `≤${LIMIT_PACKAGES}, ≤${LIMIT_MB} MB` : "", 12)}  ${verdict}`);
    }
    console.log(`(tarball ${tarMB.toFixed(2)} MB; package counts include glmm itself)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
