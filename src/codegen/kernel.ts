/**
 * @file Writes one WGSL compute kernel for a fusion group, choosing its template: a register-tiled
 * product, a tree reduction (a workgroup per output), four elements per invocation as `vec4<f32>`,
 * or one invocation per output element. Inputs are read from arena buffers at fixed offsets,
 * inlined nodes computed on the way, an optional loop node carried through its epilogue, and the
 * result stored once. Every kernel starts with a header naming the IR nodes it fused and their
 * `.grove` locations, and how the work is split.
 */
import type { Span } from "../diag/diagnostic.js";
import { comment } from "../diag/escape.js";
import type { Node, NodeOf } from "../ir/node.js";
import type { BindingAccess } from "./plan.js";
import type { KernelGroup } from "./fuse.js";
import { helperCode } from "./wgsl/helpers.js";
import {
  quickTileFor,
  subgroupTileFor,
  tileForProduct,
  useTreeReduction,
  workgroupSize,
} from "./tiles.js";

export { workgroupSize };
import {
  broadcastIndex,
  reducedCount,
  reductionInputIndex,
  reductionRules,
  wgslRules,
  type Emitter,
  type ReductionOp,
} from "./wgsl/rules.js";
import { operandKind, vectorMode, vectorRules, type VectorMode } from "./wgsl/vector.js";
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
  const main = group.main ?? (gemmOps.has(out.op) ? out : undefined);
  const layout =
    (main && tiledLayout(w, emitter, group, main, store, ctx.subgroups ?? false, ctx.quick)) ??
    (ctx.treeReductions ? treeLayout(w, emitter, group, store) : undefined) ??
    vectorLayout(w, emitter, group, load, store) ??
    elementwiseBody(w, emitter, group, store);
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
    ...(layout.collective ? { collective: layout.collective } : {}),
  };
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

/** The load of a stored node at the flat index `at(offset)`; undefined for a node computed here. */
type Load = (node: Node, at: (offset: number) => string) => string | undefined;

const gemmOps = new Set(["matmul", "conv2d", "conv2d_filter_grad", "conv2d_input_grad"]);

/** The tiled template for a product big enough to tile; undefined otherwise. */
function tiledLayout(
  w: Writer,
  e: Emitter,
  group: KernelGroup,
  main: Node,
  store: Store,
  subgroups: boolean,
  quick = false,
): Layout | undefined {
  if (!gemmOps.has(main.op)) return undefined;
  // Sizes first: decoding writes index names, so only build the view once a tile is chosen.
  const dims = gemmDims(main);
  const around = fusedAround(group, main);
  if (quick && main.op === "matmul") {
    const k = main.inputs[0]!.shape.at(-1)!;
    const tile = quickTileFor(dims.batch, dims.m, dims.n, k, ...around);
    return tile && tiledBody(w, e, group, main, gemmOf(w, e, main)!, tile, store);
  }
  const shared = subgroups ? subgroupTileFor(dims.batch, dims.m, dims.n, ...around) : undefined;
  if (shared) return subgroupBody(w, e, group, main, gemmOf(w, e, main)!, shared, store);
  const tile = tileForProduct(dims.batch, dims.m, dims.n, ...around);
  if (!tile) return undefined;
  return tiledBody(w, e, group, main, gemmOf(w, e, main)!, tile, store);
}

/** Batch, rows and columns of a product's GEMM view, without writing any code. */
function gemmDims(n: Node): { batch: number; m: number; n: number } {
  const s = n.shape;
  if (n.op === "matmul")
    return {
      batch: s.slice(0, -2).reduce((p, d) => p * d, 1),
      m: s[s.length - 2]!,
      n: s[s.length - 1]!,
    };
  if (n.op === "conv2d") return { batch: 1, m: s[1]!, n: s[0]! * s[2]! * s[3]! };
  if (n.op === "conv2d_filter_grad") return { batch: 1, m: s[0]!, n: s[1]! * s[2]! * s[3]! };
  return { batch: 1, m: s[0]! * s[2]! * s[3]!, n: s[1]! };
}

