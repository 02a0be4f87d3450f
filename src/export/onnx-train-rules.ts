/**
 * @file ONNX lowerings of the gradient-only primitives (`GradientOp`, src/ops/ops.ts), which
 * only a training graph holds (the inference export never meets them, so `onnxRules` leaves them
 * undefined): one rule per op, built through the same `OnnxWriter`, each equal to the
 * interpreter's definition up to float32 rounding (the interpreter sums in float64, ONNX Runtime
 * in float32), and `trainRules`, every op's row for a training graph: its rule, or why the step
 * builder feeds the op's value instead of writing it. The table is typed over every `Op` with no
 * undefined row, so a new primitive does not compile until it has one here (or in `onnxRules`).
 */
import type { Node, NodeOf } from "../ir/node.js";
import type { GradientOp, Op } from "../ops/ops.js";
import { onnxDataType } from "./onnx-proto.js";
import { onnxRules, type OnnxRule } from "./onnx-rules.js";
import { denseTensor, type OnnxWriter } from "./onnx-writer.js";

const input = (w: OnnxWriter, node: NodeOf<Op>, i = 0) => w.value(node.inputs[i]!);
const product = (dims: readonly number[]) => dims.reduce((a, d) => a * d, 1);
const int64 = (w: OnnxWriter, x: string) => w.op("Cast", [x], { to: onnxDataType.INT64 });
const zeros = (w: OnnxWriter, dims: readonly number[]) =>
  w.op("Expand", [w.scalar(0, "f32"), w.ints(dims)]);

/**
 * `ScatterElements(zeros, indices, updates, axis 0, reduction add)`: adds each update at its row
 * of `data`, in index order (ONNX Runtime's kernel is a sequential loop, so repeated rows are
 * summed in a fixed order and a run is reproducible).
 */
function scatterAdd(
  w: OnnxWriter,
  dataDims: readonly number[],
  indices: string,
  updates: string,
): string {
  return w.op("ScatterElements", [zeros(w, dataDims), indices, updates], {
    axis: 0,
    reduction: "add",
  });
}

/**
 * `ConvTranspose(dy, w)`: the transpose of `conv2d`, whose weights are laid out [O, C, KH, KW]
 * exactly as ConvTranspose reads them; `output_padding` restores the rows and columns a strided
 * forward pass dropped (less than the stride by construction).
 */
function convInputGrad(w: OnnxWriter, node: NodeOf<"conv2d_input_grad">): string {
  const { stride, padding, inputSize } = node.attrs;
  const [dy, weights] = node.inputs as [Node, Node];
  const kernel = weights.shape.slice(2);
  const outputPadding = [0, 1].map(
    (a) => inputSize[a]! - (stride[a]! * (dy.shape[2 + a]! - 1) + kernel[a]! - 2 * padding[a]!),
  );
  return w.op("ConvTranspose", [w.value(dy), w.value(weights)], {
    kernel_shape: kernel,
    strides: stride,
    pads: [padding[0], padding[1], padding[0], padding[1]],
    output_padding: outputPadding,
  });
}

/**
 * dW[o, c, i, j] = Σ_n Σ_y Σ_x dy[n, o, y, x] · x[n, c, y·s + i - p, x·s + j - p]: a `Conv` of the
 * input seen as C images of N channels by dy seen as O filters of N channels, dilated by the
 * stride; its output [C, O, ≥KH, ≥KW] is cut to the kernel and transposed to [O, C, KH, KW].
 */
function convFilterGrad(w: OnnxWriter, node: NodeOf<"conv2d_filter_grad">): string {
  const { stride, padding, kernelSize } = node.attrs;
  const swap = { perm: [1, 0, 2, 3] };
  const x = w.op("Transpose", [input(w, node, 0)], swap);
  const dy = w.op("Transpose", [input(w, node, 1)], swap);
  const dyDims = node.inputs[1]!.shape;
  const full = w.op("Conv", [x, dy], {
    kernel_shape: dyDims.slice(2),
    dilations: stride,
    pads: [padding[0], padding[1], padding[0], padding[1]],
  });
  const cut = w.op("Slice", [full, w.ints([0, 0]), w.ints(kernelSize), w.ints([2, 3])]);
  return w.op("Transpose", [cut], swap);
}

