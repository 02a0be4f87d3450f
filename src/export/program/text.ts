/**
 * @file Text an export writes around user data: the program as a JavaScript or JSON literal
 * (JSON, with the line and paragraph separators, `</` and `<!--` escaped, so it reads the same in
 * any JavaScript parser and inside an HTML `<script>`), user names in Markdown and HTML, and the
 * README of an exported folder.
 */
import { visibleText } from "../../diag/escape.js";
import { flagRules } from "../node/flags.js";
import type { ExportedProgram } from "./program.js";

/**
 * `value` as JSON that is also a safe JavaScript literal anywhere: U+2028 and U+2029 (line
 * breaks in old JavaScript parsers), `<` before `/` or `!` (which end or open markup in an HTML
 * `<script>`) written as `\u` escapes. Only characters inside strings change.
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029")
    .replace(/<(?=[/!])/g, "\\u003c");
}

/** The program as a JavaScript object literal (JSON, see `safeJson`). */
export const programLiteral = (program: ExportedProgram): string => safeJson(program, 2);

/** User text in HTML (or Markdown) text: visible escapes for invisible characters, `<>&"'` as entities. */
export function htmlText(text: string): string {
  return visibleText(text).replace(/[<>&"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The README of an exported folder: what it is, how to run it, the data, the checkpoints. */
export function readmeText(program: ExportedProgram, target: "node" | "browser"): string {
  const model = htmlText(program.settings.model);
  const from = htmlText(program.sourceFile);
  const commit = program.grove.commit ? ` (commit ${htmlText(program.grove.commit)})` : "";
  const files =
    program.data.files.map(htmlText).join(", ") || "none: the data is drawn from the seed";
  const data = program.data.included
    ? `data/ holds what the train section reads (${files}).`
    : `The data was left out (--no-data): put ${files} in a folder and pass --data DIR.`;
  const body = target === "node" ? nodeSection(model) : browserSection();
  return `# Training ${model}, exported from Grove

This folder trains the model ${model} of ${from} without Grove, its compiler or TypeScript. It was
written by Grove ${htmlText(program.grove.version)}${commit} with \`grove export --target ${target}\`;
the plans were compiled for ${htmlText(program.compiledFor.device)}.

${body}
${data} The \`mnist\` source is written as IDX files: float32 images (exactly the values
\`grove train\` reads) and u8 labels, gzip-compressed.

Checkpoints are safetensors files in Grove's format: \`grove eval FILE --checkpoint PATH\` and
\`grove predict\` read them, with the same .grove file.
`;
}

function nodeSection(model: string): string {
  const flags = Object.entries(flagRules)
    .map(([name, r]) => `| \`${name}${r.value ? ` ${r.value}` : ""}\` | ${r.help} |`)
    .join("\n");
  return `## Run

\`\`\`sh
npm install                      # the one dependency: webgpu (Dawn for Node)
node train.mjs                   # every epoch; checkpoints/${model}.safetensors
node train.mjs --max-steps 100   # a short run
\`\`\`

| flag | |
| --- | --- |
${flags}

It prints what \`grove train\` prints (a progress line on a terminal, a line per epoch, the test
split at the end). Ctrl-C saves a checkpoint at the exact step and exits with 130; \`--resume\`
continues it to the same losses. \`train.mjs\` holds the program as data (settings, data source,
one Plan per batch size); \`grove-runtime.mjs\` is Grove's runtime and training session, bundled.
`;
}

function browserSection(): string {
  return `## Run

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
}
