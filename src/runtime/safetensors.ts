/**
 * @file The safetensors format, as bytes: an 8-byte little-endian header length, a JSON header
 * (`{name: {dtype, shape, data_offsets}}` plus a `__metadata__` string map) padded with spaces to a
 * multiple of 8 bytes, then the tensors' little-endian bytes, back to back. Grove writes parameters
 * under their hierarchical names (`l1.w`) and optimizer moments as `optimizer.<plan state name>`
 * (`optimizer.m:l1.w`). Every malformed file, a duplicated name included, is a `CheckpointError`
 * naming it; `tensorsFor` hands out only finite values. No file access here (`checkpoint.ts` reads
 * and writes files), so a browser page can encode and decode checkpoints too.
 */
import { UsageError, UserError } from "../diag/diagnostic.js";
import type { Plan } from "../codegen/plan.js";

export type CheckpointDtype = "F32" | "I32";

export interface CheckpointTensor {
  readonly dtype: CheckpointDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Int32Array;
}

export interface Checkpoint {
  /** Tensors in file order. */
  readonly tensors: ReadonlyMap<string, CheckpointTensor>;
  /** The `__metadata__` map (strings only, as the format requires). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** The prefix of optimizer-state tensors, which keeps them apart from parameters. */
export const OPTIMIZER_PREFIX = "optimizer.";

/** A checkpoint that cannot be read, written or used for this model; the message names the file. */
export class CheckpointError extends UserError {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = "CheckpointError";
  }
}

const BYTES: Record<CheckpointDtype, number> = { F32: 4, I32: 4 };
const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const count = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);
const shapeText = (shape: readonly number[]) => `[${shape.join(", ")}]`;

function tensorBytes(data: Float32Array | Int32Array): Uint8Array {
  if (littleEndian) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++)
    if (data instanceof Float32Array) view.setFloat32(4 * i, data[i]!, true);
    else view.setInt32(4 * i, data[i]!, true);
  return out;
}

/** The bytes of a safetensors file holding `tensors` (in this order) and `metadata`. */
export function encodeSafetensors(
  tensors: ReadonlyMap<string, CheckpointTensor>,
  metadata: Readonly<Record<string, string>>,
): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const [name, t] of tensors) {
    if (name === "__metadata__") throw new UsageError("a tensor cannot be named __metadata__");
    const want = t.dtype === "I32" ? Int32Array : Float32Array;
    if (!(t.data instanceof want) || t.data.length !== count(t.shape))
      throw new UsageError(
        `tensor ${name}: ${t.dtype}${shapeText(t.shape)} needs ${count(t.shape)} values in a ${want.name}, got ${t.data.length} in a ${t.data.constructor.name}`,
      );
    const bytes = tensorBytes(t.data);
    header[name] = {
      dtype: t.dtype,
      shape: [...t.shape],
      data_offsets: [offset, offset + bytes.length],
    };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  const raw = new TextEncoder().encode(json);
  const padded = Math.ceil(raw.length / 8) * 8;
  json += " ".repeat(padded - raw.length);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number =>
  typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * The first key that an object of `json` (valid JSON) holds twice, and whether that object is the
 * top level, or undefined. `JSON.parse` silently keeps the last value of a duplicated key; the
 * safetensors format forbids duplicated tensor names. A scan without recursion, so any depth is
 * fine.
 */
export function duplicateKey(json: string): { key: string; topLevel: boolean } | undefined {
  // One entry per open container: the keys seen for an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === "\\" ? 2 : 1;
      const keys = open.at(-1);
      if (expectKey && keys) {
        const key = JSON.parse(json.slice(i, j + 1)) as string;
        if (keys.has(key)) return { key, topLevel: open.length === 1 };
        keys.add(key);
      }
      expectKey = false;
      i = j;
    } else if (c === "{" || c === "[") {
      open.push(c === "{" ? new Set() : null);
      expectKey = c === "{";
    } else if (c === "}" || c === "]") {
      open.pop();
      expectKey = false;
    } else if (c === ",") expectKey = !!open.at(-1);
  }
  return undefined;
}

