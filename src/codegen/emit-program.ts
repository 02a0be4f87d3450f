/**
 * @file The dispatches of one program (training or evaluation): where each host-read value and
 * gradient is stored, fusion into groups, stages, temporaries placed by liveness, each stage's
 * kernels (and their quick variants), and copies for names that alias one node. Each step
 * returns a `Refusal` as data when the binding limits cannot be met.
 */
import { stateOutput } from "../ir/lower.js";
import { sizeOf, type Graph, type Node } from "../ir/node.js";
import type { ParamRules } from "../parser/check/values.js";
import { fuseKernels, policyOf, type FusionOptions, type KernelGroup } from "./fuse.js";
import { ruleOn } from "./fusion-policy.js";
import { writePart, type KernelPart, type Location } from "./kernel.js";
import { assembleKernel } from "./kernel-module.js";
import {
  arenaOf,
  chunkIndex,
  type BindingLimits,
  type ChunkedTemps,
  type ChunkSlot,
} from "./memory.js";
import type { PlanDispatch } from "./plan.js";
import { at, type ArenaLayout } from "./emit-layout.js";
import { fusedOrigin, type KernelOrigin, type KernelTable } from "./emit-kernels.js";
import { isRefusal, refuseKernel, refuseTensor, type Refusal } from "./emit-refusal.js";
import { lastStages, schedule, splitDispatch } from "./emit-stages.js";

/** What writing a program reads and the tables it adds to (shared by both programs). */
export interface ProgramContext {
  readonly params: readonly { readonly name: string }[];
  readonly paramRules?: ParamRules | undefined;
  readonly options: FusionOptions & { readonly quick?: boolean };
  readonly limits: BindingLimits;
  readonly layout: ArenaLayout;
  readonly temps: ChunkedTemps;
  readonly table: KernelTable;
}

/** A program's dispatches, and those of its quick variant. */
export interface ProgramDispatches {
  readonly dispatches: PlanDispatch[];
  readonly quick: PlanDispatch[];
}

/** Where a program's wanted values are stored; `aliases` are further names of one node. */
interface Stores {
  readonly wanted: Map<Node, Location>;
  readonly aliases: { node: Node; store: Location }[];
}

/** The state of one program as its stages are written. */
interface ProgramState extends Stores, ProgramDispatches {
  readonly program: KernelOrigin["program"];
  readonly location: Map<Node, Location>;
  /** Temporaries in use, freed after the last stage that reads them. */
  readonly live: { node: Node; slot: ChunkSlot }[];
}

const sameLocation = (a: Location, b: Location) => a.arena === b.arena && a.offset === b.offset;

/**
 * Each host-visible name has a slot of its own. Names whose values simplified to one node (a
 * metric that is also a model output, two parameters with the same gradient) share that node's
 * kernel, which stores into the first name's slot; `aliases` copies it to the others.
 */
function storesOf(
  ctx: ProgramContext,
  g: Graph,
  names: readonly [string, Node][],
  withGrads: boolean,
): Stores | Refusal {
  const { layout } = ctx;
  const wanted = new Map<Node, Location>();
  const aliases: Stores["aliases"] = [];
  const want = (n: Node, store: Location) => {
    if (!wanted.has(n)) wanted.set(n, store);
    else if (!sameLocation(wanted.get(n)!, store)) aliases.push({ node: n, store });
  };
  for (const [name, n] of names) {
    const what = `output \`${name}\``;
    const refused = refuseTensor(what, n.shape, n.span, layout.capacity, layout.where);
    if (refused) return refused;
    want(n, at("outputs", layout.outputs.place(name, sizeOf(n.shape))));
  }
  if (withGrads)
    for (const p of ctx.params)
      if (!ctx.paramRules?.[p.name]?.frozen)
        want(g.outputs.get(`d_${p.name}`)!, at("grads", layout.params.at.get(p.name)!));
  for (const [name, n] of stateUpdates(ctx, g))
    want(n, at("outputs", layout.outputs.place(stateOutput(name), sizeOf(n.shape))));
  return { wanted, aliases };
}

