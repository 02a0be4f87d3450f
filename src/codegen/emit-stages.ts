/**
 * @file Staging of a program's fused groups: stages by dependency depth (`schedule`), which
 * stage each value is last read in (for freeing temporaries), and how one stage's kernel parts
 * are split into dispatches (`splitDispatch`, by the `dispatchSplitReasons` rules).
 */
import type { Node } from "../ir/node.js";
import type { KernelGroup } from "./fuse.js";
import type { KernelPart } from "./kernel.js";
import type { BindingLimits } from "./memory.js";

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
 * The dispatches one stage's parts run in: in order, a part joins the current dispatch unless a
 * `dispatchSplitReasons` rule says otherwise. Parts of a stage are independent, so any split is
 * correct; without a limit hit it is the stage's single dispatch.
 */
export function splitDispatch(parts: readonly KernelPart[], limits: BindingLimits): KernelPart[][] {
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

/**
 * Stages of groups: each group runs one stage after the latest group it reads. A group that
 * recomputes a forward value (a node marked `remat`) then moves as late as its readers allow, so
 * what it stores is made right before the backward reads it instead of living from the forward
 * pass on (it reads only values saved for the backward anyway). Without fusion
 * every group is a stage of its own, in graph order (which already puts a recomputed value just
 * before its first reader).
 */
export function schedule(groups: readonly KernelGroup[], merge: boolean): KernelGroup[][] {
  if (!merge) return groups.map((g) => [g]);
  const byOutput = new Map(groups.map((g) => [g.output, g]));
  const depth = new Map<KernelGroup, number>();
  const readers = new Map<KernelGroup, KernelGroup[]>();
  for (const g of groups) {
    let d = 0;
    for (const n of g.nodes)
      for (const i of n.inputs) {
        const dep = byOutput.get(i);
        if (!dep || dep === g) continue;
        d = Math.max(d, depth.get(dep)! + 1);
        const list = readers.get(dep);
        if (list) list.push(g);
        else readers.set(dep, [g]);
      }
    depth.set(g, d);
  }
  for (const g of [...groups].reverse()) {
    const read = readers.get(g);
    if (read && g.nodes.some((n) => n.remat))
      depth.set(g, Math.min(...read.map((r) => depth.get(r)!)) - 1);
  }
  const stages: KernelGroup[][] = [];
  for (const g of groups) (stages[depth.get(g)!] ??= []).push(g);
  return stages.filter((stage) => stage !== undefined);
}

/**
 * The last stage each group output is needed in: the last stage that reads it, or the stage
 * that computes it when nothing reads it.
 */
export function lastStages(stages: readonly (readonly KernelGroup[])[]): Map<Node, number> {
  const last = new Map<Node, number>();
  stages.forEach((stage, s) => stage.forEach((grp) => last.set(grp.output, s)));
  const lastUse = new Map<Node, number>();
  stages.forEach((stage, s) => {
    for (const grp of stage) for (const n of grp.nodes) for (const i of n.inputs) lastUse.set(i, s);
  });
  for (const [n, s] of lastUse) if (last.has(n)) last.set(n, s);
  return last;
}
