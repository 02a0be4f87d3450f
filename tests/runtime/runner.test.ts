/**
 * PlanRunner on a real device (Dawn over lavapipe here): hand-written Plans and WGSL, results
 * checked against the same arithmetic on the host.
 */
import { expect, it } from "vitest";
import type { Plan } from "../../src/codegen/plan.js";
import { PlanRunner } from "../../src/runtime/index.js";
import { describeGpu } from "./gpu.js";
import { elementwise, groups, PlanBuilder, sumKernel, values } from "./plans.js";

const n = 1000; // not a multiple of the workgroup size, so bounds checks matter

function addPlan(): Plan {
  const b = new PlanBuilder();
  const x = b.input("x", [n]);
  const y = b.input("y", [n]);
  const out = b.output("sum", [n]);
  const add = elementwise("out[i] = a[i] + b[i];", ["a", "b"], ["out"]);
  b.dispatch("eval", b.kernel("add", add.wgsl, add.bindings), [x, y, out], groups(n));
  return b.build();
}

/** t = 2x (a temp), then out = t + 1: the second dispatch reads what the first wrote. */
function chainPlan(): Plan {
  const b = new PlanBuilder();
  const x = b.input("x", [n]);
  const t = b.buffer("0", "temp", n);
  const out = b.output("y", [n]);
  const double = elementwise("t[i] = 2.0 * x[i];", ["x"], ["t"]);
  const inc = elementwise("out[i] = t[i] + 1.0;", ["t"], ["out"]);
  b.dispatch("eval", b.kernel("double", double.wgsl, double.bindings), [x, t], groups(n));
  b.dispatch("eval", b.kernel("inc", inc.wgsl, inc.bindings), [t, out], groups(n));
  return b.build();
}

