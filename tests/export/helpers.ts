/**
 * @file Shared by the export tests: a checkpoint of seeded random parameters for a train section,
 * seeded example inputs, ONNX Runtime on an exported file, and the comparison of two outputs.
 */
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { expect } from "vitest";
import { dimValue } from "../../src/parser/check/dims.js";
import type { ElaboratedTrain, InputInfo } from "../../src/parser/check/values.js";
import { writeCheckpoint, type CheckpointTensor } from "../../src/runtime/checkpoint.js";

/** mulberry32: a small seeded generator, so every run draws the same numbers. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes a checkpoint of `section`'s parameters drawn uniformly from ±1/√fan_in (rank ≥ 2) or
 * ±0.5 (biases, gains: never the zeros or ones of a fresh model, so every parameter matters).
 */
export function randomCheckpoint(section: ElaboratedTrain, dir: string, seed = 1): string {
  const next = random(seed);
  const tensors = new Map<string, CheckpointTensor>();
  for (const p of section.graph.params) {
    const n = p.shape.reduce((a, d) => a * d, 1);
    const scale = p.shape.length >= 2 ? 1 / Math.sqrt(n / p.shape.at(-1)!) : 0.5;
    const data = Float32Array.from({ length: n }, () => (2 * next() - 1) * scale);
    tensors.set(p.name, { dtype: "F32", shape: p.shape, data });
  }
  // State (running statistics) in [0.5, 1.5): a running variance must be positive.
  for (const s of section.graph.state) {
    const n = s.shape.reduce((a, d) => a * d, 1);
    const data = Float32Array.from({ length: n }, () => 0.5 + next());
    tensors.set(s.name, { dtype: "F32", shape: s.shape, data });
  }
  const path = join(dir, "random.safetensors");
  writeCheckpoint(path, { tensors, metadata: {} });
  return path;
}

/** Examples of one input: row-major values and the shape, batch first. */
export interface Batch {
  readonly data: Float32Array | Int32Array;
  readonly shape: readonly number[];
}

/** `count` examples for each of `inputs`: f32 in [0, 1), i32 in [0, 50). */
export function randomInputs(
  inputs: readonly InputInfo[],
  count: number,
  seed = 2,
): Map<string, Batch> {
  const next = random(seed);
  const out = new Map<string, Batch>();
  for (const input of inputs) {
    const per = input.shape.slice(1).map((d) => {
      const value = dimValue(d);
      if (value === undefined) throw new Error("test inputs need numbers after the batch");
      return value;
    });
    const n = count * per.reduce((a, d) => a * d, 1);
    const data =
      input.dtype === "i32"
        ? Int32Array.from({ length: n }, () => Math.floor(next() * 50))
        : Float32Array.from({ length: n }, () => next());
    out.set(input.name, { data, shape: [count, ...per] });
  }
  return out;
}

/** Examples [start, end) of each batch. */
export function rows(batches: ReadonlyMap<string, Batch>, start: number, end: number) {
  return new Map(
    [...batches].map(([name, { data, shape }]) => {
      const per = data.length / shape[0]!;
      return [
        name,
        { data: data.slice(start * per, end * per), shape: [end - start, ...shape.slice(1)] },
      ];
    }),
  );
}

/** Runs an `.onnx` file on ONNX Runtime's CPU provider; outputs by name as float arrays. */
export async function runOnnx(
  model: string | Uint8Array,
  feeds: ReadonlyMap<string, Batch>,
): Promise<Map<string, { data: Float32Array | Int32Array; dims: readonly number[] }>> {
  const session =
    typeof model === "string"
      ? await ort.InferenceSession.create(model)
      : await ort.InferenceSession.create(model);
  try {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, { data, shape }] of feeds)
      tensors[name] = new ort.Tensor(data instanceof Int32Array ? "int32" : "float32", data, shape);
    const results = await session.run(tensors);
    return new Map(
      Object.entries(results).map(([name, t]) => [
        name,
        { data: t.data as Float32Array | Int32Array, dims: t.dims },
      ]),
    );
  } finally {
    await session.release();
  }
}

/**
 * The largest difference between `actual` and `expected` relative to the largest magnitude of
 * `expected` (so values near zero, where float32 rounding of a sum is all there is, do not count
 * more than the output's scale).
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  }
  return worst / Math.max(scale, Number.MIN_VALUE);
}
