/**
 * @file The simplification pipeline: each identity and fold on its own, NaN-safety of x * 0,
 * dead-code elimination, `verify` after every pass, idempotence, and unchanged results
 * (interpreted before and after) on every test graph and its gradients.
 */
import { describe, expect, test } from "vitest";
import {
  differentiate,
  eliminateDeadCode,
  GraphBuilder,
  interpret,
  printGraph,
  simplify,
  simplifyPasses,
  verify,
  type Graph,
  type Node,
} from "../../src/ir/index.js";
import { Rng } from "./helpers.js";
import { vjpCases } from "./vjp-cases.js";

/** The printed, simplified graph of one output built from x: f32[2,3]. */
function simplified(build: (b: GraphBuilder, x: Node) => Node): string {
  const b = new GraphBuilder();
  const y = build(b, b.input("x", [2, 3]));
  return printGraph(simplify(b.build({ y }), { afterPass: (_, g) => void verify(g) }));
}

const leafOnly = '%0:f32[2,3] = input {name="x"}\nreturn y=%0';

describe("algebraic identities", () => {
  test.each<[string, (b: GraphBuilder, x: Node) => Node]>([
    ["x + 0", (b, x) => b.add(x, b.constant(0))],
    ["0 + x", (b, x) => b.add(b.constant(0), x)],
    ["x - 0", (b, x) => b.sub(x, b.constant(0))],
    ["x * 1", (b, x) => b.mul(x, b.constant(1))],
    ["1 * x", (b, x) => b.mul(b.constant(1), x)],
    ["x / 1", (b, x) => b.div(x, b.constant(1))],
    ["x ^ 1", (b, x) => b.pow(x, b.constant(1))],
    ["-(-x)", (b, x) => b.neg(b.neg(x))],
    ["transpose of transpose", (b, x) => b.transpose(b.transpose(x, [1, 0]), [1, 0])],
    ["reshape of reshape", (b, x) => b.reshape(b.reshape(x, [3, 2]), [2, 3])],
    ["broadcast to the same shape", (b, x) => b.broadcast(x, [2, 3])],
    ["cast to the same dtype", (b, x) => b.cast(x, "f32")],
    ["full slice", (b, x) => b.slice(x, 1, 0, 3)],
    ["one-input concat", (b, x) => b.concat([x], 0)],
    ["sum over no axes", (b, x) => b.sum(x, [])],
    ["where with a constant condition", (b, x) => b.where(b.constant(1), x, b.exp(x))],
    ["where with equal branches", (b, x) => b.where(b.less(x, b.constant(0)), x, x)],
    [
      "a chain of them",
      (b, x) => b.neg(b.neg(b.mul(b.add(x, b.sub(b.constant(3), b.constant(3))), b.constant(1)))),
    ],
  ])("%s simplifies to x", (_name, build) => {
    expect(simplified(build)).toBe(leafOnly);
  });

  test("zero-padded pieces add as one concat, but not where they overlap", () => {
    const zeros = (b: GraphBuilder, rows: number) => b.constant(0, [rows, 3]);
    // [x; 0 (4 rows)] + [0 (4 rows); x] = [x; 0 (2 rows); x]
    expect(
      simplified((b, x) => b.add(b.concat([x, zeros(b, 4)], 0), b.concat([zeros(b, 4), x], 0))),
    ).toMatchInlineSnapshot(`
      "%0:f32[2,3] = input {name="x"}
      %1:f32[2,3] = const {value=0}
      %2:f32[6,3] = concat %0 %1 %0 {axis=0}
      return y=%2"
    `);
    // [x; 0] + [exp(x)[0:1]; x; 0[1]] overlap in rows 1-2: left as an add.
    const overlapping = simplified((b, x) =>
      b.add(
        b.concat([x, zeros(b, 2)], 0),
        b.concat([b.slice(b.exp(x), 0, 0, 1), x, zeros(b, 1)], 0),
      ),
    );
    expect(overlapping).toContain(" = add ");
  });

  test("a sum of two matrix products is one product over both inner dimensions", () => {
    expect(
      simplified((b, x) =>
        b.add(b.matmul(x, b.transpose(x, [1, 0])), b.matmul(x, b.input("w", [3, 2]))),
      ),
    ).toMatchInlineSnapshot(`
      "%0:f32[2,3] = input {name="x"}
      %1:f32[3,2] = transpose %0 {perm=[1,0]}
      %2:f32[3,2] = input {name="w"}
      %3:f32[2,6] = concat %0 %0 {axis=1}
      %4:f32[6,2] = concat %1 %2 {axis=0}
      %5:f32[2,2] = matmul %3 %4
      return y=%5"
    `);
  });

  test("an identity that drops a wider operand broadcasts the survivor", () => {
    expect(simplified((b, x) => b.add(x, b.constant(0, [4, 2, 3])))).toMatchInlineSnapshot(`
      "%0:f32[2,3] = input {name="x"}
      %1:f32[4,2,3] = broadcast %0
      return y=%1"
    `);
  });

  test("0 - x, x * -1 and x ^ 2 become neg and mul", () => {
    expect(simplified((b, x) => b.sub(b.constant(0), x))).toContain("= neg %0");
    expect(simplified((b, x) => b.mul(x, b.constant(-1)))).toContain("= neg %0");
    expect(simplified((b, x) => b.pow(x, b.constant(2)))).toContain("= mul %0 %0");
  });

  test("transposes compose into one", () => {
    const b = new GraphBuilder();
    const x = b.input("x", [2, 3, 4]);
    const y = b.transpose(b.transpose(x, [1, 2, 0]), [1, 2, 0]);
    const g = simplify(b.build({ y }));
    expect(printGraph(g)).toContain("transpose %0 {perm=[2,0,1]}");
    const v = { x: [...Array(24).keys()] };
    expect(interpret(g, v).get(g.outputs.get("y")!)!.data).toEqual(
      interpret(b.build({ y }), v).get(y)!.data,
    );
  });

  test("x * 0 folds only when x is provably finite", () => {
    expect(simplified((b, x) => b.mul(x, b.constant(0)))).toContain("= mul %0 %1");
    expect(simplified((b, x) => b.mul(b.less(x, b.constant(1)), b.constant(0))))
      .toMatchInlineSnapshot(`
      "%0:f32[2,3] = input {name="x"}
      %1:f32[2,3] = const {value=0}
      return y=%1"
    `);
    const b = new GraphBuilder();
    const x = b.input("x", [1]);
    const y = b.mul(x, b.constant(0));
    const out = interpret(simplify(b.build({ y })), { x: [Infinity] });
    expect([...out.values()][0]!.data[0]).toBeNaN();
  });

  test("x - x is left alone (inf - inf is NaN)", () => {
    expect(simplified((b, x) => b.sub(x, x))).toContain("= sub %0 %0");
  });
});

