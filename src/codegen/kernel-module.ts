/**
 * @file Assembles fusion groups' parts (kernel.ts) into one WGSL module per dispatch: bindings,
 * helpers, each part's function, and the entry point that hands each part its invocations; and
 * the dispatch size and cost estimate of the module.
 */
import { comment } from "../diag/escape.js";
import { convGemmSize, isConv } from "../ir/conv-geometry.js";
import { isReduction } from "../ir/op-classes.js";
import { sizeOf, type Node } from "../ir/node.js";
import type { KernelPart } from "./kernel.js";
import type { BindingAccess } from "./plan.js";
import { treeMemory } from "./templates/tree.js";
import { workgroupSize } from "./tiles.js";
import { helperCode } from "./wgsl/helpers.js";

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

const maxWorkgroupsPerDimension = 65535;

export function dispatchSize(invocations: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(invocations / workgroupSize));
  const x = Math.min(groups, maxWorkgroupsPerDimension);
  return [x, Math.ceil(groups / x), 1];
}

/**
 * One WGSL module running several independent parts in a single dispatch: invocations
 * [0, T0) run part 0, the next range (rounded to whole workgroups) part 1, and so on. Parts of
 * one dispatch never read what another writes; the emitter guarantees that.
 */
export function assembleKernel(parts: readonly KernelPart[], index: number | string): KernelSource {
  const ops = parts.flatMap((p) => p.group.nodes.map((n) => n.op));
  const name = `k${index}_${[...new Set(ops)].slice(0, 4).join("_") || "copy"}`;
  const arenas = new Map<string, BindingAccess>();
  for (const p of parts)
    for (const [a, access] of p.arenas) if (arenas.get(a) !== "read_write") arenas.set(a, access);
  const helpers = new Set(parts.flatMap((p) => [...p.helpers]));
  const order = [...arenas.keys()].sort();
  const starts: number[] = [];
  let total = 0;
  for (const p of parts) {
    starts.push(total);
    total += Math.ceil(p.invocations / workgroupSize) * workgroupSize;
  }
  // Header lines hold file paths from the user: `comment` keeps each one comment on one line.
  const header = [
    `${name}: ${parts.length === 1 ? "one part" : `${parts.length} independent parts in one dispatch`}`,
    ...parts.flatMap((p, i) => [
      `part ${i}: ${p.header[0]}`,
      ...p.header.slice(1).map((l) => `  ${l}`),
    ]),
  ].map((line) => comment("wgsl", line));
  const bindings = order.map(
    (a, i) =>
      `@group(0) @binding(${i}) var<storage, ${arenas.get(a) === "read" ? "read" : "read_write"}> a_${a}: array<f32>;`,
  );
  // With subgroup or workgroup-memory parts, parts are chosen by the workgroup index (uniform, as
  // subgroup operations and barriers require); the ranges are whole workgroups either way.
  const subgroups = parts.some((p) => p.collective === "subgroup");
  const trees = parts.some((p) => p.collective === "workgroup");
  const byWorkgroup = subgroups || trees;
  const args = (i: number) => {
    const c = parts[i]!.collective;
    const wg = `wg - ${starts[i]! / workgroupSize}`;
    return c ? `t - ${starts[i]}, ${wg}${c === "subgroup" ? ", sgi" : ""}` : `t - ${starts[i]}`;
  };
  const calls = parts.map((_, i) =>
    i === parts.length - 1
      ? `  part${i}(${args(i)});`
      : `  if (${byWorkgroup ? `wg < ${starts[i + 1]! / workgroupSize}` : `t < ${starts[i + 1]}`}) {\n    part${i}(${args(i)});\n    return;\n  }`,
  );
  const entry = byWorkgroup
    ? [
        `fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>${subgroups ? ", @builtin(subgroup_invocation_id) sgi: u32" : ""}) {`,
        "  let wg = i32(wid.x + wid.y * nwg.x);",
        `  let t = wg * ${workgroupSize} + i32(lid.x);`,
      ]
    : [
        "fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {",
        `  let t = i32(gid.x + gid.y * nwg.x * ${workgroupSize}u);`,
      ];
  const wgsl = [
    ...header,
    "",
    ...(subgroups ? ["enable subgroups;", ""] : []),
    ...bindings,
    "",
    ...(trees ? [`var<workgroup> ${treeMemory}: array<f32, ${workgroupSize}>;`, ""] : []),
    ...(helpers.size > 0 ? [helperCode(helpers), ""] : []),
    ...parts.flatMap((p, i) => [
      `fn part${i}(t: i32${p.collective ? ", w: i32" : ""}${p.collective === "subgroup" ? ", lane: u32" : ""}) {`,
      p.body,
      "}",
      "",
    ]),
    `@compute @workgroup_size(${workgroupSize})`,
    ...entry,
    ...calls,
    "}",
    "",
  ].join("\n");
  return {
    name,
    wgsl,
    arenas: order.map((a) => ({ arena: a, access: arenas.get(a)! })),
    workgroupSize: [workgroupSize, 1, 1],
    workgroups: dispatchSize(total),
    ops,
    flops: parts.reduce((s, p) => s + estimateFlops(p.group.nodes), 0),
    bytesRead: parts.reduce((s, p) => s + p.bytesRead, 0),
    bytesWritten: parts.reduce((s, p) => s + p.bytesWritten, 0),
  };
}

/**
 * Floating-point operations of a part's nodes: two per multiply-add of a product (a convolution
 * counted through its GEMM view), one per element a reduction reads, one per output element of
 * anything else.
 */
function estimateFlops(nodes: readonly Node[]): number {
  return nodes.reduce((f, n) => f + flopsOf(n), 0);
}

function flopsOf(n: Node): number {
  if (n.op === "matmul") return 2 * sizeOf(n.shape) * n.inputs[0]!.shape.at(-1)!;
  if (isConv(n)) {
    const { M, N, K } = convGemmSize(n);
    return 2 * M * N * K;
  }
  if (isReduction(n)) return sizeOf(n.inputs[0]!.shape);
  return sizeOf(n.shape);
}
