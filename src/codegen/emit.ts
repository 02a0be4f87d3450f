/**
 * @file Emission of a Plan from compiled graphs: lays out the arenas (inputs, parameters,
 * gradients in the parameters' layout, optimizer moments, host-read outputs, temporaries),
 * fuses each program into kernels, plans temporary memory by liveness, appends the optimizer
 * update, and writes it all out as plain data.
 */
import { formatSpan } from "../ir/print.js";
import type { Graph, Node } from "../ir/node.js";
import { fuseKernels, type FusionOptions, type KernelGroup } from "./fuse.js";
import { assembleKernel, writePart, type KernelSource, type Location } from "./kernel.js";
import { gradNormKernel, optimizerKernel, uniformFields, type OptimizerSpec } from "./optimizer.js";
import type {
  Plan,
  PlanBuffer,
  PlanDispatch,
  PlanKernel,
  PlanParam,
  PlanProgram,
  PlanTensor,
} from "./plan.js";
import { TempAllocator } from "./memory.js";

export interface EmitInput {
  /** Forward and backward: outputs `loss`, `metric:*`, model outputs and `d_<param>`. */
  readonly training: Graph;
  /** Forward only, with `training()` = 0: outputs `loss`, `metric:*` and model outputs. */
  readonly evaluation: Graph;
  readonly params: readonly { readonly name: string; readonly init: PlanParam["init"] }[];
  readonly optimizer: OptimizerSpec;
  /** Clip the global gradient norm (the limit itself is the uniform `clip`). */
  readonly clipGradNorm?: boolean;
  /** Source texts by path, for `.grove` locations in kernel headers. */
  readonly sources?: ReadonlyMap<string, string>;
}

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** Consecutive regions of one arena. */
class Layout {
  readonly at = new Map<string, number>();
  total = 0;
  place(name: string, count: number): number {
    const existing = this.at.get(name);
    if (existing !== undefined) return existing;
    const offset = this.total;
    this.at.set(name, offset);
    this.total += Math.ceil(count / 4) * 4;
    return offset;
  }
}

