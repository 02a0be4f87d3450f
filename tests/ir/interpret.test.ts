/**
 * @file The reference interpreter: exact results of each op on small hand-checked inputs,
 * agreement of the float32 and float64 modes on every test graph (forward and backward),
 * and a size check that matmul and conv2d stay usable on real layer sizes.
 */
import { describe, expect, test } from "vitest";
import {
  differentiate,
  GraphBuilder,
  interpret,
  makeTensor,
  type Bindings,
  type Node,
} from "../../src/ir/index.js";
import { Rng } from "./helpers.js";
import { vjpCases } from "./vjp-cases.js";

/** Evaluates one node built from named inputs, in float64, as a plain array. */
function run(
  build: (b: GraphBuilder) => Node,
  values: Bindings = {},
  precision: "f32" | "f64" = "f64",
): number[] {
  const b = new GraphBuilder();
  const y = build(b);
  return Array.from(interpret(b.build({ y }), values, { precision }).get(y)!.data);
}

describe("op semantics", () => {
  const x23 = [1, 2, 3, 4, 5, 6];

  test("elementwise with broadcasting, comparisons and where", () => {
    const row = (b: GraphBuilder) => b.input("r", [3]);
    const mat = (b: GraphBuilder) => b.input("m", [2, 3]);
    const values = { r: [10, 20, 30], m: x23 };
    expect(run((b) => b.add(mat(b), row(b)), values)).toEqual([11, 22, 33, 14, 25, 36]);
    expect(run((b) => b.sub(b.input("c", [2, 1]), row(b)), { ...values, c: [1, 2] })).toEqual([
      -9, -19, -29, -8, -18, -28,
    ]);
    expect(run((b) => b.greaterEqual(mat(b), b.constant(3)), values)).toEqual([0, 0, 1, 1, 1, 1]);
    expect(run((b) => b.where(b.less(mat(b), b.constant(3)), mat(b), row(b)), values)).toEqual([
      1, 2, 30, 10, 20, 30,
    ]);
    expect(run((b) => b.equal(b.constant(NaN), b.constant(NaN)))).toEqual([0]);
    expect(run((b) => b.notEqual(b.constant(NaN), b.constant(NaN)))).toEqual([1]);
  });

  test("unary functions, including erf", () => {
    const v = { x: [-1, 0, 0.5, 2] };
    expect(run((b) => b.relu(b.input("x", [4])), v)).toEqual([0, 0, 0.5, 2]);
    expect(run((b) => b.sign(b.input("x", [4])), v)).toEqual([-1, 0, 1, 1]);
    const erf = run((b) => b.erf(b.input("x", [4])), v);
    // erf(0.5) and erf(2) to 15 digits (Abramowitz and Stegun, table 7.1).
    expect(erf[0]).toBeCloseTo(-0.842700792949715, 14);
    expect(erf[2]).toBeCloseTo(0.520499877813047, 14);
    expect(erf[3]).toBeCloseTo(0.995322265018953, 14);
    expect(run((b) => b.rsqrt(b.constant(4)))).toEqual([0.5]);
    expect(run((b) => b.sigmoid(b.constant(0)))).toEqual([0.5]);
  });

  test("reductions, keepdims and argmax (first maximum wins)", () => {
    const m = (b: GraphBuilder) => b.input("m", [2, 3]);
    const values = { m: [1, 5, 5, 7, 2, 7] };
    expect(run((b) => b.sum(m(b), [-1]), values)).toEqual([11, 16]);
    expect(run((b) => b.max(m(b), [0], true), values)).toEqual([7, 5, 7]);
    expect(run((b) => b.mean(m(b)), values)).toEqual([27 / 6]);
    expect(run((b) => b.argmax(m(b), 1), values)).toEqual([1, 0]);
    expect(run((b) => b.argmax(m(b), 0), values)).toEqual([1, 0, 1]);
  });

  test("layout: broadcast, reshape, transpose, slice, concat", () => {
    const m = (b: GraphBuilder) => b.input("m", [2, 3]);
    const values = { m: x23 };
    expect(run((b) => b.broadcast(b.input("r", [3]), [2, 3]), { r: [1, 2, 3] })).toEqual([
      1, 2, 3, 1, 2, 3,
    ]);
    expect(run((b) => b.transpose(m(b), [1, 0]), values)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(run((b) => b.slice(m(b), 1, 1, 3), values)).toEqual([2, 3, 5, 6]);
    expect(run((b) => b.concat([m(b), b.slice(m(b), 1, 0, 1)], -1), values)).toEqual([
      1, 2, 3, 1, 4, 5, 6, 4,
    ]);
    expect(run((b) => b.reshape(m(b), [3, 2]), values)).toEqual(x23);
  });

  test("batched matmul broadcasts batch dims", () => {
    // [2,1,2] @ [2,1] -> [2,1,1]: each batch row dotted with the same column.
    expect(
      run((b) => b.matmul(b.input("a", [2, 1, 2]), b.input("b", [2, 1])), {
        a: [1, 2, 3, 4],
        b: [10, 1],
      }),
    ).toEqual([12, 34]);
    const id = [1, 0, 0, 1];
    expect(
      run((b) => b.matmul(b.input("a", [1, 2, 2]), b.input("b", [3, 2, 2])), {
        a: id,
        b: [...Array(12).keys()],
      }),
    ).toEqual([...Array(12).keys()]);
  });

  test("gather, scatter_add, one_hot, iota, cast", () => {
    const table = { t: [1, 2, 3, 4, 5, 6], ids: [2, 0, 2] };
    expect(run((b) => b.gather(b.input("t", [3, 2]), b.input("ids", [3], "i32")), table)).toEqual([
      5, 6, 1, 2, 5, 6,
    ]);
    expect(
      run((b) => b.scatterAdd(b.input("ids", [3], "i32"), b.input("u", [3, 1]), 3), {
        ids: [2, 0, 2],
        u: [1, 2, 4],
      }),
    ).toEqual([2, 0, 5]);
    expect(run((b) => b.oneHot(b.input("ids", [3], "i32"), 2), { ids: [1, 0, 7] })).toEqual([
      0, 1, 1, 0, 0, 0,
    ]);
    expect(run((b) => b.iota(4))).toEqual([0, 1, 2, 3]);
    expect(run((b) => b.cast(b.input("x", [3]), "i32"), { x: [-1.7, 0.5, 2.9] })).toEqual([
      -1, 0, 2,
    ]);
    expect(() =>
      run((b) => b.gather(b.input("t", [3, 2]), b.input("ids", [1], "i32")), {
        ...table,
        ids: [3],
      }),
    ).toThrow(RangeError);
  });

  test("i32 arithmetic wraps like 32-bit integers", () => {
    const big = { a: [2 ** 30, -(2 ** 31)] };
    expect(run((b) => b.mul(b.input("a", [2], "i32"), b.constant(4, [], "i32")), big)).toEqual([
      0, 0,
    ]);
    expect(
      run((b) => b.add(b.input("a", [2], "i32"), b.constant(2 ** 30, [], "i32")), big),
    ).toEqual([-(2 ** 31), -(2 ** 30)]);
  });

  test("conv2d with stride and padding, and pooling", () => {
    // A 3x3 image, one all-ones 2x2 filter, padding 1, stride 2: corners of the padded sums.
    const img = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const conv = (b: GraphBuilder) =>
      b.conv2d(b.input("x", [1, 1, 3, 3]), b.constant(1, [1, 1, 2, 2]), 2, 1);
    expect(run(conv, { x: img })).toEqual([1, 5, 11, 28]);
    const x44 = { x: [...Array(16).keys()] };
    expect(run((b) => b.maxPool2d(b.input("x", [1, 1, 4, 4]), 2), x44)).toEqual([5, 7, 13, 15]);
    expect(run((b) => b.avgPool2d(b.input("x", [1, 1, 4, 4]), 3, 1), x44)).toEqual([5, 6, 9, 10]);
  });

  test("an unbound leaf or a wrong-sized value is an error", () => {
    expect(() => run((b) => b.exp(b.input("x", [2])))).toThrow(/no value bound for input x/);
    expect(() => run((b) => b.exp(b.input("x", [2])), { x: [1] })).toThrow(/expected 2 values/);
    expect(run((b) => b.exp(b.input("x", [1])), { x: makeTensor([1], "f32", [0]) })).toEqual([1]);
  });
});

describe("float32 and float64 modes agree", () => {
  const seed = 5;
  test.each(vjpCases(new Rng(seed)).map((c) => [c.name, c] as const))(
    "%s (forward and backward)",
    (_name, c) => {
      const rng = new Rng(seed);
      const b = GraphBuilder.extend(c.graph);
      const v = b.input("__v", c.y.shape);
      const loss = b.sum(b.mul(c.y, v));
      const wrt = c.wrt.map((name) => c.graph.inputs.get(name)!);
      const { graph, grads } = differentiate(b.build({ loss }), loss, wrt);
      const values = { ...c.values, __v: rng.values(c.y.shape) };
      const nodes = [c.y, ...grads];
      const lo = interpret(graph, values, { precision: "f32", nodes });
      const hi = interpret(graph, values, { precision: "f64", nodes });
      for (const n of nodes) {
        const [a, e] = [lo.get(n)!.data, hi.get(n)!.data];
        expect(a).toBeInstanceOf(n.dtype === "i32" ? Int32Array : Float32Array);
        expect(e).toBeInstanceOf(n.dtype === "i32" ? Int32Array : Float64Array);
        e.forEach((ev, i) =>
          expect(Math.abs(a[i]! - ev), `%${n.id}[${i}] (seed ${seed})`).toBeLessThan(
            1e-5 * (1 + Math.abs(ev)),
          ),
        );
      }
    },
  );
});

describe("throughput", () => {
  test("a 256x784 @ 784x512 matmul and a small CNN layer run in reasonable time", () => {
    const rng = new Rng(1);
    const b = new GraphBuilder();
    const mm = b.matmul(b.input("a", [256, 784]), b.input("w", [784, 512]));
    const conv = b.conv2d(b.input("img", [32, 1, 28, 28]), b.input("k", [16, 1, 3, 3]), 1, 1);
    const values = {
      a: rng.values([256, 784]),
      w: rng.values([784, 512]),
      img: rng.values([32, 1, 28, 28]),
      k: rng.values([16, 1, 3, 3]),
    };
    const start = performance.now();
    const out = interpret(b.build({ mm, conv }), values);
    const seconds = (performance.now() - start) / 1000;
    expect(out.get(mm)!.shape).toEqual([256, 512]);
    expect(seconds).toBeLessThan(10);
  });
});
