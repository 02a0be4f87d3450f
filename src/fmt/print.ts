/**
 * @file The Prettier document of a laid-out file (layout.ts): one line after another, at most
 * one blank line between groups, train settings padded to their `=` column, and each pipeline
 * in a group that breaks before every `|>` when the line does not fit the print width.
 */
import { doc, type Doc } from "prettier";
import * as T from "../parser/tokens.js";
import type { Line } from "./layout.js";
import { gap, type Item } from "./spacing.js";

const { group, indent, align, line: softLine, hardline, lineSuffix } = doc.builders;
const { replaceEndOfLine } = doc.utils;

/** Two spaces per level. */
export const indentWidth = 2;

/** `items` as one line of text, the first `=` padded to `column` when given. */
function textOf(items: readonly Item[], before: Item | undefined, column?: number): string {
  let out = "";
  items.forEach((item, k) => {
    const prev = k > 0 ? items[k - 1] : before;
    if (prev) out += gap(k > 1 ? items[k - 2] : undefined, prev, item);
    if (k === 1 && column !== undefined && item.type === T.Equals)
      out += " ".repeat(Math.max(0, column - items[0]!.image.length));
    out += item.image;
  });
  return out;
}

/** `items` cut before each `|>` outside brackets, or undefined when brackets do not balance. */
function pipelineSegments(items: readonly Item[]): Item[][] | undefined {
  const segments: Item[][] = [[]];
  let depth = 0;
  for (const item of items) {
    if (item.type === T.LParen || item.type === T.LBracket || item.type === T.LBrace) depth++;
    if (item.type === T.RParen || item.type === T.RBracket || item.type === T.RBrace) depth--;
    if (depth < 0) return undefined;
    if (depth === 0 && item.type === T.PipeOp && segments.at(-1)!.length > 0) segments.push([]);
    segments.at(-1)!.push(item);
  }
  return depth === 0 ? segments : undefined;
}

/** A line's code: a pipeline as a group that breaks before each `|>`, else plain text. */
function codeDoc(items: readonly Item[], column?: number): Doc {
  const segments = items.every((i) => i.type !== undefined) ? pipelineSegments(items) : undefined;
  if (!segments || segments.length < 2) return replaceEndOfLine(textOf(items, undefined, column));
  const [head, ...rest] = segments;
  const tail = rest.map((s) => [softLine, textOf(s, undefined)]);
  return group([textOf(head!, undefined, column), indent(tail)]);
}

/** One line: indentation, code, and a trailing comment that never counts toward the width. */
function lineDoc(line: Line): Doc {
  const last = line.items.at(-1)!;
  const trailing = line.items.length > 1 && last.type === undefined && !last.image.includes("\n");
  const code = trailing ? line.items.slice(0, -1) : line.items;
  const spaces = line.indent * indentWidth;
  const body: Doc[] = [codeDoc(code, line.align)];
  if (trailing) body.push(lineSuffix(" " + last.image));
  return [" ".repeat(spaces), align(spaces, body)];
}

/** The whole file: lines with at most one blank line between them, and a final newline. */
export function printLines(lines: readonly Line[]): Doc {
  const parts: Doc[] = [];
  lines.forEach((line, k) => {
    if (k > 0) parts.push(line.blankBefore ? [hardline, hardline] : hardline);
    parts.push(lineDoc(line));
  });
  if (lines.length > 0) parts.push(hardline);
  return parts;
}
