/**
 * The training session without files: one run-spec resolution (settings, resume refusals as data,
 * the schedule warning), and training on the CPU backend with checkpoints kept as bytes in memory
 * (`MemoryCheckpointStore`): an interrupted run resumed from those bytes takes the steps of an
 * unbroken one, and the bytes are those `train()` writes to a file.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkFile } from "../../src/parser/program.js";
import type { TrainingMeta } from "../../src/runtime/checkpoint-meta.js";
import { loadData } from "../../src/runtime/data/index.js";
import { CheckpointError, decodeSafetensors } from "../../src/runtime/safetensors.js";
import {
  CheckpointRotation,
  InterruptedError,
  MemoryCheckpointStore,
  refuse,
  refusalText,
  resolveRun,
  RunSpecError,
  trainSession,
  type SessionOptions,
} from "../../src/session/index.js";
import { train } from "../../src/session/node.js";
import { xorSource } from "../cli/run.js";

function section(source = xorSource()) {
  const r = checkFile("xor.grove", { readFile: (p) => (p === "xor.grove" ? source : undefined) });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.program.trains[0]!;
}

/** The metadata of a checkpoint of the xor section after `step` steps of 32-example batches. */
const saved = (over: Partial<TrainingMeta> = {}): TrainingMeta => ({
  model: "Xor",
  source: "xor.grove",
  step: 8,
  epoch: 2,
  nextBatch: 2,
  epochs: 2,
  stepsPerEpoch: 6,
  batch: 32,
  seed: 3,
  lr: 0.05,
  optimizer: "adam",
  optimizerArgs: { lr: 0.05 },
  schedule: { name: "cosine", args: { warmup: 2 } },
  clipGradNorm: 0,
  trainExamples: 168,
  examplesSeen: 256,
  epochLossSum: 40,
  history: [],
  reason: "interrupt",
  ...over,
});

describe("run-spec resolution", () => {
  const t = section();

  it("takes each setting from the overrides, else the checkpoint, else the train section", () => {
    const fresh = resolveRun(t, {}, 168);
    expect(fresh.refusals).toEqual([]);
    expect(fresh.spec).toEqual({
      model: "Xor",
      seed: 3,
      batch: 32,
      epochs: 2,
      lr: 0.05,
      trainExamples: 168,
      stepsPerEpoch: 6,
      totalSteps: 12,
    });
    const given = resolveRun(t, { batch: 500, epochs: 3, lr: 0.1, maxSteps: 2, evalLimit: 7 }, 168);
    expect(given.spec).toMatchObject({ batch: 168, epochs: 3, lr: 0.1, stepsPerEpoch: 1 });
    expect(given.spec).toMatchObject({ totalSteps: 3, maxSteps: 2, evalLimit: 7 });
    const resumed = resolveRun(t, {}, 168, { path: "c.st", meta: saved({ epochs: 5, lr: 0.2 }) });
    expect(resumed.spec).toMatchObject({ epochs: 5, lr: 0.2, totalSteps: 30 });
    expect(resumed.refusals).toEqual([]);
    expect(resumed.warnings).toEqual([]);
  });

  it("returns every resume refusal as data, in order, and warns when the schedule stretches", () => {
    const meta = saved({ model: "Other", batch: 16, seed: 4, step: 9 });
    const r = resolveRun(t, { epochs: 3, batch: 32, seed: 5 }, 168, { path: "c.st", meta });
    expect(r.refusals.map(refusalText)).toEqual([
      "c.st: was saved for model Other, not Xor",
      "c.st: was saved with batch 16; resume with the same batch, not 32",
      "c.st: was saved with seed 4; resume with the same seed, not 5",
      "c.st: its position (step 9, epoch 2, batch 2) does not fit 11 steps per epoch",
    ]);
    // Without overrides the batch and the seed are the checkpoint's.
    const own = resolveRun(t, {}, 168, { path: "c.st", meta: saved({ batch: 16, seed: 4 }) });
    expect(own.spec).toMatchObject({ batch: 16, seed: 4 });
    expect(r.warnings).toEqual([
      "the checkpoint was saved for 2 epochs and this run has 3: the cosine schedule now spans 18 steps, so the learning rates differ from the original run's",
    ]);
    expect(() => refuse(r)).toThrow(CheckpointError);
    const examples = resolveRun(t, {}, 100, { path: "c.st", meta: saved() });
    expect(examples.refusals.map(refusalText)).toEqual([
      "c.st: was saved training on 168 examples, but the data has 100",
    ]);
  });

  it("refuses empty data and more steps than a checkpoint can record, outside any file", () => {
    const empty = resolveRun(t, {}, 0);
    expect(empty.refusals).toEqual([{ detail: "the training data is empty" }]);
    const long = resolveRun(t, { epochs: 2147483647 }, 168);
    expect(long.refusals.map(refusalText)).toEqual([
      "2147483647 epochs of 6 steps are more than the 2147483647 steps a run may take",
    ]);
    expect(() => refuse(long)).toThrow(RunSpecError);
  });
});

