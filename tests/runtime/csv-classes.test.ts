/**
 * Categorical CSV labels: a label column holding names is numbered by the sorted class names (code
 * units, the same on every machine), the names travel with the dataset through splits, a given
 * mapping (a checkpoint's) numbers another file the same way and refuses names it lacks, and the
 * checkpoint metadata `classes` round-trips and is validated on load.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { csv } from "../../src/runtime/data/csv.js";
import { DataError, loadData } from "../../src/runtime/data/index.js";
import {
  decodeTrainingMeta,
  encodeTrainingMeta,
  type TrainingMeta,
} from "../../src/runtime/checkpoint-meta.js";

const dir = mkdtempSync(join(tmpdir(), "grove-csv-classes-"));
let serial = 0;
const file = (contents: string) => {
  const path = join(dir, `f${serial++}.csv`);
  writeFileSync(path, contents);
  return path;
};
const labels = (d: ReturnType<typeof csv>) => Array.from(d.fields.get("label")!.data);

/** The message of the DataError `run` throws (one line). */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    expect((e as Error).message).not.toContain("\n");
    return (e as Error).message;
  }
  throw new Error("expected a DataError");
}

describe("categorical CSV labels", () => {
  it("number the sorted class names from 0", () => {
    const names = ["virginica", "setosa", "versicolor", "setosa", "virginica"];
    const path = file(["x,species", ...names.map((n, i) => `${i},${n}`)].join("\n"));
    const d = csv(path, dir, { label: "species" });
    const classes = [...new Set(names)].sort();
    expect(d.classes).toEqual(["setosa", "versicolor", "virginica"]);
    expect(labels(d)).toEqual(names.map((n) => classes.indexOf(n)));
    expect(d.fields.get("label")!.dtype).toBe("i32");
    expect(Array.from(d.fields.get("features")!.data)).toEqual([0, 1, 2, 3, 4]);
  });

  it("sort by code units, and read number-like cells of a named column as names", () => {
    const d = csv(file("x,y\n1,b\n2,B\n3,10\n4,9\n5,a\n6,\u00e9\n"), dir, { label: "y" });
    expect(d.classes).toEqual(["10", "9", "B", "a", "b", "\u00e9"]);
    expect(labels(d)).toEqual([4, 2, 0, 1, 3, 5]);
  });

  it("keep numeric labels numeric (no classes)", () => {
    const d = csv(file("x,y\n1,2\n2,0\n"), dir, { label: "y" });
    expect(d.classes).toBeUndefined();
    expect(labels(d)).toEqual([2, 0]);
  });

  it("refuse an empty class cell, naming the line and column", () => {
    const path = file("x,y\n1,cat\n2,\n");
    expect(refusal(() => csv(path, dir, { label: "y" }))).toBe(`${path}:3: column \`y\` is empty`);
  });

  it("number another file by a given mapping and refuse a name it lacks", () => {
    const classes = ["ant", "bee", "cat"];
    const d = csv(file("x,y\n1,cat\n2,cat\n3,bee\n"), dir, { label: "y", classes });
    expect(labels(d)).toEqual([2, 2, 1]);
    expect(d.classes).toEqual(classes);
    const path = file("x,y\n1,cat\n2,dog\n");
    expect(refusal(() => csv(path, dir, { label: "y", classes }))).toBe(
      `${path}:3: column \`y\` holds \`dog\`, a class the checkpoint was not trained on; its classes are \`ant\`, \`bee\`, \`cat\``,
    );
  });

  it("keep the class names in both splits of loadData", () => {
    const rows = Array.from({ length: 10 }, (_, i) => `${i},${i % 2 ? "odd" : "even"}`);
    const path = file(["x,kind", ...rows].join("\n"));
    const spec = { name: "csv", args: { path, label: "kind", validate: 0.3 } };
    const splits = loadData(spec as never, 1, dir);
    expect(splits.train.classes).toEqual(["even", "odd"]);
    expect(splits.validation!.classes).toEqual(["even", "odd"]);
    expect(splits.validation!.count).toBe(3);
  });
});

const meta: TrainingMeta = {
  model: "M",
  source: "m.grove",
  step: 2,
  epoch: 1,
  nextBatch: 2,
  epochs: 1,
  stepsPerEpoch: 3,
  batch: 4,
  seed: 1,
  lr: 0.01,
  optimizer: "sgd",
  optimizerArgs: {},
  schedule: { name: "constant", args: {} },
  clipGradNorm: 0,
  trainExamples: 10,
  examplesSeen: 8,
  epochLossSum: 1,
  history: [],
  reason: "max-steps",
};
const decode = (metadata: Record<string, string>) =>
  decodeTrainingMeta({ tensors: new Map(), metadata }, "c.safetensors");

describe("checkpoint metadata `classes`", () => {
  it("round-trips, and is absent for numeric labels", () => {
    const classes = ["a,b", 'say "hi"', "z"];
    const encoded = encodeTrainingMeta({ ...meta, classes });
    expect(JSON.parse(encoded.classes!)).toEqual(classes);
    expect(decode(encoded).classes).toEqual(classes);
    expect(encodeTrainingMeta(meta).classes).toBeUndefined();
    expect(decode(encodeTrainingMeta(meta)).classes).toBeUndefined();
  });

  it.each([
    ['["b","a"]', "unsorted"],
    ['["a","a"]', "twice"],
    ["[]", "empty"],
    ['["a",""]', "an empty name"],
    ['["a",1]', "a number"],
    ['{"a":0}', "an object"],
    ["not json", "not JSON"],
  ])("refuses %s (%s), naming the field and file", (text) => {
    const encoded = { ...encodeTrainingMeta(meta), classes: text };
    expect(() => decode(encoded)).toThrow(
      `c.safetensors: metadata \`classes\` is ${JSON.stringify(text)}; it must be a JSON array of 1 to 65536 distinct non-empty strings, sorted`,
    );
  });
});
