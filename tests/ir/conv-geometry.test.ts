/**
 * The shared convolution geometry: conv2d and both of its gradients, built from one convolution's
 * tensors, have the same geometry, and each op's GEMM view covers exactly the multiply-adds the
 * interpreter's loop performs (no padding, so every tap is taken) or, for the input gradient,
 * every tap on or off the stride grid.
 */
import { expect, test } from "vitest";
import {
  convGemmSize,
  convReadRules,
  geometryOf,
  type ConvNode,
} from "../../src/ir/conv-geometry.js";
import { forEachConvTap } from "../../src/ir/kernels.js";

const x = [2, 3, 9, 7];
const w = [5, 3, 3, 2];
const y = [2, 5, 4, 3]; // stride (2, 2), no padding: (9 - 3) / 2 + 1, (7 - 2) / 2 + 1
const attrs = { stride: [2, 2], padding: [0, 0] };
const t = (shape: number[]) => ({ shape });
const nodes = [
  { op: "conv2d", inputs: [t(x), t(w)], shape: y, attrs },
  {
    op: "conv2d_input_grad",
    inputs: [t(y), t(w)],
    shape: x,
    attrs: { ...attrs, inputSize: [9, 7] },
  },
  {
    op: "conv2d_filter_grad",
    inputs: [t(x), t(y)],
    shape: w,
    attrs: { ...attrs, kernelSize: [3, 2] },
  },
] as unknown as ConvNode[];

test("every convolution op of one convolution has its geometry", () => {
  const expected = { N: 2, C: 3, H: 9, W: 7, O: 5, KH: 3, KW: 2, OH: 4, OW: 3 };
  for (const n of nodes) expect(geometryOf(n)).toMatchObject(expected);
});

test("each op's GEMM view covers the interpreter's multiply-adds and the op's output", () => {
  let taps = 0;
  forEachConvTap(geometryOf(nodes[0]!), () => taps++);
  for (const n of nodes) {
    const { M, N, K } = convGemmSize(n);
    expect(M * N, n.op).toBe(n.shape.reduce((p, d) => p * d, 1));
    // The input gradient's steps include taps off the stride grid, which it masks to 0.
    if (n.op === "conv2d_input_grad") expect(M * N * K).toBe(2 * 9 * 7 * 3 * 5 * 3 * 2);
    else expect(M * N * K, n.op).toBe(taps);
  }
});

test("operand reads: a filter weight is read once per output position of the batch", () => {
  const g = geometryOf(nodes[0]!);
  expect(convReadRules.conv2d(g, 1)).toBe(2 * 4 * 3);
  expect(convReadRules.conv2d_input_grad(g, 1)).toBe(2 * 9 * 7);
  // dy's elements feed every (c, kh, kw) of the filter gradient
  expect(convReadRules.conv2d_filter_grad(g, 1)).toBe(3 * 3 * 2);
});
