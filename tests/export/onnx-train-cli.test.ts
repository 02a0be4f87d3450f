/**
 * `grove train|eval|predict --backend onnx` end to end: for every example (small batch, a few
 * steps) the same per-step losses and metrics as `--backend cpu` (the reference interpreter), the
 * same validation and test scores; checkpoints that move between the backends (`grove eval` on the
 * other backend repeats the run's numbers, a CPU run resumes on ONNX Runtime); and a resumed ONNX
 * run that takes exactly the steps of an unbroken one.
 *
 * Tolerance: 1e-4 of the larger loss. The backends differ only in float32 rounding (ONNX Runtime
 * sums products in float32 with FMA, the interpreter in float64; the optimizer update is the same
 * to the bit, tests/export/onnx-train.test.ts): here the losses differed by at most 1.8e-7
 * relative (mnist-cnn; 0 for mnist-mlp and the transformer), and by 2.3e-6 after four MNIST MLP
 * steps at batch 4 with lr 1e-3. Parameters are not compared: Adam turns a gradient that is
 * rounding noise on both backends (a transformer key bias's, which softmax makes zero) into a full
 * step of either sign.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckpoint } from "../../src/runtime/checkpoint.js";
import { writeNpy } from "../../src/runtime/data/index.js";
import { runGrove, xorProject, xorSource } from "../cli/run.js";
import { expectClose, parseEval, readTrainLog } from "../cli/scores.js";

const tolerance = 1e-4;

async function train(file: string, dir: string, name: string, args: readonly string[]) {
  const log = join(dir, `${name}.jsonl`);
  const checkpoint = join(dir, `${name}.safetensors`);
  const r = await runGrove(["train", file, "--checkpoint", checkpoint, "--log-json", log, ...args]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return { log: readTrainLog(log), checkpoint, out: r.out };
}

/** Each example with its arguments and, for a fine-tuning one, the parameters it freezes. */
const examples: [name: string, args: string[], frozen?: string[]][] = [
  ["mnist-mlp", ["--batch", "4", "--max-steps", "3", "--eval-limit", "12"]],
  ["mnist-cnn", ["--batch", "2", "--max-steps", "3", "--eval-limit", "4"]],
  ["mnist-cnn-bn", ["--batch", "2", "--max-steps", "3", "--eval-limit", "4"]],
  ["autoencoder", ["--batch", "4", "--max-steps", "3", "--eval-limit", "12"]],
  ["regression", ["--batch", "8", "--max-steps", "3", "--eval-limit", "20"]],
  ["char-transformer", ["--batch", "2", "--max-steps", "2", "--eval-limit", "2"]],
  ["char-gru", ["--batch", "3", "--max-steps", "3", "--eval-limit", "6"]],
  [
    "finetune-last-layer",
    ["--batch", "4", "--max-steps", "3", "--eval-limit", "12"],
    ["l1.w", "l1.b"],
  ],
];

describe.each(examples)("%s", (name, args, frozen = []) => {
  it("trains on ONNX Runtime to the CPU backend's losses; checkpoints move between them", async () => {
    const file = join("examples", `${name}.grove`);
    const dir = mkdtempSync(join(tmpdir(), "grove-onnx-train-"));
    const onnx = await train(file, dir, "onnx", ["--backend", "onnx", ...args]);
    const cpu = await train(file, dir, "cpu", ["--backend", "cpu", ...args]);
    expect(onnx.out).toMatch(/, on the CPU through ONNX Runtime, at most \d+ steps in total/);
    expect(onnx.log.steps.length).toBeGreaterThan(1);
    expect(onnx.log.steps.map((s) => s.step)).toEqual(cpu.log.steps.map((s) => s.step));
    onnx.log.steps.forEach((s, i) =>
      expectClose(s, cpu.log.steps[i]!, `at step ${s.step}`, tolerance),
    );
    expect(onnx.log.validation).toHaveLength(cpu.log.validation.length);
    onnx.log.validation.forEach((v, i) =>
      expectClose(v, cpu.log.validation[i]!, `validation ${i + 1}`, tolerance),
    );
    if (cpu.log.test) expectClose(onnx.log.test!, cpu.log.test, "test", tolerance);
    // `freeze`: both backends keep the frozen layer at its initial values, to the bit.
    const tensor = (path: string, t: string) => readCheckpoint(path).tensors.get(t)!.data;
    for (const t of frozen)
      expect(tensor(onnx.checkpoint, t), t).toEqual(tensor(cpu.checkpoint, t));

    // Each backend's `grove eval` of the other's checkpoint repeats that run's last validation
    // (printed with 4 decimals).
    const limit = ["--limit", args[args.indexOf("--eval-limit") + 1]!];
    for (const [run, backend] of [
      [onnx, "cpu"],
      [cpu, "onnx"],
    ] as const) {
      const r = await runGrove([
        ...["eval", file, "--checkpoint", run.checkpoint, "--split", "validation"],
        ...["--backend", backend, ...limit],
      ]);
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expectClose(
        parseEval(r.out),
        run.log.validation.at(-1)!,
        `eval --backend ${backend}`,
        2e-4,
        6e-5,
      );
    }
  }, 240_000);
});

