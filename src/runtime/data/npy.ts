/**
 * @file NumPy `.npy` files (format versions 1.0, 2.0 and 3.0) and the `npy` data source.
 *
 * Reading: `parseNpy(bytes, name)` / `readNpy(path)` check the magic `\x93NUMPY`, read the
 * header (a Python dict literal such as `{'descr': '<f4', 'fortran_order': False, 'shape':
 * (N, 784), }`, parsed by a small tokenizer) and decode the data in C order (a Fortran-order
 * array is transposed). Floating dtypes (`f4`, `f8`, either byte order) become a `Float32Array`;
 * integer and boolean dtypes (`i1`..`i8`, `u1`..`u8`, `b1`) become an `Int32Array`, and a 64-bit
 * or `u4` value outside the 32-bit range is an error, as is a float value that is NaN, infinite
 * or beyond the float32 range (naming its index and example). The header may nest brackets
 * `NPY_MAX_NESTING` deep; deeper is refused in one line.
 *
 * Writing: `encodeNpy(data, shape)` / `writeNpy(path, data, shape)` write a `Float32Array` as
 * `<f4` or an `Int32Array` as `<i4` in C order, version 1.0 (2.0 only for a header too long for
 * it), the header padded with spaces so the data starts at a multiple of 64 bytes.
 *
 * The source: `npy(features, baseDir, {labels} | {targets})` — `features` are the values of each
 * example as they are (no scaling), `label` one whole number from 0 per example, `target` one
 * number per example (shape `(N,)` or `(N, 1)`; more than one value per example is an error
 * because the checker types `target` as `[N, 1]`). Every problem is a `DataError` naming the file.
 */
import { UsageError } from "../../diag/diagnostic.js";
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { DataError, readDataFile } from "./read-file.js";
import { shown } from "./show.js";
import type { Dataset } from "./types.js";

/** A decoded `.npy` array in C (row-major) order. */
export interface NpyArray {
  /** The header's `descr`, such as `<f4`. */
  readonly descr: string;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

// ---------------------------------------------------------------------------------------------
// The header: a Python literal (dict, tuple, list, string, integer, True/False/None).

type PyValue = string | number | boolean | null | PyValue[] | PyDict;
interface PyDict {
  readonly dict: Map<string, PyValue>;
}

type Token =
  | { kind: "punct"; text: string; at: number }
  | { kind: "string"; text: string; at: number }
  | { kind: "int"; value: number; at: number }
  | { kind: "name"; text: string; at: number };

const INT_TOKEN = /-?[0-9]+L?/y;
const NAME_TOKEN = /[A-Za-z_][A-Za-z0-9_]*/y;

/** The match of sticky `re` at `at` in `src`, without copying the rest of the header. */
function matchAt(re: RegExp, src: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(src)?.[0];
}

function tokenize(src: string, fail: (m: string) => never): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if ("{}()[]:,".includes(c)) {
      out.push({ kind: "punct", text: c, at: i });
      i++;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      let text = "";
      while (j < src.length && src[j] !== c) {
        if (src[j] === "\\" && j + 1 < src.length) j++;
        text += src[j];
        j++;
      }
      if (j >= src.length) fail(`unterminated string at offset ${i}`);
      out.push({ kind: "string", text, at: i });
      i = j + 1;
    } else if (/[0-9-]/.test(c)) {
      const m = matchAt(INT_TOKEN, src, i);
      if (!m) fail(`unexpected ${shown(c)} at offset ${i}`);
      out.push({ kind: "int", value: Number(m.replace("L", "")), at: i });
      i += m.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = matchAt(NAME_TOKEN, src, i)!;
      out.push({ kind: "name", text: m, at: i });
      i += m.length;
    } else {
      fail(`unexpected ${shown(c)} at offset ${i}`);
    }
  }
  return out;
}

/** Brackets a header may nest (a real one nests two: the dict and the shape tuple). */
export const NPY_MAX_NESTING = 32;

