/**
 * @file The IR core: interning in the builder, shape and dtype inference (and its refusal of
 * misuse), `verify` catching each broken invariant, and the printer's stable text.
 */
import { describe, expect, test } from "vitest";
import { InternalError } from "../../src/diag/diagnostic.js";
import {
  GraphBuilder,
  inferType,
  printGraph,
  printNode,
  verify,
  type Graph,
  type Node,
  type TensorType,
} from "../../src/ir/index.js";
import type { Op, OpAttrs } from "../../src/ops/ops.js";

describe("interning builder", () => {
  test("the same op on the same inputs with the same attributes is the same node", () => {
    const b = new GraphBuilder();
    const x = b.input("x", [2, 3]);
    const y = b.param("w", [3]);
    expect(b.add(x, y)).toBe(b.add(x, y));
    expect(b.add(x, y)).not.toBe(b.add(y, x));
    expect(b.sum(x, [-1])).toBe(b.sum(x, [1]));
    expect(b.sum(x, [1, 0, 1])).toBe(b.sum(x));
    expect(b.sum(x, [1], true)).not.toBe(b.sum(x, [1]));
    expect(b.constant(0)).not.toBe(b.constant(-0));
    expect(b.constant(NaN)).toBe(b.constant(NaN));
    expect(b.input("x", [2, 3])).toBe(x);
  });

  test("two different leaves may not share a name", () => {
    const b = new GraphBuilder();
    b.input("x", [2]);
    expect(() => b.param("x", [2])).toThrow(InternalError);
    expect(() => b.input("x", [3])).toThrow(/two different leaves/);
  });

  test("extend continues a graph: same nodes, fresh ids after the last", () => {
    const b = new GraphBuilder();
    const x = b.input("x", [2]);
    const e = b.exp(x);
    const g = b.build({ e });
    const b2 = GraphBuilder.extend(g);
    expect(b2.exp(x)).toBe(e);
    expect(b2.neg(e).id).toBe(2);
    expect(b2.input("x", [2])).toBe(x);
  });

  test("a node keeps the span it was first built with", () => {
    const b = new GraphBuilder();
    const x = b.input("x", [2]);
    const first = b.withSpan({ file: "a.grove", start: 1, end: 2 }, () => b.exp(x));
    const again = b.withSpan({ file: "a.grove", start: 7, end: 9 }, () => b.exp(x));
    expect(again).toBe(first);
    expect(again.span?.start).toBe(1);
    expect(b.span).toBeUndefined();
  });
});

