/**
 * @file Rematerialisation: the partitioning step between the joint forward + backward graph and
 * fusion. It decides, for every saved activation (a forward value the backward pass reads),
 * whether the backward reads it stored or recomputes it from other saved values, and rewrites the
 * graph so that the backward's uses of a recomputed value go to a copy of its forward chain
 * (nodes marked `remat`). Policies (`rematPolicies`): `store` (the graph unchanged),
 * `recompute-cheap` (recompute every cheap chain from the nearest values that are not cheap) and
 * `min-cut` (save the set of values of fewest bytes from which the backward can recompute the
 * rest with cheap ops only: a minimum cut of a flow network over the forward graph, after the
 * min-cut partitioner of PyTorch's AOTAutograd; docs/research.md).
 */
import { InternalError } from "../diag/diagnostic.js";
import { GraphBuilder } from "./builder.js";
import { minCut, type FlowEdge } from "./max-flow.js";
import { ancestors, sizeOf, type Graph, type Node } from "./node.js";
import { classOf } from "./op-classes.js";

export const rematPolicies = ["store", "recompute-cheap", "min-cut"] as const;
export type RematPolicy = (typeof rematPolicies)[number];

/** One line per policy, for `--help`, `grove kernels` and docs/research.md. */
export const rematReasons: Readonly<Record<RematPolicy, string>> = {
  store: "the backward reads every forward value it uses from memory (no recomputation)",
  "recompute-cheap":
    "the backward recomputes every cheap forward value it uses from the nearest values that are not cheap",
  "min-cut":
    "save the forward values of fewest bytes from which the backward recomputes the rest with cheap ops (a minimum cut)",
};

/** What the partitioning decided, for `grove kernels` and the tests. */
export interface RematReport {
  readonly policy: RematPolicy;
  /** Forward values the backward reads (the saved activations of `store`), bytes in total. */
  readonly activations: number;
  readonly activationBytes: number;
  /** The forward values the backward reads stored under this policy. */
  readonly saved: readonly Node[];
  readonly savedBytes: number;
  /** Forward nodes the backward recomputes (each once, as a node marked `remat`). */
  readonly recomputed: readonly Node[];
}

export interface Rematerialized {
  /** The graph the plan is made from: `graph` itself for `store`, else with `remat` copies. */
  readonly graph: Graph;
  readonly report: RematReport;
}

/** The forward/backward split of a joint graph: forward nodes are what `forward` outputs need. */
interface Split {
  readonly forward: ReadonlySet<Node>;
  /** Forward nodes read by the backward, in graph order. */
  readonly activations: readonly Node[];
  /** Forward values the backward reads for free: leaves, constants, and forward outputs. */
  readonly free: ReadonlySet<Node>;
}

const bytesOf = (n: Node) => 4 * sizeOf(n.shape);

/** Whether the backward may recompute `n` (`recomputable` in op-classes.ts). */
export const recomputable = (n: Node): boolean => classOf(n.op).recomputable;

function splitOf(
  graph: Graph,
  forwardOutputs: readonly Node[],
  backward: ReadonlySet<Node>,
): Split {
  const forward = ancestors(forwardOutputs);
  const free = new Set<Node>(forwardOutputs);
  for (const n of forward)
    if (n.op === "input" || n.op === "param" || n.op === "const" || n.op === "iota") free.add(n);
  const read = new Set<Node>();
  for (const n of graph.nodes)
    if (backward.has(n) && !forward.has(n))
      for (const i of n.inputs) if (forward.has(i)) read.add(i);
  const activations = graph.nodes.filter((n) => read.has(n) && !free.has(n));
  return { forward, activations, free };
}

/**
 * `recompute-cheap`: the backward recomputes each cheap activation from the nearest forward
 * values that are not cheap (or free), which it reads stored.
 */
function savedByRecomputeCheap(split: Split): Set<Node> {
  const saved = new Set<Node>();
  const seen = new Set<Node>();
  const stack = [...split.activations];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n) || split.free.has(n)) continue;
    seen.add(n);
    if (recomputable(n)) stack.push(...n.inputs);
    else saved.add(n);
  }
  return saved;
}

/**
 * `min-cut`: a network with two vertices per non-free forward node, `in -> out` of capacity its
 * bytes; an edge of infinite capacity from each producer's `out` to each consumer's `in`, from the
 * source to the `in` of every node that may not be recomputed, and from the `out` of every
 * activation to the sink. A finite cut separates every activation from the values it cannot be
 * recomputed past; the nodes whose `in -> out` edge it cuts are saved. Capacities are bytes times
 * 1024, plus 1 for a node the backward does not read itself, so of two equally small sets the
 * cut saves the activations themselves and recomputes nothing for nothing.
 */