function parseLiteral(src: string, fail: (m: string) => never): PyValue {
  const tokens = tokenize(src, fail);
  let k = 0;
  const peek = () => tokens[k];
  const isPunct = (t: Token | undefined, text: string) => t?.kind === "punct" && t.text === text;
  const expect = (text: string) => {
    const t = tokens[k];
    if (!isPunct(t, text))
      fail(t ? `expected \`${text}\` at offset ${t.at}` : `expected \`${text}\` at the end`);
    k++;
  };
  /** Items up to `close`, separated by commas, a trailing comma allowed. */
  const items = <T>(close: string, item: () => T): { list: T[]; comma: boolean } => {
    const list: T[] = [];
    let comma = false;
    while (!isPunct(peek(), close)) {
      list.push(item());
      comma = isPunct(peek(), ",");
      if (comma) k++;
      else if (!isPunct(peek(), close)) expect(close);
    }
    k++;
    return { list, comma };
  };
  let depth = 0;
  const nested = <T>(t: Token, parse: () => T): T => {
    if (++depth > NPY_MAX_NESTING)
      fail(`brackets nested deeper than ${NPY_MAX_NESTING} at offset ${t.at}`);
    const v = parse();
    depth--;
    return v;
  };
  const value = (): PyValue => {
    const t = tokens[k++];
    if (!t) fail("the header ends early");
    switch (t.kind) {
      case "string":
        return t.text;
      case "int":
        return t.value;
      case "name":
        if (t.text === "True") return true;
        if (t.text === "False") return false;
        if (t.text === "None") return null;
        return fail(`unexpected ${shown(t.text)} at offset ${t.at}`);
      case "punct":
        if (t.text === "{") return nested(t, dictBody);
        if (t.text === "(") {
          const { list, comma } = nested(t, () => items(")", value));
          // `(x)` without a comma is just x in Python; a shape is always a tuple with one.
          return list.length === 1 && !comma ? list[0]! : list;
        }
        if (t.text === "[") return nested(t, () => items("]", value).list);
        return fail(`unexpected ${shown(t.text)} at offset ${t.at}`);
    }
  };
  const dictBody = (): PyDict => {
    const dict = new Map<string, PyValue>();
    items("}", () => {
      const key = tokens[k++];
      if (key?.kind !== "string") fail(`expected a string key at offset ${key?.at ?? src.length}`);
      expect(":");
      dict.set(key.text, value());
    });
    return { dict };
  };
  const v = value();
  if (k < tokens.length) fail(`unexpected text after the dict at offset ${tokens[k]!.at}`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Dtypes

interface Dtype {
  readonly kind: "f" | "i" | "u" | "b";
  readonly size: number;
  readonly little: boolean;
}

function dtypeOf(descr: PyValue, name: string): Dtype {
  const text = typeof descr === "string" ? descr : JSON.stringify(descr);
  const m = typeof descr === "string" ? /^([<>|=]?)([fiub])([1248])$/.exec(descr) : null;
  const supported =
    m && (m[2] === "f" ? m[3] === "4" || m[3] === "8" : m[2] === "b" ? m[3] === "1" : true);
  if (!m || !supported)
    throw new DataError(
      `${name}: unsupported dtype ${shown(text)}; Grove reads float32/64, (unsigned) integers of ` +
        `8 to 64 bits and bool`,
    );
  return { kind: m[2] as Dtype["kind"], size: Number(m[3]), little: m[1] !== ">" };
}

/** A copy of `bytes[start..end)` in a fresh, aligned buffer (a Node `Buffer`'s `slice` is a view). */
export const copyOf = (bytes: Uint8Array, start: number, end: number): Uint8Array =>
  new Uint8Array(bytes.subarray(start, end));

const MAX_I32 = 2 ** 31 - 1;
const MIN_I32 = -(2 ** 31);

/** Decodes `count` values of `dt` at `bytes[offset..]` into f32 (floats) or i32 (the rest). */
function decode(
  bytes: Uint8Array,
  offset: number,
  count: number,
  dt: Dtype,
  name: string,
  descr: string,
): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * dt.size);
  const le = dt.little;
  const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (dt.kind === "f") {
    if (dt.size === 4 && le === hostLittle)
      return new Float32Array(copyOf(bytes, offset, offset + count * 4).buffer);
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++)
      out[i] = dt.size === 4 ? view.getFloat32(i * 4, le) : view.getFloat64(i * 8, le);
    return out;
  }
  if (dt.kind === "i" && dt.size === 4 && le === hostLittle)
    return new Int32Array(copyOf(bytes, offset, offset + count * 4).buffer);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const at = i * dt.size;
    let v: number | bigint;
    if (dt.kind === "b") v = view.getUint8(at) ? 1 : 0;
    else if (dt.size === 1) v = dt.kind === "i" ? view.getInt8(at) : view.getUint8(at);
    else if (dt.size === 2) v = dt.kind === "i" ? view.getInt16(at, le) : view.getUint16(at, le);
    else if (dt.size === 4) v = dt.kind === "i" ? view.getInt32(at, le) : view.getUint32(at, le);
    else v = dt.kind === "i" ? view.getBigInt64(at, le) : view.getBigUint64(at, le);
    if (v > MAX_I32 || v < MIN_I32)
      throw new DataError(
        `${name}: value ${v} at index ${i} does not fit in a 32-bit integer (dtype \`${descr}\`)`,
      );
    out[i] = Number(v);
  }
  return out;
}

