/**
 * @file A token-level pre-scan of nesting, run before the parser so that Chevrotain's recursive
 * descent never meets more nesting than the stack allows (src/parser/limits.ts). It counts, at
 * each token, the open parentheses and brackets plus the unary minus and `^` operators still
 * waiting for their operand at every level: an upper bound on how deeply the expression rules
 * recurse. Braces do not count: bodies and declarations do not nest inside one another.
 */
import type { IToken } from "chevrotain";
import * as T from "./tokens.js";
import { atomTokens, closeBrackets, openBrackets, operandEndTokens } from "./token-classes.js";

export interface Nesting {
  /** The deepest nesting anywhere in the file. */
  readonly depth: number;
  /** The first token that goes deeper than the limit, if any. */
  readonly over?: IToken;
}

/** Scans `tokens`, remembering the first one nested deeper than `limit`. */
export function scanNesting(tokens: readonly IToken[], limit: number): Nesting {
  const enclosing: number[] = []; // the pending prefix run of each enclosing bracket level
  let pendingOutside = 0; // their sum
  let run = 0; // unary minus and `^` waiting for an operand at this level
  let afterOperand = false;
  let depth = 0;
  let over: IToken | undefined;
  for (const tok of tokens) {
    const type = tok.tokenType;
    if (openBrackets.has(type)) {
      enclosing.push(run);
      pendingOutside += run;
      run = 0;
    } else if (closeBrackets.has(type)) {
      run = enclosing.pop() ?? 0;
      pendingOutside -= run;
    } else if (type === T.Caret || (type === T.Minus && !afterOperand)) run++;
    else if (!atomTokens.has(type) || afterOperand) run = 0; // an operator, or a new statement
    afterOperand = operandEndTokens.has(type);
    const here = enclosing.length + pendingOutside + run;
    if (here > depth) depth = here;
    if (here > limit && !over) over = tok;
  }
  return { depth, ...(over ? { over } : {}) };
}
