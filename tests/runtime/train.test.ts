/**
 * The training loop: schedules on the host, and end-to-end training of a tiny model on the GPU
 * with a remainder batch, deterministic from the seed; checkpoints, interrupts and resuming to the
 * same steps, --init, divergence, gradient norms, and evaluation and prediction from a checkpoint.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { expect, it } from "vitest";
import { runGrove } from "../cli/run.js";
import { compilePlan } from "../../src/codegen/compile.js";
import { optimizerSpec } from "../../src/ops/optimizers.js";
import { scheduleSpec } from "../../src/ops/schedules.js";
import { checkFile } from "../../src/parser/program.js";
import {
  CheckpointError,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointTensor,
} from "../../src/runtime/checkpoint.js";
import { loadData, subset } from "../../src/runtime/data/index.js";
import { xor } from "../../src/runtime/data/synthetic.js";
import { initialiseParams, randomInputs } from "../../src/runtime/host-data.js";
import { PlanRunner } from "../../src/runtime/runner.js";
import {
  DivergedError,
  evaluateCheckpoint,
  gradStatus,
  InterruptedError,
  learningRate,
  predict,
  train,
  type TrainOptions,
} from "../../src/session/node.js";
import { describeGpu } from "./gpu.js";

const spec = scheduleSpec;

it("computes each schedule's learning rate on the host", () => {
  expect(learningRate(spec("constant", { warmup: 0 }), 0.1, 7, 100)).toBe(0.1);
  const warm = spec("constant", { warmup: 10 });
  expect(learningRate(warm, 0.1, 1, 100)).toBeCloseTo(0.01, 12);
  expect(learningRate(warm, 0.1, 10, 100)).toBeCloseTo(0.1, 12);
  const step = spec("step", { every: 5, gamma: 0.5, warmup: 0 });
  expect(learningRate(step, 1, 5, 100)).toBe(1);
  expect(learningRate(step, 1, 6, 100)).toBe(0.5);
  expect(learningRate(step, 1, 11, 100)).toBe(0.25);
  const cosine = spec("cosine", { warmup: 10, min_lr: 0.01 });
  expect(learningRate(cosine, 0.1, 11, 111)).toBeCloseTo(0.1, 12);
  expect(learningRate(cosine, 0.1, 61, 111)).toBeCloseTo(0.055, 12);
  expect(learningRate(cosine, 0.1, 111, 111)).toBeCloseTo(0.01, 12);
  const linear = spec("linear", { warmup: 0, final_lr: 0 });
  expect(learningRate(linear, 1, 1, 11)).toBe(1);
  expect(learningRate(linear, 1, 6, 11)).toBeCloseTo(0.5, 12);
  expect(learningRate(linear, 1, 11, 11)).toBe(0);
  // The defaults come from the schema records: gamma 0.1, min_lr and final_lr 0, warmup 0.
  expect(learningRate(spec("step", { every: 2 }), 1, 3, 100)).toBeCloseTo(0.1, 12);
  expect(learningRate(spec("cosine"), 1, 11, 11)).toBeCloseTo(0, 12);
  expect(learningRate(spec("linear"), 2, 11, 11)).toBe(0);
});

const source = `
model Xor {
  input features: [N, 2]
  h = Dense(2, 16, tanh)
  out = Dense(16, 2)
  output logits = features |> h |> out
}

train Xor {
  data      = xor(n: 523, noise: 0.05, validate: 0.2)
  loss      = cross_entropy(logits, label)
  optimizer = adam(lr: 0.05)
  schedule  = cosine(warmup: 3)
  batch     = 32
  epochs    = 8
  clip_grad_norm = 5.0
  metrics   = [accuracy(logits, label)]
  seed      = 5
}
`;

function xorTrain() {
  const r = checkFile("xor.grove", { readFile: (p) => (p === "xor.grove" ? source : undefined) });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.program.trains[0]!;
}

const sine = `
model Sine {
  input features: [N, 1]
  out = Dense(1, 1)
  output y = features |> out
}
train Sine {
  data = sine(n: 64)
  loss = mse(y, target)
  optimizer = sgd(lr: 0.01)
  batch = 16
}
`;

function sineTrain() {
  const r = checkFile("s.grove", { readFile: (p) => (p === "s.grove" ? sine : undefined) });
  return r.program.trains[0]!;
}

const tmp = () => mkdtempSync(join(tmpdir(), "grove-train-"));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const bits = (a: Float32Array | Int32Array) => [
  ...new Uint32Array(a.buffer, a.byteOffset, a.length),
];

it("flags vanishing and exploding gradient norms", () => {
  expect(gradStatus(1e-8)).toBe("vanishing");
  expect(gradStatus(0)).toBe("vanishing");
  expect(gradStatus(2e-7)).toBeUndefined();
  expect(gradStatus(999)).toBeUndefined();
  expect(gradStatus(1001)).toBe("exploding");
  expect(gradStatus(NaN)).toBe("exploding");
  expect(gradStatus(Infinity)).toBe("exploding");
});

const cli = runGrove;

it("grove train names a missing data file, without a stack trace", async () => {
  const r = await cli(["train", "bench/models/mlp-small.grove"]);
  expect(r.code).toBe(1);
  expect(r.err).toBe(
    `grove train: cannot read ${resolve("bench/models/features.npy")}: no such file\n`,
  );
});

it("grove train refuses data whose feature count does not fit the model", async () => {
  const dir = mkdtempSync(join(tmpdir(), "grove-fit-"));
  writeFileSync(join(dir, "d.csv"), "a,b,y\n1,2,3\n4,5,6\n");
  writeFileSync(
    join(dir, "m.grove"),
    `model M {\n  input features: [N, 3]\n  l = Dense(3, 1)\n  output y = features |> l\n}\n` +
      `train M {\n  data = csv(path: "d.csv", target: "y")\n  loss = mse(y, target)\n  optimizer = sgd()\n  batch = 2\n}\n`,
  );
  const r = await cli(["train", join(dir, "m.grove")]);
  expect(r.code).toBe(1);
  expect(r.err).toContain(
    "the data's `features` has 2 values per example, but the model input `features` takes 3",
  );
});

it("grove train and grove eval refuse labels the model cannot take, before training", async () => {
  const dir = mkdtempSync(join(tmpdir(), "grove-ids-"));
  // Three classes in the model; the validation rows (the last quarter) hold a label 3.
  writeFileSync(join(dir, "d.csv"), "a,b,y\n1,2,0\n4,5,1\n7,8,2\n1,1,3\n");
  writeFileSync(
    join(dir, "m.grove"),
    `model M {\n  input features: [N, 2]\n  l = Dense(2, 3)\n  output y = features |> l\n}\n` +
      `train M {\n  data = csv(path: "d.csv", label: "y", validate: 0.25)\n  loss = cross_entropy(y, label)\n  optimizer = sgd()\n  batch = 2\n}\n`,
  );
  const r = await cli(["train", join(dir, "m.grove"), "--checkpoint", join(dir, "c.safetensors")]);
  expect(r.code).toBe(1);
  expect(r.err).toBe(
    "grove train: the data's `label` has the value 3 (example 1 of the validation split), but the model takes `label` values from 0 to 2\n",
  );
  expect(r.out).toBe("");
});

describeGpu("train", (gpu) => {
  it("reports each step's metrics on its batch, read with the loss in one copy", async () => {
    const t = xorTrain();
    const steps: { metrics: Readonly<Record<string, number>>; size: number }[] = [];
    // 419 training examples: 13 batches of 32, then one of 3, every epoch.
    await train({
      device: gpu.device,
      train: t,
      onStep: (s) => steps.push({ metrics: s.metrics, size: (s.step - 1) % 14 === 13 ? 3 : 32 }),
    });
    expect(steps.length).toBe(8 * 14);
    for (const s of steps) {
      const acc = s.metrics.accuracy!;
      // The fraction of one batch's examples that are right: a whole number over its size.
      expect(Math.abs(acc * s.size - Math.round(acc * s.size))).toBeLessThan(1e-4);
      expect(acc).toBeGreaterThanOrEqual(0);
      expect(acc).toBeLessThanOrEqual(1);
    }
    const mean = (xs: typeof steps) => xs.reduce((a, s) => a + s.metrics.accuracy!, 0) / xs.length;
    expect(mean(steps.slice(0, 5))).toBeLessThan(0.8);
    expect(mean(steps.slice(-14))).toBeGreaterThan(0.9);

    const { plan } = compilePlan(t, { batch: 32 }).value!;
    const runner = await PlanRunner.create(gpu.device, plan);
    try {
      initialiseParams(runner, plan, 1);
      randomInputs(runner, plan, 2);
      runner.writeUniforms({ lr: 0.01, bc1: 0.1, bc2: 0.001, step: 1, clip: 5 });
      runner.run("train");
      const names = ["loss", "metric:accuracy", "grad_norm"];
      const outputs = plan.outputs.filter((o) => names.includes(o.name));
      expect(new Set(outputs.map((o) => o.buffer)).size).toBe(1);
      const together = await runner.readOutputs(names);
      const apart = await Promise.all(names.map((n) => runner.readOutput(n)));
      expect(together.map((a) => Array.from(a))).toEqual(apart.map((a) => Array.from(a)));
    } finally {
      runner.destroy();
    }
  });

  it("trains a small model, remainder batches included, reproducibly from the seed", async () => {
    const t = xorTrain();
    const run = () => {
      const steps: number[] = [];
      return train({ device: gpu.device, train: t, onStep: (s) => steps.push(s.loss) }).then(
        (r) => ({ ...r, stepLosses: steps }),
      );
    };
    const a = await run();
    // 523 examples, 104 held out: 419 = 13 batches of 32 and one of 3, every epoch.
    expect(a.steps).toBe(8 * 14);
    expect(a.examplesSeen).toBe(8 * 419);
    expect(a.stepLosses).toHaveLength(8 * 14);
    expect(a.stepLosses.every(Number.isFinite)).toBe(true);
    expect(a.clipApplied).toBe(true);
    expect(a.epochs.at(-1)!.loss).toBeLessThan(a.epochs[0]!.loss * 0.7);
    const v = a.epochs.at(-1)!.validation!;
    expect(v.examples).toBe(104);
    expect(v.metrics.accuracy).toBeGreaterThan(0.8);
    const b = await run();
    expect(b.stepLosses).toEqual(a.stepLosses);
    expect(b.epochs.map((e) => e.validation!.loss)).toEqual(
      a.epochs.map((e) => e.validation!.loss),
    );
  });

  it("grove train prints a line per epoch and the result, and logs JSON lines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grove-train-"));
    writeFileSync(join(dir, "xor.grove"), source);
    const log = join(dir, "log.jsonl");
    const r = await cli(["train", join(dir, "xor.grove"), "--epochs", "2", "--log-json", log]);
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^training Xor on xor \(419 train, 104 validation examples\)/);
    expect(r.out).toMatch(/\nepoch 2\/2 {2}loss \d\.\d{4} {2}val_loss \d\.\d{4} {2}val_accuracy /);
    expect(r.out).toMatch(/\ntrained 28 steps \(838 examples\)/);
    const events = readFileSync(log, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { event: string });
    expect(events.filter((e) => e.event === "step")).toHaveLength(28);
    expect(events.at(-1)!.event).toBe("end");
  });

  it("stops the final test evaluation on an interrupt; the trained run is already saved", async () => {
    const t = xorTrain();
    const data = loadData(t.data, t.seed);
    const path = join(tmp(), "done.safetensors");
    const controller = new AbortController();
    let evaluated = false;
    const err = (await train({
      device: gpu.device,
      train: t,
      epochs: 1,
      checkpoint: path,
      signal: controller.signal,
      // The held-out examples serve as a test split; the interrupt comes after the only epoch.
      data: { train: data.train, test: data.validation! },
      onEpoch: () => controller.abort(),
    })
      .then(() => (evaluated = true))
      .catch((e: unknown) => e)) as InterruptedError;
    expect(evaluated).toBe(false);
    expect(err).toBeInstanceOf(InterruptedError);
    expect(err.message).toBe(`interrupted at step 14; checkpoint saved to ${path}`);
    expect(readCheckpoint(path).metadata.step).toBe("14");
  });

  it("resumes an interrupted run to exactly the steps and parameters of an unbroken one", async () => {
    const t = xorTrain();
    const dir = tmp();
    const run = async (o: Partial<TrainOptions>) => {
      const losses: number[] = [];
      const r = await train({
        device: gpu.device,
        train: t,
        ...o,
        onStep: (s) => {
          losses.push(s.loss);
          o.onStep?.(s);
        },
      });
      return { ...r, losses };
    };
    const fullPath = join(dir, "full.safetensors");
    const full = await run({ epochs: 2, checkpoint: fullPath });
    expect(full.losses).toHaveLength(28);
    expect(full.checkpoint).toEqual({
      path: fullPath,
      step: 28,
      epoch: 3,
      nextBatch: 0,
      reason: "epoch",
    });
    // Step 13 is reported while step 14 (the epoch's remainder batch) runs: the interrupt comes at
    // the end of epoch 1. Step 20 stops in the middle of epoch 2.
    for (const abortAt of [13, 20]) {
      const path = join(dir, `cut-${abortAt}.safetensors`);
      const controller = new AbortController();
      const first: number[] = [];
      const err = (await train({
        device: gpu.device,
        train: t,
        epochs: 2,
        checkpoint: path,
        signal: controller.signal,
        onStep: (s) => {
          first.push(s.loss);
          if (s.step === abortAt) controller.abort();
        },
      }).catch((e: unknown) => e)) as InterruptedError;
      expect(err).toBeInstanceOf(InterruptedError);
      expect(err.step).toBe(abortAt + 1);
      expect(err.message).toBe(`interrupted at step ${abortAt + 1}; checkpoint saved to ${path}`);
      expect(first).toHaveLength(err.step);
      const meta = readCheckpoint(path).metadata;
      expect([meta.step, meta.epoch, meta.next_batch]).toEqual(
        abortAt === 13 ? ["14", "2", "0"] : ["21", "2", "7"],
      );
      if (abortAt === 20) {
        // Resumed with a signal that is already aborted, it saves the same position at once: every
        // tensor goes through the GPU and back unchanged. More epochs stretch the cosine schedule.
        const again = join(dir, "again.safetensors");
        const warnings: string[] = [];
        const stopped = await train({
          device: gpu.device,
          train: t,
          resume: path,
          epochs: 3,
          checkpoint: again,
          signal: AbortSignal.abort(),
          onWarning: (w) => warnings.push(w),
        }).catch((e: unknown) => e);
        expect(stopped).toBeInstanceOf(InterruptedError);
        expect(warnings).toEqual([
          "the checkpoint was saved for 2 epochs and this run has 3: the cosine schedule now spans 42 steps, so the learning rates differ from the original run's",
        ]);
        const [x, y] = [readCheckpoint(path), readCheckpoint(again)];
        expect({ ...y.metadata, epochs: "2" }).toEqual(x.metadata);
        for (const [name, value] of x.tensors)
          expect(bits(y.tensors.get(name)!.data)).toEqual(bits(value.data));
      }
      const resumed = await run({ resume: path, checkpoint: path });
      expect(resumed.steps).toBe(28);
      expect([...first, ...resumed.losses]).toEqual(full.losses);
      expect(resumed.epochs.map((e) => e.epoch)).toEqual([2]);
      expect(resumed.epochs[0]!.loss).toBe(full.epochs[1]!.loss);
      expect(resumed.epochs[0]!.validation).toEqual(full.epochs[1]!.validation);
      for (const [name, value] of full.params)
        expect(bits(resumed.params.get(name)!)).toEqual(bits(value));
      // Every tensor of the final checkpoint, optimizer moments included, is the same.
      const a = readCheckpoint(fullPath).tensors;
      const b = readCheckpoint(path).tensors;
      expect([...b.keys()]).toEqual([...a.keys()]);
      expect([...a.keys()]).toContain("optimizer.v:h.w");
      for (const [name, value] of a) expect(bits(b.get(name)!.data)).toEqual(bits(value.data));
    }
    // Evaluating the checkpoint gives the numbers of the last epoch's validation.
    const data = loadData(t.data, t.seed);
    const evaluated = await evaluateCheckpoint({
      device: gpu.device,
      train: t,
      checkpoint: fullPath,
      data: data.validation!,
      batch: t.batch,
    });
    expect(evaluated).toEqual(full.epochs[1]!.validation);
    // Predicting 37 examples (a full batch and a remainder) gives one row of logits each.
    const inputs = subset(
      data.validation!,
      Array.from({ length: 37 }, (_, i) => i),
    );
    const features = new Map([...inputs.fields].filter(([k]) => k === "features"));
    const [logits, ...more] = await predict({
      device: gpu.device,
      train: t,
      checkpoint: fullPath,
      inputs: { count: 37, fields: features },
      batch: t.batch,
    });
    expect(more).toEqual([]);
    expect(logits!.name).toBe("logits");
    expect(logits!.shape).toEqual([2]);
    expect(logits!.data).toHaveLength(74);
    expect([...logits!.data].every(Number.isFinite)).toBe(true);
    // Row 33 ran in the remainder batch; its scores match the same example in a batch of its own.
    const alone = await predict({
      device: gpu.device,
      train: t,
      checkpoint: fullPath,
      inputs: subset(inputs, [33]),
      batch: 1,
    });
    expect([...alone[0]!.data]).toEqual([...logits!.data.subarray(66, 68)]);
  });

  it("evaluates a checkpoint to the numbers of the end-of-training test evaluation", async () => {
    const t = xorTrain();
    const checkpoint = join(tmp(), "t.safetensors");
    const test = xor(77, 0.05, 2); // two batches of 32 and a remainder of 13
    const r = await train({
      device: gpu.device,
      train: t,
      epochs: 1,
      data: { train: xor(200, 0.05, 1), test },
      checkpoint,
    });
    expect(r.test!.examples).toBe(77);
    const evaluated = await evaluateCheckpoint({
      device: gpu.device,
      train: t,
      checkpoint,
      data: test,
      batch: t.batch,
    });
    expect(evaluated).toEqual(r.test);
  });

  it("starts from --init parameters with fresh optimizer state", async () => {
    const t = xorTrain();
    const dir = tmp();
    const from = join(dir, "a.safetensors");
    const a = await train({ device: gpu.device, train: t, epochs: 2, checkpoint: from });
    const warnings: string[] = [];
    const path = join(dir, "b.safetensors");
    // Adam's steps with a learning rate of 1e-30 leave every trained f32 parameter as it is, so
    // the validation after one epoch is the one the parameters had at the end of run a.
    const b = await train({
      device: gpu.device,
      train: t,
      epochs: 1,
      lr: 1e-30,
      init: from,
      checkpoint: path,
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings).toEqual([]);
    expect(b.epochs[0]!.validation).toEqual(a.epochs[1]!.validation);
    for (const [name, value] of a.params) expect(bits(b.params.get(name)!)).toEqual(bits(value));
    const saved = readCheckpoint(path);
    expect([saved.metadata.step, saved.metadata.epoch]).toEqual(["14", "2"]);
    // Extra tensors are ignored with a warning; a missing parameter is refused by name.
    const tensors = new Map(readCheckpoint(from).tensors);
    tensors.set("extra.w", { dtype: "F32", shape: [1], data: Float32Array.of(1) });
    const extra = join(dir, "extra.safetensors");
    writeCheckpoint(extra, { tensors, metadata: { model: "Xor" } });
    await train({
      device: gpu.device,
      train: t,
      epochs: 1,
      init: extra,
      onWarning: (w) => warnings.push(w),
    });
    expect(warnings).toEqual([`${extra}: ignoring tensors the model does not have: extra.w`]);
    tensors.delete("h.b");
    writeCheckpoint(extra, { tensors, metadata: { model: "Xor" } });
    const missing = train({ device: gpu.device, train: t, epochs: 1, init: extra });
    await expect(missing).rejects.toThrow(CheckpointError);
    await expect(missing).rejects.toThrow(
      `${extra}: has no tensor \`h.b\`, the model's parameter [16]`,
    );
  });

  it("reports each parameter's gradient norm after an epoch's last step", async () => {
    // One step per epoch from known parameters: y = 0.5 x + 0.1, mse over all 64 examples.
    const t = sineTrain();
    const dir = tmp();
    const init = join(dir, "init.safetensors");
    const p = (shape: number[], v: number): CheckpointTensor => ({
      dtype: "F32",
      shape,
      data: Float32Array.of(v),
    });
    writeCheckpoint(init, {
      tensors: new Map([
        ["out.w", p([1, 1], 0.5)],
        ["out.b", p([1], 0.1)],
      ]),
      metadata: {},
    });
    const r = await train({
      device: gpu.device,
      train: t,
      batch: 64,
      epochs: 1,
      init,
      watchGrads: true,
    });
    const data = loadData(t.data, t.seed).train;
    const x = data.fields.get("features")!.data;
    const y = data.fields.get("target")!.data;
    let gw = 0;
    let gb = 0;
    for (let i = 0; i < 64; i++) {
      const d = (2 * (0.5 * x[i]! + 0.1 - y[i]!)) / 64;
      gw += d * x[i]!;
      gb += d;
    }
    const norms = r.epochs[0]!.gradNorms!;
    expect(Object.keys(norms)).toEqual(["out.w", "out.b"]);
    expect(norms["out.w"]).toBeCloseTo(Math.abs(gw), 5);
    expect(norms["out.b"]).toBeCloseTo(Math.abs(gb), 5);
    expect(Math.abs(gw)).toBeGreaterThan(0.01);
  });

  it("names the last good checkpoint when the loss diverges, and keeps it", async () => {
    const t = sineTrain();
    const path = join(tmp(), "s.safetensors");
    await train({ device: gpu.device, train: t, epochs: 1, checkpoint: path });
    const before = readFileSync(path);
    const run = train({
      device: gpu.device,
      train: t,
      resume: path,
      checkpoint: path,
      epochs: 3,
      lr: 1e30,
    });
    await expect(run).rejects.toThrow(DivergedError);
    await expect(run).rejects.toThrow(
      new RegExp(
        `^training diverged: the loss is (NaN|-?Infinity) at step \\d+; try a smaller learning rate; the last good checkpoint is ${escape(path)} \\(step 4\\)$`,
      ),
    );
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("never saves parameters that are not finite", async () => {
    // A learning rate beyond f32 makes the first update infinite while its loss is still finite.
    const path = join(tmp(), "s.safetensors");
    const run = train({
      device: gpu.device,
      train: sineTrain(),
      batch: 64,
      epochs: 2,
      lr: 1e39,
      checkpoint: path,
    });
    await expect(run).rejects.toThrow(
      /^training diverged: `out\.[wb]` is not finite after the update at step 1; try a smaller learning rate; no good checkpoint was saved before it$/,
    );
    expect(existsSync(path)).toBe(false);
  });

  it("stops at the first step whose loss is not finite", async () => {
    const run = train({ device: gpu.device, train: sineTrain(), epochs: 3, lr: 1e30 });
    await expect(run).rejects.toThrow(DivergedError);
    await expect(run).rejects.toThrow(
      /^training diverged: the loss is (NaN|-?Infinity) at step \d+;/,
    );
  });

  it("the CPU backend takes the GPU's steps through the training loop; checkpoints move between them", async () => {
    const t = xorTrain();
    const dir = tmp();
    const run = async (device: GPUDevice | "cpu", o: Partial<TrainOptions> = {}) => {
      const losses: number[] = [];
      const r = await train({
        device,
        train: t,
        epochs: 2,
        ...o,
        onStep: (s) => losses.push(s.loss),
      });
      return { ...r, losses };
    };
    const onGpu = await run(gpu.device);
    const cpuPath = join(dir, "cpu.safetensors");
    const onCpu = await run("cpu", { checkpoint: cpuPath, maxSteps: 14 });
    expect(onCpu.losses).toHaveLength(14);
    expect(onCpu.checkpoint).toMatchObject({ step: 14, epoch: 2, nextBatch: 0, reason: "epoch" });
    // Both compute in float32 from the same start; the interpreter accumulates sums in float64 and
    // the kernels in float32 in another order, so each loss differs by a few units in the last
    // place (measured: at most 3e-7 relative over these steps) and Adam carries such differences
    // along. 1e-5 leaves a wide margin over that and is far below what a wrong gradient, update,
    // schedule or batch order changes (1e-3 and more in these losses).
    const close = (a: readonly number[], b: readonly number[]) => {
      expect(a).toHaveLength(b.length);
      a.forEach((x, i) =>
        expect(Math.abs(x - b[i]!) / Math.abs(b[i]!), `step ${i + 1}`).toBeLessThan(1e-5),
      );
    };
    close(onCpu.losses, onGpu.losses.slice(0, 14));
    // The CPU's checkpoint, resumed on the GPU, continues with the GPU run's second epoch.
    const resumed = await run(gpu.device, { resume: cpuPath });
    close(resumed.losses, onGpu.losses.slice(14));
    const [a, b] = [resumed.epochs[0]!.validation!, onGpu.epochs[1]!.validation!];
    close([a.loss, a.metrics.accuracy!], [b.loss, b.metrics.accuracy!]);
    // And the CPU evaluates the GPU run's parameters to the GPU's numbers.
    const gpuPath = join(dir, "gpu.safetensors");
    await train({ device: gpu.device, train: t, epochs: 2, checkpoint: gpuPath });
    const data = loadData(t.data, t.seed).validation!;
    const onHost = await evaluateCheckpoint({
      device: "cpu",
      train: t,
      checkpoint: gpuPath,
      data,
      batch: t.batch,
    });
    close([onHost.loss, onHost.metrics.accuracy!], [b.loss, b.metrics.accuracy!]);
    expect(resumed.history.map((e) => e.epoch)).toEqual([1, 2]);
  });

  it("applies the remainder batch as one more optimizer step", async () => {
    // 35 copies of one example: every step's gradient depends only on the parameters, so batch 32
    // (32 + 3) and batch 34 (34 + 1) take the same two steps, and batch 35 only one.
    const t = xorTrain();
    const one = xor(1, 0, 1);
    const copies = subset(one, new Array<number>(35).fill(0));
    const sgd = { ...t, optimizer: { ...optimizerSpec("sgd", { lr: 0.5 }), span: t.span } };
    const constant = { ...sgd, schedule: { ...scheduleSpec("constant"), span: t.span } };
    const after = async (batch: number) => {
      const r = await train({
        device: gpu.device,
        train: { ...constant, clipGradNorm: undefined } as typeof t,
        data: { train: copies },
        batch,
        epochs: 1,
      });
      expect(r.examplesSeen).toBe(35);
      return [...r.params.get("h.w")!];
    };
    const [a, b, c] = [await after(32), await after(34), await after(35)];
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
    expect(a.some((v, i) => Math.abs(v - c[i]!) > 1e-4)).toBe(true);
  });
});