describe("constant folding", () => {
  function fold(build: (b: GraphBuilder) => Node): string {
    const b = new GraphBuilder();
    const y = build(b);
    return printGraph(simplify(b.build({ y })));
  }

  test("folds fills through elementwise, layout and reduction ops", () => {
    expect(fold((b) => b.exp(b.constant(0)))).toBe("%0:f32[] = const {value=1}\nreturn y=%0");
    expect(fold((b) => b.sum(b.broadcast(b.constant(2), [3, 4]), [1]))).toBe(
      "%0:f32[3] = const {value=8}\nreturn y=%0",
    );
    expect(fold((b) => b.matmul(b.constant(2, [2, 3]), b.constant(0.5, [3, 4])))).toBe(
      "%0:f32[2,4] = const {value=3}\nreturn y=%0",
    );
    expect(
      fold((b) => b.where(b.less(b.constant(1), b.constant(2)), b.constant(5, [2]), b.constant(6))),
    ).toBe("%0:f32[2] = const {value=5}\nreturn y=%0");
    expect(fold((b) => b.log(b.constant(-1)))).toBe("%0:f32[] = const {value=NaN}\nreturn y=%0");
  });

  test("i32 folds wrap and truncate like the interpreter", () => {
    expect(fold((b) => b.mul(b.constant(2 ** 30, [], "i32"), b.constant(4, [], "i32")))).toBe(
      "%0:i32[] = const {value=0}\nreturn y=%0",
    );
    expect(fold((b) => b.cast(b.constant(-2.5), "i32"))).toBe(
      "%0:i32[] = const {value=-2}\nreturn y=%0",
    );
  });

  test("does not fold what is not a fill or must fail at run time", () => {
    expect(fold((b) => b.add(b.iota(3), b.constant(1, [], "i32")))).toContain("add");
    expect(fold((b) => b.gather(b.constant(1, [2, 2]), b.constant(5, [1], "i32")))).toContain(
      "gather",
    );
    expect(fold((b) => b.gather(b.constant(1, [2, 2]), b.constant(1, [3], "i32")))).toBe(
      "%0:f32[3,2] = const {value=1}\nreturn y=%0",
    );
  });
});

