/**
 * Plans without a GPU: they are plain data, deterministic, fused into fewer kernels than
 * primitives, and their memory planner reuses space. Kernel counts per example are asserted so a
 * change in fusion shows up in review, and one example's WGSL is a golden file.
 */
import { describe, expect, it } from "vitest";
import { TempAllocator } from "../../src/codegen/memory.js";
import { subgroupProblem, useSubgroups } from "../../src/runtime/check-plan.js";
import { examplePlan } from "./helpers.js";

const examples = [
  "examples/mnist-mlp.grove",
  "examples/mnist-cnn.grove",
  "examples/autoencoder.grove",
  "examples/regression.grove",
  "examples/char-transformer.grove",
];

describe("plans of the examples", () => {
  for (const file of examples) {
    it(`${file}: survives JSON, is deterministic, and fusion cuts dispatches`, () => {
      const fused = examplePlan(file, 4).plan;
      expect(JSON.parse(JSON.stringify(fused))).toEqual(fused);
      expect(JSON.stringify(examplePlan(file, 4).plan)).toBe(JSON.stringify(fused));
      const unfused = examplePlan(file, 4, false).plan;
      const n = (p: typeof fused) => p.programs.train!.dispatches.length;
      expect(n(fused)).toBeLessThan(n(unfused));
      for (const k of fused.kernels) {
        expect(k.wgsl).toMatch(/^\/\/ k/);
        expect(k.wgsl).toMatch(/@compute @workgroup_size\((64|256)\)/);
      }
      expect(fused.peakBytes).toBeGreaterThan(0);
    });
  }

  it("dispatches per training step", () => {
    const counts = Object.fromEntries(
      examples.map((f) => [
        f,
        [true, false].map((fuse) => examplePlan(f, 4, fuse).plan.programs.train!.dispatches.length),
      ]),
    );
    expect(counts).toMatchInlineSnapshot(`
      {
        "examples/autoencoder.grove": [
          12,
          61,
        ],
        "examples/char-transformer.grove": [
          86,
          437,
        ],
        "examples/mnist-cnn.grove": [
          15,
          54,
        ],
        "examples/mnist-mlp.grove": [
          14,
          58,
        ],
        "examples/regression.grove": [
          8,
          33,
        ],
      }
    `);
  });

  it("the 3-layer MLP's Adam step takes at most 12 dispatches", () => {
    const plan = examplePlan("bench/models/mlp-large.grove", 256).plan;
    expect(plan.programs.train!.dispatches.length).toBeLessThanOrEqual(12);
    const last = plan.programs.train!.dispatches.at(-1)!;
    expect(plan.kernels[last.kernel]!.name).toBe("k_adam");
  });

  it("the MNIST MLP's kernels match the golden WGSL", async () => {
    const plan = examplePlan("examples/mnist-mlp.grove", 128).plan;
    const text = plan.kernels.map((k) => k.wgsl).join("\n// " + "-".repeat(70) + "\n");
    await expect(text).toMatchFileSnapshot("__snapshots__/mnist-mlp.wgsl");
  });
});

describe("plans with the subgroup template", () => {
  it("use subgroups only when asked, and the runner's check names what the device lacks", () => {
    const portable = examplePlan("bench/models/mlp-large.grove", 256).plan;
    const shared = examplePlan("bench/models/mlp-large.grove", 256, true, undefined, true).plan;
    expect(portable.kernels.some((k) => k.wgsl.includes("subgroup"))).toBe(false);
    const users = shared.kernels.filter((k) => k.wgsl.includes("enable subgroups;"));
    expect(users.length).toBeGreaterThan(0);
    for (const k of users) expect(k.wgsl).toContain("subgroupBroadcast(");
    const lavapipe = { subgroupMinSize: 8, subgroupMaxSize: 8 };
    expect(subgroupProblem(portable.kernels, new Set(), undefined)).toBeUndefined();
    expect(subgroupProblem(shared.kernels, new Set(["subgroups"]), lavapipe)).toBeUndefined();
    expect(subgroupProblem(shared.kernels, new Set(), lavapipe)).toMatch(
      /uses subgroups, which this device does not support; compile the plan with `subgroups: false`/,
    );
    expect(
      subgroupProblem(shared.kernels, new Set(["subgroups"]), {
        subgroupMinSize: 4,
        subgroupMaxSize: 128,
      }),
    ).toMatch(/needs subgroups of 8 to 64 lanes .* this device's are 4 to 128/);
  });

  it("are what the commands compile exactly when the runner would accept them", () => {
    const device = (features: string[], min: number, max: number) =>
      ({
        features: new Set(features),
        adapterInfo: { subgroupMinSize: min, subgroupMaxSize: max },
      }) as unknown as GPUDevice;
    const shared = examplePlan("bench/models/mlp-large.grove", 256, true, undefined, true).plan;
    for (const d of [
      device(["subgroups"], 8, 8),
      device(["subgroups"], 32, 32),
      device(["subgroups"], 4, 128),
      device(["subgroups"], 12, 12),
      device([], 8, 8),
    ]) {
      const accepted = subgroupProblem(shared.kernels, d.features, d.adapterInfo) === undefined;
      expect(useSubgroups(d)).toBe(accepted);
    }
    expect(useSubgroups(device(["subgroups"], 8, 64))).toBe(true);
  });
});

describe("TempAllocator", () => {
  it("reuses freed space first-fit and merges neighbours", () => {
    const a = new TempAllocator();
    const x = a.allocate(10)!;
    const y = a.allocate(4)!;
    const z = a.allocate(8)!;
    expect([x, y, z]).toEqual([0, 12, 16]);
    a.free(x, 10);
    expect(a.allocate(4)).toBe(0);
    a.free(y, 4);
    a.free(0, 4);
    expect(a.allocate(16)).toBe(0);
    expect(a.peak).toBe(24);
  });
});
