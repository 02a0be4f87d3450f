/**
 * @file Emission of a Plan from compiled graphs: lays out the arenas (inputs, parameters,
 * gradients in the parameters' layout, optimizer moments, host-read outputs, temporaries), each
 * split into chunks that fit one storage binding, fuses each program into kernels, plans
 * temporary memory by liveness, splits merged dispatches that would bind too many storage
 * buffers, appends the optimizer update, and writes it all out as plain data.
 */
import type { Span } from "../diag/diagnostic.js";
import { formatSpan } from "../ir/print.js";
import type { Graph, Node } from "../ir/node.js";
import type { ParamRules } from "../parser/check/values.js";
import { fuseKernels, policyOf, type FusionOptions, type KernelGroup } from "./fuse.js";
import { ruleOn } from "./fusion-policy.js";
import {
  assembleKernel,
  writePart,
  type KernelPart,
  type KernelSource,
  type Location,
} from "./kernel.js";
import {
  arenaOf,
  chunkElements,
  ChunkedLayout,
  ChunkedTemps,
  chunkIndex,
  chunkName,
  defaultLimits,
  rounded,
  type BindingLimits,
  type ChunkSlot,
} from "./memory.js";
import {
  gradNormKernels,
  optimizerKernel,
  uniformFields,
  type OptimizerSpec,
} from "./optimizer.js";
import type {
  Plan,
  PlanBuffer,
  PlanDispatch,
  PlanKernel,
  PlanParam,
  PlanProgram,
  PlanTensor,
} from "./plan.js";

export interface EmitInput {
  /** Forward and backward: outputs `loss`, `metric:*`, model outputs and `d_<param>`. */
  readonly training: Graph;
  /** Forward only, with `training()` = 0: outputs `loss`, `metric:*` and model outputs. */
  readonly evaluation: Graph;
  readonly params: readonly { readonly name: string; readonly init: PlanParam["init"] }[];
  readonly optimizer: OptimizerSpec;
  /** The train section's `freeze` and `groups` per parameter (a frozen one has no `d_<param>`). */
  readonly paramRules?: ParamRules;
  /** Clip the global gradient norm (the limit itself is the uniform `clip`). */
  readonly clipGradNorm?: boolean;
  /** Source texts by path, for `.grove` locations in kernel headers. */
  readonly sources?: ReadonlyMap<string, string>;
}

export interface EmitOptions extends FusionOptions {
  /** The binding limits the plan respects (default: WebGPU's defaults). */
  readonly limits?: BindingLimits;
  /** Also emit each program's quick-to-compile variant (`PlanProgram.quick`). */
  readonly quick?: boolean;
  /**
   * Called once with each kernel's origin (indexed like `Plan.kernels`), for reports: the Plan
   * itself stays plain data without IR nodes.
   */
  readonly explain?: (origins: readonly KernelOrigin[]) => void;
}

/** Where a kernel of the Plan came from: its fused groups, or the optimizer's own kernels. */
export interface KernelOrigin {
  readonly role: "fused" | "copy" | "grad-norm" | "optimizer";
  /** The groups of its parts (empty for the optimizer's kernels). */
  readonly groups: readonly KernelGroup[];
  /** Which graph they came from. */
  readonly program: "train" | "eval";
}

/**
 * A plan that cannot respect the binding limits: a tensor larger than one binding, or a kernel
 * that alone binds more storage buffers than allowed. `compilePlan` reports it as a diagnostic.
 */
export class PlanLimitError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly span: Span | undefined,
    /** What the span shows, for the diagnostic's label. */
    readonly label: string,
    readonly help: string,
    /** The fused group's nodes, when a group binds too many buffers (`emitPlan` splits it). */
    readonly nodes?: readonly Node[],
  ) {
    super(message);
    this.name = "PlanLimitError";
  }
}

/**
 * Why the next part of a stage cannot join the dispatch being assembled: each rule a predicate
 * over the storage arenas the dispatch binds so far and the part, with its reason.
 */
