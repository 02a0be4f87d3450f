/**
 * @file Where a newline ends a binding. Inside braces (a body, a block, a model, a train
 * section) and outside parentheses and brackets, a line break after a complete operand (a name,
 * a number, a string, `)` or `]`) ends the binding when the next line starts something that can
 * begin a new one: a name or keyword, a number, a string, `(`, `[` or `-`. There `LineEnd`
 * tokens are put in, which the parser takes like `;`. A line that starts with an operator that
 * cannot begin an expression (`|>`, `+`, `*`, `/`, `@`, `^`, a comparison, `.`, `->`, `~`)
 * continues the line before, and so does every line inside `( )` or `[ ]` or after a line that
 * ends in an operator, `,` or an open bracket. At the top level newlines mean nothing.
 */
import { createTokenInstance, type IToken, type TokenType } from "chevrotain";
import * as T from "./tokens.js";
import { closers, itemStartTokens, openers, operandEndTokens } from "./token-classes.js";

/** `tokens` with a `LineEnd` after each token where a newline ends a binding. */
export function insertLineEnds(text: string, tokens: readonly IToken[]): IToken[] {
  const out: IToken[] = [];
  const open: TokenType[] = [];
  let prev: IToken | undefined;
  for (const tok of tokens) {
    const type = tok.tokenType;
    if (
      prev &&
      open[open.length - 1] === T.LBrace &&
      operandEndTokens.has(prev.tokenType) &&
      itemStartTokens.has(type) &&
      lineBreakBetween(text, end(prev), tok.startOffset)
    )
      out.push(lineEnd(prev));
    out.push(tok);
    if (openers.has(type)) open.push(type);
    else if (closers.has(type)) open.pop();
    prev = tok;
  }
  return out;
}

/** Whether a `LineEnd` stands right before token `i` of `tokens`. */
export function afterLineEnd(tokens: readonly IToken[], tok: IToken): boolean {
  const i = tokens.indexOf(tok);
  return i > 0 && tokens[i - 1]!.tokenType === T.LineEnd;
}

function end(tok: IToken): number {
  return tok.startOffset + tok.image.length;
}

function lineBreakBetween(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
  }
  return false;
}

/** A zero-width `LineEnd` just after `prev`, where its line's code ends. */
function lineEnd(prev: IToken): IToken {
  const at = end(prev);
  return createTokenInstance(T.LineEnd, "", at, at, NaN, NaN, NaN, NaN);
}
