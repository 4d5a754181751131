// The playground (web/): a static page built by Vite from the same src/ the CLI uses.
// `npm run web` serves it on http://localhost:5173; `npm run build:web` writes dist/playground/.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root: `${here}web`,
  // relative asset paths: the built page works from any directory or static host
  base: "./",
  publicDir: false,
  server: { host: "localhost", port: 5173, strictPort: false, fs: { allow: [here] } },
  preview: { host: "localhost", port: 4173 },
  worker: { format: "es" },
  build: {
    outDir: `${here}dist/playground`,
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 2000,
    // bundled data sets stay separate files, fetched only when chosen
    assetsInlineLimit: 0,
  },
});
