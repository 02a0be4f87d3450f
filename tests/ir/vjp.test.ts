/**
 * @file Every vector-Jacobian rule against float64 central finite differences, on random shapes
 * and values from seeded generators (each test name and failure message carries its seed);
 * plus the subgradient conventions at kinks and the "only what is on a path" guarantee.
 */
import { describe, expect, test } from "vitest";
import { InternalError } from "../../src/diag/diagnostic.js";
import { differentiate, GraphBuilder, interpret, vjpRules, type Node } from "../../src/ir/index.js";
import { allOps, type Op } from "../../src/ops/ops.js";
import { checkVjp, Rng } from "./helpers.js";
import { nonDifferentiable, vjpCases } from "./vjp-cases.js";

const SEEDS = process.env["GROVE_SEED"] ? [Number(process.env["GROVE_SEED"])] : [1, 2, 3];

describe.each(SEEDS)("vjp rules vs finite differences (seed %i)", (seed) => {
  const cases = vjpCases(new Rng(seed));
  test.each(cases.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    checkVjp(c, seed);
  });
});

test("every op has a finite-difference case or is declared non-differentiable", () => {
  const covered = new Set<Op>(nonDifferentiable);
  for (const seed of SEEDS) for (const c of vjpCases(new Rng(seed))) covered.add(c.y.op);
  expect(allOps.filter((op) => !covered.has(op))).toEqual([]);
});

/** Gradient of sum(f(x)) at x, in float64. */
function gradAt(f: (b: GraphBuilder, x: Node) => Node, x: number[], shape = [x.length]): number[] {
  const b = new GraphBuilder();
  const input = b.input("x", shape);
  const loss = b.sum(f(b, input));
  const { graph, grads } = differentiate(b.build({ loss }), loss, [input]);
  const out = interpret(graph, { x }, { precision: "f64", nodes: grads });
  return [...out.get(grads[0]!)!.data];
}

describe("non-differentiable ops give exactly no gradient", () => {
  const cases: [string, (b: GraphBuilder, x: Node) => Node][] = [
    ["sign", (b, x) => b.sign(x)],
    ...(["less", "less_equal", "greater", "greater_equal", "equal", "not_equal"] as const).map(
      (op) =>
        [op, (b: GraphBuilder, x: Node) => b.binary(op, x, b.constant(0.5))] as [
          string,
          (b: GraphBuilder, x: Node) => Node,
        ],
    ),
    ["argmax", (b, x) => b.cast(b.argmax(x, 0), "f32")],
    ["one_hot of cast", (b, x) => b.oneHot(b.cast(x, "i32"), 3)],
    ["stop_gradient", (b, x) => b.stopGradient(x)],
  ];
  test.each(cases)("%s", (_name, f) => {
    const b = new GraphBuilder();
    const x = b.input("x", [3]);
    const loss = b.sum(f(b, x));
    const { grads } = differentiate(b.build({ loss }), loss, [x]);
    expect(grads[0]!.op).toBe("const");
    expect(gradAt(f, [0.25, 1.5, 2.75])).toEqual([0, 0, 0]);
  });

  test("leaves have no inputs to send gradients to", () => {
    const b = new GraphBuilder();
    const leaves = [
      b.constant(1, [2]),
      b.iota(2),
      b.randomUniform([2], 7),
      b.randomNormal([2], 7),
      b.input("i", [2]),
      b.param("p", [2]),
    ];
    for (const n of leaves)
      expect((vjpRules[n.op] as (b: GraphBuilder, y: Node, g: Node) => unknown[])(b, n, n)).toEqual(
        [],
      );
  });
});

