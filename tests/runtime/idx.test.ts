/**
 * IDX files: every element type decoded from big-endian bytes built here, gzip detected by its
 * magic bytes rather than the name, NumPy-written fixtures (tests/fixtures/data), every malformed
 * file a DataError naming the file; the `idx` source scales u8 images to [0, 1] like `mnist`.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import type { CallSpec } from "../../src/parser/check/values.js";
import { DataError, loadData } from "../../src/runtime/data/index.js";
import { idx, parseIdx, readIdx } from "../../src/runtime/data/idx.js";

const fixtures = "tests/fixtures/data";
const dir = mkdtempSync(join(tmpdir(), "grove-idx-"));

type Kind = "u8" | "i8" | "i16" | "i32" | "f32" | "f64";
const CODE: Record<Kind, [number, number]> = {
  u8: [0x08, 1],
  i8: [0x09, 1],
  i16: [0x0b, 2],
  i32: [0x0c, 4],
  f32: [0x0d, 4],
  f64: [0x0e, 8],
};

/** An IDX file's bytes: magic, big-endian dimensions, big-endian values. */
function idxBytes(kind: Kind, shape: number[], values: number[]): Uint8Array {
  const [code, size] = CODE[kind];
  const view = new DataView(new ArrayBuffer(4 + 4 * shape.length + values.length * size));
  view.setUint8(2, code);
  view.setUint8(3, shape.length);
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const at = 4 + 4 * shape.length;
  values.forEach((v, i) => {
    const o = at + i * size;
    if (kind === "u8") view.setUint8(o, v);
    else if (kind === "i8") view.setInt8(o, v);
    else if (kind === "i16") view.setInt16(o, v, false);
    else if (kind === "i32") view.setInt32(o, v, false);
    else if (kind === "f32") view.setFloat32(o, v, false);
    else view.setFloat64(o, v, false);
  });
  return new Uint8Array(view.buffer);
}

const file = (name: string, bytes: Uint8Array) => {
  writeFileSync(join(dir, name), bytes);
  return name;
};

/** Three 4x4 images: image k has pixel p equal to 16k + p (times 5, to reach 235). */
const pixels = Array.from({ length: 3 * 16 }, (_, i) => i * 5);

