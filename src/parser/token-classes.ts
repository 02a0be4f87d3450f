/**
 * @file Classes of tokens that the passes reading raw tokens share: the line-end pass
 * (line-ends.ts), the nesting pre-scan (nesting.ts) and the formatter's layout and spacing
 * (src/fmt). One definition each, so the passes agree on what ends an operand or starts an item.
 */
import type { TokenType } from "chevrotain";
import * as T from "./tokens.js";

/** Names and literals: a whole operand in one token. */
export const atomTokens: ReadonlySet<TokenType> = new Set<TokenType>([
  T.Identifier,
  T.NumberLiteral,
  T.StringLiteral,
  T.UnterminatedString,
]);

/** Tokens that complete an operand: an expression may end after them, and a `-` after one subtracts. */
export const operandEndTokens: ReadonlySet<TokenType> = new Set<TokenType>([
  ...atomTokens,
  T.RParen,
  T.RBracket,
]);

/** Tokens a new binding, member, setting or result can start with. */
export const itemStartTokens: ReadonlySet<TokenType> = new Set<TokenType>([
  ...atomTokens,
  T.LParen,
  T.LBracket,
  T.Minus,
  ...T.keywords,
]);

/** Parentheses and brackets, which nest expressions. */
export const openBrackets: ReadonlySet<TokenType> = new Set<TokenType>([T.LParen, T.LBracket]);
export const closeBrackets: ReadonlySet<TokenType> = new Set<TokenType>([T.RParen, T.RBracket]);

/** Brackets and braces. */
export const openers: ReadonlySet<TokenType> = new Set<TokenType>([...openBrackets, T.LBrace]);
export const closers: ReadonlySet<TokenType> = new Set<TokenType>([...closeBrackets, T.RBrace]);
