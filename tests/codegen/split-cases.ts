/** Binding limits for the split-plan tests, and the examples compiled under them. */
import type { BindingLimits } from "../../src/codegen/memory.js";

export const limitsOf = (bytes: number, buffers = 8): BindingLimits => ({
  maxStorageBufferBindingSize: bytes,
  maxStorageBuffersPerShaderStage: buffers,
  maxBufferSize: 1 << 30,
});

/**
 * Examples compiled so that several arenas split: file, batch, limits, and how many training
 * steps the GPU test compares (default 3).
 */
export const splitCases: [string, number, BindingLimits, number?][] = [
  // l1.w is exactly one binding: inputs, params (so grads, moments) and temps all split.
  ["examples/mnist-mlp.grove", 256, limitsOf(784 * 1024)],
  // Parameters and temps in many chunks; one fused group would bind 9 of them, so it is split.
  // One step: the split group's kernels round differently in the last bits, and the attention
  // key biases, whose gradient is zero but for rounding (about 1e-10), then get Adam updates of
  // full size and opposite sign from that noise.
  ["examples/char-transformer.grove", 1, limitsOf(256 * 1024), 1],
  // Three temps chunks, and at most 4 storage buffers per kernel: merged dispatches split.
  ["examples/mnist-cnn.grove", 2, limitsOf(100352, 4)],
  ["examples/regression.grove", 5, limitsOf(8192)],
];