interface Layout {
  readonly invocations: number;
  /** How the work is split, for the kernel header. */
  readonly split: string;
  /** The body works a workgroup at a time (see `KernelPart.collective`). */
  readonly collective?: "subgroup" | "workgroup";
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

const reductionOps: ReadonlySet<string> = new Set<ReductionOp>(["sum", "mean", "max"]);

/** Workgroup memory of the tree template, one f32 per lane; parts of a dispatch share it. */
const treeMemory = "g_tree";

/**
 * The tree reduction template, for a reduction (possibly with an epilogue) with few outputs and a
 * long extent (`useTreeReduction`): one workgroup per output. Each lane folds every 64th element
 * of the reduced extent (prologue ops computed as they are read), the lanes' partial results are
 * combined pairwise in workgroup memory over log2(64) barrier rounds, and lane 0 finishes the
 * reduction, runs the epilogue and stores. Barriers need uniform control flow: the part is chosen
 * by workgroup index and returns early only by `w`. i32 reductions keep the serial loop.
 */
function treeLayout(w: Writer, e: Emitter, group: KernelGroup, store: Store): Layout | undefined {
  const out = group.output;
  const red = group.main ?? out;
  if (!reductionOps.has(red.op) || red.dtype !== "f32") return undefined;
  const node = red as NodeOf<ReductionOp>;
  const x = node.inputs[0]!;
  const outputs = node.shape.reduce((p, d) => p * d, 1);
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

/**
 * The vectorised elementwise template, for a group with no loop node whose values all fit
 * `vectorMode`: each invocation computes four consecutive output elements with `vec4<f32>` math.
 * A stored operand at a vector position is read as four scalar loads (the arenas stay
 * `array<f32>`, shared with every other part of the dispatch; offsets are multiples of 4
 * elements); an operand that is one value for all four (a splat) is computed once by the scalar
 * rules. The result is stored as four scalar stores.
 */
function vectorLayout(
  w: Writer,
  e: Emitter,
  group: KernelGroup,
  load: Load,
  store: Store,
): Layout | undefined {
  const out = group.output;
  if (group.main) return undefined;
  const inGroup = new Set(group.nodes);
  const mode = vectorMode(out, inGroup);
  if (!mode) return undefined;
  const total = out.shape.reduce((p, d) => p * d, 1);
  const invocations = total / 4;
  w.line(`if (t >= ${invocations}) { return; }`);
  w.line("let f = t * 4;");
  // inner: the multi-index of the first of the four elements; flat: the flat index itself.
  const idx = mode === "inner" ? unflatten("f", out.shape).map((v) => w.bind(v, "i")) : ["f"];
  const value = vectorValue(w, e, mode, out.shape, load);
  const v = value(out, idx);
  ["x", "y", "z", "w"].forEach((c, j) => store(j === 0 ? "f" : `f + ${j}`, `${v}.${c}`));
  return {
    invocations,
    split: `4 consecutive elements per invocation as vec4<f32> (${mode === "inner" ? "along the last axis" : "at the same flat index"}; 4 scalar loads per stored operand): ${invocations} invocations in workgroups of ${workgroupSize}`,
  };
}

/**
 * The vec4 value of a node at a vector position: `idx` is its own multi-index of the first of
 * the four elements (inner mode) or the flat index (flat mode, where every vector-position node
 * has the output's shape).
 */
function vectorValue(
  w: Writer,
  e: Emitter,
  mode: VectorMode,
  outShape: readonly number[],
  load: Load,
): (node: Node, idx: Index) => string {
  const value = (node: Node, idx: Index): string => {
    const key = ["vec4", ...idx];
    const hit = w.recall(node, key);
    if (hit !== undefined) return hit;
    const first = mode === "inner" ? flatten(idx, node.shape) : "f";
    const lane = (j: number) => (o: number) => (o + j ? `${first} + ${o + j}` : first);
    let expr: string;
    if (load(node, lane(0))) {
      expr = `vec4<f32>(${[0, 1, 2, 3].map((j) => load(node, lane(j))).join(", ")})`;
    } else {
      const operands = node.inputs.map((input) => {
        const at = mode === "inner" ? broadcastIndex(idx, node.shape, input.shape) : idx;
        if (operandKind(mode, outShape, input) === "vector") return value(input, at);
        const scalar = e.value(input, mode === "inner" ? at : input.shape.map(() => "0"));
        return w.bind(`vec4<f32>(${scalar})`, "s");
      });
      expr = vectorRules[node.op]!(e, operands);
    }
    const name = w.bind(expr, "u");
    w.remember(node, key, name);
    return name;
  };
  return value;
}

/**
 * A product seen as a GEMM: `batch` independent M x N outputs, each a sum over K of A(m, k) ·
 * B(k, n). Rows, columns and steps of k are decoded once (into index names) and reused by every
 * load of the tile; `out` maps a row and a column to the loop node's own multi-index.
 */
interface Gemm {
  readonly batchShape: readonly number[];
  readonly M: number;
  readonly N: number;
  readonly K: number;
  row(m: string): string[];
  col(n: string): string[];
  step(k: string): string[];
  a(batch: Index, row: readonly string[], step: readonly string[]): string;
  b(batch: Index, step: readonly string[], col: readonly string[]): string;
  out(batch: Index, row: readonly string[], col: readonly string[]): Index;
}

/** The GEMM view of a loop node, for matmul and the three convolutions (implicit GEMM). */
function gemmOf(w: Writer, e: Emitter, node: Node): Gemm | undefined {
  const dec = (x: string, shape: readonly number[], p: string) =>
    unflatten(x, shape).map((v) => w.bind(v, p));
  const inside = (ih: string, iw: string, H: number, W: number) =>
    `${ih} >= 0 && ${ih} < ${H} && ${iw} >= 0 && ${iw} < ${W}`;
  const clampTo = (v: string, n: number) => `clamp(${v}, 0, ${n - 1})`;
  switch (node.op) {
    case "matmul": {
      const [a, b] = node.inputs as [Node, Node];
      const r = node.shape.length;
      const batchShape = node.shape.slice(0, -2);
      const aB = (bi: Index) => broadcastIndex(bi, batchShape, a.shape.slice(0, -2));
      const bB = (bi: Index) => broadcastIndex(bi, batchShape, b.shape.slice(0, -2));
      return {
        batchShape,
        M: node.shape[r - 2]!,
        N: node.shape[r - 1]!,
        K: a.shape[a.shape.length - 1]!,
        row: (m) => [m],
        col: (n) => [n],
        step: (k) => [k],
        a: (bi, [m], [k]) => e.value(a, [...aB(bi), m!, k!]),
        b: (bi, [k], [n]) => e.value(b, [...bB(bi), k!, n!]),
        out: (bi, [m], [n]) => [...bi, m!, n!],
      };
    }
    case "conv2d": {
      // y[n,o,oh,ow] = sum over (c,kh,kw) of w[o,c,kh,kw] · x[n,c,oh·s-p+kh,ow·s-p+kw]
      const [x, wt] = node.inputs as [Node, Node];
      const [N, O, OH, OW] = node.shape as [number, number, number, number];
      const [, C, H, W] = x.shape as [number, number, number, number];
      const [KH, KW] = [wt.shape[2]!, wt.shape[3]!];
      const { stride, padding } = node.attrs;
      return {
        batchShape: [],
        M: O,
        N: N * OH * OW,
        K: C * KH * KW,
        row: (m) => [m],
        col: (p) => {
          const [n, oh, ow] = dec(p, [N, OH, OW], "q");
          return [
            n!,
            w.bind(`${oh} * ${stride[0]} - ${padding[0]}`, "h"),
            w.bind(`${ow} * ${stride[1]} - ${padding[1]}`, "w"),
            oh!,
            ow!,
          ];
        },
        step: (k) => dec(k, [C, KH, KW], "s"),
        a: (_b, [o], [c, kh, kw]) => e.value(wt, [o!, c!, kh!, kw!]),
        b: (_b, [c, kh, kw], [n, h0, w0]) => {
          const ih = w.bind(`${h0} + ${kh}`, "ih");
          const iw = w.bind(`${w0} + ${kw}`, "iw");
          const v = e.value(x, [n!, c!, clampTo(ih, H), clampTo(iw, W)]);
          return `select(0.0, ${v}, ${inside(ih, iw, H, W)})`;
        },
        out: (_b, [o], [n, , , oh, ow]) => [n!, o!, oh!, ow!],
      };
    }
    case "conv2d_filter_grad": {
      // dw[o,c,kh,kw] = sum over (n,oh,ow) of dy[n,o,oh,ow] · x[n,c,oh·s-p+kh,ow·s-p+kw]
      const [x, dy] = node.inputs as [Node, Node];
      const [O, C, KH, KW] = node.shape as [number, number, number, number];
      const [N, , H, W] = x.shape as [number, number, number, number];
      const [, , OH, OW] = dy.shape as [number, number, number, number];
      const { stride, padding } = node.attrs;
      return {
        batchShape: [],
        M: O,
        N: C * KH * KW,
        K: N * OH * OW,
        row: (m) => [m],
        col: (j) => dec(j, [C, KH, KW], "q"),
        step: (k) => {
          const [n, oh, ow] = dec(k, [N, OH, OW], "s");
          return [
            n!,
            oh!,
            ow!,
            w.bind(`${oh} * ${stride[0]} - ${padding[0]}`, "h"),
            w.bind(`${ow} * ${stride[1]} - ${padding[1]}`, "w"),
          ];
        },
        a: (_b, [o], [n, oh, ow]) => e.value(dy, [n!, o!, oh!, ow!]),
        b: (_b, [n, , , h0, w0], [c, kh, kw]) => {
          const ih = w.bind(`${h0} + ${kh}`, "ih");
          const iw = w.bind(`${w0} + ${kw}`, "iw");
          const v = e.value(x, [n!, c!, clampTo(ih, H), clampTo(iw, W)]);
          return `select(0.0, ${v}, ${inside(ih, iw, H, W)})`;
        },
        out: (_b, [o], [c, kh, kw]) => [o!, c!, kh!, kw!],
      };
    }
    case "conv2d_input_grad": {
      // dx[n,c,h,w] = sum over (o,kh,kw) of dy[n,o,(h+p-kh)/s,(w+p-kw)/s] · w[o,c,kh,kw]
      const [dy, wt] = node.inputs as [Node, Node];
      const [N, C, H, W] = node.shape as [number, number, number, number];
      const [, O, OH, OW] = dy.shape as [number, number, number, number];
      const [KH, KW] = [wt.shape[2]!, wt.shape[3]!];
      const { stride, padding } = node.attrs;
      return {
        batchShape: [],
        M: N * H * W,
        N: C,
        K: O * KH * KW,
        row: (i) => dec(i, [N, H, W], "q"),
        col: (c) => [c],
        step: (k) => dec(k, [O, KH, KW], "s"),
        a: (_b, [n, h, wi], [o, kh, kw]) => {
          const th = w.bind(`${h} + ${padding[0]} - ${kh}`, "th");
          const tw = w.bind(`${wi} + ${padding[1]} - ${kw}`, "tw");
          const ok = `${th} >= 0 && ${tw} >= 0 && ${th} % ${stride[0]} == 0 && ${tw} % ${stride[1]} == 0 && ${th} / ${stride[0]} < ${OH} && ${tw} / ${stride[1]} < ${OW}`;
          const v = e.value(dy, [
            n!,
            o!,
            clampTo(`${th} / ${stride[0]}`, OH),
            clampTo(`${tw} / ${stride[1]}`, OW),
          ]);
          return `select(0.0, ${v}, ${ok})`;
        },
        b: (_b, [o, kh, kw], [c]) => e.value(wt, [o!, c!, kh!, kw!]),
        out: (_b, [n, h, wi], [c]) => [n!, c!, h!, wi!],
      };
    }
    default:
      return undefined;
  }
}

/**
 * Register-tiled product (a matmul, or a convolution as an implicit GEMM): each invocation
 * accumulates a TM x TN tile of the output in registers, reading TM values of A and TN of B per
 * step of k straight from storage (no workgroup memory: barriers are expensive on CPU-backed
 * adapters). Operands are rendered through the emitter, so transposes and im2col patches are
 * index arithmetic and cheap elementwise prologues (such as an activation-derivative mask) are
 * applied as the values are read. The epilogue (bias, activation, residual) runs on each
 * accumulator before its single store.
 */
function tiledBody(
  w: Writer,
  e: Emitter,
  group: KernelGroup,
  main: Node,
  g: Gemm,
  tile: readonly [number, number],
  store: Store,
): Layout {
  const out = group.output;
  const { M, N, K, batchShape } = g;
  const [TM, TN] = tile;
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
    g.row(w.bind(exactM ? `i0 + ${ii}` : `min(i0 + ${ii}, ${M - 1})`, "m")),
  );
  const cols = tileColumns(w, g, TN, N, exactN);
  // The bound is opaque to the shader compiler (t is never negative) so that it does not unroll
  // a short k loop completely: that multiplies the code, and CPU adapters compile it slowly.
  accumulateTile(w, g, bIdx, cols, TM, K, "t", (step) =>
    rows.map((row) => w.bind(g.a(bIdx, row, step), "x")),
  );
  storeTileByRows(
    w,
    e,
    out,
    main,
    g,
    bIdx,
    cols,
    { TM, TN, M, N },
    { m: exactM, n: exactN },
    "t",
    store,
  );
  return {
    invocations,
    split: `${TM}x${TN} output tile per invocation (${main.op} as a ${M}x${N}x${K} product): ${invocations} invocations (${batch} x ${tilesM} x ${tilesN}) in workgroups of ${workgroupSize}`,
  };
}

/**
 * The register-tiled product with subgroups: a workgroup shares one TM-row band (so its rows, the
 * loop bound and every subgroup operation are uniform) and spreads 64 column tiles over its lanes.
 * Per step of k each lane loads one A value per 8 rows (row `lane % 8` of each group) and
 * `subgroupBroadcast` hands row i's value to every lane, so A costs TM / 8 loads instead of TM; B
 * is read per lane as in `tiledBody`. On lavapipe every non-uniform storage load is a per-lane
 * scalar loop, so loads, not arithmetic, bound a product: this halves them. Needs a subgroup size
 * that is a multiple of 8 (lavapipe: 8) and at most the workgroup size.
 */
function subgroupBody(
  w: Writer,
  e: Emitter,
  group: KernelGroup,
  main: Node,
  g: Gemm,
  tile: readonly [number, number],
  store: Store,
): Layout {
  const out = group.output;
  const { M, N, K, batchShape } = g;
  const [TM, TN] = tile;
  const batch = batchShape.reduce((p, d) => p * d, 1);
  const tilesM = Math.ceil(M / TM);
  const tilesN = Math.ceil(N / TN);
  const bands = Math.ceil(tilesN / workgroupSize);
  const invocations = batch * tilesM * bands * workgroupSize;
  w.line(`let rt = w / ${bands};`);
  w.line(`let i0 = (rt % ${tilesM}) * ${TM};`);
  w.line(`let j0 = ((w % ${bands}) * ${workgroupSize} + t % ${workgroupSize}) * ${TN};`);
  const bIdx =
    batch > 1
      ? unflatten(w.bind(`rt / ${tilesM}`, "bt"), batchShape).map((x) => w.bind(x, "b"))
      : batchShape.map(() => "0");
  // Lanes past the last column tile still run (subgroup operations need every lane): their
  // columns are clamped and their stores skipped.
  const exactM = M % TM === 0;
  const exactN = N % TN === 0 && tilesN % workgroupSize === 0;
  const cols = tileColumns(w, g, TN, N, exactN);
  const laneRows = [...Array(TM / 8).keys()].map((q) =>
    g.row(
      w.bind(
        exactM ? `i0 + ${q * 8} + i32(lane % 8u)` : `min(i0 + ${q * 8} + i32(lane % 8u), ${M - 1})`,
        "m",
      ),
    ),
  );
  // Bounded by the uniform w, not by t: subgroupBroadcast must stay in uniform control flow.
  accumulateTile(w, g, bIdx, cols, TM, K, "w", (step) => {
    const mine = laneRows.map((row) => w.bind(g.a(bIdx, row, step), "x"));
    return [...Array(TM).keys()].map((ii) =>
      w.bind(`subgroupBroadcast(${mine[ii >> 3]}, ${ii & 7}u)`, "x"),
    );
  });
  storeTileByRows(
    w,
    e,
    out,
    main,
    g,
    bIdx,
    cols,
    { TM, TN, M, N },
    { m: exactM, n: exactN },
    "w",
    store,
  );
  return {
    invocations,
    collective: "subgroup",
    split: `${TM}x${TN} output tile per invocation, rows shared by subgroupBroadcast (${main.op} as a ${M}x${N}x${K} product): ${invocations} invocations (${batch} x ${tilesM} x ${bands} workgroups of ${workgroupSize} lanes over ${tilesN} column tiles)`,
  };
}

/** The column indices of a tile's TN columns from `j0`, clamped unless the tile is exact. */
function tileColumns(w: Writer, g: Gemm, TN: number, N: number, exact: boolean): string[][] {
  return [...Array(TN).keys()].map((jj) =>
    g.col(w.bind(exact ? `j0 + ${jj}` : `min(j0 + ${jj}, ${N - 1})`, "n")),
  );
}

/**
 * Declares the TM x TN accumulators `acc_i_j` and writes the k loop that fills them by FMA:
 * `rowValues(step)` gives A's TM values at step k, B's values come from `cols`. The loop bound
 * `select(K, 0, bound < 0)` is opaque to the shader compiler (`bound` is never negative).
 */
function accumulateTile(
  w: Writer,
  g: Gemm,
  bIdx: Index,
  cols: readonly string[][],
  TM: number,
  K: number,
  bound: string,
  rowValues: (step: string[]) => string[],
): void {
  const acc = (ii: number, jj: number) => `acc_${ii}_${jj}`;
  for (let ii = 0; ii < TM; ii++)
    for (let jj = 0; jj < cols.length; jj++) w.line(`var ${acc(ii, jj)} = 0.0;`);
  w.line(`let kEnd = select(${K}, 0, ${bound} < 0);`);
  w.block(`for (var k = 0; k < kEnd; k++)`, () =>
    w.scoped(() => {
      const step = g.step("k");
      const av = rowValues(step);
      const bv = cols.map((col) => w.bind(g.b(bIdx, step, col), "y"));
      for (let ii = 0; ii < TM; ii++)
        for (let jj = 0; jj < cols.length; jj++)
          w.line(`${acc(ii, jj)} = fma(${av[ii]}, ${bv[jj]}, ${acc(ii, jj)});`);
    }),
  );
}

/**
 * Stores a TM x TN accumulator tile one row at a time: a loop over the rows stores row 0 through
 * the epilogue, then shifts every row of accumulators up by one (register moves). That writes TN
 * store sites instead of TM x TN: lavapipe expands every non-uniform store into a branch per lane,
 * and LLVM's compile time grows faster than linearly in them (an unrolled 8x8 tile with its
 * epilogue took seconds to compile, a 32x8 one over a minute). `bound` (never negative) hides the
 * trip count so that the loop is not unrolled again.
 */
function storeTileByRows(
  w: Writer,
  e: Emitter,
  out: Node,
  main: Node,
  g: Gemm,
  bIdx: Index,
  cols: readonly string[][],
  tile: { readonly TM: number; readonly TN: number; readonly M: number; readonly N: number },
  exact: { readonly m: boolean; readonly n: boolean },
  bound: string,
  store: Store,
): void {
  const { TM, TN, M, N } = tile;
  const acc = (ii: number, jj: number) => `acc_${ii}_${jj}`;
  w.block(`for (var ri = 0; ri < select(${TM}, 0, ${bound} < 0); ri++)`, () =>
    w.scoped(() => {
      const row = g.row(w.bind(exact.m ? "i0 + ri" : `min(i0 + ri, ${M - 1})`, "m"));
      for (let jj = 0; jj < TN; jj++) {
        const idx = g.out(bIdx, row, cols[jj]!);
        const epilogue = () => {
          w.remember(main, idx, acc(0, jj));
          store(flatten(idx, out.shape), e.value(out, idx));
        };
        const guards = [
          ...(exact.m ? [] : [`i0 + ri < ${M}`]),
          ...(exact.n ? [] : [`j0 + ${jj} < ${N}`]),
        ];
        if (guards.length === 0) epilogue();
        else w.block(`if (${guards.join(" && ")})`, () => w.scoped(epilogue));
      }
      for (let ii = 0; ii + 1 < TM; ii++)
        for (let jj = 0; jj < TN; jj++) w.line(`${acc(ii, jj)} = ${acc(ii + 1, jj)};`);
    }),
  );
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
