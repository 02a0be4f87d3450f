/**
 * @file The default template: one invocation per output element.
 */
import { sizeOf } from "../../ir/node.js";
import type { KernelGroup } from "../fuse.js";
import { workgroupSize } from "../tiles.js";
import type { Emitter } from "../wgsl/rules.js";
import { unflatten, type Writer } from "../wgsl/writer.js";
import type { Layout, Store } from "./layout.js";

/** One invocation per output element; a loop node is computed first, then its epilogue. */
export function elementwiseBody(w: Writer, e: Emitter, group: KernelGroup, store: Store): Layout {
  const out = group.output;
  const total = sizeOf(out.shape);
  w.line(`if (t >= ${total}) { return; }`);
  const idx = unflatten("t", out.shape).map((x) => w.bind(x, "i"));
  if (group.main) w.remember(group.main, idx, e.value(group.main, idx));
  store("t", e.value(out, idx));
  return {
    invocations: total,
    split: `one invocation per output element: ${total} invocations in workgroups of ${workgroupSize}`,
  };
}
