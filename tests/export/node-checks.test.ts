/**
 * What an exported program checks before it trains (no GPU needed): the batch sizes a run takes
 * and the programs each runs, data whose counts need other sizes, a seed the compiled step cannot
 * take, and a device that cannot run plans compiled for another (subgroups, binding limits).
 */
import { expect, it } from "vitest";
import type { Plan } from "../../src/codegen/plan.js";
import { deviceProblem } from "../../src/export/node/main.js";
import { seedProblem } from "../../src/export/program/checks.js";
import type { ExportedProgram } from "../../src/export/program/program.js";
import { batchSizes, sizesProblem } from "../../src/export/program/sizes.js";

const sets = (m: Map<number, Set<string>>) => [...m].map(([size, p]) => [size, [...p].sort()]);

it("takes a plan per batch size the session draws, first the full training batch", () => {
  // The MNIST MLP: 7,200 train, 800 validation, 2,000 test examples, batch 128.
  const mnist = batchSizes({ train: 7200, validation: 800, test: 2000 }, 128);
  expect(sets(mnist)).toEqual([
    [128, ["eval", "train"]],
    [32, ["eval", "train"]],
    [80, ["eval"]],
  ]);
  // A batch over the example count is one batch of them all; a small validation split one batch.
  expect(sets(batchSizes({ train: 20, validation: 5 }, 32))).toEqual([
    [20, ["train"]],
    [5, ["eval"]],
  ]);
  expect(sets(batchSizes({ train: 64 }, 32))).toEqual([[32, ["train"]]]);
});

it("says in one line when the data needs batch sizes the program has no plan for", () => {
  const sizes = batchSizes({ train: 400, validation: 100 }, 32);
  expect(sizesProblem(sizes, { train: 400, validation: 100 }, 32)).toBeUndefined();
  // Other counts with the same remainders still fit.
  expect(sizesProblem(sizes, { train: 432, validation: 132 }, 32)).toBeUndefined();
  expect(sizesProblem(sizes, { train: 401, validation: 100 }, 32)).toBe(
    "the data has 401 train, 100 validation examples, which take batches of 17; " +
      "this program was compiled for batches of 32, 16, 4",
  );
});

it("refuses a seed other than the one a step with random numbers was compiled with", () => {
  const program = { randomSeed: 3 } as ExportedProgram;
  expect(seedProblem(program, undefined)).toBeUndefined();
  expect(seedProblem(program, 3)).toBeUndefined();
  expect(seedProblem(program, 4)).toBe(
    "the model draws random numbers in its training step (dropout) from the seed it was " +
      'compiled with, 3; to train with seed 4, export it again with --set "seed = 4"',
  );
  expect(seedProblem({} as ExportedProgram, 4)).toBeUndefined();
});

it("says which device cannot run plans compiled for another", () => {
  const kernel = (wgsl: string, storage: number) => ({
    id: 0,
    name: "k0_matmul",
    wgsl,
    bindings: Array.from({ length: storage }, () => "read" as const),
  });
  const plan = (k: ReturnType<typeof kernel>, bytes = 64) =>
    ({
      version: 1,
      buffers: [{ id: 0, name: "temp:0", kind: "temp", bytes, dtype: "f32" }],
      kernels: [k],
      programs: {},
      inputs: [],
      params: [],
      state: [],
      outputs: [],
    }) as unknown as Plan;
  const limits = {
    maxStorageBufferBindingSize: 1024,
    maxBufferSize: 1024,
    maxStorageBuffersPerShaderStage: 8,
  };
  const device = (features: string[]) =>
    ({ features: new Set(features), adapterInfo: {}, limits }) as unknown as GPUDevice;
  const again = "export the program again on this machine, or with --portable for any device";
  expect(deviceProblem(device([]), [plan(kernel("fn main() {}", 2))])).toBeUndefined();
  expect(deviceProblem(device([]), [plan(kernel("enable subgroups;", 2))])).toBe(
    `kernel k0_matmul uses subgroups, which this device does not support; ${again}`,
  );
  expect(deviceProblem(device([]), [plan(kernel("", 12))])).toBe(
    `kernel k0_matmul binds 12 storage buffers, but the device allows 8 per shader stage; ${again}`,
  );
  expect(deviceProblem(device([]), [plan(kernel("", 2), 4096)])).toBe(
    `this plan needs a 4096-byte temp:0 buffer, but the device binds at most 1024 bytes in one storage binding; ${again}`,
  );
});