describe("dead code and common subexpressions", () => {
  test("keeps outputs, inputs and params; drops the rest", () => {
    const b = new GraphBuilder();
    const x = b.input("x", [2]);
    b.param("unused", [3]);
    b.exp(b.neg(x));
    const y = b.tanh(x);
    expect(printGraph(verify(eliminateDeadCode(b.build({ y }))))).toMatchInlineSnapshot(`
      "%0:f32[2] = input {name="x"}
      %1:f32[3] = param {name="unused"}
      %2:f32[2] = tanh %0
      return y=%2"
    `);
  });

  test("expressions that become equal after rewriting are merged", () => {
    const b = new GraphBuilder();
    const x = b.input("x", [2]);
    const p = b.mul(b.add(x, b.constant(0)), x);
    const q = b.mul(x, x);
    const g = simplify(b.build({ p, q }));
    expect(g.outputs.get("p")).toBe(g.outputs.get("q"));
  });
});

function expectSameResults(
  before: Graph,
  after: Graph,
  values: Record<string, ArrayLike<number>>,
  label: string,
) {
  for (const precision of ["f64", "f32"] as const) {
    const a = interpret(before, values, { precision });
    const z = interpret(after, values, { precision });
    for (const [name, node] of before.outputs) {
      const want = a.get(node)!.data;
      const got = z.get(after.outputs.get(name)!)!.data;
      const tol = precision === "f64" ? 1e-12 : 1e-5;
      want.forEach((w, i) =>
        expect(Math.abs(got[i]! - w), `${label} ${name}[${i}] ${precision}`).toBeLessThanOrEqual(
          tol * (1 + Math.abs(w)),
        ),
      );
    }
  }
}

describe("simplify preserves results and invariants", () => {
  test("the pipeline has named passes", () => {
    expect(simplifyPasses.map(([name]) => name)).toEqual([
      "fold-constants",
      "simplify-algebra",
      "eliminate-common-subexpressions",
      "eliminate-dead-code",
    ]);
  });

  const seed = 7;
  test.each(vjpCases(new Rng(seed)).map((c) => [c.name, c] as const))(
    "%s with its gradients",
    (name, c) => {
      const rng = new Rng(seed);
      const b = GraphBuilder.extend(c.graph);
      const v = b.input("__v", c.y.shape);
      const loss = b.sum(b.mul(c.y, v));
      const wrt = c.wrt.map((n) => c.graph.inputs.get(n)!);
      const full = differentiate(b.build({ y: c.y, loss }), loss, wrt).graph;
      const passes: string[] = [];
      const after = simplify(full, {
        afterPass: (pass, g) => {
          passes.push(pass);
          verify(g);
        },
      });
      expect(passes.length).toBeGreaterThanOrEqual(simplifyPasses.length);
      expect(after.nodes.length).toBeLessThanOrEqual(full.nodes.length);
      expect(printGraph(simplify(after))).toBe(printGraph(after));
      expectSameResults(
        full,
        after,
        { ...c.values, __v: rng.values(c.y.shape) },
        `${name} (seed ${seed})`,
      );
    },
  );
});
