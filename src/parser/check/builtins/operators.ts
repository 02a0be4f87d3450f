/**
 * @file The binary operators of the language and the builtins they call: `a + b` is `add(a, b)`.
 * Read both ways: the evaluator calls the builtin of an operator, messages about a builtin that
 * an operator called show the operator the user wrote.
 */
import type * as A from "../../ast.js";

/** The builtin each binary operator calls. */
export const operatorBuiltins = {
  "+": "add",
  "-": "sub",
  "*": "mul",
  "/": "div",
  "%": "mod",
  "^": "pow",
  "@": "matmul",
  "<": "less",
  "<=": "less_equal",
  ">": "greater",
  ">=": "greater_equal",
  "==": "equal",
  "!=": "not_equal",
} as const satisfies Readonly<Record<A.BinaryOp, string>>;

/** The operator that calls builtin `name`, or undefined when none does. */
export function operatorOf(name: string): A.BinaryOp | undefined {
  return (Object.keys(operatorBuiltins) as A.BinaryOp[]).find((o) => operatorBuiltins[o] === name);
}
