/**
 * Template choice without a GPU: the tree reduction and the vec4 elementwise template are used
 * exactly where their heuristics say (gpu.test.ts checks their results on a device).
 */
import { describe, expect, it } from "vitest";
import { treeMaxOutputs, treeMinExtent, useTreeReduction } from "../../src/codegen/tiles.js";
import { GraphBuilder } from "../../src/ir/builder.js";
import type { Node } from "../../src/ir/node.js";
import { examplePlan, forwardPlan } from "./helpers.js";

/** The WGSL of the forward plan of `y` (tree reductions allowed unless `trees` is false). */
function wgslOf(build: (b: GraphBuilder) => Node, trees = true): string {
  const b = new GraphBuilder();
  const g = b.build({ y: build(b) });
  return forwardPlan(g, true, false, trees)
    .kernels.map((k) => k.wgsl)
    .join("\n");
}

const tree = /tree reduction \(/;
const vec4 = /as vec4<f32>/;

describe("the tree reduction template", () => {
  it("takes few outputs over a long extent, and nothing else", () => {
    expect(useTreeReduction(1, treeMinExtent)).toBe(true);
    expect(useTreeReduction(treeMaxOutputs, 1000)).toBe(true);
    expect(useTreeReduction(treeMaxOutputs + 1, 1000)).toBe(false);
    expect(useTreeReduction(1, treeMinExtent - 1)).toBe(false);
  });

  it("is chosen for a loss-like mean and a bias-gradient-like sum, with prologue and epilogue", () => {
    const loss = wgslOf((b) => b.mean(b.neg(b.log(b.abs(b.input("p", [256]))))));
    expect(loss).toMatch(tree);
    expect(loss).toContain("workgroupBarrier();");
    expect(loss).toContain("var<workgroup> g_tree: array<f32, 64>;");
    expect(loss).toMatch(/fn part0\(t: i32, w: i32\)/);
    const bias = wgslOf((b) => b.sqrt(b.sum(b.input("g", [300, 10]), [0])));
    expect(bias).toMatch(/tree reduction \(sum of 300 elements per output\).* 10 workgroups/);
  });

  it("is not chosen for many outputs, short extents, i32 values, or without the option", () => {
    expect(wgslOf((b) => b.mean(b.input("p", [256])), false)).not.toMatch(tree);
    expect(wgslOf((b) => b.sum(b.input("g", [256, 512]), [0]))).not.toMatch(tree);
    expect(wgslOf((b) => b.max(b.input("x", [8, 100]), [1]))).not.toMatch(tree);
    expect(wgslOf((b) => b.sum(b.input("i", [1000], "i32")))).not.toMatch(tree);
  });

  it("selects every part of a dispatch by workgroup index when one part is a tree", () => {
    const text = wgslOf((b) =>
      b.sum(b.add(b.sum(b.input("x", [500, 2]), [0]), b.max(b.input("u", [2, 3]), [1]))),
    );
    expect(text).toMatch(/independent parts in one dispatch/);
    expect(text).toContain("let wg = i32(wid.x + wid.y * nwg.x);");
    expect(text).toMatch(/if \(wg < \d+\) \{/);
    expect(text).not.toContain("subgroup");
  });
});

describe("the vec4 elementwise template", () => {
  it("takes same-index, leading-axis broadcast and scalar operands", () => {
    const text = wgslOf((b) =>
      b.tanh(b.add(b.mul(b.input("x", [6, 32]), b.input("s", [])), b.input("bias", [32]))),
    );
    expect(text).toMatch(/4 consecutive elements per invocation as vec4<f32> \(along the last/);
    expect(text).toMatch(/48 invocations/);
    const flat = wgslOf((b) => b.add(b.input("x", [4, 3]), b.input("y", [4, 3])));
    expect(flat).toMatch(/as vec4<f32> \(at the same flat index/);
  });

  it("is not chosen for element counts, broadcasts, dtypes or ops it cannot vectorise", () => {
    // 15 elements; a bias along a last axis of 6; i32 operands; a gather; a reduction.
    expect(wgslOf((b) => b.exp(b.input("x", [3, 5])))).not.toMatch(vec4);
    expect(wgslOf((b) => b.add(b.input("x", [4, 6]), b.input("c", [6])))).not.toMatch(vec4);
    expect(
      wgslOf((b) => b.cast(b.add(b.input("i", [8], "i32"), b.input("j", [8], "i32")), "f32")),
    ).not.toMatch(vec4);
    expect(wgslOf((b) => b.gather(b.input("t", [5, 8]), b.input("i", [4], "i32")))).not.toMatch(
      vec4,
    );
    expect(wgslOf((b) => b.sum(b.input("x", [8, 8]), [1]))).not.toMatch(vec4);
  });

  it("is what the MNIST MLP's five GELU kernels (train and eval) use; no trees by default", () => {
    const text = examplePlan("examples/mnist-mlp.grove", 128)
      .plan.kernels.map((k) => k.wgsl)
      .join("\n");
    expect(text.match(/as vec4<f32>/g)?.length).toBe(5);
    expect(text).not.toMatch(tree);
  });
});
