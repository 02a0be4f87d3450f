/**
 * @file Concrete shape and dtype inference, one rule per op. The front end reports user errors
 * before lowering, so a rule that fails here has found a compiler bug: it throws InternalError.
 */
import { InternalError } from "../diag/diagnostic.js";
import { broadcastShapes, formatShape, shapesEqual, sizeOf, type TensorType } from "./node.js";
import {
  binaryOps,
  compareOps,
  unaryOps,
  type ConvAttrs,
  type Dtype,
  type Op,
  type OpAttrs,
  type Pair,
  type PoolAttrs,
  type ReduceAttrs,
  type Shape,
  type UnaryOp,
  type BinaryOp,
  type CompareOp,
  type ReduceOp,
  type RandomAttrs,
  rowsFor,
} from "../ops/ops.js";
import { intBinaryOps, intUnaryOps } from "../ops/elementwise.js";

export type ShapeRule<O extends Op> = (
  inputs: readonly TensorType[],
  attrs: OpAttrs[O],
) => TensorType;

function fail(message: string): never {
  throw new InternalError(message);
}

function arity(inputs: readonly TensorType[], n: number, op: string): void {
  if (inputs.length !== n) fail(`${op} takes ${n} inputs, got ${inputs.length}`);
}

function wantDtype(t: TensorType, dtype: Dtype, what: string): void {
  if (t.dtype !== dtype) fail(`${what} must be ${dtype}, got ${t.dtype}`);
}

function isDim(d: number): boolean {
  return Number.isInteger(d) && d >= 0;
}

function checkShape(shape: Shape, what: string): void {
  if (!shape.every(isDim)) fail(`${what} has an invalid shape ${formatShape(shape)}`);
}

function unaryRule(op: UnaryOp): ShapeRule<UnaryOp> {
  return (inputs) => {
    arity(inputs, 1, op);
    const x = inputs[0]!;
    if (!intUnaryOps.has(op)) wantDtype(x, "f32", `${op} input`);
    return x;
  };
}

function binaryRule(
  op: BinaryOp | CompareOp,
  resultDtype?: Dtype,
): ShapeRule<BinaryOp | CompareOp> {
  return (inputs) => {
    arity(inputs, 2, op);
    const [a, b] = inputs as [TensorType, TensorType];
    if (a.dtype !== b.dtype) fail(`${op} operands differ in dtype: ${a.dtype} and ${b.dtype}`);
    if (!resultDtype && !intBinaryOps.has(op)) wantDtype(a, "f32", `${op} input`);
    return {
      shape: broadcastShapes(a.shape, b.shape),
      dtype: resultDtype ?? a.dtype,
    };
  };
}

function reduceRule(op: ReduceOp): ShapeRule<ReduceOp> {
  return (inputs, { axes, keepdims }: ReduceAttrs) => {
    arity(inputs, 1, op);
    const x = inputs[0]!;
    if (op === "mean") wantDtype(x, "f32", "mean input");
    axes.forEach((a, i) => {
      if (!Number.isInteger(a) || a < 0 || a >= x.shape.length || (i > 0 && a <= axes[i - 1]!)) {
        fail(
          `${op} axes ${formatShape(axes)} must be sorted, unique and in [0, ${x.shape.length})`,
        );
      }
    });
    const shape = keepdims
      ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
      : x.shape.filter((_, i) => !axes.includes(i));
    return { shape, dtype: x.dtype };
  };
}

function windowCount(size: number, window: number, stride: number, pad: number): number {
  const n = Math.floor((size + 2 * pad - window) / stride) + 1;
  if (!(n >= 1) || !(stride >= 1)) {
    fail(`a window of ${window} (stride ${stride}, padding ${pad}) does not fit ${size}`);
  }
  return n;
}

/** Output spatial size of a conv or pool over [H, W]. */
export function windowOutputSize(hw: Pair, window: Pair, stride: Pair, padding: Pair): Pair {
  return [
    windowCount(hw[0], window[0], stride[0], padding[0]),
    windowCount(hw[1], window[1], stride[1], padding[1]),
  ];
}

