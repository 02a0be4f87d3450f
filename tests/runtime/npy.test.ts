/**
 * NumPy `.npy` files: the writer round-trips through the reader, files written by NumPy itself
 * (tests/fixtures/data, see make-fixtures.py) decode to the same values whatever their version,
 * order and byte order, hand-built headers exercise the dict parser, and every malformed file is
 * a DataError naming the file. Then the `npy` source and `loadData`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { CallSpec } from "../../src/parser/check/values.js";
import { DataError, loadData } from "../../src/runtime/data/index.js";
import { encodeNpy, npy, parseNpy, readNpy, writeNpy } from "../../src/runtime/data/npy.js";
import { cpuTimed } from "../cpu-time.js";

const fixtures = "tests/fixtures/data";
const dir = mkdtempSync(join(tmpdir(), "grove-npy-"));

/** A .npy file from a header dict and raw data bytes, padded like NumPy pads. */
function npyBytes(dict: string, data: ArrayLike<number>, major = 1, encoding = "latin1"): Buffer {
  const prefix = major === 1 ? 10 : 12;
  const text = Buffer.from(dict, encoding as BufferEncoding);
  const len = Math.ceil((prefix + text.length + 1) / 64) * 64 - prefix;
  const head = Buffer.alloc(prefix);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]).copy(head);
  if (major === 1) head.writeUInt16LE(len, 8);
  else head.writeUInt32LE(len, 8);
  const pad = Buffer.alloc(len - text.length, " ");
  pad[pad.length - 1] = 0x0a;
  return Buffer.concat([head, text, pad, Buffer.from(data)]);
}

/** Little- or big-endian bytes of `values` as `kind` (DataView setter name without `set`). */
function bytesOf(
  kind: "Float32" | "Float64" | "Int16" | "Int32" | "BigInt64",
  values: number[],
  little = true,
) {
  const size = { Float32: 4, Float64: 8, Int16: 2, Int32: 4, BigInt64: 8 }[kind];
  const view = new DataView(new ArrayBuffer(values.length * size));
  values.forEach((v, i) => {
    if (kind === "BigInt64") view.setBigInt64(i * size, BigInt(v), little);
    else view[`set${kind}`](i * size, v, little);
  });
  return new Uint8Array(view.buffer);
}

const dict = (descr: string, shape: string, fortran = "False") =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

