/**
 * @file The last step of emission: the Plan's buffers (one per arena chunk, sized by the layout,
 * the temporaries' peaks and the optimizer's moments), its two programs, and the tensors the
 * host reads and writes, placed by buffer id.
 */
import type { Graph } from "../ir/node.js";
import type { RematPolicy } from "../ir/remat.js";
import { arenaOf, chunkName, type ChunkedTemps } from "./memory.js";
import { uniformFields } from "./optimizer.js";
import type { Plan, PlanBuffer, PlanProgram, PlanTensor } from "./plan.js";
import {
  hostOutputs,
  type ArenaLayout,
  type ArenaTensor,
  type SlottedParam,
} from "./emit-layout.js";
import type { KernelTable } from "./emit-kernels.js";
import type { ProgramDispatches } from "./emit-program.js";
import type { Update } from "./emit-update.js";

/** Everything the earlier steps produced. */
export interface EmittedParts {
  readonly training: Graph;
  readonly evaluation: Graph;
  readonly layout: ArenaLayout;
  readonly temps: ChunkedTemps;
  readonly table: KernelTable;
  readonly train: ProgramDispatches;
  readonly update: Update;
  readonly evaluate: ProgramDispatches;
  readonly quick: boolean;
  readonly remat?: RematPolicy | undefined;
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
    model_state: "model_state",
  };
  return kinds[name] ?? "temp";
}

/** One buffer per arena chunk, by buffer id; elements of each chunk from the layouts. */
function buffersOf(e: EmittedParts): PlanBuffer[] {
  const { layout, table, update } = e;
  const counts = new Map<string, number>();
  const chunked = (arena: string, sizes: readonly number[]) =>
    sizes.forEach((n, k) => counts.set(chunkName(arena, k), n));
  chunked("inputs", layout.inputs.sizes);
  chunked("params", layout.params.sizes);
  chunked("grads", layout.params.sizes);
  for (const m of update.moments) chunked(`state_${m}`, layout.params.sizes);
  chunked("outputs", layout.outputs.sizes);
  if (layout.stateTensors.length > 0) chunked("model_state", layout.state.sizes);
  chunked("temps", e.temps.peaks);
  counts.set("uniform", uniformFields(update.clipping).length);
  table.arenaId("uniform");
  for (const name of counts.keys()) table.arenaId(name);
  return table.arenaNames.map((name, id) => ({
    id,
    name,
    kind: arenaKind(name),
    bytes: 4 * Math.max(4, counts.get(name)!),
    dtype: "f32",
  }));
}

function programsOf(e: EmittedParts): Record<string, PlanProgram> {
  const { train, update, evaluate } = e;
  const trainQuick = [...train.quick, ...update.dispatches];
  return {
    train: {
      dispatches: [...train.dispatches, ...update.dispatches],
      ...(e.quick ? { quick: trainQuick } : {}),
      inputs: [...e.training.inputs.keys()],
      outputs: [
        ...hostOutputs(e.training, false).map(([n]) => n),
        ...(update.clipping ? ["grad_norm"] : []),
      ],
    },
    eval: {
      dispatches: evaluate.dispatches,
      ...(e.quick ? { quick: evaluate.quick } : {}),
      inputs: [...e.evaluation.inputs.keys()],
      outputs: hostOutputs(e.evaluation, true).map(([n]) => n),
    },
  };
}

/** Assembles the Plan; buffer ids of arenas no kernel binds are given here, in a fixed order. */
export function assemblePlan(e: EmittedParts): Plan {
  const { table, layout, update } = e;
  const buffers = buffersOf(e);
  const placed = (t: ArenaTensor): PlanTensor => ({
    name: t.name,
    buffer: table.arenaId(t.arena),
    offset: t.offset ?? 0,
    shape: t.shape,
    dtype: t.dtype,
  });
  /** Where a parameter's counterpart (itself, its gradient, a moment) lives in `arena`. */
  const like = (arena: string, p: SlottedParam) => ({
    buffer: table.arenaId(chunkName(arena, p.slot.chunk)),
    offset: p.slot.offset,
    shape: p.shape,
    dtype: "f32" as const,
  });
  const params = layout.paramTensors;
  return {
    version: 1,
    buffers,
    kernels: table.kernels,
    programs: programsOf(e),
    inputs: layout.inputTensors.map(placed),
    params: params.map((p) => ({ name: p.name, ...like("params", p), init: p.init })),
    state: update.moments.flatMap((m) =>
      params.map((p) => ({ name: `${m}:${p.name}`, param: p.name, ...like(`state_${m}`, p) })),
    ),
    grads: params.map((p) => ({ name: p.name, ...like("grads", p) })),
    ...(layout.stateTensors.length > 0
      ? {
          modelState: layout.stateTensors.map((s) => ({
            name: s.name,
            ...like("model_state", s),
            init: s.init,
          })),
        }
      : {}),
    outputs: layout.outputTensors.map(placed),
    uniforms: { buffer: table.arenaId("uniform"), fields: uniformFields(update.clipping) },
    peakBytes: buffers.reduce((s, b) => s + b.bytes, 0),
    ...(e.remat && e.remat !== "store" ? { remat: e.remat } : {}),
  };
}
