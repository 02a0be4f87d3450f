/**
 * @file How each IR primitive is written in ONNX (opset 17): one rule per op, building through the
 * `OnnxWriter` and returning the ONNX value that holds the op's result. An op whose row is
 * undefined has no ONNX lowering, and exporting a graph that uses it is an error naming it: the
 * random ops (ONNX's generators draw other numbers than Grove's Philox streams, so the export could
 * not match `grove predict`) and the gradient-only ops, which an inference graph never holds.
 */
import type { NodeOf } from "../ir/node.js";
import {
  binaryOps,
  compareOps,
  rowsFor,
  unaryOps,
  type BinaryOp,
  type CompareOp,
  type Op,
  type UnaryOp,
} from "../ops/ops.js";
import type { BatchAffine } from "./batch.js";
import { dataTypeOf, type OnnxWriter } from "./onnx-writer.js";
import { onnxDataType } from "./onnx-proto.js";

/** Writes `node` through `w`; returns the name of the value holding its result. */
export type OnnxRule<O extends Op> = (w: OnnxWriter, node: NodeOf<O>) => string;

/** The ONNX operator of each elementwise op, or a small function for one that has none. */
const unaryTypes: { readonly [P in UnaryOp]: string | ((w: OnnxWriter, x: string) => string) } = {
  neg: "Neg",
  exp: "Exp",
  log: "Log",
  sqrt: "Sqrt",
  rsqrt: (w, x) => w.op("Reciprocal", [w.op("Sqrt", [x])]),
  tanh: "Tanh",
  sigmoid: "Sigmoid",
  relu: "Relu",
  abs: "Abs",
  sign: "Sign",
  sin: "Sin",
  cos: "Cos",
  erf: "Erf",
};

const binaryTypes: { readonly [P in BinaryOp]: string } = {
  add: "Add",
  sub: "Sub",
  mul: "Mul",
  div: "Div",
  pow: "Pow",
  maximum: "Max",
  minimum: "Min",
};

/** ONNX comparisons give booleans; `not_equal` is Not(Equal). */
const compareTypes: { readonly [P in CompareOp]: readonly string[] } = {
  less: ["Less"],
  less_equal: ["LessOrEqual"],
  greater: ["Greater"],
  greater_equal: ["GreaterOrEqual"],
  equal: ["Equal"],
  not_equal: ["Equal", "Not"],
};

const input = (w: OnnxWriter, node: NodeOf<Op>, i = 0) => w.value(node.inputs[i]!);
const cast = (w: OnnxWriter, x: string, node: NodeOf<Op>) =>
  w.op("Cast", [x], { to: dataTypeOf[node.dtype] });
const one = (a: BatchAffine | readonly BatchAffine[]) => a as BatchAffine;

function unaryRule(op: UnaryOp): OnnxRule<UnaryOp> {
  const t = unaryTypes[op];
  return (w, node) => (typeof t === "string" ? w.op(t, [input(w, node)]) : t(w, input(w, node)));
}

function compareRule(op: CompareOp): OnnxRule<CompareOp> {
  return (w, node) => {
    const [first, ...rest] = compareTypes[op];
    let v = w.op(first!, [input(w, node, 0), input(w, node, 1)]);
    for (const t of rest) v = w.op(t, [v]);
    return cast(w, v, node);
  };
}

/** sum, max and mean over `axes`; ReduceSum takes them as an input, the others as an attribute. */
function reduceRule(
  onnx: "ReduceSum" | "ReduceMax" | "ReduceMean",
): OnnxRule<"sum" | "max" | "mean"> {
  return (w, node) => {
    const { axes, keepdims } = node.attrs;
    const x = input(w, node);
    if (axes.length === 0) return w.op("Identity", [x]);
    const k = keepdims ? 1 : 0;
    return onnx === "ReduceSum"
      ? w.op(onnx, [x, w.ints(axes)], { keepdims: k })
      : w.op(onnx, [x], { axes, keepdims: k });
  };
}

/** conv2d's symmetric padding as ONNX's [top, left, bottom, right]. */
const pads = ([h, w]: readonly [number, number]) => [h, w, h, w];

