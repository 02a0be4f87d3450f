/**
 * Safetensors checkpoints: round trip, the byte layout read by hand, every malformed file rejected
 * with a message naming it, atomic writes that leave the previous file intact when a write fails,
 * and matching a checkpoint's tensors against a Plan's parameters and optimizer state.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/codegen/plan.js";
import {
  CheckpointError,
  decodeSafetensors,
  duplicateKey,
  encodeSafetensors,
  readCheckpoint,
  tensorsFor,
  writeCheckpoint,
  type Checkpoint,
  type CheckpointTensor,
  type FileOps,
} from "../../src/runtime/checkpoint.js";

const tensors = new Map<string, CheckpointTensor>([
  ["l1.w", { dtype: "F32", shape: [2, 3], data: Float32Array.of(1, -2.5, 3e-8, 4, NaN, -0) }],
  ["l1.b", { dtype: "F32", shape: [3], data: Float32Array.of(0.1, 0.2, 0.3) }],
  ["ids", { dtype: "I32", shape: [4], data: Int32Array.of(-1, 0, 7, 2147483647) }],
  ["scalar", { dtype: "F32", shape: [], data: Float32Array.of(42) }],
  ["empty", { dtype: "F32", shape: [0, 5], data: new Float32Array(0) }],
]);
const metadata = { format: "grove", model: "M", step: "12" };

const tmp = () => mkdtempSync(join(tmpdir(), "grove-ckpt-"));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A safetensors file from a header object (serialised as is) and data bytes. */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), length?: number): Uint8Array {
  const json = new TextEncoder().encode(
    typeof header === "string" ? header : JSON.stringify(header),
  );
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(length ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (shape: number[], begin: number, end: number) => ({
  dtype: "F32",
  shape,
  data_offsets: [begin, end],
});

function sameBits(a: Float32Array | Int32Array, b: Float32Array | Int32Array) {
  expect(a.constructor).toBe(b.constructor);
  expect([...new Uint32Array(a.buffer, a.byteOffset, a.length)]).toEqual([
    ...new Uint32Array(b.buffer, b.byteOffset, b.length),
  ]);
}

describe("safetensors", () => {
  it("round-trips tensors bit for bit, with their shapes and the metadata", () => {
    const dir = tmp();
    const path = join(dir, "sub", "m.safetensors");
    writeCheckpoint(path, { tensors, metadata });
    const back = readCheckpoint(path);
    expect(back.metadata).toEqual(metadata);
    expect([...back.tensors.keys()]).toEqual([...tensors.keys()]);
    for (const [name, t] of tensors) {
      const u = back.tensors.get(name)!;
      expect(u.dtype).toBe(t.dtype);
      expect(u.shape).toEqual(t.shape);
      sameBits(u.data, t.data);
    }
    expect(readdirSync(join(dir, "sub"))).toEqual(["m.safetensors"]);
  });

  it("lays out the header length, the padded JSON header and little-endian data", () => {
    const bytes = encodeSafetensors(tensors, metadata);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = Number(view.getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    const json = text.trimEnd();
    expect(text.slice(json.length)).toMatch(/^ {0,7}$/);
    const header = JSON.parse(json) as Record<string, { data_offsets: [number, number] }>;
    expect(header.__metadata__).toEqual(metadata);
    expect(header["l1.w"]).toEqual({ dtype: "F32", shape: [2, 3], data_offsets: [0, 24] });
    expect(header["l1.b"]).toEqual({ dtype: "F32", shape: [3], data_offsets: [24, 36] });
    expect(header.ids).toEqual({ dtype: "I32", shape: [4], data_offsets: [36, 52] });
    expect(header.scalar).toEqual({ dtype: "F32", shape: [], data_offsets: [52, 56] });
    expect(header.empty).toEqual({ dtype: "F32", shape: [0, 5], data_offsets: [56, 56] });
    expect(bytes.length).toBe(8 + n + 56);
    const data = 8 + n;
    expect(view.getFloat32(data + 4, true)).toBe(-2.5);
    expect(view.getFloat32(data + 24 + 8, true)).toBe(Math.fround(0.3));
    expect(view.getInt32(data + 36, true)).toBe(-1);
    expect(view.getInt32(data + 48, true)).toBe(2147483647);
    expect(view.getFloat32(data + 52, true)).toBe(42);
  });

  const data8 = new Uint8Array(8);
  const cases: [string, Uint8Array, RegExp][] = [
    ["shorter than 8 bytes", Uint8Array.of(1, 2, 3), /shorter than the 8-byte header length/],
    [
      "a header length beyond the file",
      file({ a: f32([2], 0, 8) }, data8, 4000),
      /header length 4000 goes past the end of the file/,
    ],
    ["a header that is not JSON", file('{"a": '), /the header is not valid JSON/],
    ["a header that is not an object", file("[1, 2]"), /the header is not a JSON object/],
    [
      "metadata that is not a string map",
      file({ __metadata__: { step: 3 } }),
      /metadata `step` is not a string/,
    ],
    [
      "an unknown dtype",
      file({ a: { dtype: "F16", shape: [4], data_offsets: [0, 8] } }, data8),
      /tensor `a` has dtype "F16"; Grove reads only F32 and I32/,
    ],
    [
      "a bad shape",
      file({ a: { dtype: "F32", shape: [2, -1], data_offsets: [0, 8] } }, data8),
      /tensor `a` has no valid shape/,
    ],
    [
      "offsets out of range",
      file({ a: f32([4], 0, 16) }, data8),
      /tensor `a` has data_offsets \[0, 16\] beyond the 8 data bytes/,
    ],
    [
      "offsets that run backwards",
      file({ a: f32([0], 8, 0) }, data8),
      /data_offsets \[8, 0\] that run backwards/,
    ],
    [
      "a shape that does not match the byte count",
      file({ a: f32([3], 0, 8) }, data8),
      /tensor `a` is F32\[3\], which is 12 bytes, but its data_offsets \[0, 8\] hold 8/,
    ],
    [
      "overlapping tensors",
      file({ a: f32([2], 0, 8), b: f32([1], 4, 8) }, data8),
      /tensors `a` and `b` overlap/,
    ],
    [
      "bytes no tensor owns",
      file({ a: f32([1], 0, 4) }, data8),
      /4 bytes after the last tensor that no tensor owns/,
    ],
    ["a gap between tensors", file({ a: f32([1], 4, 8) }, data8), /a gap of 4 bytes before/],
    [
      "a tensor name given twice (JSON.parse would keep the last)",
      file(
        `{"a": ${JSON.stringify(f32([1], 0, 4))}, "a": ${JSON.stringify(f32([1], 4, 8))}}`,
        data8,
      ),
      /the header names `a` twice; safetensors forbids duplicate names$/,
    ],
    [
      "a tensor name given twice, once escaped",
      file(
        `{"ab": ${JSON.stringify(f32([2], 0, 8))}, "\\u0061b": ${JSON.stringify(f32([2], 0, 8))}}`,
        data8,
      ),
      /the header names `ab` twice/,
    ],
    [
      "a metadata key given twice",
      file('{"__metadata__": {"lr": "0.1", "x": "[\\"lr\\", {}]", "lr": "-1"}}'),
      /the header has the key `lr` twice in one object; safetensors forbids duplicate names$/,
    ],
  ];
  for (const [what, bytes, message] of cases)
    it(`rejects ${what}, naming the file`, () => {
      const run = () => decodeSafetensors(bytes, "bad.safetensors");
      expect(run).toThrow(CheckpointError);
      expect(run).toThrow(/^bad\.safetensors: /);
      expect(run).toThrow(message);
    });

  it("rejects a truncated file", () => {
    const dir = tmp();
    const path = join(dir, "cut.safetensors");
    const whole = encodeSafetensors(tensors, metadata);
    writeFileSync(path, whole.subarray(0, whole.length - 10));
    expect(() => readCheckpoint(path)).toThrow(
      `${path}: tensor \`ids\` has data_offsets [36, 52] beyond the 46 data bytes (truncated file?)`,
    );
    writeFileSync(path, whole.subarray(0, 20));
    expect(() => readCheckpoint(path)).toThrow(/goes past the end of the file \(20 bytes\)/);
    expect(() => readCheckpoint(join(dir, "none.safetensors"))).toThrow(
      /none\.safetensors: no such checkpoint file/,
    );
  });
});

it("finds a duplicated key at any depth without recursion", () => {
  expect(duplicateKey('{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}]}')).toBeUndefined();
  expect(duplicateKey('{"a": "\\"b\\"", "b": 1}')).toBeUndefined();
  expect(duplicateKey('{"a": 1, "b": [1, "a"], "a": 2}')).toEqual({ key: "a", topLevel: true });
  const deep = "[".repeat(100000) + '{"k": 1, "k": 2}' + "]".repeat(100000);
  expect(duplicateKey(deep)).toEqual({ key: "k", topLevel: false });
});

describe("atomic writes", () => {
  const first: Checkpoint = { tensors, metadata };
  const second: Checkpoint = {
    tensors: new Map([["l1.w", { dtype: "F32", shape: [1], data: Float32Array.of(9) }]]),
    metadata: { step: "99" },
  };

  const failing = (fail: "write" | "fsync" | "rename"): FileOps => ({
    openSync: fs.openSync,
    writeSync: (fd, data, offset, length) => {
      if (fail !== "write") return fs.writeSync(fd, data, offset, length);
      fs.writeSync(fd, data, offset, Math.floor(length / 2));
      throw Object.assign(new Error("disk full"), { code: "ENOSPC" });
    },
    fsyncSync: (fd) => {
      if (fail === "fsync") throw Object.assign(new Error("io"), { code: "EIO" });
      fs.fsyncSync(fd);
    },
    closeSync: fs.closeSync,
    renameSync: (a, b) => {
      if (fail === "rename") throw Object.assign(new Error("crash"), { code: "EXDEV" });
      fs.renameSync(a, b);
    },
    unlinkSync: fs.unlinkSync,
  });

  for (const fail of ["write", "fsync", "rename"] as const)
    it(`keeps the previous checkpoint intact when the ${fail} fails`, () => {
      const dir = tmp();
      const path = join(dir, "m.safetensors");
      writeCheckpoint(path, first);
      const before = readFileSync(path);
      const run = () => writeCheckpoint(path, second, failing(fail));
      expect(run).toThrow(CheckpointError);
      expect(run).toThrow(/m\.safetensors: cannot write the checkpoint \(E[A-Z]+\)/);
      expect(readFileSync(path).equals(before)).toBe(true);
      expect(readCheckpoint(path).metadata).toEqual(metadata);
      expect(readdirSync(dir)).toEqual(["m.safetensors"]);
    });

  it("writes through a temporary file in the same folder", () => {
    const dir = tmp();
    const path = join(dir, "m.safetensors");
    const seen: string[] = [];
    writeCheckpoint(path, first, {
      ...fs,
      openSync: (p, flags) => {
        seen.push(p);
        return fs.openSync(p, flags);
      },
      renameSync: (a, b) => {
        expect(existsSync(b)).toBe(false);
        fs.renameSync(a, b);
      },
    } as FileOps);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(new RegExp(`^${escape(path)}\\.tmp-${process.pid}-[0-9a-f]{12}$`));
    expect(readCheckpoint(path).tensors.size).toBe(tensors.size);
  });

  it("never writes through a symbolic link planted at the temporary file's name", () => {
    const dir = tmp();
    const path = join(dir, "m.safetensors");
    const victim = join(dir, "victim.txt");
    writeFileSync(victim, "precious");
    const planted: string[] = [];
    writeCheckpoint(path, first, {
      ...fs,
      // Whoever guesses the name plants a link there just before Grove opens it.
      openSync: (p: string, flags: number, mode?: number) => {
        if (planted.length === 0) {
          fs.symlinkSync(victim, p);
          planted.push(p);
        }
        return fs.openSync(p, flags, mode);
      },
    } as FileOps);
    expect(readFileSync(victim, "utf8")).toBe("precious");
    expect(fs.lstatSync(planted[0]!).isSymbolicLink()).toBe(true);
    expect(readCheckpoint(path).metadata).toEqual(metadata);
    // The next save sweeps this process's leftover name (the link itself, not its target).
    writeCheckpoint(path, second);
    expect(readdirSync(dir).sort()).toEqual(["m.safetensors", "victim.txt"]);
    expect(readFileSync(victim, "utf8")).toBe("precious");
  });

  it("removes stale temporaries of the same checkpoint at the next save, not other files", () => {
    const dir = tmp();
    const path = join(dir, "m.safetensors");
    // A process that has exited: its pid names a save that was killed.
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!;
    const stale = [`m.safetensors.tmp-${dead}`, `m.safetensors.tmp-${dead}-0123456789ab`];
    // A save of this checkpoint by a live process (this one's parent), and other files.
    const kept = [
      `m.safetensors.tmp-${process.ppid}-aaaaaaaaaaaa`,
      `other.safetensors.tmp-${dead}`,
      "m.safetensors.tmp-notes",
    ];
    for (const name of [...stale, ...kept]) writeFileSync(join(dir, name), "x".repeat(100));
    writeCheckpoint(path, first);
    expect(readdirSync(dir).sort()).toEqual(["m.safetensors", ...kept].sort());
  });
});

describe("tensorsFor", () => {
  const plan = {
    params: [{ name: "l1.w", shape: [2, 3] }],
    state: [{ name: "m:l1.w", param: "l1.w", shape: [2, 3] }],
  } as unknown as Plan;
  const w = { dtype: "F32", shape: [2, 3], data: new Float32Array(6).fill(1) } as const;

  it("returns each parameter, and the optimizer state under `optimizer.`", () => {
    const c = {
      tensors: new Map([
        ["l1.w", w],
        ["optimizer.m:l1.w", { ...w, data: new Float32Array(6).fill(2) }],
      ]),
      metadata: {},
    };
    const got = tensorsFor(c, plan, "c.safetensors", { state: true });
    expect([...got.keys()]).toEqual(["l1.w", "m:l1.w"]);
    expect(got.get("m:l1.w")![0]).toBe(2);
  });

  it("names a missing or misshapen tensor and the model it was saved for", () => {
    const none = { tensors: new Map(), metadata: { model: "Other" } };
    expect(() => tensorsFor(none, plan, "c.safetensors")).toThrow(
      "c.safetensors: has no tensor `l1.w`, the model's parameter [2, 3] (it was saved for model Other)",
    );
    const wrong = { tensors: new Map([["l1.w", { ...w, shape: [3, 2] }]]), metadata: {} };
    expect(() => tensorsFor(wrong, plan, "c.safetensors")).toThrow(
      "c.safetensors: tensor `l1.w` is F32[3, 2], but the model's parameter is F32[2, 3]",
    );
    const noState = { tensors: new Map([["l1.w", w]]), metadata: {} };
    expect(tensorsFor(noState, plan, "c.safetensors").size).toBe(1);
    expect(() => tensorsFor(noState, plan, "c.safetensors", { state: true })).toThrow(
      "has no tensor `optimizer.m:l1.w`, the model's optimizer state [2, 3]",
    );
  });

  it("refuses parameters and moments that are not finite, saying how many values", () => {
    const bad = (name: string, values: number[]) => ({
      tensors: new Map([
        ["l1.w", w],
        ["optimizer.m:l1.w", w],
        [name, { ...w, data: Float32Array.from(values) }],
      ]),
      metadata: {},
    });
    expect(() => tensorsFor(bad("l1.w", [1, NaN, 2, NaN, Infinity, 0]), plan, "c.st")).toThrow(
      "c.st: tensor `l1.w` holds 2 NaN and 1 infinite values (of 6); a checkpoint's parameters and optimizer moments must be finite",
    );
    const moment = bad("optimizer.m:l1.w", [0, 0, -Infinity, 0, 0, 0]);
    expect(tensorsFor(moment, plan, "c.st").size).toBe(1);
    expect(() => tensorsFor(moment, plan, "c.st", { state: true })).toThrow(
      "c.st: tensor `optimizer.m:l1.w` holds 1 infinite value (of 6);",
    );
  });
});