describe("the npy writer and reader", () => {
  it("round-trip f32 and i32 arrays of any rank, data starting at a multiple of 64", () => {
    const cases: [Float32Array | Int32Array, number[]][] = [
      [new Float32Array([1.5, -2, 3.25, 0, 1e-7, 6e10]), [2, 3]],
      [new Int32Array([7, -8, 2 ** 31 - 1]), [3]],
      [new Float32Array([42]), []],
      [new Int32Array(2 * 3 * 4).map((_, i) => i * 3 - 5), [2, 3, 4]],
      [new Float32Array(0), [0, 5]],
    ];
    for (const [data, shape] of cases) {
      const bytes = encodeNpy(data, shape);
      const headerLen = bytes[8]! | (bytes[9]! << 8);
      expect((10 + headerLen) % 64).toBe(0);
      expect(bytes[10 + headerLen - 1]).toBe(0x0a);
      const back = parseNpy(bytes, "x.npy");
      expect(back.descr).toBe(data instanceof Float32Array ? "<f4" : "<i4");
      expect(back.shape).toEqual(shape);
      expect(back.data).toEqual(data);
    }
    const path = join(dir, "written.npy");
    writeNpy(path, new Float32Array([1, 2, 3, 4]), [2, 2]);
    expect(Array.from(readNpy(path).data)).toEqual([1, 2, 3, 4]);
    expect(() => encodeNpy(new Float32Array(3), [2, 2])).toThrow(/does not hold 3 values/);
  });

  it("read NumPy's own files alike in v1/v2, C/Fortran order, little/big endian", () => {
    const c = readNpy(`${fixtures}/features.npy`);
    expect(c).toMatchObject({ descr: "<f4", shape: [12, 16] });
    expect(c.data).toBeInstanceOf(Float32Array);
    const f = readNpy(`${fixtures}/features-fortran.npy`);
    expect(f).toMatchObject({ descr: ">f8", shape: [12, 16] });
    expect(f.data).toEqual(c.data);
    expect(readNpy(`${fixtures}/features-v2.npy`).data).toEqual(c.data);
    // Image 0's brightest quadrant (label 0) is the top-left 2x2 block.
    const row0 = Array.from(c.data.subarray(0, 16));
    expect(Math.min(row0[0]!, row0[1]!, row0[4]!, row0[5]!)).toBeGreaterThan(
      Math.max(...row0.slice(2, 4)),
    );
    const labels = readNpy(`${fixtures}/labels.npy`);
    expect(labels.descr).toBe("<i8");
    expect(Array.from(labels.data)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it("transpose a hand-built Fortran-order array into C order", () => {
    // [[1, 2, 3], [4, 5, 6]] stored column by column.
    const a = parseNpy(
      npyBytes(dict("<i4", "(2, 3)", "True"), bytesOf("Int32", [1, 4, 2, 5, 3, 6])),
      "f.npy",
    );
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    // A 2x2x2 array: C element [i][j][k] = 100i + 10j + k sits at Fortran offset i + 2j + 4k.
    const fortran: number[] = [];
    for (let k = 0; k < 2; k++)
      for (let j = 0; j < 2; j++) for (let i = 0; i < 2; i++) fortran.push(100 * i + 10 * j + k);
    const b = parseNpy(
      npyBytes(dict("<f4", "(2, 2, 2)", "True"), bytesOf("Float32", fortran)),
      "f.npy",
    );
    expect(Array.from(b.data)).toEqual([0, 1, 10, 11, 100, 101, 110, 111]);
  });

  it("convert big-endian, 64-bit, 16-bit, unsigned and bool dtypes", () => {
    const read = (descr: string, data: Uint8Array, shape = "(3,)") =>
      Array.from(parseNpy(npyBytes(dict(descr, shape), data), "d.npy").data);
    expect(read(">f4", bytesOf("Float32", [1.5, -2, 3], false))).toEqual([1.5, -2, 3]);
    expect(read(">i4", bytesOf("Int32", [1, -2, 300000], false))).toEqual([1, -2, 300000]);
    expect(read("<f8", bytesOf("Float64", [0.1, 2, -3]))).toEqual([Math.fround(0.1), 2, -3]);
    expect(read("<i8", bytesOf("BigInt64", [5, -6, 2 ** 31 - 1]))).toEqual([5, -6, 2 ** 31 - 1]);
    expect(read(">i2", bytesOf("Int16", [-300, 2, 3], false))).toEqual([-300, 2, 3]);
    expect(read("|u1", new Uint8Array([0, 200, 255]))).toEqual([0, 200, 255]);
    expect(read("|i1", new Uint8Array([0xff, 1, 0x80]))).toEqual([-1, 1, -128]);
    expect(read("|b1", new Uint8Array([1, 0, 1]))).toEqual([1, 0, 1]);
    expect(
      parseNpy(npyBytes(dict("<f8", "(3,)"), bytesOf("Float64", [1, 2, 3])), "d").data,
    ).toBeInstanceOf(Float32Array);
    expect(parseNpy(npyBytes(dict("|u1", "(3,)"), [1, 2, 3]), "d").data).toBeInstanceOf(Int32Array);
    expect(() => read("<i8", bytesOf("BigInt64", [1, 2 ** 31, 3]))).toThrow(
      "d.npy: value 2147483648 at index 1 does not fit in a 32-bit integer (dtype `<i8`)",
    );
  });

  it("parse any well-formed header dict: key order, quotes, spacing, Python 2 longs, v2 and v3", () => {
    const data = bytesOf("Float32", [1, 2, 3, 4, 5, 6]);
    const headers = [
      `{"shape":(3,2),"fortran_order":False,"descr":"<f4"}`,
      `{ 'fortran_order' : False , 'descr' : '<f4' , 'shape' : ( 3L , 2L ) }`,
      `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), 'extra': [1, None, {'k': True}]}`,
    ];
    for (const h of headers) {
      const a = parseNpy(npyBytes(h, data), "h.npy");
      expect(a.shape).toEqual([3, 2]);
      expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
    expect(parseNpy(npyBytes(dict("<f4", "(6,)"), data, 2), "v2.npy").shape).toEqual([6]);
    const v3 = npyBytes(
      `{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'note': 'é✓'}`,
      data,
      3,
      "utf8",
    );
    expect(v3[6]).toBe(3);
    expect(Array.from(parseNpy(v3, "v3.npy").data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("name the file and the problem for every malformed file", () => {
    const f4 = bytesOf("Float32", [1, 2, 3]);
    const good = npyBytes(dict("<f4", "(3,)"), f4);
    const bad = (bytes: Uint8Array) => () => parseNpy(bytes, "bad.npy");
    expect(bad(Buffer.from("PK\x03\x04 not numpy"))).toThrow(
      "bad.npy: not a .npy file (it does not start with \\x93NUMPY)",
    );
    expect(bad(new Uint8Array(0))).toThrow(/not a \.npy file/);
    const v9 = Buffer.from(good);
    v9[6] = 9;
    expect(bad(v9)).toThrow("bad.npy: .npy format version 9.0 is not supported");
    expect(bad(good.subarray(0, 9))).toThrow("bad.npy: truncated .npy header");
    expect(bad(good.subarray(0, 40))).toThrow(
      /bad\.npy: truncated \.npy header \(118 bytes announced, 30 present\)/,
    );
    expect(bad(good.subarray(0, good.length - 1))).toThrow(
      "bad.npy: truncated data: shape (3) of `<f4` needs 12 bytes, the file has 11",
    );
    expect(bad(Buffer.concat([good, Buffer.from([0, 0, 0, 0])]))).toThrow(
      "bad.npy: 4 bytes after the data that shape (3) of `<f4` describes",
    );
    const header = (h: string) => bad(npyBytes(h, f4));
    expect(header(dict("<c8", "(3,)"))).toThrow(/bad\.npy: unsupported dtype `<c8`/);
    expect(header(dict("<f2", "(3,)"))).toThrow(/unsupported dtype `<f2`/);
    expect(header(dict("<U4", "(3,)"))).toThrow(/unsupported dtype `<U4`/);
    expect(header(`{'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (3,)}`)).toThrow(
      /unsupported dtype `\[\["x","<f4"\]\]`/,
    );
    expect(header(`{'descr': '<f4', 'shape': (3,)}`)).toThrow(
      "bad.npy: malformed .npy header: no `fortran_order` key",
    );
    expect(header(`{'descr': '<f4', 'fortran_order': 'no', 'shape': (3,)}`)).toThrow(
      "`fortran_order` is not True or False",
    );
    expect(header(`{'descr': '<f4', 'fortran_order': False, 'shape': 3}`)).toThrow(
      "`shape` is not a tuple of whole numbers",
    );
    expect(header(`{'descr': '<f4', 'fortran_order': False, 'shape': (3, -1)}`)).toThrow(
      "`shape` is not a tuple of whole numbers",
    );
    expect(header(`{'descr': '<f4', 'fortran_order': False 'shape': (3,)}`)).toThrow(
      /malformed \.npy header: expected `}` at offset \d+/,
    );
    expect(header(`{'descr': '<f4, 'fortran_order': False, 'shape': (3,)}`)).toThrow(/malformed/);
    expect(header(`{'descr': '<f4', 'fortran_order': False, 'shape': (3,)} extra`)).toThrow(
      /unexpected text after the dict/,
    );
    expect(header(`['descr', '<f4']`)).toThrow("malformed .npy header: it is not a dict");
    expect(header(`{'descr': '<f4', 'fortran_order': False, 'shape': (3,)`)).toThrow(
      /header ends early|expected/,
    );
    expect(() => readNpy(join(dir, "missing.npy"))).toThrow(DataError);
    expect(() => readNpy(join(dir, "missing.npy"))).toThrow(/missing\.npy: no such file/);
    expect(bad(good.subarray(0, 3))).toThrow(DataError);
  });
});

describe("the npy reader refuses", () => {
  it("a header nested thousands of brackets deep in one line, and bounds any nesting", () => {
    const f4 = bytesOf("Float32", [1, 2, 3]);
    for (const open of ["(", "[", "{'a': "]) {
      const deep = `{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': ${open.repeat(5000)}}`;
      expect(() => parseNpy(npyBytes(deep, f4), "deep.npy")).toThrow(
        /^deep\.npy: malformed \.npy header: brackets nested deeper than 32 at offset \d+$/,
      );
    }
    // A header nested up to the bound still parses.
    const ok = `{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': ${"[".repeat(31)}${"]".repeat(31)}}`;
    expect(Array.from(parseNpy(npyBytes(ok, f4), "ok.npy").data)).toEqual([1, 2, 3]);
    // A long header (v2, half a megabyte of list) parses in linear time.
    const long = `{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': [${"1, ".repeat(200000)}]}`;
    const { value, ms } = cpuTimed(() => parseNpy(npyBytes(long, f4, 2), "long.npy"));
    expect(value.shape).toEqual([3]);
    expect(ms).toBeLessThan(2000);
  });

  it("invisible characters in the header, shown escaped", () => {
    const f4 = bytesOf("Float32", [1, 2, 3]);
    expect(() => parseNpy(npyBytes("{'descr': '<f4',\u0000}", f4), "nul.npy")).toThrow(
      "nul.npy: malformed .npy header: unexpected `\\u0000` at offset 16",
    );
    expect(() => parseNpy(npyBytes(dict("<f4\t", "(3,)"), f4), "tab.npy")).toThrow(
      "tab.npy: unsupported dtype `<f4\\t`",
    );
  });

  it("NaN, infinite and float32-overflowing values, naming the index and example", () => {
    const nan = Number.NaN;
    const cases: [Uint8Array, string, string][] = [
      [
        bytesOf("Float32", [1, 2, 3, nan, 5, 6]),
        dict("<f4", "(3, 2)"),
        "the value at [1, 1] (example 1) is NaN",
      ],
      [
        bytesOf("Float32", [1, 2, Infinity, 4], false),
        dict(">f4", "(2, 2)"),
        "the value at [1, 0] (example 1) is Infinity",
      ],
      [
        bytesOf("Float64", [1, -Infinity]),
        dict("<f8", "(2,)"),
        "the value at [1] (example 1) is -Infinity",
      ],
      [
        bytesOf("Float64", [1, 2, 3, 1e39]),
        dict("<f8", "(2, 2)"),
        "the value at [1, 1] (example 1) is 1e+39, beyond the float32 range (largest magnitude 3.4028235e38)",
      ],
      // Fortran order: file position 1 is [1, 0] in C order.
      [
        bytesOf("Float32", [0, nan, 0, 0, 0, 0]),
        dict("<f4", "(2, 3)", "True"),
        "the value at [1, 0] (example 1) is NaN",
      ],
      [bytesOf("Float32", [nan]), dict("<f4", "()"), "the value is NaN"],
    ];
    for (const [data, header, problem] of cases) {
      const suffix = problem.includes("beyond") ? "" : "; data must be finite numbers";
      expect(() => parseNpy(npyBytes(header, data), "x.npy")).toThrow(
        new DataError(`x.npy: ${problem}${suffix}`),
      );
    }
    // Largest float32 and subnormals are fine.
    const edge = [3.4028234663852886e38, -3.4028234663852886e38, 1e-45];
    expect(
      Array.from(parseNpy(npyBytes(dict("<f8", "(3,)"), bytesOf("Float64", edge)), "e").data),
    ).toEqual(edge.map(Math.fround));
  });
});

describe("the npy source", () => {
  const write = (name: string, data: Float32Array | Int32Array, shape: number[]) => {
    writeNpy(join(dir, name), data, shape);
    return name;
  };

  it("gives features and integer labels or float targets", () => {
    const d = npy("features.npy", fixtures, { labels: "labels.npy" });
    expect(d.count).toBe(12);
    expect(d.fields.get("features")).toMatchObject({ dtype: "f32", perExample: 16 });
    const label = d.fields.get("label")!;
    expect(label).toMatchObject({ dtype: "i32", perExample: 1 });
    expect(label.data).toBeInstanceOf(Int32Array);
    expect(Array.from(label.data.subarray(0, 5))).toEqual([0, 1, 2, 3, 0]);
    const t = npy("features-fortran.npy", fixtures, { targets: "targets.npy" });
    expect([...t.fields.keys()]).toEqual(["features", "target"]);
    expect(t.fields.get("target")).toMatchObject({ dtype: "f32", perExample: 1 });
    expect(Array.from(t.fields.get("target")!.data.subarray(0, 4))).toEqual([0, 0.25, 0.5, 0.75]);
    expect(t.fields.get("features")!.data).toEqual(d.fields.get("features")!.data);
    // Integer features become f32; whole-number float labels become i32; 3-d features flatten.
    const i = npy(write("int-x.npy", new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]), [2, 2, 2]), dir, {
      labels: write("float-y.npy", new Float32Array([1, 0]), [2, 1]),
    });
    expect(i.fields.get("features")).toMatchObject({ dtype: "f32", perExample: 4 });
    expect(i.fields.get("features")!.data).toEqual(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(i.fields.get("label")!.data).toEqual(new Int32Array([1, 0]));
  });

  it("refuses labels and targets that do not fit", () => {
    const x = write("x.npy", new Float32Array(6), [3, 2]);
    const y = (name: string, data: Float32Array | Int32Array, shape: number[]) =>
      write(name, data, shape);
    const path = (name: string) => resolve(dir, name).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    expect(() =>
      npy(x, dir, { labels: y("frac.npy", new Float32Array([0, 1.5, 2]), [3]) }),
    ).toThrow(
      new RegExp(
        `^${path("frac.npy")}: labels must be whole numbers from 0, but example 1 is 1\\.5$`,
      ),
    );
    expect(() =>
      npy(x, dir, { labels: y("big.npy", new Float32Array([0, 2 ** 40, 2]), [3]) }),
    ).toThrow(/big\.npy: labels must be whole numbers from 0, but example 1 is 1099511627776/);
    expect(() => npy(x, dir, { labels: y("neg.npy", new Int32Array([0, -1, 2]), [3]) })).toThrow(
      /neg\.npy: labels must be whole numbers from 0, but example 1 is -1/,
    );
    expect(() => npy(x, dir, { labels: y("short.npy", new Int32Array([0, 1]), [2]) })).toThrow(
      new RegExp(
        `^${path("x.npy")} has 3 examples \\(shape \\(3, 2\\)\\) but ${path("short.npy")} has 2 \\(shape \\(2,\\)\\)$`,
      ),
    );
    expect(() => npy(x, dir, { targets: y("wide.npy", new Float32Array(6), [3, 2]) })).toThrow(
      /wide\.npy: targets must have one value per example \(shape \(N,\) or \(N, 1\)\), but the shape is \(3, 2\)/,
    );
    expect(() =>
      npy(write("empty.npy", new Float32Array(0), [0, 2]), dir, {
        targets: y("e.npy", new Float32Array(0), [0]),
      }),
    ).toThrow(/empty\.npy has no examples/);
    expect(() => npy("nope.npy", dir, { labels: "x.npy" })).toThrow(/nope\.npy: no such file/);
  });

  it("loads through loadData with paths relative to the .grove folder and a held-out fraction", () => {
    const spec: CallSpec = {
      name: "npy",
      args: { features: "features.npy", labels: "labels.npy", validate: 0.25 },
      span: {} as CallSpec["span"],
    };
    const s = loadData(spec, 0, fixtures);
    expect([s.train.count, s.validation!.count, s.test]).toEqual([9, 3, undefined]);
    expect(Array.from(s.validation!.fields.get("label")!.data)).toEqual([1, 2, 3]);
    expect(s.train.fields.get("features")!.perExample).toBe(16);
    const t = loadData(
      { ...spec, args: { features: "features.npy", targets: "targets.npy", validate: 0 } },
      0,
      fixtures,
    );
    expect([...t.train.fields.keys()]).toEqual(["features", "target"]);
    expect(t.train.count).toBe(12);
  });
});