// `satisfies` rather than a declared type: the table keeps which rows are undefined, so
// `trainRules` (onnx-train-rules.ts) cannot take an undefined row over without a row of its own.
export const onnxRules = {
  ...rowsFor(unaryOps, unaryRule),
  ...rowsFor(
    binaryOps,
    (op) => (w: OnnxWriter, node: NodeOf<BinaryOp>) =>
      w.op(binaryTypes[op], [input(w, node, 0), input(w, node, 1)]),
  ),
  ...rowsFor(compareOps, compareRule),
  where: (w, node) => {
    const cond = w.op("Cast", [input(w, node, 0)], { to: onnxDataType.BOOL });
    return w.op("Where", [cond, input(w, node, 1), input(w, node, 2)]);
  },
  broadcast: (w, node) => w.op("Expand", [input(w, node), w.shape(w.batch.shape(node))]),
  sum: reduceRule("ReduceSum"),
  max: reduceRule("ReduceMax"),
  mean: reduceRule("ReduceMean"),
  argmax: (w, node) => {
    const attrs = { axis: node.attrs.axis, keepdims: 0, select_last_index: 0 };
    return cast(w, w.op("ArgMax", [input(w, node)], attrs), node);
  },
  matmul: (w, node) => w.op("MatMul", [input(w, node, 0), input(w, node, 1)]),
  reshape: (w, node) =>
    w.op("Reshape", [input(w, node), w.shape(w.batch.shape(node), { inferOne: true })]),
  transpose: (w, node) => w.op("Transpose", [input(w, node)], { perm: node.attrs.perm }),
  slice: (w, node) => {
    const start = w.batchInt64(one(w.batch.attr(node, "start")));
    const end = w.batchInt64(one(w.batch.attr(node, "end")));
    const axis = w.fixedAttr(node, "axis");
    return w.op("Slice", [input(w, node), start, end, w.ints([axis])]);
  },
  concat: (w, node) =>
    w.op(
      "Concat",
      node.inputs.map((n) => w.value(n)),
      { axis: node.attrs.axis },
    ),
  gather: (w, node) => w.op("Gather", [input(w, node, 0), input(w, node, 1)], { axis: 0 }),
  scatter_add: undefined,
  // ids equal to 0..depth-1 along a new last axis: ids outside the range give a row of zeros, as
  // in Grove (ONNX's OneHot would count negative ids from the end).
  one_hot: (w, node) => {
    const depth = w.fixedAttr(node, "depth");
    const ids = w.op("Unsqueeze", [input(w, node), w.ints([-1])]);
    const range = w.op("Range", [w.scalar(0, "i32"), w.scalar(depth, "i32"), w.scalar(1, "i32")]);
    return cast(w, w.op("Equal", [ids, range]), node);
  },
  conv2d: (w, node) => {
    const kernel = node.inputs[1]!.shape.slice(2);
    return w.op("Conv", [input(w, node, 0), input(w, node, 1)], {
      kernel_shape: kernel,
      strides: node.attrs.stride,
      pads: pads(node.attrs.padding),
    });
  },
  conv2d_input_grad: undefined,
  conv2d_filter_grad: undefined,
  max_pool2d: (w, node) =>
    w.op("MaxPool", [input(w, node)], {
      kernel_shape: node.attrs.size,
      strides: node.attrs.stride,
    }),
  avg_pool2d: (w, node) =>
    w.op("AveragePool", [input(w, node)], {
      kernel_shape: node.attrs.size,
      strides: node.attrs.stride,
    }),
  max_pool2d_grad: undefined,
  avg_pool2d_grad: undefined,
  cast: (w, node) => cast(w, input(w, node), node),
  // A fill: a 0-d constant, widened to the shape (computed from the batch where it depends on it).
  const: (w, node) => {
    const value = one(w.batch.attr(node, "value"));
    const dims = w.batch.shape(node);
    const scalar = w.batchScalar(value, node.dtype);
    return dims.length === 0 ? scalar : w.op("Expand", [scalar, w.shape(dims)]);
  },
  iota: (w, node) => {
    const n = w.batchScalar(one(w.batch.attr(node, "n")), "i32");
    return w.op("Range", [w.scalar(0, "i32"), n, w.scalar(1, "i32")]);
  },
  stop_gradient: (w, node) => w.op("Identity", [input(w, node)]),
  random_uniform: undefined,
  random_normal: undefined,
  input: (w, node) => w.graphInput(node),
  param: (w, node) => w.param(node),
  // Evaluation reads the running values: an initializer holding the checkpoint's state.
  state: (w, node) => w.param(node),
} satisfies { readonly [O in Op]: OnnxRule<O> | undefined };