describe("shape rules", () => {
  const f = (...shape: number[]): TensorType => ({ shape, dtype: "f32" });
  const i = (...shape: number[]): TensorType => ({ shape, dtype: "i32" });
  const infer = <O extends Op>(op: O, inputs: TensorType[], attrs: OpAttrs[O]) =>
    inferType(op, inputs, attrs);
  const conv = { stride: [2, 2], padding: [1, 1] } as const;

  test("inference", () => {
    expect(infer("add", [f(4, 1, 3), f(5, 1)], {})).toEqual(f(4, 5, 3));
    expect(infer("less", [i(3), i(1)], {})).toEqual(f(3));
    expect(infer("where", [f(2, 1), f(3), f(1)], {})).toEqual(f(2, 3));
    expect(infer("sum", [f(2, 3, 4)], { axes: [0, 2], keepdims: false })).toEqual(f(3));
    expect(infer("max", [f(2, 3, 4)], { axes: [1], keepdims: true })).toEqual(f(2, 1, 4));
    expect(infer("argmax", [f(2, 3)], { axis: 1 })).toEqual(i(2));
    expect(infer("matmul", [f(2, 1, 3, 4), f(5, 4, 6)], {})).toEqual(f(2, 5, 3, 6));
    expect(infer("transpose", [f(2, 3, 4)], { perm: [2, 0, 1] })).toEqual(f(4, 2, 3));
    expect(infer("slice", [f(2, 5)], { axis: 1, start: 1, end: 4 })).toEqual(f(2, 3));
    expect(infer("concat", [f(2, 1), f(2, 3)], { axis: 1 })).toEqual(f(2, 4));
    expect(infer("gather", [f(10, 8), i(2, 3)], {})).toEqual(f(2, 3, 8));
    expect(infer("scatter_add", [i(2, 3), f(2, 3, 8)], { rows: 10 })).toEqual(f(10, 8));
    expect(infer("one_hot", [i(4)], { depth: 7 })).toEqual(f(4, 7));
    expect(infer("conv2d", [f(8, 3, 28, 28), f(16, 3, 3, 3)], conv)).toEqual(f(8, 16, 14, 14));
    expect(
      infer("conv2d_input_grad", [f(8, 16, 14, 14), f(16, 3, 3, 3)], {
        ...conv,
        inputSize: [28, 28],
      }),
    ).toEqual(f(8, 3, 28, 28));
    expect(
      infer("conv2d_filter_grad", [f(8, 3, 28, 28), f(8, 16, 14, 14)], {
        ...conv,
        kernelSize: [3, 3],
      }),
    ).toEqual(f(16, 3, 3, 3));
    expect(infer("max_pool2d", [f(1, 2, 7, 7)], { size: [2, 2], stride: [2, 2] })).toEqual(
      f(1, 2, 3, 3),
    );
    expect(infer("cast", [f(3)], { to: "i32" })).toEqual(i(3));
    expect(infer("const", [], { value: 2, shape: [], dtype: "i32" })).toEqual(i());
    expect(infer("iota", [], { n: 5 })).toEqual(i(5));
    expect(infer("random_normal", [], { shape: [3], seed: 1, stream: 0 })).toEqual(f(3));
  });

  test.each<[string, () => unknown]>([
    ["matmul inner dims", () => infer("matmul", [f(2, 3), f(4, 5)], {})],
    ["matmul rank 1", () => infer("matmul", [f(3), f(3, 5)], {})],
    ["broadcast mismatch", () => infer("add", [f(2, 3), f(4)], {})],
    ["broadcast target", () => infer("broadcast", [f(3)], { shape: [3, 2] })],
    ["dtype mismatch", () => infer("add", [f(3), i(3)], {})],
    ["exp of i32", () => infer("exp", [i(3)], {})],
    ["reshape size", () => infer("reshape", [f(2, 3)], { shape: [5] })],
    ["transpose perm", () => infer("transpose", [f(2, 3)], { perm: [0, 0] })],
    ["slice range", () => infer("slice", [f(2, 3)], { axis: 1, start: 2, end: 4 })],
    ["concat dims", () => infer("concat", [f(2, 3), f(3, 3)], { axis: 1 })],
    ["unsorted axes", () => infer("sum", [f(2, 3)], { axes: [1, 0], keepdims: false })],
    ["negative axis", () => infer("sum", [f(2, 3)], { axes: [-1], keepdims: false })],
    ["gather f32 ids", () => infer("gather", [f(4, 2), f(3)], {})],
    ["conv channels", () => infer("conv2d", [f(1, 3, 5, 5), f(2, 4, 3, 3)], conv)],
    ["pool too big", () => infer("avg_pool2d", [f(1, 1, 2, 2)], { size: [3, 3], stride: [1, 1] })],
    ["i32 const fraction", () => infer("const", [], { value: 0.5, shape: [], dtype: "i32" })],
    ["random seed", () => infer("random_uniform", [], { shape: [2], seed: -1, stream: 0 })],
    ["arity", () => infer("neg", [f(1), f(1)], {})],
    ["unknown op", () => inferType("frobnicate" as Op, [], {} as never)],
  ])("rejects %s with an InternalError", (_name, thunk) => {
    expect(thunk).toThrow(InternalError);
  });
});

