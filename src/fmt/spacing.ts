/**
 * @file What goes between two tokens on one line: one space or nothing. One table of tight
 * pairs; everything else is one space. Newlines are never decided here (see layout.ts).
 */
import type { TokenType } from "chevrotain";
import { operandEndTokens } from "../parser/token-classes.js";
import * as T from "../parser/tokens.js";

/** A token or comment of a line, as the formatter sees it. */
export interface Item {
  readonly image: string;
  /** Undefined for a comment. */
  readonly type: TokenType | undefined;
  readonly start: number;
  readonly end: number;
}

/** Nothing before these: `f(x)`, `[N, 4]`, `a: b`, `l1.w`, `x^2`. */
const tightBefore = new Set<TokenType>([
  T.RParen,
  T.RBracket,
  T.Comma,
  T.Colon,
  T.Dot,
  T.Semicolon,
  T.Caret,
]);

/** Nothing after these: `(x`, `[N`, `l1.w`, `x^2`. */
const tightAfter = new Set<TokenType>([T.LParen, T.LBracket, T.Dot, T.Caret]);

/** A `(` or `[` right after these is a call, an index or a dtype: `f(x)`, `i32[N]`. */
const callee = new Set<TokenType>([T.Identifier, T.RParen, T.RBracket, T.Forward]);

/** Tokens after which a `-` is a sign (unary), not a subtraction: every operand end, and `}`. */
const operandEnds = new Set<TokenType>([...operandEndTokens, T.RBrace]);

/** Whether `tok` (a `-`) is a sign, given the token before it on its line (or none). */
export function isUnaryMinus(prev: Item | undefined, tok: Item): boolean {
  if (tok.type !== T.Minus) return false;
  return !prev?.type || !operandEnds.has(prev.type);
}

/** The text between `a` and `b` on one line: "" or " ". `before` is the token before `a`. */
export function gap(before: Item | undefined, a: Item, b: Item): string {
  if (!a.type || !b.type) return " ";
  if (tightBefore.has(b.type) || tightAfter.has(a.type)) return "";
  if ((b.type === T.LParen || b.type === T.LBracket) && callee.has(a.type)) return "";
  if (isUnaryMinus(before, a)) return "";
  return " ";
}
