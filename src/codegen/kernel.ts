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
}

export function writePart(group: KernelGroup, ctx: KernelContext): KernelPart {
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
  const tile = main?.op === "matmul" ? tileFor(main, ...fusedAround(group, main)) : undefined;
  const tiled = tile !== undefined;
  const layout = tiled
    ? matmulBody(w, emitter, group, main!, tile, store)
    : elementwiseBody(w, emitter, group, store);
  if (w.text().includes("g_bits(")) helpers.add("g_bits");
  const ops = group.nodes.map((n) => n.op);
  const header = [
    `${ops.length} fused op${ops.length === 1 ? "" : "s"}, output ${out.dtype}[${out.shape.join(",")}] -> ${ctx.store.arena}@${ctx.store.offset}`,
    ...group.nodes.map((n) => `  %${n.id} ${n.op}[${n.shape.join(",")}]  ${ctx.where(n.span)}`),
    layout.split,
  ];
  return {
    group,
    body: w.text(),
    helpers,
    arenas,
    invocations: layout.invocations,
    header,
    bytesRead: [...read].reduce((s, n) => s + 4 * n.shape.reduce((p, d) => p * d, 1), 0),
    bytesWritten: 4 * out.shape.reduce((p, d) => p * d, 1),
  };
}

/**
 * One WGSL module running several independent parts in a single dispatch: invocations
 * [0, T0) run part 0, the next range (rounded to whole workgroups) part 1, and so on. Parts of
 * one dispatch never read what another writes; the emitter guarantees that.
 */
export function assembleKernel(parts: readonly KernelPart[], index: number): KernelSource {
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
  const header = [
    `// ${name}: ${parts.length === 1 ? "one part" : `${parts.length} independent parts in one dispatch`}`,
    ...parts.flatMap((p, i) => [
      `// part ${i}: ${p.header[0]}`,
      ...p.header.slice(1).map((l) => `//   ${l}`),
    ]),
  ];
  const bindings = order.map(
    (a, i) =>
      `@group(0) @binding(${i}) var<storage, ${arenas.get(a) === "read" ? "read" : "read_write"}> a_${a}: array<f32>;`,
  );
  const calls = parts.map((_, i) =>
    i === parts.length - 1
      ? `  part${i}(t - ${starts[i]});`
      : `  if (t < ${starts[i + 1]}) {\n    part${i}(t - ${starts[i]});\n    return;\n  }`,
  );
  const wgsl = [
    ...header,
    "",
    ...bindings,
    "",
    ...(helpers.size > 0 ? [helperCode(helpers), ""] : []),
    ...parts.flatMap((p, i) => [`fn part${i}(t: i32) {`, p.body, "}", ""]),
    `@compute @workgroup_size(${workgroupSize})`,
    "fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {",
    `  let t = i32(gid.x + gid.y * nwg.x * ${workgroupSize}u);`,
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
function matmulBody(
  w: Writer,
  e: Emitter,
  group: KernelGroup,
  mm: Node,
  tile: readonly [number, number],
  store: Store,
): Layout {
  const out = group.output;
  const [a, b] = mm.inputs as [Node, Node];
  const r = mm.shape.length;
  const [M, N] = [mm.shape[r - 2]!, mm.shape[r - 1]!];
  const K = a.shape[a.shape.length - 1]!;
  const [TM, TN] = tile;
  const batchShape = mm.shape.slice(0, -2);
  const batch = batchShape.reduce((p, d) => p * d, 1);
  const tilesM = Math.ceil(M / TM);
  const tilesN = Math.ceil(N / TN);
  const invocations = batch * tilesM * tilesN;
  w.line(`if (t >= ${invocations}) { return; }`);
  w.line(`let i0 = ((t / ${tilesN}) % ${tilesM}) * ${TM};`);
  w.line(`let j0 = (t % ${tilesN}) * ${TN};`);
  const bIdx =
    batch > 1
      ? unflatten(w.bind(`t / ${tilesM * tilesN}`, "bt"), batchShape).map((x) => w.bind(x, "b"))
      : batchShape.map(() => "0");
  // When the tile divides the output evenly no index needs clamping and no store a guard.
  const exactM = M % TM === 0;
  const exactN = N % TN === 0;
  const rows = [...Array(TM).keys()].map((ii) =>
    w.bind(exactM ? `i0 + ${ii}` : `min(i0 + ${ii}, ${M - 1})`, "m"),
  );
  const cols = [...Array(TN).keys()].map((jj) =>
    w.bind(exactN ? `j0 + ${jj}` : `min(j0 + ${jj}, ${N - 1})`, "n"),
  );
  const acc = (ii: number, jj: number) => `acc_${ii}_${jj}`;
  for (let ii = 0; ii < TM; ii++)
    for (let jj = 0; jj < TN; jj++) w.line(`var ${acc(ii, jj)} = 0.0;`);
  const aBatch = broadcastIndex(bIdx, batchShape, a.shape.slice(0, -2));
  const bBatch = broadcastIndex(bIdx, batchShape, b.shape.slice(0, -2));
  // The bound is opaque to the shader compiler (t is never negative) so that it does not unroll
  // a short k loop completely: that multiplies the code, and CPU adapters compile it slowly.
  w.line(`let kEnd = select(${K}, 0, t < 0);`);
  w.block(`for (var k = 0; k < kEnd; k++)`, () =>
    w.scoped(() => {
      const av = rows.map((m) => w.bind(e.value(a, [...aBatch, m, "k"]), "x"));
      const bv = cols.map((n) => w.bind(e.value(b, [...bBatch, "k", n]), "y"));
      for (let ii = 0; ii < TM; ii++)
        for (let jj = 0; jj < TN; jj++)
          w.line(`${acc(ii, jj)} = fma(${av[ii]}, ${bv[jj]}, ${acc(ii, jj)});`);
    }),
  );
  for (let ii = 0; ii < TM; ii++)
    for (let jj = 0; jj < TN; jj++) {
      const idx = [...bIdx, exactM ? rows[ii]! : `i0 + ${ii}`, exactN ? cols[jj]! : `j0 + ${jj}`];
      const epilogue = () => {
        w.remember(mm, idx, acc(ii, jj));
        store(flatten(idx, out.shape), e.value(out, idx));
      };
      const guards = [
        ...(exactM ? [] : [`i0 + ${ii} < ${M}`]),
        ...(exactN ? [] : [`j0 + ${jj} < ${N}`]),
      ];
      // Unguarded stores share loads (a bias, say) between the tile's elements.
      if (guards.length === 0) epilogue();
      else w.block(`if (${guards.join(" && ")})`, () => w.scoped(epilogue));
    }
  return {
    invocations,
    split: `${TM}x${TN} output tile per invocation: ${invocations} invocations (${batch} x ${tilesM} x ${tilesN}) in workgroups of ${workgroupSize}, k = ${K}`,
  };
}

/** Ops fused after a loop node (its epilogue) and before it (its operands' prologue). */
function fusedAround(group: KernelGroup, main: Node): [number, number] {
  const inGroup = new Set(group.nodes);
  const before = new Set<Node>();
  const stack = [...main.inputs];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (!inGroup.has(n) || before.has(n)) continue;
    before.add(n);
    stack.push(...n.inputs);
  }
  const count = (ns: Iterable<Node>) =>
    [...ns].filter((n) => !["const", "broadcast", "reshape", "transpose"].includes(n.op)).length;
  return [count(group.nodes.filter((n) => n !== main && !before.has(n))), count(before)];
}