/**
 * Each window's dy goes to its first maximum: `MaxPool`'s second output holds, per window, the
 * flat index (over N, C, H, W) of its first maximum in row-major order (ONNX Runtime keeps a
 * maximum only when a later value is strictly greater, as the interpreter does), and the dys are
 * added there.
 */
function maxPoolGrad(w: OnnxWriter, node: NodeOf<"max_pool2d_grad">): string {
  w.op("MaxPool", [input(w, node, 0)], {
    kernel_shape: node.attrs.size,
    strides: node.attrs.stride,
  });
  const indices = w.extraOutput("indices");
  const flat = (x: string) => w.op("Reshape", [x, w.ints([-1])]);
  const dx = scatterAdd(w, [product(node.shape)], flat(indices), flat(input(w, node, 1)));
  return w.op("Reshape", [dx, w.ints(node.shape)]);
}

/**
 * Each window's dy spread evenly over it: per channel, `ConvTranspose` with a window of
 * 1 / (KH · KW) (no padding; `output_padding` gives back the partial windows pooling dropped).
 */
function avgPoolGrad(w: OnnxWriter, node: NodeOf<"avg_pool2d_grad">): string {
  const { size, stride, inputSize } = node.attrs;
  const dy = node.inputs[0]!;
  const [n, c, oh, ow] = dy.shape as [number, number, number, number];
  const perChannel = w.op("Reshape", [w.value(dy), w.ints([n * c, 1, oh, ow])]);
  const share = Array<number>(size[0] * size[1]).fill(1 / (size[0] * size[1]));
  const window = w.constant(denseTensor(share, "f32", [1, 1, size[0], size[1]]));
  const outputPadding = [0, 1].map(
    (a) => inputSize[a]! - (stride[a]! * ([oh, ow][a]! - 1) + size[a]!),
  );
  const dx = w.op("ConvTranspose", [perChannel, window], {
    kernel_shape: size,
    strides: stride,
    output_padding: outputPadding,
  });
  return w.op("Reshape", [dx, w.ints(node.shape)]);
}

const gradientRules: { readonly [O in GradientOp]: OnnxRule<O> } = {
  // scatter_add(ids [I...], updates [I..., D...]) -> [rows, D...]: rows of [I, D] added at ids.
  scatter_add: (w, node) => {
    const [ids, updates] = node.inputs as [Node, Node];
    const rowSize = product(node.shape.slice(1));
    const count = product(ids.shape);
    const rows = w.op("Reshape", [w.value(updates), w.ints([count, rowSize])]);
    const at = w.op("Reshape", [int64(w, w.value(ids)), w.ints([count, 1])]);
    const indices = w.op("Expand", [at, w.ints([count, rowSize])]);
    const sum = scatterAdd(w, [node.attrs.rows, rowSize], indices, rows);
    return w.op("Reshape", [sum, w.ints(node.shape)]);
  },
  conv2d_input_grad: convInputGrad,
  conv2d_filter_grad: convFilterGrad,
  max_pool2d_grad: maxPoolGrad,
  avg_pool2d_grad: avgPoolGrad,
};

/**
 * An op the step builder (`StepBuilder.lower`, onnx-train.ts) feeds as a graph input instead of
 * writing, so it never looks up a rule for it: `fed` says what is fed.
 */
export interface FedOp {
  readonly fed: string;
}

/** A training graph's row for an op: its rule, or what the step builder feeds in its place. */
export type TrainRow<O extends Op> = OnnxRule<O> | FedOp;

// ONNX's random operators draw other numbers than Grove's Philox streams.
const fedRandom: FedOp = { fed: "the draw, computed on the host with the interpreter's Philox" };

/**
 * Every primitive a training graph may hold: `onnxRules`, the gradient-only rules over its
 * undefined rows, and the ops the step builder feeds. No row is undefined, so with these every
 * model that compiles for `--backend cpu` lowers for `--backend onnx`.
 */
export const trainRules: { readonly [O in Op]: TrainRow<O> } = {
  ...onnxRules,
  ...gradientRules,
  random_uniform: fedRandom,
  random_normal: fedRandom,
  input: { fed: "the batch's data field of that name" },
  param: { fed: "the parameter, under its Plan name" },
  state: { fed: "the model state, under its Plan name" },
};
