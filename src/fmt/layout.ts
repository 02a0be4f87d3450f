/**
 * @file The formatter's view of a file: its tokens and comments cut into lines, each with its
 * indentation, whether a blank line comes before it, and the `=` column of aligned train
 * settings. Line breaks are kept where the author wrote them (a newline can end a binding, see
 * parser/line-ends.ts), except before `|>`, where a newline never matters: a line starting with
 * `|>` joins the line before, and the printer breaks long pipelines again by width.
 */
import type { IToken, TokenType } from "chevrotain";
import { groveLexer, commentGroup } from "../parser/tokens.js";
import { closers, itemStartTokens, openers, operandEndTokens } from "../parser/token-classes.js";
import * as T from "../parser/tokens.js";
import type { Item } from "./spacing.js";

/** One printed line (before pipelines are broken by width). */
export interface Line {
  /** Indentation in levels (two spaces each). */
  readonly indent: number;
  /** Tokens and comments, in order. */
  readonly items: Item[];
  readonly blankBefore: boolean;
  /** Pad the first name to this width before its `=` (train settings). */
  align?: number;
}

/** A source line with what the layout needs to know about it. */
interface SourceLine {
  readonly items: Item[];
  readonly blankBefore: boolean;
  /** Open brackets at its start. */
  readonly depth: number;
  indent: number;
  continuation: boolean;
  /** Whether it is a `name = ...` line directly in a train section. */
  setting: boolean;
}

interface Open {
  readonly type: TokenType;
  readonly base: number;
  readonly train: boolean;
}

/** Settings with longer names than this keep one space before `=` and set no column. */
export const maxAlignedName = 10;

/** After these a line never continues the one before. */
const endsStatement = new Set<TokenType>([T.LBrace, T.RBrace, T.Semicolon]);

/** The tokens and comments of `text` (which must lex without errors), in source order. */
export function itemsOf(text: string): Item[] {
  const lexed = groveLexer.tokenize(text);
  const all: IToken[] = [...lexed.tokens, ...(lexed.groups[commentGroup] ?? [])];
  all.sort((a, b) => a.startOffset - b.startOffset);
  return all.map((t) => ({
    image: t.image,
    type: t.tokenType === T.LineComment || t.tokenType === T.BlockComment ? undefined : t.tokenType,
    start: t.startOffset,
    end: t.startOffset + t.image.length,
  }));
}

/** The number of line breaks in `text` between `from` and `to`. */
function breaksBetween(text: string, from: number, to: number): number {
  const gap = text.slice(from, to).replace(/\r\n?/g, "\n");
  return gap.split("\n").length - 1;
}

/** `items` cut where the text between two of them has a line break. */
function splitLines(text: string, items: readonly Item[]): Item[][] {
  const lines: Item[][] = [];
  let prev: Item | undefined;
  for (const item of items) {
    if (!prev || breaksBetween(text, prev.end, item.start) > 0) lines.push([]);
    lines[lines.length - 1]!.push(item);
    prev = item;
  }
  return lines;
}

const codeOf = (items: readonly Item[]) => items.filter((i) => i.type !== undefined);

/** Indents each line from the brackets open at its start. */
function indentLines(text: string, raw: Item[][]): SourceLine[] {
  const stack: Open[] = [];
  let lastCode: Item | undefined;
  const out: SourceLine[] = [];
  for (const items of raw) {
    const first = items[0]!;
    const blankBefore =
      out.length > 0 && breaksBetween(text, out.at(-1)!.items.at(-1)!.end, first.start) > 1;
    const line = lineAt(stack, items, lastCode, blankBefore);
    out.push(line);
    for (const t of codeOf(items)) {
      if (openers.has(t.type!)) stack.push(openerAt(stack, t, items, line.indent));
      else if (closers.has(t.type!)) stack.pop();
    }
    lastCode = codeOf(items).at(-1) ?? lastCode;
  }
  return out;
}

function openerAt(stack: readonly Open[], t: Item, items: readonly Item[], base: number): Open {
  const train = t.type === T.LBrace && stack.length === 0 && items[0]?.type === T.Train;
  return { type: t.type!, base, train };
}

/** A line's indentation and kind, from the brackets open at its start. */
function lineAt(
  stack: readonly Open[],
  items: Item[],
  lastCode: Item | undefined,
  blankBefore: boolean,
): SourceLine {
  const top = stack.at(-1);
  const inner = top ? top.base + 1 : 0;
  const first = codeOf(items)[0];
  const base = { items, blankBefore, depth: stack.length, continuation: false, setting: false };
  if (!first || items[0]!.type === undefined) return { ...base, indent: inner };
  if (closers.has(first.type!)) return { ...base, indent: top?.base ?? 0 };
  const continuation =
    (!top || top.type === T.LBrace) &&
    lastCode !== undefined &&
    !endsStatement.has(lastCode.type!) &&
    !(operandEndTokens.has(lastCode.type!) && itemStartTokens.has(first.type!));
  const setting =
    !continuation && !!top?.train && first.type === T.Identifier && items[1]?.type === T.Equals;
  return { ...base, indent: inner + (continuation ? 1 : 0), continuation, setting };
}

/** Whether `line` can take a following `|>` line: it has no comment. */
const joinable = (line: SourceLine) => line.items.every((i) => i.type !== undefined);

/** Joins each line starting with `|>` (no blank line, no comment) to the line before. */
function joinPipelines(lines: readonly SourceLine[]): SourceLine[] {
  const out: SourceLine[] = [];
  for (const line of lines) {
    const prev = out.at(-1);
    const joins =
      prev !== undefined &&
      line.continuation &&
      !line.blankBefore &&
      line.items[0]!.type === T.PipeOp &&
      line.depth === prev.depth &&
      joinable(prev) &&
      line.items.slice(0, -1).every((i) => i.type !== undefined);
    if (joins) out[out.length - 1] = { ...prev, items: [...prev.items, ...line.items] };
    else out.push({ ...line });
  }
  return out;
}

/** Sets the `=` column of each run of adjacent train settings. */
function alignSettings(lines: readonly SourceLine[], out: Line[]): void {
  let i = 0;
  while (i < lines.length) {
    if (!lines[i]!.setting) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < lines.length && lines[j]!.setting && !lines[j]!.blankBefore) j++;
    const names = lines.slice(i, j).map((l) => l.items[0]!.image.length);
    const column = Math.max(0, ...names.filter((n) => n <= maxAlignedName));
    for (let k = i; k < j; k++) if (names[k - i]! <= maxAlignedName) out[k]!.align = column;
    i = j;
  }
}

/** The lines of `text` (which must lex without errors) as the printer prints them. */
export function layOut(text: string): Line[] {
  const lines = joinPipelines(indentLines(text, splitLines(text, itemsOf(text))));
  const out: Line[] = lines.map((l) => ({
    indent: l.indent,
    items: l.items,
    blankBefore: l.blankBefore,
  }));
  alignSettings(lines, out);
  return out;
}
