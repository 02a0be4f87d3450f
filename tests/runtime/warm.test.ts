/**
 * Pipeline warm-up (src/runtime/warm.ts): on a driver that compiles at first dispatch (lavapipe
 * here), a program's kernels are compiled before its first run, in parallel on sibling devices,
 * each kernel once per device; the runs that follow compute what they computed before.
 */
import { availableParallelism } from "node:os";
import { expect, it } from "vitest";
import { PlanRunner } from "../../src/runtime/index.js";
import { compilesAtFirstDispatch, settleQuietly, warmPipelines } from "../../src/runtime/warm.js";
import { describeGpu } from "./gpu.js";
import { elementwise, groups, PlanBuilder, values } from "./plans.js";

const n = 300;

/** Three different kernels in a chain: y = ((x + 1) * 3) - 2. */
function chainPlan() {
  const b = new PlanBuilder();
  const x = b.input("x", [n]);
  const t = b.buffer("0", "temp", n);
  const u = b.buffer("1", "temp", n);
  const y = b.output("y", [n]);
  const steps = [
    ["inc", "t[i] = x[i] + 1.0;", x, t, ["x"], ["t"]],
    ["triple", "u[i] = t[i] * 3.0;", t, u, ["t"], ["u"]],
    ["dec", "y[i] = u[i] - 2.0;", u, y, ["u"], ["y"]],
  ] as const;
  for (const [name, body, from, to, reads, writes] of steps) {
    const k = elementwise(body, [...reads], [...writes]);
    b.dispatch("eval", b.kernel(name, k.wgsl, k.bindings), [from, to], groups(n));
  }
  return b.build();
}

it("recognises Mesa's CPU drivers as compiling at first dispatch", () => {
  const info = (device: string, description = "") =>
    ({ vendor: "mesa", architecture: "", device, description }) as GPUAdapterInfo;
  expect(compilesAtFirstDispatch(info("llvmpipe (LLVM 15.0.6, 256 bits)"))).toBe(true);
  expect(compilesAtFirstDispatch(info("", "lavapipe"))).toBe(true);
  expect(compilesAtFirstDispatch(info("NVIDIA GeForce RTX 4090"))).toBe(false);
  expect(compilesAtFirstDispatch(undefined)).toBe(false);
});

it("settles like the promise it waits for", async () => {
  await expect(settleQuietly(Promise.resolve(7))).resolves.toBe(7);
  const slow = new Promise((resolve) => setTimeout(() => resolve("late"), 20));
  await expect(settleQuietly(slow)).resolves.toBe("late");
  await expect(settleQuietly(Promise.reject(new Error("no")))).rejects.toThrow("no");
});

describeGpu("pipeline warm-up", ({ device }) => {
  it("compiles each kernel once, on up to one device per core, and runs correctly after", async () => {
    const plan = chainPlan();
    const lazy = compilesAtFirstDispatch(device.adapterInfo);
    const first = await warmPipelines(device, plan.kernels);
    expect(first).toEqual(
      lazy
        ? { kernels: 3, compilers: Math.min(3, availableParallelism()) }
        : { kernels: 0, compilers: 0 },
    );
    // Already warm: nothing to do, also through the runner's prepare.
    expect(await warmPipelines(device, plan.kernels)).toEqual({ kernels: 0, compilers: 0 });

    const runner = await PlanRunner.create(device, plan);
    const x = values(n, 3);
    runner.writeInput("x", x);
    runner.run("eval");
    const y = await runner.readOutput("y");
    expect(Array.from(y)).toEqual(
      Array.from(x, (v) => Math.fround(Math.fround(Math.fround(v + 1) * 3) - 2)),
    );
    runner.destroy();
  });

  it("leaves a kernel that does not compile to the runner, which names it", async () => {
    const b = new PlanBuilder();
    const x = b.input("x", [n]);
    const y = b.output("y", [n]);
    const bad = elementwise("y[i] = x[i] + undefined_name;", ["x"], ["y"]);
    b.dispatch("eval", b.kernel("broken", bad.wgsl, bad.bindings), [x, y], groups(n));
    const plan = b.build();
    await expect(warmPipelines(device, plan.kernels)).resolves.toBeDefined();
    await expect(PlanRunner.create(device, plan)).rejects.toThrow(
      /kernel \w*broken does not compile/,
    );
  });
});
