/**
 * Checkpoint metadata as input: `encodeTrainingMeta` and `decodeTrainingMeta` round-trip, and every
 * field that is missing, of the wrong type, out of range or inconsistent with the others or with
 * the tensors is refused with one message naming the field and the file.
 */
import { describe, expect, it } from "vitest";
import type { Checkpoint, CheckpointTensor } from "../../src/runtime/checkpoint.js";
import {
  decodeTrainingMeta,
  encodeTrainingMeta,
  groveMeta,
  type TrainingMeta,
} from "../../src/runtime/checkpoint-meta.js";

/** Step 8 of a run of 168 examples in batches of 32 (6 steps an epoch): epoch 2, batch 2. */
const meta: TrainingMeta = {
  model: "Xor",
  source: "xor.grove",
  step: 8,
  epoch: 2,
  nextBatch: 2,
  epochs: 3,
  stepsPerEpoch: 6,
  batch: 32,
  seed: 3,
  lr: 0.05,
  optimizer: "adam",
  optimizerArgs: { lr: 0.05, beta1: 0.9 },
  schedule: { name: "cosine", args: { warmup: 2 } },
  clipGradNorm: 0,
  trainExamples: 168,
  examplesSeen: 168 + 64,
  epochLossSum: 12.5,
  history: [{ epoch: 1, loss: 0.7, validation: { loss: NaN, metrics: { accuracy: 0.5 } } }],
  reason: "interrupt",
  lossReference: 0.69,
};

const w: CheckpointTensor = { dtype: "F32", shape: [2, 2], data: new Float32Array(4) };
const tensors = new Map<string, CheckpointTensor>([
  ["h.w", w],
  ["optimizer.m:h.w", w],
]);
const file = (metadata: Record<string, string>, t = tensors): Checkpoint => ({
  tensors: t,
  metadata,
});
const decode = (metadata: Record<string, string>, t = tensors) =>
  decodeTrainingMeta(file(metadata, t), "c.safetensors");
const encoded = encodeTrainingMeta(meta);
const withField = (key: string, value: string | undefined) => {
  const m = { ...encoded };
  if (value === undefined) delete m[key];
  else m[key] = value;
  return m;
};