/** Reorders a Fortran-order (first index fastest) array into C order. */
function fortranToC<T extends Float32Array | Int32Array>(data: T, shape: readonly number[]): T {
  if (shape.length < 2) return data;
  const out = new (data.constructor as new (n: number) => T)(data.length);
  const rank = shape.length;
  const fStride = new Array<number>(rank);
  let s = 1;
  for (let d = 0; d < rank; d++) {
    fStride[d] = s;
    s *= shape[d]!;
  }
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < data.length; i++) {
    out[i] = data[src]!;
    // Advance the C-order multi-index (last dimension fastest), keeping `src` in step.
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      src += fStride[d]!;
      if (index[d]! < shape[d]!) break;
      src -= fStride[d]! * shape[d]!;
      index[d] = 0;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading and writing

/** Decodes the bytes of a `.npy` file; `name` (the path) is used in error messages. */
export function parseNpy(bytes: Uint8Array, name: string): NpyArray {
  if (bytes.length < 8 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new DataError(`${name}: not a .npy file (it does not start with \\x93NUMPY)`);
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (major < 1 || major > 3)
    throw new DataError(`${name}: .npy format version ${major}.${minor} is not supported`);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw new DataError(`${name}: truncated .npy header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  const dataStart = start + headerLen;
  if (bytes.length < dataStart)
    throw new DataError(
      `${name}: truncated .npy header (${headerLen} bytes announced, ${bytes.length - start} present)`,
    );
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + start, headerLen).toString(
    major === 3 ? "utf8" : "latin1",
  );
  const fail = (m: string): never => {
    throw new DataError(`${name}: malformed .npy header: ${m}`);
  };
  const literal = parseLiteral(header, fail);
  if (literal === null || typeof literal !== "object" || Array.isArray(literal))
    fail("it is not a dict");
  const dict = (literal as PyDict).dict;
  for (const key of ["descr", "fortran_order", "shape"])
    if (!dict.has(key)) fail(`no \`${key}\` key`);
  const fortran = dict.get("fortran_order");
  if (typeof fortran !== "boolean") fail("`fortran_order` is not True or False");
  const shapeValue = dict.get("shape");
  if (
    !Array.isArray(shapeValue) ||
    !shapeValue.every((d) => typeof d === "number" && Number.isInteger(d) && d >= 0)
  )
    fail("`shape` is not a tuple of whole numbers");
  const shape = shapeValue as number[];
  const descrValue = dict.get("descr")!;
  const dt = dtypeOf(descrValue, name);
  const descr = descrValue as string;
  const count = shape.reduce((p, d) => p * d, 1);
  const need = count * dt.size;
  const have = bytes.length - dataStart;
  if (have < need)
    throw new DataError(
      `${name}: truncated data: shape (${shape.join(", ")}) of \`${descr}\` needs ${need} bytes, the file has ${have}`,
    );
  if (have > need)
    throw new DataError(
      `${name}: ${have - need} bytes after the data that shape (${shape.join(", ")}) of \`${descr}\` describes`,
    );
  const flat = decode(bytes, dataStart, count, dt, name, descr);
  const data = fortran ? fortranToC(flat, shape) : flat;
  if (data instanceof Float32Array) {
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) {
      const at = dataStart + fileIndex(bad, shape, fortran === true) * dt.size;
      const view = new DataView(bytes.buffer, bytes.byteOffset + at, dt.size);
      const raw = dt.size === 4 ? view.getFloat32(0, dt.little) : view.getFloat64(0, dt.little);
      throw new DataError(`${name}: ${nonFiniteText(raw, bad, shape)}`);
    }
  }
  return { descr, shape, data };
}

/** The multi-index of C-order position `flat` in `shape`. */
function multiIndex(flat: number, shape: readonly number[]): number[] {
  const index: number[] = [];
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    index.unshift(rest % shape[d]!);
    rest = Math.floor(rest / shape[d]!);
  }
  return index;
}

/**
 * Where C-order position `flat` of an array of `shape` is, for a message: `the value at [3, 1]
 * (example 3)`, or `the value` for a single value.
 */
export function indexText(flat: number, shape: readonly number[]): string {
  if (shape.length === 0) return "the value";
  const index = multiIndex(flat, shape);
  return `the value at [${index.join(", ")}] (example ${index[0]})`;
}

/** Where C-order position `flat` lies in the file: itself, or its Fortran-order position. */
function fileIndex(flat: number, shape: readonly number[], fortran: boolean): number {
  if (!fortran) return flat;
  let stride = 1;
  let at = 0;
  multiIndex(flat, shape).forEach((i, d) => {
    at += i * stride;
    stride *= shape[d]!;
  });
  return at;
}

const F32_LARGEST = "3.4028235e38";

/**
 * What is wrong with the value `raw` read at C-order position `flat` of an array of `shape`
 * whose float32 value is not finite: NaN, infinite, or beyond the float32 range.
 */
