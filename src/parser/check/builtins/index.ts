/**
 * @file The one table of builtins the checker calls, assembled from the rule files next to this
 * one: each primitive builtin under the name of the op it records (typed over the trace's ops,
 * so an op added to src/ops is a compile error here until a builtin records it or it is listed as
 * not made by one), plus the builtins that record no op of their own (`%`, `flatten`, `size`,
 * `scan`).
 */
import { compareOps } from "../../../ops/elementwise.js";
import { scanRule } from "../scan.js";
import { convPoolBuiltins } from "./conv-pool.js";
import { elementwiseBuiltins } from "./elementwise.js";
import { remainder } from "./fold.js";
import { indexingBuiltins } from "./indexing.js";
import { matmulBuiltins } from "./matmul.js";
import { randomBuiltins } from "./random.js";
import { reductionBuiltins } from "./reductions.js";
import type { BuiltinRule } from "./rule.js";
import { derivedShapeBuiltins, shapeBuiltins } from "./shape.js";
import type { TraceOp } from "../values.js";

export type { ArgV, BuiltinRule, CallInfo, Ctx } from "./rule.js";

/** The trace ops no builtin records: declarations make the leaves, numbers the constants. */
type NotBuiltin = "const" | "input" | "param" | "state";
export type BuiltinOp = Exclude<TraceOp, NotBuiltin>;

const primitiveBuiltins: { readonly [P in BuiltinOp]: BuiltinRule } = {
  ...elementwiseBuiltins,
  ...matmulBuiltins,
  ...reductionBuiltins,
  ...shapeBuiltins,
  ...indexingBuiltins,
  ...convPoolBuiltins,
  ...randomBuiltins,
};

export const builtinRules: Readonly<Record<string, BuiltinRule>> = {
  ...primitiveBuiltins,
  mod: remainder,
  ...derivedShapeBuiltins,
  scan: scanRule,
};

/** Rules reached only through operators (`a + b`, `-x`, `a < b`); not names a user can call. */
const operatorOnly = new Set<string>([
  "neg",
  "add",
  "sub",
  "mul",
  "div",
  "mod",
  "matmul",
  ...compareOps,
]);

/** The builtin names visible in Grove code. */
export const builtinNames = Object.keys(builtinRules).filter((n) => !operatorOnly.has(n));
