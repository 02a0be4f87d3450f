/**
 * @file One or more random test cases per differentiable primitive, for the finite-difference
 * checks in vjp.test.ts. Shapes and values come from a seeded Rng; values are kept away from
 * kinks (relu and abs at 0, ties of max/maximum) and outside the domain edges (log, sqrt, div).
 */
import { GraphBuilder, sizeOf, type Node } from "../../src/ir/index.js";
import { unaryOps, type Op, type Shape } from "../../src/ops/ops.js";
import type { Rng, Values, VjpCase } from "./helpers.js";

interface Leaf {
  readonly shape: Shape;
  readonly values: ArrayLike<number>;
  readonly dtype?: "f32" | "i32";
}

/** Makes a case from named leaves; every f32 leaf is differentiated unless `wrt` says otherwise. */
function make(
  name: string,
  leaves: Record<string, Leaf>,
  build: (b: GraphBuilder, x: Record<string, Node>) => Node,
  wrt?: string[],
): VjpCase {
  const b = new GraphBuilder();
  const x: Record<string, Node> = {};
  const values: Values = {};
  for (const [k, leaf] of Object.entries(leaves)) {
    x[k] = b.input(k, leaf.shape, leaf.dtype ?? "f32");
    values[k] = leaf.values;
  }
  const y = build(b, x);
  const names = wrt ?? Object.keys(leaves).filter((k) => (leaves[k]!.dtype ?? "f32") === "f32");
  return { name, graph: b.build({ y }), y, wrt: names, values };
}

const f32 = (rng: Rng, shape: Shape, lo = -1.5, hi = 1.5): Leaf => ({
  shape,
  values: rng.values(shape, lo, hi),
});

/** A shape that broadcasts against `shape`: some leading dims dropped, some dims set to 1. */
function broadcastable(rng: Rng, shape: Shape): number[] {
  const drop = rng.int(0, shape.length);
  return shape.slice(drop).map((d) => (rng.next() < 0.4 ? 1 : d));
}

function operandShapes(rng: Rng): [number[], number[]] {
  const full = rng.shape(rng.int(1, 3));
  const small = broadcastable(rng, full);
  return rng.next() < 0.5 ? [full, small] : [small, full];
}

/** Values on two interleaved grids so that |a - b| >= 0.1 for every pair: no ties. */
function gridValues(rng: Rng, shape: Shape, offset: number): Float64Array {
  return Float64Array.from({ length: sizeOf(shape) }, () => rng.int(-8, 8) * 0.2 + offset);
}

const unaryDomains: Record<string, (rng: Rng, shape: Shape) => Leaf> = {
  log: (rng, s) => f32(rng, s, 0.3, 2),
  sqrt: (rng, s) => f32(rng, s, 0.3, 2),
  rsqrt: (rng, s) => f32(rng, s, 0.3, 2),
  relu: (rng, s) => ({ shape: s, values: rng.awayFromZero(s) }),
  abs: (rng, s) => ({ shape: s, values: rng.awayFromZero(s) }),
};

function unaryCases(rng: Rng): VjpCase[] {
  // Every unary op with a gradient: a new one gets a finite-difference case without a row here.
  const differentiable = unaryOps.filter((op) => !nonDifferentiable.includes(op));
  return differentiable.map((op) => {
    const shape = rng.shape(rng.int(0, 3));
    const leaf = (unaryDomains[op] ?? ((r: Rng, s: Shape) => f32(r, s)))(rng, shape);
    return make(op, { x: leaf }, (b, { x }) => b.unary(op, x!));
  });
}

function binaryCases(rng: Rng): VjpCase[] {
  const simple = (["add", "sub", "mul"] as const).map((op) => {
    const [sa, sb] = operandShapes(rng);
    return make(op, { a: f32(rng, sa), b: f32(rng, sb) }, (b, x) => b.binary(op, x.a!, x.b!));
  });
  const [da, db] = operandShapes(rng);
  const div = make(
    "div",
    { a: f32(rng, da), b: { shape: db, values: rng.awayFromZero(db, 0.5, 2) } },
    (b, x) => b.div(x.a!, x.b!),
  );
  const [pa, pb] = operandShapes(rng);
  const pow = make("pow", { a: f32(rng, pa, 0.4, 2), b: f32(rng, pb) }, (b, x) =>
    b.pow(x.a!, x.b!),
  );
  const extremes = (["maximum", "minimum"] as const).map((op) => {
    const [sa, sb] = operandShapes(rng);
    const leaves = {
      a: { shape: sa, values: gridValues(rng, sa, 0) },
      b: { shape: sb, values: gridValues(rng, sb, 0.1) },
    };
    return make(op, leaves, (b, x) => b.binary(op, x.a!, x.b!));
  });
  return [...simple, div, pow, ...extremes];
}

