/**
 * @file Syntax diagrams drawn by Chevrotain from the parser itself, written to
 * `grammar/diagrams.html` by `npm run grammar` and kept in step by a test.
 */
import { createSyntaxDiagramsCode } from "chevrotain";
import { groveParser } from "./parse.js";

export function syntaxDiagramsHtml(): string {
  return createSyntaxDiagramsCode(groveParser().getSerializedGastProductions());
}
