/**
 * @file Host tensors for the reference interpreter: typed-array storage in row-major order and
 * the index maps (broadcast, transpose, slice, reduce) that the interpreter's rules are built on.
 */
import { sizeOf, stridesOf } from "./node.js";
import type { Dtype, Shape } from "../ops/ops.js";

/** f32: Float32Array storage (rounded after every op); f64: Float64Array. i32 is always Int32Array. */
export type Precision = "f32" | "f64";
export type TensorData = Float32Array | Float64Array | Int32Array;

export interface Tensor {
  readonly shape: Shape;
  readonly dtype: Dtype;
  readonly data: TensorData;
}

export function allocData(size: number, dtype: Dtype, precision: Precision): TensorData {
  if (dtype === "i32") return new Int32Array(size);
  return precision === "f32" ? new Float32Array(size) : new Float64Array(size);
}

export function makeTensor(
  shape: Shape,
  dtype: Dtype,
  values: ArrayLike<number>,
  precision: Precision = "f64",
): Tensor {
  const data = allocData(sizeOf(shape), dtype, precision);
  if (values.length !== data.length) {
    throw new RangeError(
      `expected ${data.length} values for shape [${shape}], got ${values.length}`,
    );
  }
  if (dtype === "i32") {
    for (let i = 0; i < data.length; i++) data[i] = Math.trunc(values[i]!);
  } else {
    data.set(values);
  }
  return { shape, dtype, data };
}

/**
 * For every element of `outShape` in row-major order, the flat offset `sum(idx[d] * strides[d])`.
 * All other index maps are this one with different strides.
 */
export function stridedOffsets(outShape: Shape, strides: readonly number[], base = 0): Int32Array {
  const n = sizeOf(outShape);
  const r = outShape.length;
  const out = new Int32Array(n);
  const idx = new Array<number>(r).fill(0);
  let off = base;
  for (let i = 0; i < n; i++) {
    out[i] = off;
    for (let d = r - 1; d >= 0; d--) {
      idx[d]!++;
      off += strides[d]!;
      if (idx[d]! < outShape[d]!) break;
      off -= strides[d]! * outShape[d]!;
      idx[d] = 0;
    }
  }
  return out;
}

/** Strides of `inShape` seen from the broadcast `outShape`: 0 along stretched or missing dims. */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const inStrides = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  return outShape.map((_, d) => {
    const k = d - lead;
    return k >= 0 && inShape[k] !== 1 ? inStrides[k]! : 0;
  });
}

/** Where each element of the broadcast result reads from in the input. */
export function broadcastOffsets(inShape: Shape, outShape: Shape): Int32Array {
  return stridedOffsets(outShape, broadcastStrides(inShape, outShape));
}

/** Where each output element of transpose(x, perm) reads from in x. */
export function transposeOffsets(inShape: Shape, perm: readonly number[]): Int32Array {
  const inStrides = stridesOf(inShape);
  return stridedOffsets(
    perm.map((p) => inShape[p]!),
    perm.map((p) => inStrides[p]!),
  );
}

/** Where each output element of slice(x, axis, start, end) reads from in x. */
export function sliceOffsets(inShape: Shape, axis: number, start: number, end: number): Int32Array {
  const inStrides = stridesOf(inShape);
  const outShape = inShape.map((d, i) => (i === axis ? end - start : d));
  return stridedOffsets(outShape, inStrides, start * inStrides[axis]!);
}

/** For every input element, the flat index of the reduction output it accumulates into. */
export function reduceOffsets(inShape: Shape, axes: readonly number[]): Int32Array {
  const keptShape = inShape.map((d, i) => (axes.includes(i) ? 1 : d));
  return broadcastOffsets(keptShape, inShape);
}