describe("subgradient conventions at kinks", () => {
  test("relu'(0) = 0 and |x|'(0) = 0", () => {
    expect(gradAt((b, x) => b.relu(x), [-1, 0, 2])).toEqual([0, 0, 1]);
    expect(gradAt((b, x) => b.abs(x), [-1, 0, 2])).toEqual([-1, 0, 1]);
  });

  test("maximum and minimum split a tie evenly, so maximum(x, x) has derivative 1", () => {
    expect(gradAt((b, x) => b.maximum(x, x), [1, 2])).toEqual([1, 1]);
    expect(gradAt((b, x) => b.maximum(x, b.constant(1)), [0, 1, 2])).toEqual([0, 0.5, 1]);
    expect(gradAt((b, x) => b.minimum(x, b.constant(1)), [0, 1, 2])).toEqual([1, 0.5, 0]);
  });

  test("a max reduction shares the gradient among tied maxima", () => {
    expect(gradAt((b, x) => b.max(x), [1, 3, 3, 2])).toEqual([0, 0.5, 0.5, 0]);
  });

  test("max_pool2d sends a window's gradient to its first maximum", () => {
    expect(gradAt((b, x) => b.maxPool2d(x, 2), [5, 5, 5, 1], [1, 1, 2, 2])).toEqual([1, 0, 0, 0]);
  });

  test("second-order gradients through max_pool2d are refused", () => {
    const b = new GraphBuilder();
    const x = b.input("x", [1, 1, 2, 2]);
    const dy = b.input("dy", [1, 1, 1, 1]);
    const loss = b.sum(b.node("max_pool2d_grad", [x, dy], { size: [2, 2], stride: [2, 2] }));
    expect(() => differentiate(b.build({ loss }), loss, [dy])).toThrow(InternalError);
  });
});

describe("differentiate", () => {
  test("builds no partials off the path from the loss to the requested nodes", () => {
    const b = new GraphBuilder();
    const x = b.input("x", [3]);
    const e = b.param("e", []);
    // x^e with e constant for this request: the log(x) term of d/de must not be built.
    const loss = b.sum(b.pow(x, b.add(b.constant(2), b.stopGradient(e))));
    const { graph } = differentiate(b.build({ loss }), loss, [x]);
    expect(graph.nodes.some((n) => n.op === "log")).toBe(false);
  });

  test("a parameter the loss does not depend on gets a zero gradient", () => {
    const b = new GraphBuilder();
    const x = b.param("x", [2]);
    const unused = b.param("unused", [2, 2]);
    const loss = b.sum(b.exp(x));
    const { graph, grads } = differentiate(b.build({ loss }), loss, [x, unused]);
    expect(grads[1]!.op).toBe("const");
    expect(grads[1]!.shape).toEqual([2, 2]);
    expect([...graph.outputs.keys()]).toEqual(["loss", "d_x", "d_unused"]);
  });

  test("gradient nodes carry the span of the forward node they differentiate", () => {
    const b = new GraphBuilder();
    const x = b.param("x", [2]);
    const loss = b.withSpan({ file: "t.grove", start: 3, end: 9 }, () => b.sum(b.tanh(x)));
    const { grads } = differentiate(b.build({ loss }), loss, [x]);
    expect(grads[0]!.span).toEqual({ file: "t.grove", start: 3, end: 9 });
  });

  test("rejects a non-scalar loss", () => {
    const b = new GraphBuilder();
    const x = b.param("x", [2]);
    const y = b.exp(x);
    expect(() => differentiate(b.build({ y }), y, [x])).toThrow(/single f32 value/);
  });
});

test("the backward graph is ordinary IR: differentiating it again gives second derivatives", () => {
  // f(x) = sum(tanh(x) * x); f'(x) = (1 - t^2) x + t; f''(x) = 2 (1 - t^2) (1 - t x), t = tanh(x).
  const b = new GraphBuilder();
  const x = b.input("x", [3]);
  const loss = b.sum(b.mul(b.tanh(x), x));
  const first = differentiate(b.build({ loss }), loss, [x]);
  const b2 = GraphBuilder.extend(first.graph);
  const gradSum = b2.sum(first.grads[0]!);
  const second = differentiate(b2.build({ gradSum }), gradSum, [x]);
  const xs = [-0.7, 0.2, 1.3];
  const got = interpret(second.graph, { x: xs }, { precision: "f64", nodes: second.grads });
  const expected = xs.map((v) => {
    const t = Math.tanh(v);
    return 2 * (1 - t * t) * (1 - t * v);
  });
  const values = got.get(second.grads[0]!)!.data;
  expected.forEach((e, i) => expect(values[i]).toBeCloseTo(e, 12));
});