describe("verify", () => {
  function sample(): { graph: Graph; x: Node; e: Node } {
    const b = new GraphBuilder();
    const x = b.input("x", [2]);
    const e = b.exp(x);
    return { graph: b.build({ e }), x, e };
  }

  test("accepts a well-formed graph", () => {
    expect(() => verify(sample().graph)).not.toThrow();
  });

  test.each<[string, (g: Graph, x: Node, e: Node) => Graph, RegExp]>([
    [
      "a wrong recorded shape",
      (g, x, e) => ({ ...g, nodes: [x, { ...e, shape: [3] } as Node] }),
      /recorded type/,
    ],
    [
      "a wrong dtype",
      (g, x, e) => ({ ...g, nodes: [x, { ...e, dtype: "i32" } as Node] }),
      /recorded type/,
    ],
    ["nodes out of order", (g, x, e) => ({ ...g, nodes: [e, x] }), /ids must increase|not earlier/],
    ["an input outside the graph", (g, _x, e) => ({ ...g, nodes: [e] }), /not earlier/],
    [
      "a duplicate node",
      (g, x, e) => ({ ...g, nodes: [x, e, { ...e, id: 5 } as Node] }),
      /interning/,
    ],
    ["a missing output", (g, x) => ({ ...g, nodes: [x] }), /output e/],
    [
      "an unknown attribute",
      (g, x, e) => ({ ...g, nodes: [x, { ...e, attrs: { k: 1 } } as never] }),
      /attributes/,
    ],
    [
      "a leaf missing from inputs",
      (g) => ({ ...g, inputs: new Map() }),
      /missing from the graph's inputs/,
    ],
  ])("rejects %s", (_name, mutate, message) => {
    const { graph, x, e } = sample();
    expect(() => verify(mutate(graph, x, e))).toThrow(message);
  });
});

describe("printer", () => {
  const source = "model M {\n  y = exp(x)\n}";

  function graph(): Graph {
    const b = new GraphBuilder();
    const x = b.input("x", [2, 3]);
    const y = b.withSpan({ file: "m.grove", start: source.indexOf("exp"), end: 20 }, () =>
      b.exp(x),
    );
    const ids = b.input("ids", [2], "i32");
    const z = b.sum(b.broadcast(b.constant(-0), [2, 3]), [1]);
    const k = b.add(b.cast(ids, "f32"), b.constant(NaN));
    return b.build({ y, z, k });
  }

  test("prints one line per node with line:col when the source is known", () => {
    expect(printGraph(graph(), { sources: { "m.grove": source } })).toMatchInlineSnapshot(`
      "%0:f32[2,3] = input {name="x"}
      %1:f32[2,3] = exp %0  # m.grove:2:7
      %2:i32[2] = input {name="ids"}
      %3:f32[] = const {value=-0}
      %4:f32[2,3] = broadcast %3
      %5:f32[2] = sum %4 {axes=[1], keepdims=false}
      %6:f32[2] = cast %2 {to=f32}
      %7:f32[] = const {value=NaN}
      %8:f32[2] = add %6 %7
      return y=%1, z=%5, k=%8"
    `);
  });

  test("falls back to file@offset without the source", () => {
    const y = graph().outputs.get("y")!;
    expect(printNode(y)).toBe("%1:f32[2,3] = exp %0  # m.grove@16");
    expect(printNode(y, { sources: new Map([["m.grove", source]]) })).toBe(
      "%1:f32[2,3] = exp %0  # m.grove:2:7",
    );
  });
});

test("nodes are frozen", () => {
  const b = new GraphBuilder();
  const x = b.input("x", [2, 3]);
  const y = b.transpose(x, [1, 0]);
  expect(Object.isFrozen(y) && Object.isFrozen(y.shape) && Object.isFrozen(y.inputs)).toBe(true);
  expect(Object.isFrozen(y.op === "transpose" && y.attrs.perm)).toBe(true);
});