function whereCase(rng: Rng): VjpCase {
  const full = rng.shape(rng.int(1, 3));
  const sc = broadcastable(rng, full);
  const cond = {
    shape: sc,
    values: Float64Array.from({ length: sizeOf(sc) }, () => rng.int(0, 1)),
  };
  return make(
    "where",
    { c: cond, a: f32(rng, broadcastable(rng, full)), b: f32(rng, full) },
    (b, x) => b.where(x.c!, x.a!, x.b!),
    ["a", "b"],
  );
}

function reductionCases(rng: Rng): VjpCase[] {
  return (["sum", "mean", "max"] as const).flatMap((op) =>
    [false, true].map((keepdims) => {
      const shape = rng.shape(rng.int(1, 3), 2, 4);
      const axes = shape.map((_, i) => i).filter(() => rng.next() < 0.5);
      const negative = axes.map((a) => (rng.next() < 0.5 ? a - shape.length : a));
      return make(
        `${op} axes=[${negative}] keepdims=${keepdims}`,
        { x: f32(rng, shape) },
        (b, { x }) => b.reduce(op, x!, negative.length > 0 ? negative : undefined, keepdims),
      );
    }),
  );
}

function matmulCases(rng: Rng): VjpCase[] {
  const [m, k, n] = [rng.int(1, 3), rng.int(1, 4), rng.int(1, 3)];
  const batched = make(
    "matmul [2,1,m,k] @ [3,k,n]",
    { a: f32(rng, [2, 1, m, k]), b: f32(rng, [3, k, n]) },
    (b, x) => b.matmul(x.a!, x.b!),
  );
  const plain = make(
    "matmul [m,k] @ [2,k,n]",
    { a: f32(rng, [m, k]), b: f32(rng, [2, k, n]) },
    (b, x) => b.matmul(x.a!, x.b!),
  );
  return [batched, plain];
}

function layoutCases(rng: Rng): VjpCase[] {
  const shape = rng.shape(3, 1, 4);
  const perm = [0, 1, 2].sort(() => rng.next() - 0.5);
  const axis = rng.int(0, 2);
  const start = rng.int(0, shape[axis]! - 1);
  const end = rng.int(start + 1, shape[axis]!);
  const parts = [1, 2, 3].map((d) => shape.map((s, i) => (i === axis ? d : s)));
  return [
    make("broadcast", { x: f32(rng, [3, 1]) }, (b, { x }) => b.broadcast(x!, [2, 3, 4])),
    make("reshape", { x: f32(rng, shape) }, (b, { x }) => b.reshape(x!, [sizeOf(shape)])),
    make(`transpose [${perm}]`, { x: f32(rng, shape) }, (b, { x }) => b.transpose(x!, perm)),
    make(`slice axis=${axis} [${start},${end})`, { x: f32(rng, shape) }, (b, { x }) =>
      b.slice(x!, axis, start, end),
    ),
    make(
      `concat axis=${axis - 3}`,
      {
        p: f32(rng, parts[0]!),
        q: f32(rng, parts[1]!),
        r: f32(rng, parts[2]!),
      },
      (b, x) => b.concat([x.p!, x.q!, x.r!], axis - 3),
    ),
    make("cast f32->f32", { x: f32(rng, shape) }, (b, { x }) => b.cast(x!, "f32")),
  ];
}

function indexingCases(rng: Rng): VjpCase[] {
  const [rows, dim] = [rng.int(2, 4), rng.int(1, 3)];
  const ids = {
    shape: [2, 3],
    dtype: "i32" as const,
    values: [0, 1, 0, rows - 1, 1, 0],
  };
  return [
    make("gather (repeated ids)", { table: f32(rng, [rows, dim]), ids }, (b, x) =>
      b.gather(x.table!, x.ids!),
    ),
    make("scatter_add (repeated ids)", { ids, u: f32(rng, [2, 3, dim]) }, (b, x) =>
      b.scatterAdd(x.ids!, x.u!, rows),
    ),
  ];
}

