/**
 * Data loaders: the MNIST digits and their fixed split, the synthetic sets drawn from the seed,
 * validation hold-out, and the clear error for a source `grove train` does not know.
 */
import { describe, expect, it } from "vitest";
import type { CallSpec } from "../../src/parser/check/values.js";
import { loadData, permutation, UnsupportedDataError } from "../../src/runtime/data/index.js";
import { mnist } from "../../src/runtime/data/mnist.js";
import { sine, spirals, xor } from "../../src/runtime/data/synthetic.js";

const spec = (name: string, args: CallSpec["args"] = {}): CallSpec => ({
  name,
  args,
  span: {} as CallSpec["span"],
});

describe("mnist", () => {
  it("has 8,000 train and 2,000 test digits, pixels in [0, 1], labels 0..9", () => {
    const train = mnist("train");
    const test = mnist("test");
    expect(train.count).toBe(8000);
    expect(test.count).toBe(2000);
    const image = train.fields.get("image")!;
    expect(image).toMatchObject({ dtype: "f32", perExample: 784 });
    expect(image.data).toBeInstanceOf(Float32Array);
    expect(image.data.length).toBe(8000 * 784);
    let min = Infinity;
    let max = -Infinity;
    for (const v of image.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect([min, max]).toEqual([0, 1]);
    const labels = test.fields.get("label")!;
    expect(labels).toMatchObject({ dtype: "i32", perExample: 1 });
    const counts = new Array<number>(10).fill(0);
    for (const l of labels.data) counts[l]!++;
    // Every digit is in the test split, roughly a tenth each.
    for (const c of counts) expect(c).toBeGreaterThan(120);
  });

  it("splits the same way every time and whatever the train seed", () => {
    const a = loadData(spec("mnist", { split: "train", validate: 0.1 }), 1);
    const b = loadData(spec("mnist", { split: "train", validate: 0.1 }), 2);
    expect(a.train.count).toBe(7200);
    expect(a.validation!.count).toBe(800);
    expect(a.test!.count).toBe(2000);
    expect(a.train.fields.get("label")!.data).toEqual(b.train.fields.get("label")!.data);
    const same = (x: ArrayLike<number>, y: ArrayLike<number>) => {
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
      return x.length === y.length;
    };
    expect(same(a.test!.fields.get("image")!.data, b.test!.fields.get("image")!.data)).toBe(true);
  });
});

describe("synthetic sets", () => {
  it("are deterministic from the seed and differ between seeds", () => {
    const a = spirals(300, 3, 0.1, 7);
    expect(spirals(300, 3, 0.1, 7).fields.get("features")!.data).toEqual(
      a.fields.get("features")!.data,
    );
    expect(spirals(300, 3, 0.1, 8).fields.get("features")!.data).not.toEqual(
      a.fields.get("features")!.data,
    );
    expect(a.count).toBe(300);
    expect([...a.fields.get("label")!.data.slice(0, 4)]).toEqual([0, 1, 2, 0]);
  });

  it("label xor by the sign of x·y, and sample sin x for sine", () => {
    const x = xor(500, 0, 3);
    const f = x.fields.get("features")!.data;
    const l = x.fields.get("label")!.data;
    for (let i = 0; i < 500; i++) expect(l[i]).toBe(f[2 * i]! * f[2 * i + 1]! < 0 ? 1 : 0);
    const s = sine(100, 0, 3);
    const sx = s.fields.get("features")!.data;
    const sy = s.fields.get("target")!.data;
    for (let i = 0; i < 100; i++) expect(sy[i]).toBeCloseTo(Math.sin(sx[i]!), 6);
  });

  it("hold out the `validate` fraction from the end", () => {
    const r = loadData(spec("xor", { n: 100, noise: 0.1, validate: 0.25 }), 1);
    expect([r.train.count, r.validation!.count, r.test]).toEqual([75, 25, undefined]);
  });
});

it("permutations are deterministic and complete", () => {
  const p = permutation(1000, 9, 1);
  expect([...p].sort((a, b) => a - b)).toEqual([...Array(1000).keys()]);
  expect(permutation(1000, 9, 1)).toEqual(p);
  expect(permutation(1000, 9, 2)).not.toEqual(p);
});

it("refuses a source it does not know with a clear message", () => {
  expect(() => loadData(spec("parquet", { path: "x.parquet" }), 0)).toThrow(UnsupportedDataError);
  expect(() => loadData(spec("parquet", { path: "x.parquet" }), 0)).toThrow(
    "data source `parquet` is not supported by `grove train` yet",
  );
});
