/**
 * @file Text an export writes around user data: the program as a JavaScript or JSON literal
 * (JSON, with the line and paragraph separators, `</` and `<!--` escaped, so it reads the same in
 * any JavaScript parser and inside an HTML `<script>`; in JavaScript each kernel's WGSL is a
 * template literal escaped as safely), user names in Markdown (text and code spans) and HTML, and
 * the parts of an exported folder's README that both targets share.
 */
import { visibleText } from "../../diag/escape.js";
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

/**
 * A string as a JavaScript template literal that reads as the text itself: line breaks kept,
 * `\\`, a backtick and `${` escaped, and every other character outside printable ASCII, and `<`
 * before `/` or `!`, as a `\\u{...}` escape, so the literal is safe where `safeJson` is.
 */
export function templateLiteral(text: string): string {
  const escaped = text.replace(/[\\`]|\$\{|<(?=[/!])|[^\n\x20-\x7e]/g, (c) =>
    c === "\\" || c === "`" || c === "${" ? `\\${c}` : `\\u{${c.codePointAt(0)!.toString(16)}}`,
  );
  return `\`${escaped}\``;
}

/**
 * The program as a JavaScript object literal: compact JSON (see `safeJson`) for Prettier to lay
 * out, each kernel's WGSL as a template literal whose lines read as the kernel's own.
 */
export function programLiteral(program: ExportedProgram): string {
  const json = safeJson(program);
  // A placeholder no string of the program holds stands for each kernel's WGSL in the JSON.
  let tag = "wgsl";
  while (json.includes(`__${tag}`)) tag += "_";
  const kernels: string[] = [];
  const plans = Object.fromEntries(
    Object.entries(program.plans).map(([size, plan]) => [
      size,
      {
        ...plan,
        kernels: plan.kernels.map((k) => ({ ...k, wgsl: `__${tag}${kernels.push(k.wgsl) - 1}` })),
      },
    ]),
  );
  return safeJson({ ...program, plans }).replace(
    new RegExp(`"__${tag}(\\d+)"`, "g"),
    (_, i: string) => templateLiteral(kernels[Number(i)]!),
  );
}

/** User text in HTML (or Markdown) text: visible escapes for invisible characters, `<>&"'` as entities. */
export function htmlText(text: string): string {
  return visibleText(text).replace(/[<>&"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * User text as one Markdown code span. A code span shows its content literally (backslashes and
 * entities included), so the only escaping is: invisible characters and line breaks as visible
 * escapes (`visibleText`), a fence of one backtick more than the longest run inside, and a space
 * inside each fence when the text starts or ends with a backtick or a space (CommonMark strips one
 * such space from each side).
 */
export function markdownCode(text: string): string {
  const shown = visibleText(text);
  const longest = Math.max(0, ...(shown.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(shown) ? " " : "";
  return `${fence}${pad}${shown}${pad}${fence}`;
}

const MNIST_NOTE =
  " The `mnist` source is written as IDX files: float32 images (exactly the values `grove train`" +
  " reads) and u8 labels, gzip-compressed.";

/**
 * The README of an exported folder: what it is and where it came from, `run` (how to run it, per
 * target), the data and the checkpoints.
 */
export function readmeText(program: ExportedProgram, target: string, run: string): string {
  const model = htmlText(program.settings.model);
  const from = htmlText(program.sourceFile);
  const commit = program.grove.commit ? ` (commit ${htmlText(program.grove.commit)})` : "";
  const files =
    program.data.files.map(htmlText).join(", ") || "none: the data is drawn from the seed";
  const data = program.data.included
    ? `data/ holds what the train section reads (${files}).`
    : `The data was left out (--no-data): put ${files} in a folder and pass --data DIR.`;
  return `# Training ${model}, exported from Grove

This folder trains the model ${model} of ${from} without Grove, its compiler or TypeScript. It was
written by Grove ${htmlText(program.grove.version)}${commit} with \`grove export --target ${target}\`;
the plans were compiled for ${htmlText(program.compiledFor.device)}.

${run}
${data}${program.data.source === "mnist" ? MNIST_NOTE : ""}

Checkpoints are safetensors files in Grove's format: \`grove eval FILE --checkpoint PATH\` and
\`grove predict\` read them, with the same .grove file.
`;
}
