/**
 * @file Writes the folder of `grove export --target node`: `train.mjs` (a header comment, the
 * program as data, one call), `grove-runtime.mjs` (Grove's runtime, training session and the
 * program's driver, bundled by esbuild with only what the program reaches), `package.json` (one
 * dependency, `webgpu`, as Grove's own package.json gives it), a short `README.md` and `data/`.
 * Text from the user (file names, the model's name) goes into comments through `commentText` and
 * into code only as JSON or, in a kernel's WGSL, an escaped template literal (`programLiteral`);
 * the file is formatted with Prettier.
 */
import { InternalError } from "../../diag/diagnostic.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commentText, visibleText } from "../../diag/escape.js";
import { bundle, groveModule } from "../program/bundle.js";
import { htmlText, programLiteral, readmeText } from "../program/text.js";
import { written, type WrittenProgram } from "../program/written.js";
import type { ExportedProgram } from "../program/program.js";
import { readerExport } from "../program/sources.js";
import { grovePackage } from "../program/version.js";
import { flagRules } from "./flags.js";

/** The bundled runtime's file name, beside `train.mjs`. */
const RUNTIME = "grove-runtime.mjs";

/** The bundle entry: the driver and the reader of the program's data source. */
function entry(source: string): string {
  const reader = readerExport(source);
  if (!reader) throw new InternalError(`no reader for the data source ${source}`);
  const path = (p: string) => JSON.stringify(groveModule(p));
  return (
    `export { runNodeProgram } from ${path("export/node/main")};\n` +
    `export { ${reader} as read } from ${path("export/program/sources")};\n`
  );
}

/** `grove-runtime.mjs`: the runtime bundled for Node, `webgpu` left to `npm install`. */
export async function nodeRuntime(source: string, grove: string) {
  const b = await bundle(entry(source), { platform: "node", external: ["webgpu"] });
  const head =
    `// grove-runtime.mjs: the runtime and training session of Grove ${commentText(grove, "javascript")} for\n` +
    "// train.mjs, bundled with esbuild from Grove's source (src/runtime, src/session, src/export).\n" +
    "// Generated: edit train.mjs or the .grove file and export again instead.\n";
  return { text: head + b.text, inputs: b.inputs };
}

/** The header comment of `train.mjs`. */
function header(p: ExportedProgram): string {
  const c = (t: string) => commentText(t, "javascript");
  const commit = p.grove.commit ? ` (commit ${c(p.grove.commit)})` : "";
  const flags = Object.entries(flagRules)
    .filter(([name]) => name !== "--help")
    .map(([name, r]) => `${name} ${r.value}`);
  const where = p.data.included
    ? "its data is in data/ (or --data DIR)"
    : `its data is not included: pass --data DIR, a folder with ${c(p.data.files.join(", "))}`;
  return [
    `train.mjs: trains the Grove model ${c(p.settings.model)} of ${c(p.sourceFile)}, standalone.`,
    `Exported by Grove ${c(p.grove.version)}${commit} with grove export --target node; compiled for ${c(p.compiledFor.device)}.`,
    "",
    "Run:  npm install && node train.mjs",
    `Flags: ${flags.join(", ")}, --help.`,
    `It prints and logs like grove train, ${where}, and saves checkpoints (safetensors, Grove's`,
    `format: grove eval and grove predict read them) to checkpoints/${c(p.settings.model)}.safetensors;`,
    "Ctrl-C saves one at the exact step and exits (130), --resume continues it.",
    "",
    "`program` below is plain data: the train section's settings, the data source and the compiled",
    "step, one Plan per batch size (WGSL kernels, dispatches in order, buffers). grove-runtime.mjs",
    "beside it runs it: the WebGPU runtime and training session, bundled from Grove's source.",
  ]
    .map((line) => (line ? `// ${line}` : "//"))
    .join("\n");
}

/** `train.mjs`, formatted with Prettier. */
export async function trainModule(program: ExportedProgram): Promise<string> {
  const code =
    `${header(program)}\n` +
    `import { read, runNodeProgram } from ${JSON.stringify(`./${RUNTIME}`)};\n\n` +
    "/** What to train: settings, data and the compiled step (a Plan per batch size). */\n" +
    `const program = ${programLiteral(program)};\n\n` +
    "process.exitCode = await runNodeProgram({ ...program, read }, process.argv.slice(2), import.meta.url);\n";
  const prettier = await import("prettier");
  return prettier.format(code, { parser: "babel", printWidth: 100 });
}

/** The package.json of the folder: `webgpu` as Grove's own package.json gives it. */
function packageJson(program: ExportedProgram): string {
  const webgpu = grovePackage().dependencies?.webgpu;
  if (!webgpu) throw new InternalError("Grove's package.json has no webgpu dependency");
  const name = `${program.settings.model.toLowerCase().replace(/[^a-z0-9-]/g, "-")}-training`;
  return (
    JSON.stringify(
      {
        name,
        private: true,
        type: "module",
        description: `Trains the Grove model ${visibleText(program.settings.model)} (exported by grove export --target node)`,
        engines: { node: ">=20.12" },
        scripts: { train: "node train.mjs" },
        dependencies: { webgpu },
      },
      null,
      2,
    ) + "\n"
  );
}

/** The README's part on running the program: the commands and the flags. */
function howToRun(program: ExportedProgram): string {
  const model = htmlText(program.settings.model);
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

/** Writes the program into `dir` (created); its data was written by `program`'s making. */
export async function writeNodeProgram(
  program: ExportedProgram,
  dir: string,
): Promise<WrittenProgram> {
  mkdirSync(dir, { recursive: true });
  const runtime = await nodeRuntime(program.data.source, program.grove.version);
  const train = await trainModule(program);
  const files: [string, string][] = [
    ["train.mjs", train],
    [RUNTIME, runtime.text],
    ["package.json", packageJson(program)],
    ["README.md", readmeText(program, "node", howToRun(program))],
  ];
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
  return written(
    [
      ...files.map(([name]) => name),
      ...(program.data.included ? program.data.files.map((f) => `data/${f}`) : []),
    ],
    runtime.text,
    train,
    program,
  );
}
