/**
 * @file Unit tests of the emission steps (src/codegen/emit-*.ts): staging by dependency depth and
 * the last stage each value is read in, splitting a stage's parts into dispatches, arena layout,
 * and refusals returned as data by `tryEmitPlan` (thrown only by `emitPlan`).
 */
import { describe, expect, it } from "vitest";
import { emitPlan, PlanLimitError, tryEmitPlan, type EmitInput } from "../../src/codegen/emit.js";
import { layoutArenas } from "../../src/codegen/emit-layout.js";
import { isRefusal } from "../../src/codegen/emit-refusal.js";
import { lastStages, schedule, splitDispatch } from "../../src/codegen/emit-stages.js";
import type { KernelGroup } from "../../src/codegen/fuse.js";
import type { KernelPart } from "../../src/codegen/kernel.js";
import type { BindingLimits } from "../../src/codegen/memory.js";
import { GraphBuilder } from "../../src/ir/builder.js";
import type { Graph, Node } from "../../src/ir/node.js";
import { optimizerSpec } from "../../src/ops/optimizers.js";

const limits = (bytes: number, buffers = 8): BindingLimits => ({
  maxStorageBufferBindingSize: bytes,
  maxStorageBuffersPerShaderStage: buffers,
  maxBufferSize: 1 << 30,
});

const forward = (g: Graph): EmitInput => ({
  training: g,
  evaluation: g,
  params: [],
  optimizer: optimizerSpec("sgd", { lr: 0.1 }),
});

/** One group per node, each its own kernel. */
const groupOf = (n: Node): KernelGroup => ({ output: n, nodes: [n], rule: "graph-output" });

describe("staging", () => {
  // c = tanh(x) + neg(x); d = exp(tanh(x)) reads tanh's value a stage later than neg's reader.
  const b = new GraphBuilder();
  const x = b.input("x", [4]);
  const t = b.tanh(x);
  const n = b.neg(x);
  const c = b.add(t, n);
  const d = b.exp(b.mul(c, t));
  const groups = [t, n, c, d.inputs[0]!, d].map(groupOf);

  it("stages groups by dependency depth, or one group a stage without merging", () => {
    const outputs = (stages: KernelGroup[][]) => stages.map((s) => s.map((g) => g.output));
    expect(outputs(schedule(groups, true))).toEqual([[t, n], [c], [d.inputs[0]], [d]]);
    expect(outputs(schedule(groups, false))).toEqual(groups.map((g) => [g.output]));
  });

  it("frees a value after the last stage that reads it, or after its own when none does", () => {
    const last = lastStages(schedule(groups, true));
    expect(last.get(t)).toBe(2);
    expect(last.get(n)).toBe(1);
    expect(last.get(c)).toBe(2);
    expect(last.get(d)).toBe(3);
  });
});

describe("splitDispatch", () => {
  const part = (...arenas: string[]) =>
    ({ arenas: new Map(arenas.map((a) => [a, "read"])) }) as unknown as KernelPart;

  it("keeps parts in one dispatch until the union of their arenas exceeds the limit", () => {
    const [p, q, r, s] = [part("a", "b"), part("b", "c"), part("d"), part("a")];
    expect(splitDispatch([p, q, r, s], limits(1024, 3))).toEqual([
      [p, q],
      [r, s],
    ]);
    expect(splitDispatch([p, q, r, s], limits(1024, 4))).toEqual([[p, q, r, s]]);
    expect(splitDispatch([], limits(1024, 4))).toEqual([]);
  });
});

describe("layoutArenas", () => {
  it("places each input once, starting a chunk where the last is full", () => {
    const b = new GraphBuilder();
    const x = b.input("x", [256]);
    const y = b.input("y", [200]);
    const g = b.build({ out: b.add(x, b.reduce("sum", y)) });
    const layout = layoutArenas(forward(g), 256, () => "");
    if (isRefusal(layout)) throw layout.refusal;
    expect(layout.inputTensors.map((i) => [i.name, i.arena, i.offset])).toEqual([
      ["x", "inputs", 0],
      ["y", "inputs_1", 0],
    ]);
    expect(layout.outputTensors.map((o) => [o.name, o.arena])).toEqual([["out", "outputs"]]);
  });

  it("refuses a parameter larger than one chunk as data", () => {
    const b = new GraphBuilder();
    const w = b.param("w", [64, 64]);
    const g = b.build({ loss: b.reduce("sum", w) });
    const init = { name: "zeros", args: {} };
    const layout = layoutArenas({ ...forward(g), params: [{ name: "w", init }] }, 1024, () => "");
    expect(isRefusal(layout) && layout.refusal.code).toBe("G0802");
    expect(isRefusal(layout) && layout.refusal.message).toBe(
      "parameter `w` of shape [64, 64] needs 16384 bytes, more than the 4096 bytes one storage binding may hold",
    );
  });
});

describe("refusals as data", () => {
  it("tryEmitPlan returns a tensor too large for a binding; emitPlan throws it", () => {
    const b = new GraphBuilder();
    const g = b.build({ y: b.tanh(b.input("x", [64, 64])) });
    const r = tryEmitPlan(forward(g), { fuse: true, limits: limits(8192) });
    expect(isRefusal(r) && [r.refusal.code, r.refusal.message]).toEqual([
      "G0802",
      "input `x` of shape [64, 64] needs 16384 bytes, more than the 8192 bytes one storage binding may hold",
    ]);
    expect(() => emitPlan(forward(g), { fuse: true, limits: limits(8192) })).toThrow(
      PlanLimitError,
    );
  });

  it("returns a kernel that no split can make fit, with its nodes", () => {
    // x and y fill a chunk each: their sum binds inputs, inputs_1 and outputs, over a limit of 2.
    const b = new GraphBuilder();
    const sum = b.add(b.input("x", [1024]), b.input("y", [1024]));
    const g = b.build({ y: sum });
    const r = tryEmitPlan(forward(g), { fuse: true, limits: limits(4096, 2) });
    if (!isRefusal(r)) throw new Error("expected a refusal");
    expect(r.refusal.code).toBe("G0803");
    expect(r.refusal.nodes).toEqual([sum]);
    expect(r.refusal.message).toMatch(
      /^the kernel computing `add` \[1024\] binds 3 storage buffers \(outputs, inputs, inputs_1\), more than the 2/,
    );
  });

  it("returns the plan and each kernel's origin when the limits are met", () => {
    const b = new GraphBuilder();
    const g = b.build({ y: b.tanh(b.input("x", [8])) });
    const r = tryEmitPlan({ ...forward(g), clipGradNorm: true }, { fuse: true });
    if (isRefusal(r)) throw r.refusal;
    expect(r.origins).toHaveLength(r.plan.kernels.length);
    // Training reads back no loss, and without parameters there is no update (no gradient
    // norm, no optimizer kernel): evaluation's kernel is the only one.
    expect(r.origins.map((o) => [o.role, o.program])).toEqual([["fused", "eval"]]);
    expect(r.plan.programs.train!.dispatches).toEqual([]);
    expect(r.plan.programs.train!.outputs).toEqual([]);
    expect(r.plan.state).toEqual([]);
  });
});
