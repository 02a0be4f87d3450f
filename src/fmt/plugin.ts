/**
 * @file Grove's Prettier 3 plugin: `prettier --plugin ./dist/fmt/plugin.js` formats `.grove`
 * files, and `grove fmt` runs it. The parser refuses a file with syntax errors (the error's
 * message is the diagnostics, rendered like `grove check`); the "AST" is the file's lines
 * (layout.ts) and the printer prints them (print.ts). Comments are kept in the lines, not
 * under a `comments` key, so Prettier leaves them to this printer.
 */
import type { Parser, Plugin, Printer, SupportLanguage } from "prettier";
import { hasErrors } from "../diag/diagnostic.js";
import { renderDiagnostics, SourceMap, type Position } from "../diag/render.js";
import { parse } from "../parser/parse.js";
import { layOut, type Line } from "./layout.js";
import { printLines } from "./print.js";

/** The root node the plugin's parser returns. */
export interface GroveFile {
  readonly type: "grove-file";
  readonly lines: readonly Line[];
  readonly start: number;
  readonly end: number;
}

/**
 * Thrown by the plugin's parser for a file with syntax errors. Its `loc` (the first error's
 * place) makes Prettier report it as a syntax error: the message, without a stack trace.
 */
export class GroveSyntaxError extends Error {
  override readonly name = "GroveSyntaxError";
  constructor(
    message: string,
    readonly loc: { start: Position },
  ) {
    super(message);
  }
}

/** The syntax errors of `text` rendered like `grove check`, and where the first is. */
function findSyntaxErrors(text: string, file: string): GroveSyntaxError | undefined {
  const { diagnostics } = parse(text, file);
  if (!hasErrors(diagnostics)) return undefined;
  const sources = new SourceMap();
  sources.add({ path: file, text });
  const start = sources.position(file, diagnostics[0]?.labels[0]?.span.start ?? 0);
  return new GroveSyntaxError(renderDiagnostics(diagnostics, sources, "rich"), { start });
}

/** The rendered syntax errors of `text`, or undefined when it parses cleanly. */
export function syntaxErrors(text: string, file: string): string | undefined {
  return findSyntaxErrors(text, file)?.message;
}

export const languages: SupportLanguage[] = [
  {
    name: "Grove",
    parsers: ["grove"],
    extensions: [".grove"],
    vscodeLanguageIds: ["grove"],
  },
];

const groveParser: Parser<GroveFile> = {
  astFormat: "grove-lines",
  parse(text, options) {
    const error = findSyntaxErrors(text, options.filepath ?? "<input>");
    if (error) throw error;
    return { type: "grove-file", lines: layOut(text), start: 0, end: text.length };
  },
  locStart: (node) => node.start,
  locEnd: (node) => node.end,
};

const grovePrinter: Printer<GroveFile> = {
  print: (path) => printLines(path.node.lines),
  getVisitorKeys: () => [],
};

export const parsers = { grove: groveParser };
export const printers = { "grove-lines": grovePrinter };

const plugin: Plugin<GroveFile> = { languages, parsers, printers };
export default plugin;