it("grove predict --backend onnx writes what --backend cpu writes", async () => {
  const file = "examples/mnist-mlp.grove";
  const dir = mkdtempSync(join(tmpdir(), "grove-onnx-predict-"));
  const { checkpoint } = await train(file, dir, "run", [
    ...["--backend", "onnx", "--batch", "8", "--max-steps", "2", "--eval-limit", "8"],
  ]);
  const input = join(dir, "in.npy");
  writeNpy(
    input,
    Float32Array.from({ length: 5 * 784 }, (_, i) => (i % 17) / 17),
    [5, 784],
  );
  const outs: number[][] = [];
  for (const backend of ["onnx", "cpu"]) {
    const out = join(dir, `${backend}.csv`);
    const r = await runGrove([
      ...["predict", file, "--checkpoint", checkpoint, "--input", input, "-o", out],
      ...["--backend", backend, "--batch", "2"],
    ]);
    expect(r.err).toBe("");
    expect(r.out).toBe(`wrote 5 predictions to ${out}\n`);
    const [header, ...rows] = readFileSync(out, "utf8").trim().split("\n");
    expect(header).toBe(
      [...Array.from({ length: 10 }, (_, i) => `logits_${i}`), "argmax"].join(","),
    );
    expect(rows).toHaveLength(5);
    outs.push(rows.flatMap((row) => row.split(",").map(Number)));
  }
  const [a, b] = outs as [number[], number[]];
  const scale = Math.max(...b.map(Math.abs));
  a.forEach((v, i) => expect(Math.abs(v - b[i]!)).toBeLessThanOrEqual(1e-5 * scale));
});

describe("resume", () => {
  /** XOR: 168 train examples, batch 32: epochs of 6 steps, the last of 8 examples. */
  const project = () => xorProject(xorSource({ epochs: 2 }));

  it("an interrupted ONNX run resumed continues to the unbroken run's losses, bit for bit", async () => {
    const { dir, file } = project();
    const whole = await train(file, dir, "whole", ["--backend", "onnx", "--max-steps", "10"]);
    const cut = await train(file, dir, "cut", ["--backend", "onnx", "--max-steps", "4"]);
    const r = await runGrove([
      ...["train", file, "--backend", "onnx", "--resume", cut.checkpoint],
      ...["--max-steps", "10", "--log-json", join(dir, "rest.jsonl")],
    ]);
    expect(r.err).toBe("");
    expect(r.out).toContain(`resuming from ${cut.checkpoint} at step 4 (epoch 1, batch 5 of 6)`);
    const rest = readTrainLog(join(dir, "rest.jsonl"));
    // Steps 5-10 cross the epoch's remainder batch (its own runner) and the epoch boundary.
    expect(rest.steps.map((s) => s.step)).toEqual([5, 6, 7, 8, 9, 10]);
    expect([...cut.log.steps, ...rest.steps].map((s) => [s.loss, s.metrics])).toEqual(
      whole.log.steps.map((s) => [s.loss, s.metrics]),
    );
    // The parameters and moments saved at step 10 too.
    const tensors = (path: string) =>
      [...readCheckpoint(path).tensors].map(([name, t]) => [name, Array.from(t.data)]);
    expect(tensors(cut.checkpoint)).toEqual(tensors(whole.checkpoint));
  }, 120_000);

  it("a CPU run resumes on ONNX Runtime, and an ONNX run on the CPU", async () => {
    const { dir, file } = project();
    const cpu = await train(file, dir, "cpu", ["--backend", "cpu", "--max-steps", "10"]);
    for (const [first, then] of [
      ["cpu", "onnx"],
      ["onnx", "cpu"],
    ]) {
      const cut = await train(file, dir, `${first}-cut`, ["--backend", first!, "--max-steps", "5"]);
      const rest = await train(file, dir, `${then}-rest`, [
        ...["--backend", then!, "--resume", cut.checkpoint, "--max-steps", "10"],
      ]);
      expect(rest.log.steps.map((s) => s.step)).toEqual([6, 7, 8, 9, 10]);
      rest.log.steps.forEach((s) =>
        expectClose(
          s,
          cpu.log.steps[s.step - 1]!,
          `${first} then ${then}, step ${s.step}`,
          tolerance,
        ),
      );
    }
  }, 120_000);
});

it("rejects --backend values it does not know, naming the three", async () => {
  const { file } = xorProject();
  const r = await runGrove(["train", file, "--backend", "tpu"]);
  expect(r.code).toBe(2);
  expect(r.err).toContain("Allowed choices are gpu, cpu, onnx");
});