/** The training graph's updated states and their new values (`state:NAME` outputs). */
function stateUpdates(ctx: ProgramContext, g: Graph): [string, Node][] {
  return ctx.layout.stateTensors.flatMap((s) => {
    const n = g.outputs.get(stateOutput(s.name));
    return n ? [[s.name, n]] : [];
  });
}

/**
 * Kernels of one program. Groups are scheduled in stages by dependency depth; with fusion on,
 * the groups of a stage share one dispatch unless a `dispatchSplitReasons` rule splits it.
 * Temporaries are allocated per stage and freed after the last stage that reads them, so parts
 * of one stage never overlap in memory.
 */
export function writeProgram(
  ctx: ProgramContext,
  g: Graph,
  names: readonly [string, Node][],
  withGrads: boolean,
): ProgramDispatches | Refusal {
  const stores = storesOf(ctx, g, names, withGrads);
  if (isRefusal(stores)) return stores;
  const groups = fuseKernels(g, [...stores.wanted.keys()], ctx.options);
  const location = new Map<Node, Location>();
  for (const [name, n] of g.inputs) location.set(n, at("inputs", ctx.layout.inputs.at.get(name)!));
  for (const [name, n] of g.params) location.set(n, at("params", ctx.layout.params.at.get(name)!));
  for (const [name, n] of g.state)
    location.set(n, at("model_state", ctx.layout.state.at.get(name)!));
  const program = withGrads ? "train" : "eval";
  const st: ProgramState = { ...stores, program, location, live: [], dispatches: [], quick: [] };
  const merge = ruleOn(policyOf(ctx.options), "merge-stage");
  const stages = schedule(groups, merge);
  const last = lastStages(stages);
  for (const [s, stage] of stages.entries()) {
    const refused = writeStage(ctx, st, stage);
    if (refused) return refused;
    freeTemps(ctx.temps, st.live, last, s);
  }
  const refused = writeCopies(ctx, st, merge) ?? writeStateCopies(ctx, st, g, merge);
  if (refused) return refused;
  return { dispatches: st.dispatches, quick: st.quick };
}

const locate = (st: ProgramState) => (n: Node) => st.location.get(n) ?? st.wanted.get(n);

const kernelContext = (ctx: ProgramContext, st: ProgramState, store: Location, fast: boolean) => ({
  location: locate(st),
  store,
  where: ctx.layout.where,
  subgroups: ctx.options.subgroups ?? false,
  treeReductions: ctx.options.treeReductions ?? false,
  quick: fast,
});

/** Writes one stage's parts, then its dispatches and (with `quick`) their quick variants. */
function writeStage(
  ctx: ProgramContext,
  st: ProgramState,
  stage: readonly KernelGroup[],
): Refusal | undefined {
  const parts: KernelPart[] = [];
  for (const grp of stage) {
    const store = st.wanted.get(grp.output) ?? placeTemp(ctx, st, grp);
    if (isRefusal(store)) return store;
    const part = writePart(grp, kernelContext(ctx, st, store, false));
    const out = grp.output;
    const what = `the kernel computing \`${out.op}\` [${out.shape.join(", ")}]`;
    const storage = new Set(part.arenas.keys());
    const refused = refuseKernel(storage, ctx.limits, ctx.layout.where, what, out.span, grp.nodes);
    if (refused) return refused;
    st.location.set(grp.output, store);
    parts.push(part);
  }
  const first = st.dispatches.length;
  const firstKernel = ctx.table.nextKernel;
  for (const batch of splitDispatch(parts, ctx.limits)) {
    const src = assembleKernel(batch, ctx.table.nextKernel++);
    const d = ctx.table.add(src, fusedOrigin(batch, st.program));
    if (isRefusal(d)) return d;
    st.dispatches.push(d);
  }
  if (!ctx.options.quick) return undefined;
  // The same groups and stores, products untiled; a stage without a tiled product is shared.
  const quickParts = stage.map((grp) =>
    writePart(grp, kernelContext(ctx, st, st.location.get(grp.output)!, true)),
  );
  if (quickParts.every((p, i) => p.body === parts[i]!.body)) {
    st.quick.push(...st.dispatches.slice(first));
    return undefined;
  }
  for (const [j, batch] of splitDispatch(quickParts, ctx.limits).entries()) {
    const d = ctx.table.add(
      assembleKernel(batch, `${firstKernel + j}q`),
      fusedOrigin(batch, st.program),
    );
    if (isRefusal(d)) return d;
    st.quick.push(d);
  }
  return undefined;
}