export function emitPlan(input: EmitInput, options: FusionOptions): Plan {
  const params = new Layout();
  const inputs = new Layout();
  const outputs = new Layout();
  const paramTensors: PlanParam[] = input.params.map((p) => {
    const node = input.training.params.get(p.name)!;
    return {
      name: p.name,
      buffer: 0,
      offset: params.place(p.name, size(node.shape)),
      shape: node.shape,
      dtype: "f32",
      init: p.init,
    };
  });
  const inputTensors: PlanTensor[] = [];
  for (const g of [input.training, input.evaluation])
    for (const [name, n] of g.inputs)
      if (!inputs.at.has(name))
        inputTensors.push({
          name,
          buffer: 0,
          offset: inputs.place(name, size(n.shape)),
          shape: n.shape,
          dtype: n.dtype,
        });

  const hostOutputs = (g: Graph, all: boolean) =>
    [...g.outputs].filter(
      ([name]) => !name.startsWith("d_") && (all || name === "loss" || name.startsWith("metric:")),
    );
  const outputTensors: PlanTensor[] = [];
  for (const [name, n] of hostOutputs(input.evaluation, true))
    outputTensors.push({
      name,
      buffer: 0,
      offset: outputs.place(name, size(n.shape)),
      shape: n.shape,
      dtype: n.dtype,
    });

  const kernels: PlanKernel[] = [];
  let nextKernel = 0;
  const temps = new TempAllocator();
  const where = (span: Parameters<typeof formatSpan>[0] | undefined) =>
    span ? formatSpan(span, input.sources ? { sources: input.sources } : {}) : "";

  // Every kernel's header names it by its index, so no two are identical; the runtime's pipeline
  // cache is keyed by WGSL text in any case.
  const addKernel = (src: KernelSource): number => {
    const id = kernels.length;
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
    return id;
  };

  /**
   * Kernels of one program. Groups are scheduled in stages by dependency depth; with fusion on,
   * the groups of a stage share one dispatch. Temporaries are allocated per stage and freed after
   * the last stage that reads them, so parts of one dispatch never overlap in memory.
   */
  const dispatchesOf = (
    g: Graph,
    names: readonly [string, Node][],
    withGrads: boolean,
  ): PlanDispatch[] => {
    const wanted = new Map<Node, Location>();
    for (const [name, n] of names)
      if (!wanted.has(n))
        wanted.set(n, { arena: "outputs", offset: outputs.place(name, size(n.shape)) });
    if (withGrads)
      for (const p of input.params) {
        const n = g.outputs.get(`d_${p.name}`)!;
        if (!wanted.has(n)) wanted.set(n, { arena: "grads", offset: params.at.get(p.name)! });
      }
    const groups = fuseKernels(g, [...wanted.keys()], options);
    const location = new Map<Node, Location>();
    for (const [name, n] of g.inputs)
      location.set(n, { arena: "inputs", offset: inputs.at.get(name)! });
    for (const [name, n] of g.params)
      location.set(n, { arena: "params", offset: params.at.get(name)! });
    const stages = schedule(groups, options.fuse);
    const stageOf = new Map<Node, number>();
    stages.forEach((stage, s) => stage.forEach((grp) => stageOf.set(grp.output, s)));
    const lastUse = new Map<Node, number>();
    stages.forEach((stage, s) => {
      for (const grp of stage)
        for (const n of grp.nodes) for (const i of n.inputs) lastUse.set(i, s);
    });
    const live: Node[] = [];
    const dispatches: PlanDispatch[] = [];
    stages.forEach((stage, s) => {
      const parts = stage.map((grp) => {
        const store = wanted.get(grp.output) ?? {
          arena: "temps",
          offset: temps.allocate(size(grp.output.shape)),
        };
        if (store.arena === "temps") live.push(grp.output);
        const part = writePart(grp, {
          location: (n) => location.get(n) ?? wanted.get(n),
          store,
          where,
          subgroups: options.subgroups ?? false,
        });
        location.set(grp.output, store);
        return part;
      });
      const src = assembleKernel(parts, nextKernel++);
      dispatches.push({
        kernel: addKernel(src),
        buffers: src.arenas.map((a) => arenaId(a.arena)),
        workgroups: src.workgroups,
      });
      for (let j = live.length - 1; j >= 0; j--) {
        const n = live[j]!;
        if ((lastUse.get(n) ?? stageOf.get(n)!) <= s) {
          temps.free(location.get(n)!.offset, size(n.shape));
          live.splice(j, 1);
        }
      }
    });
    return dispatches;
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

  const trainDispatches = dispatchesOf(input.training, hostOutputs(input.training, false), true);
  // No parameters, nothing to update (a forward-only plan): no optimizer kernel.
  const clipping = (input.clipGradNorm ?? false) && params.total > 0;
  const normAt = clipping ? outputs.place("grad_norm", 1) : undefined;
  if (normAt !== undefined) {
    const norm = gradNormKernel(params.total, normAt);
    trainDispatches.push({
      kernel: addKernel(norm),
      buffers: norm.arenas.map((a) => arenaId(a.arena)),
      workgroups: norm.workgroups,
    });
    outputTensors.push({ name: "grad_norm", buffer: 0, offset: normAt, shape: [], dtype: "f32" });
  }
  const opt = params.total > 0 ? optimizerKernel(input.optimizer, params.total, normAt) : undefined;
  if (opt) {
    trainDispatches.push({
      kernel: addKernel(opt.source),
      buffers: opt.source.arenas.map((a) => arenaId(a.arena)),
      workgroups: opt.source.workgroups,
    });
    for (const m of opt.moments) arenaId(`state_${m}`);
  }
  const evalDispatches = dispatchesOf(input.evaluation, hostOutputs(input.evaluation, true), false);

  const counts: Record<string, number> = {
    inputs: inputs.total,
    params: params.total,
    grads: params.total,
    outputs: outputs.total,
    temps: temps.peak,
    uniform: uniformFields(clipping).length,
  };
  arenaId("uniform");
  const buffers: PlanBuffer[] = arenaNames.map((name, id) => ({
    id,
    name,
    kind: arenaKind(name),
    bytes: 4 * Math.max(4, counts[name] ?? params.total),
    dtype: "f32",
  }));
  const fix = <T extends PlanTensor>(t: T, arena: string): T => ({ ...t, buffer: arenaId(arena) });
  const programs: Record<string, PlanProgram> = {
    train: {
      dispatches: trainDispatches,
      inputs: [...input.training.inputs.keys()],
      outputs: [
        ...hostOutputs(input.training, false).map(([n]) => n),
        ...(clipping ? ["grad_norm"] : []),
      ],
    },
    eval: {
      dispatches: evalDispatches,
      inputs: [...input.evaluation.inputs.keys()],
      outputs: hostOutputs(input.evaluation, true).map(([n]) => n),
    },
  };
  return {
    version: 1,
    buffers,
    kernels,
    programs,
    inputs: inputTensors.map((t) => fix(t, "inputs")),
    params: paramTensors.map((t) => fix(t, "params")),
    state: (opt?.moments ?? []).flatMap((m) =>
      paramTensors.map((p) => ({
        name: `${m}:${p.name}`,
        param: p.name,
        buffer: arenaId(`state_${m}`),
        offset: p.offset ?? 0,
        shape: p.shape,
        dtype: "f32" as const,
      })),
    ),
    grads: paramTensors.map((p) => ({
      name: p.name,
      buffer: arenaId("grads"),
      offset: p.offset ?? 0,
      shape: p.shape,
      dtype: "f32" as const,
    })),
    outputs: outputTensors.map((t) => fix(t, "outputs")),
    uniforms: { buffer: arenaId("uniform"), fields: uniformFields(clipping) },
    peakBytes: buffers.reduce((s, b) => s + b.bytes, 0),
  };
}

function arenaKind(name: string): PlanBuffer["kind"] {
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