function rank4(t: TensorType, what: string): readonly [number, number, number, number] {
  if (t.shape.length !== 4) fail(`${what} must have rank 4, got ${formatShape(t.shape)}`);
  wantDtype(t, "f32", what);
  return t.shape as [number, number, number, number];
}

function convOutput(x: Shape, w: Shape, { stride, padding }: ConvAttrs): number[] {
  if (x[1] !== w[1]) fail(`conv2d input has ${x[1]} channels but the filter expects ${w[1]}`);
  const [oh, ow] = windowOutputSize([x[2]!, x[3]!], [w[2]!, w[3]!], stride, padding);
  return [x[0]!, w[0]!, oh, ow];
}

function expectShape(actual: Shape, expected: Shape, what: string): void {
  if (!shapesEqual(actual, expected)) {
    fail(`${what} has shape ${formatShape(actual)}, expected ${formatShape(expected)}`);
  }
}

function poolOutput(x: Shape, { size, stride }: PoolAttrs): number[] {
  const [oh, ow] = windowOutputSize([x[2]!, x[3]!], size, stride, [0, 0]);
  return [x[0]!, x[1]!, oh, ow];
}

function leafRule(inputs: readonly TensorType[], attrs: OpAttrs["input"]): TensorType {
  arity(inputs, 0, "input/param");
  checkShape(attrs.shape, `leaf ${attrs.name}`);
  if (attrs.name === "") fail("a leaf needs a name");
  return { shape: attrs.shape, dtype: attrs.dtype };
}

function randomRule(inputs: readonly TensorType[], attrs: RandomAttrs): TensorType {
  if (inputs.length > 1) fail(`random takes at most one operand (the step), got ${inputs.length}`);
  const step = inputs[0];
  if (step && (step.dtype !== "i32" || step.shape.length !== 0))
    fail(`random's step operand must be a scalar i32, got ${step.dtype}[${step.shape.join(", ")}]`);
  checkShape(attrs.shape, "random");
  for (const k of [attrs.seed, attrs.stream]) {
    if (!Number.isInteger(k) || k < 0 || k > 0xffffffff) fail(`random key ${k} is not a u32`);
  }
  return { shape: attrs.shape, dtype: "f32" };
}

