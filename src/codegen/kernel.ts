/**
 * @file Writes one WGSL compute kernel for a fusion group: one invocation per output element,
 * inputs read from arena buffers at fixed offsets, inlined nodes computed on the way, an
 * optional loop node carried through its epilogue, and the result stored once. Every kernel
 * starts with a header naming the IR nodes it fused and their `.grove` locations.
 */
import type { Span } from "../diag/diagnostic.js";
import type { Node } from "../ir/node.js";
import type { BindingAccess } from "./plan.js";
import type { KernelGroup } from "./fuse.js";
import { helperCode } from "./wgsl/helpers.js";
import { wgslRules, type Emitter } from "./wgsl/rules.js";
import { flatten, unflatten, Writer, type Index } from "./wgsl/writer.js";

/** Where a stored value lives: an arena buffer and an element offset into it. */
export interface Location {
  readonly arena: string;
  readonly offset: number;
}

export interface KernelSource {
  readonly name: string;
  readonly wgsl: string;
  /** Arenas in binding order, with their access. */
  readonly arenas: readonly { readonly arena: string; readonly access: BindingAccess }[];
  readonly workgroupSize: readonly [number, number, number];
  readonly workgroups: readonly [number, number, number];
  readonly ops: readonly string[];
  readonly flops: number;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

export const workgroupSize = 64;
const maxWorkgroupsPerDimension = 65535;

export function dispatchSize(invocations: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(invocations / workgroupSize));
  const x = Math.min(groups, maxWorkgroupsPerDimension);
  return [x, Math.ceil(groups / x), 1];
}

export interface KernelContext {
  /** Where each stored node is read from. */
  readonly location: (n: Node) => Location | undefined;
  /** Where this kernel stores its output. */
  readonly store: Location;
  /** `file:line:col` of a span, for headers. */
  readonly where: (span: Span | undefined) => string;
  readonly index: number;
}

export function writeKernel(group: KernelGroup, ctx: KernelContext): KernelSource {
  const out = group.output;
  const w = new Writer();
  const helpers = new Set<string>();
  const arenas = new Map<string, BindingAccess>([[ctx.store.arena, "read_write"]]);
  const read = new Set<Node>();
  const emitter: Emitter = {
    w,
    use(h) {
      helpers.add(h);
      return h;
    },
    value(node, idx) {
      const hit = w.recall(node, idx);
      if (hit !== undefined) return hit;
      const leaf = node.op === "input" || node.op === "param";
      const loc = node === out && !leaf ? undefined : ctx.location(node);
      let expr: string;
      if (loc) {
        if (!arenas.has(loc.arena)) arenas.set(loc.arena, "read");
        read.add(node);
        const load = `a_${loc.arena}[${flatten(idx, node.shape, loc.offset)}]`;
        expr = node.dtype === "i32" ? `bitcast<i32>(${load})` : load;
      } else {
        const rule = wgslRules[node.op] as (e: Emitter, n: Node, i: Index) => string;
        expr = rule(emitter, node, idx);
      }
      const name = w.bind(expr);
      w.remember(node, idx, name);
      return name;
    },
  };

  const total = out.shape.reduce((p, d) => p * d, 1);
  w.line("let t = i32(gid.x + gid.y * nwg.x * " + workgroupSize + "u);");
  w.line(`if (t >= ${total}) { return; }`);
  const idx = unflatten("t", out.shape).map((e) => w.bind(e, "i"));
  if (group.main) {
    // The loop node sits at the same index as the output: compute it first, then the epilogue.
    const v = emitter.value(group.main, idx);
    w.remember(group.main, idx, v);
  }
  const result = emitter.value(out, idx);
  const stored = out.dtype === "i32" ? `bitcast<f32>(${result})` : result;
  w.line(`a_${ctx.store.arena}[t${ctx.store.offset ? ` + ${ctx.store.offset}` : ""}] = ${stored};`);

  if (w.text().includes("g_bits(")) helpers.add("g_bits");
  const ops = group.nodes.map((n) => n.op);
  const name = `k${ctx.index}_${[...new Set(ops)].slice(0, 4).join("_") || "copy"}`;
  const order = [...arenas.keys()].sort();
  const header = [
    `// ${name}: ${ops.length} fused op${ops.length === 1 ? "" : "s"}, output ${out.dtype}[${out.shape.join(",")}]`,
    ...group.nodes.map((n) => `//   %${n.id} ${n.op}[${n.shape.join(",")}]  ${ctx.where(n.span)}`),
    `// one invocation per output element: ${total} invocations in workgroups of ${workgroupSize}`,
  ];
  const bindings = order.map(
    (a, i) =>
      `@group(0) @binding(${i}) var<storage, ${arenas.get(a) === "read" ? "read" : "read_write"}> a_${a}: array<f32>;`,
  );
  const wgsl = [
    ...header,
    "",
    ...bindings,
    "",
    ...(helpers.size > 0 ? [helperCode(helpers), ""] : []),
    `@compute @workgroup_size(${workgroupSize})`,
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {",
    w.text(),
    "}",
    "",
  ].join("\n");
  const bytesRead = [...read].reduce((s, n) => s + 4 * n.shape.reduce((p, d) => p * d, 1), 0);
  return {
    name,
    wgsl,
    arenas: order.map((a) => ({ arena: a, access: arenas.get(a)! })),
    workgroupSize: [workgroupSize, 1, 1],
    workgroups: dispatchSize(total),
    ops,
    flops: estimateFlops(group.nodes),
    bytesRead,
    bytesWritten: 4 * total,
  };
}

function estimateFlops(nodes: readonly Node[]): number {
  let f = 0;
  for (const n of nodes) {
    const size = n.shape.reduce((p, d) => p * d, 1);
    if (n.op === "matmul") f += 2 * size * n.inputs[0]!.shape[n.inputs[0]!.shape.length - 1]!;
    else if (n.op === "conv2d") {
      const w = n.inputs[1]!.shape;
      f += 2 * size * w[1]! * w[2]! * w[3]!;
    } else if (n.op === "sum" || n.op === "mean" || n.op === "max")
      f += n.inputs[0]!.shape.reduce((p, d) => p * d, 1);
    else f += size;
  }
  return f;
}
