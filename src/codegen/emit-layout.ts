/**
 * @file Arena layout, the first step of emission: parameters (and so gradients and moments, in
 * the parameters' layout), inputs of both programs and the host-read outputs of evaluation, each
 * placed in a chunked arena whose chunks fit one storage binding. A tensor larger than a chunk
 * is a refusal (G0802).
 */
import { sizeOf, type Graph, type Node } from "../ir/node.js";
import type { Location } from "./kernel.js";
import { chunkName, ChunkedLayout, type ChunkSlot } from "./memory.js";
import type { PlanParam, PlanTensor } from "./plan.js";
import { isRefusal, refuseTensor, type Refusal, type Where } from "./emit-refusal.js";

/** A tensor of the Plan before arena ids are known: it names its arena chunk. */
export type ArenaTensor = PlanTensor & { readonly arena: string };

/** A parameter and its slot in the `params` arena (its gradient and moments use the same). */
export type SlottedParam = PlanParam & { readonly slot: ChunkSlot };

/** The arenas laid out so far; `outputs` grows as programs place more host-read values. */
export interface ArenaLayout {
  /** Elements one arena chunk may hold. */
  readonly capacity: number;
  readonly where: Where;
  readonly params: ChunkedLayout;
  readonly inputs: ChunkedLayout;
  readonly outputs: ChunkedLayout;
  /** The model's `state` tensors, in the `model_state` arena. */
  readonly state: ChunkedLayout;
  readonly paramTensors: readonly SlottedParam[];
  readonly stateTensors: readonly SlottedParam[];
  readonly inputTensors: readonly ArenaTensor[];
  readonly outputTensors: ArenaTensor[];
}

/** What `layoutArenas` reads: both graphs and the parameters in declaration order. */
export interface LayoutInput {
  readonly training: Graph;
  readonly evaluation: Graph;
  readonly params: readonly { readonly name: string; readonly init: PlanParam["init"] }[];
  /** The model's `state` tensors in declaration order (absent: none). */
  readonly state?: readonly { readonly name: string; readonly init: PlanParam["init"] }[];
}

export const at = (arena: string, slot: ChunkSlot): Location => ({
  arena: chunkName(arena, slot.chunk),
  offset: slot.offset,
});

/** The outputs the host reads: all but gradients, or (`all` false) the loss and metrics only. */
export const hostOutputs = (g: Graph, all: boolean): [string, Node][] =>
  [...g.outputs].filter(
    ([name]) => !name.startsWith("d_") && (all || name === "loss" || name.startsWith("metric:")),
  );

/** Places `name` in `layout` as a tensor of `arena`, or refuses it when no chunk can hold it. */
export function placeTensor(
  layout: ChunkedLayout,
  arena: string,
  what: string,
  name: string,
  n: Node,
  capacity: number,
  where: Where,
): ArenaTensor | Refusal {
  const refused = refuseTensor(`${what} \`${name}\``, n.shape, n.span, capacity, where);
  if (refused) return refused;
  const loc = at(arena, layout.place(name, sizeOf(n.shape)));
  return { name, arena: loc.arena, buffer: 0, offset: loc.offset, shape: n.shape, dtype: n.dtype };
}

/** Places persistent tensors (parameters, or state) of `leaves` in `layout`, in order. */
function placePersistent(
  layout: ChunkedLayout,
  list: readonly { readonly name: string; readonly init: PlanParam["init"] }[],
  leaves: ReadonlyMap<string, Node>,
  what: string,
  capacity: number,
  where: Where,
): SlottedParam[] | Refusal {
  const placed: SlottedParam[] = [];
  for (const p of list) {
    const node = leaves.get(p.name)!;
    const refused = refuseTensor(`${what} \`${p.name}\``, node.shape, node.span, capacity, where);
    if (refused) return refused;
    const slot = layout.place(p.name, sizeOf(node.shape));
    const { shape } = node;
    placed.push({
      name: p.name,
      buffer: 0,
      offset: slot.offset,
      slot,
      shape,
      dtype: "f32",
      init: p.init,
    });
  }
  return placed;
}

/** Lays out parameters, state, inputs and evaluation's host-read outputs, in that order. */
export function layoutArenas(
  input: LayoutInput,
  capacity: number,
  where: Where,
): ArenaLayout | Refusal {
  const params = new ChunkedLayout(capacity);
  const state = new ChunkedLayout(capacity);
  const inputs = new ChunkedLayout(capacity);
  const outputs = new ChunkedLayout(capacity);
  const paramTensors = placePersistent(
    params,
    input.params,
    input.training.params,
    "parameter",
    capacity,
    where,
  );
  if (isRefusal(paramTensors)) return paramTensors;
  const stateTensors = placePersistent(
    state,
    input.state ?? [],
    input.training.state,
    "state",
    capacity,
    where,
  );
  if (isRefusal(stateTensors)) return stateTensors;
  const inputTensors: ArenaTensor[] = [];
  for (const g of [input.training, input.evaluation])
    for (const [name, n] of g.inputs)
      if (!inputs.at.has(name)) {
        const t = placeTensor(inputs, "inputs", "input", name, n, capacity, where);
        if (isRefusal(t)) return t;
        inputTensors.push(t);
      }
  const outputTensors: ArenaTensor[] = [];
  for (const [name, n] of hostOutputs(input.evaluation, true)) {
    const t = placeTensor(outputs, "outputs", "output", name, n, capacity, where);
    if (isRefusal(t)) return t;
    outputTensors.push(t);
  }
  return {
    capacity,
    where,
    params,
    inputs,
    outputs,
    state,
    paramTensors,
    stateTensors,
    inputTensors,
    outputTensors,
  };
}
