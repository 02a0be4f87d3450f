/**
 * @file Builds the playground site (src/playground/build.ts) from dist/ (run `npm run build`
 * first; `npm run build:playground` does both). Usage: node scripts/build-playground.mjs [OUT]
 * (default: dist/playground-site). Prints what it wrote and how to open it.
 */
import { relative, resolve } from "node:path";
import { buildPlayground, defaultOut } from "../dist/playground/build.js";

const out = resolve(process.argv[2] ?? defaultOut);
const built = await buildPlayground(out);
const shown = relative(process.cwd(), out) || ".";
const kib = (built.scriptBytes / 1024).toFixed(0);
console.log(`wrote ${built.files.length} files to ${shown} (playground.js: ${kib} KiB)`);
console.log(`open it with: node bin/grove.js serve ${shown}`);
