/**
 * @file What "the same program" means for the formatter's property tests: the AST with every
 * span left out, and the diagnostics of `checkFile` as codes and messages (locations may move,
 * and so may a too-large file's size in bytes).
 */
import { checkFile, nodeHost, type Host } from "../../src/parser/program.js";
import { parse } from "../../src/parser/parse.js";

/** `value` with every `span` (and `opSpan`, `argsSpan`, ...) key removed, recursively. */
export function withoutSpans(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSpans);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    if (k !== "span" && !k.endsWith("Span")) out[k] = withoutSpans(v);
  return out;
}

/** The AST of `text` without spans. */
export function astOf(text: string, file: string): unknown {
  return withoutSpans(parse(text, file).value.decls);
}

/** The codes and messages of checking `text` as if it were `file` (imports read from disk). */
export function diagnosticsOf(text: string, file: string): string[] {
  const host: Host = {
    readFile: (p) => (p === file ? text : nodeHost.readFile(p)),
    realPath: (p) => (p === file ? file : nodeHost.realPath!(p)),
  };
  // G0500 quotes the file's size in bytes, which formatting changes like it changes locations.
  return checkFile(file, host).diagnostics.map((d) =>
    `${d.code}: ${d.message}`.replace(/it has \d+ bytes/, "it has (size) bytes"),
  );
}