export function nonFiniteText(raw: number, flat: number, shape: readonly number[]): string {
  const where = indexText(flat, shape);
  if (Number.isNaN(raw)) return `${where} is NaN; data must be finite numbers`;
  if (!Number.isFinite(raw)) return `${where} is ${raw}; data must be finite numbers`;
  return `${where} is ${raw}, beyond the float32 range (largest magnitude ${F32_LARGEST})`;
}

/** Reads and decodes a `.npy` file. */
export function readNpy(path: string): NpyArray {
  return parseNpy(readDataFile(path), path);
}

function shapeText(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/**
 * The bytes of a `.npy` file holding `data` (C order) with `shape`: `<f4` for a `Float32Array`,
 * `<i4` for an `Int32Array`; the data starts at a multiple of 64 bytes.
 */
export function encodeNpy(data: Float32Array | Int32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((p, d) => p * d, 1);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0) || count !== data.length)
    throw new UsageError(
      `encodeNpy: shape ${shapeText(shape)} does not hold ${data.length} values`,
    );
  const descr = data instanceof Float32Array ? "<f4" : "<i4";
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText(shape)}, }`;
  let major = 1;
  let prefix = 10;
  let headerLen = Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix;
  if (headerLen > 0xffff) {
    major = 2;
    prefix = 12;
    headerLen = Math.ceil((prefix + dict.length + 1) / 64) * 64 - prefix;
  }
  const out = new Uint8Array(prefix + headerLen + data.length * 4);
  out.set(MAGIC);
  out[6] = major;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, headerLen, true);
  else view.setUint32(8, headerLen, true);
  const header = dict.padEnd(headerLen - 1, " ") + "\n";
  out.set(Buffer.from(header, "latin1"), prefix);
  const at = prefix + headerLen;
  for (let i = 0; i < data.length; i++)
    if (descr === "<f4") view.setFloat32(at + i * 4, data[i]!, true);
    else view.setInt32(at + i * 4, data[i]!, true);
  return out;
}

/** Writes `data` with `shape` to `path` as a `.npy` file (see `encodeNpy`). */
export function writeNpy(
  path: string,
  data: Float32Array | Int32Array,
  shape: readonly number[],
): void {
  writeFileSync(path, encodeNpy(data, shape));
}

// ---------------------------------------------------------------------------------------------
// The `npy` source

export type NpyOptions = { readonly labels: string } | { readonly targets: string };

/** Examples and values per example of an array whose first dimension counts the examples. */
function perExample(a: NpyArray): { count: number; per: number } {
  if (a.shape.length === 0) return { count: 1, per: 1 };
  return { count: a.shape[0]!, per: a.shape.slice(1).reduce((p, d) => p * d, 1) };
}

/**
 * The `npy` source: `features` as `features` (f32), and `labels` as `label` (i32, whole numbers
 * from 0) or `targets` as `target` (f32, one per example). Paths are relative to `baseDir`.
 */
export function npy(features: string, baseDir: string, o: NpyOptions): Dataset {
  const xPath = resolve(baseDir, features);
  const x = readNpy(xPath);
  const isLabels = "labels" in o;
  const yPath = resolve(baseDir, isLabels ? o.labels : o.targets);
  const y = readNpy(yPath);
  const xs = perExample(x);
  const ys = perExample(y);
  if (xs.count !== ys.count)
    throw new DataError(
      `${xPath} has ${xs.count} examples (shape ${shapeText(x.shape)}) but ${yPath} has ${ys.count} (shape ${shapeText(y.shape)})`,
    );
  if (xs.count === 0) throw new DataError(`${xPath} has no examples`);
  const what = isLabels ? "labels" : "targets";
  if (ys.per !== 1)
    throw new DataError(
      `${yPath}: ${what} must have one value per example (shape (N,) or (N, 1)), but the shape is ${shapeText(y.shape)}`,
    );
  const featureData = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data);
  let last: [string, { dtype: "f32" | "i32"; perExample: number; data: Float32Array | Int32Array }];
  if (isLabels) {
    const label = y.data instanceof Int32Array ? y.data : new Int32Array(y.data.length);
    y.data.forEach((v, i) => {
      if (!(Number.isInteger(v) && v >= 0 && v <= MAX_I32))
        throw new DataError(
          `${yPath}: labels must be whole numbers from 0, but example ${i} is ${v}`,
        );
      label[i] = v;
    });
    last = ["label", { dtype: "i32", perExample: 1, data: label }];
  } else {
    const target = y.data instanceof Float32Array ? y.data : Float32Array.from(y.data);
    last = ["target", { dtype: "f32", perExample: 1, data: target }];
  }
  return {
    count: xs.count,
    fields: new Map([["features", { dtype: "f32", perExample: xs.per, data: featureData }], last]),
  };
}
