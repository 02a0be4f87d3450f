/**
 * @file The one table of builtins the checker calls, assembled from the rule files next to this
 * one: each primitive builtin under the name of the IR op it records, plus the builtins that are
 * not one primitive (`%`, `flatten`, `size`, `scan`, `training`).
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
import { shapeBuiltins } from "./shape.js";

export type { ArgV, BuiltinRule, CallInfo, Ctx } from "./rule.js";

export const builtinRules: Readonly<Record<string, BuiltinRule>> = {
  ...elementwiseBuiltins,
  mod: remainder,
  ...matmulBuiltins,
  ...reductionBuiltins,
  ...shapeBuiltins,
  ...indexingBuiltins,
  ...convPoolBuiltins,
  scan: scanRule,
  ...randomBuiltins,
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
