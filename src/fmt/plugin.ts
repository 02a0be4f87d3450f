/**
 * @file Grove's Prettier 3 plugin: `prettier --plugin ./dist/fmt/plugin.js` formats `.grove`
 * files, and `grove fmt` runs it. The parser refuses a file with syntax errors (the error's
 * message is the diagnostics, rendered like `grove check`); the "AST" is the file's lines
 * (layout.ts) and the printer prints them (print.ts). Comments are kept in the lines, not
 * under a `comments` key, so Prettier leaves them to this printer.
 */
import type { Parser, Plugin, Printer, SupportLanguage } from "prettier";
import { hasErrors } from "../diag/diagnostic.js";
import { renderDiagnostics, SourceMap } from "../diag/render.js";
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

/** Thrown by the plugin's parser for a file with syntax errors. */
export class GroveSyntaxError extends Error {
  override readonly name = "GroveSyntaxError";
}

/** The rendered syntax errors of `text`, or undefined when it parses cleanly. */
export function syntaxErrors(text: string, file: string): string | undefined {
  const { diagnostics } = parse(text, file);
  if (!hasErrors(diagnostics)) return undefined;
  const sources = new SourceMap();
  sources.add({ path: file, text });
  return renderDiagnostics(diagnostics, sources, "rich");
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
    const errors = syntaxErrors(text, options.filepath ?? "<input>");
    if (errors !== undefined) throw new GroveSyntaxError(errors);
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
