/**
 * @file The tree reduction template: one workgroup per output of a reduction with a long extent.
 */
import { sizeOf } from "../../ir/node.js";
import { isReduction } from "../../ir/op-classes.js";
import type { KernelGroup } from "../fuse.js";
import { useTreeReduction, workgroupSize } from "../tiles.js";
import { reducedCount, reductionInputIndex, reductionRules } from "../wgsl/loop-rules.js";
import type { Emitter } from "../wgsl/rules.js";
import { unflatten, type Writer } from "../wgsl/writer.js";
import type { Layout, Store } from "./layout.js";

/** Workgroup memory of the tree template, one f32 per lane; parts of a dispatch share it. */
export const treeMemory = "g_tree";

/**
 * The tree reduction template, for a reduction (possibly with an epilogue) with few outputs and a
 * long extent (`useTreeReduction`): one workgroup per output. Each lane folds every 64th element
 * of the reduced extent (prologue ops computed as they are read), the lanes' partial results are
 * combined pairwise in workgroup memory over log2(64) barrier rounds, and lane 0 finishes the
 * reduction, runs the epilogue and stores. Barriers need uniform control flow: the part is chosen
 * by workgroup index and returns early only by `w`. i32 reductions keep the serial loop.
 */
export function treeLayout(
  w: Writer,
  e: Emitter,
  group: KernelGroup,
  store: Store,
): Layout | undefined {
  const out = group.output;
  const node = group.main ?? out;
  if (!isReduction(node) || node.dtype !== "f32") return undefined;
  const x = node.inputs[0]!;
  const outputs = sizeOf(node.shape);
  const extent = reducedCount(node);
  if (!useTreeReduction(outputs, extent)) return undefined;
  const rule = reductionRules[node.op];
  const axes = node.attrs.axes;
  // Workgroups past the last output exist only when a dispatch spills into y; all lanes agree.
  w.line(`if (w >= ${outputs}) { return; }`);
  w.line(`let lane = t % ${workgroupSize};`);
  const idx = unflatten("w", out.shape).map((v) => w.bind(v, "i"));
  const inIdx = reductionInputIndex(node, idx);
  w.line(`var acc = ${rule.init(node)};`);
  w.block(`for (var r = lane; r < select(${extent}, 0, t < 0); r += ${workgroupSize})`, () =>
    w.scoped(() => {
      const at = unflatten(
        "r",
        axes.map((a) => x.shape[a]!),
      ).map((v) => w.bind(v, "q"));
      axes.forEach((a, k) => (inIdx[a] = at[k]!));
      w.line(`acc = ${rule.combine("acc", e.value(x, inIdx))};`);
    }),
  );
  w.line(`${treeMemory}[lane] = acc;`);
  w.line("workgroupBarrier();");
  w.block(`for (var s = ${workgroupSize / 2}; s > 0; s = s / 2)`, () => {
    w.block(`if (lane < s)`, () =>
      w.line(
        `${treeMemory}[lane] = ${rule.combine(`${treeMemory}[lane]`, `${treeMemory}[lane + s]`)};`,
      ),
    );
    w.line("workgroupBarrier();");
  });
  w.block("if (lane == 0)", () =>
    w.scoped(() => {
      w.remember(node, idx, w.bind(rule.finish(`${treeMemory}[0]`, node)));
      store("w", e.value(out, idx));
    }),
  );
  return {
    invocations: outputs * workgroupSize,
    collective: "workgroup",
    split: `tree reduction (${node.op} of ${extent} elements per output): one workgroup of ${workgroupSize} per output, ${outputs} workgroup${outputs === 1 ? "" : "s"}; each lane folds every ${workgroupSize}th element, then ${Math.log2(workgroupSize)} barrier rounds in workgroup memory`,
  };
}