function convCases(rng: Rng): VjpCase[] {
  return [
    [1, 0],
    [2, 1],
  ].flatMap(([stride, padding]) => {
    const [n, c, o, h, w] = [
      rng.int(1, 2),
      rng.int(1, 2),
      rng.int(1, 3),
      rng.int(4, 6),
      rng.int(4, 6),
    ];
    const attrs = {
      stride: [stride!, stride!] as const,
      padding: [padding!, padding!] as const,
    };
    const x = f32(rng, [n, c, h, w]);
    const wt = f32(rng, [o, c, 3, 3]);
    const b0 = new GraphBuilder();
    const y = b0.conv2d(b0.input("x", x.shape), b0.input("w", wt.shape), stride, padding);
    const dy = f32(rng, y.shape);
    const tag = `stride=${stride} padding=${padding}`;
    return [
      make(`conv2d ${tag}`, { x, w: wt }, (b, v) => b.conv2d(v.x!, v.w!, stride, padding)),
      make(`conv2d_input_grad ${tag}`, { dy, w: wt }, (b, v) =>
        b.node("conv2d_input_grad", [v.dy!, v.w!], {
          ...attrs,
          inputSize: [h, w],
        }),
      ),
      make(`conv2d_filter_grad ${tag}`, { x, dy }, (b, v) =>
        b.node("conv2d_filter_grad", [v.x!, v.dy!], {
          ...attrs,
          kernelSize: [3, 3],
        }),
      ),
    ];
  });
}

function poolCases(rng: Rng): VjpCase[] {
  const shape = [rng.int(1, 2), rng.int(1, 2), rng.int(4, 6), rng.int(4, 6)];
  const dy = f32(rng, [
    shape[0]!,
    shape[1]!,
    Math.floor((shape[2]! - 3) / 2) + 1,
    Math.floor((shape[3]! - 3) / 2) + 1,
  ]);
  return [
    make("max_pool2d 2x2/2", { x: f32(rng, shape) }, (b, { x }) => b.maxPool2d(x!, 2)),
    make("max_pool2d 3x3/2 (overlapping)", { x: f32(rng, shape) }, (b, { x }) =>
      b.maxPool2d(x!, 3, 2),
    ),
    make("avg_pool2d 3x3/2", { x: f32(rng, shape) }, (b, { x }) => b.avgPool2d(x!, 3, 2)),
    make("avg_pool2d_grad 3x3/2", { dy }, (b, v) =>
      b.node("avg_pool2d_grad", [v.dy!], {
        size: [3, 3],
        stride: [2, 2],
        inputSize: [shape[2]!, shape[3]!],
      }),
    ),
    // Piecewise constant in x: the rule gives no gradient, and finite differences give zeros.
    make(
      "max_pool2d_grad 2x2/2 w.r.t. x",
      {
        x: f32(rng, shape),
        dy: f32(rng, [shape[0]!, shape[1]!, shape[2]! >> 1, shape[3]! >> 1]),
      },
      (b, v) =>
        b.node("max_pool2d_grad", [v.x!, v.dy!], {
          size: [2, 2],
          stride: [2, 2],
        }),
      ["x"],
    ),
  ];
}

/** Every differentiable case for one seed. */
export function vjpCases(rng: Rng): VjpCase[] {
  return [
    ...unaryCases(rng),
    ...binaryCases(rng),
    whereCase(rng),
    ...reductionCases(rng),
    ...matmulCases(rng),
    ...layoutCases(rng),
    ...indexingCases(rng),
    ...convCases(rng),
    ...poolCases(rng),
  ];
}

/** Ops whose VJP gives no gradient at all (checked to give zeros). */
export const nonDifferentiable: readonly Op[] = [
  "sign",
  "less",
  "less_equal",
  "greater",
  "greater_equal",
  "equal",
  "not_equal",
  "argmax",
  "one_hot",
  "stop_gradient",
  "const",
  "iota",
  "random_uniform",
  "random_normal",
  "input",
  "param",
  "state",
];