const structuralRules: {
  [P in Exclude<Op, keyof typeof elementwiseRules>]: ShapeRule<P>;
} = {
  where: (inputs) => {
    arity(inputs, 3, "where");
    const [c, a, b] = inputs as [TensorType, TensorType, TensorType];
    if (a.dtype !== b.dtype) fail(`where branches differ in dtype: ${a.dtype} and ${b.dtype}`);
    return {
      shape: broadcastShapes(c.shape, a.shape, b.shape),
      dtype: a.dtype,
    };
  },
  broadcast: (inputs, { shape }) => {
    arity(inputs, 1, "broadcast");
    checkShape(shape, "broadcast target");
    const x = inputs[0]!;
    if (x.shape.length > shape.length || !shapesEqual(broadcastShapes(x.shape, shape), shape)) {
      fail(`cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
    }
    return { shape, dtype: x.dtype };
  },
  sum: reduceRule("sum"),
  max: reduceRule("max"),
  mean: reduceRule("mean"),
  argmax: (inputs, { axis }) => {
    arity(inputs, 1, "argmax");
    const x = inputs[0]!;
    if (!Number.isInteger(axis) || axis < 0 || axis >= x.shape.length) {
      fail(`argmax axis ${axis} out of range for ${formatShape(x.shape)}`);
    }
    return { shape: x.shape.filter((_, i) => i !== axis), dtype: "i32" };
  },
  matmul: (inputs) => {
    arity(inputs, 2, "matmul");
    const [a, b] = inputs as [TensorType, TensorType];
    wantDtype(a, "f32", "matmul lhs");
    wantDtype(b, "f32", "matmul rhs");
    const ra = a.shape.length;
    const rb = b.shape.length;
    if (ra < 2 || rb < 2) fail("matmul operands must have rank >= 2");
    if (a.shape[ra - 1] !== b.shape[rb - 2]) {
      fail(`matmul ${formatShape(a.shape)} @ ${formatShape(b.shape)}: inner dims differ`);
    }
    const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
    return {
      shape: [...batch, a.shape[ra - 2]!, b.shape[rb - 1]!],
      dtype: "f32",
    };
  },
  reshape: (inputs, { shape }) => {
    arity(inputs, 1, "reshape");
    checkShape(shape, "reshape target");
    const x = inputs[0]!;
    if (sizeOf(shape) !== sizeOf(x.shape)) {
      fail(`cannot reshape ${formatShape(x.shape)} to ${formatShape(shape)}`);
    }
    return { shape, dtype: x.dtype };
  },
  transpose: (inputs, { perm }) => {
    arity(inputs, 1, "transpose");
    const x = inputs[0]!;
    const sorted = [...perm].sort((p, q) => p - q);
    if (perm.length !== x.shape.length || sorted.some((p, i) => p !== i)) {
      fail(`transpose perm ${formatShape(perm)} is not a permutation of rank ${x.shape.length}`);
    }
    return { shape: perm.map((p) => x.shape[p]!), dtype: x.dtype };
  },
  slice: (inputs, { axis, start, end }) => {
    arity(inputs, 1, "slice");
    const x = inputs[0]!;
    const dim = x.shape[axis];
    const ok = [axis, start, end].every(Number.isInteger) && dim !== undefined && axis >= 0;
    if (!ok || start < 0 || start > end || end > dim) {
      fail(`slice axis ${axis} [${start}, ${end}) out of range for ${formatShape(x.shape)}`);
    }
    return {
      shape: x.shape.map((d, i) => (i === axis ? end - start : d)),
      dtype: x.dtype,
    };
  },
  concat: (inputs, { axis }) => {
    if (inputs.length === 0) fail("concat needs at least one input");
    const first = inputs[0]!;
    if (!Number.isInteger(axis) || axis < 0 || axis >= first.shape.length) {
      fail(`concat axis ${axis} out of range for ${formatShape(first.shape)}`);
    }
    let total = 0;
    for (const t of inputs) {
      const same = t.shape.length === first.shape.length && t.dtype === first.dtype;
      if (!same || t.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        fail(`concat operands ${inputs.map((u) => formatShape(u.shape)).join(", ")} disagree`);
      }
      total += t.shape[axis]!;
    }
    return {
      shape: first.shape.map((d, i) => (i === axis ? total : d)),
      dtype: first.dtype,
    };
  },
  gather: (inputs) => {
    arity(inputs, 2, "gather");
    const [table, ids] = inputs as [TensorType, TensorType];
    if (table.shape.length < 1) fail("gather table must have rank >= 1");
    wantDtype(ids, "i32", "gather ids");
    return {
      shape: [...ids.shape, ...table.shape.slice(1)],
      dtype: table.dtype,
    };
  },
  scatter_add: (inputs, { rows }) => {
    arity(inputs, 2, "scatter_add");
    const [ids, updates] = inputs as [TensorType, TensorType];
    wantDtype(ids, "i32", "scatter_add ids");
    const lead = updates.shape.slice(0, ids.shape.length);
    if (!isDim(rows) || !shapesEqual(lead, ids.shape)) {
      fail(`scatter_add updates ${formatShape(updates.shape)} do not start with the ids shape`);
    }
    return {
      shape: [rows, ...updates.shape.slice(ids.shape.length)],
      dtype: updates.dtype,
    };
  },
  one_hot: (inputs, { depth }) => {
    arity(inputs, 1, "one_hot");
    wantDtype(inputs[0]!, "i32", "one_hot ids");
    if (!isDim(depth)) fail(`one_hot depth ${depth} is invalid`);
    return { shape: [...inputs[0]!.shape, depth], dtype: "f32" };
  },
  conv2d: (inputs, attrs) => {
    arity(inputs, 2, "conv2d");
    const x = rank4(inputs[0]!, "conv2d input");
    const w = rank4(inputs[1]!, "conv2d filter");
    return { shape: convOutput(x, w, attrs), dtype: "f32" };
  },
  conv2d_input_grad: (inputs, attrs) => {
    arity(inputs, 2, "conv2d_input_grad");
    const dy = rank4(inputs[0]!, "conv2d_input_grad dy");
    const w = rank4(inputs[1]!, "conv2d_input_grad filter");
    const x = [dy[0], w[1], ...attrs.inputSize];
    expectShape(dy, convOutput(x, w, attrs), "conv2d_input_grad dy");
    return { shape: x, dtype: "f32" };
  },
  conv2d_filter_grad: (inputs, attrs) => {
    arity(inputs, 2, "conv2d_filter_grad");
    const x = rank4(inputs[0]!, "conv2d_filter_grad input");
    const dy = rank4(inputs[1]!, "conv2d_filter_grad dy");
    const w = [dy[1], x[1], ...attrs.kernelSize];
    expectShape(dy, convOutput(x, w, attrs), "conv2d_filter_grad dy");
    return { shape: w, dtype: "f32" };
  },
  max_pool2d: (inputs, attrs) => {
    arity(inputs, 1, "max_pool2d");
    return {
      shape: poolOutput(rank4(inputs[0]!, "max_pool2d input"), attrs),
      dtype: "f32",
    };
  },
  avg_pool2d: (inputs, attrs) => {
    arity(inputs, 1, "avg_pool2d");
    return {
      shape: poolOutput(rank4(inputs[0]!, "avg_pool2d input"), attrs),
      dtype: "f32",
    };
  },
  max_pool2d_grad: (inputs, attrs) => {
    arity(inputs, 2, "max_pool2d_grad");
    const x = rank4(inputs[0]!, "max_pool2d_grad input");
    expectShape(
      rank4(inputs[1]!, "max_pool2d_grad dy"),
      poolOutput(x, attrs),
      "max_pool2d_grad dy",
    );
    return { shape: x, dtype: "f32" };
  },
  avg_pool2d_grad: (inputs, attrs) => {
    arity(inputs, 1, "avg_pool2d_grad");
    const dy = rank4(inputs[0]!, "avg_pool2d_grad dy");
    const x = [dy[0], dy[1], ...attrs.inputSize];
    expectShape(dy, poolOutput(x, attrs), "avg_pool2d_grad dy");
    return { shape: x, dtype: "f32" };
  },
  cast: (inputs, { to }) => {
    arity(inputs, 1, "cast");
    return { shape: inputs[0]!.shape, dtype: to };
  },
  const: (inputs, { value, shape, dtype }) => {
    arity(inputs, 0, "const");
    checkShape(shape, "const");
    if (dtype === "i32" && !(Number.isInteger(value) && (value | 0) === value)) {
      fail(`i32 const ${value} is not a 32-bit integer`);
    }
    return { shape, dtype };
  },
  iota: (inputs, { n }) => {
    arity(inputs, 0, "iota");
    if (!isDim(n)) fail(`iota length ${n} is invalid`);
    return { shape: [n], dtype: "i32" };
  },
  stop_gradient: (inputs) => {
    arity(inputs, 1, "stop_gradient");
    return inputs[0]!;
  },
  random_uniform: randomRule,
  random_normal: randomRule,
  input: leafRule,
  param: (inputs, attrs) => {
    if (attrs.dtype !== "f32") fail(`param ${attrs.name} must be f32`);
    return leafRule(inputs, attrs);
  },
  state: (inputs, attrs) => {
    if (attrs.dtype !== "f32") fail(`state ${attrs.name} must be f32`);
    return leafRule(inputs, attrs);
  },
};

const elementwiseRules = {
  ...rowsFor(unaryOps, unaryRule),
  ...rowsFor(binaryOps, (op) => binaryRule(op)),
  ...rowsFor(compareOps, (op) => binaryRule(op, "f32")),
};

export const shapeRules: { readonly [P in Op]: ShapeRule<P> } = {
  ...elementwiseRules,
  ...structuralRules,
};

/** The shape and dtype `op` produces from inputs of the given types; throws InternalError on misuse. */
export function inferType<O extends Op>(
  op: O,
  inputs: readonly TensorType[],
  attrs: OpAttrs[O],
): TensorType {
  const rule = shapeRules[op] as ShapeRule<O> | undefined;
  if (!rule) fail(`unknown op ${op}`);
  return rule(inputs, attrs);
}
