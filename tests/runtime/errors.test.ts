/**
 * How the runtime fails: no adapter, a kernel that does not compile, a malformed plan, GPU errors
 * raised after creation and a lost device. Every failure is an error with a plain message, never
 * a hang.
 */
import { expect, it } from "vitest";
import type { Plan } from "../../src/codegen/plan.js";
import { InternalError } from "../../src/diag/diagnostic.js";
import {
  acquireDevice,
  DeviceLostError,
  GpuError,
  NoAdapterError,
  PipelineCache,
  PlanRunner,
} from "../../src/runtime/index.js";
import { describeGpu } from "./gpu.js";
import { elementwise, PlanBuilder } from "./plans.js";

function doublePlan(body = "out[i] = 2.0 * x[i];"): Plan {
  const b = new PlanBuilder();
  const x = b.input("x", [64]);
  const out = b.output("y", [64]);
  const k = elementwise(body, ["x"], ["out"]);
  b.dispatch("eval", b.kernel("double", k.wgsl, k.bindings), [x, out], 1);
  return b.build();
}

it("says what to install when there is no adapter", async () => {
  const gpu = { requestAdapter: async () => null } as unknown as GPU;
  await expect(acquireDevice({ gpu })).rejects.toThrow(NoAdapterError);
  expect(new NoAdapterError("node").message).toContain(
    "no WebGPU adapter found. Grove needs a Vulkan driver: on Debian install libvulkan1 and " +
      "mesa-vulkan-drivers from bookworm-backports (`bash scripts/setup.sh` does this)",
  );
});

describeGpu("runtime errors", (gpu) => {
  const { device } = gpu;

  it("raises limits and reports features", () => {
    expect(device.limits.maxStorageBuffersPerShaderStage).toBe(
      gpu.adapter.limits.maxStorageBuffersPerShaderStage,
    );
    expect(gpu.features.has("timestamp-query")).toBe(gpu.adapter.features.has("timestamp-query"));
  });

  it("turns invalid WGSL into an internal compiler error naming the kernel and line", async () => {
    const plan = doublePlan("out[i] = 2u * x[i];");
    const error = await PlanRunner.create(device, plan).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InternalError);
    const message = (error as Error).message;
    expect(message).toMatch(/^internal compiler error: kernel k0_double does not compile: WGSL 7:/);
    expect(message).toContain("7 |   out[i] = 2u * x[i];\n  |");
  });

  it("shares one compile between concurrent requests for the same WGSL", () => {
    const kernel = doublePlan().kernels[0]!;
    const cache = PipelineCache.for(device);
    expect(cache.pipeline(kernel)).toBe(cache.pipeline({ ...kernel, name: "k9_same_wgsl" }));
  });

  it("rejects a malformed plan before touching the GPU", async () => {
    const plan = doublePlan();
    const broken = {
      ...plan,
      programs: {
        eval: {
          ...plan.programs.eval!,
          dispatches: [{ kernel: 0, buffers: [0], workgroups: [1, 1, 1] }],
        },
      },
    } as Plan;
    await expect(PlanRunner.create(device, broken)).rejects.toThrow(
      "malformed plan: program eval, dispatch 0: k0_double has 2 bindings, got 1 buffers",
    );
  });

  it("says when a buffer is larger than the device can bind", async () => {
    const plan = doublePlan();
    const huge = device.limits.maxStorageBufferBindingSize + 4;
    const big = {
      ...plan,
      buffers: plan.buffers.map((b, i) => (i === 0 ? { ...b, bytes: huge } : b)),
    };
    await expect(PlanRunner.create(device, big)).rejects.toThrow(/binds at most \d+ bytes/);
  });

  it("surfaces a GPU validation error on the runner's next call", async () => {
    const runner = await PlanRunner.create(device, doublePlan());
    runner.writeInput("x", new Float32Array(64));
    // Something invalid on the same device, outside any error scope.
    device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.UNIFORM });
    await device.queue.onSubmittedWorkDone();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(() => runner.run("eval")).toThrow(GpuError);
    expect(() => runner.run("eval")).toThrow(/internal compiler error: the GPU rejected/);
    runner.destroy();
  });

  it("reports a lost device instead of running on it", async () => {
    const other = await acquireDevice();
    const runner = await PlanRunner.create(other.device, doublePlan());
    other.close();
    await other.device.lost;
    expect(() => runner.run("eval")).toThrow(DeviceLostError);
    expect(() => runner.run("eval")).toThrow(/the WebGPU device was lost \(destroyed\)/);
  });
});