describe("a session with checkpoints in memory", () => {
  const t = section();
  const base = (losses: number[]): SessionOptions => ({
    device: "cpu",
    train: t,
    data: (seed) => loadData(t.data, seed),
    onStep: (s) => losses.push(s.loss),
  });
  const path = "memory/xor.safetensors";

  it("resumes an interrupted run from its bytes to the steps and bytes of an unbroken one", async () => {
    const fullLosses: number[] = [];
    const full = new MemoryCheckpointStore();
    const r = await trainSession({
      ...base(fullLosses),
      checkpoints: (resumed) => new CheckpointRotation(path, full, resumed),
    });
    expect(r.steps).toBe(12);
    // The first epoch's checkpoint was good when the second was saved: it is kept as .prev.
    expect([...full.files.keys()].sort()).toEqual(["memory/xor.prev.safetensors", path]);

    const store = new MemoryCheckpointStore();
    const controller = new AbortController();
    const first: number[] = [];
    const stopped = await trainSession({
      ...base(first),
      signal: controller.signal,
      checkpoints: (resumed) => new CheckpointRotation(path, store, resumed),
      onStep: (s) => {
        first.push(s.loss);
        if (s.step === 4) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(InterruptedError);
    const cut = decodeSafetensors(store.files.get(path)!, path);
    expect(cut.metadata.step).toBe("5");
    const rest: number[] = [];
    await trainSession({
      ...base(rest),
      resume: { path, checkpoint: cut },
      checkpoints: (resumed) => new CheckpointRotation(path, store, resumed),
    });
    expect([...first, ...rest]).toEqual(fullLosses);
    expect(store.files.get(path)).toEqual(full.files.get(path));

    // A resumed run's data is loaded with the class names its checkpoint recorded (a CSV's
    // categorical labels keep their numbers even if the file changed).
    const named = new MemoryCheckpointStore();
    const withClasses = (seed: number) => {
      const d = loadData(t.data, seed);
      return { ...d, train: { ...d.train, classes: ["neg", "pos"] } };
    };
    const stop = new AbortController();
    await trainSession({
      ...base([]),
      data: withClasses,
      signal: stop.signal,
      checkpoints: (resumed) => new CheckpointRotation(path, named, resumed),
      onStep: (s) => (s.step === 2 ? stop.abort() : undefined),
    }).catch(() => undefined);
    const seen: (readonly string[] | undefined)[] = [];
    await trainSession({
      ...base([]),
      data: (seed, classes) => (seen.push(classes), withClasses(seed)),
      resume: { path, checkpoint: decodeSafetensors(named.files.get(path)!, path) },
      checkpoints: (resumed) => new CheckpointRotation(path, named, resumed),
    });
    expect(seen).toEqual([["neg", "pos"]]);

    // train() in Node writes the same bytes to a file.
    const file = join(mkdtempSync(join(tmpdir(), "grove-session-")), "xor.safetensors");
    await train({ device: "cpu", train: t, checkpoint: file });
    expect(new Uint8Array(readFileSync(file))).toEqual(full.files.get(path));
  });
});
