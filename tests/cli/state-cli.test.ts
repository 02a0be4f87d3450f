/**
 * Model state through `grove train`, `--resume` and `grove eval` on every backend: a BatchNorm
 * model's checkpoint holds the running statistics under their own names (no `optimizer.` entry),
 * they moved away from their initial values, and a run interrupted mid-epoch (`--max-steps`) and
 * resumed ends with every tensor, state included, bit for bit as an unbroken run's. The data
 * (168 training examples, batch 32) ends each epoch with a remainder batch of 8, so the state also
 * crosses between the two plans' runners. `grove eval` reads the running statistics: a checkpoint
 * whose running statistics are changed evaluates differently.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckpoint, writeCheckpoint } from "../../src/runtime/checkpoint.js";
import { describeGpu } from "../runtime/gpu.js";
import { runGrove, xorProject, xorSource } from "./run.js";

const source = xorSource({
  layers: ["h = Dense(2, 8, tanh)", "bn = BatchNorm1d(8)", "out = Dense(8, 2)"],
  epochs: 2,
});

async function train(file: string, args: readonly string[]) {
  const r = await runGrove(["train", file, ...args]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return r.out;
}

function resumesBitForBit(backend: string) {
  return async () => {
    const { dir, file } = xorProject(source);
    const whole = join(dir, "whole.safetensors");
    const cut = join(dir, "cut.safetensors");
    const flags = ["--backend", backend];
    await train(file, [...flags, "--checkpoint", whole]);
    await train(file, [...flags, "--checkpoint", cut, "--max-steps", "4"]);
    const early = readCheckpoint(cut);
    expect(early.metadata.step).toBe("4");
    await train(file, [...flags, "--resume", cut]);
    const a = readCheckpoint(whole);
    const b = readCheckpoint(cut);
    expect(a.metadata.step).toBe("12");
    expect([...a.tensors.keys()]).toEqual([...b.tensors.keys()]);
    expect([...a.tensors.keys()].filter((k) => k.includes("running"))).toEqual([
      "bn.running_mean",
      "bn.running_var",
    ]);
    for (const [name, t] of a.tensors)
      expect(Array.from(b.tensors.get(name)!.data), name).toEqual(Array.from(t.data));
    // The running statistics trained: neither the zeros nor the ones they started from.
    const mean = a.tensors.get("bn.running_mean")!.data;
    const variance = a.tensors.get("bn.running_var")!.data;
    expect(Array.from(mean).some((v) => Math.abs(v) > 1e-3)).toBe(true);
    expect(Array.from(variance).some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
    // ... and at step 4 they were elsewhere.
    expect(Array.from(early.tensors.get("bn.running_mean")!.data)).not.toEqual(Array.from(mean));

    // `grove eval` normalises with the running statistics: shifting them changes the loss.
    const evalOf = async (path: string) => {
      const r = await runGrove(["eval", file, "--checkpoint", path, ...flags]);
      expect(r.err).toBe("");
      return /loss (\S+)/.exec(r.out)![1]!;
    };
    const shifted = join(dir, "shifted.safetensors");
    const tensors = new Map(a.tensors);
    tensors.set("bn.running_mean", {
      ...a.tensors.get("bn.running_mean")!,
      data: Float32Array.from(mean, (v) => v + 0.5),
    });
    writeCheckpoint(shifted, { tensors, metadata: a.metadata });
    expect(await evalOf(shifted)).not.toBe(await evalOf(whole));
  };
}

describe("state in checkpoints and --resume", () => {
  it("cpu", { timeout: 120_000 }, resumesBitForBit("cpu"));
  it("onnx", { timeout: 120_000 }, resumesBitForBit("onnx"));
});

describeGpu("state in checkpoints and --resume on the GPU", () => {
  it("gpu", { timeout: 300_000 }, resumesBitForBit("gpu"));
});

it("a checkpoint without the state is refused for eval, naming the tensor", async () => {
  const { dir, file } = xorProject(source);
  const path = join(dir, "c.safetensors");
  await train(file, ["--backend", "cpu", "--checkpoint", path, "--max-steps", "2"]);
  const c = readCheckpoint(path);
  const tensors = new Map([...c.tensors].filter(([k]) => k !== "bn.running_var"));
  const missing = join(dir, "missing.safetensors");
  writeCheckpoint(missing, { tensors, metadata: c.metadata });
  const r = await runGrove(["eval", file, "--checkpoint", missing, "--backend", "cpu"]);
  expect(r.code).toBe(1);
  expect(r.err).toContain("has no tensor `bn.running_var`, the model's state [8]");
});
