/**
 * @file Writes the folder of `grove export --target browser`: `index.html`, `grove-app.js` (the
 * page's program with Grove's runtime and training session, bundled by esbuild for the browser:
 * the data readers' `node:fs`, `node:path` and `node:zlib` replaced by the page's stand-ins in
 * `shims/`, csv-parse by its browser build), `program.json` (the program as data), `data/` and a
 * short README. Served over http (`grove serve DIR`), it trains in any browser with WebGPU.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { InternalError } from "../../diag/diagnostic.js";
import { commentText } from "../../diag/escape.js";
import { bundle, groveModule } from "../program/bundle.js";
import type { ExportedProgram } from "../program/program.js";
import { readerExport } from "../program/sources.js";
import { readmeText, safeJson } from "../program/text.js";
import { written, type WrittenProgram } from "../program/written.js";
import { indexHtml } from "./page.js";

/** The README's part on running the page. */
const HOW_TO_RUN = `## Run

Serve the folder over http (pages that load modules and fetch files cannot run from
\`file://\`) and open it in a browser with WebGPU (a current Chrome or Edge; on Linux Chromium
needs \`--enable-unsafe-webgpu\`):

\`\`\`sh
grove serve .          # or any static file server, e.g. python3 -m http.server
\`\`\`

The page trains on the GPU as soon as it opens: a chart of the loss and metrics per step and per
epoch, a progress bar with steps/s and ETA, Pause / Continue, and a button that downloads the
last checkpoint. \`?max-steps=N\` stops after N steps, \`?epochs=N\` trains N epochs.
`;

/** The page's module: `startPage` with the reader of the program's data source. */
export async function browserApp(source: string) {
  const reader = readerExport(source);
  if (!reader) throw new InternalError(`no reader for the data source ${source}`);
  const path = (p: string) => JSON.stringify(groveModule(p));
  const entry =
    `import { startPage } from ${path("export/browser/app")};\n` +
    `import { ${reader} as read } from ${path("export/program/sources")};\n` +
    "void startPage(read);\n";
  return browserBundle(entry);
}

/**
 * Bundles `entry` for a page: Node's file, path and gzip modules replaced by the page's shims,
 * `webgpu` and `node:os` left out (only Node reaches them: device.ts, warm.ts).
 */
export function browserBundle(entry: string) {
  return bundle(entry, {
    platform: "browser",
    external: ["webgpu", "node:os"],
    replace: {
      "node:fs": groveModule("export/browser/shims/fs"),
      "node:path": groveModule("export/browser/shims/path"),
      "node:zlib": groveModule("export/browser/shims/zlib"),
      "csv-parse/sync": fileURLToPath(import.meta.resolve("csv-parse/browser/esm/sync")),
    },
  });
}

/** Writes the site into `dir` (created); its data was written by `program`'s making. */
export async function writeBrowserProgram(
  program: ExportedProgram,
  dir: string,
): Promise<WrittenProgram> {
  mkdirSync(dir, { recursive: true });
  const app = await browserApp(program.data.source);
  const c = (t: string) => commentText(t, "javascript");
  const head =
    `// grove-app.js: the page that trains ${c(program.settings.model)}, with the runtime and training\n` +
    `// session of Grove ${c(program.grove.version)}, bundled with esbuild from Grove's source.\n`;
  const json = safeJson(program);
  const files: [string, string][] = [
    ["index.html", indexHtml(program)],
    ["grove-app.js", head + app.text],
    ["program.json", json],
    ["README.md", readmeText(program, "browser", HOW_TO_RUN)],
  ];
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return written(
    [...files.map(([name]) => name), ...program.data.files.map((f) => `data/${f}`)],
    app.text,
    json,
    program,
  );
}
