/**
 * @file The IR's op table (src/ir/op-classes.ts) against the reference interpreter: an op the
 * table calls `finite` gives finite values from operands holding infinities and NaN (algebra.ts
 * folds `x * 0` on that promise), and an `elementwise` op's element i depends on element i of its
 * operands only (a loop's epilogue carries it per element).
 */
import { describe, expect, test } from "vitest";
import { GraphBuilder, interpret, type Node } from "../../src/ir/index.js";
import { classOf, kindOf } from "../../src/ir/op-classes.js";
import { allOps, binaryOps, compareOps, unaryOps, type Op } from "../../src/ops/ops.js";

const special = [Infinity, -Infinity, NaN, 0, -0, 1e38, -3.5, 2];
const other = [NaN, Infinity, 1, -Infinity, 0, -1e38, 7, -0];
const ids = [0, 3, -1, 2147483647, -2147483648, 1, 2, 9];

/** A node of `op` over f32 inputs `x`, `y`, `c` and i32 input `ids`, each of 8 elements. */
const builds: Partial<Record<Op, (b: GraphBuilder) => Node>> = {
  ...Object.fromEntries(unaryOps.map((op) => [op, (b) => b.unary(op, b.input("x", [8]))])),
  ...Object.fromEntries(
    [...binaryOps, ...compareOps].map((op) => [
      op,
      (b) => b.binary(op, b.input("x", [8]), b.input("y", [8])),
    ]),
  ),
  where: (b) => b.where(b.input("c", [8]), b.input("x", [8]), b.input("y", [8])),
  cast: (b) => b.cast(b.input("ids", [8], "i32"), "f32"),
  stop_gradient: (b) => b.stopGradient(b.input("x", [8])),
  one_hot: (b) => b.oneHot(b.input("ids", [8], "i32"), 4),
  const: (b) => b.constant(3.5, [8]),
  random_uniform: (b) => b.randomUniform([8], 7),
  random_normal: (b) => b.randomNormal([8], 7),
};

function run(build: (b: GraphBuilder) => Node, values: Record<string, readonly number[]>) {
  const b = new GraphBuilder();
  const y = build(b);
  const graph = b.build({ y });
  const bindings = Object.fromEntries(
    [...graph.inputs.keys()].map((name) => [name, values[name]!]),
  );
  return { node: y, data: Array.from(interpret(graph, bindings).get(y)!.data) };
}

const inputs = { x: special, y: other, c: [1, 0, NaN, 1, 0, -1, 0, 1], ids };

describe("opClasses", () => {
  test("every op the table calls finite has a case here", () => {
    const finite = allOps.filter((op) => classOf(op).finite !== false);
    expect(finite.filter((op) => !builds[op])).toEqual([]);
  });

  test.each(allOps.filter((op) => classOf(op).finite !== false))(
    "%s is finite whatever its operands hold",
    (op) => {
      const { node, data } = run(builds[op]!, inputs);
      const finite = classOf(op).finite;
      expect(typeof finite === "boolean" ? finite : finite(node)).toBe(true);
      expect(data.every(Number.isFinite)).toBe(true);
    },
  );

  test("a finite test of the node looks at the node: a NaN constant, a cast from f32", () => {
    const nan = run((b) => b.constant(NaN, [8]), {}).node;
    const fromF32 = run((b) => b.cast(b.input("x", [8]), "i32"), inputs).node;
    const finiteOf = (n: Node) => (classOf(n.op).finite as (n: Node) => boolean)(n);
    expect(finiteOf(nan)).toBe(false);
    expect(finiteOf(fromF32)).toBe(false);
  });

  test.each(allOps.filter((op) => kindOf(op) === "elementwise"))(
    "%s (elementwise) computes element i from element i of its operands",
    (op) => {
      const base = run(builds[op]!, inputs).data;
      for (let j = 0; j < 8; j++) {
        const moved = Object.fromEntries(
          Object.entries(inputs).map(([k, v]) => [
            k,
            v.map((e, i) => (i === j ? e : v[(i + 3) % 8]!)),
          ]),
        );
        const data = run(builds[op]!, moved).data;
        expect(Object.is(data[j], base[j])).toBe(true);
      }
    },
  );
});
