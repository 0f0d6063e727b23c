// Builds the widget and the console into app/web/static, which the FastAPI app serves.
// No CDN at run time: everything a page needs is in these files.
import { build } from "esbuild";
import { mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const out = fileURLToPath(new URL("../app/web/static/", import.meta.url));

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  minify: true,
  sourcemap: "linked",
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
};

await Promise.all([
  // The widget is one classic script that any shop page can load with a single tag.
  // No source map: the script runs on shops' pages, which should not fetch more than it.
  build({
    ...common,
    entryPoints: ["src/widget/main.ts"],
    outfile: `${out}widget.js`,
    format: "iife",
    sourcemap: false,
  }),
  build({
    ...common,
    entryPoints: { console: "src/console/main.ts" },
    outdir: out,
    format: "esm",
    loader: { ".css": "css" },
  }),
]);
console.log(`built ${out}`);
