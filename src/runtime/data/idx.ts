/**
 * @file IDX files (the original MNIST / Fashion-MNIST format) and the `idx` data source.
 *
 * `parseIdx(bytes, name)` / `readIdx(path)`: the magic is two zero bytes, a type byte (0x08 u8,
 * 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64) and the number of dimensions; then each
 * dimension as a big-endian u32, then the values, big-endian, in row-major order. A file that
 * starts with the gzip magic (0x1f 0x8b) is decompressed first, whatever its name. The values
 * come back in a typed array of their own type. A float value that is NaN or infinite is
 * refused, naming its index and example.
 *
 * The source: `idx(images, labels, baseDir)` gives `image` (f32, the product of the dimensions
 * after the first per example: 784 for 28×28) and `label` (i32). u8 images are scaled to [0, 1]
 * by dividing by 255, as the `mnist` source's pixels are; images of any other type are taken as
 * they are, and must lie in the float32 range. Labels must be whole numbers from 0. Every problem
 * is a `DataError` naming the file.
 */
import { gunzipSync } from "node:zlib";
import { resolve } from "node:path";
import { DataError, readDataFile } from "./read-file.js";
import { copyOf, nonFiniteText } from "./npy.js";
import type { Dataset } from "./types.js";

export type IdxValues =
  Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  /** The type's name: `u8`, `i8`, `i16`, `i32`, `f32` or `f64`. */
  readonly type: string;
  readonly shape: readonly number[];
  readonly data: IdxValues;
}

const TYPES: Readonly<Record<number, { name: string; size: number }>> = {
  0x08: { name: "u8", size: 1 },
  0x09: { name: "i8", size: 1 },
  0x0b: { name: "i16", size: 2 },
  0x0c: { name: "i32", size: 4 },
  0x0d: { name: "f32", size: 4 },
  0x0e: { name: "f64", size: 8 },
};

/** Decodes the bytes of an IDX file (gzip-compressed or not); `name` is used in messages. */
export function parseIdx(raw: Uint8Array, name: string): IdxArray {
  let bytes = raw;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      bytes = gunzipSync(raw);
    } catch (e) {
      throw new DataError(
        `${name}: cannot decompress (gzip): ${(e as Error).message.split("\n")[0]}`,
      );
    }
  }
  const hex = (b: number | undefined) => `0x${(b ?? 0).toString(16).padStart(2, "0")}`;
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0)
    throw new DataError(
      `${name}: not an IDX file (it must start with two zero bytes, a type and a rank; ` +
        `it starts ${Array.from(bytes.subarray(0, 4), hex).join(" ") || "empty"})`,
    );
  const type = TYPES[bytes[2]!];
  if (!type)
    throw new DataError(
      `${name}: unknown IDX type ${hex(bytes[2])} (known: 0x08 u8, 0x09 i8, 0x0b i16, 0x0c i32, 0x0d f32, 0x0e f64)`,
    );
  const rank = bytes[3]!;
  if (rank === 0) throw new DataError(`${name}: an IDX file needs at least one dimension`);
  const start = 4 + 4 * rank;
  if (bytes.length < start)
    throw new DataError(`${name}: truncated header (${rank} dimensions need ${start} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, d) => view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((p, d) => p * d, 1);
  const need = count * type.size;
  const have = bytes.length - start;
  if (have < need)
    throw new DataError(
      `${name}: truncated data: ${shape.join("×")} ${type.name} values need ${need} bytes, the file has ${have}`,
    );
  if (have > need)
    throw new DataError(
      `${name}: ${have - need} bytes after the ${shape.join("×")} ${type.name} values its header describes`,
    );
  const at = (i: number) => start + i * type.size;
  let data: IdxValues;
  switch (type.name) {
    case "u8":
      data = copyOf(bytes, start, start + count);
      break;
    case "i8":
      data = new Int8Array(copyOf(bytes, start, start + count).buffer);
      break;
    case "i16":
      data = Int16Array.from({ length: count }, (_, i) => view.getInt16(at(i), false));
      break;
    case "i32":
      data = Int32Array.from({ length: count }, (_, i) => view.getInt32(at(i), false));
      break;
    case "f32":
      data = Float32Array.from({ length: count }, (_, i) => view.getFloat32(at(i), false));
      break;
    default:
      data = Float64Array.from({ length: count }, (_, i) => view.getFloat64(at(i), false));
  }
  if (data instanceof Float32Array || data instanceof Float64Array) {
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new DataError(`${name}: ${nonFiniteText(data[bad]!, bad, shape)}`);
  }
  return { type: type.name, shape, data };
}

/** Reads and decodes an IDX file (gzip-compressed or not). */
export function readIdx(path: string): IdxArray {
  return parseIdx(readDataFile(path), path);
}

/**
 * The `idx` source: `images` as `image` (u8 scaled by 1/255) and `labels` as `label`; paths are
 * relative to `baseDir`.
 */
export function idx(images: string, labels: string, baseDir: string): Dataset {
  const xPath = resolve(baseDir, images);
  const yPath = resolve(baseDir, labels);
  const x = readIdx(xPath);
  const y = readIdx(yPath);
  const count = x.shape[0]!;
  if (y.shape[0] !== count)
    throw new DataError(`${xPath} has ${count} images but ${yPath} has ${y.shape[0]} labels`);
  if (count === 0) throw new DataError(`${xPath} has no images`);
  const per = x.shape.slice(1).reduce((p, d) => p * d, 1);
  if (y.shape.length > 2 || (y.shape.length === 2 && y.shape[1] !== 1))
    throw new DataError(
      `${yPath}: labels must have one value per example, but the shape is ${y.shape.join("×")}`,
    );
  const image = new Float32Array(x.data.length);
  if (x.type === "u8") for (let i = 0; i < image.length; i++) image[i] = x.data[i]! / 255;
  else image.set(x.data);
  // An f64 image value beyond the float32 range became infinite here.
  const overflow = image.findIndex((v) => !Number.isFinite(v));
  if (overflow >= 0)
    throw new DataError(`${xPath}: ${nonFiniteText(x.data[overflow]!, overflow, x.shape)}`);
  const label = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = y.data[i]!;
    if (!(Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1))
      throw new DataError(`${yPath}: labels must be whole numbers from 0, but label ${i} is ${v}`);
    label[i] = v;
  }
  return {
    count,
    fields: new Map([
      ["image", { dtype: "f32", perExample: per, data: image }],
      ["label", { dtype: "i32", perExample: 1, data: label }],
    ]),
  };
}
