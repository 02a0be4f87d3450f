/**
 * The training loop: schedules on the host, and end-to-end training of a tiny model on the GPU
 * with a remainder batch, deterministic from the seed.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { runCli } from "../../src/cli/main.js";
import type { CallSpec } from "../../src/parser/check/values.js";
import { checkFile } from "../../src/parser/program.js";
import { subset } from "../../src/runtime/data/index.js";
import { xor } from "../../src/runtime/data/synthetic.js";
import { DivergedError, learningRate, train } from "../../src/runtime/train.js";
import { describeGpu } from "./gpu.js";

const spec = (name: string, args: CallSpec["args"] = {}): CallSpec => ({
  name,
  args,
  span: { file: "t.grove", start: 0, end: 0 } as unknown as CallSpec["span"],
});

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

function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) };
  return runCli(args, io).then((code) => ({ code, out: out.join(""), err: err.join("") }));
}

it("grove train refuses a data source it cannot read yet, without a stack trace", async () => {
  const r = await cli(["train", "bench/models/mlp-small.grove"]);
  expect(r.code).toBe(1);
  expect(r.err).toBe("grove train: data source `npy` is not supported by `grove train` yet\n");
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

describeGpu("train", (gpu) => {
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

  it("stops at the first step whose loss is not finite", async () => {
    const sine = `
model Sine {
  input features: [N, 1]
  out = Dense(1, 1)
  output y = features |> out
}
train Sine {
  data = sine(n: 64)
  loss = mse(y, target)
  optimizer = sgd(lr: 1e30)
  batch = 16
}
`;
    const r = checkFile("s.grove", { readFile: (p) => (p === "s.grove" ? sine : undefined) });
    const run = train({ device: gpu.device, train: r.program.trains[0]!, epochs: 3 });
    await expect(run).rejects.toThrow(DivergedError);
    await expect(run).rejects.toThrow(
      /^training diverged: the loss is (NaN|-?Infinity) at step \d+;/,
    );
  });

  it("applies the remainder batch as one more optimizer step", async () => {
    // 35 copies of one example: every step's gradient depends only on the parameters, so batch 32
    // (32 + 3) and batch 34 (34 + 1) take the same two steps, and batch 35 only one.
    const t = xorTrain();
    const one = xor(1, 0, 1);
    const copies = subset(one, new Array<number>(35).fill(0));
    const sgd = { ...t, optimizer: { ...t.optimizer, name: "sgd", args: { lr: 0.5 } } };
    const constant = { ...sgd, schedule: { ...t.schedule, name: "constant", args: {} } };
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