export const dispatchSplitReasons: readonly (readonly [
  name: string,
  test: (bound: ReadonlySet<string>, part: KernelPart, limits: BindingLimits) => boolean,
  reason: string,
])[] = [
  [
    "storage-buffers",
    (bound, part, limits) =>
      new Set([...bound, ...part.arenas.keys()]).size > limits.maxStorageBuffersPerShaderStage,
    "a merged dispatch binds every arena chunk its parts touch, and a shader stage binds at most maxStorageBuffersPerShaderStage",
  ],
];

/**
 * Why a kernel cannot be emitted at all, over the storage arenas it binds by itself (one fusion
 * group, or an optimizer kernel), with its reason. A group is never split.
 */
export const kernelRefusals: readonly (readonly [
  name: string,
  test: (storage: ReadonlySet<string>, limits: BindingLimits) => boolean,
  reason: string,
])[] = [
  [
    "kernel-storage-buffers",
    (storage, limits) => storage.size > limits.maxStorageBuffersPerShaderStage,
    "it alone reads and writes more arena chunks than a shader stage may bind",
  ],
];

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);
const sameLocation = (a: Location, b: Location) => a.arena === b.arena && a.offset === b.offset;

/**
 * Emits the Plan. A fused group that would bind more storage buffers than a shader stage may
 * (its inputs and output spread over too many arena chunks) is split: its nodes become kernels of
 * their own (`forcedRoots`, the fusion rule `too-many-buffers`) and the plan is emitted again. A
 * kernel that still binds too many, one primitive or the optimizer, is a `PlanLimitError` (G0803).
 */
export function emitPlan(input: EmitInput, options: EmitOptions): Plan {
  let forced: ReadonlySet<Node> = options.forcedRoots ?? new Set();
  for (;;) {
    try {
      return emitOnce(input, { ...options, forcedRoots: forced });
    } catch (e) {
      const more = e instanceof PlanLimitError ? (e.nodes ?? []).filter((n) => !forced.has(n)) : [];
      if (more.length === 0 || more.every((n) => n.op === "const")) throw e;
      forced = new Set([...forced, ...more]);
    }
  }
}