function savedByMinCut(split: Split): Set<Node> {
  const nodes = [...split.forward].filter((n) => !split.free.has(n));
  const index = new Map(nodes.map((n, k) => [n, k]));
  const source = 2 * nodes.length;
  const sink = source + 1;
  const read = new Set(split.activations);
  const edges: FlowEdge[] = [];
  for (const [k, n] of nodes.entries()) {
    edges.push({ from: 2 * k, to: 2 * k + 1, capacity: bytesOf(n) * 1024 + (read.has(n) ? 0 : 1) });
    if (!recomputable(n)) edges.push({ from: source, to: 2 * k, capacity: Infinity });
    if (read.has(n)) edges.push({ from: 2 * k + 1, to: sink, capacity: Infinity });
    for (const i of new Set(n.inputs)) {
      const j = index.get(i);
      if (j !== undefined) edges.push({ from: 2 * j + 1, to: 2 * k, capacity: Infinity });
    }
  }
  const { cut } = minCut(sink + 1, edges, source, sink);
  const saved = new Set<Node>();
  for (const e of cut) {
    const { from, to } = edges[e]!;
    if (from === source || to === sink || to !== from + 1 || from % 2 !== 0)
      throw new InternalError("the rematerialisation cut crossed an edge of infinite capacity");
    saved.add(nodes[from / 2]!);
  }
  return saved;
}

const savedBy: Readonly<Record<RematPolicy, (split: Split) => Set<Node>>> = {
  store: (split) => new Set(split.activations),
  "recompute-cheap": savedByRecomputeCheap,
  "min-cut": savedByMinCut,
};

/**
 * Partitions `graph` by `policy`. `forwardOutputs` are the values the forward pass produces for
 * the host (loss, metrics); `backwardOutputs` the gradients. A node that only the gradients need
 * is backward; its reads of forward nodes are the activations. `store` returns `graph` itself.
 */
export function rematerialize(
  graph: Graph,
  policy: RematPolicy,
  forwardOutputs: readonly Node[],
  backwardOutputs: readonly Node[],
): Rematerialized {
  const backward = ancestors(backwardOutputs);
  const split = splitOf(graph, forwardOutputs, backward);
  const saved = savedBy[policy](split);
  const activationBytes = split.activations.reduce((s, n) => s + bytesOf(n), 0);
  const report = (recomputed: readonly Node[]): RematReport => ({
    policy,
    activations: split.activations.length,
    activationBytes,
    saved: [...saved].sort((a, b) => a.id - b.id),
    savedBytes: [...saved].reduce((s, n) => s + bytesOf(n), 0),
    recomputed,
  });
  if (split.activations.every((n) => saved.has(n))) return { graph, report: report([]) };
  return rewrite(graph, split, saved, backward, report);
}

/**
 * Rebuilds `graph` in order; before each backward node, the copies of the recomputed forward
 * values it reads (and of their recomputed inputs), so a copy comes just before its first use.
 */
function rewrite(
  graph: Graph,
  split: Split,
  saved: ReadonlySet<Node>,
  backward: ReadonlySet<Node>,
  report: (recomputed: readonly Node[]) => RematReport,
): Rematerialized {
  const b = new GraphBuilder();
  const made = new Map<Node, Node>();
  const copies = new Map<Node, Node>();
  const kept = (n: Node) => saved.has(n) || split.free.has(n);
  const mine = (n: Node) => (kept(n) ? made.get(n)! : copies.get(n)!);
  /** The backward's version of forward node `root`: itself when kept, else its copy. */
  const recompute = (root: Node): Node => {
    const stack = [root];
    while (stack.length > 0) {
      const n = stack.at(-1)!;
      if (kept(n) || copies.has(n)) {
        stack.pop();
        continue;
      }
      if (!recomputable(n))
        throw new InternalError(`${n.op} %${n.id} is neither saved nor recomputable`);
      const pending = n.inputs.filter((i) => !kept(i) && !copies.has(i));
      if (pending.length > 0) {
        stack.push(...pending);
        continue;
      }
      stack.pop();
      copies.set(n, b.recomputed(n, n.inputs.map(mine)));
    }
    return mine(root);
  };
  for (const n of graph.nodes) {
    const inBackward = backward.has(n) && !split.forward.has(n);
    const inputs = n.inputs.map((i) =>
      inBackward && split.forward.has(i) ? recompute(i) : made.get(i)!,
    );
    made.set(
      n,
      b.withSpan(n.span, () => b.node(n.op, inputs, n.attrs as never) as Node),
    );
  }
  const outputs = new Map([...graph.outputs].map(([name, n]) => [name, made.get(n)!]));
  return { graph: b.build(outputs), report: report([...copies.keys()]) };
}
