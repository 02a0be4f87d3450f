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
import { tileFor } from "./tiles.js";
import { broadcastIndex, wgslRules, type Emitter } from "./wgsl/rules.js";
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

  const store = (flat: string, value: string) =>
    w.line(
      `a_${ctx.store.arena}[${flat}${ctx.store.offset ? ` + ${ctx.store.offset}` : ""}] = ${out.dtype === "i32" ? `bitcast<f32>(${value})` : value};`,
    );
  const main = group.main ?? (out.op === "matmul" ? out : undefined);
  const tiled = main?.op === "matmul" && tileFor(main) !== undefined;
  const layout = tiled
    ? matmulBody(w, emitter, group, main!, store)
    : elementwiseBody(w, emitter, group, store);
  const total = out.shape.reduce((p, d) => p * d, 1);
  if (w.text().includes("g_bits(")) helpers.add("g_bits");
  const ops = group.nodes.map((n) => n.op);
  const name = `k${ctx.index}_${[...new Set(ops)].slice(0, 4).join("_") || "copy"}`;
  const order = [...arenas.keys()].sort();
  const header = [
    `// ${name}: ${ops.length} fused op${ops.length === 1 ? "" : "s"}, output ${out.dtype}[${out.shape.join(",")}]`,
    ...group.nodes.map((n) => `//   %${n.id} ${n.op}[${n.shape.join(",")}]  ${ctx.where(n.span)}`),
    `// ${layout.split}`,
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
    workgroups: dispatchSize(layout.invocations),
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

type Store = (flat: string, value: string) => void;

interface Layout {
  readonly invocations: number;
  /** How the work is split, for the kernel header. */
  readonly split: string;
}

/** One invocation per output element; a loop node is computed first, then its epilogue. */
function elementwiseBody(w: Writer, e: Emitter, group: KernelGroup, store: Store): Layout {
  const out = group.output;
  const total = out.shape.reduce((p, d) => p * d, 1);
  w.line(`let t = i32(gid.x + gid.y * nwg.x * ${workgroupSize}u);`);
  w.line(`if (t >= ${total}) { return; }`);
  const idx = unflatten("t", out.shape).map((x) => w.bind(x, "i"));
  if (group.main) w.remember(group.main, idx, e.value(group.main, idx));
  store("t", e.value(out, idx));
  return {
    invocations: total,
    split: `one invocation per output element: ${total} invocations in workgroups of ${workgroupSize}`,
  };
}

/**
 * Register-tiled matrix product: each invocation accumulates a TM x TN tile of the output in
 * registers, reading a column of A and a row of B per step of k straight from storage (no
 * workgroup memory: barriers are expensive on CPU-backed adapters). Operands are rendered
 * through the emitter, so transposes are index arithmetic and cheap elementwise prologues
 * (such as an activation-derivative mask) are applied as the values are read. The epilogue
 * (bias, activation, residual) runs on each accumulator before its single store.
 */
function matmulBody(w: Writer, e: Emitter, group: KernelGroup, mm: Node, store: Store): Layout {
  const out = group.output;
  const [a, b] = mm.inputs as [Node, Node];
  const r = mm.shape.length;
  const [M, N] = [mm.shape[r - 2]!, mm.shape[r - 1]!];
  const K = a.shape[a.shape.length - 1]!;
  const [TM, TN] = tileFor(mm)!;
  const batchShape = mm.shape.slice(0, -2);
  const batch = batchShape.reduce((p, d) => p * d, 1);
  const tilesM = Math.ceil(M / TM);
  const tilesN = Math.ceil(N / TN);
  const invocations = batch * tilesM * tilesN;
  w.line(`let t = i32(gid.x + gid.y * nwg.x * ${workgroupSize}u);`);
  w.line(`if (t >= ${invocations}) { return; }`);
  w.line(`let i0 = ((t / ${tilesN}) % ${tilesM}) * ${TM};`);
  w.line(`let j0 = (t % ${tilesN}) * ${TN};`);
  const bIdx =
    batch > 1
      ? unflatten(w.bind(`t / ${tilesM * tilesN}`, "bt"), batchShape).map((x) => w.bind(x, "b"))
      : batchShape.map(() => "0");
  const rows = [...Array(TM).keys()].map((ii) => w.bind(`min(i0 + ${ii}, ${M - 1})`, "m"));
  const cols = [...Array(TN).keys()].map((jj) => w.bind(`min(j0 + ${jj}, ${N - 1})`, "n"));
  const acc = (ii: number, jj: number) => `acc_${ii}_${jj}`;
  for (let ii = 0; ii < TM; ii++)
    for (let jj = 0; jj < TN; jj++) w.line(`var ${acc(ii, jj)} = 0.0;`);
  const aBatch = broadcastIndex(bIdx, batchShape, a.shape.slice(0, -2));
  const bBatch = broadcastIndex(bIdx, batchShape, b.shape.slice(0, -2));
  w.block(`for (var k = 0; k < ${K}; k++)`, () =>
    w.scoped(() => {
      const av = rows.map((m) => w.bind(e.value(a, [...aBatch, m, "k"]), "x"));
      const bv = cols.map((n) => w.bind(e.value(b, [...bBatch, "k", n]), "y"));
      for (let ii = 0; ii < TM; ii++)
        for (let jj = 0; jj < TN; jj++)
          w.line(`${acc(ii, jj)} = fma(${av[ii]}, ${bv[jj]}, ${acc(ii, jj)});`);
    }),
  );
  for (let ii = 0; ii < TM; ii++)
    for (let jj = 0; jj < TN; jj++)
      w.block(`if (i0 + ${ii} < ${M} && j0 + ${jj} < ${N})`, () =>
        w.scoped(() => {
          const idx = [...bIdx, `i0 + ${ii}`, `j0 + ${jj}`];
          w.remember(mm, idx, acc(ii, jj));
          const flat = flatten(idx, out.shape);
          store(flat, e.value(out, idx));
        }),
      );
  return {
    invocations,
    split: `${TM}x${TN} output tile per invocation: ${invocations} invocations (${batch} x ${tilesM} x ${tilesN}) in workgroups of ${workgroupSize}, k = ${K}`,
  };
}