function emitOnce(input: EmitInput, options: EmitOptions): Plan {
  const limits = options.limits ?? defaultLimits;
  const capacity = chunkElements(limits);
  const where = (s: Span | undefined) =>
    s ? formatSpan(s, input.sources ? { sources: input.sources } : {}) : "";
  /** Refuses a tensor larger than one binding: it cannot be split across arena chunks. */
  const fits = (what: string, shape: readonly number[], span: Span | undefined): void => {
    if (rounded(size(shape)) <= capacity) return;
    const bytes = 4 * size(shape);
    const at = where(span);
    throw new PlanLimitError(
      "G0802",
      `${what} of shape [${shape.join(", ")}] needs ${bytes} bytes, more than the ${4 * capacity} bytes one storage binding may hold${at ? ` (${at})` : ""}`,
      span,
      "this tensor",
      "a single tensor cannot be split across bindings: use a smaller `batch` or a smaller layer, or compile for a device with larger limits",
    );
  };

  const params = new ChunkedLayout(capacity);
  const inputs = new ChunkedLayout(capacity);
  const outputs = new ChunkedLayout(capacity);
  const at = (arena: string, slot: ChunkSlot): Location => ({
    arena: chunkName(arena, slot.chunk),
    offset: slot.offset,
  });
  const paramTensors: (PlanParam & { readonly slot: ChunkSlot })[] = input.params.map((p) => {
    const node = input.training.params.get(p.name)!;
    fits(`parameter \`${p.name}\``, node.shape, node.span);
    const slot = params.place(p.name, size(node.shape));
    return {
      name: p.name,
      buffer: 0,
      offset: slot.offset,
      slot,
      shape: node.shape,
      dtype: "f32",
      init: p.init,
    };
  });
  const inputTensors: (PlanTensor & { readonly arena: string })[] = [];
  for (const g of [input.training, input.evaluation])
    for (const [name, n] of g.inputs)
      if (!inputs.at.has(name)) {
        fits(`input \`${name}\``, n.shape, n.span);
        const loc = at("inputs", inputs.place(name, size(n.shape)));
        inputTensors.push({
          name,
          arena: loc.arena,
          buffer: 0,
          offset: loc.offset,
          shape: n.shape,
          dtype: n.dtype,
        });
      }

  const hostOutputs = (g: Graph, all: boolean) =>
    [...g.outputs].filter(
      ([name]) => !name.startsWith("d_") && (all || name === "loss" || name.startsWith("metric:")),
    );
  const outputTensors: (PlanTensor & { readonly arena: string })[] = [];
  for (const [name, n] of hostOutputs(input.evaluation, true)) {
    fits(`output \`${name}\``, n.shape, n.span);
    const loc = at("outputs", outputs.place(name, size(n.shape)));
    outputTensors.push({
      name,
      arena: loc.arena,
      buffer: 0,
      offset: loc.offset,
      shape: n.shape,
      dtype: n.dtype,
    });
  }

  const kernels: PlanKernel[] = [];
  const origins: KernelOrigin[] = [];
  let nextKernel = 0;
  const temps = new ChunkedTemps(capacity);

  // Every kernel's header names it by its index, so no two are identical; the runtime's pipeline
  // cache is keyed by WGSL text in any case.
  const addKernel = (src: KernelSource, origin: KernelOrigin): PlanDispatch => {
    const storage = src.arenas.filter((a) => a.access !== "uniform").map((a) => a.arena);
    refuseKernel(new Set(storage), `kernel ${src.name}`);
    const id = kernels.length;
    origins.push(origin);
    kernels.push({
      id,
      name: src.name,
      wgsl: src.wgsl,
      bindings: src.arenas.map((a) => a.access),
      workgroupSize: src.workgroupSize as [number, number, number],
      ops: src.ops,
      flops: src.flops,
      bytesRead: src.bytesRead,
      bytesWritten: src.bytesWritten,
    });
    return {
      kernel: id,
      buffers: src.arenas.map((a) => arenaId(a.arena)),
      workgroups: src.workgroups,
    };
  };

  /**
   * Kernels of one program. Groups are scheduled in stages by dependency depth; with fusion on,
   * the groups of a stage share one dispatch unless a `dispatchSplitReasons` rule splits it.
   * Temporaries are allocated per stage and freed after the last stage that reads them, so parts
   * of one stage never overlap in memory.
   */
  const dispatchesOf = (
    g: Graph,
    names: readonly [string, Node][],
    withGrads: boolean,
  ): { dispatches: PlanDispatch[]; quick: PlanDispatch[] } => {
    const program: KernelOrigin["program"] = withGrads ? "train" : "eval";
    const merge = ruleOn(policyOf(options), "merge-stage");
    const fused = (
      batch: readonly KernelPart[],
      role: KernelOrigin["role"] = "fused",
    ): KernelOrigin => ({
      role,
      groups: batch.map((p) => p.group),
      program,
    });
    // Each host-visible name has a slot of its own. Names whose values simplified to one node (a
    // metric that is also a model output, two parameters with the same gradient) share that
    // node's kernel, which stores into the first name's slot; `aliases` copies it to the others.
    const wanted = new Map<Node, Location>();
    const aliases: { node: Node; store: Location }[] = [];
    const want = (n: Node, store: Location) => {
      if (!wanted.has(n)) wanted.set(n, store);
      else if (!sameLocation(wanted.get(n)!, store)) aliases.push({ node: n, store });
    };
    for (const [name, n] of names) {
      fits(`output \`${name}\``, n.shape, n.span);
      want(n, at("outputs", outputs.place(name, size(n.shape))));
    }
    if (withGrads)
      for (const p of input.params)
        if (!input.paramRules?.[p.name]?.frozen)
          want(g.outputs.get(`d_${p.name}`)!, at("grads", params.at.get(p.name)!));
    const groups = fuseKernels(g, [...wanted.keys()], options);
    const location = new Map<Node, Location>();
    for (const [name, n] of g.inputs) location.set(n, at("inputs", inputs.at.get(name)!));
    for (const [name, n] of g.params) location.set(n, at("params", params.at.get(name)!));
    const locate = (n: Node) => location.get(n) ?? wanted.get(n);
    const stages = schedule(groups, merge);
    const stageOf = new Map<Node, number>();
    stages.forEach((stage, s) => stage.forEach((grp) => stageOf.set(grp.output, s)));
    const lastUse = new Map<Node, number>();
    stages.forEach((stage, s) => {
      for (const grp of stage)
        for (const n of grp.nodes) for (const i of n.inputs) lastUse.set(i, s);
    });
    const live: { node: Node; slot: ChunkSlot }[] = [];
    const dispatches: PlanDispatch[] = [];
    const quick: PlanDispatch[] = [];
    const context = (store: Location, fast: boolean) => ({
      location: locate,
      store,
      where,
      subgroups: options.subgroups ?? false,
      treeReductions: options.treeReductions ?? false,
      quick: fast,
    });
    stages.forEach((stage, s) => {
      const parts = stage.map((grp) => {
        const store = wanted.get(grp.output) ?? storeTemp(grp, locate);
        const part = writePart(grp, context(store, false));
        const out = grp.output;
        refuseKernel(
          new Set(part.arenas.keys()),
          `the kernel computing \`${out.op}\` [${out.shape.join(", ")}]`,
          out.span,
          grp.nodes,
        );
        location.set(grp.output, store);
        return part;
      });
      const first = dispatches.length;
      const firstKernel = nextKernel;
      for (const batch of splitDispatch(parts, limits))
        dispatches.push(addKernel(assembleKernel(batch, nextKernel++), fused(batch)));
      if (options.quick) {
        // The same groups and stores, products untiled; a stage without a tiled product is shared.
        const quickParts = stage.map((grp) =>
          writePart(grp, context(location.get(grp.output)!, true)),
        );
        if (quickParts.every((p, i) => p.body === parts[i]!.body))
          quick.push(...dispatches.slice(first));
        else
          splitDispatch(quickParts, limits).forEach((batch, j) =>
            quick.push(addKernel(assembleKernel(batch, `${firstKernel + j}q`), fused(batch))),
          );
      }
      for (let j = live.length - 1; j >= 0; j--) {
        const { node, slot } = live[j]!;
        if ((lastUse.get(node) ?? stageOf.get(node)!) <= s) {
          temps.free(slot, size(node.shape));
          live.splice(j, 1);
        }
      }
    });
    // The copies read only slots that are never freed and write only their own: one stage.
    const copies = aliases.map(({ node, store }) => ({
      part: writePart({ output: node, nodes: [], rule: "graph-output" }, context(store, false)),
      store,
    }));
    const copyStages = merge ? [copies] : copies.map((c) => [c]);
    for (const stage of copyStages.filter((st) => st.length > 0)) {
      const batches = splitDispatch(
        stage.map((c) => c.part),
        limits,
      ).map((batch) => addKernel(assembleKernel(batch, nextKernel++), fused(batch, "copy")));
      dispatches.push(...batches);
      quick.push(...batches);
    }
    return { dispatches, quick };

    /** A temporary for a group's output, preferring the temps chunks the group already reads. */
    function storeTemp(grp: KernelGroup, locate: (n: Node) => Location | undefined): Location {
      fits(`the result of \`${grp.output.op}\``, grp.output.shape, grp.output.span);
      const preferred: number[] = [];
      for (const n of grp.nodes)
        for (const i of n.inputs) {
          const loc = locate(i);
          if (loc && arenaOf(loc.arena) === "temps") preferred.push(chunkIndex(loc.arena));
        }
      const slot = temps.allocate(size(grp.output.shape), preferred);
      live.push({ node: grp.output, slot });
      return at("temps", slot);
    }
  };

  /** Refuses a kernel (`what`, computing the value at `span`) that no split can make fit. */
  const refuseKernel = (
    storage: ReadonlySet<string>,
    what: string,
    span?: Span,
    nodes?: readonly Node[],
  ): void => {
    const hit = kernelRefusals.find(([, test]) => test(storage, limits));
    if (!hit) return;
    const here = where(span);
    throw new PlanLimitError(
      "G0803",
      `${what}${here ? ` (${here})` : ""} binds ${storage.size} storage buffers (${[...storage].join(", ")}), more than the ${limits.maxStorageBuffersPerShaderStage} a shader stage may bind: ${hit[2]}`,
      span,
      "this kernel's result",
      "raise maxStorageBufferBindingSize so that fewer arena chunks are needed, or use a smaller `batch`",
      nodes,
    );
  };

  const arenaNames = ["inputs", "params", "grads", "outputs", "temps"];
  const arenaId = (name: string): number => {
    let i = arenaNames.indexOf(name);
    if (i < 0) {
      arenaNames.push(name);
      i = arenaNames.length - 1;
    }
    return i;
  };

  const trainProgram = dispatchesOf(input.training, hostOutputs(input.training, false), true);
  // The gradient norm and the optimizer have no products: both variants share their dispatches.
  const trainDispatches = trainProgram.dispatches;
  const updates = trainDispatches.length;
  // No parameters, nothing to update (a forward-only plan): no optimizer kernel.
  const hasParams = params.total > 0;
  const clipping = (input.clipGradNorm ?? false) && hasParams;
  const split = params.sizes.length > 1;
  const norm = clipping ? at("outputs", outputs.place("grad_norm", 1)) : undefined;
  if (norm) {
    const chunks = params.sizes.map((count, k) => ({ arena: chunkName("grads", k), count }));
    for (const src of gradNormKernels(chunks, norm, limits.maxStorageBuffersPerShaderStage))
      trainDispatches.push(addKernel(src, { role: "grad-norm", groups: [], program: "train" }));
    outputTensors.push({
      name: "grad_norm",
      arena: norm.arena,
      buffer: 0,
      offset: norm.offset,
      shape: [],
      dtype: "f32",
    });
  }
  const moments: string[] = [];
  if (hasParams)
    params.sizes.forEach((count, k) => {
      const ranges = paramTensors.flatMap((p) => {
        const rule = input.paramRules?.[p.name];
        const start = p.slot.offset;
        return rule && p.slot.chunk === k ? [{ start, end: start + size(p.shape), rule }] : [];
      });
      const opt = optimizerKernel(input.optimizer, count, norm, split ? k : undefined, ranges);
      trainDispatches.push(
        addKernel(opt.source, { role: "optimizer", groups: [], program: "train" }),
      );
      if (k === 0) moments.push(...opt.moments);
    });
  for (const m of moments) params.sizes.forEach((_, k) => arenaId(chunkName(`state_${m}`, k)));
  trainProgram.quick.push(...trainDispatches.slice(updates));
  const evalProgram = dispatchesOf(input.evaluation, hostOutputs(input.evaluation, true), false);

  const counts = new Map<string, number>();
  const chunked = (arena: string, sizes: readonly number[]) =>
    sizes.forEach((n, k) => counts.set(chunkName(arena, k), n));
  chunked("inputs", inputs.sizes);
  chunked("params", params.sizes);
  chunked("grads", params.sizes);
  for (const m of moments) chunked(`state_${m}`, params.sizes);
  chunked("outputs", outputs.sizes);
  chunked("temps", temps.peaks);
  counts.set("uniform", uniformFields(clipping).length);
  arenaId("uniform");
  for (const name of counts.keys()) arenaId(name);
  const buffers: PlanBuffer[] = arenaNames.map((name, id) => ({
    id,
    name,
    kind: arenaKind(name),
    bytes: 4 * Math.max(4, counts.get(name)!),
    dtype: "f32",
  }));
  const placed = (t: PlanTensor & { readonly arena: string }): PlanTensor => ({
    name: t.name,
    buffer: arenaId(t.arena),
    offset: t.offset ?? 0,
    shape: t.shape,
    dtype: t.dtype,
  });
  const programs: Record<string, PlanProgram> = {
    train: {
      dispatches: trainDispatches,
      ...(options.quick ? { quick: trainProgram.quick } : {}),
      inputs: [...input.training.inputs.keys()],
      outputs: [
        ...hostOutputs(input.training, false).map(([n]) => n),
        ...(clipping ? ["grad_norm"] : []),
      ],
    },
    eval: {
      dispatches: evalProgram.dispatches,
      ...(options.quick ? { quick: evalProgram.quick } : {}),
      inputs: [...input.evaluation.inputs.keys()],
      outputs: hostOutputs(input.evaluation, true).map(([n]) => n),
    },
  };
  /** Where a parameter's counterpart (itself, its gradient, a moment) lives in `arena`. */
  const like = (arena: string, p: (typeof paramTensors)[number]) => ({
    buffer: arenaId(chunkName(arena, p.slot.chunk)),
    offset: p.slot.offset,
    shape: p.shape,
    dtype: "f32" as const,
  });
  options.explain?.(origins);
  return {
    version: 1,
    buffers,
    kernels,
    programs,
    inputs: inputTensors.map(placed),
    params: paramTensors.map((p) => ({ name: p.name, ...like("params", p), init: p.init })),
    state: moments.flatMap((m) =>
      paramTensors.map((p) => ({
        name: `${m}:${p.name}`,
        param: p.name,
        ...like(`state_${m}`, p),
      })),
    ),
    grads: paramTensors.map((p) => ({ name: p.name, ...like("grads", p) })),
    outputs: outputTensors.map(placed),
    uniforms: { buffer: arenaId("uniform"), fields: uniformFields(clipping) },
    peakBytes: buffers.reduce((s, b) => s + b.bytes, 0),
  };
}

