/**
 * @file Writes one fusion group's part of a WGSL compute kernel: the emitter that renders its
 * nodes through the per-op rules (inputs read from arena buffers at fixed offsets, inlined nodes
 * computed on the way), the choice of template (templates/: a register-tiled product, a tree
 * reduction, four elements per invocation as `vec4<f32>`, or one invocation per output element)
 * and the header naming the IR nodes it fused with their `.grove` locations and how the work is
 * split. kernel-module.ts assembles parts into a module.
 */
import type { Span } from "../diag/diagnostic.js";
import { type Node, sizeOf } from "../ir/node.js";
import type { BindingAccess } from "./plan.js";
import type { KernelGroup } from "./fuse.js";
import { elementwiseBody } from "./templates/elementwise.js";
import { isGemm } from "./templates/gemm.js";
import type { Load } from "./templates/layout.js";
import { tiledLayout } from "./templates/tiled.js";
import { treeLayout } from "./templates/tree.js";
import { vectorLayout } from "./templates/vec4.js";
import { wgslRules, type Emitter } from "./wgsl/rules.js";
import { flatten, Writer, type Index } from "./wgsl/writer.js";

/** Where a stored value lives: an arena buffer and an element offset into it. */
export interface Location {
  readonly arena: string;
  readonly offset: number;
}

export interface KernelContext {
  /** Where each stored node is read from. */
  readonly location: (n: Node) => Location | undefined;
  /** Where this kernel stores its output. */
  readonly store: Location;
  /** `file:line:col` of a span, for headers. */
  readonly where: (span: Span | undefined) => string;
  /** Products may use the subgroup template (the device has the `subgroups` feature). */
  readonly subgroups?: boolean;
  /** Reductions may use the tree template (see `FusionOptions.treeReductions`). */
  readonly treeReductions?: boolean;
  /**
   * The quick-to-compile variant: matrix products run one output per invocation (the `matmul`
   * rule's loop), or a 2 x 2 tile at most when they are large (`quickTileFor`), instead of the
   * tile the product would get. Each output is the same FMA chain over k in the same order, so the
   * results are bit for bit those of the tiled kernel (see `PlanProgram.quick`).
   */
  readonly quick?: boolean;
}

/** One fusion group's code: a WGSL function over its own invocation index `t`. */
export interface KernelPart {
  readonly group: KernelGroup;
  /** The function's statements, indented one level. */
  readonly body: string;
  readonly helpers: ReadonlySet<string>;
  readonly arenas: ReadonlyMap<string, BindingAccess>;
  readonly invocations: number;
  /** Header comment lines: the fused nodes with their `.grove` locations, and the work split. */
  readonly header: readonly string[];
  readonly bytesRead: number;
  readonly bytesWritten: number;
  /**
   * The part works a workgroup at a time: with `subgroup` operations its function is
   * `partN(t, w, lane)` (the subgroup lane last), with `workgroup` memory and barriers
   * `partN(t, w)`. `w` is the part's workgroup index (uniform, so loops bounded by it stay in
   * uniform control flow); such a part is chosen by workgroup index and returns early only by `w`.
   */
  readonly collective?: "subgroup" | "workgroup";
}

export function writePart(group: KernelGroup, ctx: KernelContext): KernelPart {
  const out = group.output;
  const w = new Writer();
  const helpers = new Set<string>();
  const arenas = new Map<string, BindingAccess>([[ctx.store.arena, "read_write"]]);
  const read = new Set<Node>();
  /** The load of a stored node at `at(offset)`, or undefined for a node computed here. */
  const load: Load = (node, at) => {
    // A group computes its output unless it has no nodes: a leaf, or a copy of a stored value.
    const loc = node === out && group.nodes.length > 0 ? undefined : ctx.location(node);
    if (!loc) return undefined;
    if (!arenas.has(loc.arena)) arenas.set(loc.arena, "read");
    read.add(node);
    const value = `a_${loc.arena}[${at(loc.offset)}]`;
    return node.dtype === "i32" ? `bitcast<i32>(${value})` : value;
  };
  const emitter: Emitter = {
    w,
    use(h) {
      helpers.add(h);
      return h;
    },
    value(node, idx) {
      const hit = w.recall(node, idx);
      if (hit !== undefined) return hit;
      const loaded = load(node, (offset) => flatten(idx, node.shape, offset));
      let expr: string;
      if (loaded) expr = loaded;
      else {
        const rule = wgslRules[node.op] as (e: Emitter, n: Node, i: Index) => string;
        expr = rule(emitter, node, idx);
      }
      const name = w.bind(expr);
      w.remember(node, idx, name);
      return name;
    },
  };

  const store = (flat: string, value: string) =>
    w.line(
      `a_${ctx.store.arena}[${flat}${ctx.store.offset ? ` + ${ctx.store.offset}` : ""}] = ${out.dtype === "i32" ? `bitcast<f32>(${value})` : value};`,
    );
  const main = group.main ?? (isGemm(out) ? out : undefined);
  const layout =
    (main && tiledLayout(w, emitter, group, main, store, ctx.subgroups ?? false, ctx.quick)) ??
    (ctx.treeReductions ? treeLayout(w, emitter, group, store) : undefined) ??
    vectorLayout(w, emitter, group, load, store) ??
    elementwiseBody(w, emitter, group, store);
  if (w.text().includes("g_bits(")) helpers.add("g_bits");
  const ops = group.nodes.map((n) => n.op);
  const header = [
    `${ops.length} fused op${ops.length === 1 ? "" : "s"}, output ${out.dtype}[${out.shape.join(",")}] -> ${ctx.store.arena}@${ctx.store.offset}`,
    ...group.nodes.map(
      (n) =>
        `  %${n.id} ${n.op}[${n.shape.join(",")}]  ${ctx.where(n.span)}${n.remat ? "  (recomputed)" : ""}`,
    ),
    layout.split,
  ];
  return {
    group,
    body: w.text(),
    helpers,
    arenas,
    invocations: layout.invocations,
    header,
    bytesRead: [...read].reduce((s, n) => s + 4 * sizeOf(n.shape), 0),
    bytesWritten: 4 * sizeOf(out.shape),
    ...(layout.collective ? { collective: layout.collective } : {}),
  };
}
