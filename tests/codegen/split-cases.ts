/** Binding limits for the split-plan tests, and the examples compiled under them. */
import type { BindingLimits } from "../../src/codegen/memory.js";

export const limitsOf = (bytes: number, buffers = 8): BindingLimits => ({
  maxStorageBufferBindingSize: bytes,
  maxStorageBuffersPerShaderStage: buffers,
  maxBufferSize: 1 << 30,
});

/** Examples compiled so that several arenas split: file, batch, limits. */
export const splitCases: [string, number, BindingLimits][] = [
  // l1.w is exactly one binding: inputs, params (so grads, moments) and temps all split.
  ["examples/mnist-mlp.grove", 256, limitsOf(784 * 1024)],
  // Five parameter chunks, five temps chunks.
  ["examples/char-transformer.grove", 1, limitsOf(512 * 1024)],
  // Three temps chunks, and at most 4 storage buffers per kernel: merged dispatches split.
  ["examples/mnist-cnn.grove", 2, limitsOf(100352, 4)],
  ["examples/regression.grove", 5, limitsOf(8192)],
];