/**
 * The dispatches one stage's parts run in: in order, a part joins the current dispatch unless a
 * `dispatchSplitReasons` rule says otherwise. Parts of a stage are independent, so any split is
 * correct; without a limit hit it is the stage's single dispatch.
 */
function splitDispatch(parts: readonly KernelPart[], limits: BindingLimits): KernelPart[][] {
  const batches: KernelPart[][] = [];
  let bound = new Set<string>();
  for (const part of parts) {
    const current = batches.at(-1);
    if (!current || dispatchSplitReasons.some(([, test]) => test(bound, part, limits))) {
      batches.push([part]);
      bound = new Set(part.arenas.keys());
    } else {
      current.push(part);
      for (const a of part.arenas.keys()) bound.add(a);
    }
  }
  return batches;
}

function arenaKind(chunk: string): PlanBuffer["kind"] {
  const name = arenaOf(chunk);
  if (name.startsWith("state_")) return "state";
  const kinds: Record<string, PlanBuffer["kind"]> = {
    inputs: "input",
    params: "param",
    outputs: "output",
    uniform: "uniform",
    grads: "grad",
  };
  return kinds[name] ?? "temp";
}

/**
 * Stages of groups: each group runs one stage after the latest group it reads. Without fusion
 * every group is a stage of its own, in graph order.
 */
function schedule(groups: readonly KernelGroup[], merge: boolean): KernelGroup[][] {
  if (!merge) return groups.map((g) => [g]);
  const byOutput = new Map(groups.map((g) => [g.output, g]));
  const depth = new Map<KernelGroup, number>();
  for (const g of groups) {
    let d = 0;
    for (const n of g.nodes)
      for (const i of n.inputs) {
        const dep = byOutput.get(i);
        if (dep && dep !== g) d = Math.max(d, depth.get(dep)! + 1);
      }
    depth.set(g, d);
  }
  const stages: KernelGroup[][] = [];
  for (const g of groups) (stages[depth.get(g)!] ??= []).push(g);
  return stages;
}
