/**
 * The checker folds numbers with the same scalar functions as the IR and the interpreter
 * (src/ops/elementwise.ts): a folded `erf(0.5)` is the interpreter's erf to the last bit (the
 * checker had its own 1.5e-7 approximation).
 */
import { expect, test } from "vitest";
import { unaryFns } from "../../src/ops/elementwise.js";
import { checkFile } from "../../src/parser/program.js";
import { memoryHost } from "../parser/helpers.js";

const source = `
model M {
  input features: [N, 2]
  param w: [2, 3]
  output y = features @ w
}
train M {
  data = spirals(classes: 3)
  loss = cross_entropy(y, label)
  optimizer = sgd(lr: 0.1)
}
`;

/** The learning rate the checker folds from `expr`. */
function foldedLr(expr: string): unknown {
  const r = checkFile("mem/main.grove", memoryHost({ "mem/main.grove": source }), {
    settings: [`optimizer = sgd(lr: ${expr})`],
  });
  expect(r.diagnostics).toEqual([]);
  return r.program.trains[0]!.optimizer.args.lr;
}

test.each([
  ["erf", 0.5],
  ["erf", 2],
  ["sigmoid", 0.3],
  ["tanh", 0.7],
  ["exp", -1],
  ["rsqrt", 3],
] as const)("%s(%s) folds to the IR's value", (op, x) => {
  expect(foldedLr(`${op}(${x})`)).toBe(unaryFns[op](x));
});

/** The diagnostics codes of a model whose extra output is `expr` (`ids` is an i32 tensor). */
function codesOf(expr: string): string[] {
  const text = source.replace(
    "output y = features @ w",
    `output y = features @ w\n  output z = ${expr.replaceAll("ids", "cast(features, i32)")}`,
  );
  const r = checkFile("mem/main.grove", memoryHost({ "mem/main.grove": text }));
  return r.diagnostics.map((d) => d.code);
}

test("the checker takes i32 operands exactly where the IR does (intBinaryOps, intUnaryOps)", () => {
  for (const ok of ["ids + ids", "ids - ids", "ids * ids", "maximum(ids, ids)", "-ids", "abs(ids)"])
    expect(codesOf(ok), ok).toEqual([]);
  // These passed the checker and then failed in lowering as an internal compiler error.
  for (const bad of ["ids / ids", "ids ^ ids", "exp(ids)"])
    expect(codesOf(bad), bad).toEqual(["G0409"]);
});
