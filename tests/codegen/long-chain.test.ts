/**
 * @file Long elementwise chains, found by fuzzing (issue 12): a 3,000-step chain in a `fn`
 * overflowed the stack in fusion (`inlineCost`, recursive and quadratic; 2,000 steps were enough), and the vec4 template's
 * operand walk and the kernel writer recurse through a fused group too. Fusion now stores every
 * `maxInlineDepth`-th node of a chain ("chain-deep"), so groups stay shallow whatever the source,
 * and the walks use their own stacks. On a device, a 1,000-op chain matches the interpreter.
 */
import { describe, expect, it } from "vitest";
import { compilePlan } from "../../src/codegen/compile.js";
import { fuseKernels, maxInlineDepth, type KernelGroup } from "../../src/codegen/fuse.js";
import { GraphBuilder } from "../../src/ir/builder.js";
import { interpret } from "../../src/ir/interpret.js";
import type { Node } from "../../src/ir/node.js";
import { makeTensor } from "../../src/ir/tensor.js";
import { checkFile } from "../../src/parser/program.js";
import { PlanRunner } from "../../src/runtime/index.js";
import { memoryHost } from "../parser/helpers.js";
import { describeGpu } from "../runtime/gpu.js";
import { forwardPlan, relError, writeInputs } from "./helpers.js";

/** y = a chain of `length` cheap single-use steps over x: [rows, cols] (one fusable chain). */
function chain(length: number, rows = 4, cols = 8) {
  const b = new GraphBuilder();
  const x = b.input("x", [rows, cols]);
  let v: Node = x;
  for (let i = 0; i < length; i++) {
    switch (i % 4) {
      case 0:
        v = b.mul(v, b.constant(1.001));
        break;
      case 1:
        v = b.add(v, b.constant(0.01));
        break;
      case 2:
        v = b.tanh(v);
        break;
      default:
        v = b.neg(v);
    }
  }
  return b.build({ y: v });
}

/** The longest path of computed nodes inside a group. */
function groupDepth(group: KernelGroup): number {
  const inGroup = new Set(group.nodes);
  const depth = new Map<Node, number>();
  for (const n of group.nodes)
    depth.set(n, 1 + Math.max(0, ...n.inputs.map((i) => (inGroup.has(i) ? depth.get(i)! : 0))));
  return Math.max(0, ...depth.values());
}

/** A program whose model output goes through a `fn` of `steps` chained bindings. */
function chainProgram(steps: number): string {
  const lines = ["fn chain(x) {", "  c0 = x"];
  for (let i = 1; i <= steps; i++) lines.push(`  c${i} = c${i - 1} * 1.5 + 0.25`);
  lines.push(`  c${steps}`, "}");
  return `${lines.join("\n")}
model M {
  input features: [N, 2]
  l = Dense(2, 8)
  output y = features |> l |> chain
}
train M {
  data = spirals(n: 64)
  loss = mean(y * y)
  optimizer = sgd(lr: 0.1)
  batch = 16
}
`;
}

describe("long elementwise chains", () => {
  it("fusion splits a 5,000-op chain into groups at most maxInlineDepth deep", () => {
    const g = chain(5000);
    const groups = fuseKernels(g, [g.outputs.get("y")!], { fuse: true });
    expect(groups.length).toBeGreaterThanOrEqual(Math.ceil(5000 / maxInlineDepth));
    for (const grp of groups) expect(groupDepth(grp)).toBeLessThanOrEqual(maxInlineDepth);
    // Every op of the chain is computed by exactly one group.
    const computed = groups.flatMap((grp) => grp.nodes).filter((n) => n.op !== "const");
    expect(computed.length).toBe(5000);
    expect(new Set(computed).size).toBe(5000);
  });

  it("a chain shorter than the limit stays one kernel", () => {
    const g = chain(maxInlineDepth - 1);
    expect(fuseKernels(g, [g.outputs.get("y")!], { fuse: true })).toHaveLength(1);
  });

  it("emits WGSL for a 5,000-op chain, vectorised and not", () => {
    // [4, 8] takes the vec4 template; [3, 3] (9 elements) cannot.
    for (const cols of [8, 3]) {
      const plan = forwardPlan(chain(5000, cols === 8 ? 4 : 3, cols));
      expect(plan.kernels.length).toBeGreaterThanOrEqual(Math.ceil(5000 / maxInlineDepth));
      for (const k of plan.kernels)
        expect(k.ops.filter((op) => op !== "const").length).toBeLessThanOrEqual(maxInlineDepth);
      expect(plan.kernels.some((k) => k.wgsl.includes("vec4<f32>"))).toBe(cols === 8);
    }
  });

  it("compiles a 2,000-step chain in a fn from source (it overflowed the stack in fusion)", () => {
    const entry = "mem/main.grove";
    const r = checkFile(entry, memoryHost({ [entry]: chainProgram(2000) }));
    expect(r.diagnostics.map((d) => d.message)).toEqual([]);
    const c = compilePlan(r.program.trains[0]!, { sources: r.sources.texts() });
    expect(c.diagnostics).toEqual([]);
    const kernels = c.value!.plan.kernels;
    expect(kernels.length).toBeGreaterThanOrEqual(Math.ceil(2000 / maxInlineDepth));
    for (const k of kernels) expect(k.ops.length).toBeLessThanOrEqual(4 * maxInlineDepth);
  });
});

describeGpu("long elementwise chains on a device", (gpu) => {
  it("a 1,000-op chain split over kernels matches the interpreter", async () => {
    const g = chain(1000);
    const plan = forwardPlan(g);
    expect(plan.kernels.length).toBeGreaterThan(1);
    const values = Array.from({ length: 32 }, (_, i) => Math.sin(i) * 2);
    const inputs = { x: makeTensor([4, 8], "f32", values, "f32") };
    const want = interpret(g, inputs, { precision: "f32" }).get(g.outputs.get("y")!)!.data;
    const runner = await PlanRunner.create(gpu.device, plan);
    try {
      writeInputs(runner, plan, inputs);
      runner.writeUniforms({ lr: 0, bc1: 1, bc2: 1, step: 1 });
      runner.run("eval");
      // 250 tanh in a row: the device's tanh differs from JavaScript's in the last bits, and
      // 1,000 ops accumulate that (a wrong kernel would be off by order 1).
      expect(relError(await runner.readOutput("y"), want)).toBeLessThan(1e-3);
    } finally {
      runner.destroy();
    }
  });
});