/** Parses safetensors bytes; `file` names the source in every error. */
export function decodeSafetensors(bytes: Uint8Array, file: string): Checkpoint {
  const fail = (detail: string): never => {
    throw new CheckpointError(file, detail);
  };
  if (bytes.length < 8)
    fail(`not a safetensors file: ${bytes.length} bytes is shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8))
    fail(
      `truncated or not a safetensors file: the header length ${headerLength} goes past the end of the file (${bytes.length} bytes)`,
    );
  const n = Number(headerLength);
  let header: unknown;
  let text = "";
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch (e) {
    fail(`the header is not valid JSON: ${(e as Error).message}`);
  }
  const twice = duplicateKey(text);
  if (twice)
    fail(
      twice.topLevel
        ? `the header names \`${twice.key}\` twice; safetensors forbids duplicate names`
        : `the header has the key \`${twice.key}\` twice in one object; safetensors forbids duplicate names`,
    );
  if (!isRecord(header)) fail("the header is not a JSON object");
  const h = header as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  if ("__metadata__" in h) {
    const m = h.__metadata__;
    if (!isRecord(m)) fail("`__metadata__` is not an object");
    for (const [k, v] of Object.entries(m as Record<string, unknown>)) {
      if (typeof v !== "string") fail(`metadata \`${k}\` is not a string`);
      metadata[k] = v as string;
    }
  }
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const entries: {
    name: string;
    dtype: CheckpointDtype;
    shape: number[];
    begin: number;
    end: number;
  }[] = [];
  for (const [name, v] of Object.entries(h)) {
    if (name === "__metadata__") continue;
    if (!isRecord(v)) fail(`tensor \`${name}\` is not an object`);
    const e = v as Record<string, unknown>;
    if (e.dtype !== "F32" && e.dtype !== "I32")
      fail(`tensor \`${name}\` has dtype ${JSON.stringify(e.dtype)}; Grove reads only F32 and I32`);
    if (!Array.isArray(e.shape) || !e.shape.every(isCount))
      fail(`tensor \`${name}\` has no valid shape (a list of whole numbers)`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount))
      fail(`tensor \`${name}\` has no valid data_offsets (two whole numbers)`);
    const [begin, end] = offsets as [number, number];
    if (begin > end)
      fail(`tensor \`${name}\` has data_offsets [${begin}, ${end}] that run backwards`);
    if (end > dataLength)
      fail(
        `tensor \`${name}\` has data_offsets [${begin}, ${end}] beyond the ${dataLength} data bytes (truncated file?)`,
      );
    const dtype = e.dtype as CheckpointDtype;
    const shape = e.shape as number[];
    const want = count(shape) * BYTES[dtype];
    if (end - begin !== want)
      fail(
        `tensor \`${name}\` is ${dtype}${shapeText(shape)}, which is ${want} bytes, but its data_offsets [${begin}, ${end}] hold ${end - begin}`,
      );
    entries.push({ name, dtype, shape, begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous = "";
  for (const e of sorted) {
    if (e.begin < at) fail(`tensors \`${previous}\` and \`${e.name}\` overlap in the data`);
    if (e.begin > at)
      fail(`the data has a gap of ${e.begin - at} bytes before tensor \`${e.name}\``);
    at = e.end;
    previous = e.name;
  }
  if (at !== dataLength)
    fail(`the data has ${dataLength - at} bytes after the last tensor that no tensor owns`);
  const tensors = new Map<string, CheckpointTensor>();
  for (const e of entries) {
    // A copy with its own ArrayBuffer (a Node Buffer's `slice` is a view into a shared pool).
    const raw = new Uint8Array(e.end - e.begin);
    raw.set(bytes.subarray(dataStart + e.begin, dataStart + e.end));
    let data: Float32Array | Int32Array;
    if (littleEndian)
      data = e.dtype === "I32" ? new Int32Array(raw.buffer) : new Float32Array(raw.buffer);
    else {
      const dv = new DataView(raw.buffer);
      const len = raw.length / 4;
      data = e.dtype === "I32" ? new Int32Array(len) : new Float32Array(len);
      for (let i = 0; i < len; i++)
        data[i] = e.dtype === "I32" ? dv.getInt32(4 * i, true) : dv.getFloat32(4 * i, true);
    }
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  return { tensors, metadata };
}

/** How many values of `data` are NaN and how many infinite. */
export function countNonFinite(data: Float32Array | Int32Array): { nan: number; inf: number } {
  let nan = 0;
  let inf = 0;
  if (data instanceof Int32Array) return { nan, inf };
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v !== v) nan++;
    else if (v === Infinity || v === -Infinity) inf++;
  }
  return { nan, inf };
}

/** `tensor `l1.w` holds 2 NaN and 1 infinite value (of 6)`, or undefined when all are finite. */
export function nonFiniteText(name: string, data: Float32Array | Int32Array): string | undefined {
  const { nan, inf } = countNonFinite(data);
  if (nan + inf === 0) return undefined;
  const parts = [nan ? `${nan} NaN` : "", inf ? `${inf} infinite` : ""].filter((p) => p);
  const noun = nan + inf === 1 ? "value" : "values";
  return `tensor \`${name}\` holds ${parts.join(" and ")} ${noun} (of ${data.length})`;
}

/**
 * Refuses a checkpoint with a float tensor that holds NaN or infinite values (a parameter or a
 * moment that training would carry along): a `CheckpointError` naming the first such tensor.
 */
export function checkFinite(checkpoint: Checkpoint, file: string): void {
  for (const [name, t] of checkpoint.tensors) {
    const bad = nonFiniteText(name, t.data);
    if (bad) throw new CheckpointError(file, `${bad}; ${FINITE_RULE}`);
  }
}

const FINITE_RULE = "a checkpoint's parameters and optimizer moments must be finite";

/** A named tensor shape: what `tensorsFor` reads of a Plan's parameters and moments. */
type Shaped = Pick<Plan["params"][number], "name" | "shape">;

/**
 * Each parameter and model state of `plan` (both under their own names), and with `state` each
 * optimizer moment under `optimizer.<name>`, from `checkpoint`, checked for presence, dtype,
 * shape and finite values; a problem is a `CheckpointError` naming the tensor.
 */
export function tensorsFor(
  checkpoint: Checkpoint,
  plan: {
    readonly params: readonly Shaped[];
    readonly modelState?: readonly Shaped[];
    readonly state: readonly Shaped[];
  },
  file: string,
  options: { readonly state?: boolean } = {},
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  const model = checkpoint.metadata.model;
  const whose = model ? ` (it was saved for model ${model})` : "";
  const want = [
    ...plan.params.map((p) => ({ key: p.name, name: p.name, shape: p.shape, what: "parameter" })),
    ...(plan.modelState ?? []).map((p) => ({
      key: p.name,
      name: p.name,
      shape: p.shape,
      what: "state",
    })),
    ...(options.state
      ? plan.state.map((s) => ({
          key: OPTIMIZER_PREFIX + s.name,
          name: s.name,
          shape: s.shape,
          what: "optimizer state",
        }))
      : []),
  ];
  for (const w of want) {
    const t = checkpoint.tensors.get(w.key);
    if (!t)
      throw new CheckpointError(
        file,
        `has no tensor \`${w.key}\`, the model's ${w.what} ${shapeText(w.shape)}${whose}`,
      );
    if (
      t.dtype !== "F32" ||
      t.shape.length !== w.shape.length ||
      t.shape.some((d, i) => d !== w.shape[i])
    )
      throw new CheckpointError(
        file,
        `tensor \`${w.key}\` is ${t.dtype}${shapeText(t.shape)}, but the model's ${w.what} is F32${shapeText(w.shape)}${whose}`,
      );
    const bad = nonFiniteText(w.key, t.data);
    if (bad) throw new CheckpointError(file, `${bad}; ${FINITE_RULE}`);
    out.set(w.name, t.data as Float32Array);
  }
  return out;
}