describe("the IDX reader", () => {
  it("decodes every element type from big-endian bytes", () => {
    const values: Record<Kind, number[]> = {
      u8: [0, 128, 255],
      i8: [-128, -1, 127],
      i16: [-30000, 2, 30000],
      i32: [-(2 ** 31), 7, 2 ** 31 - 1],
      f32: [1.5, -0.25, 2 ** 100],
      f64: [0.1, -2, 1e300],
    };
    for (const kind of Object.keys(values) as Kind[]) {
      const a = parseIdx(idxBytes(kind, [3], values[kind]), `${kind}.idx`);
      expect(a.type).toBe(kind);
      expect(a.shape).toEqual([3]);
      expect(Array.from(a.data)).toEqual(values[kind]);
    }
    const images = parseIdx(idxBytes("u8", [3, 4, 4], pixels), "images");
    expect(images.shape).toEqual([3, 4, 4]);
    expect(images.data).toBeInstanceOf(Uint8Array);
    expect(images.data[17]).toBe(85);
  });

  it("decompresses gzip by its magic bytes, whatever the file is called", () => {
    const plain = idxBytes("u8", [3, 4, 4], pixels);
    const zipped = gzipSync(plain);
    expect(parseIdx(zipped, "no-extension").data).toEqual(parseIdx(plain, "x").data);
    expect(readIdx(join(dir, file("images.raw", zipped))).shape).toEqual([3, 4, 4]);
    // A .gz name on an uncompressed file reads too.
    expect(readIdx(join(dir, file("plain.gz", plain))).shape).toEqual([3, 4, 4]);
    expect(() => parseIdx(zipped.subarray(0, zipped.length - 9), "cut.gz")).toThrow(
      /^cut\.gz: cannot decompress \(gzip\): /,
    );
  });

  it("reads the gzip fixtures written with NumPy", () => {
    const images = readIdx(`${fixtures}/images-idx3-ubyte.gz`);
    expect(images).toMatchObject({ type: "u8", shape: [12, 4, 4] });
    const labels = readIdx(`${fixtures}/labels-idx1-ubyte.gz`);
    expect(Array.from(labels.data)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it("names the file and the problem for every malformed file", () => {
    const bad = (bytes: Uint8Array) => () => parseIdx(bytes, "bad.idx");
    const good = idxBytes("u8", [3, 4, 4], pixels);
    expect(bad(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]))).toThrow(
      "bad.idx: not an IDX file (it must start with two zero bytes, a type and a rank; it starts 0x50 0x4b 0x03 0x04)",
    );
    expect(bad(new Uint8Array(0))).toThrow(/not an IDX file .* it starts empty/);
    expect(bad(new Uint8Array([0, 0, 0x0a, 1, 0, 0, 0, 0]))).toThrow(
      /^bad\.idx: unknown IDX type 0x0a \(known: 0x08 u8/,
    );
    expect(bad(new Uint8Array([0, 0, 8, 0]))).toThrow(
      "bad.idx: an IDX file needs at least one dimension",
    );
    expect(bad(good.subarray(0, 10))).toThrow(
      "bad.idx: truncated header (3 dimensions need 16 bytes)",
    );
    expect(bad(good.subarray(0, good.length - 1))).toThrow(
      "bad.idx: truncated data: 3×4×4 u8 values need 48 bytes, the file has 47",
    );
    expect(bad(idxBytes("i32", [2], [1, 2]).subarray(0, 10))).toThrow(
      "bad.idx: truncated data: 2 i32 values need 8 bytes, the file has 2",
    );
    const long = new Uint8Array(good.length + 2);
    long.set(good);
    expect(bad(long)).toThrow("bad.idx: 2 bytes after the 3×4×4 u8 values its header describes");
    expect(() => readIdx(join(dir, "missing-idx1-ubyte"))).toThrow(DataError);
    expect(() => readIdx(join(dir, "missing-idx1-ubyte"))).toThrow(
      /missing-idx1-ubyte: no such file/,
    );
  });
});

describe("the idx source", () => {
  it("scales u8 images by 1/255 like mnist and flattens each image", () => {
    const d = idx(
      file("img", idxBytes("u8", [3, 4, 4], pixels)),
      file("lab", gzipSync(idxBytes("u8", [3], [2, 0, 9]))),
      dir,
    );
    expect(d.count).toBe(3);
    const image = d.fields.get("image")!;
    expect(image).toMatchObject({ dtype: "f32", perExample: 16 });
    expect(image.data).toBeInstanceOf(Float32Array);
    expect(image.data[0]).toBe(0);
    expect(image.data[47]).toBe(Math.fround(235 / 255));
    expect(image.data[17]).toBe(Math.fround(85 / 255));
    expect(d.fields.get("label")).toMatchObject({ dtype: "i32", perExample: 1 });
    expect(Array.from(d.fields.get("label")!.data)).toEqual([2, 0, 9]);
    // Other image types are taken as they are; i32 labels of shape [N, 1] are fine.
    const f = idx(
      file("fimg", idxBytes("f32", [2, 3], [0.5, -1, 2, 3, 4, 5])),
      file("ilab", idxBytes("i32", [2, 1], [1, 0])),
      dir,
    );
    expect(f.fields.get("image")).toMatchObject({ perExample: 3 });
    expect(Array.from(f.fields.get("image")!.data)).toEqual([0.5, -1, 2, 3, 4, 5]);
  });

  it("refuses counts that differ and labels that are not whole numbers from 0", () => {
    const img = file("img3", idxBytes("u8", [3, 4, 4], pixels));
    expect(() => idx(img, file("lab2", idxBytes("u8", [2], [0, 1])), dir)).toThrow(
      /img3 has 3 images but .*lab2 has 2 labels$/,
    );
    expect(() => idx(img, file("labf", idxBytes("f32", [3], [0, 1.5, 2])), dir)).toThrow(
      /labf: labels must be whole numbers from 0, but label 1 is 1\.5$/,
    );
    expect(() => idx(img, file("labn", idxBytes("i8", [3], [0, 1, -2])), dir)).toThrow(
      /labn: labels must be whole numbers from 0, but label 2 is -2$/,
    );
    expect(() => idx(img, file("lab2d", idxBytes("u8", [3, 2], [0, 1, 2, 3, 4, 5])), dir)).toThrow(
      /lab2d: labels must have one value per example, but the shape is 3×2/,
    );
    expect(() =>
      idx(file("img0", idxBytes("u8", [0, 4], [])), file("lab0", idxBytes("u8", [0], [])), dir),
    ).toThrow(/img0 has no images/);
  });

  it("refuses NaN, infinite and float32-overflowing values, naming the index and example", () => {
    const lab = file("lab-ok", idxBytes("u8", [2], [0, 1]));
    const nan = file("nan-img", idxBytes("f32", [2, 2, 2], [0, 0, 0, 0, 0, 0, Number.NaN, 0]));
    expect(() => idx(nan, lab, dir)).toThrow(
      new DataError(
        `${join(dir, nan)}: the value at [1, 1, 0] (example 1) is NaN; data must be finite numbers`,
      ),
    );
    const inf = file("inf-img", idxBytes("f64", [2, 1], [-Infinity, 0]));
    expect(() => idx(inf, lab, dir)).toThrow(
      `${join(dir, inf)}: the value at [0, 0] (example 0) is -Infinity; data must be finite numbers`,
    );
    // f64 reads as it is, but the source's f32 images cannot hold 1e39.
    const big = idxBytes("f64", [2, 2], [0, 1, 1e39, 0]);
    expect(parseIdx(big, "big").data[2]).toBe(1e39);
    const bigFile = file("big-img", big);
    expect(() => idx(bigFile, lab, dir)).toThrow(
      new DataError(
        `${join(dir, bigFile)}: the value at [1, 0] (example 1) is 1e+39, beyond the float32 range (largest magnitude 3.4028235e38)`,
      ),
    );
    const nanLabel = file("nan-lab", idxBytes("f32", [2], [0, Number.NaN]));
    expect(() => idx(file("ok-img", idxBytes("u8", [2, 1], [0, 1])), nanLabel, dir)).toThrow(
      `${join(dir, nanLabel)}: the value at [1] (example 1) is NaN; data must be finite numbers`,
    );
  });

  it("loads through loadData with paths relative to the .grove folder and a held-out fraction", () => {
    const spec: CallSpec = {
      name: "idx",
      args: { images: "images-idx3-ubyte.gz", labels: "labels-idx1-ubyte.gz", validate: 0.25 },
      span: {} as CallSpec["span"],
    };
    const s = loadData(spec, 0, fixtures);
    expect([s.train.count, s.validation!.count, s.test]).toEqual([9, 3, undefined]);
    expect(s.train.fields.get("image")!.perExample).toBe(16);
    expect(Array.from(s.validation!.fields.get("label")!.data)).toEqual([1, 2, 3]);
    // The same pixels as the .npy fixture, which NumPy scaled by 1/255 in float32.
    const npy = loadData(
      {
        ...spec,
        name: "npy",
        args: { features: "features.npy", labels: "labels.npy", validate: 0.25 },
      },
      0,
      fixtures,
    );
    expect(s.train.fields.get("image")!.data).toEqual(npy.train.fields.get("features")!.data);
  });
});

it("`grove check` accepts .grove files that train on the npy and idx fixtures", async () => {
  const { runCli } = await import("../../src/cli/main.js");
  let out = "";
  let err = "";
  const files = [`${fixtures}/npy.grove`, `${fixtures}/idx.grove`];
  const code = await runCli(["check", ...files], {
    out: (t) => (out += t),
    err: (t) => (err += t),
  });
  expect({ code, out, err }).toEqual({
    code: 0,
    out: files.map((f) => `${f}: ok\n`).join(""),
    err: "",
  });
});