/** A temporary for a group's output, preferring the temps chunks the group already reads. */
function placeTemp(ctx: ProgramContext, st: ProgramState, grp: KernelGroup): Location | Refusal {
  const out = grp.output;
  const what = `the result of \`${out.op}\``;
  const refused = refuseTensor(what, out.shape, out.span, ctx.layout.capacity, ctx.layout.where);
  if (refused) return refused;
  const preferred: number[] = [];
  for (const n of grp.nodes)
    for (const i of n.inputs) {
      const loc = locate(st)(i);
      if (loc && arenaOf(loc.arena) === "temps") preferred.push(chunkIndex(loc.arena));
    }
  const slot = ctx.temps.allocate(sizeOf(out.shape), preferred);
  st.live.push({ node: out, slot });
  return at("temps", slot);
}

/** Frees the temporaries no stage after `s` reads. */
function freeTemps(
  temps: ChunkedTemps,
  live: ProgramState["live"],
  last: ReadonlyMap<Node, number>,
  s: number,
): void {
  for (let j = live.length - 1; j >= 0; j--) {
    const { node, slot } = live[j]!;
    if (last.get(node)! <= s) {
      temps.free(slot, sizeOf(node.shape));
      live.splice(j, 1);
    }
  }
}

/** The alias copies read only slots that are never freed and write only their own: one stage. */
function writeCopies(ctx: ProgramContext, st: ProgramState, merge: boolean): Refusal | undefined {
  return writeCopyStage(ctx, st, st.aliases, merge, "copy");
}

/**
 * The state update, last: each updated state's new value, stored in the outputs arena by the
 * stages, is copied into the `model_state` arena, after every kernel that reads the old value.
 */
function writeStateCopies(
  ctx: ProgramContext,
  st: ProgramState,
  g: Graph,
  merge: boolean,
): Refusal | undefined {
  const copies = stateUpdates(ctx, g).map(([name, node]) => ({
    node,
    store: at("model_state", ctx.layout.state.at.get(name)!),
  }));
  return writeCopyStage(ctx, st, copies, merge, "state");
}

/** One stage of copies from where `node` is stored to `store`, each a part of its own. */
function writeCopyStage(
  ctx: ProgramContext,
  st: ProgramState,
  list: readonly { readonly node: Node; readonly store: Location }[],
  merge: boolean,
  role: "copy" | "state",
): Refusal | undefined {
  const copies = list.map(({ node, store }) =>
    writePart(
      { output: node, nodes: [], rule: "graph-output" },
      kernelContext(ctx, st, store, false),
    ),
  );
  const copyStages = merge ? [copies] : copies.map((c) => [c]);
  for (const stage of copyStages.filter((parts) => parts.length > 0))
    for (const batch of splitDispatch(stage, ctx.limits)) {
      const src = assembleKernel(batch, ctx.table.nextKernel++);
      const d = ctx.table.add(src, fusedOrigin(batch, st.program, role));
      if (isRefusal(d)) return d;
      st.dispatches.push(d);
      st.quick.push(d);
    }
  return undefined;
}