describeGpu("PlanRunner", ({ device }) => {
  it("adds two inputs into an output", async () => {
    const runner = await PlanRunner.create(device, addPlan());
    const [x, y] = [values(n, 1), values(n, 2)];
    runner.writeInput("x", x);
    runner.writeInput("y", y);
    runner.run("eval");
    const sum = await runner.readOutput("sum");
    expect(sum).toBeInstanceOf(Float32Array);
    expect(Array.from(sum)).toEqual(Array.from(x, (v, i) => Math.fround(v + y[i]!)));
    runner.destroy();
  });

  it("prepares only the programs asked for, and the others on demand", async () => {
    const runner = await PlanRunner.create(device, addPlan(), { programs: [] });
    runner.writeInput("x", values(n, 1));
    runner.writeInput("y", values(n, 2));
    expect(() => runner.run("eval")).toThrow('program "eval" is not prepared');
    await runner.prepare("eval");
    runner.run("eval");
    expect((await runner.readOutput("sum")).length).toBe(n);
    await expect(runner.prepare("train")).rejects.toThrow('no program "train"');
    runner.destroy();
  });

  it("orders two dispatches in one pass: the second reads the first's temp", async () => {
    const runner = await PlanRunner.create(device, chainPlan());
    const x = values(n, 3);
    runner.writeInput("x", x);
    runner.run("eval");
    const y = await runner.readOutput("y");
    expect(Array.from(y)).toEqual(Array.from(x, (v) => Math.fround(2 * v + 1)));
    runner.destroy();
  });

  it("reduces with workgroup memory", async () => {
    const b = new PlanBuilder();
    const x = b.input("x", [4096]);
    const total = b.output("total", [1]);
    b.dispatch("eval", b.kernel("sum", sumKernel, ["read", "read_write"]), [x, total], 1);
    const runner = await PlanRunner.create(device, b.build());
    const data = values(4096, 4);
    runner.writeInput("x", data);
    runner.run("eval");
    const [sum] = await runner.readOutput("total");
    expect(sum).toBeCloseTo(
      data.reduce((a, v) => a + v, 0),
      3,
    );
    runner.destroy();
  });

  it("reads and writes i32 buffers", async () => {
    const b = new PlanBuilder();
    const x = b.input("labels", [n], "i32");
    const out = b.output("shifted", [n], "i32");
    const k = elementwise("out[i] = 3 * x[i] - 7;", ["x"], ["out"], { dtype: "i32" });
    b.dispatch("eval", b.kernel("shift", k.wgsl, k.bindings), [x, out], groups(n));
    const runner = await PlanRunner.create(device, b.build());
    const labels = Int32Array.from({ length: n }, (_, i) => i - 500);
    runner.writeInput("labels", labels);
    expect(() => runner.writeInput("labels", new Float32Array(n))).toThrow(/Int32Array/);
    runner.run("eval");
    const shifted = await runner.readOutput("shifted");
    expect(shifted).toBeInstanceOf(Int32Array);
    expect(Array.from(shifted)).toEqual(Array.from(labels, (v) => 3 * v - 7));
    runner.destroy();
  });

  it("scales by a uniform and names missing or unknown fields", async () => {
    const b = new PlanBuilder();
    const x = b.input("x", [n]);
    const out = b.output("y", [n]);
    const u = b.uniform(["scale", "shift"]);
    const k = elementwise("out[i] = u.scale * x[i] + u.shift;", ["x"], ["out"], {
      uniform: ["scale", "shift"],
    });
    b.dispatch("eval", b.kernel("affine", k.wgsl, k.bindings), [x, out, u], groups(n));
    const runner = await PlanRunner.create(device, b.build());
    const data = values(n, 5);
    runner.writeInput("x", data);
    expect(() => runner.run("eval")).toThrow(/uniforms were never written/);
    expect(() => runner.writeUniforms({ scale: 2 })).toThrow(/missing uniform "shift"/);
    expect(() => runner.writeUniforms({ scale: 2, shift: 0, sclae: 1 })).toThrow(
      /unknown uniform "sclae"; expected scale, shift/,
    );
    runner.writeUniforms({ scale: -3, shift: 0.5 });
    runner.run("eval");
    const y = await runner.readOutput("y");
    expect(Array.from(y)).toEqual(Array.from(data, (v) => Math.fround(Math.fround(-3 * v) + 0.5)));
    runner.destroy();
  });

  it("updates params and optimizer state in place across runs", async () => {
    const b = new PlanBuilder();
    const g = b.input("grad", [n]);
    const w = b.param("w", [n]);
    const m = b.moment("w", "w.m", n);
    const u = b.uniform(["lr"]);
    const sgd = elementwise(
      "m[i] = 0.5 * m[i] + g[i];\n  w[i] = w[i] - u.lr * m[i];",
      ["g"],
      ["w", "m"],
      { uniform: ["lr"] },
    );
    b.dispatch("train", b.kernel("momentum", sgd.wgsl, sgd.bindings), [g, w, m, u], groups(n));
    const runner = await PlanRunner.create(device, b.build());
    const w0 = values(n, 6);
    const grad = values(n, 7);
    runner.writeParam("w", w0);
    runner.writeInput("grad", grad);
    runner.writeUniforms({ lr: 0.25 });
    runner.run("train");
    runner.run("train");
    const [w2, m2] = await Promise.all([runner.readParam("w"), runner.readParam("w.m")]);
    // m1 = g, w1 = w0 - lr g; m2 = 1.5 g, w2 = w1 - 1.5 lr g.
    const f = Math.fround;
    const m1Host = Array.from(grad, (v) => f(f(0.5 * 0) + v));
    const m2Host = m1Host.map((v, i) => f(f(0.5 * v) + grad[i]!));
    const w1Host = Array.from(w0, (v, i) => f(v - f(0.25 * m1Host[i]!)));
    expect(Array.from(m2)).toEqual(m2Host);
    expect(Array.from(w2)).toEqual(w1Host.map((v, i) => f(v - f(0.25 * m2Host[i]!))));
    runner.destroy();
  });

  it("runs a plan that went through JSON.stringify and JSON.parse", async () => {
    const plan = JSON.parse(JSON.stringify(chainPlan())) as Plan;
    const runner = await PlanRunner.create(device, plan);
    runner.writeInput("x", new Float32Array(n).fill(1.5));
    runner.run("eval");
    expect((await runner.readOutput("y"))[n - 1]).toBe(4);
    runner.destroy();
  });

  it("reads two outputs concurrently", async () => {
    const b = new PlanBuilder();
    const x = b.input("x", [n]);
    const y = b.input("y", [n]);
    const sum = b.output("sum", [n]);
    const diff = b.output("diff", [n]);
    const k = elementwise("s[i] = a[i] + b[i];\n  d[i] = a[i] - b[i];", ["a", "b"], ["s", "d"]);
    b.dispatch("eval", b.kernel("sum_diff", k.wgsl, k.bindings), [x, y, sum, diff], groups(n));
    const runner = await PlanRunner.create(device, b.build());
    runner.writeInput("x", new Float32Array(n).fill(5));
    runner.writeInput("y", new Float32Array(n).fill(3));
    runner.run("eval");
    const [s, d] = await Promise.all([runner.readOutput("sum"), runner.readOutput("diff")]);
    expect([s[0], s[n - 1], d[0], d[n - 1]]).toEqual([8, 8, 2, 2]);
    runner.destroy();
  });

  it("reads a run's output while the next run is already submitted", async () => {
    const runner = await PlanRunner.create(device, addPlan());
    runner.writeInput("x", new Float32Array(n).fill(1));
    runner.writeInput("y", new Float32Array(n).fill(2));
    runner.run("eval");
    const first = runner.readOutput("sum");
    runner.writeInput("y", new Float32Array(n).fill(10));
    runner.run("eval");
    const second = runner.readOutput("sum");
    expect((await first)[0]).toBe(3);
    expect((await second)[0]).toBe(11);
    runner.destroy();
  });

  it("gives clear errors for wrong sizes, unwritten inputs and unknown names", async () => {
    const runner = await PlanRunner.create(device, addPlan());
    expect(() => runner.writeInput("x", new Float32Array(n - 1))).toThrow(
      `"x" holds 1000 f32 values (a Float32Array); got a Float32Array of length 999`,
    );
    expect(() => runner.writeInput("z", new Float32Array(n))).toThrow(
      `no input "z" in this plan; it has x, y`,
    );
    runner.writeInput("x", new Float32Array(n));
    expect(() => runner.run("eval")).toThrow(`input "y" was never written`);
    expect(() => runner.run("train")).toThrow(`no program "train" in this plan; it has eval`);
    expect(() => runner.readOutput("loss")).toThrow(`no output "loss"`);
    runner.destroy();
    expect(() => runner.run("eval")).toThrow(/destroyed/);
  });

  it("profiles one GPU time per dispatch when timestamp-query is available", async () => {
    const runner = await PlanRunner.create(device, chainPlan());
    runner.writeInput("x", values(n, 8));
    const times = await runner.profile("eval");
    if (!device.features.has("timestamp-query")) {
      expect(times).toBeUndefined();
    } else {
      expect(times?.map((t) => t.kernel)).toEqual(["k0_double", "k1_inc"]);
      for (const t of times!) expect(t.ms).toBeGreaterThanOrEqual(0);
    }
    // The profiled run is a real run.
    expect((await runner.readOutput("y"))[0]).toBeCloseTo(2 * values(1, 8)[0]! + 1, 6);
    runner.destroy();
  });
});