describe("checkpoint metadata", () => {
  it("round-trips every field, NaN in the history included", () => {
    const back = decode(encoded);
    expect(back).toEqual(meta);
    expect(encodeTrainingMeta(back)).toEqual(encoded);
    const { lossReference: _, ...older } = meta;
    expect(decode(withField("loss_reference", undefined))).toEqual(older);
    expect(decode(withField("history", undefined)).history).toEqual([]);
  });

  it("reads a file from elsewhere for its tensors only", () => {
    expect(groveMeta(file({ format: "pt", batch: "0" }), "c")).toBeUndefined();
    expect(groveMeta(file({}), "c")).toBeUndefined();
    expect(groveMeta(file(encoded), "c")).toEqual(meta);
    expect(() => groveMeta(file(withField("batch", "0")), "c")).toThrow(/^c: metadata `batch`/);
    expect(() => decode({})).toThrow(
      "c.safetensors: was not saved by grove train (no `format: grove` metadata)",
    );
    expect(() => decode(withField("format_version", "2"))).toThrow(
      'c.safetensors: has checkpoint format version "2"; this Grove reads version 1',
    );
  });

  // Each value is refused with the field and the value as written.
  const refused: [string, string | undefined, string][] = [
    ["batch", "0", "it must be a whole number from 1 to 2147483647"],
    ["batch", "-1", "it must be a whole number from 1 to 2147483647"],
    ["batch", "32.5", "it must be a whole number from 1 to 2147483647"],
    ["batch", "1e3", "it must be a whole number from 1 to 2147483647"],
    ["batch", "99999999999", "it must be a whole number from 1 to 2147483647"],
    ["batch", undefined, ""],
    ["lr", "-1", "it must be a positive number up to 3.4028234663852886e+38"],
    ["lr", "0", "it must be a positive number up to 3.4028234663852886e+38"],
    ["lr", "Infinity", "it must be a positive number up to 3.4028234663852886e+38"],
    ["lr", "1e39", "it must be a positive number up to 3.4028234663852886e+38"],
    ["lr", "0x10", "it must be a positive number up to 3.4028234663852886e+38"],
    ["lr", " 0.1", "it must be a positive number up to 3.4028234663852886e+38"],
    ["seed", "4294967296", "it must be a whole number from 0 to 4294967295"],
    ["epochs", "0", "it must be a whole number from 1 to 2147483647"],
    ["step", "NaN", "it must be a whole number from 0 to 2147483647"],
    ["clip_grad_norm", "-1", "it must be a finite number of at least 0"],
    ["epoch_loss_sum", "NaN", "it must be a finite number"],
    ["optimizer", "", "it must be a name"],
    ["model", "a\nb", "it must be a name"],
    ["optimizer_args", "[1]", "it must be a JSON object of numbers, strings and booleans"],
    ["optimizer_args", '{"lr": {}}', "it must be a JSON object of numbers, strings and booleans"],
    ["schedule", '{"args": {}}', "it must be a JSON object {name, args}"],
    ["reason", "crash", "it must be epoch, interrupt or max-steps"],
    ["loss_reference", "-2", "it must be a finite number of at least 0"],
  ];
  for (const [key, value, why] of refused)
    it(`refuses ${key} ${value === undefined ? "missing" : JSON.stringify(value)}`, () => {
      const message =
        value === undefined
          ? `c.safetensors: metadata \`${key}\` is missing`
          : `c.safetensors: metadata \`${key}\` is ${JSON.stringify(value)}; ${why}`;
      expect(() => decode(withField(key, value))).toThrow(message);
    });

  it("shows a long or invisible value escaped and cut", () => {
    expect(() => decode(withField("batch", "\u0000".repeat(1000)))).toThrow(
      /^c\.safetensors: metadata `batch` is "(\\u0000){32}"\.\.\.; it must be/,
    );
  });

  it("refuses a history that is not a list of epochs up to the current one", () => {
    for (const history of ["{", "{}", '[{"epoch": 3, "loss": 1}]', '[{"epoch": 1, "loss": "x"}]'])
      expect(() => decode(withField("history", history))).toThrow(
        "c.safetensors: metadata `history` is not a JSON array of epochs ({epoch, loss, validation?}) up to epoch 2",
      );
  });

  it("refuses fields that disagree with each other", () => {
    const cases: [Record<string, string>, string][] = [
      [
        withField("steps_per_epoch", "5"),
        "`steps_per_epoch` is 5, but 168 examples in batches of 32 make 6",
      ],
      [
        { ...encoded, next_batch: "6", step: "12" },
        "`next_batch` is 6, but an epoch has 6 batches",
      ],
      [{ ...encoded, epoch: "5", step: "26" }, "`epoch` is 5, past the end of the run's 3 epochs"],
      [withField("step", "9"), "`step` is 9, but epoch 2, batch 2 of 6 is step 8"],
      [
        withField("examples_seen", "64"),
        "`examples_seen` is 64, but 8 steps over 168 examples see 232",
      ],
      [
        { ...encoded, next_batch: "0", step: "6", examples_seen: "168" },
        "`epoch_loss_sum` is 12.5 at the start of an epoch, where it is 0",
      ],
      [withField("reason", "epoch"), "`reason` is epoch, but `next_batch` is 2, not 0"],
    ];
    for (const [m, message] of cases)
      expect(() => decode(m)).toThrow(`c.safetensors: metadata ${message}`);
  });

  it("refuses tensors that disagree with a Grove checkpoint", () => {
    const i32: CheckpointTensor = { dtype: "I32", shape: [1], data: new Int32Array(1) };
    const cases: [[string, CheckpointTensor][], string][] = [
      [[["h.w", i32]], "tensor `h.w` is I32; Grove checkpoints hold F32"],
      [
        [["optimizer.m:x.w", w]],
        "tensor `optimizer.m:x.w` is an optimizer moment of no parameter in the file",
      ],
      [
        [
          ["h.w", w],
          ["optimizer.v:h.w", { ...w, shape: [4] }],
        ],
        "tensor `optimizer.v:h.w` is [4], but its parameter `h.w` is [2, 2]",
      ],
    ];
    for (const [list, message] of cases)
      expect(() => decode(encoded, new Map(list))).toThrow(`c.safetensors: ${message}`);
  });
});
